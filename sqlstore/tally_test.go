package sqlstore_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"guangong"
	"guangong/sqlstore"
	"guangong/sqlstore/storetest"
)

// The subtree tallies are kept by the store's own writes. Every record here is written
// through the store's API (never a raw insert), and after each write the stored tallies
// must equal a recount; at chosen steps the figures a progress page reads from them are
// checked against hand counts too, which a fault shared by the keeping and the recount
// would not pass.

// tallyNow is noon in Shanghai on 2021-12-20: 2021's events can be held, its hours served.
func tallyNow() time.Time { return time.Date(2021, 12, 20, 4, 0, 0, 0, time.UTC) }

// checkTallies fails the test, listing every difference, unless the stored tallies equal a
// recount from the records.
func checkTallies(t *testing.T, db *sqlstore.DB, step string) {
	t.Helper()
	diffs, err := db.CheckTallies(ctx)
	if err != nil {
		t.Fatalf("%s: CheckTallies: %v", step, err)
	}
	if len(diffs) == 0 {
		return
	}
	for _, d := range diffs {
		var name string
		if err := db.RawQueryRow(ctx, `SELECT name FROM orgs WHERE id = $1`, d.OrgID).Scan(&name); err != nil {
			name = "?"
		}
		t.Errorf("%s: tally of %s (%s) %q: stored %d, recount %d", step, name, d.OrgID, d.Key, d.Stored, d.Recount)
	}
	t.Fatalf("%s: %d tally differences", step, len(diffs))
}

// tallySub is committee org's subtree progress for year, read from the tallies.
func tallySub(t *testing.T, db *sqlstore.DB, org string, year int) *guangong.Progress {
	t.Helper()
	p, err := db.Progress(ctx, sys, org, year, true)
	if err != nil {
		t.Fatalf("subtree progress of %s in %d: %v", org, year, err)
	}
	return p
}

// wantSub checks figures of committee org's subtree in year.
func wantSub(t *testing.T, db *sqlstore.DB, org string, year int, want map[string]int) {
	t.Helper()
	wantFigures(t, tallySub(t, db, org, year), want)
}

// wantPlan checks the plan's items and those done in committee org's subtree in year.
func wantPlan(t *testing.T, db *sqlstore.DB, org string, year, items, done int) {
	t.Helper()
	p := tallySub(t, db, org, year)
	if p.PlanCount != items || p.PlanDone != done {
		t.Errorf("%s %d plan: %d done of %d, want %d of %d", p.OrgName, year, p.PlanDone, p.PlanCount, done, items)
	}
}

// wantMonths checks a metric's figures by month (index 1..12) of org's subtree; months
// not named must be 0.
func wantMonths(t *testing.T, db *sqlstore.DB, org string, year int, code string, want map[int]int) {
	t.Helper()
	p := tallySub(t, db, org, year)
	got := figure(t, p, code).ByMonth
	for m := 1; m <= 12; m++ {
		if got[m-1] != want[m] {
			t.Errorf("%s %d %s by month = %v, want %v (months 1..12)", p.OrgName, year, code, got, want)
			return
		}
	}
}

// leavesAgree checks that each committee with nothing below it has the same figures from
// its tallies (subtree) as counted from its records (its own): a check that does not go
// through CheckTallies's recount.
func leavesAgree(t *testing.T, db *sqlstore.DB, year int, step string, leaves ...string) {
	t.Helper()
	for _, org := range leaves {
		sub := tallySub(t, db, org, year)
		own, err := db.Progress(ctx, sys, org, year, false)
		if err != nil {
			t.Fatal(err)
		}
		if sub.PlanCount != own.PlanCount || sub.PlanDone != own.PlanDone {
			t.Errorf("%s: %s plan from tallies %d/%d, from records %d/%d", step, own.OrgName,
				sub.PlanDone, sub.PlanCount, own.PlanDone, own.PlanCount)
		}
		for i, m := range own.Metrics {
			s := sub.Metrics[i]
			if s.Code != m.Code || s.Done != m.Done || fmt.Sprint(s.ByMonth) != fmt.Sprint(m.ByMonth) {
				t.Errorf("%s: %s %s from tallies %d %v, from records %d %v", step, own.OrgName, m.Code,
					s.Done, s.ByMonth, m.Done, m.ByMonth)
			}
		}
	}
}

// tallySnapshot is every stored tally row, in order.
func tallySnapshot(t *testing.T, db *sqlstore.DB) string {
	t.Helper()
	var sb strings.Builder
	for _, q := range []string{
		`SELECT org_id || ' ' || CAST(ym AS TEXT) || ' ' || metric || ' ' || CAST(n AS TEXT) FROM tallies ORDER BY org_id, ym, metric`,
		`SELECT org_id || ' ' || CAST(year AS TEXT) || ' ' || kind || ' ' || volunteer_id || ' ' || CAST(n AS TEXT)
			FROM duty_tallies ORDER BY org_id, year, kind, volunteer_id`,
	} {
		rows, err := db.RawReader().QueryContext(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var s string
			if err := rows.Scan(&s); err != nil {
				t.Fatal(err)
			}
			sb.WriteString(s + "\n")
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
	}
	return sb.String()
}

func updateEvent(t *testing.T, db *sqlstore.DB, a *guangong.Actor, e *guangong.Event, step string) {
	t.Helper()
	if err := db.UpdateEvent(ctx, a, e); err != nil {
		t.Fatalf("%s: update event %s: %v", step, e.Title, err)
	}
	checkTallies(t, db, step)
}

func deleteEvent(t *testing.T, db *sqlstore.DB, a *guangong.Actor, e *guangong.Event, step string) {
	t.Helper()
	if err := db.DeleteEvent(ctx, a, e.ID, e.Version); err != nil {
		t.Fatalf("%s: delete event %s: %v", step, e.Title, err)
	}
	checkTallies(t, db, step)
}

// during moves an event to day (Shanghai), keeping its clock times and length.
func during(e *guangong.Event, day string) {
	d := e.EndsAt.Sub(e.StartsAt)
	e.StartsAt = at(day + " " + e.StartsAt.In(guangong.Shanghai).Format("15:04"))
	e.EndsAt = e.StartsAt.Add(d)
}

func tallyPlanItem(t *testing.T, db *sqlstore.DB, a *guangong.Actor, org *guangong.Org, year, month int, title string) *guangong.PlanItem {
	t.Helper()
	p := &guangong.PlanItem{OrgID: org.ID, Year: year, Month: month, Type: "activity", Category: "care", Title: title}
	if err := db.CreatePlanItem(ctx, a, p); err != nil {
		t.Fatalf("create plan item %s: %v", title, err)
	}
	checkTallies(t, db, "create plan item "+title)
	return p
}

// hoursOf reloads a service-hours record (for its current version).
func hoursOf(t *testing.T, db *sqlstore.DB, id string) *guangong.ServiceHours {
	t.Helper()
	h, err := db.FindHoursByID(ctx, sys, id)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func confirm(t *testing.T, db *sqlstore.DB, a *guangong.Actor, step string, ids ...string) {
	t.Helper()
	var refs []guangong.VersionRef
	for _, id := range ids {
		refs = append(refs, guangong.VersionRef{ID: id, Version: hoursOf(t, db, id).Version})
	}
	if err := db.ConfirmHours(ctx, a, refs); err != nil {
		t.Fatalf("%s: confirm hours: %v", step, err)
	}
	checkTallies(t, db, step)
}

func standaloneHours(t *testing.T, db *sqlstore.DB, a *guangong.Actor, org, volunteer, day string, minutes int) *guangong.ServiceHours {
	t.Helper()
	h := &guangong.ServiceHours{VolunteerID: volunteer, OrgID: org, ServedOn: day, Minutes: minutes, Place: "村委会", Content: "政策宣讲"}
	if err := db.RecordHours(ctx, a, h); err != nil {
		t.Fatalf("record hours: %v", err)
	}
	checkTallies(t, db, "record hours on "+day)
	return h
}

func assign(t *testing.T, db *sqlstore.DB, a *guangong.Actor, s *guangong.Shift, volunteer, step string) *guangong.ShiftVolunteer {
	t.Helper()
	x, err := db.AssignShift(ctx, a, s.ID, volunteer)
	if err != nil {
		t.Fatalf("%s: assign: %v", step, err)
	}
	checkTallies(t, db, step)
	return x
}

func TestTallyEvents(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := storetest.NewFixture(t, db)
		db.Now = tallyNow
		clerk := f.Actor("townclerk")
		county, town, va, vb, school, other := f.County.ID, f.Town.ID, f.VillageA.ID, f.VillageB.ID, f.School.ID, f.OtherTown.ID
		leaves := []string{va, vb, school, other}
		checkTallies(t, db, "fixture")

		// A large lecture hosted by village A and co-organised by the town and village B:
		// counted once in each subtree that holds any of its organisers.
		lec := newActivity(f.VillageA, "宣讲", "moral", "2021-05-01 09:00")
		lec.Subcategory, lec.OthersCount, lec.CoOrgIDs = "lecture", 60, []string{town, vb}
		mustEvent(t, db, clerk, lec)
		checkTallies(t, db, "create the lecture")
		if !lec.Large {
			t.Fatal("60 people: not large")
		}
		for _, org := range []string{county, town, va, vb} {
			wantSub(t, db, org, 2021, map[string]int{guangong.MetricActivities: 1, guangong.MetricLargeActivities: 1,
				guangong.MetricLectures: 1, guangong.MetricCentralWork: 0})
		}
		wantSub(t, db, school, 2021, map[string]int{guangong.MetricActivities: 0})
		wantSub(t, db, other, 2021, map[string]int{guangong.MetricActivities: 0})
		wantMonths(t, db, town, 2021, guangong.MetricLectures, map[int]int{5: 1})
		leavesAgree(t, db, 2021, "create", leaves...)

		// Another month and another category.
		during(lec, "2021-08-15")
		lec.Category, lec.Subcategory = "central", "sanitation"
		updateEvent(t, db, clerk, lec, "lecture to August, central work")
		wantSub(t, db, town, 2021, map[string]int{guangong.MetricActivities: 1, guangong.MetricLargeActivities: 1,
			guangong.MetricLectures: 0, guangong.MetricCentralWork: 1})
		wantMonths(t, db, town, 2021, guangong.MetricActivities, map[int]int{8: 1})
		wantMonths(t, db, county, 2021, guangong.MetricCentralWork, map[int]int{8: 1})

		// Other co-organisers: village B leaves, the school joins; then another host.
		lec.CoOrgIDs = []string{school}
		updateEvent(t, db, clerk, lec, "co-organisers: the school for the town and village B")
		wantSub(t, db, vb, 2021, map[string]int{guangong.MetricActivities: 0})
		wantSub(t, db, school, 2021, map[string]int{guangong.MetricActivities: 1, guangong.MetricCentralWork: 1})
		wantSub(t, db, town, 2021, map[string]int{guangong.MetricActivities: 1})
		lec.OrgID = vb
		updateEvent(t, db, clerk, lec, "host: village B for village A")
		wantSub(t, db, va, 2021, map[string]int{guangong.MetricActivities: 0})
		wantSub(t, db, vb, 2021, map[string]int{guangong.MetricActivities: 1})
		wantSub(t, db, town, 2021, map[string]int{guangong.MetricActivities: 1, guangong.MetricLargeActivities: 1})
		leavesAgree(t, db, 2021, "after the edits", leaves...)

		// Planned counts nowhere; held counts; recorded still counts once.
		study := newMeeting(f.VillageB, "集中学习", "2021-11-10 09:00")
		study.Kind, study.Status = "study", guangong.EventPlanned
		mustEvent(t, db, clerk, study)
		checkTallies(t, db, "create a planned meeting")
		wantSub(t, db, town, 2021, map[string]int{guangong.MetricMeetings: 0, guangong.MetricStudySessions: 0})
		study.Status = guangong.EventHeld
		updateEvent(t, db, clerk, study, "planned → held")
		wantSub(t, db, town, 2021, map[string]int{guangong.MetricMeetings: 1, guangong.MetricStudySessions: 1})
		study.Status = guangong.EventRecorded
		updateEvent(t, db, clerk, study, "held → recorded")
		wantSub(t, db, county, 2021, map[string]int{guangong.MetricMeetings: 1, guangong.MetricStudySessions: 1})
		wantMonths(t, db, county, 2021, guangong.MetricMeetings, map[int]int{11: 1})

		// A summed figure (examinees served) follows a change of its count.
		exam := newActivity(f.School, "中考护考", "service", "2021-06-07 07:00")
		exam.Subcategory, exam.YouthsServed = "exam_guard", 400
		mustEvent(t, db, clerk, exam)
		checkTallies(t, db, "create the exam-day duty")
		wantSub(t, db, town, 2021, map[string]int{guangong.MetricExamServed: 400, guangong.MetricLargeActivities: 2})
		exam.YouthsServed = 35 // 35 people: no longer large either
		updateEvent(t, db, clerk, exam, "examinees 400 → 35")
		wantSub(t, db, town, 2021, map[string]int{guangong.MetricExamServed: 35, guangong.MetricLargeActivities: 1,
			guangong.MetricActivities: 2})

		// A performance's scale decides its figures and its large flag.
		perf := newActivity(f.VillageA, "重阳汇演", "performance", "2021-10-14 19:00")
		perf.Scale, perf.Audience = "small", 800
		mustEvent(t, db, clerk, perf)
		checkTallies(t, db, "create a small performance")
		wantSub(t, db, town, 2021, map[string]int{guangong.MetricPerformancesSmall: 1, guangong.MetricPerformancesLarge: 0,
			guangong.MetricLargeActivities: 1})
		perf.Scale = "large"
		updateEvent(t, db, clerk, perf, "small → large performance")
		wantSub(t, db, town, 2021, map[string]int{guangong.MetricPerformancesSmall: 0, guangong.MetricPerformancesLarge: 1,
			guangong.MetricLargeActivities: 2, guangong.MetricActivities: 3})

		// Hosted outside the town, co-organised by village A: in the town's subtree until
		// village A leaves it.
		speech := newActivity(f.OtherTown, "演讲比赛", "moral", "2021-03-03 09:00")
		speech.Subcategory, speech.CoOrgIDs = "speech", []string{va}
		mustEvent(t, db, sys, speech)
		checkTallies(t, db, "create an event of the other town with village A")
		for _, org := range []string{county, town, va, other} {
			wantSub(t, db, org, 2021, map[string]int{guangong.MetricSpeeches: 1})
		}
		speech.CoOrgIDs = nil
		updateEvent(t, db, sys, speech, "village A leaves the other town's event")
		wantSub(t, db, town, 2021, map[string]int{guangong.MetricSpeeches: 0, guangong.MetricActivities: 3})
		wantSub(t, db, county, 2021, map[string]int{guangong.MetricSpeeches: 1, guangong.MetricActivities: 4})

		// Into another year: 2021's figures lose it, 2020's gain it.
		during(lec, "2020-12-30")
		updateEvent(t, db, clerk, lec, "lecture to 2020")
		wantSub(t, db, town, 2021, map[string]int{guangong.MetricCentralWork: 0, guangong.MetricActivities: 2})
		wantSub(t, db, town, 2020, map[string]int{guangong.MetricCentralWork: 1, guangong.MetricLargeActivities: 1})
		yt, err := db.ProgressYears(ctx, sys, town, 2020, 2021, true)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range yt.Rows {
			if r.Code == guangong.MetricActivities && (r.ByYear[0] != 1 || r.ByYear[1] != 2 || r.Total != 3) {
				t.Errorf("town's activities by year = %v (total %d), want [1 2] 3", r.ByYear, r.Total)
			}
		}
		leavesAgree(t, db, 2020, "2020", leaves...)
		leavesAgree(t, db, 2021, "2021", leaves...)

		// Deleting takes everything out.
		for _, e := range []*guangong.Event{lec, study, exam, perf} {
			deleteEvent(t, db, clerk, e, "delete "+e.Title)
		}
		deleteEvent(t, db, sys, speech, "delete "+speech.Title)
		for _, year := range []int{2020, 2021} {
			for _, org := range []string{county, town, vb} {
				wantSub(t, db, org, year, map[string]int{guangong.MetricActivities: 0, guangong.MetricMeetings: 0,
					guangong.MetricLargeActivities: 0, guangong.MetricCentralWork: 0, guangong.MetricExamServed: 0})
			}
		}
	})
}

func TestTallyPlans(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := storetest.NewFixture(t, db)
		db.Now = tallyNow
		clerk := f.Actor("townclerk")
		county, town, va, vb := f.County.ID, f.Town.ID, f.VillageA.ID, f.VillageB.ID
		leaves := []string{va, vb, f.School.ID, f.OtherTown.ID}
		checkTallies(t, db, "fixture")

		p1 := tallyPlanItem(t, db, clerk, f.VillageA, 2021, 3, "三月关爱")
		p2 := tallyPlanItem(t, db, clerk, f.VillageB, 2021, 4, "四月关爱")
		p3 := tallyPlanItem(t, db, clerk, f.Town, 2021, 5, "五月关爱")
		p4 := tallyPlanItem(t, db, clerk, f.VillageA, 2021, 6, "六月关爱")
		wantPlan(t, db, town, 2021, 4, 0)
		wantPlan(t, db, county, 2021, 4, 0)
		wantPlan(t, db, va, 2021, 2, 0)

		// An event that names p1 carries it out.
		e1 := newActivity(f.VillageA, "三月关爱活动", "care", "2021-03-05 09:00")
		e1.PlanItemID = p1.ID
		mustEvent(t, db, clerk, e1)
		checkTallies(t, db, "create an event carrying out p1")
		wantPlan(t, db, town, 2021, 4, 1)
		wantPlan(t, db, va, 2021, 2, 1)

		// p2 names a held event.
		e2 := mustEvent(t, db, clerk, newActivity(f.VillageB, "四月关爱活动", "care", "2021-04-05 09:00"))
		checkTallies(t, db, "create e2")
		p2.EventID = e2.ID
		if err := db.UpdatePlanItem(ctx, clerk, p2); err != nil {
			t.Fatal(err)
		}
		checkTallies(t, db, "p2 names e2")
		wantPlan(t, db, town, 2021, 4, 2)
		wantPlan(t, db, vb, 2021, 1, 1)

		// p3 names a planned event: done once the event is held.
		e3 := newActivity(f.Town, "五月关爱活动", "care", "2021-05-05 09:00")
		e3.Status = guangong.EventPlanned
		mustEvent(t, db, clerk, e3)
		p3.EventID = e3.ID
		if err := db.UpdatePlanItem(ctx, clerk, p3); err != nil {
			t.Fatal(err)
		}
		checkTallies(t, db, "p3 names planned e3")
		wantPlan(t, db, town, 2021, 4, 2)
		e3.Status = guangong.EventHeld
		updateEvent(t, db, clerk, e3, "e3 held")
		wantPlan(t, db, town, 2021, 4, 3)

		// e1 carries out p4 instead of p1; then p2 moves to September, then to 2022.
		e1.PlanItemID = p4.ID
		updateEvent(t, db, clerk, e1, "e1 from p1 to p4")
		wantPlan(t, db, town, 2021, 4, 3)
		if got, _ := db.FindPlanItem(ctx, clerk, p1.ID); got == nil || got.Done {
			t.Errorf("p1 still done: %+v", got)
		}
		p2.Month = 9
		if err := db.UpdatePlanItem(ctx, clerk, p2); err != nil {
			t.Fatal(err)
		}
		checkTallies(t, db, "p2 to September")
		p2.Year = 2022
		if err := db.UpdatePlanItem(ctx, clerk, p2); err != nil {
			t.Fatal(err)
		}
		checkTallies(t, db, "p2 to 2022")
		wantPlan(t, db, town, 2021, 3, 2)
		wantPlan(t, db, town, 2022, 1, 1)
		wantPlan(t, db, county, 2022, 1, 1)
		leavesAgree(t, db, 2021, "2021 plans", leaves...)
		leavesAgree(t, db, 2022, "2022 plans", leaves...)

		// Deleting the event p2 names undoes p2; deleting items and the event naming p4.
		deleteEvent(t, db, clerk, e2, "delete e2, named by p2")
		wantPlan(t, db, town, 2022, 1, 0)
		if got, _ := db.FindPlanItem(ctx, clerk, p2.ID); got == nil || got.EventID != "" {
			t.Errorf("p2 after its event was deleted: %+v", got)
		}
		p3, err := db.FindPlanItem(ctx, clerk, p3.ID)
		if err != nil {
			t.Fatal(err)
		}
		if err := db.DeletePlanItem(ctx, clerk, p3.ID, p3.Version); err != nil {
			t.Fatal(err)
		}
		checkTallies(t, db, "delete p3")
		wantPlan(t, db, town, 2021, 2, 1) // p1, and p4 done by e1
		deleteEvent(t, db, clerk, e1, "delete e1, which names p4")
		wantPlan(t, db, town, 2021, 2, 0)
		deleteEvent(t, db, clerk, e3, "delete e3, named by the deleted p3")
		if err := db.DeletePlanItem(ctx, clerk, p4.ID, p4.Version); err != nil {
			t.Fatal(err)
		}
		checkTallies(t, db, "delete p4")
		wantPlan(t, db, town, 2021, 1, 0)
		wantPlan(t, db, va, 2021, 1, 0)
		leavesAgree(t, db, 2021, "end", leaves...)
	})
}

func TestTallyHours(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := storetest.NewFixture(t, db)
		db.Now = tallyNow
		clerk, admin := f.Actor("townclerk"), f.Actor("townadmin")
		county, town, va, vb := f.County.ID, f.Town.ID, f.VillageA.ID, f.VillageB.ID
		leaves := []string{va, vb, f.School.ID, f.OtherTown.ID}
		v1, v2 := mkVolunteer(t, db, va, "甲"), mkVolunteer(t, db, vb, "乙")
		checkTallies(t, db, "fixture")

		// Recorded hours count nowhere until confirmed.
		h1 := standaloneHours(t, db, clerk, va, v1, "2021-03-10", 90)
		h2 := standaloneHours(t, db, clerk, vb, v2, "2021-03-11", 45)
		ev := newActivity(f.Town, "清明祭扫", "moral", "2021-04-04 08:00") // three hours
		ev.Subcategory = "qingming"
		mustEvent(t, db, clerk, ev)
		rows, err := db.RecordHoursBatch(ctx, clerk, &guangong.HoursBatch{EventID: ev.ID, OrgID: town, ServedOn: "2021-04-04",
			Content: "清明祭扫讲解", Entries: []guangong.HoursEntry{{VolunteerID: v1, Minutes: 150}, {VolunteerID: v2, Minutes: 120}}})
		if err != nil || len(rows) != 2 {
			t.Fatalf("batch: %v %v", rows, err)
		}
		checkTallies(t, db, "record a batch")
		wantSub(t, db, town, 2021, map[string]int{guangong.MetricServiceHours: 0})

		confirm(t, db, admin, "confirm h1 and the batch", h1.ID, rows[0].ID, rows[1].ID)
		wantSub(t, db, town, 2021, map[string]int{guangong.MetricServiceHours: 6}) // 90+150+120 minutes
		wantSub(t, db, county, 2021, map[string]int{guangong.MetricServiceHours: 6})
		wantSub(t, db, va, 2021, map[string]int{guangong.MetricServiceHours: 1})
		wantSub(t, db, vb, 2021, map[string]int{guangong.MetricServiceHours: 0})
		wantMonths(t, db, town, 2021, guangong.MetricServiceHours, map[int]int{3: 1, 4: 4})

		// A correction of a confirmed record supersedes it (another month, more minutes).
		nh, err := db.CorrectHours(ctx, admin, h1.ID, guangong.HoursCorrection{Version: hoursOf(t, db, h1.ID).Version,
			ServedOn: "2021-05-10", Minutes: 150, Content: "政策宣讲", Reason: "日期记错"})
		if err != nil {
			t.Fatal(err)
		}
		checkTallies(t, db, "correct h1")
		if nh.Status != guangong.HoursConfirmed {
			t.Fatalf("correction %+v", nh)
		}
		wantSub(t, db, town, 2021, map[string]int{guangong.MetricServiceHours: 7}) // 150+270
		wantSub(t, db, va, 2021, map[string]int{guangong.MetricServiceHours: 2})
		wantMonths(t, db, town, 2021, guangong.MetricServiceHours, map[int]int{4: 4, 5: 2})

		// Voiding a confirmed record takes it out; voiding a recorded one changes nothing.
		if err := db.VoidHours(ctx, admin, rows[1].ID, hoursOf(t, db, rows[1].ID).Version, "重复记录"); err != nil {
			t.Fatal(err)
		}
		checkTallies(t, db, "void a confirmed batch row")
		wantSub(t, db, town, 2021, map[string]int{guangong.MetricServiceHours: 5}) // 150+150
		if err := db.VoidHours(ctx, admin, h2.ID, hoursOf(t, db, h2.ID).Version, "误录"); err != nil {
			t.Fatal(err)
		}
		checkTallies(t, db, "void a recorded record")
		wantSub(t, db, town, 2021, map[string]int{guangong.MetricServiceHours: 5})

		// A correction of a recorded record stays recorded until confirmed.
		h3 := standaloneHours(t, db, clerk, town, v2, "2021-09-01", 60)
		n3, err := db.CorrectHours(ctx, admin, h3.ID, guangong.HoursCorrection{Version: h3.Version,
			ServedOn: "2021-09-01", Minutes: 90, Content: "政策宣讲", Reason: "补记"})
		if err != nil {
			t.Fatal(err)
		}
		checkTallies(t, db, "correct a recorded record")
		wantSub(t, db, town, 2021, map[string]int{guangong.MetricServiceHours: 5})
		confirm(t, db, admin, "confirm the correction", n3.ID)
		wantSub(t, db, town, 2021, map[string]int{guangong.MetricServiceHours: 6}) // 150+150+90
		wantMonths(t, db, town, 2021, guangong.MetricServiceHours, map[int]int{4: 2, 5: 2, 9: 1})
		leavesAgree(t, db, 2021, "hours", leaves...)
	})
}

func TestTallyDuty(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := storetest.NewFixture(t, db)
		set := dutyClock(db, tallyNow())
		clerk := f.Actor("townclerk")
		county, town, vb := f.County.ID, f.Town.ID, f.VillageB.ID
		leaves := []string{f.VillageA.ID, vb, f.School.ID, f.OtherTown.ID}
		v1, v2, v3 := mkVolunteer(t, db, town, "甲"), mkVolunteer(t, db, town, "乙"), mkVolunteer(t, db, vb, "丙")
		checkTallies(t, db, "fixture")

		group := mustPost(t, db, clerk, f.Town, "duty_group", "镇值班组")
		street := mustPost(t, db, clerk, f.VillageB, "street", "白沙老街")
		s1 := mustShift(t, db, clerk, group, at("2021-07-01 08:00"), at("2021-07-01 12:00"), 5)
		s2 := mustShift(t, db, clerk, group, at("2021-08-01 08:00"), at("2021-08-01 12:00"), 5)
		s3 := mustShift(t, db, clerk, street, at("2021-03-01 18:00"), at("2021-03-01 20:00"), 5)
		checkTallies(t, db, "posts and shifts")

		assign(t, db, clerk, s1, v1, "v1 on s1")
		x12 := assign(t, db, clerk, s1, v2, "v2 on s1")
		x21 := assign(t, db, clerk, s2, v1, "v1 on s2")
		assign(t, db, clerk, s3, v3, "v3 on the street")
		for _, org := range []string{county, town} {
			wantSub(t, db, org, 2021, map[string]int{guangong.MetricDutyGroup: 2, guangong.MetricStreetChiefs: 1})
		}
		wantSub(t, db, vb, 2021, map[string]int{guangong.MetricDutyGroup: 0, guangong.MetricStreetChiefs: 1})

		// v1 leaves one of its two shifts and still counts; v2 leaves its only one.
		if err := db.WithdrawShift(ctx, clerk, x21.ID); err != nil {
			t.Fatal(err)
		}
		checkTallies(t, db, "v1 withdraws from s2")
		wantSub(t, db, town, 2021, map[string]int{guangong.MetricDutyGroup: 2})
		if err := db.WithdrawShift(ctx, clerk, x12.ID); err != nil {
			t.Fatal(err)
		}
		checkTallies(t, db, "v2 withdraws from s1")
		wantSub(t, db, town, 2021, map[string]int{guangong.MetricDutyGroup: 1})

		// s1 moves into 2022, then its post becomes a street.
		s1.StartsAt, s1.EndsAt = at("2022-01-05 08:00"), at("2022-01-05 12:00")
		if err := db.UpdateShift(ctx, clerk, s1); err != nil {
			t.Fatal(err)
		}
		checkTallies(t, db, "s1 into 2022")
		wantSub(t, db, town, 2021, map[string]int{guangong.MetricDutyGroup: 0, guangong.MetricStreetChiefs: 1})
		wantSub(t, db, town, 2022, map[string]int{guangong.MetricDutyGroup: 1, guangong.MetricStreetChiefs: 0})
		group.Kind = "street"
		if err := db.UpdateDutyPost(ctx, clerk, group, false); err != nil {
			t.Fatal(err)
		}
		checkTallies(t, db, "the duty group's post becomes a street")
		wantSub(t, db, county, 2022, map[string]int{guangong.MetricDutyGroup: 0, guangong.MetricStreetChiefs: 1})
		leavesAgree(t, db, 2021, "duty 2021", leaves...)

		// A volunteer's own account signs up, checks in and out; the hours count once confirmed.
		v4 := mkVolunteer(t, db, vb, "丁")
		vol, err := db.FindVolunteerByID(ctx, sys, v4)
		if err != nil {
			t.Fatal(err)
		}
		acct := volunteerAccount(t, db, f, "ding", f.VillageB, vol)
		s4 := mustShift(t, db, clerk, street, at("2021-12-20 09:00"), at("2021-12-20 11:00"), 2)
		set(at("2021-12-20 08:00"))
		x4, err := db.SignUpShift(ctx, acct, s4.ID)
		if err != nil {
			t.Fatal(err)
		}
		checkTallies(t, db, "v4 signs up")
		wantSub(t, db, vb, 2021, map[string]int{guangong.MetricStreetChiefs: 2})
		wantSub(t, db, town, 2021, map[string]int{guangong.MetricStreetChiefs: 2})
		set(at("2021-12-20 09:05"))
		if _, err := db.CheckIn(ctx, acct, street.QRToken, x4.ID); err != nil {
			t.Fatal(err)
		}
		checkTallies(t, db, "check in")
		set(at("2021-12-20 11:00"))
		out, err := db.CheckOut(ctx, acct, street.QRToken, x4.ID)
		if err != nil {
			t.Fatal(err)
		}
		checkTallies(t, db, "check out")
		if out.HoursMinutes != 115 || out.HoursStatus != guangong.HoursRecorded {
			t.Fatalf("check-out wrote %d minutes, %s", out.HoursMinutes, out.HoursStatus)
		}
		wantSub(t, db, town, 2021, map[string]int{guangong.MetricServiceHours: 0})
		list, _, err := db.FindHours(ctx, sys, guangong.HoursFilter{ShiftID: &s4.ID})
		if err != nil || len(list) != 1 {
			t.Fatalf("the check-out's hours: %v %v", list, err)
		}
		confirm(t, db, f.Actor("townadmin"), "confirm the check-out's hours", list[0].ID)
		wantSub(t, db, vb, 2021, map[string]int{guangong.MetricServiceHours: 1})
		wantSub(t, db, town, 2021, map[string]int{guangong.MetricServiceHours: 1})
		wantMonths(t, db, county, 2021, guangong.MetricServiceHours, map[int]int{12: 1})
		// A place checked in to cannot be withdrawn: the figures stay.
		wantCode(t, db.WithdrawShift(ctx, clerk, x4.ID), guangong.EINVALID)
		checkTallies(t, db, "refused withdrawal")
		wantSub(t, db, town, 2021, map[string]int{guangong.MetricStreetChiefs: 2})
		leavesAgree(t, db, 2021, "duty end", leaves...)
		leavesAgree(t, db, 2022, "duty end 2022", leaves...)
	})
}

func TestTallyLargeRule(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := storetest.NewFixture(t, db)
		db.Now = tallyNow
		clerk, townadmin := f.Actor("townclerk"), f.Actor("townadmin")
		county, town, va, vb := f.County.ID, f.Town.ID, f.VillageA.ID, f.VillageB.ID
		m := newMeeting(f.VillageA, "村推进会", "2021-03-02 09:00")
		m.OthersCount = 20
		a := newActivity(f.VillageB, "关爱", "care", "2021-04-02 09:00")
		a.OthersCount = 40
		own := newActivity(f.Town, "镇关爱", "care", "2021-05-02 09:00")
		own.OthersCount = 40
		perf := newActivity(f.VillageA, "小型汇演", "performance", "2021-06-01 19:00")
		perf.Scale, perf.Audience = "small", 300
		for _, e := range []*guangong.Event{m, a, own, perf} {
			mustEvent(t, db, clerk, e)
		}
		checkTallies(t, db, "events")
		wantSub(t, db, town, 2021, map[string]int{guangong.MetricLargeMeetings: 0, guangong.MetricLargeActivities: 0})

		// The town's rule makes its villages' meeting and activity large, not its own event.
		r := &guangong.LargeRule{OrgID: town, MeetingMin: 10, ActivityMin: 30}
		if err := db.SetLargeRule(ctx, townadmin, r); err != nil {
			t.Fatal(err)
		}
		checkTallies(t, db, "the town's rule 10/30")
		if r.Recomputed != 2 {
			t.Errorf("recomputed %d events, want 2", r.Recomputed)
		}
		for _, org := range []string{county, town} {
			wantSub(t, db, org, 2021, map[string]int{guangong.MetricLargeMeetings: 1, guangong.MetricLargeActivities: 1})
		}
		wantSub(t, db, va, 2021, map[string]int{guangong.MetricLargeMeetings: 1, guangong.MetricLargeActivities: 0})
		wantSub(t, db, vb, 2021, map[string]int{guangong.MetricLargeMeetings: 0, guangong.MetricLargeActivities: 1})
		wantMonths(t, db, town, 2021, guangong.MetricLargeActivities, map[int]int{4: 1})

		// Raised again: both drop out.
		r.MeetingMin, r.ActivityMin = 25, 45
		if err := db.SetLargeRule(ctx, townadmin, r); err != nil {
			t.Fatal(err)
		}
		checkTallies(t, db, "the town's rule 25/45")
		wantSub(t, db, town, 2021, map[string]int{guangong.MetricLargeMeetings: 0, guangong.MetricLargeActivities: 0})

		// The county's rule decides for the town's own event; the villages keep the town's.
		cr := &guangong.LargeRule{OrgID: county, MeetingMin: 5, ActivityMin: 5}
		if err := db.SetLargeRule(ctx, sys, cr); err != nil {
			t.Fatal(err)
		}
		checkTallies(t, db, "the county's rule 5/5")
		if cr.Recomputed != 1 {
			t.Errorf("county's rule recomputed %d events, want 1", cr.Recomputed)
		}
		wantSub(t, db, town, 2021, map[string]int{guangong.MetricLargeMeetings: 0, guangong.MetricLargeActivities: 1})
		wantMonths(t, db, county, 2021, guangong.MetricLargeActivities, map[int]int{5: 1})
		leavesAgree(t, db, 2021, "large rule", va, vb, f.School.ID, f.OtherTown.ID)
	})
}

func TestTallyMoveOrg(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := storetest.NewFixture(t, db)
		db.Now = tallyNow
		clerk, townadmin, otheradmin := f.Actor("townclerk"), f.Actor("townadmin"), f.Actor("otheradmin")
		county, town, other, va, vb := f.County.ID, f.Town.ID, f.OtherTown.ID, f.VillageA.ID, f.VillageB.ID

		// Village B's records of every kind, and the town's and the other town's own.
		plan := tallyPlanItem(t, db, clerk, f.VillageB, 2021, 4, "四月关爱")
		tallyPlanItem(t, db, clerk, f.VillageB, 2021, 8, "八月关爱")
		e1 := newActivity(f.VillageB, "白沙关爱", "care", "2021-04-10 09:00")
		e1.OthersCount, e1.PlanItemID = 60, plan.ID
		e2 := newActivity(f.VillageA, "联合宣讲", "moral", "2021-05-10 09:00")
		e2.Subcategory, e2.CoOrgIDs = "lecture", []string{vb}
		e3 := newMeeting(f.VillageB, "白沙学习会", "2021-06-10 09:00")
		e3.Kind, e3.CoOrgIDs = "study", []string{town}
		e4 := newMeeting(f.Town, "全镇推进会", "2021-02-01 09:00")
		for _, e := range []*guangong.Event{e1, e2, e3, e4} {
			mustEvent(t, db, clerk, e)
		}
		mustEvent(t, db, otheradmin, newActivity(f.OtherTown, "龙潭关爱", "care", "2021-09-01 09:00"))
		vBee, vTown := mkVolunteer(t, db, vb, "白沙志愿者"), mkVolunteer(t, db, town, "镇志愿者")
		h := standaloneHours(t, db, clerk, vb, vBee, "2021-07-01", 120)
		confirm(t, db, townadmin, "confirm village B's hours", h.ID)
		streetPost := mustPost(t, db, clerk, f.VillageB, "street", "白沙老街")
		groupPost := mustPost(t, db, clerk, f.Town, "duty_group", "镇值班组")
		assign(t, db, clerk, mustShift(t, db, clerk, streetPost, at("2021-03-01 18:00"), at("2021-03-01 20:00"), 3), vBee, "street chief")
		assign(t, db, clerk, mustShift(t, db, clerk, groupPost, at("2021-03-02 08:00"), at("2021-03-02 12:00"), 3), vTown, "duty group")
		checkTallies(t, db, "before the move")

		before := map[string]int{guangong.MetricActivities: 2, guangong.MetricLargeActivities: 1, guangong.MetricLectures: 1,
			guangong.MetricMeetings: 2, guangong.MetricStudySessions: 1, guangong.MetricServiceHours: 2,
			guangong.MetricStreetChiefs: 1, guangong.MetricDutyGroup: 1}
		wantSub(t, db, town, 2021, before)
		wantPlan(t, db, town, 2021, 2, 1)
		wantSub(t, db, other, 2021, map[string]int{guangong.MetricActivities: 1, guangong.MetricLargeActivities: 0,
			guangong.MetricMeetings: 0, guangong.MetricServiceHours: 0, guangong.MetricStreetChiefs: 0})
		wantPlan(t, db, other, 2021, 0, 0)
		countyFigures := map[string]int{guangong.MetricActivities: 3, guangong.MetricLargeActivities: 1,
			guangong.MetricMeetings: 2, guangong.MetricServiceHours: 2, guangong.MetricStreetChiefs: 1, guangong.MetricDutyGroup: 1}
		wantSub(t, db, county, 2021, countyFigures)
		countySnap := tallySub(t, db, county, 2021)
		vbSnap := tallySub(t, db, vb, 2021)

		// Village B moves to the other town.
		vbOrg, err := db.FindOrgByID(ctx, sys, vb)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.MoveOrg(ctx, f.Actor("admin"), vb, other, vbOrg.Version); err != nil {
			t.Fatal(err)
		}
		checkTallies(t, db, "village B moved to the other town")
		// The town keeps the lecture (hosted by village A) and the study meeting (it co-organised).
		wantSub(t, db, town, 2021, map[string]int{guangong.MetricActivities: 1, guangong.MetricLargeActivities: 0,
			guangong.MetricLectures: 1, guangong.MetricMeetings: 2, guangong.MetricStudySessions: 1,
			guangong.MetricServiceHours: 0, guangong.MetricStreetChiefs: 0, guangong.MetricDutyGroup: 1})
		wantPlan(t, db, town, 2021, 0, 0)
		wantSub(t, db, other, 2021, map[string]int{guangong.MetricActivities: 3, guangong.MetricLargeActivities: 1,
			guangong.MetricLectures: 1, guangong.MetricMeetings: 1, guangong.MetricStudySessions: 1,
			guangong.MetricServiceHours: 2, guangong.MetricStreetChiefs: 1, guangong.MetricDutyGroup: 0})
		wantPlan(t, db, other, 2021, 2, 1)
		wantMonths(t, db, other, 2021, guangong.MetricActivities, map[int]int{4: 1, 5: 1, 9: 1})
		// Neither the county (above both) nor village B itself changes.
		wantSub(t, db, county, 2021, countyFigures)
		for _, c := range []struct {
			org  string
			want *guangong.Progress
		}{{county, countySnap}, {vb, vbSnap}} {
			got := tallySub(t, db, c.org, 2021)
			if fmt.Sprint(metricsOf(got)) != fmt.Sprint(metricsOf(c.want)) || got.PlanCount != c.want.PlanCount ||
				got.PlanDone != c.want.PlanDone {
				t.Errorf("%s changed with the move: %v, was %v", got.OrgName, metricsOf(got), metricsOf(c.want))
			}
		}
		leavesAgree(t, db, 2021, "after the move", va, vb, f.School.ID)

		// Writes after the move count for the new parent.
		h2 := standaloneHours(t, db, otheradmin, vb, vBee, "2021-10-01", 60)
		confirm(t, db, otheradmin, "confirm hours after the move", h2.ID)
		wantSub(t, db, other, 2021, map[string]int{guangong.MetricServiceHours: 3})
		wantSub(t, db, town, 2021, map[string]int{guangong.MetricServiceHours: 0})
		e1.Status = guangong.EventRecorded
		e1.OthersCount = 10 // no longer large
		updateEvent(t, db, otheradmin, e1, "edit village B's event after the move")
		wantSub(t, db, other, 2021, map[string]int{guangong.MetricLargeActivities: 0, guangong.MetricActivities: 3})

		// And back: the town has village B's figures again, with the new hours.
		vbOrg, err = db.FindOrgByID(ctx, sys, vb)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.MoveOrg(ctx, f.Actor("admin"), vb, town, vbOrg.Version); err != nil {
			t.Fatal(err)
		}
		checkTallies(t, db, "village B moved back")
		before[guangong.MetricServiceHours], before[guangong.MetricLargeActivities] = 3, 0
		wantSub(t, db, town, 2021, before)
		wantPlan(t, db, town, 2021, 2, 1)
		wantSub(t, db, other, 2021, map[string]int{guangong.MetricActivities: 1, guangong.MetricMeetings: 0,
			guangong.MetricServiceHours: 0, guangong.MetricStreetChiefs: 0})
		wantPlan(t, db, other, 2021, 0, 0)
		leavesAgree(t, db, 2021, "moved back", va, vb, f.School.ID, other)
	})
}
