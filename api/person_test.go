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

// testID makes a valid resident ID number for a birth date (YYYYMMDD) and sequence.
func testID(birth string, seq int) string {
	first := fmt.Sprintf("431224%s%03d", birth, seq)
	return first + string(guangong.IDCheckChar(first))
}

// volunteerJSON is a valid new volunteer; extra fields (JSON members) are appended.
func volunteerJSON(org, name string, extra ...string) string {
	fields := append([]string{
		`"orgId":"` + org + `"`, `"name":"` + name + `"`, `"gender":"male"`, `"birthDate":"1950-05-06"`,
		`"category":"teacher"`, `"status":"active"`, `"consentDate":"2024-03-01"`,
	}, extra...)
	return "{" + strings.Join(fields, ",") + "}"
}

// create posts body to path as user, expects 201 and aliases the new object's id as name.
func (e *env) create(path, user, body, name string) string {
	e.t.Helper()
	rec := e.do("POST", path, user, body)
	if rec.Code != http.StatusCreated {
		e.t.Fatalf("create %s: status %d: %s", name, rec.Code, rec.Body)
	}
	var o struct{ ID string }
	e.decodeInto(rec, &o)
	e.alias(name, o.ID)
	return o.ID
}

func (e *env) volunteer(id, user string) *guangong.Volunteer {
	e.t.Helper()
	var p guangong.Volunteer
	e.decodeInto(e.do("GET", "/api/v1/volunteers/"+e.ids.Replace(id), user, ""), &p)
	return &p
}

func TestVolunteers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		e := newEnv(t, db)
		phone, id := "13812345678", testID("19500506", 11)
		e.create("/api/v1/volunteers", "villageclerk", volunteerJSON("{VillageA}", "张志国",
			`"phone":"`+phone+`"`, `"idNumber":"`+id+`"`, `"partyMember":true`, `"partyBranch":"青松村党支部"`, `"skills":["lecture","tutoring"]`), "Zhang")
		e.create("/api/v1/volunteers", "townclerk", volunteerJSON("{VillageB}", "白沙李老师", `"birthDate":"1940-01-01"`, `"category":"cadre"`), "Li")
		e.run([]scenario{
			{name: "created in full", method: "GET", path: "/api/v1/volunteers/{Zhang}", user: "villageclerk", status: 200,
				want: []string{`"name":"张志国"`, `"orgName":"青松村"`, `"phone":"` + phone + `"`, `"idNumber":"` + id + `"`, `"skills":["lecture","tutoring"]`, `"version":1`}},
			{name: "list in scope", method: "GET", path: "/api/v1/volunteers", user: "villageclerk", status: 200,
				want: []string{"张志国", `"total":1`}, notWant: []string{"白沙李老师"}},
			{name: "town sees both", method: "GET", path: "/api/v1/volunteers", user: "townadmin", status: 200,
				want: []string{"张志国", "白沙李老师", `"total":2`}},
			{name: "by name", method: "GET", path: "/api/v1/volunteers?q=志国", user: "townclerk", status: 200,
				want: []string{"张志国"}, notWant: []string{"白沙李老师"}},
			{name: "by category", method: "GET", path: "/api/v1/volunteers?category=cadre", user: "townclerk", status: 200,
				want: []string{"白沙李老师"}, notWant: []string{"张志国"}},
			{name: "party members", method: "GET", path: "/api/v1/volunteers?partyMember=true", user: "townclerk", status: 200,
				want: []string{"张志国"}, notWant: []string{"白沙李老师"}},
			{name: "by age band", method: "GET", path: "/api/v1/volunteers?ageBand=80%2B", user: "townclerk", status: 200,
				want: []string{"白沙李老师"}, notWant: []string{"张志国"}},
			{name: "by committee", method: "GET", path: "/api/v1/volunteers?orgId={VillageB}", user: "townclerk", status: 200,
				want: []string{"白沙李老师"}, notWant: []string{"张志国"}},
			{name: "by status", method: "GET", path: "/api/v1/volunteers?status=deceased", user: "townclerk", status: 200,
				want: []string{`"total":0`}},
			{name: "bad filters", method: "GET", path: "/api/v1/volunteers?category=king&status=gone&partyMember=maybe&colour=red", user: "townclerk",
				status: 422, fields: []string{"category", "status", "partyMember", "colour"}},
			{name: "other town sees none", method: "GET", path: "/api/v1/volunteers", user: "otheradmin", status: 200,
				want: []string{`"total":0`}, notWant: []string{"张志国"}},
			{name: "viewer reads", method: "GET", path: "/api/v1/volunteers/{Zhang}", user: "villageviewer", status: 200, want: []string{"张志国"}},
			{name: "viewer cannot create", method: "POST", path: "/api/v1/volunteers", user: "villageviewer",
				body: volunteerJSON("{VillageA}", "查看者建的"), status: 403},
			{name: "administrator of accounts sees no people", method: "GET", path: "/api/v1/volunteers", user: "admin", status: 403},
			{name: "bad input", method: "POST", path: "/api/v1/volunteers", user: "villageclerk",
				body: `{"orgId":"{VillageA}","name":"","gender":"x","birthDate":"1950-13-01","phone":"12345","idNumber":"431224195005060010",` +
					`"category":"king","status":"active","consentDate":"2024-03-01","skills":["flying"]}`,
				status: 422, fields: []string{"name", "gender", "birthDate", "phone", "idNumber", "category", "skills"}},
			{name: "wrong type", method: "POST", path: "/api/v1/volunteers", user: "villageclerk",
				body: volunteerJSON("{VillageA}", "类型错", `"partyMember":"yes"`), status: 422, fields: []string{"partyMember"}},
			{name: "unknown field", method: "POST", path: "/api/v1/volunteers", user: "villageclerk",
				body: volunteerJSON("{VillageA}", "多字段", `"version":7`), status: 422, fields: []string{"version"}},
		})
		if n := e.count("/api/v1/volunteers", "townadmin"); n != 2 {
			t.Errorf("%d volunteers after refused creates, want 2", n)
		}

		// Scope: a village clerk guessing the other village's ids learns nothing.
		for _, sc := range []struct{ method, path, body string }{
			{"GET", "/api/v1/volunteers/{Li}", ""},
			{"PUT", "/api/v1/volunteers/{Li}", volunteerJSON("{VillageA}", "改名", `"version":1`)},
			{"GET", "/api/v1/volunteers/{Li}/memberships", ""},
			{"POST", "/api/v1/volunteers/{Li}/memberships", `{"orgId":"{VillageA}","from":"2024-01-01"}`},
		} {
			e.sameAsMissing(sc.method, sc.path, "villageclerk", sc.body, http.StatusNotFound, "白沙李老师", "白沙村")
		}

		// Edits: the version read must be sent back; the second of two edits made against
		// the same version is refused with a clear message, and loses nothing silently.
		v := e.volunteer("{Zhang}", "villageclerk")
		edit := func(name string) string {
			return volunteerJSON("{VillageA}", name, fmt.Sprintf(`"version":%d`, v.Version), `"phone":"`+phone+`"`)
		}
		e.run([]scenario{
			{name: "edit without version", method: "PUT", path: "/api/v1/volunteers/{Zhang}", user: "villageclerk",
				body: volunteerJSON("{VillageA}", "无版本"), status: 422, fields: []string{"version"}},
			{name: "first clerk saves", method: "PUT", path: "/api/v1/volunteers/{Zhang}", user: "villageclerk",
				body: edit("张志国（村）"), status: 200, want: []string{"张志国（村）", fmt.Sprintf(`"version":%d`, v.Version+1)}},
			{name: "second clerk's save is refused", method: "PUT", path: "/api/v1/volunteers/{Zhang}", user: "townclerk",
				body: edit("张志国（镇）"), status: 409, want: []string{"该记录已被他人修改，请刷新后重新编辑"}},
			{name: "bad edit", method: "PUT", path: "/api/v1/volunteers/{Zhang}", user: "townclerk",
				body: volunteerJSON("{VillageA}", "坏电话", fmt.Sprintf(`"version":%d`, v.Version+1), `"phone":"999"`), status: 422, fields: []string{"phone"}},
		})
		if got := e.volunteer("{Zhang}", "townclerk"); got.Name != "张志国（村）" || got.Phone != phone || got.Version != v.Version+1 {
			t.Errorf("after the refused edits: %+v", got)
		}
	})
}

func TestMembershipsPostsBodies(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		e := newEnv(t, db)
		e.create("/api/v1/volunteers", "townclerk", volunteerJSON("{Town}", "刘主任", `"partyMember":true`, `"birthDate":"1948-02-02"`, `"category":"cadre"`), "Liu")
		e.create("/api/v1/volunteers", "townclerk", volunteerJSON("{Town}", "陈委员", `"birthDate":"1962-02-02"`), "Chen")
		e.create("/api/v1/volunteers/{Liu}/memberships", "townclerk", `{"orgId":"{VillageA}","from":"2020-01-01","note":"联系青松村"}`, "Mem")
		e.create("/api/v1/orgs/{Town}/posts", "townadmin", `{"volunteerId":"{Liu}","title":"director","from":"2021-01-01"}`, "Director")
		e.create("/api/v1/orgs/{Town}/posts", "townadmin", `{"volunteerId":"{Chen}","title":"member","from":"2021-01-01"}`, "Member")
		e.create("/api/v1/orgs/{Town}/bodies", "townadmin", `{"kind":"party_branch","name":"低庄镇离退休干部党支部","founded":"2010-07-01"}`, "Branch")
		e.create("/api/v1/bodies/{Branch}/members", "townadmin", `{"volunteerId":"{Liu}","role":"书记","from":"2015-01-01"}`, "Secretary")
		e.run([]scenario{
			{name: "memberships", method: "GET", path: "/api/v1/volunteers/{Liu}/memberships", user: "townclerk", status: 200,
				want: []string{`"orgId":"{VillageA}"`, "联系青松村", `"from":"2020-01-01"`}},
			{name: "membership in an out-of-scope committee", method: "POST", path: "/api/v1/volunteers/{Liu}/memberships", user: "townclerk",
				body: `{"orgId":"{OtherTown}","from":"2020-01-01"}`, status: 422, fields: []string{"orgId"}},
			{name: "membership with a bad span", method: "POST", path: "/api/v1/volunteers/{Liu}/memberships", user: "townclerk",
				body: `{"orgId":"{VillageB}","from":"2020-01-01","to":"2019-01-01"}`, status: 422, fields: []string{"to"}},
			{name: "end needs a date", method: "POST", path: "/api/v1/memberships/{Mem}/end", user: "townclerk", body: `{"to":""}`,
				status: 422, fields: []string{"to"}},
			{name: "end needs the version", method: "POST", path: "/api/v1/memberships/{Mem}/end", user: "townclerk", body: `{"to":"2024-12-31"}`,
				status: 422, fields: []string{"version"}},
			{name: "membership read", method: "GET", path: "/api/v1/volunteers/{Liu}/memberships", user: "townclerk", status: 200,
				want: []string{`"version":1`}},
			// Two clerks end the same membership from the same read: the first stands.
			{name: "end membership", method: "POST", path: "/api/v1/memberships/{Mem}/end", user: "townclerk", body: `{"to":"2024-12-31","version":1}`, status: 204},
			{name: "stale end of a membership", method: "POST", path: "/api/v1/memberships/{Mem}/end", user: "townadmin", body: `{"to":"2025-01-31","version":1}`,
				status: 409, want: []string{"该记录已被他人修改，请刷新后重新编辑"}},
			{name: "ended membership", method: "GET", path: "/api/v1/volunteers/{Liu}/memberships", user: "townclerk", status: 200,
				want: []string{`"to":"2024-12-31"`, `"version":2`}, notWant: []string{"2025-01-31"}},
			{name: "posts", method: "GET", path: "/api/v1/orgs/{Town}/posts", user: "townclerk", status: 200,
				want: []string{`"title":"director"`, "刘主任", "陈委员"}},
			{name: "bad post", method: "POST", path: "/api/v1/orgs/{Town}/posts", user: "townadmin",
				body: `{"volunteerId":"{Chen}","title":"king","from":""}`, status: 422, fields: []string{"title", "from"}},
			{name: "viewer appoints no one", method: "POST", path: "/api/v1/orgs/{Town}/posts", user: "villageviewer",
				body: `{"volunteerId":"{Chen}","title":"deputy","from":"2022-01-01"}`, status: 403},
			{name: "composition", method: "GET", path: "/api/v1/orgs/{Town}/composition", user: "townclerk", status: 200,
				want: []string{`"size":2`, `"partyMembers":1`, `"cadre":1`, `"teacher":1`, `"70-79":1`, `"60-69":1`}},
			{name: "end post needs the version", method: "POST", path: "/api/v1/posts/{Member}/end", user: "townadmin", body: `{"to":"2024-06-30"}`,
				status: 422, fields: []string{"version"}},
			{name: "end post", method: "POST", path: "/api/v1/posts/{Member}/end", user: "townadmin", body: `{"to":"2024-06-30","version":1}`, status: 204},
			{name: "stale end of a post", method: "POST", path: "/api/v1/posts/{Member}/end", user: "townadmin", body: `{"to":"2024-09-30","version":1}`,
				status: 409, want: []string{"该记录已被他人修改，请刷新后重新编辑"}},
			{name: "current posts", method: "GET", path: "/api/v1/orgs/{Town}/posts", user: "townclerk", status: 200,
				want: []string{"刘主任"}, notWant: []string{"陈委员"}},
			{name: "post history", method: "GET", path: "/api/v1/orgs/{Town}/posts?all=1", user: "townclerk", status: 200,
				want: []string{"刘主任", "陈委员", `"to":"2024-06-30"`}, notWant: []string{"2024-09-30"}},
			{name: "composition after", method: "GET", path: "/api/v1/orgs/{Town}/composition", user: "townclerk", status: 200,
				want: []string{`"size":1`}},
			{name: "bodies", method: "GET", path: "/api/v1/orgs/{Town}/bodies", user: "townclerk", status: 200,
				want: []string{"低庄镇离退休干部党支部", `"kind":"party_branch"`, `"members":1`}},
			{name: "bad body", method: "POST", path: "/api/v1/orgs/{Town}/bodies", user: "townadmin", body: `{"kind":"club","name":""}`,
				status: 422, fields: []string{"kind", "name"}},
			{name: "body members", method: "GET", path: "/api/v1/bodies/{Branch}/members", user: "townclerk", status: 200,
				want: []string{"刘主任", "书记"}},
		})
		for _, sc := range []struct{ method, path, body string }{
			{"GET", "/api/v1/orgs/{Town}/posts", ""},
			{"GET", "/api/v1/orgs/{Town}/composition", ""},
			{"GET", "/api/v1/orgs/{Town}/bodies", ""},
			{"GET", "/api/v1/bodies/{Branch}/members", ""},
			{"POST", "/api/v1/bodies/{Branch}/members", `{"volunteerId":"{Chen}","from":"2020-01-01"}`},
			{"POST", "/api/v1/posts/{Director}/end", `{"to":"2024-01-01","version":1}`},
			{"POST", "/api/v1/memberships/{Mem}/end", `{"to":"2024-01-01","version":2}`},
		} {
			e.sameAsMissing(sc.method, sc.path, "otheradmin", sc.body, http.StatusNotFound, "刘主任", "低庄镇")
		}
	})
}

func TestVolunteerDuplicates(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		e := newEnv(t, db)
		keep := e.create("/api/v1/volunteers", "townclerk", volunteerJSON("{VillageA}", "周重名"), "Keep")
		drop := e.create("/api/v1/volunteers", "townclerk", volunteerJSON("{VillageA}", "周重名", `"phone":"13800001111"`), "Drop")
		e.create("/api/v1/volunteers/{Drop}/memberships", "townclerk", `{"orgId":"{Town}","from":"2020-01-01"}`, "DropMem")
		e.run([]scenario{
			{name: "flagged", method: "GET", path: "/api/v1/duplicates?kind=volunteer", user: "townclerk", status: 200,
				want: []string{keep, drop, `"reason":"name_birth_org"`}},
			{name: "not in another town", method: "GET", path: "/api/v1/duplicates?kind=volunteer", user: "otheradmin", status: 200,
				notWant: []string{keep}},
			{name: "kind required", method: "GET", path: "/api/v1/duplicates", user: "townclerk", status: 422, fields: []string{"kind"}},
			{name: "not into itself", method: "POST", path: "/api/v1/volunteers/{Keep}/merge", user: "townclerk", body: `{"dropId":"{Keep}"}`,
				status: 422, fields: []string{"dropId"}},
			{name: "viewer merges nothing", method: "POST", path: "/api/v1/volunteers/{Keep}/merge", user: "villageviewer", body: `{"dropId":"{Drop}"}`,
				status: 403},
			{name: "merge", method: "POST", path: "/api/v1/volunteers/{Keep}/merge", user: "townclerk", body: `{"dropId":"{Drop}"}`,
				status: 200, want: []string{`"id":"` + keep + `"`}},
			{name: "history moved", method: "GET", path: "/api/v1/volunteers/{Keep}/memberships", user: "townclerk", status: 200,
				want: []string{`"orgId":"{Town}"`}},
			{name: "dropped is kept, marked", method: "GET", path: "/api/v1/volunteers/{Drop}", user: "townclerk", status: 200,
				want: []string{`"mergedInto":"` + keep + `"`}},
			{name: "no longer flagged", method: "GET", path: "/api/v1/duplicates?kind=volunteer", user: "townclerk", status: 200,
				notWant: []string{drop}},
		})
		e.sameAsMissing("POST", "/api/v1/volunteers/{Keep}/merge", "otheradmin", `{"dropId":"{Drop}"}`, http.StatusNotFound, "周重名")
	})
}
