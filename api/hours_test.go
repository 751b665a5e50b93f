package api

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"guangong"
	"guangong/sqlstore"
	"guangong/sqlstore/storetest"
)

// hoursEvent creates an activity of org held yesterday, 08:00–11:00 Shanghai, with volunteers.
func hoursEvent(t *testing.T, e *env, orgID string, volunteers ...string) *guangong.Event {
	t.Helper()
	day := time.Now().In(guangong.Shanghai).AddDate(0, 0, -1)
	start := time.Date(day.Year(), day.Month(), day.Day(), 8, 0, 0, 0, guangong.Shanghai)
	ev := &guangong.Event{Type: guangong.EventActivity, OrgID: e.ids.Replace(orgID), Category: "service", Title: "中考护考",
		StartsAt: start, EndsAt: start.Add(3 * time.Hour), Place: "镇中学", Status: guangong.EventHeld, VolunteerIDs: volunteers}
	if err := e.db.CreateEvent(context.Background(), guangong.SystemActor("t"), ev); err != nil {
		t.Fatalf("create event: %v", err)
	}
	return ev
}

func hoursVolunteer(t *testing.T, e *env, org, name string, extra ...string) string {
	t.Helper()
	var v struct{ ID string }
	e.decodeInto(e.do("POST", "/api/v1/volunteers", "townadmin", volunteerJSON(org, name, extra...)), &v)
	return v.ID
}

// checkHours sends one request of each hours endpoint through TestResponsesMatchDocument's check.
func checkHours(t *testing.T, e *env, check checkFunc) {
	t.Helper()
	id := func(raw *json.RawMessage, alias string) {
		t.Helper()
		var o struct{ ID string }
		if raw == nil || json.Unmarshal(*raw, &o) != nil || o.ID == "" {
			t.Fatalf("no id for %s", alias)
		}
		e.alias(alias, o.ID)
	}
	e.alias("HV", hoursVolunteer(t, e, "{VillageA}", "时长志愿者"))
	e.alias("HV2", hoursVolunteer(t, e, "{VillageB}", "时长志愿者乙"))
	ev := hoursEvent(t, e, "{Town}", e.ids.Replace("{HV}"), e.ids.Replace("{HV2}"))
	e.alias("HEv", ev.ID)
	day := ev.StartsOn
	id(check("POST", "/api/v1/hours", "/api/v1/hours", "townclerk",
		`{"volunteerId":"{HV}","orgId":"{Town}","servedOn":"2025-03-01","minutes":90,"place":"镇文化站","content":"宣讲"}`, 201), "H1")
	check("POST", "/api/v1/hours", "/api/v1/hours", "townclerk", `{"volunteerId":"{HV}","orgId":"{Town}","servedOn":"2025-03-01","minutes":0,"content":"宣讲"}`, 422)
	check("GET", "/api/v1/hours/sheet", "/api/v1/hours/sheet?eventId={HEv}", "townclerk", "", 200)
	batch := check("POST", "/api/v1/hours/batch", "/api/v1/hours/batch", "townclerk",
		`{"eventId":"{HEv}","servedOn":"`+day+`","content":"中考护考","entries":[{"volunteerId":"{HV}","minutes":150},{"volunteerId":"{HV2}","minutes":180}]}`, 201)
	var rows struct{ Items []struct{ ID string } }
	if batch == nil || json.Unmarshal(*batch, &rows) != nil || len(rows.Items) != 2 {
		t.Fatal("batch answered no items")
	}
	e.alias("H2", rows.Items[1].ID)
	check("GET", "/api/v1/hours", "/api/v1/hours?eventId={HEv}&status=recorded", "townclerk", "", 200)
	check("GET", "/api/v1/hours", "/api/v1/hours?status=done", "townclerk", "", 422)
	check("POST", "/api/v1/hours/confirm", "/api/v1/hours/confirm", "townadmin", `{"items":[{"id":"{H1}","version":1}]}`, 204)
	check("POST", "/api/v1/hours/confirm", "/api/v1/hours/confirm", "townadmin", `{"items":[{"id":"{H2}","version":7}]}`, 409)
	check("GET", "/api/v1/hours/{id}", "/api/v1/hours/{H1}", "villageviewer", "", 200)
	check("GET", "/api/v1/hours/{id}", "/api/v1/hours/{H1}", "otheradmin", "", 404)
	id(check("POST", "/api/v1/hours/{id}/correct", "/api/v1/hours/{H1}/correct", "townadmin",
		`{"version":2,"servedOn":"2025-03-01","minutes":60,"content":"宣讲","reason":"核对签到表"}`, 201), "H1b")
	check("POST", "/api/v1/hours/{id}/correct", "/api/v1/hours/{H1}/correct", "townadmin",
		`{"version":3,"servedOn":"2025-03-01","minutes":60,"content":"宣讲","reason":"again"}`, 422)
	check("GET", "/api/v1/hours/{id}/trace", "/api/v1/hours/{H1b}/trace", "townadmin", "", 200)
	check("GET", "/api/v1/volunteers/{id}/service/yearly", "/api/v1/volunteers/{HV}/service/yearly", "villageclerk", "", 200)
	check("GET", "/api/v1/volunteers/{id}/service/events", "/api/v1/volunteers/{HV}/service/events", "villageclerk", "", 200)
	check("GET", "/api/v1/volunteers/{id}/service/shifts", "/api/v1/volunteers/{HV}/service/shifts?limit=5", "villageclerk", "", 200)
	id(check("POST", "/api/v1/volunteers/{id}/certificates", "/api/v1/volunteers/{HV}/certificates", "townadmin",
		`{"orgId":"{Town}","from":"2025-01-01","to":"2025-12-31"}`, 201), "HC")
	check("POST", "/api/v1/volunteers/{id}/certificates", "/api/v1/volunteers/{HV}/certificates", "otheradmin",
		`{"orgId":"{OtherTown}","from":"2025-01-01","to":"2025-12-31"}`, 404)
	check("GET", "/api/v1/volunteers/{id}/certificates", "/api/v1/volunteers/{HV}/certificates", "townclerk", "", 200)
	check("GET", "/api/v1/certificates/{id}", "/api/v1/certificates/{HC}", "villageviewer", "", 200)
	check("POST", "/api/v1/hours/{id}/void", "/api/v1/hours/{H2}/void", "townadmin", `{"version":1,"reason":"重复"}`, 200)
	check("GET", "/api/v1/hours/export", "/api/v1/hours/export", "townclerk", "", 200)
	check("GET", "/api/v1/hours/export", "/api/v1/hours/export?format=csv&reveal=true&reason=x", "townclerk", "", 403)
	check("GET", "/api/v1/hours/export", "/api/v1/hours/export?format=csv&reveal=true", "townadmin", "", 422)
}

func TestHoursAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		e := newEnv(t, db)
		first := "43122419500506123"
		v := hoursVolunteer(t, e, "{VillageA}", "王建国", `"idNumber":"`+first+string(guangong.IDCheckChar(first))+`"`)
		e.alias("V", v)
		e.alias("Other", hoursVolunteer(t, e, "{VillageA}", "李德明"))
		var out struct{ ID string }
		e.decodeInto(e.do("POST", "/api/v1/volunteers", "otheradmin", volunteerJSON("{OtherTown}", "外镇人")), &out)
		e.alias("Far", out.ID)
		ev := hoursEvent(t, e, "{Town}", v)
		e.alias("Ev", ev.ID)
		day := ev.StartsOn
		e.run([]scenario{
			{name: "no token", method: "GET", path: "/api/v1/hours", status: 401},
			{name: "auditor refused", method: "GET", path: "/api/v1/hours", user: "auditor", status: 403},
			{name: "over the activity's length", method: "POST", path: "/api/v1/hours", user: "townclerk",
				body:   `{"volunteerId":"{V}","eventId":"{Ev}","servedOn":"` + day + `","minutes":181,"content":"护考"}`,
				status: 422, fields: []string{"minutes"}, want: []string{"服务时长超过活动时长（3小时）"}},
			{name: "volunteer outside scope", method: "POST", path: "/api/v1/hours", user: "townclerk",
				body:   `{"volunteerId":"{Far}","orgId":"{Town}","servedOn":"` + day + `","minutes":30,"content":"护考"}`,
				status: 422, fields: []string{"volunteerId"}, notWant: []string{"外镇人"}},
			{name: "future date", method: "POST", path: "/api/v1/hours", user: "townclerk",
				body: `{"volunteerId":"{V}","orgId":"{Town}","servedOn":"2099-01-01","minutes":30,"content":"护考"}`, status: 422, fields: []string{"servedOn"}},
			{name: "unknown field", method: "POST", path: "/api/v1/hours", user: "townclerk",
				body: `{"volunteerId":"{V}","rank":1}`, status: 422, fields: []string{"rank"}},
			{name: "batch entry out of scope", method: "POST", path: "/api/v1/hours/batch", user: "townclerk",
				body:   `{"eventId":"{Ev}","servedOn":"` + day + `","content":"护考","entries":[{"volunteerId":"{V}","minutes":60},{"volunteerId":"{Far}","minutes":60}]}`,
				status: 422, fields: []string{"entries.1.volunteerId"}},
			{name: "viewer records nothing", method: "POST", path: "/api/v1/hours", user: "villageviewer",
				body: `{"volunteerId":"{V}","orgId":"{VillageA}","servedOn":"` + day + `","minutes":30,"content":"护考"}`, status: 403},
			{name: "confirm without version", method: "POST", path: "/api/v1/hours/confirm", user: "townadmin",
				body: `{"items":[{"id":"x"}]}`, status: 422, fields: []string{"version"}},
		})
		if n := e.count("/api/v1/hours", "townadmin"); n != 0 {
			t.Fatalf("refused requests saved %d records", n)
		}
		var rec guangong.ServiceHours
		e.decodeInto(e.do("POST", "/api/v1/hours", "townclerk",
			`{"volunteerId":"{V}","eventId":"{Ev}","servedOn":"`+day+`","minutes":150,"content":"护考"}`), &rec)
		if rec.OrgID != e.fx.Town.ID || rec.RecorderName != "镇录入员" || rec.Status != "recorded" || rec.EventTitle != "中考护考" {
			t.Fatalf("recorded %+v", rec)
		}
		e.alias("R", rec.ID)
		if r := e.do("POST", "/api/v1/hours/confirm", "townadmin", `{"items":[{"id":"{R}","version":1}]}`); r.Code != 204 {
			t.Fatalf("confirm %d %s", r.Code, r.Body)
		}
		var fixed guangong.ServiceHours
		e.decodeInto(e.do("POST", "/api/v1/hours/{R}/correct", "townadmin",
			`{"version":2,"servedOn":"`+day+`","minutes":120,"place":"镇中学","content":"护考","reason":"按签到表核对"}`), &fixed)
		var cert guangong.Certificate
		e.decodeInto(e.do("POST", "/api/v1/volunteers/{V}/certificates", "townadmin",
			fmt.Sprintf(`{"orgId":"{Town}","from":"%s-01-01","to":"%s"}`, day[:4], day)), &cert)
		var confirmed struct {
			Items []guangong.ServiceHours
		}
		e.decodeInto(e.do("GET", "/api/v1/hours?volunteerId={V}&status=confirmed", "villageviewer", ""), &confirmed)
		sum := 0
		for _, h := range confirmed.Items {
			sum += h.Minutes
		}
		if cert.Minutes != sum || sum != 120 || fixed.Supersedes != rec.ID {
			t.Fatalf("certificate %d minutes, confirmed sum %d; correction %+v", cert.Minutes, sum, fixed)
		}
		e.alias("C", cert.ID)
		e.sameAsMissing("GET", "/api/v1/certificates/{C}", "otheradmin", "", 404, "王建国")
		e.sameAsMissing("GET", "/api/v1/hours/{R}", "otheradmin", "", 404, "王建国")
		e.sameAsMissing("GET", "/api/v1/volunteers/{V}/service/yearly", "otheradmin", "", 404)

		// The export: masked by default, full only for a committee administrator with a reason.
		r := e.do("GET", "/api/v1/hours/export?format=csv", "townclerk", "")
		body := r.Body.String()
		if r.Code != 200 || !strings.HasPrefix(body, "\uFEFF志愿者姓名,证件类型,证件号码,服务项目,服务日期,服务地点,服务内容,服务时长（小时）,记录人,组织单位") ||
			!strings.Contains(body, "王建国,居民身份证,") || !strings.Contains(body, "中考护考,"+day+",镇中学,护考,2,镇管理员,低庄镇") || strings.Count(body, "\r\n") != 2 {
			t.Fatalf("csv export %d:\n%s", r.Code, body)
		}
		var vol guangong.Volunteer
		e.decodeInto(e.do("GET", "/api/v1/volunteers/{V}", "townadmin", ""), &vol)
		if strings.Contains(body, vol.IDNumber) {
			t.Fatal("masked export shows the full ID number")
		}
		r = e.do("GET", "/api/v1/hours/export?format=csv&reveal=true&reason="+"报送", "townadmin", "")
		if r.Code != 200 || !strings.Contains(r.Body.String(), vol.IDNumber) {
			t.Fatalf("full export %d %s", r.Code, r.Body)
		}
	})
}
