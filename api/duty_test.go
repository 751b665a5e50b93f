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

// dutyEnv adds to the fixture two volunteers of VillageA (one with an account of their own,
// "vol"), one of OtherTown, a post at VillageA and a shift of one place starting in ten
// minutes; the database clock is held at base.
func dutyEnv(t *testing.T, e *env) (base time.Time) {
	t.Helper()
	ctx := context.Background()
	base = time.Now().UTC().Truncate(time.Second)
	e.db.Now = func() time.Time { return base }
	mk := func(org, name, birth string) *guangong.Volunteer {
		p := &guangong.Volunteer{OrgID: org, Name: name, Gender: guangong.Male, BirthDate: birth, Category: guangong.ElderTeacher,
			Skills: []string{}, Status: "active", ConsentDate: "2024-01-02"}
		if err := e.db.CreateVolunteer(ctx, guangong.SystemActor("t"), p); err != nil {
			t.Fatal(err)
		}
		return p
	}
	v1 := mk(e.fx.VillageA.ID, "周一", "1955-01-01")
	v2 := mk(e.fx.VillageA.ID, "周二", "1956-01-01")
	far := mk(e.fx.OtherTown.ID, "龙三", "1957-01-01")
	e.alias("v1", v1.ID)
	e.alias("v2", v2.ID)
	e.alias("far", far.ID)
	u := &guangong.User{Username: "zhou.yi", DisplayName: "周一", OrgID: e.fx.VillageA.ID, Role: guangong.RoleVolunteer,
		VolunteerID: v1.ID, Lang: "zh"}
	if err := e.db.CreateUser(ctx, e.fx.Actor("townadmin"), u, storetest.Password); err != nil {
		t.Fatal(err)
	}
	own := &guangong.Actor{UserID: u.ID, Username: u.Username, Role: u.Role, OrgID: u.OrgID, VolunteerID: u.VolunteerID,
		AuthAt: e.db.Now()}
	raw, _, err := e.db.CreateToken(ctx, own, u.ID, "phone", 0)
	if err != nil {
		t.Fatal(err)
	}
	e.tokens["vol"] = raw
	var p struct{ ID, QRToken string }
	e.decodeInto(e.do("POST", "/api/v1/duty/posts", "villageclerk",
		`{"orgId":"{VillageA}","kind":"school_gate","name":"青松小学校门","place":"南门"}`), &p)
	e.alias("post", p.ID)
	e.alias("token", p.QRToken)
	var s struct{ ID string }
	e.decodeInto(e.do("POST", "/api/v1/duty/posts/{post}/shifts", "villageclerk", fmt.Sprintf(
		`{"role":"护学","startsAt":%q,"endsAt":%q,"headcount":1}`,
		base.Add(10*time.Minute).Format(time.RFC3339), base.Add(70*time.Minute).Format(time.RFC3339))), &s)
	e.alias("shift", s.ID)
	return base
}

func TestDutyAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		e := newEnv(t, db)
		base := dutyEnv(t, e)
		e.run([]scenario{
			{name: "list", method: "GET", path: "/api/v1/duty/posts", user: "townclerk", status: 200, want: []string{"青松小学校门", `"total":1`, `"qrToken"`}},
			{name: "bad kind filter", method: "GET", path: "/api/v1/duty/posts?kind=parade", user: "townclerk", status: 422, fields: []string{"kind"}},
			{name: "admin refused", method: "GET", path: "/api/v1/duty/posts", user: "admin", status: 403},
			{name: "volunteer sees posts without token", method: "GET", path: "/api/v1/duty/posts", user: "vol", status: 200,
				want: []string{"青松小学校门"}, notWant: []string{"qrToken", "{token}"}},
			{name: "volunteer reads no registry", method: "GET", path: "/api/v1/volunteers", user: "vol", status: 403},
			{name: "volunteer reads no tree", method: "GET", path: "/api/v1/orgs", user: "vol", status: 403},
			{name: "volunteer cannot create posts", method: "POST", path: "/api/v1/duty/posts", user: "vol",
				body: `{"orgId":"{VillageA}","kind":"street","name":"x"}`, status: 403},
			{name: "other town 404", method: "GET", path: "/api/v1/duty/posts/{post}", user: "otheradmin", status: 404},
			{name: "bad post", method: "POST", path: "/api/v1/duty/posts", user: "villageclerk",
				body: `{"orgId":"{VillageA}","kind":"parade","name":""}`, status: 422, fields: []string{"kind", "name"}},
			{name: "shift end before start", method: "POST", path: "/api/v1/duty/posts/{post}/shifts", user: "villageclerk",
				body:   `{"role":"护学","startsAt":"2030-09-01T08:00:00+08:00","endsAt":"2030-09-01T07:00:00+08:00","headcount":1}`,
				status: 422, fields: []string{"endsAt"}},
			{name: "shift at a post out of scope", method: "POST", path: "/api/v1/duty/posts/{post}/shifts", user: "otheradmin",
				body: `{"role":"x","startsAt":"2030-09-01T08:00:00+08:00","endsAt":"2030-09-01T09:00:00+08:00","headcount":1}`, status: 404},
			{name: "assign outside scope", method: "POST", path: "/api/v1/duty/shifts/{shift}/volunteers", user: "villageclerk",
				body: `{"volunteerId":"{far}"}`, status: 422, fields: []string{"volunteerId"}},
			{name: "sign up", method: "POST", path: "/api/v1/duty/shifts/{shift}/signup", user: "vol", status: 201, want: []string{`"source":"signup"`, "{v1}"}},
			{name: "full", method: "POST", path: "/api/v1/duty/shifts/{shift}/volunteers", user: "villageclerk",
				body: `{"volunteerId":"{v2}"}`, status: 422, fields: []string{"headcount"}},
			{name: "clerk cannot sign up", method: "POST", path: "/api/v1/duty/shifts/{shift}/signup", user: "villageclerk", status: 403},
			{name: "shift filled", method: "GET", path: "/api/v1/duty/shifts/{shift}", user: "vol", status: 200, want: []string{`"filled":1`, `"headcount":1`}},
			{name: "volunteer cannot list others", method: "GET", path: "/api/v1/duty/shifts/{shift}/volunteers", user: "vol", status: 403},
			{name: "clerk lists", method: "GET", path: "/api/v1/duty/shifts/{shift}/volunteers", user: "villageclerk", status: 200, want: []string{"周一"}},
			{name: "check-in page", method: "GET", path: "/api/v1/duty/checkin/{token}", user: "vol", status: 200, want: []string{`"canCheckIn":true`, "青松小学校门"}},
			{name: "unknown token", method: "GET", path: "/api/v1/duty/checkin/nope", user: "vol", status: 404},
			{name: "attendance needs a state", method: "GET", path: "/api/v1/duty/attendance", user: "villageclerk", status: 422, fields: []string{"state"}},
			{name: "volunteer has no attendance", method: "GET", path: "/api/v1/duty/attendance?state=missed", user: "vol", status: 403},
		})
		var mine struct {
			Items []struct {
				ID           string
				HoursMinutes int
				Minutes      int
				Version      int
			}
		}
		e.decodeInto(e.do("GET", "/api/v1/duty/mine", "vol", ""), &mine)
		if len(mine.Items) != 1 {
			t.Fatalf("my shifts %+v", mine)
		}
		e.alias("place", mine.Items[0].ID)
		e.run([]scenario{
			{name: "check in", method: "POST", path: "/api/v1/duty/checkin/{token}/in", user: "vol", body: `{"id":"{place}"}`, status: 200, want: []string{`"checkInAt"`}},
			{name: "twice", method: "POST", path: "/api/v1/duty/checkin/{token}/in", user: "vol", body: `{"id":"{place}"}`, status: 422},
			{name: "not before the start", method: "POST", path: "/api/v1/duty/checkin/{token}/out", user: "vol", body: `{"id":"{place}"}`, status: 422},
			{name: "not withdrawn once checked in", method: "DELETE", path: "/api/v1/duty/places/{place}", user: "vol", status: 422},
		})
		db.Now = func() time.Time { return base.Add(90 * time.Minute) } // 20 minutes after the end
		e.run([]scenario{
			{name: "check out", method: "POST", path: "/api/v1/duty/checkin/{token}/out", user: "vol", body: `{"id":"{place}"}`, status: 200,
				want: []string{`"minutes":60`, `"hoursMinutes":60`, `"hoursStatus":"recorded"`}},
			{name: "mine shows hours", method: "GET", path: "/api/v1/duty/mine", user: "vol", status: 200, want: []string{`"hoursMinutes":60`}},
		})
		// The hours helper's own API lists the row the check-out wrote.
		rec := e.do("GET", "/api/v1/hours?shiftId={shift}", "villageclerk", "")
		if rec.Code != 200 || !strings.Contains(rec.Body.String(), `"minutes":60`) {
			t.Errorf("hours list lacks the check-out's row: %s", rec.Body)
		}
	})
}

func TestDutyAPIMissedCheckOut(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		e := newEnv(t, db)
		base := dutyEnv(t, e)
		var x struct {
			ID      string
			Version int
		}
		e.decodeInto(e.do("POST", "/api/v1/duty/shifts/{shift}/signup", "vol", ""), &x)
		e.alias("place", x.ID)
		e.decodeInto(e.do("POST", "/api/v1/duty/checkin/{token}/in", "vol", fmt.Sprintf(`{"id":%q}`, x.ID)), &x)
		db.Now = func() time.Time { return base.Add(4 * time.Hour) }
		at := func(d time.Duration) string { return base.Add(d).Format(time.RFC3339) }
		e.run([]scenario{
			{name: "window closed", method: "POST", path: "/api/v1/duty/checkin/{token}/out", user: "vol", body: `{"id":"{place}"}`, status: 422},
			{name: "missed listed", method: "GET", path: "/api/v1/duty/attendance?state=missed", user: "townclerk", status: 200, want: []string{`"total":1`, "{place}"}},
			{name: "volunteer cannot close", method: "POST", path: "/api/v1/duty/places/{place}/close", user: "vol",
				body: fmt.Sprintf(`{"checkOutAt":%q,"version":%d}`, at(40*time.Minute), x.Version), status: 403},
			{name: "not after the end", method: "POST", path: "/api/v1/duty/places/{place}/close", user: "villageclerk",
				body: fmt.Sprintf(`{"checkOutAt":%q,"version":%d}`, at(80*time.Minute), x.Version), status: 422, fields: []string{"checkOutAt"}},
			{name: "stale", method: "POST", path: "/api/v1/duty/places/{place}/close", user: "villageclerk",
				body: fmt.Sprintf(`{"checkOutAt":%q,"version":%d}`, at(40*time.Minute), x.Version+5), status: 409},
			{name: "other town", method: "POST", path: "/api/v1/duty/places/{place}/close", user: "otheradmin",
				body: fmt.Sprintf(`{"checkOutAt":%q,"version":%d}`, at(40*time.Minute), x.Version), status: 404},
			{name: "closed", method: "POST", path: "/api/v1/duty/places/{place}/close", user: "villageclerk",
				body: fmt.Sprintf(`{"checkOutAt":%q,"version":%d}`, at(40*time.Minute), x.Version), status: 200,
				want: []string{`"review":true`, `"minutes":30`, `"hoursMinutes":30`, "{u:villageclerk}"}},
			{name: "review listed", method: "GET", path: "/api/v1/duty/attendance?state=review", user: "townadmin", status: 200, want: []string{`"total":1`, "村录入员"}},
			{name: "none missed", method: "GET", path: "/api/v1/duty/attendance?state=missed", user: "townclerk", status: 200, want: []string{`"total":0`}},
		})
	})
}

// checkDuty sends one request of each duty endpoint through check.
func checkDuty(t *testing.T, e *env, check checkFunc) {
	t.Helper()
	base := dutyEnv(t, e)
	id := func(raw *json.RawMessage) (string, int) {
		t.Helper()
		var o struct {
			ID      string
			Version int
		}
		if raw == nil || json.Unmarshal(*raw, &o) != nil || o.ID == "" {
			t.Fatal("no id in the answer")
		}
		return o.ID, o.Version
	}
	check("GET", "/api/v1/duty/posts", "/api/v1/duty/posts?kind=school_gate", "townclerk", "", 200)
	check("GET", "/api/v1/duty/posts", "/api/v1/duty/posts", "vol", "", 200)
	check("GET", "/api/v1/duty/posts", "/api/v1/duty/posts?kind=x", "townclerk", "", 422)
	p, _ := id(check("POST", "/api/v1/duty/posts", "/api/v1/duty/posts", "townclerk", `{"orgId":"{Town}","kind":"exam","name":"考点路口"}`, 201))
	e.alias("post2", p)
	check("POST", "/api/v1/duty/posts", "/api/v1/duty/posts", "townclerk", `{"orgId":"{Town}","kind":"exam"}`, 422)
	check("GET", "/api/v1/duty/posts/{id}", "/api/v1/duty/posts/{post2}", "townclerk", "", 200)
	check("GET", "/api/v1/duty/posts/{id}", "/api/v1/duty/posts/{post2}", "villageclerk", "", 404)
	check("PATCH", "/api/v1/duty/posts/{id}", "/api/v1/duty/posts/{post2}", "townclerk", `{"place":"一中东门","renewQR":true,"version":1}`, 200)
	check("PATCH", "/api/v1/duty/posts/{id}", "/api/v1/duty/posts/{post2}", "townclerk", `{"place":"x","version":1}`, 409)
	check("GET", "/api/v1/duty/posts/{id}/qr.svg", "/api/v1/duty/posts/{post2}/qr.svg", "townclerk", "", 200)
	check("GET", "/api/v1/duty/posts/{id}/qr.svg", "/api/v1/duty/posts/{post}/qr.svg", "vol", "", 403)
	sh, _ := id(check("POST", "/api/v1/duty/posts/{id}/shifts", "/api/v1/duty/posts/{post2}/shifts", "townclerk",
		`{"role":"疏导","startsAt":"2030-06-07T07:00:00+08:00","endsAt":"2030-06-07T09:00:00+08:00","headcount":20}`, 201))
	e.alias("shift2", sh)
	check("POST", "/api/v1/duty/posts/{id}/shifts", "/api/v1/duty/posts/{post2}/shifts", "townclerk",
		`{"role":"疏导","startsAt":"2030-06-07T07:00:00+08:00","endsAt":"2030-06-07T06:00:00+08:00","headcount":20}`, 422)
	check("GET", "/api/v1/duty/shifts", "/api/v1/duty/shifts?postId={post2}&open=true", "townclerk", "", 200)
	check("GET", "/api/v1/duty/shifts", "/api/v1/duty/shifts?from=x", "townclerk", "", 422)
	check("GET", "/api/v1/duty/shifts/{id}", "/api/v1/duty/shifts/{shift2}", "townclerk", "", 200)
	check("PUT", "/api/v1/duty/shifts/{id}", "/api/v1/duty/shifts/{shift2}", "townclerk",
		`{"role":"疏导","startsAt":"2030-06-07T07:00:00+08:00","endsAt":"2030-06-07T09:30:00+08:00","headcount":25,"version":1}`, 200)
	check("POST", "/api/v1/duty/shifts/{id}/volunteers", "/api/v1/duty/shifts/{shift2}/volunteers", "townclerk", `{"volunteerId":"{v2}"}`, 201)
	check("POST", "/api/v1/duty/shifts/{id}/volunteers", "/api/v1/duty/shifts/{shift2}/volunteers", "townclerk", `{"volunteerId":"{far}"}`, 422)
	check("GET", "/api/v1/duty/shifts/{id}/volunteers", "/api/v1/duty/shifts/{shift2}/volunteers", "townclerk", "", 200)
	pl, _ := id(check("POST", "/api/v1/duty/shifts/{id}/signup", "/api/v1/duty/shifts/{shift}/signup", "vol", "", 201))
	e.alias("place", pl)
	check("GET", "/api/v1/duty/checkin/{token}", "/api/v1/duty/checkin/{token}", "vol", "", 200)
	check("GET", "/api/v1/duty/checkin/{token}", "/api/v1/duty/checkin/{token}", "villageclerk", "", 200)
	_, v := id(check("POST", "/api/v1/duty/checkin/{token}/in", "/api/v1/duty/checkin/{token}/in", "vol", `{"id":"{place}"}`, 200))
	check("POST", "/api/v1/duty/checkin/{token}/out", "/api/v1/duty/checkin/{token}/out", "vol", `{"id":"{place}"}`, 422)
	e.db.Now = func() time.Time { return base.Add(4 * time.Hour) }
	check("GET", "/api/v1/duty/attendance", "/api/v1/duty/attendance?state=missed", "villageclerk", "", 200)
	check("POST", "/api/v1/duty/places/{id}/close", "/api/v1/duty/places/{place}/close", "villageclerk",
		fmt.Sprintf(`{"checkOutAt":%q,"version":%d}`, base.Add(30*time.Minute).Format(time.RFC3339), v), 200)
	check("GET", "/api/v1/duty/attendance", "/api/v1/duty/attendance?state=review", "villageclerk", "", 200)
	check("GET", "/api/v1/duty/mine", "/api/v1/duty/mine", "vol", "", 200)
	check("GET", "/api/v1/duty/mine", "/api/v1/duty/mine", "villageclerk", "", 403)
	w, _ := id(check("POST", "/api/v1/duty/shifts/{id}/volunteers", "/api/v1/duty/shifts/{shift2}/volunteers", "townclerk", `{"volunteerId":"{v1}"}`, 201))
	e.alias("place2", w)
	check("DELETE", "/api/v1/duty/places/{id}", "/api/v1/duty/places/{place2}", "vol", "", 204)
	check("POST", "/api/v1/duty/checkin/{token}/out", "/api/v1/duty/checkin/{token}/out", "vol", `{"id":"{place}"}`, 422)
	e.db.Now = time.Now
}
