// Package api serves the JSON API under /api/v1 and its OpenAPI document. It holds no
// rules of its own: validation and scope live in the domain and the store, so the API and
// the pages answer alike.
package api

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"

	"guangong"
	"guangong/httpx"
	"guangong/importer"
)

// Config is what the API needs from the main program.
type Config struct {
	Store      guangong.Store
	Log        *slog.Logger
	TrustProxy bool   // honour X-Forwarded-For for the audited client address
	PublicURL  string // the address phones reach the site at, for QR codes ("" = as requested)
	Version    string // reported in the OpenAPI document's info
	// Importer checks and commits uploaded sheets; share the pages' one. Nil makes one.
	Importer *importer.Runner
}

type server struct {
	store      guangong.Store
	log        *slog.Logger
	trustProxy bool
	publicURL  string
	version    string
	imports    *importer.Runner
}

// apiFunc is an authenticated handler; the error it returns becomes a problem response.
type apiFunc func(w http.ResponseWriter, r *http.Request, a *guangong.Actor) error

// New returns the handler for /api/v1/... and GET /api/openapi.json. It expects the full
// request path: it is mounted at "/api/" without prefix stripping.
func New(cfg Config) http.Handler {
	s := &server{store: cfg.Store, log: cfg.Log, trustProxy: cfg.TrustProxy, publicURL: cfg.PublicURL, version: cfg.Version, imports: cfg.Importer}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.imports == nil {
		s.imports = &importer.Runner{Store: cfg.Store, Log: s.log}
	}
	mux := http.NewServeMux()
	// paths knows every path regardless of method, to tell 405 from 404.
	paths := http.NewServeMux()
	allowed := map[string][]string{}
	for _, rt := range s.routes() {
		var h http.Handler
		if rt.public {
			h = rt.handler
		} else {
			h = s.authenticate(rt.fn)
		}
		mux.Handle(rt.method+" "+rt.path, h)
		if _, seen := allowed[rt.path]; !seen {
			paths.Handle(rt.path, http.NotFoundHandler())
		}
		allowed[rt.path] = append(allowed[rt.path], rt.method)
	}
	mux.Handle("/api/", s.unmatched(paths, allowed))
	return noStore(mux)
}

// noStore keeps responses (some carry fresh tokens) out of caches.
func noStore(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		next.ServeHTTP(w, r)
	})
}

// unmatched answers requests no route takes: 405 with Allow when the path exists under
// another method, otherwise 404. Under /api/v1 a caller must authenticate first, so an
// anonymous client learns nothing about which paths exist.
func (s *server) unmatched(paths *http.ServeMux, allowed map[string][]string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		answer := func(w http.ResponseWriter, r *http.Request) {
			if _, pattern := paths.Handler(r); pattern != "" {
				methods := allowed[pattern]
				w.Header().Set("Allow", strings.Join(methods, ", "))
				s.problem(w, r, statusError(http.StatusMethodNotAllowed, "不支持该请求方法", "Method not allowed"))
				return
			}
			s.problem(w, r, statusError(http.StatusNotFound, "接口不存在", "No such endpoint"))
		}
		if strings.HasPrefix(r.URL.Path, "/api/v1/") {
			s.authenticate(func(w http.ResponseWriter, r *http.Request, _ *guangong.Actor) error {
				answer(w, r)
				return nil
			}).ServeHTTP(w, r)
			return
		}
		answer(w, r)
	})
}

// authenticate resolves the bearer token to an account and builds the actor the store
// scopes every call by.
func (s *server) authenticate(fn apiFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, ok := bearer(r)
		if !ok {
			s.problem(w, r, guangong.Errorf(guangong.EUNAUTHORIZED,
				"缺少访问令牌：请在 Authorization 头中使用 Bearer 令牌",
				"Missing access token: send Authorization: Bearer <token>"))
			return
		}
		u, err := s.store.TokenUser(r.Context(), raw)
		if err == nil && u.Disabled {
			err = guangong.Errorf(guangong.EUNAUTHORIZED, "访问令牌无效或已撤销", "The access token is invalid or revoked")
		}
		if err != nil {
			s.problem(w, r, err)
			return
		}
		a := &guangong.Actor{
			UserID:    u.ID,
			Username:  u.Username,
			Role:      u.Role,
			OrgID:     u.OrgID,
			IP:        httpx.ClientIP(r, s.trustProxy),
			RequestID: httpx.RequestID(r.Context()),
			// 未成年人信息 access travels with the account, so a revoked grant ends at once.
			MinorAccess: u.MinorAccess,
			VolunteerID: u.VolunteerID,
			ViaToken:    true,
		}
		if err := fn(w, r, a); err != nil {
			s.problem(w, r, err)
		}
	})
}

func bearer(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	scheme, token, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != ""
}

// writeJSON sends v with status. Encoding happens into memory first so that a failure
// never leaves half a body behind a 200.
func (s *server) writeJSON(w http.ResponseWriter, r *http.Request, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		s.problem(w, r, guangong.Internal(err))
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}

// list is the shape of every paged list.
type list struct {
	Items  any  `json:"items"`           // []T, or the members fields= kept of each
	Total  *int `json:"total,omitempty"` // absent when the client asked skipTotal=true
	Offset int  `json:"offset"`
	Limit  int  `json:"limit"`
}

func newList[T any](items []T, total int, p guangong.Page) (list, error) {
	if items == nil {
		items = []T{} // [] rather than null, so clients need no special case
	}
	kept, err := selectFields(items, p.Fields)
	if err != nil {
		return list{}, err
	}
	p = p.Normalize()
	l := list{Items: kept, Offset: p.Offset, Limit: p.Limit}
	if !p.SkipTotal {
		l.Total = &total
	}
	return l, nil
}

// items is the shape of an unpaged list.
type items[T any] struct {
	Items []T `json:"items"`
}

func newItems[T any](v []T) items[T] {
	if v == nil {
		v = []T{}
	}
	return items[T]{Items: v}
}

// lang is the language of messages: English when the client asks for it first.
func lang(r *http.Request) string {
	if strings.HasPrefix(strings.ToLower(strings.TrimSpace(r.Header.Get("Accept-Language"))), "en") {
		return "en"
	}
	return "zh"
}
