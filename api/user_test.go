package api

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	"guangong"
	"guangong/sqlstore"
	"guangong/sqlstore/storetest"
)

func (e *env) getUser(id, user string) *guangong.User {
	e.t.Helper()
	var u guangong.User
	e.decodeInto(e.do("GET", "/api/v1/users/"+e.ids.Replace(id), user, ""), &u)
	return &u
}

func TestMe(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		e := newEnv(t, db)
		e.run([]scenario{
			{name: "me", method: "GET", path: "/api/v1/me", user: "villageclerk", status: 200,
				want: []string{`"username":"villageclerk"`, `"role":"clerk"`, `"orgId":"{VillageA}"`}, notWant: []string{"assword\":\"", "hash"}},
			{name: "prefs", method: "PATCH", path: "/api/v1/me/prefs", user: "villageviewer", body: `{"largeText":true,"lang":"en"}`,
				status: 200, want: []string{`"largeText":true`, `"lang":"en"`, `"username":"villageviewer"`}},
			{name: "prefs: bad language", method: "PATCH", path: "/api/v1/me/prefs", user: "villageclerk", body: `{"lang":"fr"}`,
				status: 422, fields: []string{"lang"}},
			{name: "prefs: wrong type", method: "PATCH", path: "/api/v1/me/prefs", user: "villageclerk", body: `{"largeText":"yes"}`,
				status: 422, fields: []string{"largeText"}, want: []string{"类型错误"}},
			{name: "prefs: unknown field", method: "PATCH", path: "/api/v1/me/prefs", user: "villageclerk", body: `{"role":"sysadmin"}`,
				status: 422, fields: []string{"role"}},
			{name: "password: weak new password", method: "POST", path: "/api/v1/me/password", user: "townclerk",
				body: `{"oldPassword":"` + storetest.Password + `","newPassword":"short"}`, status: 422, fields: []string{"newPassword"}},
			{name: "password: wrong old password", method: "POST", path: "/api/v1/me/password", user: "townclerk",
				body: `{"oldPassword":"Wrong-Passw0rd","newPassword":"Brand-new-Passw0rd"}`, status: 422, fields: []string{"oldPassword"},
				want: []string{"原密码不正确"}},
			{name: "password: changed", method: "POST", path: "/api/v1/me/password", user: "villageviewer",
				body: `{"oldPassword":"` + storetest.Password + `","newPassword":"Brand-new-Passw0rd"}`, status: 204},
		})
		ctx := context.Background()
		if _, err := db.Login(ctx, "villageviewer", "Brand-new-Passw0rd", "127.0.0.1"); err != nil {
			t.Errorf("login with the new password: %v", err)
		}
		if _, err := db.Login(ctx, "townclerk", storetest.Password, "127.0.0.1"); err != nil {
			t.Errorf("a refused change altered townclerk's password: %v", err)
		}
		if u := e.getUser("{u:villageclerk}", "townadmin"); u.LargeText || u.Lang != "zh" {
			t.Errorf("refused prefs saved: %+v", u)
		}
	})
}

func TestUserReads(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		e := newEnv(t, db)
		e.run([]scenario{
			{name: "town admin lists its accounts", method: "GET", path: "/api/v1/users", user: "townadmin", status: 200,
				want:    []string{`"username":"townclerk"`, `"username":"villageclerk"`, `"username":"villageviewer"`},
				notWant: []string{"otheradmin", `"username":"admin"`, `"username":"auditor"`}},
			{name: "by committee", method: "GET", path: "/api/v1/users?orgId={VillageA}", user: "townadmin", status: 200,
				want: []string{"villageclerk", "villageviewer"}, notWant: []string{"townclerk"}},
			{name: "by role", method: "GET", path: "/api/v1/users?role=clerk", user: "townadmin", status: 200,
				want: []string{"townclerk", "villageclerk"}, notWant: []string{"villageviewer", "townadmin"}},
			{name: "search out of scope", method: "GET", path: "/api/v1/users?q=other", user: "townadmin", status: 200,
				want: []string{`"total":0`}, notWant: []string{"otheradmin"}},
			{name: "out-of-scope committee filter", method: "GET", path: "/api/v1/users?orgId={OtherTown}", user: "townadmin", status: 404,
				want: []string{"组织不存在"}, notWant: []string{"otheradmin"}},
			{name: "enabled only", method: "GET", path: "/api/v1/users?disabled=false", user: "admin", status: 200,
				want: []string{"otheradmin", "villageviewer"}},
			{name: "clerk manages no accounts", method: "GET", path: "/api/v1/users", user: "villageclerk", status: 403},
			{name: "one account", method: "GET", path: "/api/v1/users/{u:villageclerk}", user: "townadmin", status: 200,
				want: []string{`"username":"villageclerk"`, "青松村"}},
		})
		e.sameAsMissing("GET", "/api/v1/users/{u:otheradmin}", "townadmin", "", http.StatusNotFound, "otheradmin", "龙潭镇")
		e.sameAsMissing("GET", "/api/v1/users/{u:admin}", "townadmin", "", http.StatusNotFound, "溆浦县")
		e.sameAsMissing("GET", "/api/v1/users/{u:townclerk}/tokens", "otheradmin", "", http.StatusNotFound, "townclerk")
	})
}

func TestUserWrites(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		e := newEnv(t, db)
		create := func(name, user, body string, status int, fields ...string) scenario {
			return scenario{name: name, method: "POST", path: "/api/v1/users", user: user, body: body, status: status, fields: fields}
		}
		const pw = "Gw-2026-passw0rd"
		e.run([]scenario{
			{name: "create", method: "POST", path: "/api/v1/users", user: "townadmin",
				body:   `{"username":"newclerk","displayName":"张老师","orgId":"{VillageA}","role":"clerk","password":"` + pw + `"}`,
				status: 201, want: []string{`"username":"newclerk"`, `"mustChangePassword":true`, `"lang":"zh"`}, notWant: []string{pw}},
			create("duplicate username", "townadmin", `{"username":"townclerk","displayName":"重名","orgId":"{Town}","role":"clerk","password":"`+pw+`"}`, 409, "username"),
			create("bad username", "townadmin", `{"username":"Bad Name","displayName":"坏名","orgId":"{Town}","role":"clerk","password":"`+pw+`"}`, 422, "username"),
			create("empty display name", "townadmin", `{"username":"badname1","displayName":"","orgId":"{Town}","role":"clerk","password":"`+pw+`"}`, 422, "displayName"),
			create("weak password", "townadmin", `{"username":"badname2","displayName":"坏密码","orgId":"{Town}","role":"clerk","password":"abc"}`, 422, "password"),
			create("bad role", "townadmin", `{"username":"badname3","displayName":"坏角色","orgId":"{Town}","role":"king","password":"`+pw+`"}`, 422, "role"),
			create("wrong type", "townadmin", `{"username":"badname4","displayName":"坏类型","orgId":"{Town}","role":"clerk","password":12345678}`, 422, "password"),
			create("unknown field", "townadmin", `{"username":"badname5","displayName":"未知","orgId":"{Town}","role":"clerk","password":"`+pw+`","isRoot":true}`, 422, "isRoot"),
			create("committee out of scope", "townadmin", `{"username":"badname6","displayName":"越权","orgId":"{OtherTown}","role":"clerk","password":"`+pw+`"}`, 422, "orgId"),
			create("privileged role by a committee admin", "townadmin", `{"username":"badname7","displayName":"提权","orgId":"{Town}","role":"sysadmin","password":"`+pw+`"}`, 403),
			create("viewer creates no accounts", "villageviewer", `{"username":"badname8","displayName":"查看者","orgId":"{VillageA}","role":"viewer","password":"`+pw+`"}`, 403),
			create("malformed", "townadmin", `{"username":`, 400),
		})
		if n := e.count("/api/v1/users?q=badname", "admin"); n != 0 {
			t.Errorf("%d bad accounts saved", n)
		}
		if n := e.count("/api/v1/users?q=townclerk", "admin"); n != 1 {
			t.Errorf("%d accounts named townclerk", n)
		}

		// Disable the viewer: its token stops working at once.
		v := e.getUser("{u:villageviewer}", "townadmin")
		e.run([]scenario{
			{name: "edit without version", method: "PATCH", path: "/api/v1/users/{u:villageviewer}", user: "townadmin",
				body: `{"disabled":true}`, status: 422, fields: []string{"version"}},
			{name: "stale edit", method: "PATCH", path: "/api/v1/users/{u:villageviewer}", user: "townadmin",
				body: fmt.Sprintf(`{"disabled":true,"version":%d}`, v.Version+5), status: 409},
			{name: "disable", method: "PATCH", path: "/api/v1/users/{u:villageviewer}", user: "townadmin",
				body: fmt.Sprintf(`{"disabled":true,"displayName":"停用的查看者","version":%d}`, v.Version), status: 200,
				want: []string{`"disabled":true`, "停用的查看者"}},
			{name: "disabled token", method: "GET", path: "/api/v1/me", user: "villageviewer", status: 401},
			{name: "reset: weak", method: "POST", path: "/api/v1/users/{u:villageclerk}/reset-password", user: "townadmin",
				body: `{"password":"weak"}`, status: 422, fields: []string{"password"}},
			{name: "reset: common", method: "POST", path: "/api/v1/users/{u:villageclerk}/reset-password", user: "townadmin",
				body: `{"password":"Password1"}`, status: 422, fields: []string{"password"}, want: []string{"密码过于常见"}},
			{name: "reset: holds the username", method: "POST", path: "/api/v1/users/{u:villageclerk}/reset-password", user: "townadmin",
				body: `{"password":"VillageClerk-2026"}`, status: 422, fields: []string{"password"}, want: []string{"密码不能包含用户名"}},
			{name: "clerk cannot reset", method: "POST", path: "/api/v1/users/{u:villageviewer}/reset-password", user: "villageclerk",
				body: `{"password":"Reset-2026-pw"}`, status: 403},
			{name: "reset", method: "POST", path: "/api/v1/users/{u:villageclerk}/reset-password", user: "townadmin",
				body: `{"password":"Reset-2026-pw"}`, status: 204},
			// A reset and "end all sessions" revoke the account's tokens too.
			{name: "token ended by the reset", method: "GET", path: "/api/v1/me", user: "villageclerk", status: 401},
			{name: "townclerk's token before", method: "GET", path: "/api/v1/me", user: "townclerk", status: 200},
			{name: "end sessions", method: "POST", path: "/api/v1/users/{u:townclerk}/end-sessions", user: "townadmin",
				status: 200, want: []string{`"ended":`}},
			{name: "token ended with the sessions", method: "GET", path: "/api/v1/me", user: "townclerk", status: 401},
		})
		u, err := db.Login(context.Background(), "villageclerk", "Reset-2026-pw", "127.0.0.1")
		if err != nil || !u.MustChangePassword {
			t.Errorf("login after reset: %+v %v", u, err)
		}
		for _, target := range []struct{ id, name string }{{"{u:otheradmin}", "otheradmin"}, {"{u:admin}", "溆浦县"}} {
			e.sameAsMissing("PATCH", "/api/v1/users/"+target.id, "townadmin", `{"displayName":"改名","version":1}`, http.StatusNotFound, target.name)
			e.sameAsMissing("POST", "/api/v1/users/"+target.id+"/reset-password", "townadmin", `{"password":"Reset-2026-pw"}`, http.StatusNotFound, target.name)
			e.sameAsMissing("POST", "/api/v1/users/"+target.id+"/end-sessions", "townadmin", "", http.StatusNotFound, target.name)
			// A token acts as its account: nobody makes one for another, in scope or not.
			e.sameAsMissing("POST", "/api/v1/users/"+target.id+"/tokens", "townadmin", `{"name":"偷用"}`, http.StatusForbidden, target.name)
		}
		if _, err := db.Login(context.Background(), "otheradmin", storetest.Password, "127.0.0.1"); err != nil {
			t.Errorf("otheradmin's password changed by an out-of-scope reset: %v", err)
		}
	})
}

func TestTokens(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		e := newEnv(t, db)
		// A token cannot mint a token: the API answers 403, saying where tokens are made.
		e.run([]scenario{
			{name: "a token mints no token", method: "POST", path: "/api/v1/users/{u:townclerk}/tokens", user: "townclerk",
				body: `{"name":"导入脚本","expireDays":30}`, status: 403, want: []string{"API 令牌不能创建新的令牌"}},
			{name: "admin cannot make one for it", method: "POST", path: "/api/v1/users/{u:townclerk}/tokens", user: "townadmin",
				body: `{"name":"代建"}`, status: 403},
			{name: "token name of wrong type", method: "POST", path: "/api/v1/users/{u:townclerk}/tokens", user: "townclerk",
				body: `{"name":7}`, status: 422, fields: []string{"name"}},
		})
		// Made in a session (the pages), with an expiry.
		raw, created, err := db.CreateToken(context.Background(), e.fx.Actor("townclerk"), e.fx.Users["townclerk"].ID, "导入脚本", 30)
		if err != nil {
			t.Fatal(err)
		}
		e.run([]scenario{
			{name: "new token works", method: "GET", path: "/api/v1/me", user: raw, status: 200, want: []string{`"username":"townclerk"`}},
			{name: "list tokens", method: "GET", path: "/api/v1/users/{u:townclerk}/tokens", user: "townclerk", status: 200,
				want: []string{"导入脚本", created.ID, `"expiresAt":"`}, notWant: []string{raw}},
			{name: "admin lists them too", method: "GET", path: "/api/v1/users/{u:townclerk}/tokens", user: "townadmin", status: 200,
				want: []string{"导入脚本"}},
		})
		e.alias("NewToken", created.ID)
		e.sameAsMissing("DELETE", "/api/v1/tokens/{NewToken}", "otheradmin", "", http.StatusNotFound, "导入脚本")
		e.run([]scenario{
			{name: "other town cannot revoke", method: "GET", path: "/api/v1/me", user: raw, status: 200},
			{name: "revoke", method: "DELETE", path: "/api/v1/tokens/" + created.ID, user: "townclerk", status: 204},
			{name: "revoked token", method: "GET", path: "/api/v1/me", user: raw, status: 401, notWant: []string{"townclerk"}},
			{name: "revoked token lists nothing", method: "GET", path: "/api/v1/orgs", user: raw, status: 401, notWant: []string{"青松村"}},
			{name: "listed as revoked", method: "GET", path: "/api/v1/users/{u:townclerk}/tokens", user: "townclerk", status: 200,
				want: []string{`"revokedAt":"`}},
			{name: "the other token still works", method: "GET", path: "/api/v1/me", user: "townclerk", status: 200},
		})
		// A password change through the API ends every token of the account, its own too.
		e.run([]scenario{
			{name: "change to a common password", method: "POST", path: "/api/v1/me/password", user: "townclerk",
				body: `{"oldPassword":"` + storetest.Password + `","newPassword":"Password1"}`, status: 422, fields: []string{"newPassword"},
				want: []string{"新密码过于常见"}},
			{name: "change to the same password", method: "POST", path: "/api/v1/me/password", user: "townclerk",
				body: `{"oldPassword":"` + storetest.Password + `","newPassword":"` + storetest.Password + `"}`, status: 422,
				fields: []string{"newPassword"}},
			{name: "change", method: "POST", path: "/api/v1/me/password", user: "townclerk",
				body: `{"oldPassword":"` + storetest.Password + `","newPassword":"a quiet long river"}`, status: 204},
			{name: "token ended by the change", method: "GET", path: "/api/v1/me", user: "townclerk", status: 401},
		})
	})
}
