// Package web serves the server-rendered pages: html/template and htmx, every asset
// embedded, Chinese first with English switchable.
package web

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"guangong"
	"guangong/httpx"
	"guangong/importer"
)

// Config is what the main program gives the site.
type Config struct {
	Store      guangong.Store
	Log        *slog.Logger
	Metrics    *httpx.Metrics // nil: /metrics not served
	API        http.Handler   // mounted at /api/; may be nil in tests
	TrustProxy bool           // honour X-Forwarded-For / X-Forwarded-Proto
	PublicURL  string         // the address phones reach the site at, for printed QR codes ("" = as requested)
	Version    string
	// Importer checks and commits uploaded sheets; share one with the API. Nil makes one.
	Importer *importer.Runner
	// Templates parsed beforehand (ParseTemplates), e.g. while the database opens; nil: New parses.
	Templates *Parsed
}

type server struct {
	cfg    Config
	store  guangong.Store
	log    *slog.Logger
	assets *assets
	tmpl   *templates // every page, parsed once, in each language (templates.go)
	// imports checks uploaded sheets in the background; one per site, shared by its pages.
	imports *importer.Runner
}

// New parses every template once (failing fast) and returns the whole site.
func New(cfg Config) (http.Handler, error) {
	if cfg.Store == nil {
		return nil, errors.New("web: Config.Store is nil")
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	a, err := loadAssets()
	if err != nil {
		return nil, err
	}
	s := &server{cfg: cfg, store: cfg.Store, log: cfg.Log, assets: a}
	s.imports = cfg.Importer
	if s.imports == nil {
		s.imports = &importer.Runner{Store: cfg.Store, Log: cfg.Log}
	}
	if err := s.parseTemplates(); err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	s.routes(mux)
	cop := http.NewCrossOriginProtection()
	// Bearer-token API calls carry no cookie, so browsers' cross-origin rules do not apply.
	cop.AddInsecureBypassPattern("/api/")
	var h http.Handler = securityHeaders(mux, cfg.TrustProxy)
	h = cop.Handler(h)
	return httpx.Observe(cfg.Log, cfg.Metrics, h), nil
}

// securityHeaders sets the headers every answer carries. Strict-Transport-Security goes
// only on answers that travelled over TLS (directly, or through a proxy we trust that says
// so): browsers ignore it on plain http, and sent there it would promise what is not true.
func securityHeaders(next http.Handler, trustProxy bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		if httpx.IsTLS(r, trustProxy) {
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		if !strings.HasPrefix(r.URL.Path, "/api/") {
			h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'")
			h.Set("X-Frame-Options", "DENY")
		}
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		next.ServeHTTP(w, r)
	})
}

// execute renders one named template of a page into a buffer.
func (s *server) execute(lang, page, name string, v *view) (*bytes.Buffer, error) {
	var buf bytes.Buffer
	if err := s.tmpl.execute(&buf, lang, page, name, v); err != nil {
		return nil, guangong.Internal(fmt.Errorf("web: render %s %s: %w", page, name, err))
	}
	return &buf, nil
}

// view is what every template receives.
type view struct {
	Lang      string
	LargeText bool
	User      *guangong.User
	CSRF      string
	Title     string
	Version   string
	Path      string
	Errors    map[string]string // field → message, already in the page's language
	Message   string            // the form-level message
	Form      url.Values        // the person's input, given back with the errors
	Data      any
}

func (c *ctx) view(title string, data any) *view {
	v := &view{Lang: c.lang, LargeText: c.largeText, User: c.user, Title: title, Data: data,
		Version: c.s.cfg.Version, Path: c.r.URL.Path}
	if c.sess != nil && !c.sess.MFAPending {
		v.CSRF = c.sess.CSRFToken
	}
	if c.sess != nil && c.sess.MFAPending {
		v.CSRF = c.sess.CSRFToken
		v.User = nil // the nav is for accounts past the second factor
	}
	return v
}

// render executes a page into a buffer first, so that an error never leaves half a page.
// An htmx request aimed at <main> gets only the page's content.
func (c *ctx) render(status int, page string, v *view) error {
	name := "layout"
	if isHTMX(c.r) && c.r.Header.Get("HX-Target") == "main" {
		name = "content"
	}
	return c.fragment(status, page, name, v)
}

// fragment renders one named template of a page on its own.
func (c *ctx) fragment(status int, page, name string, v *view) error {
	buf, err := c.s.execute(c.lang, page, name, v)
	if err != nil {
		return err
	}
	h := c.w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Vary", "HX-Request, HX-Target")
	c.w.WriteHeader(status)
	_, _ = c.w.Write(buf.Bytes())
	return nil
}

func isHTMX(r *http.Request) bool {
	return r.Header.Get("HX-Request") == "true" && r.Header.Get("HX-Boosted") == ""
}

// redirect after a successful form: 303 for browsers, HX-Redirect for htmx.
func (c *ctx) redirect(url string) error {
	if isHTMX(c.r) {
		c.w.Header().Set("HX-Redirect", url)
		c.w.WriteHeader(http.StatusNoContent)
		return nil
	}
	http.Redirect(c.w, c.r, url, http.StatusSeeOther)
	return nil
}

// fail answers a request whose handler returned err: an error page in the user's language,
// or the login page when the session is gone. Internal errors are logged in full.
func (c *ctx) fail(err error) {
	if errors.Is(err, errHandled) {
		return
	}
	status := httpx.StatusOf(err)
	if status == http.StatusUnauthorized {
		c.clearSessionCookie()
		_ = c.redirect("/login")
		return
	}
	if status == http.StatusForbidden && !guangong.IsAudited(err) && c.user != nil {
		// A role check made here, not in the store: every permission denial is audited.
		if aerr := c.s.store.RecordAudit(c.r.Context(), c.actor(), &guangong.AuditEntry{
			Action: guangong.ActionDenied, Result: guangong.ResultDenied, ObjectType: "request",
			OrgID: c.user.OrgID, Detail: "role: " + c.r.Method + " " + c.r.URL.Path,
		}); aerr != nil {
			c.s.log.ErrorContext(c.r.Context(), "audit denial", slog.Any("err", aerr))
		}
	}
	if status == http.StatusInternalServerError {
		c.s.log.ErrorContext(c.r.Context(), "request failed",
			slog.String("request_id", httpx.RequestID(c.r.Context())),
			slog.String("path", c.r.URL.Path), slog.Any("err", err))
	}
	msg := guangong.ErrorMsg(err).In(c.lang)
	v := c.view(msg, nil)
	v.Message = msg
	v.Data = status
	if rerr := c.render(status, "error/error", v); rerr != nil {
		c.s.log.ErrorContext(c.r.Context(), "render error page", slog.Any("err", rerr))
		http.Error(c.w, "系统内部错误", http.StatusInternalServerError)
	}
}

// renderForm renders a form page with the person's input given back and, when ferr is bad
// input or a conflict, its messages beside the fields; any other error is returned as is.
func (c *ctx) renderForm(status int, page string, v *view, form url.Values, ferr error) error {
	v.Form = form
	if ferr != nil {
		st, ok := c.formError(v, ferr)
		if !ok {
			return ferr
		}
		status = st
	}
	return c.render(status, page, v)
}

// formError decides whether err belongs on the form (bad input, conflict) and, if so, fills
// v with the messages in the user's language and returns the status to answer with.
func (c *ctx) formError(v *view, err error) (int, bool) {
	code := guangong.ErrorCode(err)
	if code != guangong.EINVALID && code != guangong.ECONFLICT {
		return 0, false
	}
	v.Message = guangong.ErrorMsg(err).In(c.lang)
	v.Errors = map[string]string{}
	for f, m := range guangong.FieldErrors(err) {
		v.Errors[f] = m.In(c.lang)
	}
	return httpx.StatusOf(err), true
}
