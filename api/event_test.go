package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"guangong"
	"guangong/sqlstore"
	"guangong/sqlstore/storetest"
)

var apiPNG = "\x89PNG\x0D\x0A\x1A\x0A" + strings.Repeat("\x01", 40)

// yesterdayAt is an RFC 3339 time yesterday in Shanghai, so "held" is allowed.
func yesterdayAt(hm string) string {
	d := time.Now().In(guangong.Shanghai).AddDate(0, 0, -1).Format(guangong.DateLayout)
	return d + "T" + hm + ":00+08:00"
}

func meetingJSON(extra ...string) string {
	fields := append([]string{`"type":"meeting"`, `"orgId":"{Town}"`, `"kind":"study"`, `"title":"集中学习"`,
		`"startsAt":"` + yesterdayAt("09:00") + `"`, `"endsAt":"` + yesterdayAt("11:00") + `"`, `"status":"held"`,
		`"othersCount":12`}, extra...)
	return "{" + strings.Join(fields, ",") + "}"
}

// checkEvents sends one request of each events endpoint through check.
func checkEvents(t *testing.T, e *env, check checkFunc) {
	t.Helper()
	id := func(raw *json.RawMessage, alias string) {
		t.Helper()
		var o struct{ ID string }
		if raw == nil || json.Unmarshal(*raw, &o) != nil || o.ID == "" {
			t.Fatalf("no id for %s", alias)
		}
		e.alias(alias, o.ID)
	}
	id(check("POST", "/api/v1/events", "/api/v1/events", "townclerk", meetingJSON(`"coOrgIds":["{VillageB}","{VillageA}"]`), 201), "DocEvent")
	check("POST", "/api/v1/events", "/api/v1/events", "townclerk", meetingJSON(`"endsAt":"`+yesterdayAt("08:00")+`"`), 422)
	check("GET", "/api/v1/events", "/api/v1/events?type=meeting&large=false", "townclerk", "", 200)
	check("GET", "/api/v1/events", "/api/v1/events?type=party", "townclerk", "", 422)
	check("GET", "/api/v1/events/calendar", "/api/v1/events/calendar?month="+time.Now().In(guangong.Shanghai).AddDate(0, 0, -1).Format("2006-01"), "villageclerk", "", 200)
	check("GET", "/api/v1/events/{id}", "/api/v1/events/{DocEvent}", "townclerk", "", 200)
	check("GET", "/api/v1/events/{id}", "/api/v1/events/{DocEvent}", "otheradmin", "", 404)
	check("PUT", "/api/v1/events/{id}", "/api/v1/events/{DocEvent}", "townclerk", meetingJSON(`"version":1`, `"minutes":"学习记录"`), 200)
	check("PUT", "/api/v1/events/{id}", "/api/v1/events/{DocEvent}", "townclerk", meetingJSON(`"version":1`), 409)
	body, ct := upload(t, nil, "现场.png", []byte(apiPNG))
	id(check("POST", "/api/v1/events/{id}/attachments", "/api/v1/events/{DocEvent}/attachments", "townclerk", body, 201, "Content-Type", ct), "DocAtt")
	body, ct = upload(t, nil, "伪装.png", []byte("plain text"))
	check("POST", "/api/v1/events/{id}/attachments", "/api/v1/events/{DocEvent}/attachments", "townclerk", body, 422, "Content-Type", ct)
	check("GET", "/api/v1/events/{id}/attachments/{aid}", "/api/v1/events/{DocEvent}/attachments/{DocAtt}", "townclerk", "", 200)
	check("DELETE", "/api/v1/events/{id}/attachments/{aid}", "/api/v1/events/{DocEvent}/attachments/{DocAtt}", "otheradmin", "", 404)
	check("DELETE", "/api/v1/events/{id}/attachments/{aid}", "/api/v1/events/{DocEvent}/attachments/{DocAtt}", "townclerk", "", 204)
	check("DELETE", "/api/v1/events/{id}/attachments/{aid}", "/api/v1/events/{DocEvent}/attachments/{DocAtt}", "townclerk", "", 404)
	id(check("POST", "/api/v1/events", "/api/v1/events", "townclerk", meetingJSON(`"title":"误录的会议"`), 201), "DocGone")
	check("DELETE", "/api/v1/events/{id}", "/api/v1/events/{DocGone}", "townclerk", "", 422)
	check("DELETE", "/api/v1/events/{id}", "/api/v1/events/{DocGone}?version=2", "townclerk", "", 409)
	check("DELETE", "/api/v1/events/{id}", "/api/v1/events/{DocGone}?version=1", "townclerk", "", 204)
	check("DELETE", "/api/v1/events/{id}", "/api/v1/events/{DocGone}?version=1", "townclerk", "", 404)
	check("GET", "/api/v1/orgs/{id}/large-rule", "/api/v1/orgs/{Town}/large-rule", "townclerk", "", 200)
	check("PUT", "/api/v1/orgs/{id}/large-rule", "/api/v1/orgs/{Town}/large-rule", "townadmin", `{"meetingMin":10,"activityMin":20,"version":0}`, 200)
	check("PUT", "/api/v1/orgs/{id}/large-rule", "/api/v1/orgs/{Town}/large-rule", "townadmin", `{"meetingMin":10,"activityMin":20,"version":0}`, 409)
	check("PUT", "/api/v1/orgs/{id}/large-rule", "/api/v1/orgs/{Town}/large-rule", "townclerk", `{"meetingMin":10,"activityMin":20,"version":1}`, 403)
	check("GET", "/api/v1/orgs/{id}/rule-in-force", "/api/v1/orgs/{VillageA}/rule-in-force", "villageclerk", "", 200)
	id(check("POST", "/api/v1/troupes", "/api/v1/troupes", "townclerk", `{"orgId":"{Town}","name":"老年大学乐队","kind":"orchestra","founded":"2019-03-01"}`, 201), "DocTroupe")
	check("POST", "/api/v1/troupes", "/api/v1/troupes", "townclerk", `{"orgId":"{Town}","name":"","kind":"orchestra"}`, 422)
	check("GET", "/api/v1/troupes", "/api/v1/troupes", "townclerk", "", 200)
	check("GET", "/api/v1/troupes/{id}", "/api/v1/troupes/{DocTroupe}", "townclerk", "", 200)
	check("PUT", "/api/v1/troupes/{id}", "/api/v1/troupes/{DocTroupe}", "townclerk", `{"orgId":"{Town}","name":"老年大学管弦乐队","kind":"orchestra","version":1}`, 200)
	id(check("POST", "/api/v1/troupes/{id}/members", "/api/v1/troupes/{DocTroupe}/members", "townclerk", `{"name":"社会队员","from":"2020-01-01"}`, 201), "DocMember")
	check("GET", "/api/v1/troupes/{id}/members", "/api/v1/troupes/{DocTroupe}/members", "townclerk", "", 200)
	check("POST", "/api/v1/troupe-members/{id}/end", "/api/v1/troupe-members/{DocMember}/end", "townclerk", `{"to":"2024-01-01","version":1}`, 204)
	check("POST", "/api/v1/troupe-members/{id}/end", "/api/v1/troupe-members/{DocMember}/end", "townclerk", `{"to":"2024-02-01","version":1}`, 409)
}

func TestEventAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		e := newEnv(t, db)
		other := e.do("POST", "/api/v1/volunteers", "otheradmin", volunteerJSON("{OtherTown}", "外镇志愿者"))
		var v struct{ ID string }
		e.decodeInto(other, &v)

		// A volunteer outside scope is named, and nothing is saved.
		rec := e.do("POST", "/api/v1/events", "townclerk", meetingJSON(fmt.Sprintf(`"volunteerIds":[%q]`, v.ID)))
		if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(rec.Body.String(), `"volunteerIds"`) {
			t.Fatalf("out-of-scope volunteer: %d %s", rec.Code, rec.Body)
		}
		rec = e.do("POST", "/api/v1/events", "townclerk", meetingJSON(`"startsAt":"明天"`))
		if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(rec.Body.String(), `"startsAt"`) {
			t.Fatalf("bad time: %d %s", rec.Code, rec.Body)
		}
		if n := e.count("/api/v1/events", "townclerk"); n != 0 {
			t.Fatalf("%d events after refusals", n)
		}

		// A performance: its scale decides 大型, whatever its headcount.
		rec = e.do("POST", "/api/v1/events", "townclerk", `{"type":"activity","orgId":"{Town}","category":"performance","scale":"large",
			"title":"迎春汇演","startsAt":"`+yesterdayAt("19:00")+`","endsAt":"`+yesterdayAt("21:00")+`","status":"held","audience":900}`)
		var ev guangong.Event
		e.decodeInto(rec, &ev)
		if !ev.Large || ev.Audience != 900 || ev.Headcount != 0 || ev.StartsOn == "" {
			t.Fatalf("performance %+v", ev)
		}
		// A meeting of 12 is not large by default; after the town sets 10 for those below, a
		// village's meeting of 12 is.
		rec = e.do("POST", "/api/v1/events", "villageclerk", meetingJSON(`"orgId":"{VillageA}"`))
		e.decodeInto(rec, &ev)
		if ev.Large {
			t.Fatal("12 people counted large under the defaults")
		}
		rec = e.do("PUT", "/api/v1/orgs/{Town}/large-rule", "townadmin", `{"meetingMin":10,"activityMin":20,"version":0}`)
		var rule guangong.LargeRule
		e.decodeInto(rec, &rule)
		if rule.Recomputed != 1 || rule.Version != 1 {
			t.Fatalf("rule %+v", rule)
		}
		e.decodeInto(e.do("GET", "/api/v1/events/"+ev.ID, "villageclerk", ""), &ev)
		if !ev.Large {
			t.Fatal("the village meeting was not recomputed")
		}

		// Calendar: a month in the wrong form is a field error; the village sees its own.
		rec = e.do("GET", "/api/v1/events/calendar?month=2025-6x", "villageclerk", "")
		if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(rec.Body.String(), `"month"`) {
			t.Fatalf("bad month: %d %s", rec.Code, rec.Body)
		}
		var cal struct{ Items []guangong.CalendarEntry }
		e.decodeInto(e.do("GET", "/api/v1/events/calendar?month="+ev.StartsOn[:7], "villageclerk", ""), &cal)
		if len(cal.Items) != 1 || cal.Items[0].ID != ev.ID {
			t.Fatalf("village calendar %+v", cal.Items)
		}

		// skipTotal: the same page without its total, which is then absent, not 0.
		var full, lean map[string]json.RawMessage
		e.decodeInto(e.do("GET", "/api/v1/events?limit=1", "townclerk", ""), &full)
		e.decodeInto(e.do("GET", "/api/v1/events?limit=1&skipTotal=true", "townclerk", ""), &lean)
		if _, ok := lean["total"]; ok || string(full["total"]) != "2" || string(lean["items"]) != string(full["items"]) {
			t.Fatalf("skipTotal: %s against %s", lean, full)
		}
		if rec := e.do("GET", "/api/v1/events?skipTotal=maybe", "townclerk", ""); rec.Code != http.StatusUnprocessableEntity ||
			!strings.Contains(rec.Body.String(), `"skipTotal"`) {
			t.Fatalf("skipTotal=maybe: %d %s", rec.Code, rec.Body)
		}

		// fields=: each item only with the members named, in that order; a misspelt name is refused.
		rec = e.do("GET", "/api/v1/events?fields=title,id&skipTotal=true", "townclerk", "")
		var picked struct{ Items []json.RawMessage }
		e.decodeInto(rec, &picked)
		if len(picked.Items) != 2 || !strings.HasPrefix(string(picked.Items[0]), `{"title":"`) ||
			strings.Count(string(picked.Items[0]), `":`) != 2 || !strings.Contains(string(picked.Items[0]), `,"id":"`) {
			t.Fatalf("fields=title,id: %s", rec.Body)
		}
		for _, bad := range []string{"titel", "id,,title", "id%20title"} {
			if rec := e.do("GET", "/api/v1/events?fields="+bad, "townclerk", ""); rec.Code != http.StatusUnprocessableEntity ||
				!strings.Contains(rec.Body.String(), `"fields"`) {
				t.Fatalf("fields=%s: %d %s", bad, rec.Code, rec.Body)
			}
		}

		// Attachments come back with their sniffed type and a filename.
		body, ct := upload(t, nil, "签到表.pdf", []byte("%PDF-1.4 sheet"))
		rec = e.do("POST", "/api/v1/events/"+ev.ID+"/attachments", "villageclerk", body, "Content-Type", ct)
		var att guangong.Attachment
		e.decodeInto(rec, &att)
		rec = e.do("GET", "/api/v1/events/"+ev.ID+"/attachments/"+att.ID, "villageviewer", "")
		if rec.Code != 200 || rec.Header().Get("Content-Type") != "application/pdf" ||
			!strings.HasPrefix(rec.Header().Get("Content-Disposition"), "attachment;") || rec.Body.String() != "%PDF-1.4 sheet" {
			t.Fatalf("attachment %d %v", rec.Code, rec.Header())
		}
		if rec := e.do("GET", "/api/v1/events/"+ev.ID+"/attachments/"+att.ID, "otheradmin", ""); rec.Code != 404 {
			t.Fatalf("other town reads it: %d", rec.Code)
		}
		big := "\xFF\xD8\xFF" + strings.Repeat("x", guangong.MaxAttachmentBytes)
		body, ct = upload(t, nil, "大.jpg", []byte(big))
		rec = e.do("POST", "/api/v1/events/"+ev.ID+"/attachments", "villageclerk", body, "Content-Type", ct)
		if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(rec.Body.String(), "10MB") {
			t.Fatalf("too large: %d %s", rec.Code, rec.Body)
		}
	})
}

// A create answers with what a read of the new event gives, byte for byte: organisers,
// volunteers and youths in the read's order, youths' names masked as the reader must see
// them, times as stored.
func TestEventCreateAnswersAsRead(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		e := newEnv(t, db)
		e.fx.GrantMinorAccess(t, "townclerk")
		e.create("/api/v1/volunteers", "townclerk", volunteerJSON("{Town}", "周明"), "Zhou")
		e.create("/api/v1/volunteers", "townclerk", volunteerJSON("{VillageA}", "李华"), "Li")
		e.create("/api/v1/youths", "townclerk", youthJSON("{VillageA}", youthName, youthIDNumber, guardianPhone), "Yan")
		e.create("/api/v1/youths", "townclerk", youthJSON("{VillageB}", "白沙小朋友", testID("20150101", 22), "13700001111"), "Bai")
		for _, c := range []struct{ user, body string }{
			{"townclerk", meetingJSON(`"coOrgIds":["{VillageB}","{VillageA}"]`, `"volunteerIds":["{Li}","{Zhou}"]`,
				`"youthIds":["{Bai}","{Yan}"]`, `"youthsServed":2`, `"startsAt":"`+strings.Replace(yesterdayAt("09:00"), ":00+", ":00.123456789+", 1)+`"`)},
			{"villageclerk", meetingJSON(`"orgId":"{VillageA}"`, `"youthIds":["{Yan}"]`, `"youthsServed":1`, `"volunteerIds":["{Li}"]`)},
		} {
			created := e.do("POST", "/api/v1/events", c.user, c.body)
			if created.Code != http.StatusCreated {
				t.Fatalf("create as %s: %d %s", c.user, created.Code, created.Body)
			}
			var ev struct{ ID string }
			e.decodeInto(created, &ev)
			if loc := created.Header().Get("Location"); loc != "/api/v1/events/"+ev.ID {
				t.Fatalf("Location %q", loc)
			}
			read := e.do("GET", "/api/v1/events/"+ev.ID, c.user, "")
			if created.Body.String() != read.Body.String() {
				t.Fatalf("as %s, the create answered\n%s\nand a read gives\n%s", c.user, created.Body, read.Body)
			}
			if c.user == "villageclerk" && strings.Contains(read.Body.String(), youthName) {
				t.Fatalf("a clerk without the grant sees the youth's name: %s", read.Body)
			}
		}
	})
}
