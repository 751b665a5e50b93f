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
	mux.Handle("POST /settings/tokens", h(full, s.tokenCreate))
	mux.Handle("POST /settings/tokens/{id}/revoke", h(full, s.tokenRevoke))
	mux.Handle("GET /settings/totp", h(full, s.settingsTOTPForm))
	mux.Handle("POST /settings/totp", h(full, s.settingsTOTP))

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
