package sqlstore_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"guangong"
	"guangong/sqlstore"
	"guangong/sqlstore/storetest"
)

// Past events come in with CreateEvent's checks and large rule, in one transaction, each
// with its audit entry; one bad row writes nothing.
func TestImportEvents(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := storetest.NewFixture(t, db)
		db.Now = fixedNow
		clerk := f.Actor("townclerk")
		// The town's rule decides 大型 for the villages' events; the town's own follow the defaults.
		if err := db.SetLargeRule(ctx, f.Actor("townadmin"), &guangong.LargeRule{OrgID: f.Town.ID, MeetingMin: 10, ActivityMin: 20}); err != nil {
			t.Fatal(err)
		}
		rows := func() []*guangong.Event {
			village := newMeeting(f.VillageA, "村关工小组会", "2021-03-02 09:00")
			village.OthersCount = 12 // ≥ 10: large by the town's rule
			act := newActivity(f.VillageA, "护学岗", "service", "2021-09-01 07:00")
			act.Subcategory, act.YouthsServed, act.CoOrgIDs = "school_guard", 15, []string{f.School.ID, f.VillageB.ID}
			town := newMeeting(f.Town, "全镇推进会", "2021-03-05 09:00")
			town.OthersCount = 29 // < 30: the default, no rule above the town
			show := newActivity(f.Town, "重阳汇演", guangong.CategoryPerformance, "2021-10-14 19:00")
			show.Scale, show.Audience, show.Status = "small", 800, guangong.EventRecorded
			return []*guangong.Event{village, act, town, show}
		}

		// One bad row among good ones: nothing is written, and the row is named.
		events, orgs, audits := eventCount(t, db, "events"), eventCount(t, db, "event_orgs"), auditCount(t, db, "")
		bad := rows()
		bad[2].EndsAt = bad[2].StartsAt.Add(-time.Hour)
		err := db.ImportEvents(ctx, clerk, bad)
		wantField(t, err, "rows[2].endsAt", "结束时间不能早于开始时间")
		for _, e := range bad {
			if e.ID != "" {
				t.Errorf("refused import kept id %s on %s", e.ID, e.Title)
			}
		}
		// A co-organiser outside scope: a denial, audited, and still nothing written.
		bad = rows()
		bad[1].CoOrgIDs = []string{f.OtherTown.ID}
		err = db.ImportEvents(ctx, clerk, bad)
		wantField(t, err, "rows[1].coOrgIds", "不在您的管辖范围内")
		if d := lastAudit(t, db); d.Action != guangong.ActionDenied || d.ObjectID != f.OtherTown.ID {
			t.Errorf("out-of-scope co-organiser not audited as denied: %+v", d)
		}
		if eventCount(t, db, "events") != events || eventCount(t, db, "event_orgs") != orgs ||
			auditCount(t, db, "") != audits+1 {
			t.Fatalf("a refused import wrote something")
		}
		// A viewer may not import at all.
		wantCode(t, db.ImportEvents(ctx, f.Actor("villageviewer"), rows()), guangong.EFORBIDDEN)

		good := rows()
		if err := db.ImportEvents(ctx, clerk, good); err != nil {
			t.Fatal(err)
		}
		if got := eventCount(t, db, "events") - events; got != 4 {
			t.Fatalf("%d events written", got)
		}
		if got := eventCount(t, db, "event_orgs") - orgs; got != 6 { // 4 hosts + 2 co-organisers
			t.Errorf("%d organiser rows", got)
		}
		wantLarge := []bool{true, false, false, false}
		for i, e := range good {
			stored, err := db.FindEventByID(ctx, clerk, e.ID)
			if err != nil {
				t.Fatal(err)
			}
			if stored.Large != wantLarge[i] || stored.Title != e.Title || stored.Version != 1 ||
				stored.StartsOn != e.StartsAt.In(guangong.Shanghai).Format(guangong.DateLayout) {
				t.Errorf("%s: large %v (want %v), %+v", e.Title, stored.Large, wantLarge[i], stored)
			}
			list, _, err := db.FindAudit(ctx, sys, guangong.AuditFilter{ObjectID: &e.ID})
			if err != nil || len(list) != 1 || list[0].Action != guangong.ActionCreate || list[0].Username != "townclerk" ||
				!strings.Contains(list[0].Detail, "import") {
				t.Errorf("%s audit: %+v %v", e.Title, list, err)
			}
		}
		if stored, _ := db.FindEventByID(ctx, clerk, good[1].ID); len(stored.CoOrgIDs) != 2 || stored.Headcount != 15 {
			t.Errorf("co-organisers %v headcount %d", stored.CoOrgIDs, stored.Headcount)
		}
		// The school, a co-organiser, sees the activity in its calendar.
		cal, err := db.EventCalendar(ctx, clerk, f.School.ID, "2021-09")
		if err != nil || len(cal) != 1 || cal[0].ID != good[1].ID {
			t.Errorf("school calendar: %+v %v", cal, err)
		}
		verifyOK(t, db)
	})
}

// MatchEvents finds the stored events a sheet's rows repeat: same host, title and
// Shanghai start date; only within scope.
func TestMatchEvents(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := storetest.NewFixture(t, db)
		db.Now = fixedNow
		clerk := f.Actor("townclerk")
		// 00:30 in Shanghai is the previous day in UTC: the date compared is Shanghai's.
		stored := mustEvent(t, db, clerk, newMeeting(f.VillageA, "村关工小组会", "2022-05-10 00:30"))
		mustEvent(t, db, f.Actor("otheradmin"), newMeeting(f.OtherTown, "村关工小组会", "2022-05-10 09:00"))
		keys := []guangong.EventKey{
			{Row: 2, OrgID: f.VillageA.ID, Title: "村关工小组会", StartsOn: "2022-05-10"},
			{Row: 3, OrgID: f.VillageA.ID, Title: "村关工小组会", StartsOn: "2022-05-09"},
			{Row: 4, OrgID: f.VillageB.ID, Title: "村关工小组会", StartsOn: "2022-05-10"},
			{Row: 5, OrgID: f.VillageA.ID, Title: "村关工小组会（二）", StartsOn: "2022-05-10"},
			{Row: 6, OrgID: f.OtherTown.ID, Title: "村关工小组会", StartsOn: "2022-05-10"},
			{Row: 7, OrgID: f.VillageA.ID, Title: " 村关工小组会 ", StartsOn: "2022-05-10"},
		}
		got, err := db.MatchEvents(ctx, clerk, keys)
		if err != nil {
			t.Fatal(err)
		}
		var lines []int
		for _, m := range got {
			lines = append(lines, m.Row)
			if m.ExistingID != stored.ID || m.Reason != "host_title_date" {
				t.Errorf("match %+v", m)
			}
		}
		// Row 6 is the other town's own event: outside the clerk's scope, not reported.
		if !slices.Equal(lines, []int{2, 7}) {
			t.Errorf("matched rows %v", lines)
		}
		wantCode(t, func() error {
			_, err := db.MatchEvents(ctx, &guangong.Actor{UserID: "x", Role: "nobody", OrgID: f.Town.ID}, keys)
			return err
		}(),
			guangong.EFORBIDDEN)
	})
}
