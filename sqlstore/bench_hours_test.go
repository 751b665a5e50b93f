package sqlstore_test

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"guangong"
	"guangong/sqlstore"
)

// A county of 500 committees (the county, 20 towns, 479 villages), 50,000 volunteers and
// 1,000,000 service-hours records over 2019–2026: a fifth of the records belong to the 100
// busiest volunteers (standing duty: about 2,000 records each, 250 a year), the rest spread
// over everyone (about 16 each); mostly confirmed, some corrected or voided, organised by
// the volunteer's committee or the town above it.
var benchHoursCounty = sqlstore.LoadSpec{Seed: 11, Towns: 20, Villages: 479, FirstYear: 2019, Years: 8,
	Volunteers: 50_000, Hours: 1_000_000, Busiest: 100}

// BenchmarkVolunteerYearlyHours: a county clerk opens a volunteer's service record as the
// volunteer page shows it: the yearly totals and the first page of one year's records (with
// the total), for a random volunteer ("typical") and for one of the 100 busiest. Needs
// GUANGONG_TEST_LARGE=1; reports p50 and p95 in milliseconds.
func BenchmarkVolunteerYearlyHours(b *testing.B) {
	largeOnBoth(b, "1,000,000 service-hours records", func(b *testing.B, kind string, db *sqlstore.DB) {
		c := load(b, db, benchHoursCounty)
		a := clerk(c)
		b.Run("typical", func(b *testing.B) { benchYearlyHours(b, db, a, c.Volunteers) })
		b.Run("busiest", func(b *testing.B) { benchYearlyHours(b, db, a, c.Volunteers[:benchHoursCounty.Busiest]) })
	})
}

func benchYearlyHours(b *testing.B, db *sqlstore.DB, a *guangong.Actor, volunteers []string) {
	r := rand.New(rand.NewPCG(5, 6))
	var times []time.Duration
	records := 0
	for b.Loop() {
		vid := volunteers[r.IntN(len(volunteers))]
		year := fmt.Sprint(benchHoursCounty.FirstYear + r.IntN(benchHoursCounty.Years))
		from, to := year+"-01-01", year+"-12-31"
		t := time.Now()
		years, err := db.YearlyHours(ctx, a, vid)
		if err != nil {
			b.Fatal(err)
		}
		list, total, err := db.FindHours(ctx, a, guangong.HoursFilter{VolunteerID: &vid, From: &from, To: &to,
			Page: guangong.Page{Limit: 20}})
		if err != nil {
			b.Fatal(err)
		}
		times = append(times, time.Since(t))
		if len(years) == 0 || len(list) != min(total, 20) {
			b.Fatalf("volunteer %s: %d years, %d of %d records", vid, len(years), len(list), total)
		}
		records += total
	}
	reportPercentiles(b, times)
	b.ReportMetric(float64(records)/float64(len(times)), "records/op")
}
