package web

import (
	"net/http"
)

// routes is every route of the site in one table.
func (s *server) routes(mux *http.ServeMux) {
	h := s.handle

	// Operations.
	mux.HandleFunc("GET /healthz", s.healthz)
	mux.HandleFunc("GET /readyz", s.readyz)
	if s.cfg.Metrics != nil {
		mux.Handle("GET /metrics", s.cfg.Metrics.Handler())
	}
	if s.cfg.API != nil {
		mux.Handle("/api/", s.cfg.API)
	}
	mux.HandleFunc("GET /static/{hash}/{file...}", s.assets.serve)
	// Browsers ask for it on every site; an empty answer keeps their consoles clean.
	mux.HandleFunc("GET /favicon.ico", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=86400")
		w.WriteHeader(http.StatusNoContent)
	})

	// Signing in and out.
	mux.Handle("GET /login", h(public, s.loginForm))
	mux.Handle("POST /login", h(public, s.login))
	mux.Handle("GET /login/totp", h(pending, s.totpForm))
	mux.Handle("POST /login/totp", h(pending, s.totp))
	mux.Handle("GET /login/enrol", h(pending, s.enrolForm))
	mux.Handle("POST /login/enrol", h(pending, s.enrol))
	mux.Handle("POST /logout", h(anyAuth, s.logout))
	mux.Handle("GET /password", h(pwOnly, s.passwordForm))
	mux.Handle("POST /password", h(pwOnly, s.changePassword))

	// Preferences: before login kept in cookies, after login on the account.
	mux.Handle("POST /lang", h(public, s.setLang))
	mux.Handle("POST /large-text", h(public, s.toggleLargeText))

	// Home.
	mux.Handle("GET /{$}", h(full, s.home))

	// The committee tree.
	mux.Handle("GET /orgs", h(full, s.orgTree))
	mux.Handle("GET /orgs/search", h(full, s.orgSearch))
	mux.Handle("GET /orgs/new", h(full, s.orgNewForm))
	mux.Handle("POST /orgs/new", h(full, s.orgCreate))
	mux.Handle("GET /orgs/{id}", h(full, s.orgPage))
	mux.Handle("GET /orgs/{id}/children", h(full, s.orgChildren))
	mux.Handle("GET /orgs/{id}/edit", h(full, s.orgEditForm))
	mux.Handle("POST /orgs/{id}/edit", h(full, s.orgUpdate))
	mux.Handle("GET /orgs/{id}/move", h(full, s.orgMoveForm))
	mux.Handle("POST /orgs/{id}/move", h(full, s.orgMove))
	mux.Handle("GET /orgs/{id}/dissolve", h(full, s.orgDissolveForm))
	mux.Handle("POST /orgs/{id}/dissolve", h(full, s.orgDissolve))

	// 五老 volunteers.
	mux.Handle("GET /volunteers", h(full, s.volunteerList))
	mux.Handle("GET /volunteers/new", h(full, s.volunteerNewForm))
	mux.Handle("POST /volunteers/new", h(full, s.volunteerCreate))
	mux.Handle("GET /volunteers/export.xlsx", h(full, s.exportVolunteers(false)))
	mux.Handle("POST /volunteers/export", h(full, s.exportVolunteers(true)))
	mux.Handle("GET /volunteers/duplicates", h(full, s.duplicates("volunteer")))
	mux.Handle("GET /volunteers/merge", h(full, s.mergeForm("volunteer")))
	mux.Handle("POST /volunteers/merge", h(full, s.merge("volunteer")))
	mux.Handle("GET /volunteers/{id}", h(full, s.volunteerPage))
	mux.Handle("GET /volunteers/{id}/edit", h(full, s.volunteerEditForm))
	mux.Handle("POST /volunteers/{id}/edit", h(full, s.volunteerUpdate))
	mux.Handle("POST /volunteers/{id}/memberships", h(full, s.membershipAdd))
	mux.Handle("POST /volunteers/{id}/memberships/{mid}/end", h(full, s.membershipEnd))

	// A committee's leadership (班子) and bodies, shown on its page.
	mux.Handle("GET /orgs/{id}/posts/new", h(full, s.postNewForm))
	mux.Handle("POST /orgs/{id}/posts/new", h(full, s.postCreate))
	mux.Handle("GET /orgs/{id}/posts/{pid}/end", h(full, s.postEndForm))
	mux.Handle("POST /orgs/{id}/posts/{pid}/end", h(full, s.postEnd))
	mux.Handle("GET /orgs/{id}/bodies/new", h(full, s.bodyNewForm))
	mux.Handle("POST /orgs/{id}/bodies/new", h(full, s.bodyCreate))
	mux.Handle("GET /orgs/{id}/bodies/{bid}/members/new", h(full, s.bodyMemberNewForm))
	mux.Handle("POST /orgs/{id}/bodies/{bid}/members/new", h(full, s.bodyMemberAdd))

	// Youths: masked for accounts without 未成年人信息 access; reveals are audited.
	mux.Handle("GET /youths", h(full, s.youthList))
	mux.Handle("GET /youths/new", h(full, s.youthNewForm))
	mux.Handle("POST /youths/new", h(full, s.youthCreate))
	mux.Handle("GET /youths/export.xlsx", h(full, s.exportYouths(false)))
	mux.Handle("POST /youths/export", h(full, s.exportYouths(true)))
	mux.Handle("GET /youths/duplicates", h(full, s.duplicates("youth")))
	mux.Handle("GET /youths/merge", h(full, s.mergeForm("youth")))
	mux.Handle("POST /youths/merge", h(full, s.merge("youth")))
	mux.Handle("GET /youths/{id}", h(full, s.youthPage))
	mux.Handle("GET /youths/{id}/edit", h(full, s.youthEditForm))
	mux.Handle("POST /youths/{id}/edit", h(full, s.youthUpdate))
	mux.Handle("GET /youths/{id}/reveal", h(full, s.youthRevealForm))
	mux.Handle("POST /youths/{id}/reveal", h(full, s.youthReveal))

	// Meetings and activities (one calendar), their attachments, the large rule, art troupes.
	mux.Handle("GET /events", h(full, s.eventList))
	mux.Handle("GET /events/calendar", h(full, s.eventCalendar))
	mux.Handle("GET /events/new", h(full, s.eventNewForm))
	mux.Handle("POST /events/new", h(full, s.eventCreate))
	mux.Handle("GET /events/quick", h(full, s.eventQuickForm))
	mux.Handle("POST /events/quick", s.handleUpload(full, s.eventQuick))
	mux.Handle("GET /events/pick", h(full, s.eventPick))
	mux.Handle("GET /events/pick/add", h(full, s.eventPickAdd))
	mux.Handle("GET /orgs/{id}/large-rule", h(full, s.ruleForm))
	mux.Handle("POST /orgs/{id}/large-rule", h(full, s.ruleSave))
	mux.Handle("GET /events/{id}", h(full, s.eventPage))
	mux.Handle("GET /events/{id}/edit", h(full, s.eventEditForm))
	mux.Handle("POST /events/{id}/edit", h(full, s.eventUpdate))
	mux.Handle("POST /events/{id}/attachments", s.handleUpload(full, s.attachmentAdd))
	mux.Handle("POST /events/{id}/attachments/{aid}/delete", h(full, s.attachmentDelete))
	mux.Handle("POST /events/{id}/delete", h(full, s.eventDelete))
	mux.Handle("GET /events/{id}/attachments/{aid}", h(full, s.attachment))
	mux.Handle("GET /troupes", h(full, s.troupeList))
	mux.Handle("GET /troupes/new", h(full, s.troupeNewForm))
	mux.Handle("POST /troupes/new", h(full, s.troupeCreate))
	mux.Handle("GET /troupes/{id}", h(full, s.troupePage))
	mux.Handle("GET /troupes/{id}/edit", h(full, s.troupeEditForm))
	mux.Handle("POST /troupes/{id}/edit", h(full, s.troupeUpdate))
	mux.Handle("POST /troupes/{id}/members", h(full, s.troupeMemberAdd))
	mux.Handle("POST /troupes/{id}/members/{mid}/end", h(full, s.troupeMemberEnd))

	// Excel import: upload, watch the check, read the report, then choose.
	mux.Handle("GET /imports", h(full, s.importForm))
	mux.Handle("POST /imports", s.handleUpload(full, s.importUpload))
	mux.Handle("GET /imports/{id}", h(full, s.importStatus))
	mux.Handle("POST /imports/{id}/commit", h(full, s.importCommit))
	mux.Handle("GET /templates/{file}", h(full, s.importTemplate))

	// Volunteer service hours: recording, confirmation, corrections, certificates, export.
	mux.Handle("GET /hours", h(full, s.hoursList))
	mux.Handle("GET /hours/mine", h(full, s.hoursMine))
	mux.Handle("GET /hours/new", h(full, s.hoursNewForm))
	mux.Handle("POST /hours/new", h(full, s.hoursCreate))
	mux.Handle("POST /hours/confirm", h(full, s.hoursConfirm))
	mux.Handle("GET /hours/export.xlsx", h(full, s.hoursExport("xlsx", false)))
	mux.Handle("GET /hours/export.csv", h(full, s.hoursExport("csv", false)))
	mux.Handle("POST /hours/export", h(full, s.hoursExport("xlsx", true)))
	mux.Handle("GET /hours/{id}", h(full, s.hoursPage))
	mux.Handle("POST /hours/{id}/correct", h(full, s.hoursCorrect))
	mux.Handle("POST /hours/{id}/void", h(full, s.hoursVoid))
	mux.Handle("GET /volunteers/{id}/certificates/new", h(full, s.certificateNewForm))
	mux.Handle("POST /volunteers/{id}/certificates", h(full, s.certificateIssue))
	mux.Handle("GET /certificates/{id}", h(full, s.certificatePage))

	// Duty rosters (值守排班): posts, shifts, sign-up and assignment, QR check-in, review.
	mux.Handle("GET /duty", h(full, s.dutyList))
	mux.Handle("GET /duty/mine", h(full, s.dutyMine))
	mux.Handle("GET /duty/review", h(full, s.dutyReview))
	mux.Handle("GET /duty/posts/new", h(full, s.dutyPostNewForm))
	mux.Handle("POST /duty/posts/new", h(full, s.dutyPostCreate))
	mux.Handle("GET /duty/posts/{id}", h(full, s.dutyPostPage))
	mux.Handle("GET /duty/posts/{id}/edit", h(full, s.dutyPostEditForm))
	mux.Handle("POST /duty/posts/{id}/edit", h(full, s.dutyPostUpdate))
	mux.Handle("GET /duty/posts/{id}/qr.svg", h(full, s.dutyQR("svg")))
	mux.Handle("GET /duty/posts/{id}/qr.png", h(full, s.dutyQR("png")))
	mux.Handle("GET /duty/posts/{id}/sign", h(full, s.dutySign))
	mux.Handle("GET /duty/posts/{id}/shifts/new", h(full, s.dutyShiftNewForm))
	mux.Handle("POST /duty/posts/{id}/shifts/new", h(full, s.dutyShiftCreate))
	mux.Handle("GET /duty/shifts/{id}", h(full, s.dutyShiftPage))
	mux.Handle("GET /duty/shifts/{id}/edit", h(full, s.dutyShiftEditForm))
	mux.Handle("POST /duty/shifts/{id}/edit", h(full, s.dutyShiftUpdate))
	mux.Handle("POST /duty/shifts/{id}/assign", h(full, s.dutyAssign))
	mux.Handle("POST /duty/shifts/{id}/signup", h(full, s.dutySignUp))
	mux.Handle("POST /duty/places/{id}/withdraw", h(full, s.dutyWithdraw))
	mux.Handle("GET /duty/places/{id}/close", h(full, s.dutyCloseForm))
	mux.Handle("POST /duty/places/{id}/close", h(full, s.dutyClose))
	// The page a post's QR code opens: it sends a visitor without a session to log in and back.
	mux.Handle("GET /checkin/{token}", h(public, s.checkIn))
	mux.Handle("POST /checkin/{token}/in", h(full, s.checkInOut(false)))
	mux.Handle("POST /checkin/{token}/out", h(full, s.checkInOut(true)))

	// Accounts.
	mux.Handle("GET /users", h(full, s.userList))
	mux.Handle("GET /users/new", h(full, s.userNewForm))
	mux.Handle("POST /users/new", h(full, s.userCreate))
	mux.Handle("GET /users/{id}", h(full, s.userEditForm))
	mux.Handle("POST /users/{id}", h(full, s.userUpdate))
	mux.Handle("GET /users/{id}/reset", h(full, s.userResetForm))
	mux.Handle("POST /users/{id}/reset", h(full, s.userReset))
	mux.Handle("POST /users/{id}/sessions", h(full, s.userEndSessions))

	// The audit trail.
	mux.Handle("GET /audit", h(full, s.auditList))
	mux.Handle("GET /audit/verify", h(full, s.auditVerify))

	// My settings.
	mux.Handle("GET /settings", h(full, s.settings))
	mux.Handle("POST /settings/prefs", h(full, s.savePrefs))
	mux.Handle("POST /settings/reauth", h(full, s.reauth))
	mux.Handle("POST /settings/tokens", h(full, s.tokenCreate))
	mux.Handle("POST /settings/tokens/{id}/revoke", h(full, s.tokenRevoke))
	mux.Handle("GET /settings/totp", h(full, s.settingsTOTPForm))
	mux.Handle("POST /settings/totp", h(full, s.settingsTOTP))

	// Yearly progress: figures against targets, targets and defaults, the yearly plan.
	mux.Handle("GET /progress", h(full, s.progressPage))
	mux.Handle("GET /progress/years", h(full, s.progressYears))
	mux.Handle("GET /progress/targets", h(full, s.targetsPage))
	mux.Handle("POST /progress/targets", h(full, s.targetSet))
	mux.Handle("POST /progress/defaults", h(full, s.targetDefaultSet))
	mux.Handle("GET /progress/plan", h(full, s.planPage))
	mux.Handle("POST /progress/plan", h(full, s.planCreate))
	mux.Handle("GET /progress/plan/{id}/edit", h(full, s.planEditForm))
	mux.Handle("POST /progress/plan/{id}/edit", h(full, s.planUpdate))
	mux.Handle("POST /progress/plan/{id}/delete", h(full, s.planDelete))

	// Anything else: a 404 page in the user's language.
	mux.Handle("/", h(public, s.notFound))
}

func (s *server) healthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write([]byte("ok\n"))
}

func (s *server) readyz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if err := s.store.Ping(r.Context()); err != nil {
		s.log.WarnContext(r.Context(), "readyz: store not answering", "err", err)
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte("database unavailable\n"))
		return
	}
	_, _ = w.Write([]byte("ok\n"))
}

func (s *server) notFound(c *ctx) error {
	return notFoundErr()
}
