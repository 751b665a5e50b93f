package sqlstore_test

import (
	"cmp"
	"slices"
	"strings"
	"testing"

	"guangong"
	"guangong/sqlstore"
	"guangong/sqlstore/storetest"
)

// belowData records a year of every kind of counted record across the fixture: the town's
// own and its villages', a co-organised event, troupes, duty, hours, plans and targets at
// several levels; and dissolves the school. It returns an account at the county.
func belowData(t *testing.T, db *sqlstore.DB, f *storetest.Fixture) *guangong.Actor {
	t.Helper()
	town, va, vb, school, other := f.Town.ID, f.VillageA.ID, f.VillageB.ID, f.School.ID, f.OtherTown.ID
	study := addEvent(t, db, ev{org: town, typ: "meeting", kind: "study", on: "2021-03-10", large: true})
	addEvent(t, db, ev{org: town, typ: "meeting", kind: "advance", on: "2021-05-05"})
	addEvent(t, db, ev{org: town, typ: "activity", cat: "service", sub: "exam_guard", on: "2021-06-07", youths: 400})
	addEvent(t, db, ev{org: va, co: []string{town}, typ: "activity", cat: "moral", sub: "lecture", on: "2021-05-01", large: true})
	speech := addEvent(t, db, ev{org: va, typ: "activity", cat: "moral", sub: "speech", on: "2021-05-20"})
	addEvent(t, db, ev{org: va, typ: "activity", cat: "moral", sub: "qingming", on: "2020-04-04"}) // another year
	addEvent(t, db, ev{org: vb, typ: "activity", cat: "performance", scale: "small", on: "2021-09-09"})
	addEvent(t, db, ev{org: vb, typ: "meeting", kind: "study", on: "2021-09-10", status: "planned"}) // not done
	addEvent(t, db, ev{org: school, typ: "activity", cat: "central", sub: "epidemic", on: "2021-02-02"})
	addEvent(t, db, ev{org: other, co: []string{f.County.ID}, typ: "meeting", kind: "study", on: "2021-03-10", large: true})
	addTroupe(t, db, town, 3, 1)
	addTroupe(t, db, va, 2, 0)
	addTroupe(t, db, other, 1, 1)
	v1, v2, v3 := mkVolunteer(t, db, town, "甲"), mkVolunteer(t, db, town, "乙"), mkVolunteer(t, db, vb, "丙")
	addShift(t, db, town, "duty_group", "2021-07-01", v1, v2)
	addShift(t, db, vb, "street", "2021-03-01", v3)
	addShift(t, db, va, "street", "2021-03-02", v1, v3)
	addHours(t, db, town, v1, "2021-07-01", "confirmed", 90)
	addHours(t, db, town, v2, "2021-07-02", "confirmed", 60)
	addHours(t, db, vb, v3, "2021-03-01", "confirmed", 130)
	addHours(t, db, other, v1, "2021-03-01", "recorded", 600)

	tc := f.Actor("townclerk")
	for _, p := range []*guangong.PlanItem{
		{OrgID: town, Year: 2021, Month: 3, Type: guangong.EventMeeting, Kind: "study", Title: "集中学习", EventID: study},
		{OrgID: town, Year: 2021, Month: 4, Type: guangong.EventMeeting, Kind: "advance", Title: "推进会"},
		{OrgID: va, Year: 2021, Month: 4, Type: guangong.EventActivity, Category: "moral", Subcategory: "qingming", Title: "清明祭扫"},
		{OrgID: va, Year: 2021, Month: 5, Type: guangong.EventActivity, Category: "moral", Subcategory: "speech", Title: "演讲", EventID: speech},
	} {
		if err := db.CreatePlanItem(ctx, tc, p); err != nil {
			t.Fatal(err)
		}
	}
	cu := &guangong.User{Username: "countyclerk", DisplayName: "县录入员", OrgID: f.County.ID, Role: guangong.RoleClerk, Lang: "zh"}
	if err := db.CreateUser(ctx, sys, cu, storetest.Password); err != nil {
		t.Fatal(err)
	}
	cc := &guangong.Actor{UserID: cu.ID, Username: cu.Username, Role: cu.Role, OrgID: cu.OrgID, IP: "127.0.0.1", AuthAt: db.Now()}
	for _, d := range []struct {
		a     *guangong.Actor
		setBy string
		code  string
		min   int
	}{{cc, f.County.ID, guangong.MetricLargeMeetings, 1}, {cc, f.County.ID, guangong.MetricServiceHours, 3},
		{tc, town, guangong.MetricActivities, 2}} {
		if err := db.SetTargetDefault(ctx, d.a, &guangong.TargetDefault{SetBy: d.setBy, Metric: d.code, Min: d.min}); err != nil {
			t.Fatal(err)
		}
	}
	for _, tg := range []struct {
		a    *guangong.Actor
		org  string
		code string
		min  int
	}{{cc, town, guangong.MetricMeetings, 5}, {tc, va, guangong.MetricLectures, 1}, {tc, va, guangong.MetricLargeMeetings, 0}} {
		if err := db.SetTarget(ctx, tg.a, &guangong.Target{OrgID: tg.org, Year: 2021, Metric: tg.code, Min: tg.min}); err != nil {
			t.Fatal(err)
		}
	}
	s, err := db.FindOrgByID(ctx, f.Actor("townadmin"), school)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.DissolveOrg(ctx, f.Actor("townadmin"), school, s.Version); err != nil {
		t.Fatal(err)
	}
	return cc
}

// sameAsProgress fails unless it's own and subtree figures and targets are what Progress
// gives for its committee in year, and returns how many of its figures are not zero.
func sameAsProgress(t *testing.T, db *sqlstore.DB, a *guangong.Actor, it *guangong.OrgFigures, year int) int {
	t.Helper()
	nonzero := 0
	for _, mode := range []struct {
		subtree bool
		fig     guangong.Figures
	}{{false, it.Own}, {true, it.Subtree}} {
		p, err := db.Progress(ctx, a, it.OrgID, year, mode.subtree)
		if err != nil {
			t.Fatal(err)
		}
		if len(mode.fig.Metrics) != len(p.Metrics) {
			t.Errorf("%s (subtree %v): %d metrics, Progress has %d", it.Name, mode.subtree, len(mode.fig.Metrics), len(p.Metrics))
		}
		var targets []*guangong.EffectiveTarget
		for _, m := range p.Metrics {
			got, ok := mode.fig.Metrics[m.Code]
			if !ok || got != m.Done {
				t.Errorf("%s (subtree %v): %s = %d (present %v), Progress says %d", it.Name, mode.subtree, m.Code, got, ok, m.Done)
			}
			if got != 0 {
				nonzero++
			}
			met, ok := mode.fig.Met[m.Code]
			if ok != (m.Target != nil) || met != m.Met {
				t.Errorf("%s (subtree %v): %s met %v (present %v), Progress says %v (target %+v)", it.Name, mode.subtree, m.Code, met, ok, m.Met, m.Target)
			}
			if m.Target != nil {
				targets = append(targets, m.Target)
			}
		}
		if len(mode.fig.Met) != len(targets) {
			t.Errorf("%s (subtree %v): met has %d metrics, %d have targets", it.Name, mode.subtree, len(mode.fig.Met), len(targets))
		}
		if mode.fig.PlanCount != p.PlanCount || mode.fig.PlanDone != p.PlanDone {
			t.Errorf("%s (subtree %v): plan %d/%d, Progress says %d/%d", it.Name, mode.subtree,
				mode.fig.PlanDone, mode.fig.PlanCount, p.PlanDone, p.PlanCount)
		}
		nonzero += mode.fig.PlanCount
		if len(it.Targets) != len(targets) {
			t.Errorf("%s: %d targets, Progress has %d", it.Name, len(it.Targets), len(targets))
			continue
		}
		for i, want := range targets {
			if *it.Targets[i] != *want {
				t.Errorf("%s: target %d = %+v, Progress has %+v", it.Name, i, *it.Targets[i], *want)
			}
		}
	}
	return nonzero
}

func TestProgressBelowEqualsProgress(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := storetest.NewFixture(t, db)
		cc := belowData(t, db, f)
		for _, tc := range []struct {
			name  string
			org   *guangong.Org
			all   bool
			names []string // the committees expected, in order
		}{
			{"the county's towns", f.County, false, []string{f.Town.Name, f.OtherTown.Name}},
			{"the town's villages and school", f.Town, false, []string{f.School.Name, f.VillageB.Name, f.VillageA.Name}},
			{"the county's whole subtree", f.County, true,
				[]string{f.Town.Name, f.OtherTown.Name, f.School.Name, f.VillageB.Name, f.VillageA.Name}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				got, err := db.ProgressBelow(ctx, cc, tc.org.ID, 2021, tc.all, guangong.Page{Limit: 200})
				if err != nil {
					t.Fatal(err)
				}
				var names []string
				for _, it := range got.Items {
					names = append(names, it.Name)
				}
				if !slices.Equal(sortedNames(tc.names), sortedNames(names)) || got.Total != len(tc.names) {
					t.Fatalf("committees %v (total %d), want %v", names, got.Total, tc.names)
				}
				if !slices.IsSortedFunc(got.Items, func(x, y *guangong.OrgFigures) int {
					return cmp.Or(cmp.Compare(x.Depth, y.Depth), strings.Compare(x.Name, y.Name), strings.Compare(x.OrgID, y.OrgID))
				}) {
					t.Errorf("not ordered by depth, name and id: %v", names)
				}
				if got.OrgID != tc.org.ID || got.Year != 2021 || got.AsOf != "2021-12-31" || got.All != tc.all {
					t.Errorf("header %+v", got)
				}
				nonzero := 0
				for _, it := range got.Items {
					nonzero += sameAsProgress(t, db, cc, it, 2021)
					if it.OrgID == f.School.ID && it.Status != guangong.OrgDissolved {
						t.Errorf("the school's status = %s", it.Status)
					}
				}
				if nonzero < 10 {
					t.Errorf("only %d figures are not zero: the comparison says little", nonzero)
				}
			})
		}
		// The town's own figures differ from its subtree's: both kinds were counted.
		got, err := db.ProgressBelow(ctx, cc, f.County.ID, 2021, false, guangong.Page{})
		if err != nil {
			t.Fatal(err)
		}
		town := got.Items[0]
		if town.Own.Metrics[guangong.MetricActivities] == town.Subtree.Metrics[guangong.MetricActivities] {
			t.Errorf("town: own and subtree activities both %d", town.Own.Metrics[guangong.MetricActivities])
		}
		// A year with no records: every figure zero, the targets still there.
		empty, err := db.ProgressBelow(ctx, cc, f.Town.ID, 2019, false, guangong.Page{})
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range empty.Items {
			sameAsProgress(t, db, cc, it, 2019)
		}
	})
}

func sortedNames(names []string) []string {
	return slices.Sorted(slices.Values(names))
}

func TestProgressBelowPagesAndScope(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := storetest.NewFixture(t, db)
		cc := belowData(t, db, f)
		whole, err := db.ProgressBelow(ctx, cc, f.County.ID, 2021, true, guangong.Page{Limit: 200})
		if err != nil {
			t.Fatal(err)
		}
		var paged []*guangong.OrgFigures
		for off := 0; off < 7; off += 2 {
			p, err := db.ProgressBelow(ctx, cc, f.County.ID, 2021, true, guangong.Page{Offset: off, Limit: 2})
			if err != nil {
				t.Fatal(err)
			}
			if p.Total != 5 || p.Offset != off || p.Limit != 2 || len(p.Items) != min(2, max(0, 5-off)) {
				t.Fatalf("page at %d: total %d, offset %d, limit %d, %d items", off, p.Total, p.Offset, p.Limit, len(p.Items))
			}
			paged = append(paged, p.Items...)
		}
		if len(paged) != len(whole.Items) {
			t.Fatalf("%d committees over the pages, %d in one", len(paged), len(whole.Items))
		}
		for i := range paged {
			if paged[i].OrgID != whole.Items[i].OrgID || paged[i].Subtree.Metrics[guangong.MetricActivities] != whole.Items[i].Subtree.Metrics[guangong.MetricActivities] {
				t.Errorf("item %d: paged %s, whole %s", i, paged[i].Name, whole.Items[i].Name)
			}
		}
		// The default page and the cap are the lists'.
		if p, err := db.ProgressBelow(ctx, cc, f.County.ID, 2021, true, guangong.Page{Limit: 5000}); err != nil || p.Limit != guangong.MaxPageSize {
			t.Errorf("limit 5000: %v, %v", p, err)
		}

		// Outside scope: missing, and audited as a denial.
		denied := auditCount(t, db, guangong.ActionDenied)
		_, err = db.ProgressBelow(ctx, f.Actor("villageclerk"), f.County.ID, 2021, false, guangong.Page{})
		wantCode(t, err, guangong.ENOTFOUND)
		_, err = db.ProgressBelow(ctx, f.Actor("otheradmin"), f.Town.ID, 2021, true, guangong.Page{})
		wantCode(t, err, guangong.ENOTFOUND)
		if n := auditCount(t, db, guangong.ActionDenied); n != denied+2 {
			t.Errorf("%d denials audited, want 2", n-denied)
		}
		_, err = db.ProgressBelow(ctx, cc, "no-such-org", 2021, false, guangong.Page{})
		wantCode(t, err, guangong.ENOTFOUND)
		// The village clerk may ask about its own village: nothing below it.
		p, err := db.ProgressBelow(ctx, f.Actor("villageclerk"), f.VillageA.ID, 2021, true, guangong.Page{})
		if err != nil || p.Total != 0 || p.Items == nil || len(p.Items) != 0 {
			t.Errorf("below a village: %+v, %v", p, err)
		}
		// Roles and bad input.
		_, err = db.ProgressBelow(ctx, f.Actor("admin"), f.County.ID, 2021, false, guangong.Page{})
		wantCode(t, err, guangong.EFORBIDDEN)
		for _, y := range []int{0, 1999, 2101} {
			_, err = db.ProgressBelow(ctx, cc, f.County.ID, y, false, guangong.Page{})
			wantField(t, err, "year", "年份")
		}
	})
}

// TestProgressBelowQueryCount fails on a query per committee: the count stays the same when
// the county gains committees below it, with records.
func TestProgressBelowQueryCount(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := storetest.NewFixture(t, db)
		belowData(t, db, f)
		count := func(org string, all bool) int {
			t.Helper()
			n, err := db.ProgressBelowQueries(ctx, org, 2021, all, guangong.Page{Limit: 200})
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		before := []int{count(f.County.ID, false), count(f.County.ID, true), count(f.Town.ID, false)}
		for i := range 12 {
			v := &guangong.Org{ParentID: f.OtherTown.ID, Name: "村" + letter(i), Level: guangong.LevelVillage, Code: "NV" + letter(i)}
			if err := db.CreateOrg(ctx, sys, v); err != nil {
				t.Fatal(err)
			}
			addEvent(t, db, ev{org: v.ID, typ: "activity", cat: "moral", sub: "speech", on: "2021-05-20"})
			addTroupe(t, db, v.ID, 1, 0)
		}
		after := []int{count(f.County.ID, false), count(f.County.ID, true), count(f.Town.ID, false)}
		if !slices.Equal(before, after) {
			t.Errorf("queries %v with 5 committees below the county, %v with 17", before, after)
		}
		for _, n := range after {
			if n > 12 {
				t.Errorf("%d queries for one page", n)
			}
		}
	})
}

// letter is the i-th small Latin letter, to name generated committees.
func letter(i int) string { return string(rune('a' + i)) }
