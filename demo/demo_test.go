package demo_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"guangong"
	"guangong/demo"
	"guangong/sqlstore"
	"guangong/sqlstore/storetest"
)

// townOf finds 低庄镇 in the built demo.
func townOf(t *testing.T, db *sqlstore.DB, sys *guangong.Actor) *guangong.Org {
	t.Helper()
	q := "431224101"
	orgs, _, err := db.FindOrgs(context.Background(), sys, guangong.OrgFilter{Code: &q})
	if err != nil || len(orgs) == 0 {
		t.Fatalf("find the town: %v (%d found)", err, len(orgs))
	}
	return orgs[0]
}

// The seed's figures for 2019–2022 appear in the progress computation, counted from the
// demo's records; one more record moves its figure.
func TestDemoSeedFigures(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		if _, err := demo.Build(ctx, db); err != nil {
			t.Fatal(err)
		}
		sys := guangong.SystemActor("test")
		town := townOf(t, db, sys)
		totals, err := db.ProgressYears(ctx, sys, town.ID, 2019, 2022, true)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]YearRow{}
		for _, r := range totals.Rows {
			got[r.Code] = YearRow{r.ByYear, r.Total}
		}
		for _, c := range []struct {
			metric   string
			total    int
			eachYear int // at least this many each year; 0 = no yearly floor
		}{
			{guangong.MetricStudySessions, 14, 0},
			{guangong.MetricPerformancesLarge, 10, 0},
			{guangong.MetricPerformancesSmall, 20, 0},
			{guangong.MetricExamServed, 1005, 0},
			{guangong.MetricQingming, 4, 1},
		} {
			if got[c.metric].Total != c.total {
				t.Errorf("%s 2019–2022 = %d, want %d (by year %v)", c.metric, got[c.metric].Total, c.total, got[c.metric].ByYear)
			}
		}
		for _, y := range []int{2019, 2020, 2021, 2022} {
			p, err := db.Progress(ctx, sys, town.ID, y, true)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range []struct {
				metric string
				least  int
			}{
				{guangong.MetricLargeMeetings, 4}, {guangong.MetricLargeActivities, 6},
			} {
				m := p.Metric(c.metric)
				if m == nil || m.Done < c.least || m.Target == nil || m.Target.Min != c.least || !m.Met {
					t.Errorf("%d %s = %+v, want at least %d against a target of %d", y, c.metric, m, c.least, c.least)
				}
			}
			if m := p.Metric(guangong.MetricDutyGroup); m == nil || m.Done != 11 {
				t.Errorf("%d duty group = %+v, want 11", y, m)
			}
			if m := p.Metric(guangong.MetricStreetChiefs); m == nil || m.Done != len(demo.Streets) {
				t.Errorf("%d street chiefs = %+v, want %d", y, m, len(demo.Streets))
			}
		}
		p, err := db.Progress(ctx, sys, town.ID, 2022, true)
		if err != nil {
			t.Fatal(err)
		}
		byLevel := map[guangong.Level]guangong.TroupeLevel{}
		for _, l := range p.TroupesBy {
			byLevel[l.Level] = l
		}
		if l := byLevel[guangong.LevelTown]; l.Members < 120 {
			t.Errorf("town troupes = %+v, want 120+ members", l)
		}
		if l := byLevel[guangong.LevelVillage]; l.Troupes != 25 || l.Members != 500 {
			t.Errorf("village troupes = %+v, want 25 troupes with 500 members", l)
		}

		// This year's plan: the performance planned for October has no record, so it is
		// overdue; the items carried out are not.
		now := time.Now().In(guangong.Shanghai)
		cur, err := db.Progress(ctx, sys, town.ID, now.Year(), false)
		if err != nil {
			t.Fatal(err)
		}
		var overdue []string
		for _, it := range cur.Overdue {
			overdue = append(overdue, it.Title)
		}
		if now.Month() > 10 && (len(overdue) != 1 || overdue[0] != fmt.Sprintf("%d年老年大学结业汇演", now.Year())) {
			t.Errorf("overdue this year = %v, want only the autumn performance", overdue)
		}

		// One more study session in 2021 moves the four-year total to 15.
		start := time.Date(2021, 11, 3, 14, 0, 0, 0, guangong.Shanghai)
		e := &guangong.Event{Type: guangong.EventMeeting, Kind: "study", OrgID: town.ID, Title: "补充的集中学习",
			StartsAt: start, EndsAt: start.Add(time.Hour), Status: guangong.EventHeld}
		if err := db.CreateEvent(ctx, sys, e); err != nil {
			t.Fatal(err)
		}
		totals, err = db.ProgressYears(ctx, sys, town.ID, 2019, 2022, true)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range totals.Rows {
			if r.Code == guangong.MetricStudySessions && r.Total != 15 {
				t.Errorf("study sessions after one more = %d, want 15", r.Total)
			}
		}
	})
}

type YearRow struct {
	ByYear []int
	Total  int
}
