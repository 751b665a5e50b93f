package sqlstore_test

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"guangong"
	"guangong/sqlstore"
)

// A county of 500 committees (the county, 20 towns, 479 villages) with 200,000 meetings and
// activities over 2019–2026, about a tenth co-organised with the committee above.
const (
	benchEventTowns  = 20
	benchEventOrgs   = 500
	benchEvents      = 200_000
	benchEventYears  = 8
	benchEventFirstY = 2019
)

// bulkEventCounty writes the tree and the events with multi-row INSERTs of literal values:
// the generator makes every value, and parsing literals is far cheaper for SQLite than
// binding tens of thousands of parameters.
func bulkEventCounty(b *testing.B, db *sqlstore.DB) *countyTree {
	b.Helper()
	r := rand.New(rand.NewPCG(42, 4242))
	c := bulkCountyTree(b, db, benchEventTowns, benchEventOrgs-1-benchEventTowns)
	orgs := c.orgs()
	start := time.Date(benchEventFirstY, 1, 1, 0, 0, 0, 0, guangong.Shanghai)
	span := time.Date(benchEventFirstY+benchEventYears, 1, 1, 0, 0, 0, 0, guangong.Shanghai).Sub(start)
	var events, links []string
	flush := func(force bool) {
		if force || len(events) >= 10_000 {
			bulkLiteral(b, db, benchEventsInsert, events)
			bulkLiteral(b, db, benchEventOrgsInsert, links)
			events, links = events[:0], links[:0]
		}
	}
	for range benchEvents {
		o := orgs[r.IntN(len(orgs))]
		e := &guangong.Event{ID: guangong.NewID(), Type: guangong.EventActivity, OrgID: o, Status: guangong.EventRecorded}
		if r.IntN(10) < 3 {
			e.Type, e.Kind = guangong.EventMeeting, guangong.MeetingKinds[r.IntN(len(guangong.MeetingKinds))]
		} else {
			e.Category = guangong.ActivityCategories[r.IntN(len(guangong.ActivityCategories))]
			if subs := guangong.ActivitySubcategories[e.Category]; len(subs) > 0 {
				e.Subcategory = subs[r.IntN(len(subs))]
			}
			if e.Category == guangong.CategoryPerformance {
				e.Scale = guangong.PerformanceScales[r.IntN(2)]
			}
		}
		e.StartsAt = start.Add(time.Duration(r.Int64N(int64(span))) / time.Minute * time.Minute)
		e.EndsAt = e.StartsAt.Add(2 * time.Hour)
		e.StartsOn = e.StartsAt.In(guangong.Shanghai).Format(guangong.DateLayout)
		e.OthersCount = r.IntN(80)
		e.Headcount = e.OthersCount
		e.Large = e.IsLarge(nil)
		events = append(events, fmt.Sprintf("('%s', '%s', '%s', '%s', '%s', '%s', '生成的记录', '%s', '%s', '%s', '', '', '', '', '', '', '%s', '%s', %t, '', 0, %d, 0, %d, '', 1, '%s', '%s')",
			e.ID, e.Type, e.OrgID, e.Kind, e.Category, e.Subcategory, e.StartsAt.UTC().Format("2006-01-02T15:04:05.000000Z"),
			e.EndsAt.UTC().Format("2006-01-02T15:04:05.000000Z"), e.StartsOn, e.Status, e.Scale, e.Large, e.OthersCount,
			e.Headcount, benchStamp, benchStamp))
		links = append(links, fmt.Sprintf("('%s', '%s', '%s')", e.ID, e.OrgID, e.StartsOn))
		if p := c.parent(o); p != "" && r.IntN(10) == 0 {
			links = append(links, fmt.Sprintf("('%s', '%s', '%s')", e.ID, p, e.StartsOn))
		}
		flush(false)
	}
	flush(true)
	if _, err := db.RawExec(ctx, `ANALYZE`); err != nil {
		b.Fatal(err)
	}
	return c
}

// BenchmarkTownMonthCalendar: a county administrator opens one town's month calendar (the
// town and its ~24 villages, co-organised events included), random town and month. Needs
// GUANGONG_TEST_LARGE=1; reports p50 and p95 in milliseconds.
func BenchmarkTownMonthCalendar(b *testing.B) {
	benchEventsOn(b, func(b *testing.B, db *sqlstore.DB, c *countyTree, r *rand.Rand, a *guangong.Actor) int {
		town := c.towns[r.IntN(len(c.towns))]
		month := fmt.Sprintf("%d-%02d", benchEventFirstY+r.IntN(benchEventYears), 1+r.IntN(12))
		list, err := db.EventCalendar(ctx, a, town, month)
		if err != nil {
			b.Fatal(err)
		}
		return len(list)
	})
}

// BenchmarkTownMonthList: the same month as a list page (first 50, with the total).
func BenchmarkTownMonthList(b *testing.B) {
	benchEventsOn(b, func(b *testing.B, db *sqlstore.DB, c *countyTree, r *rand.Rand, a *guangong.Actor) int {
		town := c.towns[r.IntN(len(c.towns))]
		first := time.Date(benchEventFirstY+r.IntN(benchEventYears), time.Month(1+r.IntN(12)), 1, 0, 0, 0, 0, time.UTC)
		from, to := first.Format(guangong.DateLayout), first.AddDate(0, 1, -1).Format(guangong.DateLayout)
		list, total, err := db.FindEvents(ctx, a, guangong.EventFilter{OrgID: &town, From: &from, To: &to})
		if err != nil {
			b.Fatal(err)
		}
		if total > 50 && len(list) != 50 {
			b.Fatalf("page of %d for a total of %d", len(list), total)
		}
		return total
	})
}

func benchEventsOn(b *testing.B, fn func(b *testing.B, db *sqlstore.DB, c *countyTree, r *rand.Rand, a *guangong.Actor) int) {
	largeOnBoth(b, "200,000 events", func(b *testing.B, kind string, db *sqlstore.DB) {
		t0 := time.Now()
		c := bulkEventCounty(b, db)
		b.Logf("%s: generated %d committees and %d events in %s", kind, benchEventOrgs, benchEvents, time.Since(t0).Round(time.Second))
		a := c.clerk()
		r := rand.New(rand.NewPCG(7, 8))
		rows := 0
		timed(b, func() { rows += fn(b, db, c, r, a) })
		b.ReportMetric(float64(rows)/float64(b.N), "events/op")
	})
}
