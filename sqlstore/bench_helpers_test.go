package sqlstore_test

import (
	"os"
	"slices"
	"testing"
	"time"

	"guangong"
	"guangong/sqlstore"
	"guangong/sqlstore/storetest"
)

// What the generated-data benchmarks share: the gate, a fresh database of each kind, the
// generated county (sqlstore/loaddata.go) and the p50/p95 report.

// largeOnBoth runs fn on a fresh SQLite and PostgreSQL database when GUANGONG_TEST_LARGE=1;
// what says what the set-up generates.
func largeOnBoth(b *testing.B, what string, fn func(b *testing.B, kind string, db *sqlstore.DB)) {
	b.Helper()
	if os.Getenv("GUANGONG_TEST_LARGE") != "1" {
		b.Skip("GUANGONG_TEST_LARGE=1 generates " + what)
	}
	for _, kind := range []string{"sqlite", "postgres"} {
		b.Run(kind, func(b *testing.B) { fn(b, kind, storetest.Open(b, kind)) })
	}
}

// clerk is a county clerk's account.
func clerk(c *sqlstore.County) *guangong.Actor {
	return &guangong.Actor{UserID: "u", Username: "countyclerk", Role: guangong.RoleClerk, OrgID: c.County}
}

// loadTree writes a county of towns towns and villages villages (sqlstore.LoadTree).
func loadTree(b *testing.B, db *sqlstore.DB, towns, villages int) *sqlstore.County {
	b.Helper()
	c, err := db.LoadTree(ctx, towns, villages)
	if err != nil {
		b.Fatal(err)
	}
	return c
}

// load writes the generated county s (sqlstore.Load), logging what it wrote.
func load(b *testing.B, db *sqlstore.DB, s sqlstore.LoadSpec) *sqlstore.County {
	b.Helper()
	c, err := db.Load(ctx, s, func(msg string) { b.Log(db.Dialect() + ": " + msg) })
	if err != nil {
		b.Fatal(err)
	}
	return c
}

// bulkLiteral inserts rows (each a literal "(…)" tuple) 500 at a time.
func bulkLiteral(b *testing.B, db *sqlstore.DB, head string, rows []string) {
	b.Helper()
	if err := db.BulkLiteral(ctx, head, rows); err != nil {
		b.Fatal(err)
	}
}

// timed runs fn once per iteration and reports the median and the 95th percentile.
func timed(b *testing.B, fn func()) {
	var ds []time.Duration
	for b.Loop() {
		t0 := time.Now()
		fn()
		ds = append(ds, time.Since(t0))
	}
	reportPercentiles(b, ds)
}

// reportPercentiles reports the median and the 95th percentile of ds in milliseconds.
func reportPercentiles(b *testing.B, ds []time.Duration) {
	slices.Sort(ds)
	ms := func(q float64) float64 {
		return float64(ds[int(q*float64(len(ds)-1))].Microseconds()) / 1000
	}
	b.ReportMetric(ms(0.5), "p50-ms")
	b.ReportMetric(ms(0.95), "p95-ms")
}
