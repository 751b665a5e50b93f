package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"guangong"
	"guangong/sqlstore"
	"guangong/sqlstore/storetest"
)

func orgValues(parent, name, level, code string) url.Values {
	return url.Values{"parentId": {parent}, "name": {name}, "level": {level}, "code": {code}}
}

// countOrgs counts every committee, dissolved included, as the system sees them.
func countOrgs(t *testing.T, db *sqlstore.DB) int {
	t.Helper()
	_, n, err := db.FindOrgs(context.Background(), guangong.SystemActor("t"), guangong.OrgFilter{IncludeDissolved: true})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// Bad input of every kind comes back on the form, in Chinese beside the field, with the
// person's input kept, and saves nothing.
func TestCommitteeFormsRefuseBadInput(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		s := newSite(t, db)
		before := countOrgs(t, db)
		long := strings.Repeat("村", 101)
		s.run(t, []scenario{
			{name: "empty name", as: "townadmin", method: "POST", path: "/orgs/new", form: orgValues("{Town}", "", "village", "V100"),
				status: 422, want: []string{"名称不能为空", `aria-describedby="f-name-error"`, `id="f-name-error"`, `value="V100"`, "输入有误"}},
			{name: "name too long", as: "townadmin", method: "POST", path: "/orgs/new", form: orgValues("{Town}", long, "village", "V101"),
				status: 422, want: []string{"名称不能超过100个字", `value="` + long + `"`}},
			{name: "bad code", as: "townadmin", method: "POST", path: "/orgs/new", form: orgValues("{Town}", "新村", "village", "中文代码"),
				status: 422, want: []string{"代码只能包含字母"}},
			{name: "duplicate code", as: "townadmin", method: "POST", path: "/orgs/new", form: orgValues("{Town}", "新村", "village", "V001"),
				status: 409, want: []string{`id="f-code-error"`, `value="新村"`}},
			{name: "parent out of scope", as: "townadmin", method: "POST", path: "/orgs/new", form: orgValues("{OtherTown}", "越界村", "village", "V102"),
				status: 422, want: []string{"上级组织不存在", `id="f-parentId-error"`}, notWant: []string{"龙潭镇"}},
			{name: "wrong level under parent", as: "townadmin", method: "POST", path: "/orgs/new", form: orgValues("{VillageA}", "下级镇", "town", "V103"),
				status: 422, want: []string{`id="f-level-error"`}},
			{name: "future date", as: "townadmin", method: "POST", path: "/orgs/new",
				form:   url.Values{"parentId": {"{Town}"}, "name": {"新村"}, "level": {"village"}, "code": {"V104"}, "established": {"2999-01-01"}},
				status: 422, want: []string{"成立日期不能晚于今天"}},
			{name: "edit empty name", as: "townadmin", method: "POST", path: "/orgs/{VillageA}/edit",
				form:   url.Values{"name": {""}, "level": {"village"}, "code": {"V001"}, "version": {"1"}},
				status: 422, want: []string{"名称不能为空"}},
			{name: "edit duplicate code", as: "townadmin", method: "POST", path: "/orgs/{VillageA}/edit",
				form:   url.Values{"name": {"青松村"}, "level": {"village"}, "code": {"V002"}, "version": {"1"}},
				status: 409, want: []string{`id="f-code-error"`}},
			{name: "edit stale version", as: "townadmin", method: "POST", path: "/orgs/{VillageA}/edit",
				form:   url.Values{"name": {"青松新村"}, "level": {"village"}, "code": {"V001"}, "version": {"0"}},
				status: 409, want: []string{"该记录已被他人修改", `value="青松新村"`}},
			{name: "move under own descendant", as: "admin", method: "POST", path: "/orgs/{Town}/move",
				form: url.Values{"parentId": {"{VillageA}"}, "version": {"1"}}, status: 422,
				want: []string{"不能移动到自身或其下级组织之下", `id="f-parentId-error"`}},
			{name: "move without parent", as: "townadmin", method: "POST", path: "/orgs/{VillageA}/move",
				form: url.Values{"version": {"1"}}, status: 422, want: []string{"请选择新的上级组织"}},
			{name: "move out of scope", as: "townadmin", method: "POST", path: "/orgs/{VillageA}/move",
				form: url.Values{"parentId": {"{OtherTown}"}, "version": {"1"}}, status: 422,
				want: []string{"上级组织不存在"}, notWant: []string{"龙潭镇"}},
			{name: "dissolve with active children", as: "admin", method: "POST", path: "/orgs/{Town}/dissolve",
				form: url.Values{"version": {"1"}}, status: 422, want: []string{"未撤销的下级组织"}},
			{name: "dissolve stale", as: "townadmin", method: "POST", path: "/orgs/{School}/dissolve",
				form: url.Values{"version": {"7"}}, status: 409, want: []string{"该记录已被他人修改"}},
			{name: "htmx form error is a fragment", as: "townadmin", method: "POST", path: "/orgs/new",
				form: orgValues("{Town}", "", "village", "V105"), status: 422, want: []string{"名称不能为空"}},
		})
		if after := countOrgs(t, db); after != before {
			t.Fatalf("refused forms saved committees: %d → %d", before, after)
		}
		a, err := db.FindOrgByID(context.Background(), guangong.SystemActor("t"), s.fx.VillageA.ID)
		if err != nil || a.Name != "青松村" || a.Code != "V001" || a.Version != s.fx.VillageA.Version {
			t.Fatalf("VillageA changed: %v %+v", err, a)
		}
		tn, err := db.FindOrgByID(context.Background(), guangong.SystemActor("t"), s.fx.Town.ID)
		if err != nil || tn.ParentID != s.fx.County.ID || tn.Status != guangong.OrgActive {
			t.Fatalf("Town changed: %v %+v", err, tn)
		}
	})
}

// The committee's whole life through the pages: create, find, edit, move, dissolve, and
// the audit trail shows each change before → after.
func TestCommitteeLifecycle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		s := newSite(t, db)
		c := s.loginAs("townadmin")
		r := c.post("/orgs/new", url.Values{"parentId": {s.fx.Town.ID}, "name": {"红星村"}, "shortName": {"红星"},
			"level": {"village"}, "code": {"V300"}, "address": {"低庄镇红星路1号"}, "established": {"2019-05-01"}})
		check(t, scenario{status: 303}, r, s)
		if !strings.HasPrefix(r.location, "/orgs/") {
			t.Fatalf("create redirected to %q", r.location)
		}
		id := strings.TrimPrefix(r.location, "/orgs/")
		check(t, scenario{status: 200, want: []string{"红星村", "V300", "低庄镇红星路1号", "2019-05-01", "低庄镇"}}, c.get(r.location), s)
		check(t, scenario{status: 200, want: []string{"红星村"}}, c.get("/orgs/{Town}/children"), s)
		check(t, scenario{status: 200, want: []string{"低庄镇 › 红星村"}}, c.get("/orgs/search?q=红星"), s)

		// An htmx form gets a redirect it can follow.
		req, _ := http.NewRequest(http.MethodPost, s.srv.URL+"/orgs/"+id+"/edit", strings.NewReader(url.Values{
			"name": {"红星新村"}, "level": {"village"}, "code": {"V300"}, "version": {"1"}, "established": {"2019-05-01"}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("HX-Request", "true")
		req.Header.Set("HX-Target", "main")
		req.Header.Set("X-CSRF-Token", c.csrf)
		hr := c.do(req)
		if hr.status != http.StatusNoContent || hr.header.Get("HX-Redirect") != "/orgs/"+id {
			t.Fatalf("htmx edit: %d %q\n%s", hr.status, hr.header.Get("HX-Redirect"), hr.body)
		}
		check(t, scenario{status: 200, want: []string{"红星新村"}}, c.get("/orgs/"+id), s)

		// A unit cannot sit under a village: the level problem shows beside the parent.
		r = c.post("/orgs/new", url.Values{"parentId": {s.fx.Town.ID}, "name": {"镇敬老院"}, "level": {"unit"}, "code": {"U1"}})
		check(t, scenario{status: 303}, r, s)
		unit := strings.TrimPrefix(r.location, "/orgs/")
		check(t, scenario{status: 422, want: []string{`id="f-parentId-error"`, "输入有误"}},
			c.post("/orgs/"+unit+"/move", url.Values{"parentId": {s.fx.VillageA.ID}, "version": {"1"}}), s)

		// The county's administrator moves the village to the other town, found by search.
		admin := s.loginAs("admin")
		mv := admin.get("/orgs/" + id + "/move?q=龙潭")
		check(t, scenario{status: 200, want: []string{`value="{OtherTown}"`, "溆浦县 › 龙潭镇"}, notWant: []string{`value="` + id + `"`}}, mv, s)
		check(t, scenario{status: 303, location: "/orgs/" + id},
			admin.post("/orgs/"+id+"/move", url.Values{"parentId": {s.fx.OtherTown.ID}, "version": {"2"}}), s)
		check(t, scenario{status: 200, want: []string{`href="/orgs/{OtherTown}"`}}, admin.get("/orgs/"+id), s)
		// Now outside the town administrator's scope.
		check(t, scenario{status: 404, notWant: []string{"红星新村"}}, c.get("/orgs/"+id), s)
		check(t, scenario{status: 303, location: "/orgs/" + id},
			admin.post("/orgs/"+id+"/move", url.Values{"parentId": {s.fx.Town.ID}, "version": {"3"}}), s)

		// Dissolve after a confirm page.
		check(t, scenario{status: 200, want: []string{`id="dissolve-form"`}}, c.get("/orgs/"+id+"/dissolve"), s)
		check(t, scenario{status: 303, location: "/orgs/" + id}, c.post("/orgs/"+id+"/dissolve", url.Values{"version": {"4"}}), s)
		check(t, scenario{status: 200, want: []string{"已撤销"}, notWant: []string{`id="org-edit"`}}, c.get("/orgs/"+id), s)
		check(t, scenario{status: 200, notWant: []string{"红星新村"}}, c.get("/orgs/{Town}/children"), s)
		check(t, scenario{status: 200, want: []string{"红星新村", "已撤销"}}, c.get("/orgs/{Town}/children?dissolved=1"), s)

		auditor := s.loginAs("auditor")
		check(t, scenario{status: 200, want: []string{"红星村", "红星新村", "→", "townadmin", "撤销"}},
			auditor.get("/audit?objectId="+id), s)
	})
}

func TestAccountPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		s := newSite(t, db)
		c := s.loginAs("townadmin")
		s.run(t, []scenario{
			{name: "bad username and weak password together", as: "townadmin", method: "POST", path: "/users/new",
				form:   url.Values{"username": {"A"}, "displayName": {""}, "orgId": {"{VillageA}"}, "role": {"clerk"}, "password": {"short"}},
				status: 422, want: []string{`id="f-username-error"`, `id="f-displayName-error"`, "密码至少8位", "姓名不能为空"}},
			{name: "privileged role refused", as: "townadmin", method: "POST", path: "/users/new",
				form:   url.Values{"username": {"sneaky"}, "displayName": {"越权"}, "orgId": {"{VillageA}"}, "role": {"sysadmin"}, "password": {"Good-Pass-1"}},
				status: 403},
			{name: "committee out of scope", as: "townadmin", method: "POST", path: "/users/new",
				form:   url.Values{"username": {"farclerk"}, "displayName": {"越界"}, "orgId": {"{OtherTown}"}, "role": {"clerk"}, "password": {"Good-Pass-1"}},
				status: 422, want: []string{`id="f-orgId-error"`}, notWant: []string{"龙潭镇"}},
			{name: "duplicate username", as: "townadmin", method: "POST", path: "/users/new",
				form:   url.Values{"username": {"villageclerk"}, "displayName": {"重名"}, "orgId": {"{VillageA}"}, "role": {"clerk"}, "password": {"Good-Pass-1"}},
				status: 409, want: []string{`value="重名"`}},
			{name: "list filtered by role", as: "townadmin", path: "/users?role=viewer", status: 200,
				want: []string{"villageviewer"}, notWant: []string{">villageclerk<"}},
			{name: "list filtered by query", as: "townadmin", path: "/users?q=town", status: 200,
				want: []string{"townclerk"}, notWant: []string{">villageviewer<"}},
		})
		for _, name := range []string{"sneaky", "farclerk"} {
			if _, err := db.FindUserByUsername(context.Background(), guangong.SystemActor("t"), name); guangong.ErrorCode(err) != guangong.ENOTFOUND {
				t.Fatalf("refused account %s saved: %v", name, err)
			}
		}

		r := c.post("/users/new", url.Values{"username": {"newclerk"}, "displayName": {"新录入员"}, "orgId": {s.fx.VillageA.ID},
			"role": {"clerk"}, "password": {"Good-Pass-1"}})
		check(t, scenario{status: 303}, r, s)
		page := c.get(r.location)
		check(t, scenario{status: 200, want: []string{"新录入员", "newclerk", `name="version"`}}, page, s)
		uid := strings.TrimPrefix(r.location, "/users/")

		// The new account logs in; then its administrator disables it and its session ends.
		other := s.client()
		check(t, scenario{status: 303, location: "/"}, other.post("/login", url.Values{"username": {"newclerk"}, "password": {"Good-Pass-1"}}), s)
		check(t, scenario{status: 409, want: []string{"该记录已被他人修改"}},
			c.post("/users/"+uid, url.Values{"displayName": {"新录入员"}, "orgId": {s.fx.VillageA.ID}, "role": {"viewer"}, "version": {"0"}}), s)
		check(t, scenario{status: 303},
			c.post("/users/"+uid, url.Values{"displayName": {"新录入员"}, "orgId": {s.fx.VillageA.ID}, "role": {"viewer"}, "disabled": {"1"}, "version": {"1"}}), s)
		check(t, scenario{status: 303, location: "/login"}, other.get("/"), s)
		check(t, scenario{status: 200, want: []string{"查看者", `id="f-disabled" name="disabled" value="1" checked`}}, c.get("/users/"+uid), s)

		// End sessions and reset.
		vc := s.loginAs("villageclerk")
		check(t, scenario{status: 303}, c.post("/users/{user:villageclerk}/sessions", nil), s)
		check(t, scenario{status: 303, location: "/login"}, vc.get("/"), s)
		check(t, scenario{status: 422, want: []string{"两次输入的密码不一致"}},
			c.post("/users/{user:villageclerk}/reset", url.Values{"password": {"Reset-Pass-9"}, "repeat": {"Reset-Pass-8"}}), s)
	})
}

func TestSettingsTokens(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		s := newSite(t, db)
		c := s.loginAs("townclerk")
		r := c.post("/settings/tokens", url.Values{"name": {"报表脚本"}, "expireDays": {"90"}})
		check(t, scenario{status: 200, want: []string{`id="new-token"`, "只显示这一次", "报表脚本", "到期时间"}}, r, s)
		raw := between(r.body, `<code class="wrap" id="new-token">`, "</code>")
		if raw == "" {
			t.Fatal("token not shown")
		}
		u, err := db.TokenUser(context.Background(), raw)
		if err != nil || u.Username != "townclerk" {
			t.Fatalf("token does not work: %v", err)
		}
		page := c.get("/settings")
		check(t, scenario{status: 200, want: []string{"报表脚本", "吊销"}, notWant: []string{raw}}, page, s)
		revoke := between(page.body, `action="/settings/tokens/`, `/revoke"`)
		check(t, scenario{status: 303, location: "/settings"}, c.post("/settings/tokens/"+revoke+"/revoke", nil), s)
		check(t, scenario{status: 200, want: []string{"已吊销"}}, c.get("/settings"), s)
		if _, err := db.TokenUser(context.Background(), raw); guangong.ErrorCode(err) != guangong.EUNAUTHORIZED {
			t.Fatalf("revoked token still works: %v", err)
		}
		// Another account's token id is not this account's to revoke.
		o := s.loginAs("townadmin")
		or := o.post("/settings/tokens", url.Values{"name": {"别人的"}, "expireDays": {"0"}})
		oraw := between(or.body, `<code class="wrap" id="new-token">`, "</code>")
		oid := between(o.get("/settings").body, `action="/settings/tokens/`, `/revoke"`)
		if r := c.post("/settings/tokens/"+oid+"/revoke", nil); r.status != http.StatusNotFound && r.status != http.StatusForbidden {
			t.Fatalf("revoking another account's token: %d", r.status)
		}
		if _, err := db.TokenUser(context.Background(), oraw); err != nil {
			t.Fatalf("another account revoked townadmin's token: %v", err)
		}
	})
}

// Minting a token needs a password check within the last ten minutes: an older session is
// asked for the password again, and a wrong one does not pass.
func TestSettingsTokensReauth(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		s := newSite(t, db)
		c := s.loginAs("townclerk")
		check(t, scenario{status: 200, want: []string{`id="token-form"`}, notWant: []string{`id="reauth-form"`}}, c.get("/settings"), s)
		s.fx.Advance(guangong.ReauthWindow + time.Minute)
		check(t, scenario{status: 200, want: []string{`id="reauth-form"`, "重新输入密码", `name="reauthPassword"`},
			notWant: []string{`id="token-form"`}}, c.get("/settings"), s)
		r := c.post("/settings/tokens", url.Values{"name": {"过期会话"}, "expireDays": {"30"}})
		check(t, scenario{status: 403, want: []string{`id="reauth-form"`}, notWant: []string{`id="new-token"`}}, r, s)
		check(t, scenario{status: 401, want: []string{"密码不正确", `id="reauth-form"`}},
			c.post("/settings/reauth", url.Values{"reauthPassword": {"Wrong-Pass-1"}}), s)
		check(t, scenario{status: 303, location: "/settings"},
			c.post("/settings/reauth", url.Values{"reauthPassword": {storetest.Password}}), s)
		r = c.post("/settings/tokens", url.Values{"name": {"确认后"}, "expireDays": {"30"}})
		check(t, scenario{status: 200, want: []string{`id="new-token"`, "确认后"}}, r, s)
		list, err := db.FindTokens(context.Background(), s.fx.Actor("townclerk"), s.fx.Users["townclerk"].ID)
		if err != nil || len(list) != 1 || list[0].Name != "确认后" || list[0].ExpiresAt == nil {
			t.Fatalf("tokens %+v %v", list, err)
		}
	})
}

// A password change, a reset and "end all sessions" say on their pages that the account's
// API tokens end too; the change ends them.
func TestPasswordChangeEndsTokens(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		s := newSite(t, db)
		c := s.loginAs("townclerk")
		check(t, scenario{status: 200, want: []string{"API 令牌全部吊销"}}, c.get("/password"), s)
		raw := between(c.post("/settings/tokens", url.Values{"name": {"脚本"}, "expireDays": {"0"}}).body,
			`<code class="wrap" id="new-token">`, "</code>")
		for _, bad := range []struct{ pw, msg string }{
			{"Password1", "新密码过于常见"},
			{"townclerk-2026", "新密码不能包含用户名"},
			{storetest.Password, "新密码不能与原密码相同"},
		} {
			check(t, scenario{status: 422, want: []string{bad.msg}},
				c.post("/password", url.Values{"oldPassword": {storetest.Password}, "newPassword": {bad.pw}, "repeat": {bad.pw}}), s)
		}
		if _, err := db.TokenUser(context.Background(), raw); err != nil {
			t.Fatalf("token ended by a refused change: %v", err)
		}
		check(t, scenario{status: 303}, c.post("/password", url.Values{"oldPassword": {storetest.Password},
			"newPassword": {"a long quiet river"}, "repeat": {"a long quiet river"}}), s)
		if _, err := db.TokenUser(context.Background(), raw); guangong.ErrorCode(err) != guangong.EUNAUTHORIZED {
			t.Fatalf("token survived the password change: %v", err)
		}
		a := s.loginAs("townadmin")
		check(t, scenario{status: 200, want: []string{"API 令牌全部吊销"}}, a.get("/users/{user:townclerk}/reset"), s)
		check(t, scenario{status: 200, want: []string{"吊销其 API 令牌"}}, a.get("/users/{user:townclerk}"), s)
	})
}
