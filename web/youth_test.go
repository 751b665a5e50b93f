package web

import (
	"net/url"
	"slices"
	"strings"
	"testing"

	"guangong"
	"guangong/sqlstore"
	"guangong/sqlstore/storetest"
)

// plainYouth are the values an account without 未成年人信息 access must never receive.
var plainYouth = []string{youthName, "小明", youthID, guardianPhone, guardianName, "大山"}

// youthNotes is an address typed into a youth's notes; youthText is that and the other free
// text of newYouth, which an account without 未成年人信息 access never receives either.
const youthNotes = "家住湖南省长沙市望城区白沙村三组12号"

var youthText = []string{"湖南省长沙市", "白沙村三组", "五年级", "广东东莞", "关爱帮扶"}

// An account without 未成年人信息 access never receives a youth's name, ID number, guardian's
// name or phone: not by list, page, search, edit attempt, reveal attempt or export.
func TestYouthsMaskedWithoutMinorAccess(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		s := newSite(t, db)
		y := newYouth(t, db, s.fx.VillageA.ID, youthName)
		page := "/youths/" + y.ID
		edit := url.Values{"orgId": {"{VillageA}"}, "name": {"李**"}, "gender": {"male"}, "birthDate": {youthBirth},
			"guardianName": {"李**"}, "guardianRelation": {"祖父"}, "consentBy": {"李**"}, "consentRelation": {"祖父"},
			"consentDate": {"2024-03-01"}, "consentPurpose": {"关爱帮扶"}, "version": {"1"}}
		var scs []scenario
		plainYouth := append(slices.Clone(plainYouth), youthText...)
		for _, who := range []string{"villageclerk", "villageviewer", "townclerk", "townadmin"} {
			scs = append(scs,
				scenario{name: who + " list", as: who, path: "/youths", status: 200,
					want: []string{"李**", "138****5678", `id="masked-banner"`}, notWant: append(plainYouth, `id="vf-q"`, `id="reveal-name"`)},
				scenario{name: who + " name search", as: who, path: "/youths?q=" + url.QueryEscape(youthName), status: 200, notWant: plainYouth},
				scenario{name: who + " search fragment", as: who, path: "/youths?q=李", header: []string{"HX-Request", "true", "HX-Target", "youth-results"},
					status: 200, notWant: append(plainYouth, "<html")},
				scenario{name: who + " page", as: who, path: page, status: 200,
					want: []string{"李**", "4312**********", `id="masked-banner"`}, notWant: append(plainYouth, `id="reveal-`, `id="youth-edit"`)},
				scenario{name: who + " edit form", as: who, path: page + "/edit", status: 403, notWant: plainYouth},
				scenario{name: who + " edit post", as: who, method: "POST", path: page + "/edit", form: edit, status: 403, notWant: plainYouth},
				scenario{name: who + " new form", as: who, path: "/youths/new", status: 403},
				scenario{name: who + " reveal form", as: who, path: page + "/reveal?field=idNumber", status: 403, notWant: plainYouth},
				scenario{name: who + " reveal", as: who, method: "POST", path: page + "/reveal",
					form: url.Values{"field": {"idNumber"}, "reason": {"好奇"}}, status: 403, notWant: plainYouth},
				scenario{name: who + " full export refused", as: who, method: "POST", path: "/youths/export",
					form: url.Values{"reason": {"上报"}}, status: 403, notWant: plainYouth},
				scenario{name: who + " duplicates", as: who, path: "/youths/duplicates", status: 200, notWant: plainYouth},
				scenario{name: who + " org page", as: who, path: "/orgs/{VillageA}", status: 200, notWant: plainYouth},
			)
		}
		s.run(t, scs)

		// The masked export: the xlsx itself holds no plain value.
		for _, who := range []string{"villageclerk", "townadmin"} {
			c := s.loginAs(who)
			r := c.get("/youths/export.xlsx?org={VillageA}")
			if r.status != 200 || !strings.Contains(r.header.Get("Content-Type"), "spreadsheetml") {
				t.Fatalf("%s export: %d %s", who, r.status, r.header.Get("Content-Type"))
			}
			text := sheetText(t, []byte(r.body))
			if !strings.Contains(text, "李**") {
				t.Fatalf("%s export lacks the masked row:\n%s", who, text)
			}
			for _, p := range plainYouth {
				if strings.Contains(text, p) || strings.Contains(r.body, p) {
					t.Fatalf("%s export holds %q", who, p)
				}
			}
		}
		if n := len(auditEntries(t, db, guangong.ActionExport, "youth")); n != 2 {
			t.Fatalf("export audit entries: %d, want 2", n)
		}
		// Nothing was revealed, nothing changed.
		if n := len(auditEntries(t, db, guangong.ActionReveal, "youth")); n != 0 {
			t.Fatalf("reveal entries: %d", n)
		}
	})
}

// With 未成年人信息 access values still show masked; each reveal needs a reason, shows the one
// value and writes an audit entry. Full exports need a reason too.
func TestYouthRevealAndFullExport(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		s := newSite(t, db)
		grantMinor(t, s, "townclerk")
		y := newYouth(t, db, s.fx.VillageA.ID, youthName)
		page := "/youths/" + y.ID
		s.run(t, []scenario{
			{name: "page masked with reveal links", as: "townclerk", path: page, status: 200,
				want: []string{"李**", `id="reveal-name"`, `id="reveal-idNumber"`, `id="reveal-guardianPhone"`, `id="youth-edit"`, `id="reveal-help"`,
					youthNotes, "低庄镇中心小学"},
				notWant: append(plainYouth, `id="masked-banner"`, guangong.HiddenText)},
			{name: "list masked, search by name allowed", as: "townclerk", path: "/youths?q=" + url.QueryEscape("小明"), status: 200,
				want: []string{"李**", `id="vf-q"`, `id="full-export-form"`}, notWant: []string{youthID, guardianPhone, youthName}},
			{name: "reveal form", as: "townclerk", path: page + "/reveal?field=idNumber", status: 200,
				want: []string{`id="reveal-form"`, `name="reason"`, "身份证号"}, notWant: []string{youthID}},
			{name: "reveal without reason", as: "townclerk", method: "POST", path: page + "/reveal",
				form: url.Values{"field": {"idNumber"}}, status: 422, want: []string{"查看原因不能为空", `id="f-reason-error"`}, notWant: []string{youthID}},
			{name: "reveal unknown field", as: "townclerk", method: "POST", path: page + "/reveal",
				form: url.Values{"field": {"notes"}, "reason": {"走访"}}, status: 404},
			{name: "reveal ID number", as: "townclerk", method: "POST", path: page + "/reveal",
				form: url.Values{"field": {"idNumber"}, "reason": {"入户走访核对身份"}}, status: 200,
				want: []string{`id="revealed-value">` + youthID, "审计日志"}, notWant: []string{guardianPhone}},
			{name: "reveal phone", as: "townclerk", method: "POST", path: page + "/reveal",
				form: url.Values{"field": {"guardianPhone"}, "reason": {"联系监护人"}}, status: 200,
				want: []string{guardianPhone}, notWant: []string{youthID}},
			{name: "edit form holds the real values", as: "townclerk", path: page + "/edit", status: 200,
				want: []string{`value="` + youthName + `"`, `value="` + youthID + `"`}},
			{name: "full export without reason", as: "townclerk", method: "POST", path: "/youths/export",
				form: url.Values{"org": {"{VillageA}"}}, status: 422, want: []string{"导出原因不能为空"}, notWant: []string{youthID}},
		})
		reveals := auditEntries(t, db, guangong.ActionReveal, "youth")
		if len(reveals) != 2 {
			t.Fatalf("reveal entries: %d, want 2", len(reveals))
		}
		for _, e := range reveals {
			if e.ObjectID != y.ID || e.Username != "townclerk" || !strings.Contains(e.Detail, "reason=") {
				t.Fatalf("reveal entry: %+v", e)
			}
		}

		c := s.loginAs("townclerk")
		masked := sheetText(t, []byte(c.get("/youths/export.xlsx?q="+url.QueryEscape(youthName)).body))
		if strings.Contains(masked, youthID) || strings.Contains(masked, youthName) || strings.Contains(masked, guardianName) ||
			strings.Contains(masked, guardianPhone) || !strings.Contains(masked, "李**") {
			t.Fatalf("masked export:\n%s", masked)
		}
		c.get("/youths")
		r := c.post("/youths/export", url.Values{"org": {"{VillageA}"}, "reason": {"县关工委年度统计"}})
		if r.status != 200 {
			t.Fatalf("full export: %d\n%s", r.status, excerpt(r.body))
		}
		full := sheetText(t, []byte(r.body))
		if !strings.Contains(full, youthID) || !strings.Contains(full, youthName) {
			t.Fatalf("full export lacks the values:\n%s", full)
		}
		exports := auditEntries(t, db, guangong.ActionExport, "youth")
		if len(exports) != 2 {
			t.Fatalf("export entries: %d, want 2", len(exports))
		}
		var sawFull bool
		for _, e := range exports {
			if strings.Contains(e.Detail, url.QueryEscape(youthName)) || strings.Contains(e.Detail, youthName) {
				t.Fatalf("the searched name is in the audit trail: %q", e.Detail)
			}
			if strings.Contains(e.Detail, "masked=false") {
				sawFull = strings.Contains(e.Detail, "reason=县关工委年度统计") && strings.Contains(e.Detail, "count=1") &&
					strings.Contains(e.Detail, "org=")
			}
		}
		if !sawFull {
			t.Fatalf("no full export entry with reason, count and filters: %+v", exports)
		}
	})
}

// A youth of another village is not there, by page or guessed id, for a village clerk.
func TestYouthScope(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		s := newSite(t, db)
		grantMinor(t, s, "villageclerk")
		other := newYouth(t, db, s.fx.VillageB.ID, "王小红")
		var scs []scenario
		for _, id := range []string{other.ID, "no-such-id", "00000000-0000-7000-8000-000000000000"} {
			for _, p := range []string{"", "/edit", "/reveal?field=name"} {
				scs = append(scs, scenario{name: "GET " + id + p, as: "villageclerk", path: "/youths/" + id + p,
					status: 404, notWant: []string{"王", "白沙村"}})
			}
			scs = append(scs, scenario{name: "reveal " + id, as: "villageclerk", method: "POST", path: "/youths/" + id + "/reveal",
				form: url.Values{"field": {"name"}, "reason": {"走访"}}, status: 404, notWant: []string{"王小红"}})
		}
		scs = append(scs,
			scenario{name: "list", as: "villageclerk", path: "/youths", status: 200, notWant: []string{"王*", other.ID}},
			scenario{name: "filter by other village", as: "villageclerk", path: "/youths?org={VillageB}", status: 404,
				want: []string{"组织不存在"}, notWant: []string{other.ID}},
		)
		s.run(t, scs)
	})
}

// Youth forms: the consent record is required; bad input saves nothing; a good form saves.
func TestYouthForms(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		s := newSite(t, db)
		grantMinor(t, s, "villageclerk")
		good := url.Values{"orgId": {"{VillageA}"}, "name": {"张小芳"}, "gender": {"female"}, "birthDate": {"2016-09-01"},
			"idNumber": {idFor("2016-09-01", "042")}, "guardianName": {"张奶奶"}, "guardianRelation": {"祖母"},
			"guardianPhone": {"13711112222"}, "categories": {"left_behind", "poverty"}, "consentBy": {"张奶奶"},
			"consentRelation": {"祖母"}, "consentDate": {"2024-05-01"}, "consentPurpose": {"关爱帮扶"}}
		noConsent := url.Values{}
		for k, v := range good {
			if !strings.HasPrefix(k, "consent") {
				noConsent[k] = v
			}
		}
		badID := url.Values{}
		for k, v := range good {
			badID[k] = v
		}
		badID.Set("idNumber", badCheckDigit(idFor("2016-09-01", "042")))
		s.run(t, []scenario{
			{name: "new form", as: "villageclerk", path: "/youths/new", status: 200, want: []string{`id="youth-form"`, `id="f-consentBy"`, `id="f-cat-left_behind"`}},
			{name: "no consent", as: "villageclerk", method: "POST", path: "/youths/new", form: noConsent, status: 422,
				want: []string{"同意人不能为空", "使用目的不能为空", `value="张小芳"`, `id="f-cat-poverty" checked`}},
			{name: "bad id", as: "villageclerk", method: "POST", path: "/youths/new", form: badID, status: 422,
				want: []string{`id="f-idNumber-error"`}},
			{name: "other village", as: "villageclerk", method: "POST", path: "/youths/new", form: func() url.Values {
				f := url.Values{}
				for k, v := range good {
					f[k] = v
				}
				f.Set("orgId", "{VillageB}")
				return f
			}(), status: 422, want: []string{`id="f-orgId-error"`}, notWant: []string{"白沙村"}},
		})
		if _, n, _ := db.FindYouths(t.Context(), guangong.SystemActor("t"), guangong.PersonFilter{}); n != 0 {
			t.Fatalf("refused forms saved %d youths", n)
		}
		c := s.loginAs("villageclerk")
		c.get("/youths/new")
		r := c.post("/youths/new", good)
		if r.status != 303 || !strings.HasPrefix(r.location, "/youths/") {
			t.Fatalf("create: %d %q\n%s", r.status, r.location, excerpt(r.body))
		}
		check(t, scenario{status: 200, want: []string{"张**", "留守儿童"}, notWant: []string{"张小芳"}}, c.get(r.location), s)
	})
}

// Every people page renders in both languages with no missing text, for an account with
// 未成年人信息 access.
func TestPeoplePagesInBothLanguages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		s := newSite(t, db)
		grantMinor(t, s, "townclerk")
		p := newVolunteer(t, db, s.fx.Town.ID, "王建国", "1952-03-15")
		y := newYouth(t, db, s.fx.VillageA.ID, youthName)
		newYouth(t, db, s.fx.VillageA.ID, youthName) // a duplicate
		c := s.loginAs("townclerk")
		paths := []string{"/volunteers", "/volunteers/new", "/volunteers/" + p.ID, "/volunteers/" + p.ID + "/edit", "/volunteers/duplicates",
			"/youths", "/youths/new", "/youths/" + y.ID, "/youths/" + y.ID + "/edit", "/youths/" + y.ID + "/reveal?field=guardianName",
			"/youths/duplicates", "/imports", "/orgs/{Town}", "/orgs/{Town}/posts/new", "/orgs/{Town}/bodies/new"}
		for _, lang := range []string{"zh", "en"} {
			c.post("/lang", url.Values{"lang": {lang}})
			for _, path := range paths {
				check(t, scenario{status: 200, notWant: []string{"??", "<no value>"}}, c.get(path), s)
			}
		}
		check(t, scenario{status: 200, want: []string{"Volunteers", "Reveal"}}, c.get("/youths/"+y.ID+"/reveal?field=name"), s)
	})
}

// Duplicate youths are listed masked; merging needs 未成年人信息 access.
func TestYouthDuplicatesAndMerge(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		s := newSite(t, db)
		grantMinor(t, s, "townclerk")
		a := newYouth(t, db, s.fx.VillageA.ID, youthName)
		b := newYouth(t, db, s.fx.VillageA.ID, youthName)
		s.run(t, []scenario{
			{name: "listed masked", as: "villageclerk", path: "/youths/duplicates", status: 200, want: []string{a.ID, b.ID, "李**"}, notWant: plainYouth},
			{name: "merge refused without access", as: "villageclerk", path: "/youths/merge?keep=" + a.ID + "&drop=" + b.ID, status: 403},
			{name: "merge post refused without access", as: "villageclerk", method: "POST", path: "/youths/merge",
				form: url.Values{"keep": {a.ID}, "drop": {b.ID}}, status: 403},
			{name: "confirm", as: "townclerk", path: "/youths/merge?keep=" + a.ID + "&a=" + a.ID + "&b=" + b.ID, status: 200,
				want: []string{`id="merge-form"`, "李**"}, notWant: plainYouth},
			{name: "merge", as: "townclerk", method: "POST", path: "/youths/merge", form: url.Values{"keep": {a.ID}, "drop": {b.ID}},
				status: 303, location: "/youths/" + a.ID},
			{name: "none left", as: "townclerk", path: "/youths/duplicates", status: 200, notWant: []string{b.ID}},
		})
	})
}
