package sqlstore_test

import (
	"slices"
	"strings"
	"testing"

	"guangong"
	"guangong/sqlstore"
	"guangong/sqlstore/storetest"
)

// The generator writes what its spec promises, at a hundredth of the kit's rows: the tree,
// every activity, meeting, volunteer and service-hours record within the years, subtree
// figures equal to a recount, an intact audit trail, and the same rows again from the same
// seed.
func TestLoad(t *testing.T) {
	spec := sqlstore.LoadKit.Scaled(0.01)
	spec.Meetings = 50
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		c, err := db.Load(ctx, spec, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(c.Towns) != 20 || len(c.Villages) != 479 || len(c.Volunteers) != 100 {
			t.Fatalf("%d towns, %d villages, %d volunteers", len(c.Towns), len(c.Villages), len(c.Volunteers))
		}
		count := func(q string) int {
			t.Helper()
			var n int
			if err := db.RawQueryRow(ctx, q).Scan(&n); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
			return n
		}
		for q, want := range map[string]int{
			`SELECT COUNT(*) FROM orgs`:                                                                             500,
			`SELECT COUNT(*) FROM orgs WHERE level = 'village'`:                                                     479,
			`SELECT COUNT(*) FROM orgs WHERE parent_id IS NULL`:                                                     1,
			`SELECT COUNT(*) FROM org_closure`:                                                                      1 + 20*2 + 479*3,
			`SELECT COUNT(*) FROM events WHERE type = 'activity'`:                                                   1000,
			`SELECT COUNT(*) FROM events WHERE type = 'meeting'`:                                                    50,
			`SELECT COUNT(DISTINCT event_id) FROM event_orgs`:                                                       1050,
			`SELECT COUNT(*) FROM event_orgs l JOIN events e ON e.id = l.event_id WHERE l.starts_at <> e.starts_at`: 0,
			`SELECT COUNT(*) FROM events WHERE starts_on < '2023-01-01'`:                                            0,
			`SELECT COUNT(*) FROM events WHERE starts_on > '2025-12-31'`:                                            0,
			`SELECT COUNT(*) FROM volunteers`:                                                                       100,
			`SELECT COUNT(*) FROM service_hours`:                                                                    1000,
			`SELECT COUNT(*) FROM service_hours WHERE served_on NOT BETWEEN '2023-01-01' AND '2025-12-31'`:          0,
		} {
			if got := count(q); got != want {
				t.Errorf("%s: %d, want %d", q, got, want)
			}
		}
		if n := count(`SELECT COUNT(*) FROM service_hours WHERE status = 'confirmed'`); n < 800 || n > 950 {
			t.Errorf("%d of 1000 service-hours records confirmed, want about 880", n)
		}
		// Every event in the county's scope once, though a tenth are linked to two committees.
		county := c.County
		_, total, err := db.FindEvents(ctx, clerk(c), guangong.EventFilter{OrgID: &county})
		if err != nil || total != 1050 {
			t.Fatalf("the county lists %d events (%v), want 1050", total, err)
		}
		diffs, err := db.CheckTallies(ctx)
		if err != nil || len(diffs) > 0 {
			t.Fatalf("tallies: %v, %d differ from a recount: %+v", err, len(diffs), diffs)
		}
		v, err := db.VerifyAudit(ctx, guangong.SystemActor("test"), nil)
		if err != nil || !v.OK {
			t.Fatalf("audit trail: %v %+v", err, v)
		}

		// The fixed seed: a second database gets the same rows, ids apart.
		rows := func(db *sqlstore.DB) []string {
			t.Helper()
			r, err := db.RawReader().QueryContext(ctx, `SELECT o.code, e.type, e.category, e.starts_at, COUNT(*)
				FROM events e JOIN orgs o ON o.id = e.org_id JOIN event_orgs l ON l.event_id = e.id
				GROUP BY o.code, e.type, e.category, e.starts_at ORDER BY 1, 2, 3, 4, 5`)
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			var out []string
			for r.Next() {
				var code, typ, cat, at string
				var n int
				if err := r.Scan(&code, &typ, &cat, &at, &n); err != nil {
					t.Fatal(err)
				}
				out = append(out, strings.Join([]string{code, typ, cat, at, string(rune('0' + n))}, " "))
			}
			return out
		}
		again := storetest.Open(t, db.Dialect())
		if _, err := again.Load(ctx, spec, nil); err != nil {
			t.Fatal(err)
		}
		if a, b := rows(db), rows(again); !slices.Equal(a, b) {
			t.Errorf("the same seed made different events: %d rows, then %d", len(a), len(b))
		}
	})
}
