package sqlstore_test

import (
	"fmt"
	"testing"

	"guangong"
	"guangong/sqlstore"
)

// The committees below one side by side (ProgressBelow) on BenchmarkProgress's county (20
// towns, 480 villages) and its generators, against what it replaces: a Progress call per
// committee. The figures of docs/benchmarks.md come from the data set, 100,000
// activities over three years:
//
//	GUANGONG_TEST_LARGE=1 GUANGONG_BENCH_PROGRESS_N=1000000 GUANGONG_BENCH_PROGRESS_YEARS=3 \
//	  GUANGONG_TEST_POSTGRES=postgres://postgres@127.0.0.1:5432/test?sslmode=disable \
//	  go test ./sqlstore/ -run '^$' -bench ProgressBelow -benchtime 30x -timeout 60m -v
func BenchmarkProgressBelow(b *testing.B) {
	largeOnBoth(b, fmt.Sprintf("%d activities and %d service-hours records", benchN/10, benchN/2), func(b *testing.B, kind string, db *sqlstore.DB) {
		bc := loadTree(b, db, 20, 480)
		bulkEvents(b, db, bc, benchN/10, benchN/100)
		bulkService(b, db, bc, benchN/2)
		if err := db.RecountTallies(ctx); err != nil {
			b.Fatal(err)
		}
		a := clerk(bc)
		// Targets for every committee below the county, so they are part of the answer.
		for _, code := range []string{guangong.MetricLargeMeetings, guangong.MetricLargeActivities} {
			if err := db.SetTargetDefault(ctx, a, &guangong.TargetDefault{SetBy: bc.County, Metric: code, Min: 4}); err != nil {
				b.Fatal(err)
			}
		}
		if err := db.Settle(ctx); err != nil {
			b.Fatal(err)
		}
		year := 2025 - benchYears() + 1
		below := func(org string, all bool, p guangong.Page) *guangong.ProgressBelow {
			got, err := db.ProgressBelow(ctx, a, org, year, all, p)
			if err != nil {
				b.Fatal(err)
			}
			return got
		}
		if got := below(bc.County, true, guangong.Page{Limit: 200}); got.Total != 500 ||
			got.Items[0].Subtree.Metrics[guangong.MetricActivities] == 0 || len(got.Items[0].Targets) != 2 {
			b.Fatalf("county subtree: %d committees, first %+v", got.Total, got.Items[0])
		}
		b.Run("county-children", func(b *testing.B) { // 20 towns, their own figures counted from the records
			timed(b, func() { below(bc.County, false, guangong.Page{Limit: 200}) })
		})
		b.Run("town-children", func(b *testing.B) { // 24 villages
			timed(b, func() { below(bc.Towns[3], false, guangong.Page{Limit: 200}) })
		})
		b.Run("county-descendants-page", func(b *testing.B) { // the first 200: the towns and 180 villages
			timed(b, func() { below(bc.County, true, guangong.Page{Limit: 200}) })
		})
		b.Run("county-descendants-all-500", func(b *testing.B) { // the three pages of all 500
			timed(b, func() {
				for off := 0; off < 500; off += 200 {
					below(bc.County, true, guangong.Page{Offset: off, Limit: 200})
				}
			})
		})
		// What it replaces: the subtree figures of the 500 committees one Progress call each.
		b.Run("progress-per-committee-500", func(b *testing.B) {
			orgs := bc.Orgs()[1:]
			timed(b, func() {
				for _, o := range orgs {
					if _, err := db.Progress(ctx, a, o, year, true); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	})
}
