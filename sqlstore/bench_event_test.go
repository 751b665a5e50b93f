package sqlstore_test

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"guangong"
	"guangong/sqlstore"
)

// A county of 500 committees (the county, 20 towns, 479 villages) with 140,000 activities and
// 60,000 meetings over 2019–2026, about a tenth co-organised with the committee above.
var benchEventCounty = sqlstore.LoadSpec{Seed: 42, Towns: 20, Villages: 479, Activities: 140_000, Meetings: 60_000,
	FirstYear: 2019, Years: 8}

// BenchmarkTownMonthCalendar: a county administrator opens one town's month calendar (the
// town and its ~24 villages, co-organised events included), random town and month. Needs
// GUANGONG_TEST_LARGE=1; reports p50 and p95 in milliseconds.
func BenchmarkTownMonthCalendar(b *testing.B) {
	benchEventsOn(b, func(b *testing.B, db *sqlstore.DB, c *sqlstore.County, r *rand.Rand, a *guangong.Actor) int {
		town := c.Towns[r.IntN(len(c.Towns))]
		month := fmt.Sprintf("%d-%02d", benchEventCounty.FirstYear+r.IntN(benchEventCounty.Years), 1+r.IntN(12))
		list, err := db.EventCalendar(ctx, a, town, month)
		if err != nil {
			b.Fatal(err)
		}
		return len(list)
	})
}

// BenchmarkTownMonthList: the same month as a list page (first 50, with the total).
func BenchmarkTownMonthList(b *testing.B) {
	benchEventsOn(b, func(b *testing.B, db *sqlstore.DB, c *sqlstore.County, r *rand.Rand, a *guangong.Actor) int {
		town := c.Towns[r.IntN(len(c.Towns))]
		first := time.Date(benchEventCounty.FirstYear+r.IntN(benchEventCounty.Years), time.Month(1+r.IntN(12)), 1, 0, 0, 0, 0, time.UTC)
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

func benchEventsOn(b *testing.B, fn func(b *testing.B, db *sqlstore.DB, c *sqlstore.County, r *rand.Rand, a *guangong.Actor) int) {
	largeOnBoth(b, "200,000 events", func(b *testing.B, kind string, db *sqlstore.DB) {
		c := load(b, db, benchEventCounty)
		a := clerk(c)
		r := rand.New(rand.NewPCG(7, 8))
		rows := 0
		timed(b, func() { rows += fn(b, db, c, r, a) })
		b.ReportMetric(float64(rows)/float64(b.N), "events/op")
	})
}
