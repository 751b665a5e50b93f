package sqlstore_test

// Tallies across a rolled-back write, the check that finds broken figures, and the migration that counts records written before the tallies.

import (
	"fmt"
	"testing"
	"time"

	"guangong"
	"guangong/sqlstore"
	"guangong/sqlstore/storetest"
)

// metricsOf is a progress page's figures, code → done.
func metricsOf(p *guangong.Progress) map[string]int {
	out := map[string]int{}
	for _, m := range p.Metrics {
		out[m.Code] = m.Done
	}
	return out
}

// A write that fails leaves the tallies as they were, even when it had already counted
// part of its change before failing.
func TestTallyRollback(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := storetest.NewFixture(t, db)
		db.Now = tallyNow
		clerk, admin := f.Actor("townclerk"), f.Actor("townadmin")
		town, va := f.Town.ID, f.VillageA.ID
		v := mkVolunteer(t, db, va, "甲")
		e := newActivity(f.VillageA, "关爱", "care", "2021-03-05 09:00")
		e.OthersCount = 60
		mustEvent(t, db, clerk, e)
		hc := standaloneHours(t, db, clerk, town, v, "2021-03-06", 120)
		confirm(t, db, admin, "confirm hc", hc.ID)
		hr := standaloneHours(t, db, clerk, town, v, "2021-03-07", 60)
		eh := hoursOnEvent(t, db, clerk, e, v)
		plan := tallyPlanItem(t, db, clerk, f.VillageA, 2021, 3, "三月关爱")
		checkTallies(t, db, "set-up")
		want := map[string]int{guangong.MetricActivities: 1, guangong.MetricLargeActivities: 1, guangong.MetricServiceHours: 2}
		wantSub(t, db, town, 2021, want)
		snap := tallySnapshot(t, db)
		unchanged := func(step string) {
			t.Helper()
			checkTallies(t, db, step)
			if got := tallySnapshot(t, db); got != snap {
				t.Fatalf("%s changed the tallies:\n%s\nwas\n%s", step, got, snap)
			}
			wantSub(t, db, town, 2021, want)
			wantPlan(t, db, town, 2021, 1, 0)
		}

		// UpdateEvent: a stale version, a status moved back, a co-organiser outside scope.
		stale := *e
		during(&stale, "2021-09-05")
		stale.PlanItemID, stale.Version = plan.ID, e.Version+5
		wantCode(t, db.UpdateEvent(ctx, clerk, &stale), guangong.ECONFLICT)
		unchanged("stale UpdateEvent")
		back := *e
		back.Status = guangong.EventPlanned
		wantField(t, db.UpdateEvent(ctx, clerk, &back), "status", "")
		unchanged("UpdateEvent held → planned")
		outside := *e
		outside.CoOrgIDs, outside.PlanItemID = []string{f.OtherTown.ID}, plan.ID
		wantField(t, db.UpdateEvent(ctx, clerk, &outside), "coOrgIds", "")
		unchanged("UpdateEvent with a co-organiser outside scope")

		// Deleting an event with hours, or at a stale version.
		wantCode(t, db.DeleteEvent(ctx, clerk, e.ID, e.Version), guangong.ECONFLICT)
		unchanged("DeleteEvent of an event with hours")
		wantCode(t, db.DeleteEvent(ctx, clerk, e.ID, e.Version+1), guangong.ECONFLICT)
		unchanged("stale DeleteEvent")

		// Confirming a recorded record with one already confirmed: the second fails after
		// the first was confirmed and both were taken out of the figures.
		err := db.ConfirmHours(ctx, admin, []guangong.VersionRef{{ID: hr.ID, Version: hoursOf(t, db, hr.ID).Version},
			{ID: eh.ID, Version: hoursOf(t, db, eh.ID).Version}, {ID: hc.ID, Version: hoursOf(t, db, hc.ID).Version}})
		wantCode(t, err, guangong.EINVALID)
		unchanged("ConfirmHours with an already confirmed record")
		if got := hoursOf(t, db, hr.ID); got.Status != guangong.HoursRecorded {
			t.Fatalf("a refused batch confirmed %+v", got)
		}
		_, err = db.CorrectHours(ctx, admin, hc.ID, guangong.HoursCorrection{Version: hoursOf(t, db, hc.ID).Version,
			ServedOn: "2021-03-06", Minutes: 30, Content: "x"})
		wantField(t, err, "reason", "")
		unchanged("CorrectHours without a reason")
		wantCode(t, db.VoidHours(ctx, admin, hc.ID, 1, "重复"), guangong.ECONFLICT)
		unchanged("stale VoidHours")

		// An import with one bad row writes none.
		good := newActivity(f.VillageA, "导入活动", "care", "2021-03-20 09:00")
		bad := newActivity(f.VillageA, "坏行", "care", "2021-03-21 09:00")
		bad.EndsAt = bad.StartsAt.Add(-time.Hour)
		wantField(t, db.ImportEvents(ctx, clerk, []*guangong.Event{good, bad}), "rows[1].endsAt", "")
		unchanged("ImportEvents with a bad row")

		// Plans: a stale edit, an event of another committee.
		p := *plan
		p.Version, p.Month = plan.Version+1, 9
		wantCode(t, db.UpdatePlanItem(ctx, clerk, &p), guangong.ECONFLICT)
		unchanged("stale UpdatePlanItem")
		townEvent := mustEvent(t, db, clerk, newActivity(f.Town, "镇计划活动", "care", "2021-02-01 09:00"))
		checkTallies(t, db, "create the town's event")
		want[guangong.MetricActivities]++
		snap = tallySnapshot(t, db)
		p = *plan
		p.EventID = townEvent.ID
		wantField(t, db.UpdatePlanItem(ctx, clerk, &p), "eventId", "")
		unchanged("UpdatePlanItem naming another committee's event")

		// A move under the committee's own child, or to a level that cannot hold it.
		townOrg, err := db.FindOrgByID(ctx, sys, town)
		if err != nil {
			t.Fatal(err)
		}
		_, err = db.MoveOrg(ctx, f.Actor("admin"), town, va, townOrg.Version)
		wantField(t, err, "parentId", "")
		unchanged("MoveOrg under its own child")
		if _, err := db.MoveOrg(ctx, f.Actor("admin"), f.VillageB.ID, va, 1); err == nil {
			t.Fatal("a village moved under a village")
		}
		unchanged("MoveOrg under a village")
	})
}

// hoursOnEvent records v's hours in event e (which then cannot be deleted).
func hoursOnEvent(t *testing.T, db *sqlstore.DB, a *guangong.Actor, e *guangong.Event, v string) *guangong.ServiceHours {
	t.Helper()
	h := &guangong.ServiceHours{VolunteerID: v, EventID: e.ID, ServedOn: e.StartsAt.In(guangong.Shanghai).Format(guangong.DateLayout),
		Minutes: 60, Content: e.Title}
	if err := db.RecordHours(ctx, a, h); err != nil {
		t.Fatal(err)
	}
	checkTallies(t, db, "hours on "+e.Title)
	return h
}

// CheckTallies finds each kind of difference a restore or hand-written SQL could leave
// (a figure changed, one missing, one stray; the same for duty rows), with the stored and
// recounted values, and RecountTallies puts them right.
func TestCheckTalliesFindsDifferences(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := storetest.NewFixture(t, db)
		clerk := f.Actor("townclerk")
		mustEvent(t, db, clerk, newActivity(f.VillageA, "宣讲", "moral", "2021-05-05 09:00"))
		post := mustPost(t, db, clerk, f.Town, "duty_group", "值班组")
		shift := mustShift(t, db, clerk, post, at("2021-07-01 08:00"), at("2021-07-01 10:00"), 3)
		v := mustVolunteer(t, db, clerk, newVolunteer(f.Town, "核对", "1955-03-01"))
		assign(t, db, clerk, shift, v.ID, "assign")
		checkTallies(t, db, "kept")
		for _, q := range []string{
			`UPDATE tallies SET n = n + 5 WHERE org_id = '` + f.Town.ID + `' AND ym = 202105 AND metric = 'activities'`,
			`DELETE FROM tallies WHERE org_id = '` + f.County.ID + `' AND ym = 202105 AND metric = 'activities'`,
			`INSERT INTO tallies (org_id, ym, metric, n) VALUES ('` + f.VillageB.ID + `', 202106, 'meetings', 2)`,
			`DELETE FROM duty_tallies WHERE org_id = '` + f.County.ID + `'`,
			`INSERT INTO duty_tallies (org_id, year, kind, volunteer_id, n) VALUES ('` + f.VillageB.ID + `', 2021, 'street', '` + v.ID + `', 1)`,
		} {
			if _, err := db.RawExec(ctx, q); err != nil {
				t.Fatal(err)
			}
		}
		diffs, err := db.CheckTallies(ctx)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for _, d := range diffs {
			got[d.OrgID+" "+d.Key] = fmt.Sprintf("%d→%d", d.Stored, d.Recount)
		}
		want := map[string]string{
			f.Town.ID + " 202105 activities":              "6→1",
			f.County.ID + " 202105 activities":            "0→1",
			f.VillageB.ID + " 202106 meetings":            "2→0",
			f.County.ID + " 2021 duty duty_group " + v.ID: "0→1",
			f.VillageB.ID + " 2021 duty street " + v.ID:   "1→0",
		}
		if len(got) != len(want) {
			t.Errorf("differences %v, want %v", got, want)
		}
		for k, w := range want {
			if got[k] != w {
				t.Errorf("%s: %q, want %q", k, got[k], w)
			}
		}
		if err := db.RecountTallies(ctx); err != nil {
			t.Fatal(err)
		}
		checkTallies(t, db, "recounted")
		wantSub(t, db, f.County.ID, 2021, map[string]int{guangong.MetricActivities: 1, guangong.MetricDutyGroup: 1})
	})
}

// Migration 0011 counts the tallies of a database whose records were written before it:
// co-organised events once per committee above, confirmed hours only.
func TestMigrationCountsExistingRecords(t *testing.T) {
	for _, kind := range []string{"sqlite", "postgres"} {
		t.Run(kind, func(t *testing.T) {
			db, err := sqlstore.Open(storetest.DSN(t, kind), sqlstore.WithDataKey(storetest.DataKey))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			if err := db.MigrateUntil(ctx, "0011"); err != nil {
				t.Fatal(err)
			}
			f := storetest.NewOldFixture(t, db)
			v := mustVolunteer(t, db, f.Actor("townclerk"), newVolunteer(f.Town, "迁移前", "1955-03-01"))
			for i, org := range []string{f.VillageA.ID, f.VillageB.ID} {
				id, day := guangong.NewID(), fmt.Sprintf("2021-03-0%d", i+1)
				at := day + "T01:00:00.000000Z"
				if _, err := db.RawExec(ctx, `INSERT INTO events (id, type, org_id, kind, category, subcategory, title, starts_at,
					ends_at, starts_on, place, host, agenda, minutes, decisions, outcome, status, scale, large, troupe_id,
					youths_served, others_count, audience, headcount, plan_item_id, version, created_at, updated_at)
					VALUES ($1, 'meeting', $2, 'study', '', '', '学习', $3, $3, $4, '', '', '', '', '', '', 'held', '', FALSE, '',
					0, 0, 0, 0, '', 1, $3, $3)`, id, org, at, day); err != nil {
					t.Fatal(err)
				}
				for _, o := range []string{org, f.Town.ID} { // co-organised by the town
					if _, err := db.RawExec(ctx, `INSERT INTO event_orgs (event_id, org_id, starts_on) VALUES ($1, $2, $3)`, id, o, day); err != nil {
						t.Fatal(err)
					}
				}
			}
			for _, h := range []struct {
				status  string
				minutes int
			}{{"confirmed", 90}, {"recorded", 600}} {
				if _, err := db.RawExec(ctx, `INSERT INTO service_hours (id, volunteer_id, org_id, event_id, shift_id, served_on,
					minutes, place, content, status, recorded_by, recorder_name, recorded_at, confirmed_by, confirmed_at,
					supersedes, superseded_by, reason, version, created_at, updated_at)
					VALUES ($1, $2, $3, '', '', '2021-04-01', $4, '', '', $5, '', '', $6, '', '', '', '', '', 1, $6, $6)`,
					guangong.NewID(), v.ID, f.VillageA.ID, h.minutes, h.status, "2021-04-01T01:00:00.000000Z"); err != nil {
					t.Fatal(err)
				}
			}
			if err := db.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			checkTallies(t, db, "after 0011")
			// Migration 0015 gave the organisers' rows their event's start time.
			var off int
			if err := db.RawQueryRow(ctx, `SELECT COUNT(*) FROM event_orgs eo JOIN events e ON e.id = eo.event_id
				WHERE eo.starts_at <> e.starts_at`).Scan(&off); err != nil || off != 0 {
				t.Fatalf("%d organiser rows without their event's start time after 0015 (%v)", off, err)
			}
			for _, org := range []string{f.Town.ID, f.County.ID} {
				wantSub(t, db, org, 2021, map[string]int{guangong.MetricStudySessions: 2, guangong.MetricMeetings: 2,
					guangong.MetricServiceHours: 1})
			}
		})
	}
}
