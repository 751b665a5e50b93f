package web

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"guangong"
	"guangong/sqlstore"
	"guangong/sqlstore/storetest"
)

// Every page answers the role that may use it, and refuses the others.
func TestPagesByRole(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		s := newSite(t, db)
		s.run(t, []scenario{
			// The system administrator: accounts and the tree, not the audit trail.
			{name: "admin home", as: "admin", path: "/", status: 200,
				want: []string{"溆浦县", `id="home-users"`, `id="home-tree"`, `id="level-chart-data"`, "乡镇(街道)"}, notWant: []string{`id="home-audit"`}},
			{name: "admin tree", as: "admin", path: "/orgs", status: 200, want: []string{"溆浦县", "低庄镇", "龙潭镇"}},
			{name: "admin users", as: "admin", path: "/users", status: 200, want: []string{"townadmin", "otheradmin"}},
			{name: "admin new user offers every role", as: "admin", path: "/users/new", status: 200,
				want: []string{`value="sysadmin"`, `value="auditor"`, `value="viewer"`}},
			{name: "admin audit refused", as: "admin", path: "/audit", status: 403, want: []string{"无权"}},
			{name: "admin verify refused", as: "admin", path: "/audit/verify", status: 403},
			{name: "admin settings", as: "admin", path: "/settings", status: 200, want: []string{"API", `id="token-form"`}},

			// The auditor: the audit trail only.
			{name: "auditor home", as: "auditor", path: "/", status: 200, want: []string{`id="home-audit"`}, notWant: []string{`id="home-users"`, `id="level-chart"`}},
			{name: "auditor audit", as: "auditor", path: "/audit", status: 200,
				want: []string{"审计日志", `id="audit-filter"`, "登录", "townadmin", "<td>成功</td>"}},
			{name: "auditor audit filtered", as: "auditor", path: "/audit?username=nobody", status: 200, want: []string{"没有符合条件的日志"}},
			{name: "auditor filters by object and action", as: "auditor", path: "/audit?objectType=org&action=create", status: 200,
				want: []string{"低庄镇", "→", "<td>新建</td>", "组织"}, notWant: []string{"<td>登录失败</td>", "<td>登录</td>"}},
			{name: "auditor filters by date", as: "auditor", path: "/audit?from=2999-01-01", status: 200, want: []string{"没有符合条件的日志"}},
			{name: "auditor bad date", as: "auditor", path: "/audit?from=2024-13-01", status: 422, want: []string{"起始日期格式应为"}},
			{name: "auditor verify", as: "auditor", path: "/audit/verify", status: 200, want: []string{"校验通过", `id="audit-head-form"`}},
			{name: "auditor sees the head to record", as: "auditor", path: "/audit", status: 200,
				want: []string{`id="audit-head"`, "当前链头", `id="audit-head-form"`}},
			{name: "auditor checks a malformed head", as: "auditor", path: "/audit/verify?head=12", status: 422, want: []string{"链头格式应为"}},
			{name: "auditor checks a head not in the chain", as: "auditor", path: "/audit/verify?head=1:" + strings.Repeat("0", 64), status: 200,
				want: []string{"校验失败", "recorded head"}},
			{name: "auditor tree refused", as: "auditor", path: "/orgs", status: 403},
			{name: "auditor users refused", as: "auditor", path: "/users", status: 403},
			{name: "auditor org page refused", as: "auditor", path: "/orgs/{Town}", status: 403},

			// The town's committee administrator.
			{name: "townadmin home", as: "townadmin", path: "/", status: 200, want: []string{"低庄镇", "村(社区)", "学校"}, notWant: []string{"龙潭镇"}},
			{name: "townadmin tree", as: "townadmin", path: "/orgs", status: 200,
				want: []string{`id="tree-{Town}"`, "青松村", "白沙村", `id="org-search"`}, notWant: []string{"溆浦县", "龙潭镇"}},
			{name: "townadmin org page", as: "townadmin", path: "/orgs/{VillageA}", status: 200,
				want: []string{"青松村", "V001", `id="org-edit"`, `id="org-move"`, `id="org-dissolve"`, `href="/orgs/{Town}"`}},
			{name: "townadmin new child form", as: "townadmin", path: "/orgs/new?parent={Town}", status: 200,
				want: []string{`id="f-name"`, `id="f-code"`, `id="f-level"`, `id="org-submit"`, "低庄镇"}, notWant: []string{`value="county"`}},
			{name: "townadmin edit form", as: "townadmin", path: "/orgs/{VillageA}/edit", status: 200, want: []string{`value="青松村"`, `name="version"`}},
			{name: "townadmin move form", as: "townadmin", path: "/orgs/{VillageA}/move", status: 200, want: []string{`id="move-form"`}},
			{name: "townadmin dissolve confirm", as: "townadmin", path: "/orgs/{School}/dissolve", status: 200, want: []string{`id="dissolve-submit"`, "确定撤销吗"}},
			{name: "townadmin users", as: "townadmin", path: "/users", status: 200, want: []string{"villageclerk"}, notWant: []string{"otheradmin", ">admin<"}},
			{name: "townadmin new user offers no privileged role", as: "townadmin", path: "/users/new", status: 200,
				want: []string{`value="orgadmin"`, `value="clerk"`, `value="viewer"`}, notWant: []string{`value="sysadmin"`, `value="auditor"`, "龙潭镇"}},
			{name: "townadmin user page", as: "townadmin", path: "/users/{user:villageclerk}", status: 200, want: []string{"村录入员", `id="user-reset"`}},
			{name: "townadmin reset form", as: "townadmin", path: "/users/{user:villageclerk}/reset", status: 200, want: []string{`id="reset-form"`}},
			{name: "townadmin audit refused", as: "townadmin", path: "/audit", status: 403},

			// A village clerk: reads its committee, manages nothing.
			{name: "clerk home", as: "villageclerk", path: "/", status: 200, want: []string{"青松村"}, notWant: []string{"白沙村", `id="home-users"`}},
			{name: "clerk tree", as: "villageclerk", path: "/orgs", status: 200, want: []string{"青松村"}, notWant: []string{"白沙村", "低庄镇中心小学"}},
			{name: "clerk own org", as: "villageclerk", path: "/orgs/{VillageA}", status: 200, want: []string{"青松村"}, notWant: []string{`id="org-edit"`}},
			{name: "clerk edit own refused", as: "villageclerk", path: "/orgs/{VillageA}/edit", status: 403},
			{name: "clerk users refused", as: "villageclerk", path: "/users", status: 403},
			{name: "clerk settings", as: "villageclerk", path: "/settings", status: 200, want: []string{`id="f-largeText"`}},
			{name: "clerk password page", as: "villageclerk", path: "/password", status: 200, want: []string{`name="oldPassword"`}},

			// A viewer cannot create.
			{name: "viewer new form refused", as: "villageviewer", path: "/orgs/new?parent={VillageA}", status: 403, want: []string{"无权"}},
			{name: "viewer create refused", as: "villageviewer", method: "POST", path: "/orgs/new",
				form: url.Values{"parentId": {"{VillageA}"}, "name": {"查看者新建"}, "level": {"unit"}, "code": {"X1"}}, status: 403},
			{name: "viewer new user refused", as: "villageviewer", path: "/users/new", status: 403},
		})
		code := "X1"
		if orgs, _, _ := db.FindOrgs(context.Background(), guangong.SystemActor("t"), guangong.OrgFilter{Code: &code}); len(orgs) != 0 {
			t.Fatal("the viewer's refused create saved a committee")
		}
	})
}

// A village clerk can neither read nor change a sibling village or the town: by page, by
// form and by guessed id, the answer is 404 and the other committee's name never shows.
func TestScopeDenials(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		s := newSite(t, db)
		hidden := []string{"白沙村", "V002", "龙潭镇"}
		var scs []scenario
		for _, target := range []string{"{VillageB}", "{Town}", "{OtherTown}", "{County}", "no-such-id", "00000000-0000-7000-8000-000000000000"} {
			for _, p := range []string{"", "/children", "/edit", "/move", "/dissolve"} {
				scs = append(scs, scenario{name: "clerk GET " + target + p, as: "villageclerk", path: "/orgs/" + target + p,
					status: 404, want: []string{"不存在"}, notWant: hidden})
			}
			scs = append(scs,
				scenario{name: "clerk edit " + target, as: "villageclerk", method: "POST", path: "/orgs/" + target + "/edit",
					form: url.Values{"name": {"改名"}, "level": {"village"}, "code": {"V002"}, "version": {"1"}}, status: 404, notWant: hidden},
				scenario{name: "clerk move " + target, as: "villageclerk", method: "POST", path: "/orgs/" + target + "/move",
					form: url.Values{"parentId": {"{VillageA}"}, "version": {"1"}}, status: 404, notWant: hidden},
				scenario{name: "clerk dissolve " + target, as: "villageclerk", method: "POST", path: "/orgs/" + target + "/dissolve",
					form: url.Values{"version": {"1"}}, status: 404, notWant: hidden},
				scenario{name: "clerk new child under " + target, as: "villageclerk", path: "/orgs/new?parent=" + target,
					status: 404, notWant: hidden},
			)
		}
		scs = append(scs,
			scenario{name: "clerk search sibling", as: "villageclerk", path: "/orgs/search?q=白沙", status: 200,
				want: []string{"没有符合条件的组织"}, notWant: []string{"/orgs/{VillageB}", "V002"}},
			scenario{name: "clerk search other town", as: "villageclerk", path: "/orgs/search?q=龙潭", status: 200,
				want: []string{"没有符合条件的组织"}, notWant: []string{"/orgs/{OtherTown}"}},
			scenario{name: "clerk search fragment", as: "villageclerk", path: "/orgs/search?q=村", header: []string{"HX-Request", "true", "HX-Target", "search-results"},
				status: 200, want: []string{"青松村"}, notWant: []string{"白沙村", "<html"}},
			scenario{name: "townadmin other town", as: "townadmin", path: "/orgs/{OtherTown}", status: 404, notWant: []string{"龙潭镇"}},
			scenario{name: "townadmin other town edit", as: "townadmin", method: "POST", path: "/orgs/{OtherTown}/edit",
				form: url.Values{"name": {"x"}, "level": {"town"}, "code": {"Q"}, "version": {"1"}}, status: 404, notWant: []string{"龙潭镇"}},
			scenario{name: "townadmin county user", as: "townadmin", path: "/users/{user:admin}", status: 404, notWant: []string{"系统管理员</"}},
			scenario{name: "townadmin other town user", as: "townadmin", path: "/users/{user:otheradmin}", status: 404, notWant: []string{"龙潭管理员"}},
			scenario{name: "townadmin reset other town user", as: "townadmin", method: "POST", path: "/users/{user:otheradmin}/reset",
				form: url.Values{"password": {"Reset-Pass-9"}, "repeat": {"Reset-Pass-9"}}, status: 404},
			scenario{name: "townadmin end other sessions", as: "townadmin", method: "POST", path: "/users/{user:otheradmin}/sessions", status: 404},
			scenario{name: "otheradmin search", as: "otheradmin", path: "/orgs/search?q=村", status: 200, notWant: []string{"青松村", "白沙村"}},
		)
		s.run(t, scs)

		// Nothing changed: the sibling keeps its name, version and status.
		b, err := db.FindOrgByID(context.Background(), guangong.SystemActor("t"), s.fx.VillageB.ID)
		if err != nil {
			t.Fatal(err)
		}
		if b.Name != "白沙村" || b.Version != s.fx.VillageB.Version || b.Status != guangong.OrgActive || b.ParentID != s.fx.Town.ID {
			t.Fatalf("VillageB changed: %+v", b)
		}
	})
}

func TestTreeExpandsLazily(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		s := newSite(t, db)
		s.run(t, []scenario{
			{name: "county tree lists towns with lazy children", as: "admin", path: "/orgs", status: 200,
				want:    []string{`id="tree-{Town}"`, `hx-get="/orgs/{Town}/children"`, `hx-trigger="toggle once"`, `id="children-{Town}"`},
				notWant: []string{"青松村"}},
			{name: "children fragment", as: "admin", path: "/orgs/{Town}/children", header: []string{"HX-Request", "true"}, status: 200,
				want: []string{"青松村", "白沙村", "低庄镇中心小学"}, notWant: []string{"<html", "龙潭镇"}},
			{name: "htmx page request gets content only", as: "admin", path: "/orgs/{Town}", header: []string{"HX-Request", "true", "HX-Target", "main"},
				status: 200, want: []string{"低庄镇"}, notWant: []string{"<html", "<nav aria-label=\"主导航\""}},
			{name: "search with path", as: "admin", path: "/orgs/search?q=青松", status: 200, want: []string{"溆浦县 › 低庄镇 › 青松村"}},
		})
	})
}

func TestLanguageAndLargeText(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		s := newSite(t, db)

		anon := s.client()
		check(t, scenario{status: 200, want: []string{`lang="zh-CN"`, "登录"}}, anon.get("/login"), s)
		check(t, scenario{status: 303, location: "/login"}, anon.post("/lang", url.Values{"lang": {"en"}, "back": {"/login"}}), s)
		check(t, scenario{status: 200, want: []string{`lang="en"`, "Log in", "Username"}, notWant: []string{"用户名"}}, anon.get("/login"), s)
		check(t, scenario{status: 401, want: []string{"Wrong username or password"}},
			anon.post("/login", url.Values{"username": {"villageclerk"}, "password": {"nope"}}), s)
		// An off-site "back" is ignored.
		check(t, scenario{status: 303, location: "/"}, anon.post("/lang", url.Values{"lang": {"zh"}, "back": {"//evil.example/"}}), s)

		// Large text before login lives in a cookie.
		check(t, scenario{status: 303}, anon.post("/large-text", url.Values{"large": {"1"}}), s)
		check(t, scenario{status: 200, want: []string{`class="large-text"`}}, anon.get("/login"), s)
		check(t, scenario{status: 303}, anon.post("/large-text", url.Values{"large": {"0"}}), s)
		check(t, scenario{status: 200, notWant: []string{`class="large-text"`}}, anon.get("/login"), s)

		c := s.loginAs("villageclerk")
		check(t, scenario{status: 200, want: []string{`lang="zh-CN"`, `id="large-text-switch"`, `aria-pressed="false"`}, notWant: []string{`class="large-text"`}}, c.get("/"), s)
		check(t, scenario{status: 303, location: "/orgs"}, c.post("/lang", url.Values{"lang": {"en"}, "back": {"/orgs"}}), s)
		check(t, scenario{status: 200, want: []string{`lang="en"`, "Committee tree"}}, c.get("/orgs"), s)
		check(t, scenario{status: 303, location: "/"}, c.post("/large-text", url.Values{"large": {"1"}, "back": {"/"}}), s)
		check(t, scenario{status: 200, want: []string{`class="large-text"`, `aria-pressed="true"`}}, c.get("/"), s)
		check(t, scenario{status: 303}, c.post("/logout", nil), s)

		// Both preferences belong to the account: a fresh browser sees them after login.
		again := s.loginAs("villageclerk")
		check(t, scenario{status: 200, want: []string{`class="large-text"`, `lang="en"`, "Home"}}, again.get("/"), s)
		u, err := db.FindUserByID(context.Background(), guangong.SystemActor("t"), s.fx.Users["villageclerk"].ID)
		if err != nil || !u.LargeText || u.Lang != "en" {
			t.Fatalf("prefs not stored: %v %+v", err, u)
		}
		// The settings form turns both back.
		check(t, scenario{status: 303, location: "/settings"}, again.post("/settings/prefs", url.Values{"lang": {"zh"}}), s)
		check(t, scenario{status: 200, want: []string{`lang="zh-CN"`}, notWant: []string{`class="large-text"`}}, again.get("/settings"), s)
	})
}

func TestSecurityHeadersAndAssets(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		s := newSite(t, db)
		c := s.client()
		r := c.get("/login")
		csp := r.header.Get("Content-Security-Policy")
		for _, want := range []string{"default-src 'self'", "script-src 'self'", "frame-ancestors 'none'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("CSP %q lacks %q", csp, want)
			}
		}
		if strings.Contains(csp, "unsafe-inline") {
			t.Errorf("CSP allows inline code: %q", csp)
		}
		if r.header.Get("X-Content-Type-Options") != "nosniff" || r.header.Get("Referrer-Policy") == "" {
			t.Errorf("headers: %v", r.header)
		}
		if strings.Contains(r.body, "<script>") || strings.Contains(r.body, " onclick=") {
			t.Error("inline script in a page")
		}
		css := between(r.body, `<link rel="stylesheet" href="`, `"`)
		if !strings.HasPrefix(css, "/static/") {
			t.Fatalf("stylesheet URL %q", css)
		}
		a := c.get(css)
		if a.status != 200 || !strings.Contains(a.header.Get("Cache-Control"), "immutable") || !strings.Contains(a.body, "large-text") {
			t.Fatalf("asset: %d %q", a.status, a.header.Get("Cache-Control"))
		}
		if r := c.get("/static/0000/app.css"); r.status != http.StatusNotFound {
			t.Fatalf("stale hash served: %d", r.status)
		}
		// Login cookie flags.
		lr := s.client().post("/login", url.Values{"username": {"townclerk"}, "password": {storetest.Password}})
		res := &http.Response{Header: lr.header}
		var found bool
		for _, ck := range res.Cookies() {
			if ck.Name == sessionCookie {
				found = true
				if !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Path != "/" || ck.Secure {
					t.Errorf("cookie flags: %+v", ck)
				}
			}
		}
		if !found {
			t.Error("no session cookie set at login")
		}
	})
}

// The audit page shows the head to copy; checked later, after more entries, it is still
// found in the chain.
func TestAuditHeadPage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		s := newSite(t, db)
		c := s.loginAs("auditor")
		r := c.get("/audit")
		m := regexp.MustCompile(`id="audit-head">([0-9]+:[0-9a-f]{64})<`).FindStringSubmatch(r.body)
		if r.status != 200 || m == nil {
			t.Fatalf("no head on the audit page: %d\n%s", r.status, r.body)
		}
		if err := db.RecordAudit(context.Background(), s.fx.Actor("townclerk"), &guangong.AuditEntry{Action: guangong.ActionExport}); err != nil {
			t.Fatal(err)
		}
		r = c.get("/audit/verify?head=" + m[1])
		if r.status != 200 || !strings.Contains(r.body, `id="verify-head-ok"`) || !strings.Contains(r.body, m[1]) {
			t.Fatalf("checking the recorded head: %d\n%s", r.status, r.body)
		}
	})
}

// Strict-Transport-Security only on answers that went over TLS: behind a trusted proxy that
// says https, never on plain http (nor on a header from an untrusted client).
func TestHSTSOnlyBehindTLS(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		plain := newSite(t, db)
		for _, r := range []resp{plain.client().get("/login"), plain.client().get("/login", "X-Forwarded-Proto", "https")} {
			if h := r.header.Get("Strict-Transport-Security"); h != "" {
				t.Fatalf("HSTS on plain http: %q", h)
			}
		}
	})
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		proxied := newSiteWith(t, db, func(c *Config) { c.TrustProxy = true })
		c := proxied.client()
		if h := c.get("/login", "X-Forwarded-Proto", "https").header.Get("Strict-Transport-Security"); h != "max-age=31536000" {
			t.Fatalf("HSTS behind TLS: %q", h)
		}
		if h := c.get("/api/v1/me", "X-Forwarded-Proto", "https").header.Get("Strict-Transport-Security"); h != "max-age=31536000" {
			t.Fatalf("HSTS on the API behind TLS: %q", h)
		}
		if h := c.get("/login", "X-Forwarded-Proto", "http").header.Get("Strict-Transport-Security"); h != "" {
			t.Fatalf("HSTS on plain http behind the proxy: %q", h)
		}
	})
}

// Answers that would reveal existence, on the pages: a list narrowed to a committee outside
// scope, and ending a troupe member of another village, answer exactly as an unknown id
// does (404, the same page), never with an empty list or the name of the member's troupe.
func TestOutOfScopeAnswersLikeMissingOnPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		s := newSite(t, db)
		ctx, sys := context.Background(), guangong.SystemActor("t")
		own := &guangong.Troupe{OrgID: s.fx.VillageA.ID, Name: "青松村腰鼓队", Kind: "drum"}
		far := &guangong.Troupe{OrgID: s.fx.VillageB.ID, Name: "白沙村腰鼓队", Kind: "drum"}
		for _, tr := range []*guangong.Troupe{own, far} {
			if err := db.CreateTroupe(ctx, sys, tr); err != nil {
				t.Fatal(err)
			}
		}
		m := &guangong.TroupeMember{TroupeID: far.ID, Name: "白沙队员", From: "2021-01-01"}
		if err := db.AddTroupeMember(ctx, sys, m); err != nil {
			t.Fatal(err)
		}
		type row struct {
			name, as, method, path, ref, want string
		}
		rows := []row{{"end another village's troupe member", "villageclerk", "POST",
			"/troupes/" + own.ID + "/members/" + m.ID + "/end", m.ID, "队员不存在"}}
		for _, l := range []struct{ as, path string }{
			{"townclerk", "/volunteers?org={OtherTown}"},
			{"townclerk", "/volunteers/export.xlsx?org={OtherTown}"},
			{"townclerk", "/youths?org={OtherTown}"},
			{"townclerk", "/events?org={OtherTown}"},
			{"townclerk", "/events/calendar?org={OtherTown}"},
			{"townclerk", "/troupes?org={OtherTown}"},
			{"townclerk", "/hours?org={OtherTown}"},
			{"townclerk", "/duty?org={OtherTown}"},
			{"townclerk", "/progress?org={OtherTown}"},
			{"townadmin", "/users?org={OtherTown}"},
		} {
			rows = append(rows, row{"list " + l.path, l.as, "GET", l.path, "{OtherTown}", "组织不存在"})
		}
		clients := map[string]*client{}
		for _, r := range rows {
			t.Run(r.name, func(t *testing.T) {
				c := clients[r.as]
				if c == nil {
					c = s.loginAs(r.as)
					clients[r.as] = c
				}
				c.t = t
				defer func() { c.t = s.t }()
				send := func(path string) resp {
					if r.method == "POST" {
						return c.post(path, url.Values{"to": {"2025-01-01"}})
					}
					return c.get(path)
				}
				got, ref := send(r.path), send(strings.ReplaceAll(r.path, r.ref, guangong.NewID()))
				if got.status != http.StatusNotFound || ref.status != http.StatusNotFound {
					t.Fatalf("status %d (unknown id: %d), want 404\n%s", got.status, ref.status, excerpt(got.body))
				}
				if !strings.Contains(got.body, r.want) || excerpt(got.body) != excerpt(ref.body) {
					t.Errorf("page differs from an unknown id's, or lacks %q:\n%s\n%s", r.want, excerpt(got.body), excerpt(ref.body))
				}
			})
		}
	})
}
