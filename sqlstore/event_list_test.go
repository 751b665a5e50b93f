package sqlstore_test

import (
	"fmt"
	"testing"

	"guangong"
	"guangong/sqlstore"
	"guangong/sqlstore/storetest"
)

// listTitles lists a subtree's events of 2025 and returns their titles and the total.
func listTitles(t *testing.T, db *sqlstore.DB, a *guangong.Actor, f guangong.EventFilter) ([]string, int) {
	t.Helper()
	from, to := "2025-01-01", "2025-12-31"
	f.From, f.To = &from, &to
	list, total, err := db.FindEvents(ctx, a, f)
	if err != nil {
		t.Fatal(err)
	}
	var titles []string
	for _, e := range list {
		titles = append(titles, e.Title)
	}
	return titles, total
}

// A subtree's list is read from the organisers' index: newest first, an event co-organised
// by two committees of the subtree once, the period by Shanghai date, a changed time moving
// the event, and the total the same with or without paging and skipped on request.
func TestEventListFromOrganisers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := storetest.NewFixture(t, db)
		clerk := f.Actor("townclerk")
		a1 := mustEvent(t, db, clerk, newActivity(f.VillageA, "甲村三月", "central", "2025-03-01 09:00"))
		both := newActivity(f.VillageA, "两村五月", "central", "2025-05-01 09:00")
		both.CoOrgIDs = []string{f.VillageB.ID}
		mustEvent(t, db, clerk, both)
		mustEvent(t, db, clerk, newActivity(f.Town, "镇七月", "central", "2025-07-01 09:00"))
		mustEvent(t, db, clerk, newActivity(f.VillageB, "乙村除夕", "central", "2024-12-31 23:30")) // 2024 in Shanghai
		mustEvent(t, db, clerk, newActivity(f.VillageB, "乙村元旦", "central", "2025-01-01 00:30"))
		mustEvent(t, db, clerk, newMeeting(f.Town, "镇二月会", "2025-02-01 09:00"))

		planned := newActivity(f.VillageB, "乙村计划", "central", "2025-10-01 09:00")
		planned.Status = guangong.EventPlanned
		mustEvent(t, db, clerk, planned)
		if _, total := listTitles(t, db, clerk, guangong.EventFilter{}); total != 6 {
			t.Fatalf("a planned event is listed and counted: total %d, want 6", total)
		}
		// The whole year's total comes from the tallies; a period of part months is counted
		// from the entries: both agree.
		from, to := "2025-01-02", "2025-12-30"
		if _, n, err := db.FindEvents(ctx, clerk, guangong.EventFilter{From: &from, To: &to}); err != nil || n != 5 {
			t.Fatalf("2 January to 30 December: %d (%v), want 5 (all but New Year's Day's)", n, err)
		}
		if err := db.DeleteEvent(ctx, clerk, planned.ID, planned.Version); err != nil {
			t.Fatal(err)
		}

		got, total := listTitles(t, db, clerk, guangong.EventFilter{})
		if want := "[镇七月 两村五月 甲村三月 镇二月会 乙村元旦]"; fmt.Sprint(got) != want || total != 5 {
			t.Fatalf("town 2025: %v (total %d), want %s (total 5)", got, total, want)
		}
		got, total = listTitles(t, db, clerk, guangong.EventFilter{Page: guangong.Page{Offset: 1, Limit: 2}})
		if fmt.Sprint(got) != "[两村五月 甲村三月]" || total != 5 {
			t.Fatalf("second page of two: %v (total %d)", got, total)
		}
		got, total = listTitles(t, db, clerk, guangong.EventFilter{Page: guangong.Page{Limit: 2, SkipTotal: true}})
		if fmt.Sprint(got) != "[镇七月 两村五月]" || total != -1 {
			t.Fatalf("without the total: %v (total %d, want -1)", got, total)
		}
		activity := guangong.EventActivity
		got, total = listTitles(t, db, clerk, guangong.EventFilter{Type: &activity})
		if fmt.Sprint(got) != "[镇七月 两村五月 甲村三月 乙村元旦]" || total != 4 {
			t.Fatalf("activities: %v (total %d)", got, total)
		}
		got, total = listTitles(t, db, clerk, guangong.EventFilter{OrgID: &f.VillageB.ID})
		if fmt.Sprint(got) != "[两村五月 乙村元旦]" || total != 2 {
			t.Fatalf("village B as co-organiser: %v (total %d)", got, total)
		}

		// Moving an event's time moves it in the list: the organisers' rows follow.
		a1.StartsAt, a1.EndsAt = at("2025-08-01 09:00"), at("2025-08-01 11:00")
		if err := db.UpdateEvent(ctx, clerk, a1); err != nil {
			t.Fatal(err)
		}
		got, _ = listTitles(t, db, clerk, guangong.EventFilter{Page: guangong.Page{Limit: 2}})
		if fmt.Sprint(got) != "[甲村三月 镇七月]" {
			t.Fatalf("after moving 甲村三月 to August: %v", got)
		}
	})
}
