package web

import (
	"context"
	"net/url"
	"strconv"
	"testing"
	"time"

	"guangong"
	"guangong/sqlstore"
	"guangong/sqlstore/storetest"
)

// progressEvent records a held event through the events store, as a clerk would.
func progressEvent(t *testing.T, s *site, orgID, typ, kind, cat, sub string, others int, day string) {
	t.Helper()
	at, _ := time.ParseInLocation("2006-01-02 15:04", day+" 09:00", guangong.Shanghai)
	e := &guangong.Event{Type: typ, OrgID: orgID, Kind: kind, Category: cat, Subcategory: sub, Title: "测试" + typ,
		StartsAt: at, EndsAt: at.Add(2 * time.Hour), Status: guangong.EventHeld, OthersCount: others}
	if err := s.db.CreateEvent(context.Background(), guangong.SystemActor("test"), e); err != nil {
		t.Fatal(err)
	}
}

func TestProgressPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		s := newSite(t, db)
		s.run(t, []scenario{
			{name: "empty year", as: "townclerk", path: "/progress?org={Town}&year=2021", status: 200,
				want: []string{"低庄镇 · 2021", `id="done-large_meetings">0 次`, `id="month-table"`, `id="month-chart-data"`,
					`id="nav-progress"`, "progress.js", `id="overdue-none"`, `href="/progress?org={Town}&amp;subtree=1&amp;year=2021"`}},
			{name: "default org and year", as: "villageclerk", path: "/progress", status: 200, want: []string{"青松村"}},
			{name: "no overdue cell spans the three columns", as: "townclerk", path: "/progress?org={Town}&year=2021", status: 200,
				want: []string{`<td colspan="3" id="overdue-none">`}},
			{name: "and the four with committees", as: "townclerk", path: "/progress?org={Town}&year=2021&subtree=1", status: 200,
				want: []string{`<td colspan="4" id="overdue-none">`}},
		})
		// A page shows a record added and counts it in its month and in the subtree.
		progressEvent(t, s, s.fx.VillageA.ID, "meeting", "study", "", "", 80, "2021-03-05")
		s.run(t, []scenario{
			{name: "subtree counts the village's meeting", as: "townclerk", path: "/progress?org={Town}&year=2021&subtree=1", status: 200,
				want: []string{`id="done-large_meetings">1 次`, `id="done-study_sessions">1 次`, "含下级组织的合计"}},
			{name: "own figures leave it out", as: "townclerk", path: "/progress?org={Town}&year=2021", status: 200,
				want: []string{`id="done-large_meetings">0 次`}},
			{name: "years page", as: "townclerk", path: "/progress/years?org={Town}&from=2019&to=2022&subtree=1", status: 200,
				want: []string{`id="total-large_meetings">1<`, `id="total-study_sessions">1<`, ">2019<", ">2022<"}},
			{name: "years span too long", as: "townclerk", path: "/progress/years?org={Town}&from=2019&to=2040", status: 422,
				want: []string{"跨度不超过10年"}},
			{name: "a year out of range is told beside the start year", as: "townclerk", path: "/progress/years?org={Town}&from=1990&to=2026", status: 422,
				want: []string{`id="yf-from-error"`, `aria-describedby="yf-from-error"`}},
			{name: "the years page opens on the four years up to this one", as: "townclerk", path: "/progress/years?org={Town}", status: 200,
				want: []string{`value="` + strconv.Itoa(time.Now().In(guangong.Shanghai).Year()-3) + `"`, `value="` + strconv.Itoa(time.Now().In(guangong.Shanghai).Year()) + `"`}},
			{name: "another town's page is missing", as: "otheradmin", path: "/progress?org={Town}", status: 404},
			{name: "the system administrator has no records", as: "admin", path: "/progress?org={Town}", status: 403},
		})

		// Targets: the town sets the village's; the village cannot.
		s.run(t, []scenario{
			{name: "town sees the village's target form", as: "townadmin", path: "/progress/targets?org={VillageA}&year=2021", status: 200,
				want: []string{`id="target-form-large_meetings"`, `id="default-form-large_meetings"`}},
			{name: "village has no form for its own", as: "villageclerk", path: "/progress/targets?org={VillageA}&year=2021", status: 200,
				want: []string{`id="target-not-above"`}, notWant: []string{`id="target-form-large_meetings"`}},
			{name: "village posts its own target", as: "villageclerk", method: "POST", path: "/progress/targets",
				form: url.Values{"org": {"{VillageA}"}, "year": {"2021"}, "metric": {"large_meetings"}, "min": {"1"}}, status: 403},
			{name: "bad number", as: "townadmin", method: "POST", path: "/progress/targets",
				form: url.Values{"org": {"{VillageA}"}, "year": {"2021"}, "metric": {"large_meetings"}, "min": {"四"}}, status: 422,
				want: []string{`id="t-min-large_meetings-error"`, "请输入整数"}},
			{name: "town sets it", as: "townadmin", method: "POST", path: "/progress/targets",
				form: url.Values{"org": {"{VillageA}"}, "year": {"2021"}, "metric": {"large_meetings"}, "min": {"5"}}, status: 303},
			{name: "town default for activities", as: "townadmin", method: "POST", path: "/progress/defaults",
				form: url.Values{"org": {"{Town}"}, "year": {"2021"}, "metric": {"large_activities"}, "min": {"6"}, "version": {"0"}}, status: 303},
			{name: "village sees both", as: "villageclerk", path: "/progress/targets?org={VillageA}&year=2021", status: 200,
				want: []string{`id="effective-large_meetings">≥ 5`, `id="effective-large_activities">≥ 6`, "默认目标（低庄镇）"}},
			{name: "progress measures the village against them", as: "villageclerk", path: "/progress?org={VillageA}&year=2021", status: 200,
				want: []string{`id="done-large_meetings">1 次`, `id="unmet-large_meetings"`, `id="goal-chart-data"`}},
		})

		// The plan: bad input comes back beside the fields; an item past its month is overdue.
		// The form offers the committee's own done events to link, never typed ids.
		progressEvent(t, s, s.fx.VillageA.ID, "activity", "", "moral", "qingming", 0, "2021-04-04")
		s.run(t, []scenario{
			{name: "plan form offers the year's done events", as: "villageclerk", path: "/progress/plan?org={VillageA}&year=2021", status: 200,
				want:    []string{`<select id="f-eventId" name="eventId"`, ">2021-04-04 测试activity</option>", ">2021-03-05 测试meeting</option>"},
				notWant: []string{`name="eventId" type="text"`, `id="f-eventId-more"`}},
			{name: "not the committees' below", as: "townclerk", path: "/progress/plan?org={Town}&year=2021", status: 200,
				want: []string{`<select id="f-eventId" name="eventId"`}, notWant: []string{"测试activity", "测试meeting"}},
			{name: "plan item without a type", as: "villageclerk", method: "POST", path: "/progress/plan",
				form:   url.Values{"org": {"{VillageA}"}, "year": {"2021"}, "month": {"4"}, "title": {"x"}},
				status: 422, want: []string{`id="f-type-error"`, `aria-describedby="f-type-error"`}},
			{name: "plan item without a title", as: "villageclerk", method: "POST", path: "/progress/plan",
				form:   url.Values{"org": {"{VillageA}"}, "year": {"2021"}, "month": {"4"}, "type": {"activity"}, "category": {"moral"}, "subcategory": {"qingming"}},
				status: 422, want: []string{"事项不能为空", `id="f-title-error"`}},
			{name: "plan item saved", as: "villageclerk", method: "POST", path: "/progress/plan",
				form: url.Values{"org": {"{VillageA}"}, "year": {"2021"}, "month": {"4"}, "type": {"activity"}, "category": {"moral"},
					"subcategory": {"qingming"}, "title": {"清明祭扫烈士墓"}}, status: 303},
			{name: "plan page", as: "villageclerk", path: "/progress/plan?org={VillageA}&year=2021", status: 200,
				want: []string{"清明祭扫烈士墓", "已逾期", "立德树人 · 清明祭扫"}},
			{name: "overdue on the progress page", as: "townclerk", path: "/progress?org={Town}&year=2021&subtree=1", status: 200,
				want: []string{"清明祭扫烈士墓", "青松村", "0 / 1"}},
			{name: "viewer cannot add", as: "villageviewer", method: "POST", path: "/progress/plan",
				form: url.Values{"org": {"{VillageA}"}, "year": {"2021"}, "month": {"4"}, "type": {"meeting"}, "kind": {"study"}, "title": {"x"}}, status: 403},
		})
		items, err := db.PlanItems(context.Background(), s.fx.Actor("villageclerk"), s.fx.VillageA.ID, 2021)
		if err != nil || len(items) != 1 {
			t.Fatalf("plan items %v %v", items, err)
		}
		id := items[0].ID
		cat := "moral"
		evs, _, err := db.FindEvents(context.Background(), guangong.SystemActor("test"), guangong.EventFilter{Category: &cat})
		if err != nil || len(evs) != 1 {
			t.Fatalf("events %v %v", evs, err)
		}
		april := evs[0].ID
		s.run(t, []scenario{
			{name: "edit form", as: "villageclerk", path: "/progress/plan/" + id + "/edit", status: 200,
				want: []string{`value="清明祭扫烈士墓"`, `id="plan-delete" class="danger"`, `name="confirm" value="1"`,
					`<option value="` + april + `">2021-04-04 测试activity</option>`},
				notWant: []string{"测试meeting"}}, // March's: the item is April's
			{name: "stale edit", as: "villageclerk", method: "POST", path: "/progress/plan/" + id + "/edit",
				form:   url.Values{"year": {"2021"}, "month": {"5"}, "type": {"activity"}, "category": {"moral"}, "title": {"改"}, "version": {"9"}},
				status: 409, want: []string{"已被他人修改"}},
			{name: "edit", as: "villageclerk", method: "POST", path: "/progress/plan/" + id + "/edit",
				form:   url.Values{"year": {"2021"}, "month": {"5"}, "type": {"activity"}, "category": {"moral"}, "subcategory": {"lecture"}, "title": {"五四宣讲"}, "version": {"1"}},
				status: 303},
			{name: "other town cannot edit", as: "otheradmin", path: "/progress/plan/" + id + "/edit", status: 404},
			{name: "link the event, move the month", as: "villageclerk", method: "POST", path: "/progress/plan/" + id + "/edit",
				form: url.Values{"org": {"{VillageA}"}, "year": {"2021"}, "month": {"5"}, "type": {"activity"}, "category": {"moral"},
					"title": {"五四宣讲"}, "eventId": {april}, "version": {"2"}}, status: 303},
			{name: "the linked event stays offered and chosen", as: "villageclerk", path: "/progress/plan/" + id + "/edit", status: 200,
				want: []string{`<option value="` + april + `" selected>2021-04-04 测试activity</option>`}},
			{name: "done on the plan", as: "villageclerk", path: "/progress/plan?org={VillageA}&year=2021", status: 200,
				want: []string{"已完成", `href="/events/` + april + `"`}},
			{name: "delete unconfirmed", as: "villageclerk", method: "POST", path: "/progress/plan/" + id + "/delete",
				form: url.Values{"version": {"3"}}, status: 422, want: []string{`id="f-confirm-error"`, `aria-describedby="f-confirm-error"`}},
			{name: "delete", as: "villageclerk", method: "POST", path: "/progress/plan/" + id + "/delete",
				form: url.Values{"version": {"3"}, "confirm": {"1"}}, status: 303},
			{name: "plan empty again", as: "villageclerk", path: "/progress/plan?org={VillageA}&year=2021", status: 200, want: []string{`id="plan-none"`}},
		})
	})
}
