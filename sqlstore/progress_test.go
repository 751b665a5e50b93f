package sqlstore_test

import (
	"fmt"
	"testing"
	"time"

	"guangong"
	"guangong/sqlstore"
	"guangong/sqlstore/storetest"
)

// ev is an event row written straight into the tables the events area keeps, so the
// progress figures can be tested on exactly the rows they count.
type ev struct {
	org                                string
	co                                 []string // co-organisers besides the host
	typ, kind, cat, sub, scale, status string
	on                                 string // Shanghai date
	large                              bool
	youths                             int
	planItem                           string
}

func addEvent(t testing.TB, db *sqlstore.DB, e ev) string {
	t.Helper()
	id := guangong.NewID()
	if e.status == "" {
		e.status = "held"
	}
	at := e.on + "T01:00:00.000000Z"
	if _, err := db.RawExec(ctx, `INSERT INTO events (id, type, org_id, kind, category, subcategory, title, starts_at, ends_at,
		starts_on, place, host, agenda, minutes, decisions, outcome, status, scale, large, troupe_id, youths_served,
		others_count, audience, headcount, plan_item_id, version, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, $9, '', '', '', '', '', '', $10, $11, $12, '', $13, 0, 0, 0, $14, 1, $8, $8)`,
		id, e.typ, e.org, e.kind, e.cat, e.sub, "测试"+e.typ, at, e.on, e.status, e.scale, e.large, e.youths, e.planItem); err != nil {
		t.Fatal(err)
	}
	for _, o := range append([]string{e.org}, e.co...) {
		if _, err := db.RawExec(ctx, `INSERT INTO event_orgs (event_id, org_id, starts_on, starts_at) VALUES ($1, $2, $3, $4)`,
			id, o, e.on, at); err != nil {
			t.Fatal(err)
		}
	}
	recount(t, db)
	return id
}

// recount counts the subtree figures again after rows went in around the store, as after
// a bulk load. (tally_test.go checks that the store's own writes keep them.)
func recount(t testing.TB, db *sqlstore.DB) {
	t.Helper()
	if err := db.RecountTallies(ctx); err != nil {
		t.Fatal(err)
	}
}

func mkVolunteer(t testing.TB, db *sqlstore.DB, orgID, name string) string {
	t.Helper()
	v := &guangong.Volunteer{OrgID: orgID, Name: name, Gender: guangong.Male, BirthDate: "1950-01-01",
		Category: guangong.ElderTeacher, Status: "active", ConsentDate: "2019-01-01", Skills: []string{}}
	if err := db.CreateVolunteer(ctx, sys, v); err != nil {
		t.Fatal(err)
	}
	return v.ID
}

func addTroupe(t testing.TB, db *sqlstore.DB, orgID string, current, ended int) string {
	t.Helper()
	id := guangong.NewID()
	const now = "2019-01-01T00:00:00.000000Z"
	if _, err := db.RawExec(ctx, `INSERT INTO troupes (id, org_id, name, kind, founded, version, created_at, updated_at)
		VALUES ($1, $2, $3, 'dance', '2018-01-01', 1, $4, $4)`, id, orgID, "队"+id[len(id)-4:], now); err != nil {
		t.Fatal(err)
	}
	for i := range current + ended {
		to := ""
		if i >= current {
			to = "2020-06-30"
		}
		if _, err := db.RawExec(ctx, `INSERT INTO troupe_members (id, troupe_id, volunteer_id, name, role, from_date, to_date)
			VALUES ($1, $2, '', $3, '', '2018-01-01', $4)`, guangong.NewID(), id, "队员", to); err != nil {
			t.Fatal(err)
		}
	}
	return id
}

// addShift puts volunteers on one shift at a new post of kind at orgID on day.
func addShift(t testing.TB, db *sqlstore.DB, orgID, kind, day string, volunteers ...string) {
	t.Helper()
	post, shift := guangong.NewID(), guangong.NewID()
	const now = "2019-01-01T00:00:00.000000Z"
	if _, err := db.RawExec(ctx, `INSERT INTO duty_posts (id, org_id, kind, name, place, qr_token, active, version, created_at, updated_at)
		VALUES ($1, $2, $3, '岗', '', $1, TRUE, 1, $4, $4)`, post, orgID, kind, now); err != nil {
		t.Fatal(err)
	}
	if _, err := db.RawExec(ctx, `INSERT INTO shifts (id, post_id, role, starts_at, ends_at, starts_on, headcount, version, created_at)
		VALUES ($1, $2, '', $3, $3, $4, 5, 1, $3)`, shift, post, day+"T00:00:00.000000Z", day); err != nil {
		t.Fatal(err)
	}
	for _, v := range volunteers {
		if _, err := db.RawExec(ctx, `INSERT INTO shift_volunteers (id, shift_id, volunteer_id, source, check_in_at, check_out_at,
			closed_by, review, version, created_at) VALUES ($1, $2, $3, 'assigned', '', '', '', FALSE, 1, $4)`,
			guangong.NewID(), shift, v, now); err != nil {
			t.Fatal(err)
		}
	}
	recount(t, db)
}

func addHours(t testing.TB, db *sqlstore.DB, orgID, volunteer, day, status string, minutes int) {
	t.Helper()
	const now = "2019-01-01T00:00:00.000000Z"
	if _, err := db.RawExec(ctx, `INSERT INTO service_hours (id, volunteer_id, org_id, event_id, shift_id, served_on, minutes,
		place, content, status, recorded_by, recorder_name, recorded_at, confirmed_by, confirmed_at, supersedes, superseded_by,
		reason, version, created_at, updated_at) VALUES ($1, $2, $3, '', '', $4, $5, '', '', $6, '', '', $7, '', '', '', '', '', 1, $7, $7)`,
		guangong.NewID(), volunteer, orgID, day, minutes, status, now); err != nil {
		t.Fatal(err)
	}
	recount(t, db)
}

func figure(t *testing.T, p *guangong.Progress, code string) *guangong.MetricProgress {
	t.Helper()
	m := p.Metric(code)
	if m == nil {
		t.Fatalf("no metric %s", code)
	}
	return m
}

func wantFigures(t *testing.T, p *guangong.Progress, want map[string]int) {
	t.Helper()
	for code, n := range want {
		if got := figure(t, p, code).Done; got != n {
			t.Errorf("%s (subtree %v): %s = %d, want %d", p.OrgName, p.Subtree, code, got, n)
		}
	}
}

func TestProgressCountsEachMetric(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := storetest.NewFixture(t, db)
		town, va, vb := f.Town.ID, f.VillageA.ID, f.VillageB.ID
		// The town's own events of 2021.
		addEvent(t, db, ev{org: town, typ: "meeting", kind: "advance", on: "2021-03-05", large: true})
		addEvent(t, db, ev{org: town, typ: "meeting", kind: "commendation", on: "2021-12-20", large: true, status: "recorded"})
		addEvent(t, db, ev{org: town, typ: "meeting", kind: "study", on: "2021-03-10"})
		addEvent(t, db, ev{org: town, typ: "activity", cat: "moral", sub: "qingming", on: "2021-04-04", large: true})
		addEvent(t, db, ev{org: town, typ: "activity", cat: "performance", scale: "large", on: "2021-10-01", large: true})
		addEvent(t, db, ev{org: town, typ: "activity", cat: "service", sub: "exam_guard", on: "2021-06-07", youths: 400})
		// Co-organised by the town and village A: counted by both, once in the town's subtree.
		addEvent(t, db, ev{org: va, co: []string{town}, typ: "activity", cat: "moral", sub: "lecture", on: "2021-05-01", large: true})
		// Village events.
		addEvent(t, db, ev{org: va, typ: "activity", cat: "moral", sub: "speech", on: "2021-05-20"})
		addEvent(t, db, ev{org: vb, typ: "activity", cat: "performance", scale: "small", on: "2021-09-09"})
		addEvent(t, db, ev{org: vb, typ: "activity", cat: "central", sub: "epidemic", on: "2021-02-02"})
		addEvent(t, db, ev{org: vb, typ: "activity", cat: "service", sub: "exam_guard", on: "2021-06-08", youths: 350})
		// Not counted: planned only, another year, another town.
		addEvent(t, db, ev{org: town, typ: "meeting", kind: "advance", on: "2021-11-01", large: true, status: "planned"})
		addEvent(t, db, ev{org: town, typ: "meeting", kind: "advance", on: "2020-12-31", large: true})
		addEvent(t, db, ev{org: town, typ: "meeting", kind: "advance", on: "2022-01-01", large: true})
		addEvent(t, db, ev{org: f.OtherTown.ID, co: []string{f.County.ID}, typ: "meeting", kind: "study", on: "2021-03-10", large: true})

		// Troupes: the town's with 3 current members and 1 who left; village A's with 2.
		addTroupe(t, db, town, 3, 1)
		addTroupe(t, db, va, 2, 0)
		// Duty: two on the town's duty group (one on two shifts), one street chief in village B.
		v1, v2, v3 := mkVolunteer(t, db, town, "甲"), mkVolunteer(t, db, town, "乙"), mkVolunteer(t, db, vb, "丙")
		addShift(t, db, town, "duty_group", "2021-07-01", v1, v2)
		addShift(t, db, town, "duty_group", "2021-08-01", v1)
		addShift(t, db, town, "duty_group", "2020-08-01", v3) // last year
		addShift(t, db, vb, "street", "2021-03-01", v3)
		// Hours: confirmed only.
		addHours(t, db, town, v1, "2021-07-01", "confirmed", 90)
		addHours(t, db, town, v2, "2021-07-02", "confirmed", 60)
		addHours(t, db, town, v2, "2021-07-03", "recorded", 600)
		addHours(t, db, vb, v3, "2021-03-01", "confirmed", 120)
		addHours(t, db, vb, v3, "2021-03-02", "superseded", 120)

		a := f.Actor("townclerk")
		own, err := db.Progress(ctx, a, town, 2021, false)
		if err != nil {
			t.Fatal(err)
		}
		wantFigures(t, own, map[string]int{
			guangong.MetricLargeMeetings: 2, guangong.MetricLargeActivities: 3, guangong.MetricMeetings: 3,
			guangong.MetricActivities: 4, guangong.MetricStudySessions: 1, guangong.MetricQingming: 1,
			guangong.MetricLectures: 1, guangong.MetricSpeeches: 0, guangong.MetricCentralWork: 0,
			guangong.MetricPerformancesLarge: 1, guangong.MetricPerformancesSmall: 0, guangong.MetricExamServed: 400,
			guangong.MetricTroupes: 1, guangong.MetricTroupeMembers: 3, guangong.MetricDutyGroup: 2,
			guangong.MetricStreetChiefs: 0, guangong.MetricServiceHours: 2, // 150 minutes
		})
		if m := figure(t, own, guangong.MetricLargeMeetings).ByMonth; m[2] != 1 || m[11] != 1 || m[10] != 0 {
			t.Errorf("large meetings by month = %v", m)
		}
		sub, err := db.Progress(ctx, a, town, 2021, true)
		if err != nil {
			t.Fatal(err)
		}
		wantFigures(t, sub, map[string]int{
			guangong.MetricLargeMeetings: 2, guangong.MetricLargeActivities: 3, guangong.MetricMeetings: 3,
			guangong.MetricActivities: 8, guangong.MetricStudySessions: 1, guangong.MetricQingming: 1,
			guangong.MetricLectures: 1, guangong.MetricSpeeches: 1, guangong.MetricCentralWork: 1,
			guangong.MetricPerformancesLarge: 1, guangong.MetricPerformancesSmall: 1, guangong.MetricExamServed: 750,
			guangong.MetricTroupes: 2, guangong.MetricTroupeMembers: 5, guangong.MetricDutyGroup: 2,
			guangong.MetricStreetChiefs: 1, guangong.MetricServiceHours: 4, // 270 minutes
		})
		if len(sub.TroupesBy) != 2 || sub.TroupesBy[0].Level != guangong.LevelTown || sub.TroupesBy[0].Members != 3 ||
			sub.TroupesBy[1].Level != guangong.LevelVillage || sub.TroupesBy[1].Troupes != 1 || sub.TroupesBy[1].Members != 2 {
			t.Errorf("troupes by level = %+v", sub.TroupesBy)
		}
		// Village A counts the co-organised lecture as its own.
		vaOwn, err := db.Progress(ctx, a, va, 2021, false)
		if err != nil {
			t.Fatal(err)
		}
		wantFigures(t, vaOwn, map[string]int{guangong.MetricLectures: 1, guangong.MetricLargeActivities: 1, guangong.MetricActivities: 2})
		// The member who left in 2020 still counts on 2019's last day.
		y2019, err := db.Progress(ctx, a, town, 2019, false)
		if err != nil {
			t.Fatal(err)
		}
		wantFigures(t, y2019, map[string]int{guangong.MetricTroupeMembers: 4, guangong.MetricLargeMeetings: 0})

		// A test adds one record and sees the figure change.
		addEvent(t, db, ev{org: vb, typ: "meeting", kind: "study", on: "2021-08-15", large: true})
		sub2, err := db.Progress(ctx, a, town, 2021, true)
		if err != nil {
			t.Fatal(err)
		}
		wantFigures(t, sub2, map[string]int{guangong.MetricLargeMeetings: 3, guangong.MetricStudySessions: 2, guangong.MetricMeetings: 4})
		if m := figure(t, sub2, guangong.MetricStudySessions).ByMonth; m[7] != 1 {
			t.Errorf("study sessions by month = %v", m)
		}

		// Multi-year totals.
		yt, err := db.ProgressYears(ctx, a, town, 2019, 2022, true)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range yt.Rows {
			if r.Code == guangong.MetricLargeMeetings {
				if r.Total != 5 || r.ByYear[1] != 1 || r.ByYear[2] != 3 || r.ByYear[3] != 1 {
					t.Errorf("large meetings by year = %v total %d", r.ByYear, r.Total)
				}
			}
		}

		// Scope and roles: another town's administrator and the system administrator see nothing.
		if _, err := db.Progress(ctx, f.Actor("otheradmin"), town, 2021, true); guangong.ErrorCode(err) != guangong.ENOTFOUND {
			t.Errorf("other town: %v", err)
		}
		if _, err := db.Progress(ctx, f.Actor("admin"), town, 2021, true); guangong.ErrorCode(err) != guangong.EFORBIDDEN {
			t.Errorf("sysadmin: %v", err)
		}
		if _, err := db.Progress(ctx, a, town, 1999, true); guangong.ErrorCode(err) != guangong.EINVALID {
			t.Errorf("year 1999: %v", err)
		}
		if _, err := db.ProgressYears(ctx, a, town, 2019, 2030, true); guangong.ErrorCode(err) != guangong.EINVALID {
			t.Errorf("12-year span: %v", err)
		}
	})
}

func TestTargets(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := storetest.NewFixture(t, db)
		townadmin, townclerk := f.Actor("townadmin"), f.Actor("townclerk")
		effective := func(a *guangong.Actor, org string) map[string]*guangong.EffectiveTarget {
			t.Helper()
			list, err := db.EffectiveTargets(ctx, a, org, 2021)
			if err != nil {
				t.Fatal(err)
			}
			out := map[string]*guangong.EffectiveTarget{}
			for _, e := range list {
				out[e.Metric] = e
			}
			return out
		}
		// Defaults: the county's (set here by the system) reach the town and its villages;
		// the town's own default for its villages is nearer and wins there.
		for metric, n := range guangong.DemoTargetDefaults {
			if err := db.SetTargetDefault(ctx, sys, &guangong.TargetDefault{SetBy: f.County.ID, Metric: metric, Min: n}); err != nil {
				t.Fatal(err)
			}
		}
		td := &guangong.TargetDefault{SetBy: f.Town.ID, Metric: guangong.MetricLargeMeetings, Min: 2}
		if err := db.SetTargetDefault(ctx, townclerk, td); err != nil {
			t.Fatal(err)
		}
		if e := effective(townclerk, f.Town.ID); e[guangong.MetricLargeMeetings].Min != 4 || e[guangong.MetricLargeActivities].Min != 6 ||
			e[guangong.MetricLargeMeetings].Source != guangong.TargetSourceDefault || e[guangong.MetricLargeMeetings].SetBy != f.County.ID {
			t.Errorf("town's effective targets = %+v", e[guangong.MetricLargeMeetings])
		}
		if e := effective(townclerk, f.VillageA.ID); e[guangong.MetricLargeMeetings].Min != 2 || e[guangong.MetricLargeActivities].Min != 6 {
			t.Errorf("village's effective targets = %+v %+v", e[guangong.MetricLargeMeetings], e[guangong.MetricLargeActivities])
		}
		// A stale default edit is refused.
		if err := db.SetTargetDefault(ctx, townclerk, &guangong.TargetDefault{SetBy: f.Town.ID, Metric: guangong.MetricLargeMeetings, Min: 3}); guangong.ErrorCode(err) != guangong.ECONFLICT {
			t.Errorf("stale default: %v", err)
		}
		td.Min = 3
		if err := db.SetTargetDefault(ctx, townclerk, td); err != nil || td.Version != 2 {
			t.Fatalf("update default: %v (version %d)", err, td.Version)
		}

		// Explicit targets: only from strictly above.
		tgt := &guangong.Target{OrgID: f.VillageA.ID, Year: 2021, Metric: guangong.MetricLargeMeetings, Min: 5}
		if err := db.SetTarget(ctx, townadmin, tgt); err != nil {
			t.Fatal(err)
		}
		if tgt.SetBy != f.Town.ID || tgt.Version != 1 {
			t.Errorf("target = %+v", tgt)
		}
		if e := effective(f.Actor("villageviewer"), f.VillageA.ID); e[guangong.MetricLargeMeetings].Min != 5 ||
			e[guangong.MetricLargeMeetings].Source != guangong.TargetSourceExplicit {
			t.Errorf("explicit target not effective: %+v", e[guangong.MetricLargeMeetings])
		}
		if e, _ := db.EffectiveTargets(ctx, townclerk, f.VillageA.ID, 2022); len(e) == 0 || e[0].Min != 3 {
			t.Errorf("2022 falls back to the default: %+v", e)
		}
		for name, want := range map[string]string{
			"villageclerk":  guangong.EFORBIDDEN, // its own committee
			"villageviewer": guangong.EFORBIDDEN, // reads only
			"admin":         guangong.EFORBIDDEN, // no record rights
			"otheradmin":    guangong.ENOTFOUND,  // outside scope
		} {
			err := db.SetTarget(ctx, f.Actor(name), &guangong.Target{OrgID: f.VillageA.ID, Year: 2021, Metric: guangong.MetricLargeActivities, Min: 1})
			if got := guangong.ErrorCode(err); got != want {
				t.Errorf("%s sets a village target: %v, want %s", name, err, want)
			}
		}
		if err := db.SetTarget(ctx, townclerk, &guangong.Target{OrgID: f.Town.ID, Year: 2021, Metric: guangong.MetricLargeActivities, Min: 1}); guangong.ErrorCode(err) != guangong.EFORBIDDEN {
			t.Errorf("the town sets its own target: %v", err)
		}
		if err := db.SetTarget(ctx, townclerk, &guangong.Target{OrgID: f.VillageA.ID, Year: 2021, Metric: "nonsense", Min: -1}); err == nil {
			t.Error("bad metric accepted")
		} else {
			wantField(t, err, "metric", "指标")
			wantField(t, err, "min", "目标数")
		}
		// Stale, then a proper edit, then a delete brings the default back.
		if err := db.SetTarget(ctx, townclerk, &guangong.Target{OrgID: f.VillageA.ID, Year: 2021, Metric: guangong.MetricLargeMeetings, Min: 7}); guangong.ErrorCode(err) != guangong.ECONFLICT {
			t.Errorf("stale target: %v", err)
		}
		tgt.Min = 7
		if err := db.SetTarget(ctx, townclerk, tgt); err != nil || tgt.Version != 2 {
			t.Fatalf("edit target: %v %+v", err, tgt)
		}
		if err := db.DeleteTarget(ctx, f.Actor("villageclerk"), tgt.ID, tgt.Version); guangong.ErrorCode(err) != guangong.EFORBIDDEN {
			t.Errorf("village deletes its own target: %v", err)
		}
		before := auditCount(t, db, guangong.ActionDelete)
		if err := db.DeleteTarget(ctx, townclerk, tgt.ID, tgt.Version); err != nil {
			t.Fatal(err)
		}
		if auditCount(t, db, guangong.ActionDelete) != before+1 {
			t.Error("delete not audited")
		}
		if e := effective(townclerk, f.VillageA.ID); e[guangong.MetricLargeMeetings].Min != 3 {
			t.Errorf("after delete = %+v", e[guangong.MetricLargeMeetings])
		}
		// The progress page measures against the effective target.
		addEvent(t, db, ev{org: f.VillageA.ID, typ: "meeting", kind: "advance", on: "2021-03-01", large: true})
		p, err := db.Progress(ctx, townclerk, f.VillageA.ID, 2021, false)
		if err != nil {
			t.Fatal(err)
		}
		if m := figure(t, p, guangong.MetricLargeMeetings); m.Target == nil || m.Target.Min != 3 || m.Met || m.Done != 1 {
			t.Errorf("village large meetings = %+v target %+v", m.Done, m.Target)
		}
		for range 2 {
			addEvent(t, db, ev{org: f.VillageA.ID, typ: "meeting", kind: "advance", on: "2021-04-01", large: true})
		}
		p, _ = db.Progress(ctx, townclerk, f.VillageA.ID, 2021, false)
		if m := figure(t, p, guangong.MetricLargeMeetings); !m.Met {
			t.Errorf("3 of 3 not met: %+v", m.Done)
		}
		verifyOK(t, db)
	})
}

// An event hosted outside a subtree but co-organised by committees inside it counts once
// there; the subtree's own events count from the host's side.
func TestProgressCoOrganisedFromOutside(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := storetest.NewFixture(t, db)
		town, va, vb := f.Town.ID, f.VillageA.ID, f.VillageB.ID
		addEvent(t, db, ev{org: f.OtherTown.ID, co: []string{va, vb}, typ: "activity", cat: "moral", sub: "speech", on: "2021-05-20", large: true})
		addEvent(t, db, ev{org: f.OtherTown.ID, co: []string{vb}, typ: "activity", cat: "moral", sub: "speech", on: "2021-05-21", status: "planned"})
		addEvent(t, db, ev{org: va, co: []string{vb, town}, typ: "activity", cat: "moral", sub: "speech", on: "2021-06-01"})
		a := f.Actor("townclerk")
		sub, err := db.Progress(ctx, a, town, 2021, true)
		if err != nil {
			t.Fatal(err)
		}
		wantFigures(t, sub, map[string]int{guangong.MetricSpeeches: 2, guangong.MetricLargeActivities: 1, guangong.MetricActivities: 2})
		if m := figure(t, sub, guangong.MetricSpeeches).ByMonth; m[4] != 1 || m[5] != 1 {
			t.Errorf("speeches by month = %v", m)
		}
		for org, n := range map[string]int{town: 1, va: 2, vb: 2} {
			own, err := db.Progress(ctx, a, org, 2021, false)
			if err != nil {
				t.Fatal(err)
			}
			wantFigures(t, own, map[string]int{guangong.MetricSpeeches: n})
		}
		yt, err := db.ProgressYears(ctx, a, town, 2020, 2021, true)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range yt.Rows {
			if r.Code == guangong.MetricSpeeches && (r.Total != 2 || r.ByYear[0] != 0 || r.ByYear[1] != 2) {
				t.Errorf("speeches by year = %v total %d", r.ByYear, r.Total)
			}
		}
	})
}

// The overdue list stops at 200, in month order, however many months it spans.
func TestProgressOverdueCap(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := storetest.NewFixture(t, db)
		db.Now = func() time.Time { return time.Date(2021, 6, 15, 4, 0, 0, 0, time.UTC) }
		a := f.Actor("villageclerk")
		mk := func(month, n int) []string {
			var ids []string
			for i := range n {
				p := &guangong.PlanItem{OrgID: f.VillageA.ID, Year: 2021, Month: month, Type: "activity", Category: "care",
					Title: fmt.Sprintf("%d月%03d", month, i)}
				if err := db.CreatePlanItem(ctx, a, p); err != nil {
					t.Fatal(err)
				}
				ids = append(ids, p.ID)
			}
			return ids
		}
		jan, mar := mk(1, 3), mk(3, 196)
		may := mk(5, 4)
		mk(6, 2) // June has not ended: never overdue
		addEvent(t, db, ev{org: f.VillageA.ID, typ: "activity", cat: "care", on: "2021-03-02", planItem: mar[0]})
		p, err := db.Progress(ctx, a, f.VillageA.ID, 2021, false)
		if err != nil {
			t.Fatal(err)
		}
		if p.PlanCount != 205 || p.PlanDone != 1 || len(p.Overdue) != 200 || !p.OverdueMore {
			t.Fatalf("plan %d/%d, overdue %d more %v", p.PlanDone, p.PlanCount, len(p.Overdue), p.OverdueMore)
		}
		if p.Overdue[0].ID != jan[0] || p.Overdue[3].ID != mar[1] || p.Overdue[199].ID != may[1] {
			t.Errorf("overdue runs %s, %s … %s", p.Overdue[0].Title, p.Overdue[3].Title, p.Overdue[199].Title)
		}
		// Three more done: 199 overdue, all shown.
		addEvent(t, db, ev{org: f.VillageA.ID, typ: "activity", cat: "care", on: "2021-03-03", planItem: mar[1]})
		addEvent(t, db, ev{org: f.VillageA.ID, typ: "activity", cat: "care", on: "2021-05-03", planItem: may[0]})
		addEvent(t, db, ev{org: f.VillageA.ID, typ: "activity", cat: "care", on: "2021-05-04", planItem: may[1]})
		p, _ = db.Progress(ctx, a, f.VillageA.ID, 2021, false)
		if len(p.Overdue) != 199 || p.OverdueMore || p.Overdue[198].ID != may[3] || p.PlanDone != 4 {
			t.Errorf("overdue %d more %v, last %s, done %d", len(p.Overdue), p.OverdueMore, p.Overdue[len(p.Overdue)-1].Title, p.PlanDone)
		}
	})
}
