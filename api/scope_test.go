package api

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"guangong"
	"guangong/sqlstore"
	"guangong/sqlstore/storetest"
)

// Answers that would reveal existence: each kind of message a request can get for an id
// outside the caller's scope must be the very answer an id that names nothing gets (same
// status, same message, same field), whether the id is in the path, the query or the body.
func TestOutOfScopeAnswersLikeMissing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		e := newEnv(t, db)
		ctx, sys := context.Background(), guangong.SystemActor("t")

		// VillageB's troupe with a member, activity, duty shift; a town clerk's API token.
		tr := &guangong.Troupe{OrgID: e.fx.VillageB.ID, Name: "白沙村腰鼓队", Kind: "drum"}
		if err := db.CreateTroupe(ctx, sys, tr); err != nil {
			t.Fatal(err)
		}
		m := &guangong.TroupeMember{TroupeID: tr.ID, Name: "白沙队员", From: "2021-01-01"}
		if err := db.AddTroupeMember(ctx, sys, m); err != nil {
			t.Fatal(err)
		}
		e.alias("BMember", m.ID)
		ev := hoursEvent(t, e, "{VillageB}")
		e.alias("BEvent", ev.ID)
		post := &guangong.DutyPost{OrgID: e.fx.VillageB.ID, Kind: "school_gate", Name: "白沙小学校门", Place: "校门口"}
		if err := db.CreateDutyPost(ctx, sys, post); err != nil {
			t.Fatal(err)
		}
		start := ev.StartsAt.Add(-time.Hour)
		sh := &guangong.Shift{PostID: post.ID, Role: "护学", StartsAt: start, EndsAt: start.Add(2 * time.Hour), Headcount: 2}
		if err := db.CreateShift(ctx, sys, sh); err != nil {
			t.Fatal(err)
		}
		e.alias("BShift", sh.ID)
		toks, err := db.FindTokens(ctx, sys, e.fx.Users["townclerk"].ID)
		if err != nil || len(toks) == 0 {
			t.Fatalf("townclerk's tokens %v %v", toks, err)
		}
		e.alias("TownToken", toks[0].ID)
		e.alias("AV", hoursVolunteer(t, e, "{VillageA}", "青松志愿者"))
		e.fx.GrantMinorAccess(t, "townclerk")

		hours := func(key, ref string) string {
			return `{"volunteerId":"{AV}","` + key + `":"` + ref + `","servedOn":"` + ev.StartsOn + `","minutes":30,"content":"护考"}`
		}
		type row struct {
			name, method, path, user, body string
			ref                            string // the placeholder an unknown id takes the place of
			status                         int
			msg, field                     string // the message (and the field it names, if any)
		}
		rows := []row{
			{"troupe member of another village", "POST", "/api/v1/troupe-members/{BMember}/end", "villageclerk",
				`{"to":"2025-01-01","version":1}`, "{BMember}", 404, "队员不存在", ""},
			{"hours in another village's activity", "POST", "/api/v1/hours", "villageclerk",
				hours("eventId", "{BEvent}"), "{BEvent}", 422, "活动不存在", "eventId"},
			{"hours in another village's shift", "POST", "/api/v1/hours", "villageclerk",
				hours("shiftId", "{BShift}"), "{BShift}", 422, "班次不存在", "shiftId"},
			{"a clerk revoking another account's token", "DELETE", "/api/v1/tokens/{TownToken}", "villageclerk",
				"", "{TownToken}", 404, "API 令牌不存在", ""},
		}
		// Every list that takes a committee filter answers one outside scope as it answers an
		// unknown one: 404 组织不存在, never an empty list.
		for _, l := range []struct{ path, user string }{
			{"/api/v1/orgs?parentId={OtherTown}", "townclerk"},
			{"/api/v1/orgs?under={OtherTown}", "townclerk"},
			{"/api/v1/users?orgId={OtherTown}", "townadmin"},
			{"/api/v1/volunteers?orgId={OtherTown}", "townclerk"},
			{"/api/v1/volunteers/export.xlsx?orgId={OtherTown}", "townclerk"},
			{"/api/v1/youths?orgId={OtherTown}", "townclerk"},
			{"/api/v1/youths/export.xlsx?orgId={OtherTown}", "townclerk"},
			{"/api/v1/hours?orgId={OtherTown}", "townclerk"},
			{"/api/v1/duty/posts?orgId={OtherTown}", "townclerk"},
			{"/api/v1/duty/shifts?orgId={OtherTown}", "townclerk"},
			{"/api/v1/duty/attendance?state=missed&orgId={OtherTown}", "townclerk"},
			{"/api/v1/events?orgId={OtherTown}", "townclerk"},
			{"/api/v1/events/calendar?month=2025-06&orgId={OtherTown}", "townclerk"},
			{"/api/v1/troupes?orgId={OtherTown}", "townclerk"},
			{"/api/v1/progress?year=2025&orgId={OtherTown}", "townclerk"},
			{"/api/v1/progress/years?from=2024&to=2025&orgId={OtherTown}", "townclerk"},
		} {
			rows = append(rows, row{"committee filter " + l.path, "GET", l.path, l.user, "", "{OtherTown}", 404, "组织不存在", ""})
		}
		for _, r := range rows {
			t.Run(r.name, func(t *testing.T) {
				unknown := guangong.NewID()
				got := e.do(r.method, r.path, r.user, r.body)
				ref := e.do(r.method, strings.ReplaceAll(r.path, r.ref, unknown), r.user, strings.ReplaceAll(r.body, r.ref, unknown))
				if got.Code != r.status || ref.Code != r.status {
					t.Fatalf("status %d (unknown id: %d), want %d: %s / %s", got.Code, ref.Code, r.status, got.Body, ref.Body)
				}
				p, q := decodeProblem(t, got), decodeProblem(t, ref)
				msg := p.Detail
				if r.field != "" {
					msg = fieldMsg(p, r.field)
				}
				if msg != r.msg {
					t.Errorf("message %q, want %q: %s", msg, r.msg, got.Body)
				}
				p.Instance, q.Instance = "", ""
				if pb, qb := strings.TrimSpace(jsonOf(t, p)), strings.TrimSpace(jsonOf(t, q)); pb != qb {
					t.Errorf("answer differs from an unknown id's:\n%s\n%s", pb, qb)
				}
			})
		}
	})
}

func jsonOf(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
