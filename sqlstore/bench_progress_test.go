package sqlstore_test

import (
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"guangong"
	"guangong/sqlstore"
)

// The progress page at county scale: a county of 20 towns and 480 villages (501
// committees) with 200,000 activities and 20,000 meetings spread over benchYears years
// (GUANGONG_BENCH_PROGRESS_YEARS, default 10: 2015–2024), a tenth co-organised by the
// village and its town, a tenth only planned; a troupe of 20 in every village and a plan of
// 12 items for every committee in 2021; 20,000 volunteers with 1,000,000 service-hours
// records, and a duty post in every town and village with a shift twice a month (bulkService).
// Set-up writes the rows straight into the tables with multi-row INSERTs of literal values
// (all generated here), then settles the statistics. Runs only with -bench and
// GUANGONG_TEST_LARGE=1:
//
//	GUANGONG_TEST_LARGE=1 GUANGONG_TEST_POSTGRES=postgres://postgres@127.0.0.1:5432/test?sslmode=disable \
//	  go test ./sqlstore/ -run '^$' -bench Progress -benchtime 30x -timeout 30m -v

// benchN is ten times the activities (GUANGONG_BENCH_PROGRESS_N, default 2,000,000), so a
// quick look at the plans can run on less data.
var benchN = func() int {
	if n, err := strconv.Atoi(os.Getenv("GUANGONG_BENCH_PROGRESS_N")); err == nil && n > 0 {
		return n
	}
	return 2_000_000
}()

func benchYears() int {
	if s := os.Getenv("GUANGONG_BENCH_PROGRESS_YEARS"); s != "" {
		if n, err := strconv.Atoi(s); err == nil && n > 0 {
			return n
		}
	}
	return 10
}

func bulkEvents(b *testing.B, db *sqlstore.DB, bc *sqlstore.County, activities, meetings int) {
	b.Helper()
	years := benchYears()
	first := 2025 - years
	r := rand.New(rand.NewPCG(7, 8))
	cats := []struct{ cat, sub, scale string }{
		{"central", "epidemic", ""}, {"central", "sanitation", ""}, {"moral", "lecture", ""}, {"moral", "speech", ""},
		{"moral", "qingming", ""}, {"moral", "theme", ""}, {"care", "", ""}, {"performance", "", "large"},
		{"performance", "", "small"}, {"service", "exam_guard", ""}, {"service", "school_guard", ""}, {"aid", "", ""},
	}
	orgsAll := bc.Orgs()
	// A plan of 12 items for every committee in 2021; the first event of a committee's
	// month then carries out its item, so plans are part done, part overdue.
	var plans []string
	planned := map[string]string{} // org + month → item
	for _, o := range orgsAll {
		for m := 1; m <= 12; m++ {
			id := guangong.NewID()
			planned[fmt.Sprintf("%s-2021-%02d", o, m)] = id
			plans = append(plans, fmt.Sprintf("('%s', '%s', 2021, %d, 'activity', '', 'moral', 'lecture', '宣讲', FALSE, '', 1, '%s', '%s')",
				id, o, m, sqlstore.LoadStamp, sqlstore.LoadStamp))
		}
	}
	var events, links []string
	flush := func() {
		bulkLiteral(b, db, sqlstore.LoadEventsInsert, events)
		bulkLiteral(b, db, sqlstore.LoadEventOrgsInsert, links)
		events, links = events[:0], links[:0]
	}
	for i := range activities + meetings {
		id := guangong.NewID()
		vi := r.IntN(len(bc.Villages))
		host := bc.Villages[vi]
		if r.IntN(10) == 0 { // a tenth hosted by a town or the county
			host = orgsAll[r.IntN(1+len(bc.Towns))]
		}
		day := fmt.Sprintf("%04d-%02d-%02d", first+r.IntN(years), 1+r.IntN(12), 1+r.IntN(28))
		status := "held"
		switch r.IntN(10) {
		case 0:
			status = "planned"
		case 1, 2, 3:
			status = "recorded"
		}
		typ, kind, cat, sub, scale := "activity", "", "", "", ""
		if i >= activities {
			typ, kind = "meeting", guangong.MeetingKinds[r.IntN(len(guangong.MeetingKinds))]
		} else {
			c := cats[r.IntN(len(cats))]
			cat, sub, scale = c.cat, c.sub, c.scale
		}
		large := r.IntN(5) == 0 || scale == "large"
		item := planned[host+"-"+day[:7]]
		if item != "" && r.IntN(2) == 0 {
			delete(planned, host+"-"+day[:7])
		} else {
			item = ""
		}
		events = append(events, fmt.Sprintf(`('%s', '%s', '%s', '%s', '%s', '%s', '活动', '%sT01:00:00.000000Z', '%sT03:00:00.000000Z',
			'%s', '', '', '', '', '', '', '%s', '%s', %v, '', %d, 0, 0, 0, '%s', 1, '%s', '%s')`,
			id, typ, host, kind, cat, sub, day, day, day, status, scale, large, r.IntN(100), item, sqlstore.LoadStamp, sqlstore.LoadStamp))
		links = append(links, fmt.Sprintf("('%s', '%s', '%s', '%sT01:00:00.000000Z')", id, host, day, day))
		if r.IntN(10) == 0 && host == bc.Villages[vi] { // co-organised with its town
			links = append(links, fmt.Sprintf("('%s', '%s', '%s', '%sT01:00:00.000000Z')", id, bc.TownOf[host], day, day))
		}
		if len(events) == 5000 {
			flush()
			if i%50000 < 5000 {
				fmt.Fprintln(os.Stderr, "progress bench: events", i+1, time.Now().Format(time.TimeOnly))
			}
		}
	}
	flush()
	// Troupes in every village.
	var troupes, members []string
	for _, v := range bc.Villages {
		tid := guangong.NewID()
		troupes = append(troupes, fmt.Sprintf("('%s', '%s', '文艺队', 'dance', '2018-01-01', 1, '%s', '%s')", tid, v, sqlstore.LoadStamp, sqlstore.LoadStamp))
		for range 20 {
			members = append(members, fmt.Sprintf("('%s', '%s', '', '队员', '', '2018-01-01', '')", guangong.NewID(), tid))
		}
	}
	bulkLiteral(b, db, `INSERT INTO troupes (id, org_id, name, kind, founded, version, created_at, updated_at) VALUES `, troupes)
	bulkLiteral(b, db, `INSERT INTO troupe_members (id, troupe_id, volunteer_id, name, role, from_date, to_date) VALUES `, members)
	bulkLiteral(b, db, `INSERT INTO plan_items (id, org_id, year, month, type, kind, category, subcategory, title, large,
		event_id, version, created_at, updated_at) VALUES `, plans)
}

// bulkService writes what the hours and duty metrics count: 20,000 volunteers (about 40
// in every village), hours service-hours records over the benchmark's years (a quarter
// organised by the village's town; 88% confirmed, the rest recorded, corrected or void),
// a street post in every village and a duty-group post in every town with a shift twice a
// month and three of the committee's volunteers on each.
func bulkService(b *testing.B, db *sqlstore.DB, bc *sqlstore.County, hours int) {
	b.Helper()
	years := benchYears()
	first := 2025 - years
	r := rand.New(rand.NewPCG(9, 10))
	home := map[string][]string{} // committee → its volunteers
	var vs []*guangong.Volunteer
	var all, orgOf []string
	for i := range 20_000 {
		org := bc.Villages[i%len(bc.Villages)]
		if i%50 == 0 {
			org = bc.Towns[(i/50)%len(bc.Towns)]
		}
		v := &guangong.Volunteer{ID: guangong.NewID(), OrgID: org, Name: fmt.Sprintf("志愿者%05d", i), Gender: guangong.Male,
			BirthDate: "1950-03-01", Category: guangong.ElderTeacher, Skills: []string{}, Status: "active", ConsentDate: "2015-01-01"}
		vs = append(vs, v)
		all, orgOf = append(all, v.ID), append(orgOf, org)
		home[org] = append(home[org], v.ID)
		if len(vs) == 5000 {
			if err := db.BulkVolunteers(ctx, vs); err != nil {
				b.Fatal(err)
			}
			vs = vs[:0]
		}
	}
	var rows []string
	for range hours {
		k := r.IntN(len(all))
		org := orgOf[k]
		if t := bc.TownOf[org]; t != "" && r.IntN(4) == 0 {
			org = t
		}
		status := sqlstore.LoadHoursStatus(r)
		day := fmt.Sprintf("%04d-%02d-%02d", first+r.IntN(years), 1+r.IntN(12), 1+r.IntN(28))
		rows = append(rows, fmt.Sprintf("('%s', '%s', '%s', '', '', '%s', %d, '', '服务', '%s', 'u', '录入员', '%s', '', '%s', '', '', '', 1, '%s', '%s')",
			guangong.NewID(), all[k], org, day, 30+15*r.IntN(16), status, sqlstore.LoadStamp, sqlstore.LoadStamp, sqlstore.LoadStamp, sqlstore.LoadStamp))
		if len(rows) == 20_000 {
			bulkLiteral(b, db, sqlstore.LoadHoursInsert, rows)
			rows = rows[:0]
		}
	}
	bulkLiteral(b, db, sqlstore.LoadHoursInsert, rows)
	var posts, shifts, filled []string
	for _, org := range append(slices.Clone(bc.Towns), bc.Villages...) {
		pid, kind := guangong.NewID(), "street"
		if bc.TownOf[org] == "" {
			kind = "duty_group"
		}
		posts = append(posts, fmt.Sprintf("('%s', '%s', '%s', '岗位', '', '%s', TRUE, 1, '%s', '%s')", pid, org, kind, pid, sqlstore.LoadStamp, sqlstore.LoadStamp))
		vols := home[org]
		for y := first; y < first+years; y++ {
			for m := 1; m <= 12; m++ {
				for _, d := range []int{5, 20} {
					sid, day := guangong.NewID(), fmt.Sprintf("%04d-%02d-%02d", y, m, d)
					shifts = append(shifts, fmt.Sprintf("('%s', '%s', '值守', '%sT00:00:00.000000Z', '%sT02:00:00.000000Z', '%s', 3, 1, '%s')",
						sid, pid, day, day, day, sqlstore.LoadStamp))
					for _, k := range r.Perm(len(vols))[:min(3, len(vols))] {
						filled = append(filled, fmt.Sprintf("('%s', '%s', '%s', 'assigned', '', '', '', FALSE, 1, '%s')",
							guangong.NewID(), sid, vols[k], sqlstore.LoadStamp))
					}
				}
			}
		}
	}
	bulkLiteral(b, db, `INSERT INTO duty_posts (id, org_id, kind, name, place, qr_token, active, version, created_at, updated_at) VALUES `, posts)
	bulkLiteral(b, db, `INSERT INTO shifts (id, post_id, role, starts_at, ends_at, starts_on, headcount, version, created_at) VALUES `, shifts)
	bulkLiteral(b, db, `INSERT INTO shift_volunteers (id, shift_id, volunteer_id, source, check_in_at, check_out_at, closed_by,
		review, version, created_at) VALUES `, filled)
}

func BenchmarkProgress(b *testing.B) {
	largeOnBoth(b, fmt.Sprintf("%d activities and %d service-hours records", benchN/10, benchN/2), func(b *testing.B, kind string, db *sqlstore.DB) {
		bc := loadTree(b, db, 20, 480)
		t0 := time.Now()
		bulkEvents(b, db, bc, benchN/10, benchN/100)
		bulkService(b, db, bc, benchN/2)
		b.Logf("%s: %d activities, %d meetings and %d service-hours records over %d years written in %s", kind,
			benchN/10, benchN/100, benchN/2, benchYears(), time.Since(t0).Round(time.Second))
		// The rows went in around the store, so the subtree figures are counted from them
		// once, as the migration that brought the tallies does for existing data.
		t0 = time.Now()
		if err := db.RecountTallies(ctx); err != nil {
			b.Fatal(err)
		}
		b.Logf("%s: subtree figures recounted from the records in %s", kind, time.Since(t0).Round(time.Millisecond))
		if err := db.Settle(ctx); err != nil {
			b.Fatal(err)
		}
		a := clerk(bc)
		year := 2021
		for i := range 3 { // where a county's page spends its time, once warm
			parts, err := db.ProgressParts(ctx, bc.County, year, true)
			if err != nil {
				b.Fatal(err)
			}
			if i == 2 {
				b.Logf("%s county, query by query: %v", kind, parts)
			}
		}
		b.Run("county-subtree", func(b *testing.B) {
			timed(b, func() {
				p, err := db.Progress(ctx, a, bc.County, year, true)
				if err != nil {
					b.Fatal(err)
				}
				if p.Metric(guangong.MetricActivities).Done == 0 || len(p.Overdue) == 0 {
					b.Fatal("empty progress")
				}
			})
		})
		b.Run("town-subtree", func(b *testing.B) {
			timed(b, func() {
				if _, err := db.Progress(ctx, a, bc.Towns[3], year, true); err != nil {
					b.Fatal(err)
				}
			})
		})
		b.Run("village-own", func(b *testing.B) {
			timed(b, func() {
				if _, err := db.Progress(ctx, a, bc.Villages[77], year, false); err != nil {
					b.Fatal(err)
				}
			})
		})
		b.Run("county-years-2019-2022", func(b *testing.B) {
			timed(b, func() {
				if _, err := db.ProgressYears(ctx, a, bc.County, 2019, 2022, true); err != nil {
					b.Fatal(err)
				}
			})
		})
		// What keeping the tallies costs a write at this scale: an activity held in a village
		// and co-organised by its town (figures of the village, the town and the county), and
		// one recorded service-hours row confirmed.
		b.Run("record-event", func(b *testing.B) {
			i := 0
			timed(b, func() {
				v := bc.Villages[i%len(bc.Villages)]
				i++
				start := time.Date(2021, time.Month(1+i%12), 10, 1, 0, 0, 0, time.UTC)
				e := &guangong.Event{Type: guangong.EventActivity, OrgID: v, CoOrgIDs: []string{bc.TownOf[v]},
					Category: "moral", Subcategory: "lecture", Title: "宣讲", StartsAt: start, EndsAt: start.Add(2 * time.Hour),
					Place: "村部", Status: guangong.EventHeld}
				if err := db.CreateEvent(ctx, a, e); err != nil {
					b.Fatal(err)
				}
			})
		})
		var recorded []guangong.VersionRef
		rows, err := db.RawReader().QueryContext(ctx, `SELECT id, version FROM service_hours WHERE status = 'recorded'
			ORDER BY id LIMIT 2000`)
		if err != nil {
			b.Fatal(err)
		}
		for rows.Next() {
			var r guangong.VersionRef
			if err := rows.Scan(&r.ID, &r.Version); err != nil {
				b.Fatal(err)
			}
			recorded = append(recorded, r)
		}
		rows.Close()
		b.Run("confirm-hours", func(b *testing.B) {
			i := 0
			timed(b, func() {
				if err := db.ConfirmHours(ctx, a, recorded[i:i+1]); err != nil {
					b.Fatal(err)
				}
				i++
			})
		})
		t0 = time.Now()
		diffs, err := db.CheckTallies(ctx)
		if err != nil {
			b.Fatal(err)
		}
		if len(diffs) > 0 {
			b.Fatalf("%d tallies differ from a recount, first %+v", len(diffs), diffs[0])
		}
		b.Logf("%s: every tally equals a recount from the records (checked in %s)", kind, time.Since(t0).Round(time.Millisecond))
	})
}
