package sqlstore_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"guangong"
	"guangong/sqlstore"
	"guangong/sqlstore/storetest"
)

// Writers racing on the same committees, shift and post (and a move in the tree under
// them) leave the subtree tallies equal to a recount. On PostgreSQL the transactions
// really overlap: each must lock what its figures hang on before reading them.
func TestTalliesUnderConcurrentWrites(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := storetest.NewFixture(t, db)
		clerk, admin := f.Actor("townclerk"), f.Actor("admin")
		post := mustPost(t, db, clerk, f.Town, "duty_group", "值班组")
		shift := mustShift(t, db, clerk, post, at("2021-07-01 08:00"), at("2021-07-01 10:00"), 100)
		var vols []string
		for i := range 12 {
			v := mustVolunteer(t, db, clerk, newVolunteer(f.Town, fmt.Sprintf("并发%02d", i), "1955-03-01"))
			vols = append(vols, v.ID)
		}
		var (
			mu           sync.Mutex
			done, failed int
			unexpected   []error
		)
		note := func(err error) {
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				done++
			case guangong.ErrorCode(err) != guangong.EINTERNAL:
				failed++ // stale, not found after a move, a full shift: refused cleanly
			default:
				unexpected = append(unexpected, err)
			}
		}
		var wg sync.WaitGroup
		for w := range 4 { // events in both villages, co-organised by the town, changed and deleted
			wg.Go(func() {
				for i := range 6 {
					org := f.VillageA
					if (w+i)%2 == 1 {
						org = f.VillageB
					}
					e := newActivity(org, fmt.Sprintf("并发活动%d-%d", w, i), "moral", fmt.Sprintf("2021-%02d-10 09:00", 1+i))
					e.Subcategory, e.CoOrgIDs = "lecture", []string{f.Town.ID}
					err := db.CreateEvent(ctx, clerk, e)
					note(err)
					if err != nil {
						continue
					}
					e.StartsAt, e.EndsAt = e.StartsAt.AddDate(0, 1, 0), e.EndsAt.AddDate(0, 1, 0)
					note(db.UpdateEvent(ctx, clerk, e))
					if i%3 == 0 {
						note(db.DeleteEvent(ctx, clerk, e.ID, e.Version))
					}
				}
			})
		}
		for w := range 3 { // places on one shift: assigned, some withdrawn
			wg.Go(func() {
				for i := w; i < len(vols); i += 3 {
					x, err := db.AssignShift(ctx, clerk, shift.ID, vols[i])
					note(err)
					if err == nil && i%2 == 0 {
						note(db.WithdrawShift(ctx, clerk, x.ID))
					}
				}
			})
		}
		wg.Go(func() { // the shift moves between years, the post between kinds
			for i := range 6 {
				cur, err := db.FindShiftByID(ctx, clerk, shift.ID)
				if err != nil {
					note(err)
					continue
				}
				s := *cur
				s.StartsAt, s.EndsAt = s.StartsAt.AddDate(1-2*(i%2), 0, 0), s.EndsAt.AddDate(1-2*(i%2), 0, 0)
				note(db.UpdateShift(ctx, clerk, &s))
				p, err := db.FindDutyPostByID(ctx, clerk, post.ID)
				if err != nil {
					note(err)
					continue
				}
				p.Kind = map[string]string{"duty_group": "street", "street": "duty_group"}[p.Kind]
				note(db.UpdateDutyPost(ctx, clerk, p, false))
			}
		})
		wg.Go(func() { // village B moves between the two towns
			for i := range 4 {
				o, err := db.FindOrgByID(ctx, admin, f.VillageB.ID)
				if err != nil {
					note(err)
					continue
				}
				to := f.OtherTown.ID
				if i%2 == 1 {
					to = f.Town.ID
				}
				_, err = db.MoveOrg(ctx, admin, o.ID, to, o.Version)
				note(err)
				time.Sleep(5 * time.Millisecond)
			}
		})
		wg.Wait()
		for _, err := range unexpected {
			t.Errorf("unexpected error: %v", err)
		}
		if done < 40 {
			t.Errorf("only %d writes went through (%d refused)", done, failed)
		}
		t.Logf("%d writes, %d refused", done, failed)
		diffs, err := db.CheckTallies(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range diffs {
			t.Errorf("tally %s %s: stored %d, recount %d", d.OrgID, d.Key, d.Stored, d.Recount)
		}
	})
}

// A plan item linked to an event (from the item's side) at the moment the event is marked
// held: whichever commits first, the item counts as done once, and neither write fails.
func TestTalliesPlanLinkedWhileEventChanges(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := storetest.NewFixture(t, db)
		clerk := f.Actor("townclerk")
		const n = 30
		var wg sync.WaitGroup
		errs := make(chan error, 2*n)
		for i := range n {
			e := newActivity(f.Town, fmt.Sprintf("关爱活动%02d", i), "care", "2021-05-05 09:00")
			e.Status = guangong.EventPlanned
			mustEvent(t, db, clerk, e)
			p := &guangong.PlanItem{OrgID: f.Town.ID, Year: 2021, Month: 5, Type: "activity", Category: "care", Title: fmt.Sprintf("关爱%02d", i)}
			if err := db.CreatePlanItem(ctx, clerk, p); err != nil {
				t.Fatal(err)
			}
			held := *e
			held.Status = guangong.EventHeld
			p.EventID = e.ID
			wg.Go(func() { errs <- db.UpdateEvent(ctx, clerk, &held) })
			wg.Go(func() { errs <- db.UpdatePlanItem(ctx, clerk, p) })
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Errorf("write: %v", err)
			}
		}
		diffs, err := db.CheckTallies(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range diffs {
			t.Errorf("tally %s %s: stored %d, recount %d", d.OrgID, d.Key, d.Stored, d.Recount)
		}
		p, err := db.Progress(ctx, clerk, f.Town.ID, 2021, true)
		if err != nil {
			t.Fatal(err)
		}
		if p.PlanCount != n || p.PlanDone != n {
			t.Errorf("plan %d done of %d, want %d of %d", p.PlanDone, p.PlanCount, n, n)
		}
	})
}
