package api

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"guangong"
	"guangong/sqlstore"
	"guangong/sqlstore/storetest"
)

// progressMeeting records a held meeting of org on day with enough people to be large.
func progressMeeting(t *testing.T, e *env, orgID, kind, day string) {
	t.Helper()
	at, _ := time.ParseInLocation("2006-01-02 15:04", day+" 09:00", guangong.Shanghai)
	ev := &guangong.Event{Type: guangong.EventMeeting, OrgID: e.ids.Replace(orgID), Kind: kind, Title: "推进会",
		StartsAt: at, EndsAt: at.Add(2 * time.Hour), Status: guangong.EventHeld, OthersCount: 80}
	if err := e.db.CreateEvent(context.Background(), guangong.SystemActor("t"), ev); err != nil {
		t.Fatal(err)
	}
}

// checkProgress sends one request of each progress endpoint through TestResponsesMatchDocument's check.
func checkProgress(t *testing.T, e *env, check checkFunc) {
	t.Helper()
	progressMeeting(t, e, "{VillageA}", "study", "2021-03-05")
	check("GET", "/api/v1/progress/metrics", "/api/v1/progress/metrics", "villageclerk", "", 200)
	check("PUT", "/api/v1/orgs/{id}/target-defaults/{metric}", "/api/v1/orgs/{Town}/target-defaults/large_meetings", "townclerk", `{"min":4,"version":0}`, 200)
	check("PUT", "/api/v1/orgs/{id}/target-defaults/{metric}", "/api/v1/orgs/{Town}/target-defaults/large_meetings", "townclerk", `{"min":4,"version":7}`, 409)
	check("GET", "/api/v1/orgs/{id}/target-defaults", "/api/v1/orgs/{Town}/target-defaults", "townclerk", "", 200)
	raw := check("PUT", "/api/v1/orgs/{id}/targets/{metric}", "/api/v1/orgs/{VillageA}/targets/large_activities", "townclerk", `{"year":2021,"min":6,"version":0}`, 200)
	var tg struct{ ID string }
	if raw == nil || json.Unmarshal(*raw, &tg) != nil || tg.ID == "" {
		t.Fatal("no target id")
	}
	e.alias("Tgt", tg.ID)
	check("PUT", "/api/v1/orgs/{id}/targets/{metric}", "/api/v1/orgs/{VillageA}/targets/large_activities", "villageclerk", `{"year":2021,"min":1,"version":1}`, 403)
	check("PUT", "/api/v1/orgs/{id}/targets/{metric}", "/api/v1/orgs/{VillageA}/targets/nonsense", "townclerk", `{"year":2021,"min":1,"version":0}`, 422)
	check("PUT", "/api/v1/orgs/{id}/targets/{metric}", "/api/v1/orgs/{VillageA}/targets/large_activities", "townclerk", `{"year":`, 400)
	check("GET", "/api/v1/orgs/{id}/targets", "/api/v1/orgs/{VillageA}/targets?year=2021", "villageclerk", "", 200)
	check("GET", "/api/v1/progress", "/api/v1/progress?orgId={Town}&year=2021&subtree=true", "townclerk", "", 200)
	check("GET", "/api/v1/progress", "/api/v1/progress?orgId={Town}", "townclerk", "", 422)
	check("GET", "/api/v1/progress", "/api/v1/progress?orgId={Town}&year=2021", "otheradmin", "", 404)
	check("GET", "/api/v1/progress/years", "/api/v1/progress/years?orgId={Town}&from=2019&to=2022", "townclerk", "", 200)
	check("GET", "/api/v1/progress/children", "/api/v1/progress/children?orgId={Town}&year=2021", "townclerk", "", 200)
	check("GET", "/api/v1/progress/children", "/api/v1/progress/children?orgId={Town}", "townclerk", "", 422)
	check("GET", "/api/v1/progress/children", "/api/v1/progress/children?orgId={Town}&year=2021", "villageclerk", "", 404)
	check("GET", "/api/v1/progress/descendants", "/api/v1/progress/descendants?orgId={Town}&year=2021&limit=2", "townclerk", "", 200)
	raw = check("POST", "/api/v1/plan-items", "/api/v1/plan-items", "villageclerk",
		`{"orgId":"{VillageA}","year":2021,"month":4,"type":"activity","category":"moral","subcategory":"qingming","title":"清明祭扫"}`, 201)
	var pi struct{ ID string }
	if raw == nil || json.Unmarshal(*raw, &pi) != nil || pi.ID == "" {
		t.Fatal("no plan item id")
	}
	e.alias("Plan", pi.ID)
	check("POST", "/api/v1/plan-items", "/api/v1/plan-items", "villageclerk", `{"orgId":"{VillageA}","year":2021,"month":13,"type":"meeting","title":""}`, 422)
	check("GET", "/api/v1/orgs/{id}/plan", "/api/v1/orgs/{VillageA}/plan?year=2021", "villageclerk", "", 200)
	check("GET", "/api/v1/plan-items/{id}", "/api/v1/plan-items/{Plan}", "villageclerk", "", 200)
	check("PUT", "/api/v1/plan-items/{id}", "/api/v1/plan-items/{Plan}", "villageclerk",
		`{"year":2021,"month":5,"type":"activity","category":"moral","subcategory":"lecture","title":"宣讲","version":1}`, 200)
	check("PUT", "/api/v1/plan-items/{id}", "/api/v1/plan-items/{Plan}", "villageclerk",
		`{"year":2021,"month":5,"type":"activity","category":"moral","title":"宣讲","version":1}`, 409)
	check("DELETE", "/api/v1/plan-items/{id}", "/api/v1/plan-items/{Plan}?version=2", "villageclerk", "", 204)
	check("DELETE", "/api/v1/targets/{id}", "/api/v1/targets/{Tgt}?version=1", "townclerk", "", 204)
	check("DELETE", "/api/v1/orgs/{id}/target-defaults/{metric}", "/api/v1/orgs/{Town}/target-defaults/large_meetings?version=1", "townclerk", "", 204)
}

func TestProgressAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		e := newEnv(t, db)
		progressMeeting(t, e, "{VillageA}", "advance", "2021-03-05")
		e.run([]scenario{
			{name: "subtree figures", method: "GET", path: "/api/v1/progress?orgId={Town}&year=2021&subtree=true", user: "townclerk",
				status: 200, want: []string{`"code":"large_meetings"`, `"done":1,"byMonth":[0,0,1,0,0,0,0,0,0,0,0,0]`, `"subtree":true`}},
			{name: "own figures of the town", method: "GET", path: "/api/v1/progress?orgId={Town}&year=2021", user: "townclerk",
				status: 200, want: []string{`"code":"large_meetings","label":{"zh":"大型会议","en":"Large meetings"}`, `"done":0`}},
			{name: "unknown parameter", method: "GET", path: "/api/v1/progress?orgId={Town}&year=2021&sub=1", user: "townclerk",
				status: 422, fields: []string{"sub"}},
			{name: "the system administrator reads no records", method: "GET", path: "/api/v1/progress?orgId={Town}&year=2021", user: "admin", status: 403},
			{name: "default for the villages", method: "PUT", path: "/api/v1/orgs/{Town}/target-defaults/large_meetings", user: "townadmin",
				body: `{"min":4,"version":0}`, status: 200, want: []string{`"min":4`, `"version":1`}},
			{name: "the village sees it in force", method: "GET", path: "/api/v1/orgs/{VillageA}/targets?year=2021", user: "villageviewer",
				status: 200, want: []string{`"metric":"large_meetings","min":4,"source":"default"`}},
			{name: "the village cannot set its own", method: "PUT", path: "/api/v1/orgs/{VillageA}/targets/large_meetings", user: "villageclerk",
				body: `{"year":2021,"min":1,"version":0}`, status: 403, want: []string{"上级"}},
			{name: "the town sets the village's", method: "PUT", path: "/api/v1/orgs/{VillageA}/targets/large_meetings", user: "townclerk",
				body: `{"year":2021,"min":1,"version":0}`, status: 200, want: []string{`"setBy":"{Town}"`}},
			{name: "the village meets it", method: "GET", path: "/api/v1/progress?orgId={VillageA}&year=2021", user: "villageclerk",
				status: 200, want: []string{`"target":{"metric":"large_meetings","min":1,"source":"explicit"`, `"met":true`}},
			{name: "a delete needs a version", method: "DELETE", path: "/api/v1/plan-items/x", user: "villageclerk", status: 422, fields: []string{"version"}},
		})
		// A record added through the store shows in the API's figure.
		progressMeeting(t, e, "{VillageB}", "study", "2021-07-01")
		e.run([]scenario{
			{name: "one more", method: "GET", path: "/api/v1/progress?orgId={Town}&year=2021&subtree=true", user: "townclerk",
				status: 200, want: []string{`"done":2,"byMonth":[0,0,1,0,0,0,1,0,0,0,0,0]`}},
		})
		// The children's figures in one request; the store's tests compare them with Progress.
		e.run([]scenario{
			{name: "the town's children", method: "GET", path: "/api/v1/progress/children?orgId={Town}&year=2021", user: "townclerk",
				status: 200, want: []string{`"all":false`, `"total":3,"offset":0,"limit":200`, `"orgId":"{VillageB}","parentId":"{Town}","name":"白沙村"`,
					`"large_meetings":1`, `"met":{"large_meetings":true}`}},
			{name: "the county's subtree, a page", method: "GET", path: "/api/v1/progress/descendants?orgId={County}&year=2021&limit=2&offset=1",
				user: "townclerk", status: 404},
			{name: "the town's subtree, a page", method: "GET", path: "/api/v1/progress/descendants?orgId={Town}&year=2021&limit=1&offset=1",
				user: "townclerk", status: 200, want: []string{`"all":true`, `"total":3,"offset":1,"limit":1`, `"depth":1`}},
			{name: "the town is outside the village's scope", method: "GET", path: "/api/v1/progress/children?orgId={Town}&year=2021",
				user: "villageclerk", status: 404},
			{name: "the year is required", method: "GET", path: "/api/v1/progress/children?orgId={Town}", user: "townclerk",
				status: 422, fields: []string{"year"}, want: []string{"请给出年份"}},
			{name: "a year out of range", method: "GET", path: "/api/v1/progress/descendants?orgId={Town}&year=1999", user: "townclerk",
				status: 422, fields: []string{"year"}, want: []string{"2000"}},
			{name: "bad paging and no committee", method: "GET", path: "/api/v1/progress/descendants?year=2021&limit=-1&offset=x", user: "townclerk",
				status: 422, fields: []string{"orgId", "limit", "offset"}},
			{name: "no subtree switch here", method: "GET", path: "/api/v1/progress/children?orgId={Town}&year=2021&subtree=true", user: "townclerk",
				status: 422, fields: []string{"subtree"}},
			{name: "the system administrator reads no figures", method: "GET", path: "/api/v1/progress/children?orgId={Town}&year=2021", user: "admin", status: 403},
		})
	})
}
