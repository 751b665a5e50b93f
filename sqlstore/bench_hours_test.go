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
	*countyTree
	volunteers []string
}

// bulkHoursCounty writes the tree, the volunteers and the records straight into the
// tables: literal multi-row INSERTs for the tree and the records (every value is the
// generator's own), the store's bulk helper for the volunteers.
func bulkHoursCounty(b *testing.B, db *sqlstore.DB) *hoursCounty {
	b.Helper()
	r := rand.New(rand.NewPCG(11, 1111))
	c := &hoursCounty{countyTree: bulkCountyTree(b, db, benchHoursTowns, benchHoursOrgs-1-benchHoursTowns)}
	orgs := c.orgs()

	home := map[string]string{} // volunteer → committee
	var vs []*guangong.Volunteer
	surnames := []rune("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗")
	given := []rune("建国德明秀英志强卫东玉兰桂芳海军淑珍立新")
	for i := range benchHoursVolunteers {
		o := orgs[1+r.IntN(len(orgs)-1)]
		v := &guangong.Volunteer{ID: guangong.NewID(), OrgID: o,
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
		org := home[vid]
		if t := c.townOf[org]; r.IntN(4) == 0 && t != "" {
			org = t // the town organised it
		}
		status := benchHoursStatus(r)
		day := first.AddDate(0, 0, r.IntN(days)).Format(guangong.DateLayout)
		confirmedAt := ""
		if status == guangong.HoursConfirmed {
			confirmedAt = benchStamp
		}
		rows = append(rows, fmt.Sprintf("('%s', '%s', '%s', '', '', '%s', %d, '', '%s', '%s', 'u', '录入员', '%s', '', '%s', '', '', '', 1, '%s', '%s')",
			guangong.NewID(), vid, org, day, 30+15*r.IntN(16), contents[r.IntN(len(contents))], status, benchStamp, confirmedAt, benchStamp, benchStamp))
		if len(rows) == 20_000 {
			bulkLiteral(b, db, benchHoursInsert, rows)
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
	largeOnBoth(b, "1,000,000 service-hours records", func(b *testing.B, kind string, db *sqlstore.DB) {
		t0 := time.Now()
		c := bulkHoursCounty(b, db)
		b.Logf("%s: generated %d committees, %d volunteers and %d hour records in %s", kind, benchHoursOrgs,
			benchHoursVolunteers, benchHoursRecords, time.Since(t0).Round(time.Second))
		a := c.clerk()
		b.Run("typical", func(b *testing.B) { benchYearlyHours(b, db, a, c.volunteers) })
		b.Run("busiest", func(b *testing.B) { benchYearlyHours(b, db, a, c.volunteers[:benchHoursBusiest]) })
	})
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
	reportPercentiles(b, times)
	b.ReportMetric(float64(records)/float64(len(times)), "records/op")
}
