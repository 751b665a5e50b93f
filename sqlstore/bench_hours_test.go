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

// A county of 500 committees (the county, 20 towns, 479 villages), 50,000 volunteers and
// 1,000,000 service-hours records over 2019–2026: a fifth of the records belong to the 100
// busiest volunteers (standing duty: about 2,000 records each, 250 a year), the rest spread
// over everyone (about 16 each); mostly confirmed, some corrected or voided, organised by
// the volunteer's committee or the town above it.
const (
	benchHoursOrgs       = 500
	benchHoursTowns      = 20
	benchHoursVolunteers = 50_000
	benchHoursRecords    = 1_000_000
	benchHoursFirstYear  = 2019
	benchHoursYears      = 8
	benchHoursBusiest    = 100
)

type hoursCounty struct {
	county     string
	volunteers []string
}

// bulkHoursCounty writes the tree, the volunteers and the records straight into the
// tables: literal multi-row INSERTs for the tree and the records (every value is the
// generator's own), the store's bulk helper for the volunteers.
func bulkHoursCounty(b *testing.B, db *sqlstore.DB) *hoursCounty {
	b.Helper()
	r := rand.New(rand.NewPCG(11, 1111))
	c := &hoursCounty{county: guangong.NewID()}
	type org struct{ id, parent, town string }
	orgs := []org{{c.county, "", ""}}
	var towns []string
	for range benchHoursTowns {
		t := guangong.NewID()
		towns = append(towns, t)
		orgs = append(orgs, org{t, c.county, t})
	}
	for i := 0; len(orgs) < benchHoursOrgs; i++ {
		t := towns[i%benchHoursTowns]
		orgs = append(orgs, org{guangong.NewID(), t, t})
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
		parent, level, depth := "NULL", guangong.LevelVillage, 2
		switch {
		case o.parent == "":
			level, depth = guangong.LevelCounty, 0
		case o.town == o.id:
			level, depth = guangong.LevelTown, 1
		}
		if o.parent != "" {
			parent = "'" + o.parent + "'"
		}
		orgRows = append(orgRows, fmt.Sprintf("('%s', %s, '时长委员会%03d', '', '%s', 'H%04d', '', '', '', 'active', NULL, %d, 1, '%s', '%s')",
			o.id, parent, i, level, i, depth, now, now))
		closure = append(closure, fmt.Sprintf("('%s', '%s', 0)", o.id, o.id))
		if o.parent != "" {
			closure = append(closure, fmt.Sprintf("('%s', '%s', %d)", c.county, o.id, depth))
		}
		if depth == 2 {
			closure = append(closure, fmt.Sprintf("('%s', '%s', 1)", o.town, o.id))
		}
	}
	exec(`INSERT INTO orgs (id, parent_id, name, short_name, level, code, address, contact, established, status,
		dissolved_at, depth, version, created_at, updated_at) VALUES `, orgRows)
	exec(`INSERT INTO org_closure (ancestor_id, descendant_id, depth) VALUES `, closure)

	home := map[string]org{}
	var vs []*guangong.Volunteer
	surnames := []rune("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗")
	given := []rune("建国德明秀英志强卫东玉兰桂芳海军淑珍立新")
	for i := range benchHoursVolunteers {
		o := orgs[1+r.IntN(len(orgs)-1)]
		v := &guangong.Volunteer{ID: guangong.NewID(), OrgID: o.id,
			Name:   string([]rune{surnames[r.IntN(len(surnames))], given[r.IntN(len(given))], given[r.IntN(len(given))]}),
			Gender: guangong.Male, BirthDate: fmt.Sprintf("19%02d-0%d-1%d", 40+r.IntN(25), 1+r.IntN(9), r.IntN(10)),
			Category: guangong.ElderTeacher, Skills: []string{}, Status: "active", ConsentDate: "2018-01-01"}
		vs = append(vs, v)
		c.volunteers = append(c.volunteers, v.ID)
		home[v.ID] = o
		if len(vs) == 5_000 || i == benchHoursVolunteers-1 {
			if err := db.BulkVolunteers(ctx, vs); err != nil {
				b.Fatal(err)
			}
			vs = vs[:0]
		}
	}

	first := time.Date(benchHoursFirstYear, 1, 1, 0, 0, 0, 0, time.UTC)
	days := int(time.Date(benchHoursFirstYear+benchHoursYears, 1, 1, 0, 0, 0, 0, time.UTC).Sub(first).Hours() / 24)
	contents := []string{"护学岗值守", "清明祭扫讲解", "政策宣讲", "环境卫生整治", "矛盾调解", "中考护考", "街长巡查"}
	var rows []string
	for range benchHoursRecords {
		vid := c.volunteers[r.IntN(len(c.volunteers))]
		if r.IntN(5) == 0 {
			vid = c.volunteers[r.IntN(benchHoursBusiest)]
		}
		o := home[vid]
		org := o.id
		if r.IntN(4) == 0 {
			org = o.town // the town organised it
		}
		status := guangong.HoursConfirmed
		switch n := r.IntN(100); {
		case n < 8:
			status = guangong.HoursRecorded
		case n < 10:
			status = guangong.HoursVoid
		case n < 12:
			status = guangong.HoursSuperseded
		}
		day := first.AddDate(0, 0, r.IntN(days)).Format(guangong.DateLayout)
		confirmedAt := ""
		if status == guangong.HoursConfirmed {
			confirmedAt = now
		}
		rows = append(rows, fmt.Sprintf("('%s', '%s', '%s', '', '', '%s', %d, '', '%s', '%s', 'u', '录入员', '%s', '', '%s', '', '', '', 1, '%s', '%s')",
			guangong.NewID(), vid, org, day, 30+15*r.IntN(16), contents[r.IntN(len(contents))], status, now, confirmedAt, now, now))
		if len(rows) == 20_000 {
			exec(`INSERT INTO service_hours (id, volunteer_id, org_id, event_id, shift_id, served_on, minutes, place, content,
				status, recorded_by, recorder_name, recorded_at, confirmed_by, confirmed_at, supersedes, superseded_by, reason,
				version, created_at, updated_at) VALUES `, rows)
			rows = rows[:0]
		}
	}
	if _, err := db.RawExec(ctx, `ANALYZE`); err != nil {
		b.Fatal(err)
	}
	return c
}

// BenchmarkVolunteerYearlyHours: a county clerk opens a volunteer's service record as the
// volunteer page shows it: the yearly totals and the first page of one year's records (with
// the total), for a random volunteer ("typical") and for one of the 100 busiest. Needs
// GUANGONG_TEST_LARGE=1; reports p50 and p95 in milliseconds.
func BenchmarkVolunteerYearlyHours(b *testing.B) {
	if os.Getenv("GUANGONG_TEST_LARGE") != "1" {
		b.Skip("GUANGONG_TEST_LARGE=1 generates 1,000,000 service-hours records")
	}
	for _, kind := range []string{"sqlite", "postgres"} {
		b.Run(kind, func(b *testing.B) {
			db := storetest.Open(b, kind)
			t0 := time.Now()
			c := bulkHoursCounty(b, db)
			b.Logf("%s: generated %d committees, %d volunteers and %d hour records in %s", kind, benchHoursOrgs,
				benchHoursVolunteers, benchHoursRecords, time.Since(t0).Round(time.Second))
			a := &guangong.Actor{UserID: "u", Username: "countyclerk", Role: guangong.RoleClerk, OrgID: c.county}
			b.Run("typical", func(b *testing.B) { benchYearlyHours(b, db, a, c.volunteers) })
			b.Run("busiest", func(b *testing.B) { benchYearlyHours(b, db, a, c.volunteers[:benchHoursBusiest]) })
		})
	}
}

func benchYearlyHours(b *testing.B, db *sqlstore.DB, a *guangong.Actor, volunteers []string) {
	r := rand.New(rand.NewPCG(5, 6))
	var times []time.Duration
	records := 0
	for b.Loop() {
		vid := volunteers[r.IntN(len(volunteers))]
		year := fmt.Sprint(benchHoursFirstYear + r.IntN(benchHoursYears))
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
	slices.Sort(times)
	ms := func(q float64) float64 {
		return float64(times[int(q*float64(len(times)-1))].Microseconds()) / 1000
	}
	b.ReportMetric(ms(0.5), "p50-ms")
	b.ReportMetric(ms(0.95), "p95-ms")
	b.ReportMetric(float64(records)/float64(len(times)), "records/op")
}
