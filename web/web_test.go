package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"guangong"
	"guangong/httpx"
	"guangong/sqlstore"
	"guangong/sqlstore/storetest"
)

func TestHealthAndReadiness(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		s := newSite(t, db)
		s.run(t, []scenario{
			{name: "healthz", path: "/healthz", status: 200, want: []string{"ok"}},
			{name: "readyz", path: "/readyz", status: 200, want: []string{"ok"}},
			{name: "unknown page", path: "/no/such/page", status: 404, want: []string{"未找到"}},
			{name: "metrics off", path: "/metrics", status: 404},
		})
		down := newSiteWith(t, storetest.Open(t, "sqlite"), func(c *Config) { c.Store = downStore{db} })
		r := down.client().get("/readyz")
		if r.status != http.StatusServiceUnavailable {
			t.Errorf("readyz with the database down: %d", r.status)
		}
		if r := down.client().get("/healthz"); r.status != http.StatusOK {
			t.Errorf("healthz with the database down: %d", r.status)
		}

		// Metrics and the API are mounted when configured.
		api := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"api":"` + r.URL.Path + `"}`))
		})
		full := newSiteWith(t, storetest.Open(t, "sqlite"), func(c *Config) {
			c.Metrics = httpx.NewMetrics(nil)
			c.API = api
		})
		fc := full.client()
		fc.get("/login")
		full.run(t, []scenario{
			{name: "api mounted", path: "/api/v1/orgs", status: 200, want: []string{`{"api":"/api/v1/orgs"}`}},
			{name: "openapi mounted", path: "/api/openapi.json", status: 200, want: []string{"/api/openapi.json"}},
			{name: "metrics", path: "/metrics", status: 200, want: []string{`guangong_http_requests_total{method="GET",route="/login",status="200"}`}},
		})
	})
}

func TestLogin(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		s := newSite(t, db)
		s.run(t, []scenario{
			{name: "login page", path: "/login", status: 200,
				want: []string{`id="login-username"`, `id="login-password"`, `id="login-submit"`, "登录"}},
			{name: "home needs login", path: "/", status: 303, location: "/login"},
			{name: "tree needs login", path: "/orgs/{VillageA}", status: 303, location: "/login", notWant: []string{"青松村"}},
			{name: "wrong password", method: "POST", path: "/login",
				form:   url.Values{"username": {"villageclerk"}, "password": {"Wrong-Pass-1"}},
				status: 401, want: []string{"用户名或密码错误", `value="villageclerk"`}},
			{name: "unknown user", method: "POST", path: "/login",
				form:   url.Values{"username": {"nobody"}, "password": {"Wrong-Pass-1"}},
				status: 401, want: []string{"用户名或密码错误"}},
			{name: "success", method: "POST", path: "/login",
				form:   url.Values{"username": {"villageclerk"}, "password": {storetest.Password}},
				status: 303, location: "/"},
			{name: "home after login", path: "/", status: 200, want: []string{"青松村", "村录入员"}},
		})

		t.Run("lockout", func(t *testing.T) {
			c := s.client()
			for i := 0; i < guangong.MaxFailedLogins; i++ {
				c.post("/login", url.Values{"username": {"villageviewer"}, "password": {"Wrong-Pass-1"}})
			}
			r := c.post("/login", url.Values{"username": {"villageviewer"}, "password": {storetest.Password}})
			check(t, scenario{status: http.StatusLocked, want: []string{"已锁定"}}, r, s)
		})

		t.Run("second factor", func(t *testing.T) {
			c := s.client()
			r := c.post("/login", url.Values{"username": {"admin"}, "password": {storetest.Password}})
			check(t, scenario{status: 303, location: "/login/totp"}, r, s)
			pending := c.sessionCookie()
			if pending == "" {
				t.Fatal("no pending session cookie")
			}
			// Nothing but the second step (and logout) while it is pending.
			for _, p := range []string{"/", "/users", "/orgs", "/settings", "/password"} {
				check(t, scenario{status: 303, location: "/login/totp"}, c.get(p), s)
			}
			check(t, scenario{status: 200, want: []string{`id="totp-code"`, `name="code"`}, notWant: []string{"nav-users"}}, c.get("/login/totp"), s)
			check(t, scenario{status: 401, want: []string{"验证码不正确", `aria-describedby="totp-code-error"`}},
				c.post("/login/totp", url.Values{"code": {"000000"}}), s)
			check(t, scenario{status: 303, location: "/"}, c.post("/login/totp", url.Values{"code": {s.fx.Code(t)}}), s)
			if full := c.sessionCookie(); full == "" || full == pending {
				t.Fatalf("login kept the pending session id")
			}
			check(t, scenario{status: 200, want: []string{"nav-users", "溆浦县"}}, c.get("/"), s)
			// The pending session was ended, not merely replaced in the jar.
			if _, _, err := db.SessionUser(context.Background(), pending); guangong.ErrorCode(err) != guangong.EUNAUTHORIZED {
				t.Fatalf("pending session still alive: %v", err)
			}
		})

		t.Run("logout ends the session", func(t *testing.T) {
			c := s.loginAs("townclerk")
			raw := c.sessionCookie()
			check(t, scenario{status: 303, location: "/login"}, c.post("/logout", nil), s)
			check(t, scenario{status: 303, location: "/login"}, c.get("/"), s)
			if _, _, err := db.SessionUser(context.Background(), raw); guangong.ErrorCode(err) != guangong.EUNAUTHORIZED {
				t.Fatalf("session alive after logout: %v", err)
			}
		})
	})
}

func TestSecondFactorEnrolment(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		s := newSite(t, db)
		ctx := context.Background()
		sys := guangong.SystemActor("test")
		u := &guangong.User{Username: "newadmin", DisplayName: "新管理员", OrgID: s.fx.County.ID, Role: guangong.RoleSysAdmin, Lang: "zh"}
		if err := db.CreateUser(ctx, sys, u, storetest.Password); err != nil {
			t.Fatal(err)
		}
		c := s.client()
		check(t, scenario{status: 303, location: "/login/enrol"},
			c.post("/login", url.Values{"username": {"newadmin"}, "password": {storetest.Password}}), s)
		check(t, scenario{status: 303, location: "/login/enrol"}, c.get("/"), s)
		r := c.get("/login/enrol")
		check(t, scenario{status: 200, want: []string{`id="totp-secret"`, "otpauth://totp/", `id="totp-code"`}}, r, s)
		secret := between(r.body, `<code id="totp-secret">`, "</code>")
		if secret == "" {
			t.Fatal("no secret shown")
		}
		check(t, scenario{status: 422, want: []string{"验证码不正确", secret}},
			c.post("/login/enrol", url.Values{"secret": {secret}, "code": {"123456"}}), s)
		// Another secret than the one the page issued is refused, even with a valid code for
		// it, and the page issues a new one (never the posted one).
		const swapped = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
		r = c.post("/login/enrol", url.Values{"secret": {swapped}, "code": {codeFor(t, swapped, db)}})
		check(t, scenario{status: 422, want: []string{"密钥与本页发放的不一致", `id="totp-secret"`}, notWant: []string{swapped}}, r, s)
		secret = between(r.body, `<code id="totp-secret">`, "</code>")
		// A post without its secret starts the enrolment afresh rather than being refused.
		check(t, scenario{status: 303, location: "/login/enrol"},
			c.post("/login/enrol", url.Values{"code": {"123456"}}), s)
		code := codeFor(t, secret, db)
		check(t, scenario{status: 303, location: "/"}, c.post("/login/enrol", url.Values{"secret": {secret}, "code": {code}}), s)
		check(t, scenario{status: 200, want: []string{"新管理员"}}, c.get("/"), s)
		got, err := db.FindUserByID(ctx, sys, u.ID)
		if err != nil || !got.TOTPEnabled {
			t.Fatalf("TOTP not enrolled: %v %+v", err, got)
		}

		// A clerk may add a second factor from the settings; login then asks for it.
		vc := s.loginAs("villageclerk")
		r = vc.get("/settings/totp")
		check(t, scenario{status: 200, want: []string{`id="totp-secret"`, `action="/settings/totp"`}}, r, s)
		secret = between(r.body, `<code id="totp-secret">`, "</code>")
		check(t, scenario{status: 303, location: "/settings"},
			vc.post("/settings/totp", url.Values{"secret": {secret}, "code": {codeFor(t, secret, db)}}), s)
		fresh := s.client()
		check(t, scenario{status: 303, location: "/login/totp"},
			fresh.post("/login", url.Values{"username": {"villageclerk"}, "password": {storetest.Password}}), s)
		fresh.get("/login/totp")
		// The code that enrolled is used: the same step's code is refused, the next one passes.
		check(t, scenario{status: 401, want: []string{"验证码不正确或已过期"}},
			fresh.post("/login/totp", url.Values{"code": {codeFor(t, secret, db)}}), s)
		s.fx.Advance(30 * time.Second)
		check(t, scenario{status: 303, location: "/"}, fresh.post("/login/totp", url.Values{"code": {codeFor(t, secret, db)}}), s)
	})
}

func between(s, from, to string) string {
	i := strings.Index(s, from)
	if i < 0 {
		return ""
	}
	s = s[i+len(from):]
	j := strings.Index(s, to)
	if j < 0 {
		return ""
	}
	return s[:j]
}

func TestMustChangePassword(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		s := newSite(t, db)
		admin := s.loginAs("townadmin")
		check(t, scenario{status: 303}, admin.post("/users/{user:villageclerk}/reset",
			url.Values{"password": {"Reset-Pass-9"}, "repeat": {"Reset-Pass-9"}}), s)

		c := s.client()
		check(t, scenario{status: 303, location: "/password"},
			c.post("/login", url.Values{"username": {"villageclerk"}, "password": {"Reset-Pass-9"}}), s)
		check(t, scenario{status: 303, location: "/password"}, c.get("/orgs"), s)
		check(t, scenario{status: 200, want: []string{"须先修改密码", `name="oldPassword"`}}, c.get("/password"), s)
		check(t, scenario{status: 422, want: []string{"两次输入的新密码不一致", `aria-describedby="f-repeat-error"`}},
			c.post("/password", url.Values{"oldPassword": {"Reset-Pass-9"}, "newPassword": {"Brand-New-7"}, "repeat": {"Other-New-7"}}), s)
		check(t, scenario{status: 422, want: []string{"原密码不正确"}},
			c.post("/password", url.Values{"oldPassword": {"Wrong-Old-1"}, "newPassword": {"Brand-New-7"}, "repeat": {"Brand-New-7"}}), s)
		check(t, scenario{status: 422, want: []string{"密码至少8位"}},
			c.post("/password", url.Values{"oldPassword": {"Reset-Pass-9"}, "newPassword": {"Ab1!"}, "repeat": {"Ab1!"}}), s)
		check(t, scenario{status: 303},
			c.post("/password", url.Values{"oldPassword": {"Reset-Pass-9"}, "newPassword": {"Brand-New-7"}, "repeat": {"Brand-New-7"}}), s)
		check(t, scenario{status: 200, want: []string{"密码已修改"}}, c.get("/?changed=1"), s)
		check(t, scenario{status: 200, want: []string{"组织架构"}}, c.get("/orgs"), s)
	})
}

func TestCSRF(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		s := newSite(t, db)
		c := s.loginAs("townadmin")
		form := url.Values{"parentId": {"{Town}"}, "name": {"新建村"}, "level": {"village"}, "code": {"V900"}}
		for _, tc := range []struct {
			name, token string
		}{{"missing token", ""}, {"wrong token", "not-the-token"}} {
			t.Run(tc.name, func(t *testing.T) {
				f := url.Values{"csrf": {tc.token}}
				for k, v := range form {
					f[k] = v
				}
				check(t, scenario{status: 403, want: []string{"页面已过期"}}, c.post("/orgs/new", f), s)
			})
		}
		code := "V900"
		orgs, _, err := db.FindOrgs(context.Background(), guangong.SystemActor("test"), guangong.OrgFilter{Code: &code})
		if err != nil || len(orgs) != 0 {
			t.Fatalf("a refused form saved: %v %d", err, len(orgs))
		}
		denied := guangong.ActionDenied
		entries, _, err := db.FindAudit(context.Background(), guangong.SystemActor("test"), guangong.AuditFilter{Action: &denied})
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, e := range entries {
			if e.Username == "townadmin" && strings.Contains(e.Detail, "csrf") {
				n++
			}
		}
		if n != 2 {
			t.Fatalf("%d csrf denials audited, want 2", n)
		}
		// The htmx header carries the token as well as the form field does.
		req, _ := http.NewRequest(http.MethodPost, s.srv.URL+"/large-text", strings.NewReader("large=1"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-CSRF-Token", c.csrf)
		if r := c.do(req); r.status != http.StatusSeeOther {
			t.Fatalf("header token refused: %d", r.status)
		}
		// A cross-site browser request is refused before any handler runs.
		req, _ = http.NewRequest(http.MethodPost, s.srv.URL+"/orgs/new", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "cross-site")
		if r := c.do(req); r.status != http.StatusForbidden {
			t.Fatalf("cross-site post: %d", r.status)
		}
	})
}

// Every permission denial is audited exactly once: a role check made in the pages, and one
// made in the store.
func TestDenialsAuditedOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		s := newSite(t, db)
		denials := func(user string) int {
			denied := guangong.ActionDenied
			who := user
			_, n, err := db.FindAudit(context.Background(), guangong.SystemActor("test"),
				guangong.AuditFilter{Action: &denied, Username: &who})
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		vc := s.loginAs("villageclerk")
		for _, path := range []string{"/users", "/audit", "/users/new", "/orgs/new?parent={VillageA}"} {
			before := denials("villageclerk")
			if r := vc.get(s.ids(path)); r.status != http.StatusForbidden {
				t.Fatalf("%s: %d, want 403", path, r.status)
			}
			if got := denials("villageclerk"); got != before+1 {
				t.Fatalf("%s: %d denials audited, want 1", path, got-before)
			}
		}
		viewer := s.loginAs("villageviewer")
		before := denials("villageviewer")
		r := viewer.post("/orgs/new", url.Values{"parentId": {s.fx.VillageA.ID}, "name": {"查看者新建"}, "level": {"unit"}, "code": {"X9"}})
		if r.status != http.StatusForbidden {
			t.Fatalf("viewer create: %d", r.status)
		}
		if got := denials("villageviewer"); got != before+1 {
			t.Fatalf("a store denial was audited %d times, want once", got-before)
		}
	})
}

// A next address after login stays on this site, whatever a link puts in it.
func TestSafeNext(t *testing.T) {
	for next, want := range map[string]string{
		"/checkin/abc":          "/checkin/abc",
		"/events?month=2022-06": "/events?month=2022-06",
		"":                      "",
		"https://evil.example":  "",
		"//evil.example":        "",
		"/\\evil.example":       "",
		"/\t/evil.example":      "",
		"/\n/evil.example":      "",
		"/\x7f/evil.example":    "",
		"evil.example":          "",
	} {
		if got := safeNext(next); got != want {
			t.Errorf("safeNext(%q) = %q, want %q", next, got, want)
		}
	}
}

// Counts read naturally in both languages.
func TestCountOf(t *testing.T) {
	events, people := guangong.Msg{Zh: "次", En: "events"}, guangong.Msg{Zh: "人", En: "people"}
	for _, c := range []struct {
		lang string
		n    int
		unit guangong.Msg
		want string
	}{
		{"zh", 1, events, "1 次"}, {"en", 1, events, "1 event"}, {"en", 3, events, "3 events"},
		{"en", 1, people, "1 person"}, {"en", 0, people, "0 people"}, {"zh", 2, people, "2 人"},
	} {
		if got := countOf(c.lang, c.n, c.unit); got != c.want {
			t.Errorf("countOf(%s, %d, %v) = %q, want %q", c.lang, c.n, c.unit, got, c.want)
		}
	}
}
