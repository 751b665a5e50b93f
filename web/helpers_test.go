package web

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"guangong"
	"guangong/sqlstore"
	"guangong/sqlstore/storetest"
)

// site is the whole web application on a real HTTP server over a real database.
type site struct {
	t   *testing.T
	db  *sqlstore.DB
	fx  *storetest.Fixture
	srv *httptest.Server
}

func newSite(t *testing.T, db *sqlstore.DB) *site {
	t.Helper()
	return newSiteWith(t, db, nil)
}

// newSiteWith lets a test change the configuration before the site is built.
func newSiteWith(t *testing.T, db *sqlstore.DB, configure func(*Config)) *site {
	t.Helper()
	fx := storetest.NewFixture(t, db)
	cfg := Config{Store: db, Version: "test"}
	if configure != nil {
		configure(&cfg)
	}
	h, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return &site{t: t, db: db, fx: fx, srv: srv}
}

// ids replaces {Name} placeholders with the fixture's committee and account ids.
func (s *site) ids(p string) string {
	r := strings.NewReplacer(
		"{County}", s.fx.County.ID, "{Town}", s.fx.Town.ID, "{VillageA}", s.fx.VillageA.ID,
		"{VillageB}", s.fx.VillageB.ID, "{School}", s.fx.School.ID, "{OtherTown}", s.fx.OtherTown.ID,
	)
	p = r.Replace(p)
	for name, u := range s.fx.Users {
		p = strings.ReplaceAll(p, "{user:"+name+"}", u.ID)
	}
	return p
}

// client is one browser: a cookie jar, and the CSRF token of its session.
type client struct {
	t    *testing.T
	s    *site
	http *http.Client
	csrf string
}

func (s *site) client() *client {
	jar, _ := cookiejar.New(nil)
	return &client{t: s.t, s: s, http: &http.Client{
		Jar: jar,
		// Redirects are part of what the tests check.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Timeout:       30 * time.Second,
	}}
}

type resp struct {
	status   int
	body     string
	location string
	header   http.Header
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func (c *client) do(req *http.Request) resp {
	c.t.Helper()
	res, err := c.http.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	r := resp{status: res.StatusCode, body: string(b), location: res.Header.Get("Location"), header: res.Header}
	if m := csrfField.FindStringSubmatch(r.body); m != nil {
		c.csrf = m[1]
	}
	return r
}

func (c *client) get(path string, header ...string) resp {
	c.t.Helper()
	req, err := http.NewRequest(http.MethodGet, c.s.srv.URL+c.s.ids(path), nil)
	if err != nil {
		c.t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return c.do(req)
}

// post sends a form with the session's CSRF token, unless the form sets "csrf" itself.
func (c *client) post(path string, form url.Values) resp {
	c.t.Helper()
	f := url.Values{}
	for k, v := range form {
		f[k] = append([]string(nil), v...)
		for i := range f[k] {
			f[k][i] = c.s.ids(f[k][i])
		}
	}
	if _, ok := f["csrf"]; !ok && c.csrf != "" {
		f.Set("csrf", c.csrf)
	}
	if f.Get("csrf") == "" {
		f.Del("csrf")
	}
	req, err := http.NewRequest(http.MethodPost, c.s.srv.URL+c.s.ids(path), strings.NewReader(f.Encode()))
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return c.do(req)
}

func (c *client) sessionCookie() string {
	u, _ := url.Parse(c.s.srv.URL)
	for _, ck := range c.http.Jar.Cookies(u) {
		if ck.Name == sessionCookie {
			return ck.Value
		}
	}
	return ""
}

// loginAs logs a fixture account in, passing the second factor when asked for one.
func (s *site) loginAs(name string) *client {
	s.t.Helper()
	c := s.client()
	c.login(name)
	return c
}

func (c *client) login(name string) {
	c.t.Helper()
	r := c.post("/login", url.Values{"username": {name}, "password": {storetest.Password}})
	if r.status != http.StatusSeeOther {
		c.t.Fatalf("login %s: status %d\n%s", name, r.status, r.body)
	}
	if r.location == "/login/totp" {
		c.get("/login/totp") // picks up the pending session's CSRF token
		// A code is accepted once: each login of a second-factor account moves the clock to
		// the next 30-second step rather than reuse the last login's code.
		c.s.fx.Advance(30 * time.Second)
		code, err := totp.GenerateCode(storetest.TOTPSecret, c.s.db.Now())
		if err != nil {
			c.t.Fatal(err)
		}
		r = c.post("/login/totp", url.Values{"code": {code}})
		if r.status != http.StatusSeeOther {
			c.t.Fatalf("totp %s: status %d\n%s", name, r.status, r.body)
		}
	}
	if r.location != "/" {
		c.t.Fatalf("login %s: redirected to %q", name, r.location)
	}
	if home := c.get("/"); home.status != http.StatusOK {
		c.t.Fatalf("home after login %s: %d", name, home.status)
	}
}

// scenario is one request and what its answer must and must not show.
type scenario struct {
	name     string
	as       string // a fixture account, or "" for no login
	method   string // GET unless set
	path     string
	form     url.Values
	header   []string
	status   int
	want     []string
	notWant  []string
	location string // for redirects
}

func (s *site) run(t *testing.T, scenarios []scenario) {
	t.Helper()
	clients := map[string]*client{}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			c := clients[sc.as]
			if c == nil {
				if sc.as == "" {
					c = s.client()
				} else {
					c = s.loginAs(sc.as)
				}
				clients[sc.as] = c
			}
			c.t = t
			defer func() { c.t = s.t }()
			var r resp
			if sc.method == "" || sc.method == http.MethodGet {
				r = c.get(sc.path, sc.header...)
			} else {
				r = c.post(sc.path, sc.form)
			}
			check(t, sc, r, s)
		})
	}
}

func check(t *testing.T, sc scenario, r resp, s *site) {
	t.Helper()
	if r.status != sc.status {
		t.Errorf("status %d, want %d\n%s", r.status, sc.status, excerpt(r.body))
	}
	if sc.location != "" && r.location != s.ids(sc.location) {
		t.Errorf("location %q, want %q", r.location, s.ids(sc.location))
	}
	for _, w := range sc.want {
		if !strings.Contains(r.body, s.ids(w)) {
			t.Errorf("body lacks %q\n%s", w, excerpt(r.body))
		}
	}
	for _, w := range sc.notWant {
		if strings.Contains(r.body, s.ids(w)) {
			t.Errorf("body shows %q\n%s", w, excerpt(r.body))
		}
	}
}

// excerpt is the page's <main>, which is what a failing test wants to see.
func excerpt(body string) string {
	if i := strings.Index(body, "<main"); i >= 0 {
		body = body[i:]
	}
	if len(body) > 3000 {
		body = body[:3000] + "…"
	}
	return body
}

// downStore answers everything but Ping, for /readyz.
type downStore struct{ guangong.Store }

func (downStore) Ping(context.Context) error { return errors.New("down") }

func codeFor(t *testing.T, secret string, db *sqlstore.DB) string {
	t.Helper()
	code, err := totp.GenerateCode(secret, db.Now())
	if err != nil {
		t.Fatal(err)
	}
	return code
}
