package web

import (
	"context"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"guangong"
	"guangong/sqlstore"
	"guangong/sqlstore/storetest"
)

// heldEvent creates an activity of org held yesterday from 08:00 to 11:00 (Shanghai),
// with the volunteers taking part.
func heldEvent(t *testing.T, db *sqlstore.DB, orgID, title string, volunteers ...string) *guangong.Event {
	t.Helper()
	day := time.Now().In(guangong.Shanghai).AddDate(0, 0, -1)
	start := time.Date(day.Year(), day.Month(), day.Day(), 8, 0, 0, 0, guangong.Shanghai)
	e := &guangong.Event{Type: guangong.EventActivity, OrgID: orgID, Category: "service", Title: title,
		StartsAt: start, EndsAt: start.Add(3 * time.Hour), Place: "镇中学", Status: guangong.EventHeld, VolunteerIDs: volunteers}
	if err := db.CreateEvent(context.Background(), guangong.SystemActor("t"), e); err != nil {
		t.Fatalf("create event: %v", err)
	}
	return e
}

func TestHoursPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		s := newSite(t, db)
		ctx, sys := context.Background(), guangong.SystemActor("t")
		a := newVolunteer(t, db, s.fx.VillageA.ID, "王建国", "1952-03-15")
		b := newVolunteer(t, db, s.fx.VillageB.ID, "赵卫东", "1955-01-01")
		other := newVolunteer(t, db, s.fx.OtherTown.ID, "外镇人", "1956-01-01")
		ev := heldEvent(t, db, s.fx.Town.ID, "中考护考", a.ID, b.ID)
		day := ev.StartsOn

		// The town clerk records both participants' hours in one form.
		c := s.loginAs("townclerk")
		form := c.get("/hours/new?event=" + ev.ID)
		check(t, scenario{status: 200, want: []string{`id="hours-sheet"`, "王建国", "赵卫东", `name="m.` + a.ID + `" type="number" min="1" max="180"`,
			`value="180"`, `value="中考护考"`}}, form, s)
		fields := url.Values{"eventId": {ev.ID}, "servedOn": {day}, "place": {"镇中学"}, "content": {"中考护考"},
			"m." + a.ID: {"150"}, "m." + b.ID: {"181"}}
		r := c.post("/hours/new", fields)
		check(t, scenario{status: 422, want: []string{"服务时长超过活动时长（3小时）", `id="m-` + b.ID + `-error"`, `value="181"`}}, r, s)
		if _, n, _ := db.FindHours(ctx, sys, guangong.HoursFilter{}); n != 0 {
			t.Fatalf("a refused form saved %d records", n)
		}
		fields.Set("m."+b.ID, "120")
		r = c.post("/hours/new", fields)
		if r.status != 303 || r.location != "/hours?event="+ev.ID {
			t.Fatalf("batch: %d %q\n%s", r.status, r.location, excerpt(r.body))
		}
		// A volunteer outside scope: refused beside the field, nothing saved.
		r = c.post("/hours/new", url.Values{"volunteerId": {other.ID}, "orgId": {"{Town}"}, "servedOn": {day}, "minutes": {"30"}, "content": {"宣讲"}})
		check(t, scenario{status: 404}, r, s)
		r = c.get("/hours/new?volunteer=" + a.ID)
		check(t, scenario{status: 200, want: []string{`id="f-minutes"`, `id="f-orgId"`}}, r, s)
		r = c.post("/hours/new", url.Values{"volunteerId": {a.ID}, "orgId": {"{Town}"}, "servedOn": {"2099-01-01"}, "minutes": {"0"}, "content": {"宣讲"}})
		check(t, scenario{status: 422, want: []string{"服务时长须大于0分钟", "服务日期不能晚于今天"}}, r, s)

		list := c.get("/hours?event=" + ev.ID)
		check(t, scenario{status: 200, want: []string{"王建国", "赵卫东", "2.5", "待确认", "镇录入员", `id="hours-confirm-submit"`},
			notWant: []string{`id="hours-full-export-form"`}}, list, s)

		// The town administrator confirms both from the list.
		admin := s.loginAs("townadmin")
		page := admin.get("/hours?status=recorded")
		refs := regexp.MustCompile(`name="ref" value="([^"]+)"`).FindAllStringSubmatch(page.body, -1)
		if len(refs) != 2 {
			t.Fatalf("confirm boxes %d\n%s", len(refs), excerpt(page.body))
		}
		r = admin.post("/hours/confirm", url.Values{"ref": {refs[0][1], refs[1][1]}, "back": {"/hours?status=confirmed"}})
		if r.status != 303 || r.location != "/hours?status=confirmed" {
			t.Fatalf("confirm: %d %q\n%s", r.status, r.location, excerpt(r.body))
		}
		// Confirming again at the old version is refused with the message on the list.
		r = admin.post("/hours/confirm", url.Values{"ref": {refs[0][1]}, "back": {"https://evil.example/"}})
		check(t, scenario{status: 422, want: []string{"只有待确认的记录可以确认"}}, r, s)

		// Correct 王建国's confirmed 150 minutes to 120: a new row supersedes it.
		hs, _, _ := db.FindHours(ctx, sys, guangong.HoursFilter{VolunteerID: &a.ID})
		rec := hs[0]
		r = admin.post("/hours/"+rec.ID+"/correct", url.Values{"servedOn": {day}, "minutes": {"120"}, "content": {"中考护考"}, "version": {"2"}})
		check(t, scenario{status: 422, want: []string{"原因不能为空", `value="120"`}}, r, s)
		r = admin.post("/hours/"+rec.ID+"/correct", url.Values{"servedOn": {day}, "minutes": {"120"}, "content": {"中考护考"}, "version": {"2"}, "reason": {"按签到表核对"}})
		if r.status != 303 {
			t.Fatalf("correct: %d\n%s", r.status, excerpt(r.body))
		}
		check(t, scenario{status: 200, want: []string{"按签到表核对", "已更正", "已确认", `id="hours-trace-table"`, `id="hours-correct-form"`}}, admin.get(r.location), s)
		check(t, scenario{status: 200, want: []string{"已更正"}, notWant: []string{`id="hours-correct-form"`, `id="hours-void-form"`}}, admin.get("/hours/"+rec.ID), s)

		// The volunteer's page shows the activity, the hours by year and the records.
		vp := admin.get("/volunteers/" + a.ID)
		year := day[:4]
		check(t, scenario{status: 200, want: []string{`id="service"`, `id="service-events-table"`, "中考护考", `id="service-years-table"`,
			"<td>" + year + "</td><td class=\"num\">2</td>", `id="service-shifts-table"`, `id="certificate-new"`, `id="hours-new"`}}, vp, s)
		check(t, scenario{status: 200, want: []string{`id="service"`, "中考护考"}, notWant: []string{`id="certificate-new"`}},
			s.loginAs("villageviewer").get("/volunteers/"+a.ID), s)

		// A certificate: its total is the confirmed sum after the correction (120 minutes).
		check(t, scenario{status: 200, want: []string{`id="certificate-form"`}}, admin.get("/volunteers/"+a.ID+"/certificates/new"), s)
		r = admin.post("/volunteers/"+a.ID+"/certificates", url.Values{"orgId": {"{Town}"}, "from": {"2000-01-01"}, "to": {"1999-01-01"}})
		check(t, scenario{status: 422, want: []string{"截止日期不能早于起始日期"}}, r, s)
		r = admin.post("/volunteers/"+a.ID+"/certificates", url.Values{"orgId": {"{Town}"}, "from": {year + "-01-01"}, "to": {day}})
		if r.status != 303 || !strings.HasPrefix(r.location, "/certificates/") {
			t.Fatalf("issue: %d %q\n%s", r.status, r.location, excerpt(r.body))
		}
		cert := admin.get(r.location)
		check(t, scenario{status: 200, want: []string{"志愿服务证明", `id="certificate-hours">2<`, "431224101-" + time.Now().In(guangong.Shanghai).Format("2006") + "-00001",
			"低庄镇", "hours.css"}}, cert, s)
		check(t, scenario{status: 404}, s.loginAs("otheradmin").get(r.location), s)
	})
}

func TestHoursExportPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		s := newSite(t, db)
		ctx := context.Background()
		a := newVolunteer(t, db, s.fx.VillageA.ID, "王建国", "1952-03-15")
		h := &guangong.ServiceHours{VolunteerID: a.ID, OrgID: s.fx.Town.ID, ServedOn: "2025-03-05", Minutes: 90, Place: "镇文化站", Content: "学雷锋宣讲"}
		if err := db.RecordHours(ctx, s.fx.Actor("townclerk"), h); err != nil {
			t.Fatal(err)
		}
		if err := db.ConfirmHours(ctx, s.fx.Actor("townadmin"), []guangong.VersionRef{{ID: h.ID, Version: 1}}); err != nil {
			t.Fatal(err)
		}
		clerk := s.loginAs("townclerk")
		r := clerk.get("/hours/export.xlsx")
		if r.status != 200 || !strings.Contains(r.header.Get("Content-Disposition"), ".xlsx") {
			t.Fatalf("xlsx export %d %v", r.status, r.header)
		}
		text := sheetText(t, []byte(r.body))
		masked := guangong.MaskIDNumber(a.IDNumber)
		for _, w := range []string{"志愿者姓名\t证件类型\t证件号码\t服务项目\t服务日期\t服务地点\t服务内容\t服务时长（小时）\t记录人\t组织单位",
			"王建国\t居民身份证\t" + masked + "\t学雷锋宣讲\t2025-03-05\t镇文化站\t学雷锋宣讲\t1.5\t镇录入员\t低庄镇"} {
			if !strings.Contains(text, w) {
				t.Fatalf("xlsx lacks %q:\n%s", w, text)
			}
		}
		r = clerk.get("/hours/export.csv")
		if r.status != 200 || !strings.HasPrefix(r.body, "\uFEFF志愿者姓名,") || !strings.Contains(r.body, masked) || strings.Contains(r.body, a.IDNumber) {
			t.Fatalf("csv export %d\n%s", r.status, r.body)
		}
		// A clerk may not export full ID numbers; the attempt is audited as a denial.
		clerk.get("/hours")
		check(t, scenario{status: 403}, clerk.post("/hours/export", url.Values{"reason": {"报送"}}), s)
		admin := s.loginAs("townadmin")
		check(t, scenario{status: 200, want: []string{`id="hours-full-export-form"`}}, admin.get("/hours"), s)
		check(t, scenario{status: 422, want: []string{"导出完整信息的理由不能为空"}}, admin.post("/hours/export", url.Values{"format": {"csv"}}), s)
		r = admin.post("/hours/export", url.Values{"format": {"csv"}, "reason": {"报送全国志愿服务信息系统"}})
		if r.status != 200 || !strings.Contains(r.body, a.IDNumber) {
			t.Fatalf("full csv export %d\n%s", r.status, r.body)
		}
		exports := auditEntries(t, db, guangong.ActionExport, "service_hours")
		if len(exports) != 3 || !strings.Contains(exports[0].Detail, "revealed") || !strings.Contains(exports[0].Detail, "报送全国") {
			t.Fatalf("export audit %+v", exports)
		}
		if d := auditEntries(t, db, guangong.ActionDenied, "service_hours"); len(d) != 1 {
			t.Fatalf("denied full export audited %d times", len(d))
		}
	})
}

// A volunteer's own account sees its own hours and certificate, and nobody else's records.
func TestHoursMine(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		s := newSite(t, db)
		ctx := context.Background()
		a := newVolunteer(t, db, s.fx.VillageA.ID, "王建国", "1952-03-15")
		b := newVolunteer(t, db, s.fx.VillageA.ID, "李德明", "1953-03-15")
		u := &guangong.User{Username: "wangjianguo", DisplayName: "王建国", OrgID: s.fx.VillageA.ID, Role: guangong.RoleVolunteer,
			VolunteerID: a.ID, Lang: "zh"}
		if err := db.CreateUser(ctx, guangong.SystemActor("t"), u, storetest.Password); err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, v := range []*guangong.Volunteer{a, b} {
			h := &guangong.ServiceHours{VolunteerID: v.ID, OrgID: s.fx.VillageA.ID, ServedOn: "2025-03-05", Minutes: 75, Content: "宣讲" + v.Name}
			if err := db.RecordHours(ctx, s.fx.Actor("villageclerk"), h); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, h.ID)
		}
		if err := db.ConfirmHours(ctx, s.fx.Actor("villageclerk"), []guangong.VersionRef{{ID: ids[0], Version: 1}}); err != nil {
			t.Fatal(err)
		}
		cert := &guangong.Certificate{VolunteerID: a.ID, OrgID: s.fx.VillageA.ID, From: "2025-01-01", To: "2025-12-31"}
		if err := db.IssueCertificate(ctx, s.fx.Actor("villageclerk"), cert); err != nil {
			t.Fatal(err)
		}
		// An activity they attended is listed by name, without a link to the events pages
		// (a volunteer's account may not open them).
		start := time.Date(2025, 5, 4, 9, 0, 0, 0, guangong.Shanghai)
		ev := &guangong.Event{Type: guangong.EventActivity, Category: "moral", Subcategory: "lecture", OrgID: s.fx.VillageA.ID,
			Title: "五四青年宣讲", StartsAt: start, EndsAt: start.Add(time.Hour), Status: guangong.EventHeld, VolunteerIDs: []string{a.ID}}
		if err := db.CreateEvent(ctx, s.fx.Actor("villageclerk"), ev); err != nil {
			t.Fatal(err)
		}
		c := s.client()
		c.login("wangjianguo")
		check(t, scenario{status: 200, want: []string{`id="nav-hours-mine"`, "宣讲王建国", "<td>2025</td><td class=\"num\">1.25</td>", cert.Serial, "五四青年宣讲"},
			notWant: []string{"宣讲李德明", `id="hours-new"`, `id="certificate-new"`, `href="/events/`}}, c.get("/hours/mine"), s)
		check(t, scenario{status: 200, want: []string{"宣讲王建国"}, notWant: []string{`id="hours-correct-form"`}}, c.get("/hours/"+ids[0]), s)
		check(t, scenario{status: 404}, c.get("/hours/"+ids[1]), s)
		check(t, scenario{status: 200, want: []string{`id="certificate-hours">1.25<`, `href="/hours/mine#service-certificates"`}}, c.get("/certificates/"+cert.ID), s)
		check(t, scenario{status: 403}, c.get("/hours"), s)
		check(t, scenario{status: 403}, c.get("/volunteers/"+a.ID), s)
		check(t, scenario{status: 403}, s.loginAs("villageclerk").get("/hours/mine"), s)
	})
}
