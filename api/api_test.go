package api

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"guangong"
	"guangong/httpx"
	"guangong/sqlstore"
	"guangong/sqlstore/storetest"
)

// env is one API over a fresh fixture database, with a token for every fixture account.
type env struct {
	t      *testing.T
	db     *sqlstore.DB
	fx     *storetest.Fixture
	h      http.Handler
	tokens map[string]string
	ids    *strings.Replacer // {Town} → its id, {u:townclerk} → the account's id
	pairs  []string
}

func newEnv(t *testing.T, db *sqlstore.DB) *env {
	t.Helper()
	fx := storetest.NewFixture(t, db)
	e := &env{t: t, db: db, fx: fx, tokens: map[string]string{}}
	e.h = httpx.Observe(slog.New(slog.DiscardHandler), nil, New(Config{Store: db}))
	pairs := []string{
		"{County}", fx.County.ID, "{Town}", fx.Town.ID, "{VillageA}", fx.VillageA.ID,
		"{VillageB}", fx.VillageB.ID, "{School}", fx.School.ID, "{OtherTown}", fx.OtherTown.ID,
		"{Missing}", guangong.NewID(),
	}
	for name, u := range fx.Users {
		raw, _, err := db.CreateToken(context.Background(), fx.Actor(name), u.ID, "test", 0)
		if err != nil {
			t.Fatalf("token for %s: %v", name, err)
		}
		e.tokens[name] = raw
		pairs = append(pairs, "{u:"+name+"}", u.ID)
	}
	e.pairs = pairs
	e.ids = strings.NewReplacer(pairs...)
	return e
}

// alias makes {name} stand for id in later paths and bodies.
func (e *env) alias(name, id string) {
	e.pairs = append(e.pairs, "{"+name+"}", id)
	e.ids = strings.NewReplacer(e.pairs...)
}

// do sends a request as user ("" for none); {Name} placeholders in path and body become ids.
func (e *env) do(method, path, user, body string, header ...string) *httptest.ResponseRecorder {
	e.t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(e.ids.Replace(body))
	}
	req := httptest.NewRequest(method, e.ids.Replace(path), r)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if user != "" {
		tok, ok := e.tokens[user]
		if !ok {
			tok = user // a raw token given directly
		}
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	return rec
}

// decodeInto parses a JSON response into v, failing on a problem or bad JSON.
func (e *env) decodeInto(rec *httptest.ResponseRecorder, v any) {
	e.t.Helper()
	if rec.Code >= 300 {
		e.t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	if err := json.Unmarshal(rec.Body.Bytes(), v); err != nil {
		e.t.Fatalf("response %s: %v", rec.Body, err)
	}
}

// count lists path as user and returns the total, to check that nothing was saved.
func (e *env) count(path, user string) int {
	e.t.Helper()
	var l struct{ Total int }
	e.decodeInto(e.do("GET", path, user, ""), &l)
	return l.Total
}

// scenario is one request and what its answer must and must not hold.
type scenario struct {
	name         string
	method, path string
	user         string
	body         string
	status       int
	want         []string // substrings of the body
	notWant      []string
	fields       []string // field errors the problem must name
	header       []string
}

func (e *env) run(scenarios []scenario) {
	e.t.Helper()
	for _, sc := range scenarios {
		e.t.Run(sc.name, func(t *testing.T) {
			rec := e.do(sc.method, sc.path, sc.user, sc.body, sc.header...)
			body := rec.Body.String()
			if rec.Code != sc.status {
				t.Fatalf("%s %s as %s: status %d, want %d: %s", sc.method, sc.path, sc.user, rec.Code, sc.status, body)
			}
			for _, w := range sc.want {
				if !strings.Contains(body, e.ids.Replace(w)) {
					t.Errorf("body lacks %q: %s", w, body)
				}
			}
			for _, w := range sc.notWant {
				if strings.Contains(body, e.ids.Replace(w)) {
					t.Errorf("body holds %q: %s", w, body)
				}
			}
			if rec.Code >= 400 {
				p := decodeProblem(t, rec)
				for _, f := range sc.fields {
					if fieldMsg(p, f) == "" {
						t.Errorf("problem names no field %s: %s", f, body)
					}
				}
				if p.Instance != e.ids.Replace(strings.SplitN(sc.path, "?", 2)[0]) {
					t.Errorf("instance %q", p.Instance)
				}
			} else if len(sc.fields) > 0 {
				t.Errorf("expected field errors %v on a success", sc.fields)
			}
		})
	}
}

var placeholder = regexp.MustCompile(`\{[^}]+\}`)

// sameAsMissing checks that a request for an out-of-scope object answers exactly as the
// same request for an id that does not exist, and never names the object.
func (e *env) sameAsMissing(method, path, user, body string, status int, secrets ...string) {
	e.t.Helper()
	missing := guangong.NewID()
	got := e.do(method, path, user, body)
	loc := placeholder.FindStringIndex(path)
	wantPath := path[:loc[0]] + missing + path[loc[1]:]
	ref := e.do(method, wantPath, user, body)
	id := e.ids.Replace(path)
	norm := func(s, p string) string { return strings.ReplaceAll(s, p, "PATH") }
	if got.Code != status || ref.Code != status {
		e.t.Errorf("%s %s as %s: status %d (missing id: %d), want %d: %s", method, path, user, got.Code, ref.Code, status, got.Body)
		return
	}
	if a, b := norm(got.Body.String(), id), norm(ref.Body.String(), e.ids.Replace(wantPath)); a != b {
		e.t.Errorf("%s %s as %s: body differs from a missing id's:\n%s\n%s", method, path, user, a, b)
	}
	for _, s := range secrets {
		if strings.Contains(got.Body.String(), s) {
			e.t.Errorf("%s %s as %s: body names %q: %s", method, path, user, s, got.Body)
		}
	}
}
