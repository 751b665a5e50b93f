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

		{method: "GET", path: "/api/v1/audit", fn: s.listAudit},
		{method: "GET", path: "/api/v1/audit/verify", fn: s.verifyAudit},
	}
}
