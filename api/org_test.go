package api

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"guangong"
	"guangong/sqlstore"
	"guangong/sqlstore/storetest"
)

// getOrg reads a committee through the API as user.
func (e *env) getOrg(id, user string) *guangong.Org {
	e.t.Helper()
	var o guangong.Org
	e.decodeInto(e.do("GET", "/api/v1/orgs/"+e.ids.Replace(id), user, ""), &o)
	return &o
}

func TestOrgReads(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		e := newEnv(t, db)
		e.run([]scenario{
			{name: "town admin lists its subtree", method: "GET", path: "/api/v1/orgs?under={Town}", user: "townadmin",
				status: 200, want: []string{"低庄镇", "青松村", "白沙村", `"total":`}, notWant: []string{"龙潭镇", "溆浦县"}},
			{name: "town admin lists everything in scope", method: "GET", path: "/api/v1/orgs", user: "townadmin",
				status: 200, want: []string{"青松村", "白沙村"}, notWant: []string{"龙潭镇", "溆浦县"}},
			{name: "children of the town", method: "GET", path: "/api/v1/orgs?parentId={Town}&limit=500", user: "townadmin",
				status: 200, want: []string{"青松村", "白沙村", `"limit":200`}, notWant: []string{`"name":"低庄镇"`}},
			{name: "filter by level", method: "GET", path: "/api/v1/orgs?level=town", user: "admin",
				status: 200, want: []string{"低庄镇", "龙潭镇"}, notWant: []string{"青松村", "溆浦县"}},
			{name: "filter by code", method: "GET", path: "/api/v1/orgs?code=" + e.fx.VillageB.Code, user: "admin",
				status: 200, want: []string{"白沙村", `"total":1`}, notWant: []string{"青松村"}},
			{name: "village clerk searches only its village", method: "GET", path: "/api/v1/orgs?q=村", user: "villageclerk",
				status: 200, want: []string{"青松村", `"total":1`}, notWant: []string{"白沙村", "低庄镇"}},
			{name: "village clerk cannot find a sibling by name", method: "GET", path: "/api/v1/orgs?q=白沙", user: "villageclerk",
				status: 200, want: []string{`"items":[]`, `"total":0`}, notWant: []string{"白沙村"}},
			{name: "village clerk cannot list the town's children", method: "GET", path: "/api/v1/orgs?parentId={Town}", user: "villageclerk",
				status: 404, want: []string{"组织不存在"}, notWant: []string{"白沙村", "中心小学", "青松村"}},
			{name: "village clerk cannot list under the town", method: "GET", path: "/api/v1/orgs?under={Town}", user: "villageclerk",
				status: 404, notWant: []string{"白沙村", "低庄镇"}},
			{name: "village clerk lists under its own village", method: "GET", path: "/api/v1/orgs?under={VillageA}", user: "villageclerk",
				want: []string{`"total":1`, "青松村"}, status: 200, notWant: []string{"白沙村", "中心小学"}},
			{name: "own village", method: "GET", path: "/api/v1/orgs/{VillageA}", user: "villageclerk",
				status: 200, want: []string{"青松村", `"version":`, `"status":"active"`, `"id":"{VillageA}"`}},
			{name: "viewer reads its village", method: "GET", path: "/api/v1/orgs/{VillageA}", user: "villageviewer",
				status: 200, want: []string{"青松村"}},
			{name: "auditor reads no committees", method: "GET", path: "/api/v1/orgs", user: "auditor",
				status: 403, want: []string{"无权"}},
			{name: "no token", method: "GET", path: "/api/v1/orgs", status: 401, notWant: []string{"青松村"}},
			{name: "bad token", method: "GET", path: "/api/v1/orgs", user: "not-a-token", status: 401, notWant: []string{"青松村"}},
			{name: "summary of the town", method: "GET", path: "/api/v1/orgs/{Town}/summary", user: "townadmin",
				status: 200, want: []string{`"byLevel":`, `"village":2`, `"accounts":`, "低庄镇"}, notWant: []string{"溆浦县"}},
			{name: "ancestors within scope only", method: "GET", path: "/api/v1/orgs/{VillageA}/ancestors", user: "townadmin",
				status: 200, want: []string{"低庄镇"}, notWant: []string{"溆浦县", "青松村"}},
			{name: "ancestors for the county admin", method: "GET", path: "/api/v1/orgs/{VillageA}/ancestors", user: "admin",
				status: 200, want: []string{"溆浦县", "低庄镇"}},
			{name: "English problem", method: "GET", path: "/api/v1/orgs/{Missing}", user: "townadmin", header: []string{"Accept-Language", "en-US"},
				status: 404, want: []string{"Committee not found"}, notWant: []string{"组织不存在"}},
		})
		// Every read of another village, the town or the other town answers as a missing id.
		for _, target := range []struct{ id, name string }{
			{"{VillageB}", "白沙村"}, {"{Town}", "低庄镇"}, {"{OtherTown}", "龙潭镇"}, {"{County}", "溆浦县"},
		} {
			for _, suffix := range []string{"", "/summary", "/ancestors"} {
				e.sameAsMissing("GET", "/api/v1/orgs/"+target.id+suffix, "villageclerk", "", http.StatusNotFound, target.name)
			}
		}
		e.sameAsMissing("GET", "/api/v1/orgs/{OtherTown}", "townadmin", "", http.StatusNotFound, "龙潭镇")
	})
}

func TestOrgWritesOutOfScope(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		e := newEnv(t, db)
		for _, target := range []struct{ id, name string }{
			{"{VillageB}", "白沙村"}, {"{Town}", "低庄镇"}, {"{OtherTown}", "龙潭镇"},
		} {
			// A clerk may not change the tree at all; the answer is the same for any id.
			e.sameAsMissing("PATCH", "/api/v1/orgs/"+target.id, "villageclerk", `{"name":"改名","version":1}`, http.StatusForbidden, target.name)
			e.sameAsMissing("POST", "/api/v1/orgs/"+target.id+"/move", "villageclerk", `{"parentId":"{VillageA}","version":1}`, http.StatusForbidden, target.name)
			e.sameAsMissing("POST", "/api/v1/orgs/"+target.id+"/dissolve", "villageclerk", `{"version":1}`, http.StatusForbidden, target.name)
		}
		// An administrator of another town meets 404s, identical to a missing id's.
		for _, target := range []struct{ id, name string }{{"{VillageA}", "青松村"}, {"{Town}", "低庄镇"}} {
			e.sameAsMissing("PATCH", "/api/v1/orgs/"+target.id, "otheradmin", `{"name":"改名","version":1}`, http.StatusNotFound, target.name)
			e.sameAsMissing("POST", "/api/v1/orgs/"+target.id+"/move", "otheradmin", `{"parentId":"{OtherTown}","version":1}`, http.StatusNotFound, target.name)
			e.sameAsMissing("POST", "/api/v1/orgs/"+target.id+"/dissolve", "otheradmin", `{"version":1}`, http.StatusNotFound, target.name)
		}
		e.run([]scenario{
			{name: "clerk cannot move its village under the sibling", method: "POST", path: "/api/v1/orgs/{VillageA}/move", user: "villageclerk",
				body: `{"parentId":"{VillageB}","version":1}`, status: 403, notWant: []string{"白沙村"}},
			{name: "town admin cannot move a village to the other town", method: "POST", path: "/api/v1/orgs/{VillageA}/move", user: "townadmin",
				body: fmt.Sprintf(`{"parentId":"{OtherTown}","version":%d}`, e.fx.VillageA.Version), status: 422, fields: []string{"parentId"},
				want: []string{"上级组织不存在"}, notWant: []string{"龙潭镇"}},
			{name: "town admin cannot create under the other town", method: "POST", path: "/api/v1/orgs", user: "townadmin",
				body: `{"parentId":"{OtherTown}","name":"越权村","level":"village","code":"x-oos"}`, status: 422, fields: []string{"parentId"},
				notWant: []string{"龙潭镇"}},
			{name: "viewer cannot create", method: "POST", path: "/api/v1/orgs", user: "villageviewer",
				body: `{"parentId":"{VillageA}","name":"新单位","level":"unit","code":"x-viewer"}`, status: 403, want: []string{"无权"}},
			{name: "clerk cannot create", method: "POST", path: "/api/v1/orgs", user: "villageclerk",
				body: `{"parentId":"{Town}","name":"新村","level":"village","code":"x-clerk"}`, status: 403},
			{name: "town admin cannot move its own town", method: "POST", path: "/api/v1/orgs/{Town}/move", user: "townadmin",
				body: `{"parentId":"{OtherTown}","version":1}`, status: 403},
		})
		// Nothing moved, nothing was created, nothing was renamed.
		if got := e.getOrg("{VillageA}", "admin"); got.ParentID != e.fx.Town.ID || got.Name != "青松村" || got.Version != e.fx.VillageA.Version {
			t.Errorf("VillageA changed: %+v", got)
		}
		for _, target := range []string{"{VillageB}", "{Town}", "{OtherTown}"} {
			if got := e.getOrg(target, "admin"); got.Name == "改名" || got.Status != guangong.OrgActive {
				t.Errorf("%s changed: %+v", target, got)
			}
		}
		if n := e.count("/api/v1/orgs?q=越权&includeDissolved=true", "admin"); n != 0 {
			t.Errorf("%d out-of-scope committees created", n)
		}
		if n := e.count("/api/v1/orgs?q=新&includeDissolved=true", "admin"); n != 0 {
			t.Errorf("%d committees created by a viewer or clerk", n)
		}
	})
}

func TestOrgBadInput(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		e := newEnv(t, db)
		long := strings.Repeat("长", 101)
		post := func(name, body string, status int, field, want string) scenario {
			return scenario{name: name, method: "POST", path: "/api/v1/orgs", user: "townadmin", body: body,
				status: status, fields: nonEmpty(field), want: nonEmpty(want)}
		}
		e.run([]scenario{
			post("empty name", `{"parentId":"{Town}","name":"  ","level":"village","code":"bad-1"}`, 422, "name", "名称不能为空"),
			post("too long name", `{"parentId":"{Town}","name":"`+long+`","level":"village","code":"bad-2"}`, 422, "name", "不能超过100个字"),
			post("name of wrong type", `{"parentId":"{Town}","name":5,"level":"village","code":"bad-3"}`, 422, "name", "类型错误"),
			post("unknown field", `{"parentId":"{Town}","name":"坏村","level":"village","code":"bad-4","mayor":"x"}`, 422, "mayor", "不支持的字段"),
			post("malformed JSON", `{"parentId":"{Town}","name":"坏村",`, 400, "", "不是有效的 JSON"),
			post("bad level", `{"parentId":"{Town}","name":"坏村","level":"galaxy","code":"bad-5"}`, 422, "level", "有效的层级"),
			post("level that cannot sit under a town", `{"parentId":"{Town}","name":"坏村","level":"county","code":"bad-6"}`, 422, "level", ""),
			post("bad code", `{"parentId":"{Town}","name":"坏村","level":"village","code":"坏 代码"}`, 422, "code", "代码只能包含"),
			post("missing parent", `{"name":"坏村","level":"village","code":"bad-7"}`, 422, "parentId", ""),
			post("unknown parent", `{"parentId":"{Missing}","name":"坏村","level":"village","code":"bad-8"}`, 422, "parentId", "上级组织不存在"),
			post("future date", `{"parentId":"{Town}","name":"坏村","level":"village","code":"bad-9","established":"2999-01-01"}`, 422, "established", "不能晚于今天"),
			post("duplicate code", `{"parentId":"{Town}","name":"坏村","level":"village","code":"`+e.fx.VillageB.Code+`"}`, 409, "code", "已被使用"),
			{name: "move under its own descendant", method: "POST", path: "/api/v1/orgs/{Town}/move", user: "admin",
				body: fmt.Sprintf(`{"parentId":"{VillageA}","version":%d}`, e.fx.Town.Version), status: 422, fields: []string{"parentId"},
				want: []string{"不能移动到自身或其下级组织之下"}},
			{name: "move under itself", method: "POST", path: "/api/v1/orgs/{Town}/move", user: "admin",
				body: fmt.Sprintf(`{"parentId":"{Town}","version":%d}`, e.fx.Town.Version), status: 422, fields: []string{"parentId"}},
			{name: "move a village under a village", method: "POST", path: "/api/v1/orgs/{VillageA}/move", user: "townadmin",
				body: fmt.Sprintf(`{"parentId":"{VillageB}","version":%d}`, e.fx.VillageA.Version), status: 422, fields: []string{"level"}},
			{name: "edit without version", method: "PATCH", path: "/api/v1/orgs/{VillageA}", user: "townadmin",
				body: `{"name":"无版本"}`, status: 422, fields: []string{"version"}},
			{name: "edit to an empty name", method: "PATCH", path: "/api/v1/orgs/{VillageA}", user: "townadmin",
				body: fmt.Sprintf(`{"name":"","version":%d}`, e.fx.VillageA.Version), status: 422, fields: []string{"name"}},
			{name: "edit to a duplicate code", method: "PATCH", path: "/api/v1/orgs/{VillageA}", user: "townadmin",
				body: fmt.Sprintf(`{"code":%q,"version":%d}`, e.fx.VillageB.Code, e.fx.VillageA.Version), status: 409, fields: []string{"code"}},
			{name: "edit sets the id", method: "PATCH", path: "/api/v1/orgs/{VillageA}", user: "townadmin",
				body: fmt.Sprintf(`{"id":"x","version":%d}`, e.fx.VillageA.Version), status: 422, fields: []string{"id"}},
			{name: "edit with a string version", method: "PATCH", path: "/api/v1/orgs/{VillageA}", user: "townadmin",
				body: `{"name":"x","version":"1"}`, status: 422, fields: []string{"version"}, want: []string{"类型错误"}},
			{name: "dissolve a committee with active children", method: "POST", path: "/api/v1/orgs/{Town}/dissolve", user: "admin",
				body: fmt.Sprintf(`{"version":%d}`, e.fx.Town.Version), status: 422, want: []string{"不能撤销"}},
		})
		// Nothing was saved: no new committee, VillageA and Town as they were.
		if n := e.count("/api/v1/orgs?q=坏村&includeDissolved=true", "admin"); n != 0 {
			t.Errorf("%d bad committees saved", n)
		}
		if n := e.count("/api/v1/orgs?code="+e.fx.VillageB.Code+"&includeDissolved=true", "admin"); n != 1 {
			t.Errorf("%d committees with VillageB's code", n)
		}
		if got := e.getOrg("{VillageA}", "admin"); got.Name != "青松村" || got.Code != e.fx.VillageA.Code || got.Version != e.fx.VillageA.Version || got.ParentID != e.fx.Town.ID {
			t.Errorf("VillageA changed: %+v", got)
		}
		if got := e.getOrg("{Town}", "admin"); got.ParentID != e.fx.County.ID || got.Status != guangong.OrgActive || got.Version != e.fx.Town.Version {
			t.Errorf("Town changed: %+v", got)
		}
	})
}

func nonEmpty(s string) []string {
	if s == "" {
		return nil
	}
	return []string{s}
}

// TestOrgLifecycle creates, edits (with a stale version), moves and dissolves a committee.
func TestOrgLifecycle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		e := newEnv(t, db)
		rec := e.do("POST", "/api/v1/orgs", "townadmin",
			`{"parentId":"{Town}","name":" 红星村 ","shortName":"红星","level":"village","code":"431224-hx","address":"低庄镇红星村","contact":"0745-1234567","established":"2019-05-01"}`)
		if rec.Code != http.StatusCreated {
			t.Fatalf("create: %d %s", rec.Code, rec.Body)
		}
		var o guangong.Org
		e.decodeInto(rec, &o)
		if o.ID == "" || o.Name != "红星村" || o.ParentID != e.fx.Town.ID || o.Version != 1 || o.Depth != e.fx.Town.Depth+1 {
			t.Fatalf("created %+v", o)
		}
		if loc := rec.Header().Get("Location"); loc != "/api/v1/orgs/"+o.ID {
			t.Errorf("Location %q", loc)
		}
		if !strings.HasSuffix(strings.Split(strings.Split(rec.Body.String(), `"createdAt":"`)[1], `"`)[0], "Z") {
			t.Errorf("createdAt not in UTC: %s", rec.Body)
		}
		e.alias("Hongxing", o.ID)
		path := "/api/v1/orgs/{Hongxing}"
		// The village clerk of a sibling village cannot see it.
		e.sameAsMissing("GET", path, "villageclerk", "", http.StatusNotFound, "红星村")

		rec = e.do("PATCH", path, "townadmin", `{"name":"红星社区","version":1}`)
		e.decodeInto(rec, &o)
		if o.Name != "红星社区" || o.Version != 2 || o.ShortName != "红星" {
			t.Fatalf("edited %+v", o)
		}
		e.run([]scenario{
			{name: "stale edit", method: "PATCH", path: path, user: "townadmin", body: `{"name":"旧版本","version":1}`,
				status: 409, want: []string{"已被他人修改"}},
			{name: "stale move", method: "POST", path: path + "/move", user: "admin", body: `{"parentId":"{OtherTown}","version":1}`,
				status: 409},
			{name: "stale dissolve", method: "POST", path: path + "/dissolve", user: "townadmin", body: `{"version":1}`,
				status: 409},
		})
		if got := e.getOrg("{Hongxing}", "townadmin"); got.Name != "红星社区" || got.Version != 2 {
			t.Errorf("stale edit saved: %+v", got)
		}

		// The county's administrator moves it to the other town; the town loses sight of it.
		rec = e.do("POST", path+"/move", "admin", `{"parentId":"{OtherTown}","version":2}`)
		e.decodeInto(rec, &o)
		if o.ParentID != e.fx.OtherTown.ID || o.Version != 3 {
			t.Fatalf("moved %+v", o)
		}
		e.sameAsMissing("GET", path, "townadmin", "", http.StatusNotFound, "红星社区")
		if got := e.getOrg("{Hongxing}", "otheradmin"); got.ParentID != e.fx.OtherTown.ID {
			t.Errorf("other town sees %+v", got)
		}

		rec = e.do("POST", path+"/dissolve", "otheradmin", `{"version":3}`)
		e.decodeInto(rec, &o)
		if o.Status != guangong.OrgDissolved || o.DissolvedAt == nil || o.Version != 4 {
			t.Fatalf("dissolved %+v", o)
		}
		if n := e.count("/api/v1/orgs?q=红星", "otheradmin"); n != 0 {
			t.Errorf("dissolved committee listed by default (%d)", n)
		}
		if n := e.count("/api/v1/orgs?q=红星&includeDissolved=true", "otheradmin"); n != 1 {
			t.Errorf("dissolved committee not listed with includeDissolved (%d)", n)
		}
		e.run([]scenario{
			{name: "dissolve twice", method: "POST", path: path + "/dissolve", user: "otheradmin", body: `{"version":4}`, status: 422},
			{name: "create under a dissolved parent", method: "POST", path: "/api/v1/orgs", user: "admin",
				body: `{"parentId":"` + o.ID + `","name":"学校","level":"school","code":"hx-school"}`, status: 422, fields: []string{"parentId"}},
		})
	})
}
