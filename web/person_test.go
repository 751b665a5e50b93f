package web

import (
	"context"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"guangong"
	"guangong/sqlstore"
	"guangong/sqlstore/storetest"
)

func volunteerValues(org, name string) url.Values {
	return url.Values{"orgId": {org}, "name": {name}, "gender": {"male"}, "birthDate": {"1950-03-15"},
		"phone": {"139 0000 2222"}, "idNumber": {idFor("1950-03-15", "035")}, "category": {"cadre"},
		"formerUnit": {"低庄镇政府"}, "partyMember": {"1"}, "partyBranch": {"离退休干部党支部"},
		"skills": {"lecture", "law"}, "status": {"active"}, "consentDate": {"2024-02-01"}}
}

func TestVolunteerPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		s := newSite(t, db)
		p := newVolunteer(t, db, s.fx.VillageA.ID, "王建国", "1952-03-15")
		newVolunteer(t, db, s.fx.VillageB.ID, "赵卫东", "1965-01-01")
		page := "/volunteers/" + p.ID
		s.run(t, []scenario{
			{name: "nav", as: "townclerk", path: "/", status: 200, want: []string{`id="nav-volunteers"`, `id="nav-youths"`, `id="nav-import"`}},
			{name: "viewer nav has no import", as: "villageviewer", path: "/", status: 200, want: []string{`id="nav-volunteers"`}, notWant: []string{`id="nav-import"`}},
			{name: "admin nav has no people", as: "admin", path: "/", status: 200, notWant: []string{`id="nav-volunteers"`, `id="nav-youths"`}},
			{name: "admin refused", as: "admin", path: "/volunteers", status: 403},
			{name: "auditor refused", as: "auditor", path: "/volunteers", status: 403},
			{name: "town list", as: "townclerk", path: "/volunteers", status: 200,
				want:    []string{"王建国", "赵卫东", "老教师", `id="volunteer-filter"`, `id="vf-org"`, `id="volunteer-new"`, `href="/volunteers/export.xlsx?"`, "139****1111"},
				notWant: []string{"13900001111", `id="full-export-form"`}},
			{name: "filter by committee", as: "townclerk", path: "/volunteers?org={VillageB}", status: 200, want: []string{"赵卫东", "org={VillageB}"}, notWant: []string{"王建国"}},
			{name: "filter by name", as: "townclerk", path: "/volunteers?q=" + url.QueryEscape("建国"), status: 200, want: []string{"王建国"}, notWant: []string{"赵卫东"}},
			{name: "filter by age band", as: "townclerk", path: "/volunteers?age=60-69", status: 200, want: []string{"赵卫东"}, notWant: []string{"王建国"}},
			{name: "filter fragment", as: "townclerk", path: "/volunteers?category=teacher", header: []string{"HX-Request", "true", "HX-Target", "volunteer-results"},
				status: 200, want: []string{"王建国", `id="volunteer-table"`}, notWant: []string{"<html", `id="volunteer-filter"`}},
			{name: "orgadmin may export in full", as: "townadmin", path: "/volunteers", status: 200, want: []string{`id="full-export-form"`}},
			{name: "village list", as: "villageclerk", path: "/volunteers", status: 200, want: []string{"王建国"}, notWant: []string{"赵卫东", "白沙村"}},
			{name: "viewer list has no new", as: "villageviewer", path: "/volunteers", status: 200, want: []string{"王建国"}, notWant: []string{`id="volunteer-new"`}},
			{name: "viewer new refused", as: "villageviewer", path: "/volunteers/new", status: 403},
			{name: "page", as: "villageclerk", path: page, status: 200,
				want: []string{"王建国", "13900001111", "学业辅导", `id="volunteer-edit"`, `id="membership-form"`, `id="posts-held"`, "后续版本"}},
			{name: "new form", as: "villageclerk", path: "/volunteers/new", status: 200,
				want: []string{`id="volunteer-form"`, `id="f-skill-lecture"`, `id="f-consentDate"`, "自愿同意登记", `id="f-gender-male"`}},
			{name: "edit form", as: "villageclerk", path: page + "/edit", status: 200,
				want: []string{`value="王建国"`, `name="version" value="1"`, `id="f-skill-tutoring" checked`, `id="f-partyMember" name="partyMember" value="1" checked`}},
		})

		// Create through the form, then add a membership of the town and end it.
		c := s.loginAs("townclerk")
		c.get("/volunteers/new")
		r := c.post("/volunteers/new", volunteerValues("{VillageA}", "刘志强"))
		if r.status != 303 || !strings.HasPrefix(r.location, "/volunteers/") {
			t.Fatalf("create: %d %q\n%s", r.status, r.location, excerpt(r.body))
		}
		vp := c.get(r.location)
		check(t, scenario{status: 200, want: []string{"刘志强", "13900002222", "宣讲", "法律", "离退休干部党支部"}}, vp, s)
		r = c.post(r.location+"/memberships", url.Values{"orgId": {"{Town}"}, "from": {"2023-01-01"}, "note": {"镇宣讲团"}})
		if r.status != 303 {
			t.Fatalf("membership: %d\n%s", r.status, excerpt(r.body))
		}
		vp = c.get(strings.TrimSuffix(r.location, "#memberships"))
		check(t, scenario{status: 200, want: []string{"低庄镇", "2023-01-01", "镇宣讲团", "至今"}}, vp, s)
		end := regexp.MustCompile(`action="(/volunteers/[^"]+/memberships/[^"]+/end)"`).FindStringSubmatch(vp.body)
		if end == nil {
			t.Fatal("no end form for the membership")
		}
		ver := regexp.MustCompile(`end-form">[^\n]*name="version" value="(\d+)"`).FindStringSubmatch(vp.body)
		if ver == nil || ver[1] != "1" {
			t.Fatalf("the end form carries no version: %v", ver)
		}
		check(t, scenario{status: 422, want: []string{"不能早于起始日期"}}, c.post(end[1], url.Values{"to": {"2022-01-01"}, "version": {ver[1]}}), s)
		check(t, scenario{status: 303}, c.post(end[1], url.Values{"to": {"2024-01-01"}, "version": {ver[1]}}), s)
		// A second clerk's end made from the same page is refused, with the message; the first stands.
		check(t, scenario{status: 409, want: []string{"该记录已被他人修改，请刷新后重新编辑"}},
			s.loginAs("townadmin").post(end[1], url.Values{"to": {"2024-03-01"}, "version": {ver[1]}}), s)
		check(t, scenario{status: 200, want: []string{"2024-01-01"}, notWant: []string{"至今", "2024-03-01"}}, c.get(strings.TrimSuffix(r.location, "#memberships")), s)
	})
}

// Bad input comes back beside the fields, in Chinese, with the input kept; nothing is saved.
func TestVolunteerFormsRefuseBadInput(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		s := newSite(t, db)
		with := func(k, v string) url.Values {
			f := volunteerValues("{VillageA}", "周红梅")
			if v == "" {
				f.Del(k)
			} else {
				f.Set(k, v)
			}
			return f
		}
		s.run(t, []scenario{
			{name: "no consent date", as: "villageclerk", method: "POST", path: "/volunteers/new", form: with("consentDate", ""), status: 422,
				want: []string{"自愿登记日期不能为空", `id="f-consentDate-error"`, `value="周红梅"`, `id="f-skill-law" checked`}},
			{name: "bad check digit", as: "villageclerk", method: "POST", path: "/volunteers/new", form: with("idNumber", badCheckDigit(idFor("1950-03-15", "035"))), status: 422,
				want: []string{"身份证号", `id="f-idNumber-error"`}},
			{name: "bad phone", as: "villageclerk", method: "POST", path: "/volunteers/new", form: with("phone", "12345"), status: 422,
				want: []string{"电话应为11位手机号", `id="f-phone-error"`}},
			{name: "no category", as: "villageclerk", method: "POST", path: "/volunteers/new", form: with("category", ""), status: 422,
				want: []string{"请选择五老类别", `id="f-category-error"`}},
			{name: "future birth", as: "villageclerk", method: "POST", path: "/volunteers/new", form: with("birthDate", "2999-01-01"), status: 422,
				want: []string{"出生日期不能晚于今天"}},
			{name: "other village", as: "villageclerk", method: "POST", path: "/volunteers/new", form: with("orgId", "{VillageB}"), status: 422,
				want: []string{`id="f-orgId-error"`}, notWant: []string{"白沙村"}},
			{name: "viewer refused", as: "villageviewer", method: "POST", path: "/volunteers/new", form: with("name", "周红梅"), status: 403},
		})
		if n := countVolunteers(t, db); n != 0 {
			t.Fatalf("refused forms saved %d volunteers", n)
		}
	})
}

// Two clerks edit the same volunteer: the second save is refused with the store's message
// beside the form, the second clerk's input kept, and the first's change stands.
func TestVolunteerEditConflict(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		s := newSite(t, db)
		p := newVolunteer(t, db, s.fx.VillageA.ID, "王建国", "1952-03-15")
		edit := "/volunteers/" + p.ID + "/edit"
		first, second := s.loginAs("townclerk"), s.loginAs("villageclerk")
		f1 := first.get(edit)
		f2 := second.get(edit)
		for _, r := range []resp{f1, f2} {
			check(t, scenario{status: 200, want: []string{`name="version" value="1"`}}, r, s)
		}
		v1 := volunteerForm(p)
		v1.Set("formerUnit", "县教育局")
		if r := first.post(edit, v1); r.status != 303 {
			t.Fatalf("first save: %d\n%s", r.status, excerpt(r.body))
		}
		v2 := volunteerForm(p)
		v2.Set("formerUnit", "低庄中学")
		r := second.post(edit, v2)
		check(t, scenario{status: 409, want: []string{"该记录已被他人修改", `value="低庄中学"`, `id="form-message"`}}, r, s)
		got, err := db.FindVolunteerByID(context.Background(), guangong.SystemActor("t"), p.ID)
		if err != nil || got.FormerUnit != "县教育局" || got.Version != 2 {
			t.Fatalf("after the conflict: %v %+v", err, got)
		}
	})
}

// A village clerk reaches no volunteer of a sibling village, by page, form or guessed id.
func TestVolunteerScope(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		s := newSite(t, db)
		other := newVolunteer(t, db, s.fx.VillageB.ID, "赵卫东", "1965-01-01")
		var scs []scenario
		for _, id := range []string{other.ID, "no-such-id", "00000000-0000-7000-8000-000000000000"} {
			for _, p := range []string{"", "/edit"} {
				scs = append(scs, scenario{name: "GET " + id + p, as: "villageclerk", path: "/volunteers/" + id + p,
					status: 404, notWant: []string{"赵卫东", "白沙村"}})
			}
			scs = append(scs,
				scenario{name: "edit " + id, as: "villageclerk", method: "POST", path: "/volunteers/" + id + "/edit",
					form: volunteerValues("{VillageA}", "改名"), status: 404, notWant: []string{"赵卫东"}},
				scenario{name: "membership " + id, as: "villageclerk", method: "POST", path: "/volunteers/" + id + "/memberships",
					form: url.Values{"orgId": {"{VillageA}"}, "from": {"2024-01-01"}}, status: 404},
				scenario{name: "merge form " + id, as: "villageclerk", path: "/volunteers/merge?keep=" + id + "&drop=" + other.ID, status: 404, notWant: []string{"赵卫东"}},
			)
		}
		scs = append(scs,
			scenario{name: "other town admin", as: "otheradmin", path: "/volunteers/" + other.ID, status: 404, notWant: []string{"赵卫东"}},
			scenario{name: "export stays in scope", as: "villageclerk", path: "/volunteers/export.xlsx", status: 200, notWant: []string{"赵卫东"}},
			scenario{name: "clerk full export refused", as: "villageclerk", method: "POST", path: "/volunteers/export", form: url.Values{"reason": {"x"}}, status: 403},
		)
		s.run(t, scs)
		got, err := db.FindVolunteerByID(context.Background(), guangong.SystemActor("t"), other.ID)
		if err != nil || got.Name != "赵卫东" || got.Version != 1 {
			t.Fatalf("changed: %v %+v", err, got)
		}
		c := s.loginAs("villageclerk")
		if text := sheetText(t, []byte(c.get("/volunteers/export.xlsx").body)); strings.Contains(text, "赵卫东") {
			t.Fatal("export holds a volunteer outside the scope")
		}
	})
}

// The volunteer export is masked; a committee administrator's full export needs a reason.
func TestVolunteerExport(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		s := newSite(t, db)
		p := newVolunteer(t, db, s.fx.VillageA.ID, "王建国", "1952-03-15")
		c := s.loginAs("townadmin")
		masked := sheetText(t, []byte(c.get("/volunteers/export.xlsx?category=teacher").body))
		if !strings.Contains(masked, "王建国") || strings.Contains(masked, p.IDNumber) || strings.Contains(masked, "13900001111") {
			t.Fatalf("masked export:\n%s", masked)
		}
		c.get("/volunteers")
		check(t, scenario{status: 422, want: []string{"导出原因不能为空", `id="full-export-form"`}}, c.post("/volunteers/export", url.Values{"category": {"teacher"}}), s)
		r := c.post("/volunteers/export", url.Values{"category": {"teacher"}, "reason": {"换届审核"}})
		if full := sheetText(t, []byte(r.body)); !strings.Contains(full, p.IDNumber) || !strings.Contains(full, "13900001111") {
			t.Fatalf("full export:\n%s", full)
		}
		es := auditEntries(t, db, guangong.ActionExport, "volunteer")
		if len(es) != 2 {
			t.Fatalf("export entries: %+v", es)
		}
		for _, e := range es {
			if !strings.Contains(e.Detail, "category=teacher") || !strings.Contains(e.Detail, "count=1") {
				t.Fatalf("entry detail: %q", e.Detail)
			}
		}
	})
}

// A committee's page: composition panel, leadership with add and end, bodies with members.
func TestCommitteePeoplePanels(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		s := newSite(t, db)
		p := newVolunteer(t, db, s.fx.Town.ID, "王建国", "1952-03-15")
		c := s.loginAs("townclerk")
		check(t, scenario{status: 200, want: []string{`id="composition"`, `id="comp-size">0<`, `id="post-new"`, `id="body-new"`,
			`id="org-volunteers"`, "charts.js"}}, c.get("/orgs/{Town}"), s)
		check(t, scenario{status: 200, want: []string{`id="post-form"`, "王建国", `value="director"`}}, c.get("/orgs/{Town}/posts/new"), s)
		check(t, scenario{status: 422, want: []string{`id="f-volunteerId-error"`}},
			c.post("/orgs/{Town}/posts/new", url.Values{"title": {"director"}, "from": {"2023-01-01"}}), s)
		check(t, scenario{status: 303, location: "/orgs/{Town}#posts"},
			c.post("/orgs/{Town}/posts/new", url.Values{"title": {"director"}, "volunteerId": {p.ID}, "from": {"2023-01-01"}}), s)
		org := c.get("/orgs/{Town}")
		check(t, scenario{status: 200, want: []string{`id="comp-size">1<`, `id="comp-party">1<`, "主任", "王建国", `id="comp-category-data"`,
			`id="comp-age-table"`, "70-79"}}, org, s)
		end := regexp.MustCompile(`href="(/orgs/[^"]+/posts/[^"]+/end)"`).FindStringSubmatch(org.body)
		if end == nil {
			t.Fatal("no end link")
		}
		check(t, scenario{status: 200, want: []string{`id="post-end-form"`, `name="version" value="1"`}}, c.get(end[1]), s)
		check(t, scenario{status: 303}, c.post(end[1], url.Values{"to": {"2024-06-30"}, "version": {"1"}}), s)
		// A second end made from the same form (the same version) is refused with the message.
		check(t, scenario{status: 409, want: []string{"该记录已被他人修改，请刷新后重新编辑", `name="version" value="1"`}},
			c.post(end[1], url.Values{"to": {"2024-09-30"}, "version": {"1"}}), s)
		check(t, scenario{status: 200, want: []string{`id="post-history-table"`, "2024-06-30", `id="comp-size">0<`}}, c.get("/orgs/{Town}"), s)

		check(t, scenario{status: 422, want: []string{`id="f-name-error"`}}, c.post("/orgs/{Town}/bodies/new", url.Values{"kind": {"party_branch"}}), s)
		check(t, scenario{status: 303}, c.post("/orgs/{Town}/bodies/new", url.Values{"kind": {"party_branch"}, "name": {"低庄镇离退休干部党支部"}, "founded": {"2019-05-01"}}), s)
		org = c.get("/orgs/{Town}")
		add := regexp.MustCompile(`href="(/orgs/[^"]+/bodies/[^"]+/members/new)"`).FindStringSubmatch(org.body)
		if add == nil {
			t.Fatalf("no add-member link\n%s", excerpt(org.body))
		}
		check(t, scenario{status: 303}, c.post(add[1], url.Values{"volunteerId": {p.ID}, "role": {"书记"}, "from": {"2019-05-01"}}), s)
		check(t, scenario{status: 200, want: []string{"低庄镇离退休干部党支部", "书记", "离退休干部党支部"}}, c.get("/orgs/{Town}"), s)
		check(t, scenario{status: 200, want: []string{"主任", "2024-06-30"}}, c.get("/volunteers/"+p.ID), s)

		// A viewer sees the panels without the forms; the administrator of accounts sees none.
		s.run(t, []scenario{
			{name: "viewer", as: "villageviewer", path: "/orgs/{VillageA}", status: 200, want: []string{`id="composition"`}, notWant: []string{`id="post-new"`}},
			{name: "viewer post form refused", as: "villageviewer", path: "/orgs/{VillageA}/posts/new", status: 403},
			{name: "sysadmin", as: "admin", path: "/orgs/{Town}", status: 200, notWant: []string{`id="composition"`, "王建国"}},
			{name: "clerk other village", as: "villageclerk", path: "/orgs/{VillageB}/posts/new", status: 404},
		})
	})
}

// Duplicates are listed with reasons; a merge is confirmed, then keeps one record.
func TestVolunteerDuplicatesAndMerge(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		s := newSite(t, db)
		a := newVolunteer(t, db, s.fx.VillageA.ID, "王建国", "1952-03-15")
		b := newVolunteer(t, db, s.fx.VillageA.ID, "王建国", "1952-03-15")
		c := s.loginAs("villageclerk")
		check(t, scenario{status: 200, want: []string{"身份证号相同", a.ID, b.ID, `id="dup-0"`}}, c.get("/volunteers/duplicates"), s)
		check(t, scenario{status: 200, want: []string{`id="merge-form"`, `name="drop" value="` + b.ID + `"`}},
			c.get("/volunteers/merge?keep="+a.ID+"&a="+a.ID+"&b="+b.ID), s)
		check(t, scenario{status: 303, location: "/volunteers/" + a.ID}, c.post("/volunteers/merge", url.Values{"keep": {a.ID}, "drop": {b.ID}}), s)
		check(t, scenario{status: 200, want: []string{"没有发现疑似重复"}}, c.get("/volunteers/duplicates"), s)
	})
}

// The 未成年人信息 box on the account form: shown in the list, saved on create and edit.
func TestAccountMinorAccess(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		s := newSite(t, db)
		c := s.loginAs("townadmin")
		check(t, scenario{status: 200, want: []string{`id="f-minorAccess"`}}, c.get("/users/new"), s)
		form := c.get("/users/{user:villageclerk}")
		check(t, scenario{status: 200, want: []string{`id="f-minorAccess"`}, notWant: []string{`value="1" aria-describedby="f-minorAccess-help" checked`}}, form, s)
		r := c.post("/users/{user:villageclerk}", url.Values{"displayName": {"村录入员"}, "orgId": {"{VillageA}"}, "role": {"clerk"},
			"minorAccess": {"1"}, "version": {"1"}})
		if r.status != 303 {
			t.Fatalf("update: %d\n%s", r.status, excerpt(r.body))
		}
		u, err := db.FindUserByID(context.Background(), guangong.SystemActor("t"), s.fx.Users["villageclerk"].ID)
		if err != nil || !u.MinorAccess {
			t.Fatalf("minor access not saved: %v %+v", err, u)
		}
		check(t, scenario{status: 200, want: []string{"未成年人信息", "<td>是</td>"}}, c.get("/users"), s)
		r = c.post("/users/new", url.Values{"username": {"vc2"}, "displayName": {"新录入员"}, "orgId": {"{VillageA}"}, "role": {"clerk"},
			"minorAccess": {"1"}, "password": {"Good-Pass-123"}})
		if r.status != 303 {
			t.Fatalf("create: %d\n%s", r.status, excerpt(r.body))
		}
		if u, err := db.FindUserByUsername(context.Background(), guangong.SystemActor("t"), "vc2"); err != nil || !u.MinorAccess {
			t.Fatalf("created without minor access: %v %+v", err, u)
		}
	})
}

// badCheckDigit changes an ID number's last character so the check fails.
func badCheckDigit(id string) string {
	last := byte('0')
	if id[17] == '0' {
		last = '1'
	}
	return id[:17] + string(last)
}
