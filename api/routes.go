package api

import "net/http"

// route is one entry of the API's table. The OpenAPI test walks this table, so a route
// added here without documentation (or documented without a route) fails the build's tests.
type route struct {
	method  string
	path    string
	fn      apiFunc      // authenticated handlers
	handler http.Handler // public handlers (public == true)
	public  bool
}

func (s *server) routes() []route {
	return []route{
		{method: "GET", path: "/api/openapi.json", handler: s.openAPI(), public: true},

		{method: "GET", path: "/api/v1/me", fn: s.getMe},
		{method: "PATCH", path: "/api/v1/me/prefs", fn: s.setPrefs},
		{method: "POST", path: "/api/v1/me/password", fn: s.changePassword},

		{method: "GET", path: "/api/v1/orgs", fn: s.listOrgs},
		{method: "POST", path: "/api/v1/orgs", fn: s.createOrg},
		{method: "GET", path: "/api/v1/orgs/{id}", fn: s.getOrg},
		{method: "PATCH", path: "/api/v1/orgs/{id}", fn: s.updateOrg},
		{method: "POST", path: "/api/v1/orgs/{id}/move", fn: s.moveOrg},
		{method: "POST", path: "/api/v1/orgs/{id}/dissolve", fn: s.dissolveOrg},
		{method: "GET", path: "/api/v1/orgs/{id}/summary", fn: s.orgSummary},
		{method: "GET", path: "/api/v1/orgs/{id}/ancestors", fn: s.orgAncestors},

		{method: "GET", path: "/api/v1/users", fn: s.listUsers},
		{method: "POST", path: "/api/v1/users", fn: s.createUser},
		{method: "GET", path: "/api/v1/users/{id}", fn: s.getUser},
		{method: "PATCH", path: "/api/v1/users/{id}", fn: s.updateUser},
		{method: "POST", path: "/api/v1/users/{id}/reset-password", fn: s.resetPassword},
		{method: "POST", path: "/api/v1/users/{id}/end-sessions", fn: s.endSessions},
		{method: "GET", path: "/api/v1/users/{id}/tokens", fn: s.listTokens},
		{method: "POST", path: "/api/v1/users/{id}/tokens", fn: s.createToken},
		{method: "DELETE", path: "/api/v1/tokens/{id}", fn: s.revokeToken},

		{method: "GET", path: "/api/v1/volunteers", fn: s.listVolunteers},
		{method: "POST", path: "/api/v1/volunteers", fn: s.createVolunteer},
		{method: "GET", path: "/api/v1/volunteers/export.xlsx", fn: s.exportVolunteers},
		{method: "GET", path: "/api/v1/volunteers/{id}", fn: s.getVolunteer},
		{method: "PUT", path: "/api/v1/volunteers/{id}", fn: s.updateVolunteer},
		{method: "POST", path: "/api/v1/volunteers/{id}/merge", fn: s.mergeVolunteers},
		{method: "GET", path: "/api/v1/volunteers/{id}/memberships", fn: s.listMemberships},
		{method: "POST", path: "/api/v1/volunteers/{id}/memberships", fn: s.addMembership},
		{method: "POST", path: "/api/v1/memberships/{id}/end", fn: s.endMembership},
		{method: "GET", path: "/api/v1/orgs/{id}/posts", fn: s.listPosts},
		{method: "POST", path: "/api/v1/orgs/{id}/posts", fn: s.addPost},
		{method: "POST", path: "/api/v1/posts/{id}/end", fn: s.endPost},
		{method: "GET", path: "/api/v1/orgs/{id}/composition", fn: s.composition},
		{method: "GET", path: "/api/v1/orgs/{id}/bodies", fn: s.listBodies},
		{method: "POST", path: "/api/v1/orgs/{id}/bodies", fn: s.createBody},
		{method: "GET", path: "/api/v1/bodies/{id}/members", fn: s.listBodyMembers},
		{method: "POST", path: "/api/v1/bodies/{id}/members", fn: s.addBodyMember},

		{method: "GET", path: "/api/v1/youths", fn: s.listYouths},
		{method: "POST", path: "/api/v1/youths", fn: s.createYouth},
		{method: "GET", path: "/api/v1/youths/export.xlsx", fn: s.exportYouths},
		{method: "GET", path: "/api/v1/youths/{id}", fn: s.getYouth},
		{method: "PUT", path: "/api/v1/youths/{id}", fn: s.updateYouth},
		{method: "POST", path: "/api/v1/youths/{id}/reveal", fn: s.revealYouth},
		{method: "POST", path: "/api/v1/youths/{id}/merge", fn: s.mergeYouths},

		{method: "GET", path: "/api/v1/duplicates", fn: s.listDuplicates},

		{method: "GET", path: "/api/v1/templates/{file}", fn: s.getTemplate},
		{method: "POST", path: "/api/v1/imports", fn: s.createImport},
		{method: "GET", path: "/api/v1/imports/{id}", fn: s.getImport},
		{method: "POST", path: "/api/v1/imports/{id}/commit", fn: s.commitImport},

		{method: "GET", path: "/api/v1/hours", fn: s.listHours},
		{method: "POST", path: "/api/v1/hours", fn: s.recordHours},
		{method: "POST", path: "/api/v1/hours/batch", fn: s.recordHoursBatch},
		{method: "GET", path: "/api/v1/hours/sheet", fn: s.hoursSheet},
		{method: "GET", path: "/api/v1/hours/export", fn: s.exportHours},
		{method: "POST", path: "/api/v1/hours/confirm", fn: s.confirmHours},
		{method: "GET", path: "/api/v1/hours/{id}", fn: s.getHours},
		{method: "GET", path: "/api/v1/hours/{id}/trace", fn: s.hoursTrace},
		{method: "POST", path: "/api/v1/hours/{id}/correct", fn: s.correctHours},
		{method: "POST", path: "/api/v1/hours/{id}/void", fn: s.voidHours},
		{method: "GET", path: "/api/v1/volunteers/{id}/service/yearly", fn: s.volunteerYearlyHours},
		{method: "GET", path: "/api/v1/volunteers/{id}/service/events", fn: s.volunteerEvents},
		{method: "GET", path: "/api/v1/volunteers/{id}/service/shifts", fn: s.volunteerShifts},
		{method: "GET", path: "/api/v1/volunteers/{id}/certificates", fn: s.listCertificates},
		{method: "POST", path: "/api/v1/volunteers/{id}/certificates", fn: s.issueCertificate},
		{method: "GET", path: "/api/v1/certificates/{id}", fn: s.getCertificate},

		{method: "GET", path: "/api/v1/duty/posts", fn: s.listDutyPosts},
		{method: "POST", path: "/api/v1/duty/posts", fn: s.createDutyPost},
		{method: "GET", path: "/api/v1/duty/posts/{id}", fn: s.getDutyPost},
		{method: "PATCH", path: "/api/v1/duty/posts/{id}", fn: s.updateDutyPost},
		{method: "GET", path: "/api/v1/duty/posts/{id}/qr.svg", fn: s.dutyPostQR},
		{method: "POST", path: "/api/v1/duty/posts/{id}/shifts", fn: s.createShift},
		{method: "GET", path: "/api/v1/duty/shifts", fn: s.listShifts},
		{method: "GET", path: "/api/v1/duty/shifts/{id}", fn: s.getShift},
		{method: "PUT", path: "/api/v1/duty/shifts/{id}", fn: s.updateShift},
		{method: "GET", path: "/api/v1/duty/shifts/{id}/volunteers", fn: s.listShiftVolunteers},
		{method: "POST", path: "/api/v1/duty/shifts/{id}/volunteers", fn: s.assignShift},
		{method: "POST", path: "/api/v1/duty/shifts/{id}/signup", fn: s.signUpShift},
		{method: "DELETE", path: "/api/v1/duty/places/{id}", fn: s.withdrawShift},
		{method: "POST", path: "/api/v1/duty/places/{id}/close", fn: s.closeCheckOut},
		{method: "GET", path: "/api/v1/duty/checkin/{token}", fn: s.checkInPage},
		{method: "POST", path: "/api/v1/duty/checkin/{token}/in", fn: s.checkInOut(false)},
		{method: "POST", path: "/api/v1/duty/checkin/{token}/out", fn: s.checkInOut(true)},
		{method: "GET", path: "/api/v1/duty/attendance", fn: s.listAttendance},
		{method: "GET", path: "/api/v1/duty/mine", fn: s.myShifts},

		{method: "GET", path: "/api/v1/events", fn: s.listEvents},
		{method: "POST", path: "/api/v1/events", fn: s.createEvent},
		{method: "GET", path: "/api/v1/events/calendar", fn: s.eventCalendar},
		{method: "GET", path: "/api/v1/events/{id}", fn: s.getEvent},
		{method: "PUT", path: "/api/v1/events/{id}", fn: s.updateEvent},
		{method: "POST", path: "/api/v1/events/{id}/attachments", fn: s.addAttachment},
		{method: "GET", path: "/api/v1/events/{id}/attachments/{aid}", fn: s.getAttachment},
		{method: "DELETE", path: "/api/v1/events/{id}/attachments/{aid}", fn: s.deleteAttachment},
		{method: "DELETE", path: "/api/v1/events/{id}", fn: s.deleteEvent},
		{method: "GET", path: "/api/v1/orgs/{id}/large-rule", fn: s.getLargeRule},
		{method: "PUT", path: "/api/v1/orgs/{id}/large-rule", fn: s.setLargeRule},
		{method: "GET", path: "/api/v1/orgs/{id}/rule-in-force", fn: s.getRuleInForce},
		{method: "GET", path: "/api/v1/troupes", fn: s.listTroupes},
		{method: "POST", path: "/api/v1/troupes", fn: s.createTroupe},
		{method: "GET", path: "/api/v1/troupes/{id}", fn: s.getTroupe},
		{method: "PUT", path: "/api/v1/troupes/{id}", fn: s.updateTroupe},
		{method: "GET", path: "/api/v1/troupes/{id}/members", fn: s.listTroupeMembers},
		{method: "POST", path: "/api/v1/troupes/{id}/members", fn: s.addTroupeMember},
		{method: "POST", path: "/api/v1/troupe-members/{id}/end", fn: s.endTroupeMember},

		// Yearly progress: figures, targets and defaults, the yearly plan.
		{method: "GET", path: "/api/v1/progress", fn: s.getProgress},
		{method: "GET", path: "/api/v1/progress/years", fn: s.getProgressYears},
		{method: "GET", path: "/api/v1/progress/children", fn: s.getProgressChildren},
		{method: "GET", path: "/api/v1/progress/descendants", fn: s.getProgressDescendants},
		{method: "GET", path: "/api/v1/progress/metrics", fn: s.listMetrics},
		{method: "GET", path: "/api/v1/orgs/{id}/targets", fn: s.listTargets},
		{method: "PUT", path: "/api/v1/orgs/{id}/targets/{metric}", fn: s.setTarget},
		{method: "DELETE", path: "/api/v1/targets/{id}", fn: s.deleteTarget},
		{method: "GET", path: "/api/v1/orgs/{id}/target-defaults", fn: s.listTargetDefaults},
		{method: "PUT", path: "/api/v1/orgs/{id}/target-defaults/{metric}", fn: s.setTargetDefault},
		{method: "DELETE", path: "/api/v1/orgs/{id}/target-defaults/{metric}", fn: s.deleteTargetDefault},
		{method: "GET", path: "/api/v1/orgs/{id}/plan", fn: s.listPlanItems},
		{method: "POST", path: "/api/v1/plan-items", fn: s.createPlanItem},
		{method: "GET", path: "/api/v1/plan-items/{id}", fn: s.getPlanItem},
		{method: "PUT", path: "/api/v1/plan-items/{id}", fn: s.updatePlanItem},
		{method: "DELETE", path: "/api/v1/plan-items/{id}", fn: s.deletePlanItem},

		{method: "GET", path: "/api/v1/audit", fn: s.listAudit},
		{method: "GET", path: "/api/v1/audit/verify", fn: s.verifyAudit},
		{method: "GET", path: "/api/v1/audit/head", fn: s.auditHead},
		{method: "POST", path: "/api/v1/audit/anchors", fn: s.recordAnchor},
	}
}
