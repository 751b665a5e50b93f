package sqlstore_test

import (
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"guangong"
	"guangong/sqlstore"
	"guangong/sqlstore/storetest"
)

// What the generated-data benchmarks share: the gate, a fresh database of each kind, the
// county tree, literal bulk inserts and the p50/p95 report.

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

const benchStamp = "2026-01-01T00:00:00.000000Z"

// countyTree is a generated county: the county, its towns and their villages.
type countyTree struct {
	county   string
	towns    []string
	villages []string          // in town order: each town's villages together
	townOf   map[string]string // village → its town
}

// orgs lists every committee: the county, the towns, then the villages.
func (c *countyTree) orgs() []string {
	return append(append([]string{c.county}, c.towns...), c.villages...)
}

// parent is the committee above id ("" for the county).
func (c *countyTree) parent(id string) string {
	if id == c.county {
		return ""
	}
	if t := c.townOf[id]; t != "" {
		return t
	}
	return c.county
}

// clerk is a county clerk's account.
func (c *countyTree) clerk() *guangong.Actor {
	return &guangong.Actor{UserID: "u", Username: "countyclerk", Role: guangong.RoleClerk, OrgID: c.county}
}

// bulkCountyTree writes a county with towns towns and villages villages, each town taking
// the next ceil(villages/towns) of them, into orgs and org_closure.
func bulkCountyTree(b *testing.B, db *sqlstore.DB, towns, villages int) *countyTree {
	b.Helper()
	c := &countyTree{county: guangong.NewID(), townOf: map[string]string{}}
	var orgs, closure []string
	addOrg := func(id, parent, name, code string, level guangong.Level, ancestors []string) {
		p := "NULL"
		if parent != "" {
			p = "'" + parent + "'"
		}
		orgs = append(orgs, fmt.Sprintf("('%s', %s, '%s', '', '%s', '%s', '', '', '', 'active', NULL, %d, 1, '%s', '%s')",
			id, p, name, level, code, len(ancestors), benchStamp, benchStamp))
		closure = append(closure, fmt.Sprintf("('%s', '%s', 0)", id, id))
		for k, a := range ancestors {
			closure = append(closure, fmt.Sprintf("('%s', '%s', %d)", a, id, len(ancestors)-k))
		}
	}
	addOrg(c.county, "", "溆浦县", "B431224", guangong.LevelCounty, nil)
	perTown := (villages + towns - 1) / towns
	for t := range towns {
		tid := guangong.NewID()
		c.towns = append(c.towns, tid)
		addOrg(tid, c.county, fmt.Sprintf("镇%02d", t), fmt.Sprintf("B%02d", t), guangong.LevelTown, []string{c.county})
		for v := range min(perTown, villages-len(c.villages)) {
			vid := guangong.NewID()
			c.villages = append(c.villages, vid)
			c.townOf[vid] = tid
			addOrg(vid, tid, fmt.Sprintf("镇%02d村%02d", t, v), fmt.Sprintf("B%02d%02d", t, v), guangong.LevelVillage,
				[]string{c.county, tid})
		}
	}
	bulkLiteral(b, db, `INSERT INTO orgs (id, parent_id, name, short_name, level, code, address, contact, established,
		status, dissolved_at, depth, version, created_at, updated_at) VALUES `, orgs)
	bulkLiteral(b, db, `INSERT INTO org_closure (ancestor_id, descendant_id, depth) VALUES `, closure)
	return c
}

// bulkLiteral inserts rows (each a literal "(…)" tuple) 500 at a time.
func bulkLiteral(b *testing.B, db *sqlstore.DB, head string, rows []string) {
	b.Helper()
	for i := 0; i < len(rows); i += 500 {
		if _, err := db.RawExec(ctx, head+strings.Join(rows[i:min(i+500, len(rows))], ", ")); err != nil {
			b.Fatal(err)
		}
	}
}

// The heads of the generators' bulk inserts.
const (
	benchEventsInsert = `INSERT INTO events (id, type, org_id, kind, category, subcategory, title, starts_at, ends_at,
		starts_on, place, host, agenda, minutes, decisions, outcome, status, scale, large, troupe_id, youths_served,
		others_count, audience, headcount, plan_item_id, version, created_at, updated_at) VALUES `
	benchEventOrgsInsert = `INSERT INTO event_orgs (event_id, org_id, starts_on) VALUES `
	benchHoursInsert     = `INSERT INTO service_hours (id, volunteer_id, org_id, event_id, shift_id, served_on, minutes, place,
		content, status, recorded_by, recorder_name, recorded_at, confirmed_by, confirmed_at, supersedes, superseded_by,
		reason, version, created_at, updated_at) VALUES `
)

// benchHoursStatus draws a service-hours record's status: 88% confirmed, 8% recorded, 2%
// void, 2% superseded by a correction.
func benchHoursStatus(r *rand.Rand) string {
	switch n := r.IntN(100); {
	case n < 8:
		return guangong.HoursRecorded
	case n < 10:
		return guangong.HoursVoid
	case n < 12:
		return guangong.HoursSuperseded
	}
	return guangong.HoursConfirmed
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
