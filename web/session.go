package web

import (
	"crypto/subtle"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"guangong"
	"guangong/httpx"
)

const (
	sessionCookie   = "guangong_session"
	langCookie      = "lang"
	largeTextCookie = "large_text"

	// maxFormBytes bounds a form post; the pages' forms are a few hundred bytes.
	maxFormBytes = 1 << 20
)

// ctx is one request as the handlers see it: who is calling, in which language.
type ctx struct {
	s         *server
	w         http.ResponseWriter
	r         *http.Request
	sess      *guangong.Session
	user      *guangong.User
	rawID     string
	lang      string
	largeText bool
}

// actor is the caller for the store: the account, its scope and where the call came from.
func (c *ctx) actor() *guangong.Actor {
	a := &guangong.Actor{
		IP:        httpx.ClientIP(c.r, c.s.cfg.TrustProxy),
		RequestID: httpx.RequestID(c.r.Context()),
	}
	if c.user != nil {
		a.UserID, a.Username, a.Role, a.OrgID = c.user.ID, c.user.Username, c.user.Role, c.user.OrgID
		a.MinorAccess, a.VolunteerID = c.user.MinorAccess, c.user.VolunteerID
	}
	if c.sess != nil {
		a.AuthAt = c.sess.AuthAt
	}
	return a
}

type handlerFunc func(c *ctx) error

// access says which sessions a route admits.
type access int

const (
	public  access = iota // anyone; the session is loaded when there is one
	pending               // a session waiting for its second factor
	full                  // a complete session; a forced password change comes first
	pwOnly                // a complete session, even one that must change its password
	anyAuth               // any session, pending or complete (logout)
)

func (s *server) handle(a access, fn handlerFunc) http.Handler {
	return s.handleLimit(a, maxFormBytes, fn)
}

// handleUpload is handle for a form that carries a file of up to maxUploadBytes.
func (s *server) handleUpload(a access, fn handlerFunc) http.Handler {
	return s.handleLimit(a, maxUploadBytes+maxFormBytes, fn)
}

func (s *server) handleLimit(a access, limit int64, fn handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !safeMethod(r.Method) {
			r.Body = http.MaxBytesReader(w, r.Body, limit)
		}
		c := &ctx{s: s, w: w, r: r, lang: "zh"}
		if ck, err := r.Cookie(langCookie); err == nil && (ck.Value == "en" || ck.Value == "zh") {
			c.lang = ck.Value
		}
		if ck, err := r.Cookie(largeTextCookie); err == nil && ck.Value == "1" {
			c.largeText = true
		}
		if err := c.loadSession(); err != nil {
			c.fail(err)
			return
		}
		if limit > maxFormBytes && !safeMethod(r.Method) {
			// Read the upload before the CSRF check, so a file too large is named as such.
			var tooBig *http.MaxBytesError
			if err := r.ParseMultipartForm(8 << 20); errors.As(err, &tooBig) {
				c.fail(guangong.Errorf(guangong.EINVALID, "文件不能超过20MB", "The file must be at most 20 MB"))
				return
			}
		}
		if err := c.admit(a); err != nil {
			c.fail(err)
			return
		}
		if err := fn(c); err != nil {
			c.fail(err)
		}
	})
}

func (c *ctx) loadSession() error {
	ck, err := c.r.Cookie(sessionCookie)
	if err != nil || ck.Value == "" {
		return nil
	}
	sess, user, err := c.s.store.SessionUser(c.r.Context(), ck.Value)
	if guangong.ErrorCode(err) == guangong.EUNAUTHORIZED {
		c.clearSessionCookie()
		return nil
	} else if err != nil {
		return err
	}
	c.sess, c.user, c.rawID = sess, user, ck.Value
	if !sess.MFAPending {
		if user.Lang == "en" || user.Lang == "zh" {
			c.lang = user.Lang
		}
		c.largeText = user.LargeText
	}
	return nil
}

// admit enforces the route's access and, on state-changing requests with a session, CSRF.
func (c *ctx) admit(a access) error {
	switch a {
	case pending:
		if c.sess == nil {
			return c.redirectLogin()
		}
		if !c.sess.MFAPending {
			return c.stop("/")
		}
	case full, pwOnly:
		if c.sess == nil {
			return c.redirectLogin()
		}
		if c.sess.MFAPending {
			return c.stop(c.secondFactorURL())
		}
		if a == full && c.user.MustChangePassword {
			return c.stop("/password")
		}
	case anyAuth:
		if c.sess == nil {
			return c.redirectLogin()
		}
	}
	if c.sess != nil && !safeMethod(c.r.Method) && a != public {
		return c.checkCSRF()
	}
	return nil
}

// errHandled tells handle that the response is already written.
var errHandled = &handled{}

type handled struct{}

func (*handled) Error() string { return "handled" }

func (c *ctx) redirectLogin() error { return c.stop("/login") }

// stop redirects and ends the request.
func (c *ctx) stop(url string) error {
	_ = c.redirect(url)
	return errHandled
}

func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

func (c *ctx) secondFactorURL() string {
	if c.user != nil && !c.user.TOTPEnabled {
		return "/login/enrol"
	}
	return "/login/totp"
}

// checkCSRF compares the form field or the htmx header with the session's token in
// constant time; a refusal is audited.
func (c *ctx) checkCSRF() error {
	got := c.r.Header.Get("X-CSRF-Token")
	if got == "" {
		got = c.r.PostFormValue("csrf")
	}
	if got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(c.sess.CSRFToken)) == 1 {
		return nil
	}
	a := c.actor()
	if err := c.s.store.RecordAudit(c.r.Context(), a, &guangong.AuditEntry{
		Action: guangong.ActionDenied, ObjectType: "request", Result: guangong.ResultDenied,
		Detail: "csrf: " + c.r.Method + " " + c.r.URL.Path,
	}); err != nil {
		c.s.log.ErrorContext(c.r.Context(), "audit csrf denial", slog.Any("err", err))
	}
	return guangong.Audited(guangong.Errorf(guangong.EFORBIDDEN, "页面已过期或请求来源无效，请返回后刷新页面再试",
		"The page has expired or the request is not from this site; go back, reload and try again"))
}

func (c *ctx) setSessionCookie(sess *guangong.Session) {
	http.SetCookie(c.w, &http.Cookie{
		Name: sessionCookie, Value: sess.ID, Path: "/", HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: httpx.IsTLS(c.r, c.s.cfg.TrustProxy),
		Expires: sess.ExpiresAt,
	})
}

func (c *ctx) clearSessionCookie() {
	http.SetCookie(c.w, &http.Cookie{
		Name: sessionCookie, Value: "", Path: "/", HttpOnly: true, MaxAge: -1,
		SameSite: http.SameSiteLaxMode, Secure: httpx.IsTLS(c.r, c.s.cfg.TrustProxy),
	})
}

// setPrefCookie remembers a choice made before login.
func (c *ctx) setPrefCookie(name, value string) {
	http.SetCookie(c.w, &http.Cookie{
		Name: name, Value: value, Path: "/", HttpOnly: true, MaxAge: int((365 * 24 * time.Hour).Seconds()),
		SameSite: http.SameSiteLaxMode, Secure: httpx.IsTLS(c.r, c.s.cfg.TrustProxy),
	})
}
