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

// A county of 500 committees (the county, 20 towns, 479 villages) with 200,000 meetings and
// activities over 2019–2026, about a tenth co-organised with the committee above.
const (
	benchEventTowns  = 20
	benchEventOrgs   = 500
	benchEvents      = 200_000
	benchEventYears  = 8
	benchEventFirstY = 2019
)

type eventCounty struct {
	county string
	towns  []string
}

// sqlText quotes s as an SQL string literal. The generator's own values only.
func sqlText(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// bulkEventCounty writes the tree and the events with multi-row INSERTs of literal values:
// the generator makes every value, and parsing literals is far cheaper for SQLite than
// binding tens of thousands of parameters.
func bulkEventCounty(b *testing.B, db *sqlstore.DB) *eventCounty {
	b.Helper()
	r := rand.New(rand.NewPCG(42, 4242))
	c := &eventCounty{county: guangong.NewID()}
	type org struct {
		id, parent string
		level      guangong.Level
		ancestors  []string
	}
	orgs := []org{{c.county, "", guangong.LevelCounty, nil}}
	for range benchEventTowns {
		tid := guangong.NewID()
		c.towns = append(c.towns, tid)
		orgs = append(orgs, org{tid, c.county, guangong.LevelTown, []string{c.county}})
	}
	for i := 0; len(orgs) < benchEventOrgs; i++ {
		town := c.towns[i%benchEventTowns]
		orgs = append(orgs, org{guangong.NewID(), town, guangong.LevelVillage, []string{c.county, town}})
	}
	const now = "2026-01-01T00:00:00.000000Z"
	exec := func(head string, rows []string) {
		for i := 0; i < len(rows); i += 500 {
			if _, err := db.RawExec(ctx, head+strings.Join(rows[i:min(i+500, len(rows))], ", ")); err != nil {
				b.Fatal(err)
			}
		}
	}
	var orgRows, closure []string
	for i, o := range orgs {
		parent := "NULL"
		if o.parent != "" {
			parent = sqlText(o.parent)
		}
		orgRows = append(orgRows, fmt.Sprintf("(%s, %s, %s, '', %s, %s, '', '', '', 'active', NULL, %d, 1, '%s', '%s')",
			sqlText(o.id), parent, sqlText(fmt.Sprintf("委员会%03d", i)), sqlText(string(o.level)), sqlText(fmt.Sprintf("B%04d", i)),
			len(o.ancestors), now, now))
		closure = append(closure, fmt.Sprintf("(%s, %s, 0)", sqlText(o.id), sqlText(o.id)))
		for k, a := range o.ancestors {
			closure = append(closure, fmt.Sprintf("(%s, %s, %d)", sqlText(a), sqlText(o.id), len(o.ancestors)-k))
		}
	}
	exec(`INSERT INTO orgs (id, parent_id, name, short_name, level, code, address, contact, established, status,
		dissolved_at, depth, version, created_at, updated_at) VALUES `, orgRows)
	exec(`INSERT INTO org_closure (ancestor_id, descendant_id, depth) VALUES `, closure)

	start := time.Date(benchEventFirstY, 1, 1, 0, 0, 0, 0, guangong.Shanghai)
	span := time.Date(benchEventFirstY+benchEventYears, 1, 1, 0, 0, 0, 0, guangong.Shanghai).Sub(start)
	var events, links []string
	flush := func(force bool) {
		if force || len(events) >= 10_000 {
			exec(`INSERT INTO events (id, type, org_id, kind, category, subcategory, title, starts_at, ends_at, starts_on,
				place, host, agenda, minutes, decisions, outcome, status, scale, large, troupe_id, youths_served,
				others_count, audience, headcount, plan_item_id, version, created_at, updated_at) VALUES `, events)
			exec(`INSERT INTO event_orgs (event_id, org_id, starts_on) VALUES `, links)
			events, links = events[:0], links[:0]
		}
	}
	for range benchEvents {
		o := orgs[r.IntN(len(orgs))]
		e := &guangong.Event{ID: guangong.NewID(), Type: guangong.EventActivity, OrgID: o.id, Status: guangong.EventRecorded}
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
			e.Headcount, now, now))
		links = append(links, fmt.Sprintf("('%s', '%s', '%s')", e.ID, e.OrgID, e.StartsOn))
		if o.parent != "" && r.IntN(10) == 0 {
			links = append(links, fmt.Sprintf("('%s', '%s', '%s')", e.ID, o.parent, e.StartsOn))
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
	benchEventsOn(b, func(b *testing.B, db *sqlstore.DB, c *eventCounty, r *rand.Rand, a *guangong.Actor) int {
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
	benchEventsOn(b, func(b *testing.B, db *sqlstore.DB, c *eventCounty, r *rand.Rand, a *guangong.Actor) int {
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

func benchEventsOn(b *testing.B, fn func(b *testing.B, db *sqlstore.DB, c *eventCounty, r *rand.Rand, a *guangong.Actor) int) {
	if os.Getenv("GUANGONG_TEST_LARGE") != "1" {
		b.Skip("GUANGONG_TEST_LARGE=1 generates 200,000 events")
	}
	for _, kind := range []string{"sqlite", "postgres"} {
		b.Run(kind, func(b *testing.B) {
			db := storetest.Open(b, kind)
			t0 := time.Now()
			c := bulkEventCounty(b, db)
			b.Logf("%s: generated %d committees and %d events in %s", kind, benchEventOrgs, benchEvents, time.Since(t0).Round(time.Second))
			a := &guangong.Actor{UserID: "u", Username: "countyclerk", Role: guangong.RoleClerk, OrgID: c.county}
			r := rand.New(rand.NewPCG(7, 8))
			var times []time.Duration
			rows := 0
			b.ResetTimer()
			for b.Loop() {
				t := time.Now()
				rows += fn(b, db, c, r, a)
				times = append(times, time.Since(t))
			}
			slices.Sort(times)
			ms := func(q float64) float64 {
				return float64(times[int(q*float64(len(times)-1))].Microseconds()) / 1000
			}
			b.ReportMetric(ms(0.5), "p50-ms")
			b.ReportMetric(ms(0.95), "p95-ms")
			b.ReportMetric(float64(rows)/float64(len(times)), "events/op")
		})
	}
}
