package sqlstore_test

import (
	"cmp"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"guangong"
	"guangong/sqlstore"
	"guangong/sqlstore/storetest"
)

// The query plans of the store's list and read paths on a generated county (a fifth of the
// load-test kit's): every SELECT the store runs in each case is captured as it runs (its
// text and arguments, sqlstore.TraceQueries) and explained with the same arguments, on
// SQLite and PostgreSQL. The test fails when a SQLite plan reads a big table whole or sorts
// its rows in a temporary b-tree, unless the case says why that is right. With
// GUANGONG_EXPLAIN_OUT it writes every plan as Markdown (docs/plans.md):
//
//	GUANGONG_TEST_LARGE=1 GUANGONG_TEST_POSTGRES='postgres://postgres@127.0.0.1:5432/test?sslmode=disable' \
//	GUANGONG_EXPLAIN_OUT=$PWD/docs/plans.md go test ./sqlstore/ -run TestQueryPlans -v

// bigTables grow with the county's work; a read of one must go through an index.
var bigTables = []string{"events", "event_orgs", "service_hours", "volunteers", "audit_log", "tallies"}

// planCase is one call of a store method; allow names a plan's fault and why it is right
// there (see faults).
type planCase struct {
	name  string
	run   func() error
	allow map[string]string
	// seek: a table's name or alias in the plan → what each SQLite plan line searching it
	// must bound (a range the case's query must narrow by, such as served_on's period)
	seek map[string]string
}

// captured is one distinct statement of a case, with the arguments of its first run and
// its plan.
type captured struct {
	query  string
	args   []any
	plan   []string
	faults []string // each with the case's reason for allowing it
	uses   []string // indexes the plan reads, "<table> primary key" for SQLite's WITHOUT ROWID keys
}

type planRun struct {
	kind    string
	cases   []string
	queries map[string][]*captured // by case name
	indexes map[string][]string    // table → its indexes
}

func TestQueryPlans(t *testing.T) {
	if os.Getenv("GUANGONG_TEST_LARGE") != "1" {
		t.Skip("GUANGONG_TEST_LARGE=1 generates a county of 20,000 activities to explain the store's queries on")
	}
	var runs []*planRun
	for _, kind := range []string{"sqlite", "postgres"} {
		t.Run(kind, func(t *testing.T) {
			var mu sync.Mutex
			var recording string // the case whose statements are kept, "" between cases
			var seen []*captured
			// Set before the database opens (PostgreSQL traces the connections opened while
			// it is set) and cleared after it closes: cleanups run last first.
			t.Cleanup(sqlstore.TraceQueries(func(q string, args []any) {
				mu.Lock()
				defer mu.Unlock()
				head := strings.ToUpper(strings.TrimLeft(q, " \t\n("))
				if recording == "" || !(strings.HasPrefix(head, "SELECT") || strings.HasPrefix(head, "WITH")) {
					return
				}
				for _, c := range seen {
					if c.query == q {
						return
					}
				}
				seen = append(seen, &captured{query: q, args: slices.Clone(args)})
			}))
			db := storetest.Open(t, kind)
			t0 := time.Now()
			c, err := db.Load(ctx, sqlstore.LoadKit.Scaled(0.2), nil)
			if err != nil {
				t.Fatal(err)
			}
			cases := planCases(t, db, c)
			if err := db.Settle(ctx); err != nil { // the audit trail the cases' set-up wrote
				t.Fatal(err)
			}
			t.Logf("%s: county generated and set up in %s", kind, time.Since(t0).Round(time.Millisecond))
			run := &planRun{kind: kind, queries: map[string][]*captured{}, indexes: tableIndexes(t, db)}
			for _, pc := range cases {
				mu.Lock()
				recording, seen = pc.name, nil
				mu.Unlock()
				err := pc.run()
				mu.Lock()
				got := seen
				recording, seen = "", nil
				mu.Unlock()
				if err != nil {
					t.Fatalf("%s: %v", pc.name, err)
				}
				if len(got) == 0 {
					t.Fatalf("%s ran no SELECT", pc.name)
				}
				for _, cq := range got {
					cq.plan = explain(t, db, cq)
					cq.uses = planIndexes(cq.query, cq.plan)
					if kind == "sqlite" {
						checkPlan(t, pc, cq)
					}
				}
				run.cases = append(run.cases, pc.name)
				run.queries[pc.name] = got
			}
			runs = append(runs, run)
		})
	}
	if out := os.Getenv("GUANGONG_EXPLAIN_OUT"); out != "" && !t.Failed() && len(runs) == 2 {
		if err := os.WriteFile(out, []byte(plansMarkdown(runs)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// planCases are the reads a county clerk, a town clerk and their auditors make, on committees
// of the generated county c. Setting up writes a small audit trail (events created and
// updated by the town clerk) for the audit list to read.
func planCases(t *testing.T, db *sqlstore.DB, c *sqlstore.County) []planCase {
	t.Helper()
	town := c.Towns[3]
	county := c.County
	cc := clerk(c)
	tc := &guangong.Actor{UserID: "u-town", Username: "townclerk", Role: guangong.RoleClerk, OrgID: town}
	ca := &guangong.Actor{UserID: "u-audit", Username: "countyauditor", Role: guangong.RoleAuditor, OrgID: county}
	ta := &guangong.Actor{UserID: "u-taudit", Username: "townauditor", Role: guangong.RoleAuditor, OrgID: town}
	tadmin := &guangong.Actor{UserID: "u-tadmin", Username: "townadmin", Role: guangong.RoleOrgAdmin, OrgID: town}

	// An audit trail by several accounts over two months: clerks of six villages create
	// events, one a day, and edit every third. The generator writes no ID numbers; most real volunteers have one, so the
	// duplicate search's plan is made on blind indexes that tell people apart.
	var villages []string
	for _, v := range c.Villages {
		if c.TownOf[v] == town {
			villages = append(villages, v)
		}
	}
	now := db.Now
	defer func() { db.Now = now }()
	trailStart := time.Date(2026, 10, 1, 9, 0, 0, 0, time.UTC)
	for i := range 60 {
		db.Now = func() time.Time { return trailStart.AddDate(0, 0, i) }
		v := villages[i%6]
		a := &guangong.Actor{UserID: fmt.Sprintf("u-clerk%d", i%6), Username: fmt.Sprintf("clerk%d", i%6), Role: guangong.RoleClerk, OrgID: v}
		e := &guangong.Event{Type: guangong.EventActivity, OrgID: v, Category: "service", Title: fmt.Sprintf("巡河 %d", i),
			StartsAt: time.Date(2024, 6, 1+i%28, 9, 0, 0, 0, guangong.Shanghai), Place: "村委会", Status: guangong.EventHeld}
		e.EndsAt = e.StartsAt.Add(2 * time.Hour)
		if err := db.CreateEvent(ctx, a, e); err != nil {
			t.Fatal(err)
		}
		if i%3 == 0 {
			e.Title += "（改）"
			if err := db.UpdateEvent(ctx, a, e); err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, err := db.RawExec(ctx, `UPDATE volunteers SET id_hash = id`); err != nil {
		t.Fatal(err)
	}
	village := villages[1]

	// A record of the town's subtree, its volunteer, an event of the village and a name.
	var hoursID, volunteer, event, name string
	if err := db.RawQueryRow(ctx, `SELECT h.id, h.volunteer_id FROM service_hours h
		JOIN org_closure oc ON oc.descendant_id = h.org_id WHERE oc.ancestor_id = $1 ORDER BY h.id LIMIT 1`, town).
		Scan(&hoursID, &volunteer); err != nil {
		t.Fatal(err)
	}
	if err := db.RawQueryRow(ctx, `SELECT event_id FROM event_orgs WHERE org_id = $1 AND starts_on < '2025-01-01'
		ORDER BY starts_at DESC LIMIT 1`, village).Scan(&event); err != nil {
		t.Fatal(err)
	}
	if err := db.RawQueryRow(ctx, `SELECT name FROM volunteers WHERE id = $1`, volunteer).Scan(&name); err != nil {
		t.Fatal(err)
	}
	var head int64
	if err := db.RawQueryRow(ctx, `SELECT seq FROM audit_head WHERE id = 1`).Scan(&head); err != nil {
		t.Fatal(err)
	}
	surname := string([]rune(name)[:1])
	from, to := "2024-01-01", "2024-12-31"
	activity, category := guangong.EventActivity, "care"
	confirmed := guangong.HoursConfirmed
	year := guangong.EventFilter{From: &from, To: &to}
	events := func(a *guangong.Actor, org *string, f guangong.EventFilter) func() error {
		return func() error {
			f.OrgID = org
			_, _, err := db.FindEvents(ctx, a, f)
			return err
		}
	}
	with := func(f guangong.EventFilter, edit func(*guangong.EventFilter)) guangong.EventFilter {
		edit(&f)
		return f
	}
	err1 := func(fn func() (any, error)) func() error {
		return func() error { _, err := fn(); return err }
	}
	list := func(fn func() (any, int, error)) func() error {
		return func() error { _, _, err := fn(); return err }
	}
	auditUser, auditObject := "clerk1", "event"
	// Why a sort is right where it is allowed: a subtree's rows come from one index range per
	// committee, and no index orders several committees' ranges together.
	merged := map[string]string{"sort": "a month of every committee of the subtree (at most 2,000 events), merged by start time"}
	hoursMerged := map[string]string{"sort": "the subtree's records, one range of service_hours_org_minutes per committee, merged by date"}
	namesMerged := map[string]string{"sort": "the subtree's people, one range of volunteers_org_name per committee, merged in name order"}
	eventsMerged := map[string]string{"sort": "the period's entries of event_orgs_org_day, one range per committee, merged by start time; " +
		"SQLite keeps only the first offset+limit of them (LIMIT), and the page's events, looked up by id, are put in that order"}
	return []planCase{
		{name: "FindEvents: a village's year", allow: eventsMerged, run: events(tc, &village, year)},
		{name: "FindEvents: a village's year, skipTotal", allow: eventsMerged, run: events(tc, &village, with(year, func(f *guangong.EventFilter) { f.SkipTotal = true }))},
		{name: "FindEvents: a town's subtree year", allow: eventsMerged, run: events(tc, &town, year)},
		{name: "FindEvents: a town's subtree year, skipTotal", allow: eventsMerged, run: events(tc, &town, with(year, func(f *guangong.EventFilter) { f.SkipTotal = true }))},
		{name: "FindEvents: a town's subtree year, third page", allow: eventsMerged, run: events(tc, &town, with(year, func(f *guangong.EventFilter) { f.Offset, f.Limit = 40, 20 }))},
		{name: "FindEvents: a town's subtree year, activities", allow: eventsMerged, run: events(tc, &town, with(year, func(f *guangong.EventFilter) { f.Type = &activity }))},
		{name: "FindEvents: a town's subtree year, one category", allow: eventsMerged, run: events(tc, &town, with(year, func(f *guangong.EventFilter) { f.Type, f.Category = &activity, &category }))},
		{name: "FindEvents: a town's subtree, every year", allow: eventsMerged, run: events(tc, &town, guangong.EventFilter{})},
		{name: "FindEvents: the county's year (county clerk)", allow: eventsMerged, run: events(cc, &county, year)},
		{name: "FindEvents: a volunteer's events", allow: eventsMerged, run: events(tc, &town, guangong.EventFilter{VolunteerID: &volunteer})},
		{name: "EventCalendar: a town's month", allow: merged, run: err1(func() (any, error) { return db.EventCalendar(ctx, tc, town, "2024-06") })},
		{name: "EventCalendar: a village's month", allow: merged, run: err1(func() (any, error) { return db.EventCalendar(ctx, tc, village, "2024-06") })},
		{name: "MatchEvents: an import's rows", run: err1(func() (any, error) {
			return db.MatchEvents(ctx, tc, []guangong.EventKey{{Row: 1, OrgID: village, Title: "巡河 1", StartsOn: "2024-06-02"},
				{Row: 2, OrgID: town, Title: "巡河 2", StartsOn: "2024-06-03"}})
		})},
		{name: "FindEventByID", run: err1(func() (any, error) { return db.FindEventByID(ctx, tc, event) })},
		{name: "FindHours: a town's year", allow: hoursMerged, seek: map[string]string{"h": "served_on>"}, run: list(func() (any, int, error) {
			return db.FindHours(ctx, tc, guangong.HoursFilter{OrgID: &town, From: &from, To: &to})
		})},
		{name: "FindHours: a town's confirmed records", allow: hoursMerged, run: list(func() (any, int, error) {
			return db.FindHours(ctx, tc, guangong.HoursFilter{OrgID: &town, Status: &confirmed})
		})},
		{name: "FindHours: a volunteer's records", run: list(func() (any, int, error) {
			return db.FindHours(ctx, tc, guangong.HoursFilter{VolunteerID: &volunteer})
		})},
		{name: "FindHours: a shift's records", allow: map[string]string{"sort": "one shift's records, by service_hours_shift, put in date order"}, run: list(func() (any, int, error) {
			shift := guangong.NewID() // the county has no duty shifts: the plan is the same for one
			return db.FindHours(ctx, tc, guangong.HoursFilter{ShiftID: &shift})
		})},
		{name: "FindHours: the county's year (county clerk)", allow: hoursMerged, run: list(func() (any, int, error) {
			return db.FindHours(ctx, cc, guangong.HoursFilter{OrgID: &county, From: &from, To: &to})
		})},
		{name: "HoursSheet: an event's", allow: map[string]string{"sort": "one event's volunteers, by event_volunteers' key, put in name order"}, run: err1(func() (any, error) { return db.HoursSheet(ctx, tc, event, "") })},
		{name: "FindHoursByID", run: err1(func() (any, error) { return db.FindHoursByID(ctx, tc, hoursID) })},
		{name: "HoursTrace", run: err1(func() (any, error) { return db.HoursTrace(ctx, tc, hoursID) })},
		{name: "YearlyHours: a volunteer's yearly hours", run: err1(func() (any, error) { return db.YearlyHours(ctx, tc, volunteer) })},
		{name: "VolunteerEvents", allow: map[string]string{"sort": "one volunteer's events, by event_volunteers_volunteer, put in date order"}, run: list(func() (any, int, error) { return db.VolunteerEvents(ctx, tc, volunteer, guangong.Page{}) })},
		{name: "VolunteerShifts", run: list(func() (any, int, error) { return db.VolunteerShifts(ctx, tc, volunteer, guangong.Page{}) })},
		{name: "FindVolunteers: a town's list", allow: namesMerged, run: list(func() (any, int, error) {
			return db.FindVolunteers(ctx, tc, guangong.PersonFilter{OrgID: &town})
		})},
		{name: "FindVolunteers: the county's list (county clerk)", allow: namesMerged, run: list(func() (any, int, error) {
			return db.FindVolunteers(ctx, cc, guangong.PersonFilter{OrgID: &county})
		})},
		{name: "FindVolunteers: a full name in a town", run: list(func() (any, int, error) {
			return db.FindVolunteers(ctx, tc, guangong.PersonFilter{OrgID: &town, Query: &name})
		})},
		{name: "FindVolunteers: a surname in the county (county clerk)", allow: map[string]string{"scan volunteers": "a one-character name within up to 1,000 committees is matched over the scope's people (issue 3), and the county's scope is every volunteer: " +
			"the count stops at 1,001, the page walks volunteers_name and stops at 50",
			"sort": "without statistics: the subtree's people whose name matches, one range of volunteers_org_name per committee, sorted by name"}, run: list(func() (any, int, error) {
			return db.FindVolunteers(ctx, cc, guangong.PersonFilter{OrgID: &county, Query: &surname})
		})},
		{name: "FindVolunteers: aged 80 and over in the county (county clerk)", allow: namesMerged, run: list(func() (any, int, error) {
			band := "80+"
			return db.FindVolunteers(ctx, cc, guangong.PersonFilter{OrgID: &county, AgeBand: &band})
		})},
		{name: "FindVolunteerByID", run: err1(func() (any, error) { return db.FindVolunteerByID(ctx, tc, volunteer) })},
		{name: "Memberships", run: err1(func() (any, error) { return db.Memberships(ctx, tc, volunteer) })},
		{name: "FindOrgs: the county's towns (county clerk)", run: list(func() (any, int, error) {
			return db.FindOrgs(ctx, cc, guangong.OrgFilter{ParentID: &county})
		})},
		{name: "FindOrgs: a town's subtree", run: list(func() (any, int, error) {
			return db.FindOrgs(ctx, tc, guangong.OrgFilter{Under: &town})
		})},
		{name: "FindOrgs: by name (county clerk)", run: list(func() (any, int, error) {
			q := "村0"
			return db.FindOrgs(ctx, cc, guangong.OrgFilter{Query: &q})
		})},
		{name: "FindOrgByID", run: err1(func() (any, error) { return db.FindOrgByID(ctx, tc, village) })},
		{name: "OrgAncestors", run: err1(func() (any, error) { return db.OrgAncestors(ctx, tc, village) })},
		{name: "OrgSummary: a town", run: err1(func() (any, error) { return db.OrgSummary(ctx, tc, town) })},
		{name: "Progress: a town's subtree year", run: err1(func() (any, error) { return db.Progress(ctx, tc, town, 2024, true) })},
		{name: "Progress: a village's year", run: err1(func() (any, error) { return db.Progress(ctx, tc, village, 2024, false) })},
		{name: "Progress: the county's subtree year (county clerk)", run: err1(func() (any, error) { return db.Progress(ctx, cc, county, 2024, true) })},
		{name: "ProgressYears: a town's subtree, three years", run: err1(func() (any, error) { return db.ProgressYears(ctx, tc, town, 2023, 2025, true) })},
		{name: "FindAudit: the newest page (county auditor)", allow: map[string]string{"scan audit_log": "a root auditor's scope is the whole trail: its count reads audit_log_org whole, and the page walks seq newest first and stops at 50"}, run: list(func() (any, int, error) {
			return db.FindAudit(ctx, ca, guangong.AuditFilter{})
		})},
		{name: "FindAudit: a town's trail (town auditor)", allow: map[string]string{"scan audit_log": "the page walks seq newest first and stops at the subtree's 50th entry (the count reads audit_log_org's ranges)"}, run: list(func() (any, int, error) {
			return db.FindAudit(ctx, ta, guangong.AuditFilter{})
		})},
		{name: "FindAudit: by username", run: list(func() (any, int, error) {
			return db.FindAudit(ctx, ca, guangong.AuditFilter{Username: &auditUser})
		})},
		{name: "FindAudit: by object", run: list(func() (any, int, error) {
			return db.FindAudit(ctx, ca, guangong.AuditFilter{ObjectType: &auditObject, ObjectID: &event})
		})},
		{name: "FindAudit: by action", run: list(func() (any, int, error) {
			action := guangong.ActionUpdate
			return db.FindAudit(ctx, ca, guangong.AuditFilter{Action: &action})
		})},
		{name: "FindAudit: a day", allow: map[string]string{"sort": "one period's entries, a range of audit_log_at, put newest first"}, run: list(func() (any, int, error) {
			from := trailStart.AddDate(0, 0, 20)
			to := from.AddDate(0, 0, 1)
			return db.FindAudit(ctx, ca, guangong.AuditFilter{From: &from, To: &to})
		})},
		{name: "WritesSince: an import's check for events written meanwhile", run: func() error {
			_, _, err := db.WritesSince(ctx, tc, head-5, "", "event")
			return err
		}},
		{name: "AuditHead", run: err1(func() (any, error) { return db.AuditHead(ctx, ca) })},
		{name: "FindYouths: a town's list", run: list(func() (any, int, error) {
			return db.FindYouths(ctx, tc, guangong.PersonFilter{OrgID: &town})
		})},
		{name: "FindTroupes: a town's", run: func() error {
			_, _, _, err := db.FindTroupes(ctx, tc, guangong.TroupeFilter{OrgID: &town})
			return err
		}},
		{name: "PlanItems: a town's year", run: err1(func() (any, error) { return db.PlanItems(ctx, tc, town, 2024) })},
		{name: "EffectiveTargets: a town's year", run: err1(func() (any, error) { return db.EffectiveTargets(ctx, tc, town, 2024) })},
		{name: "FindUsers: a town's accounts (town administrator)", allow: map[string]string{"sort": "the subtree's accounts in username order: users is small, and volunteers is only looked up by id"}, run: list(func() (any, int, error) {
			return db.FindUsers(ctx, tadmin, guangong.UserFilter{OrgID: &town})
		})},
		{name: "FindDutyPosts: a town's", run: list(func() (any, int, error) {
			return db.FindDutyPosts(ctx, tc, guangong.DutyPostFilter{OrgID: &town})
		})},
		{name: "FindShifts: a town's", run: list(func() (any, int, error) {
			return db.FindShifts(ctx, tc, guangong.ShiftFilter{OrgID: &town})
		})},
		{name: "Duplicates: volunteers (county clerk)", allow: map[string]string{"sort": "a duplicate search reads every person in scope once and looks each partner up by index; only the pairs found are sorted"}, run: err1(func() (any, error) {
			return db.Duplicates(ctx, cc, "volunteer", guangong.Page{})
		})},
	}
}

// explain plans cq on db with its arguments: SQLite's EXPLAIN QUERY PLAN as an indented
// tree, PostgreSQL's EXPLAIN (COSTS OFF).
func explain(t *testing.T, db *sqlstore.DB, cq *captured) []string {
	t.Helper()
	prefix := "EXPLAIN (COSTS OFF) "
	if db.Dialect() == "sqlite" {
		prefix = "EXPLAIN QUERY PLAN "
	}
	rows, err := db.RawReader().QueryContext(ctx, prefix+cq.query, cq.args...)
	if err != nil {
		t.Fatalf("explain %s: %v", cq.query, err)
	}
	defer rows.Close()
	var plan []string
	depth := map[int]int{0: -1}
	for rows.Next() {
		if db.Dialect() != "sqlite" {
			var line string
			if err := rows.Scan(&line); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, line)
			continue
		}
		var id, parent, notUsed int
		var detail string
		if err := rows.Scan(&id, &parent, &notUsed, &detail); err != nil {
			t.Fatal(err)
		}
		depth[id] = depth[parent] + 1
		plan = append(plan, strings.Repeat("  ", depth[id])+detail)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return plan
}

var (
	uuidRe    = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)
	indexRe   = regexp.MustCompile(`(?:INDEX|[Uu]sing|Index Scan on) (\w+)`)
	pkRe      = regexp.MustCompile(`^(?:SCAN|SEARCH) (\w+) USING PRIMARY KEY`)
	scanRe    = regexp.MustCompile(`^SCAN (\w+)(?: USING (?:COVERING )?INDEX (\w+))?$`)
	tempRe    = regexp.MustCompile(`^USE TEMP B-TREE FOR ORDER BY`)
	aliasRe   = regexp.MustCompile(`(?i)\b(?:FROM|JOIN)\s+(\w+)(?:\s+(?:AS\s+)?(\w+))?`)
	keywordRe = regexp.MustCompile(`(?i)^(ON|WHERE|JOIN|LEFT|INNER|CROSS|GROUP|ORDER|LIMIT|UNION|USING)$`)
)

// aliases maps each table name and alias of query to its table.
func aliases(query string) map[string]string {
	tables := map[string]string{}
	for _, m := range aliasRe.FindAllStringSubmatch(query, -1) {
		tables[m[1]] = m[1]
		if m[2] != "" && !keywordRe.MatchString(m[2]) {
			tables[m[2]] = m[1]
		}
	}
	return tables
}

// planIndexes lists the indexes a plan of query reads.
func planIndexes(query string, plan []string) []string {
	tables := aliases(query)
	var out []string
	for _, line := range plan {
		line = strings.TrimSpace(line)
		for _, m := range indexRe.FindAllStringSubmatch(line, -1) {
			out = append(out, m[1])
		}
		if m := pkRe.FindStringSubmatch(line); m != nil {
			out = append(out, tables[m[1]]+" primary key")
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// faults names what is wrong with a SQLite plan of query: "scan <table>" for a big table read
// whole (in table order, or a whole index without a range), "sort" for a temporary b-tree
// that orders the rows of a statement reading a big table. A temporary b-tree for GROUP BY
// or DISTINCT is not one: it holds what index ranges already bounded (a year's entries, a
// volunteer's records), and a missing range shows as a scan.
func faults(query string, plan []string) []string {
	tables := aliases(query) // name or alias as the plan shows it → table
	readsBig := false
	for _, tbl := range tables {
		readsBig = readsBig || slices.Contains(bigTables, tbl)
	}
	var out []string
	for _, line := range plan {
		line = strings.TrimSpace(line)
		if m := scanRe.FindStringSubmatch(line); m != nil && slices.Contains(bigTables, tables[m[1]]) {
			out = append(out, "scan "+tables[m[1]])
		}
		if tempRe.MatchString(line) && readsBig {
			out = append(out, "sort")
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// checkPlan fails pc for each fault of cq's plan that the case does not allow.
func checkPlan(t *testing.T, pc planCase, cq *captured) {
	t.Helper()
	for _, f := range faults(cq.query, cq.plan) {
		why, ok := pc.allow[f]
		if !ok {
			t.Errorf("%s: %s in the plan of\n%s\n%s", pc.name, f, shortSQL(cq.query), strings.Join(cq.plan, "\n"))
		}
		cq.faults = append(cq.faults, f+": "+why)
	}
	for table, bound := range pc.seek {
		for _, line := range cq.plan {
			if strings.Contains(line, "SEARCH "+table+" ") {
				if !strings.Contains(line, bound) {
					t.Errorf("%s: the plan reads %s without bounding %s:\n%s\n%s", pc.name, table, bound, shortSQL(cq.query), strings.Join(cq.plan, "\n"))
				}
			}
		}
	}
}

// tableIndexes lists the indexes of the big tables, primary keys included.
func tableIndexes(t *testing.T, db *sqlstore.DB) map[string][]string {
	t.Helper()
	q := `SELECT tbl_name, name FROM sqlite_master WHERE type = 'index' ORDER BY tbl_name, name`
	if db.Dialect() == "postgres" {
		q = `SELECT tablename, indexname FROM pg_indexes WHERE schemaname = current_schema() ORDER BY tablename, indexname`
	}
	rows, err := db.RawReader().QueryContext(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string][]string{}
	for rows.Next() {
		var tbl, idx string
		if err := rows.Scan(&tbl, &idx); err != nil {
			t.Fatal(err)
		}
		if slices.Contains(bigTables, tbl) {
			out[tbl] = append(out[tbl], idx)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if db.Dialect() == "sqlite" {
		// A WITHOUT ROWID table is its primary key's b-tree, with no index of its own.
		for _, tbl := range bigTables {
			var n int
			if err := db.RawQueryRow(ctx, `SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = $1
				AND sql LIKE '%WITHOUT ROWID%'`, tbl).Scan(&n); err != nil {
				t.Fatal(err)
			}
			if n > 0 {
				out[tbl] = append(out[tbl], tbl+" primary key")
			}
		}
	}
	return out
}

// shortSQL is q on one line, a long outer select list shown as "…".
func shortSQL(q string) string {
	q = strings.Join(strings.Fields(q), " ")
	depth := 0
	for i := 0; i < len(q); i++ {
		switch q[i] {
		case '(':
			depth++
		case ')':
			depth--
		case ' ':
			if depth == 0 && strings.HasPrefix(q[i:], " FROM ") {
				if head, ok := strings.CutPrefix(q[:i], "SELECT "); ok && len(head) > 80 {
					return "SELECT … " + q[i+1:]
				}
				return q
			}
		}
	}
	return q
}

// plansMarkdown is docs/plans.md: each case's statements with both plans, then which case
// reads each index.
func plansMarkdown(runs []*planRun) string {
	var b strings.Builder
	b.WriteString(`# Query plans

Generated by TestQueryPlans (sqlstore/plans_test.go) on a county of a fifth of the load-test
kit (sqlstore.LoadKit.Scaled(0.2): 500 committees, 20,000 activities, 2,000 volunteers,
20,000 service-hours records), with PostgreSQL analyzed as autovacuum would and SQLite without
statistics, as guangong runs it (sqlstore.Settle says why). Each statement is the text the store ran,
captured as it ran, explained with the same arguments: SQLite's EXPLAIN QUERY PLAN, then
PostgreSQL's EXPLAIN (COSTS OFF). Regenerate with:

    GUANGONG_TEST_LARGE=1 GUANGONG_TEST_POSTGRES='postgres://postgres@127.0.0.1:5432/test?sslmode=disable' \
    GUANGONG_EXPLAIN_OUT=$PWD/docs/plans.md go test ./sqlstore/ -run TestQueryPlans -v

PostgreSQL shows the arguments in its plans (ids as <id>). On the small tables (audit_log
holds the 80 entries the test writes; duty posts, shifts, troupes, youths, plan items and
targets are empty) and on county-wide reads it chooses seq scans, as it should for so few
rows or for a whole table; a real trail or register would get index scans there.

The test fails when a SQLite plan reads one of the big tables (` + strings.Join(bigTables, ", ") + `)
whole, or sorts its rows in a temporary b-tree, unless the case allows it with a reason
(marked "allowed" below). docs/benchmarks.md ("Indexes and plans") says what each index serves.

`)
	sqlite, pg := runs[0], runs[1]
	shown := map[string]int{} // a statement's text and both plans → the case that showed them
	for i, name := range sqlite.cases {
		fmt.Fprintf(&b, "## %d. %s\n\n", i+1, name)
		pgq := map[string]*captured{}
		for _, cq := range pg.queries[name] {
			pgq[cq.query] = cq
		}
		for j, cq := range sqlite.queries[name] {
			label := ""
			if len(sqlite.queries[name]) > 1 {
				label = fmt.Sprintf("Statement %d of %d", j+1, len(sqlite.queries[name]))
			}
			pgPlan := "not run in this case"
			if p := pgq[cq.query]; p != nil {
				pgPlan = pgText(p.plan)
			}
			key := cq.query + "\x00" + strings.Join(cq.plan, "\n") + "\x00" + pgPlan
			if k, ok := shown[key]; ok {
				short := shortSQL(cq.query)
				if r := []rune(short); len(r) > 90 {
					short = string(r[:90]) + "…"
				}
				fmt.Fprintf(&b, "%s: `%s`, with the plans of case %d.\n\n", cmp.Or(label, "The statement"), short, k)
				continue
			}
			shown[key] = i + 1
			if label != "" {
				b.WriteString(label + ":\n\n")
			}
			fmt.Fprintf(&b, "```sql\n%s\n```\n\n", shortSQL(cq.query))
			if len(cq.faults) > 0 {
				fmt.Fprintf(&b, "Allowed: %s.\n\n", strings.Join(cq.faults, "; "))
			}
			fmt.Fprintf(&b, "SQLite:\n\n```\n%s\n```\n\nPostgreSQL:\n\n```\n%s\n```\n\n", strings.Join(cq.plan, "\n"), pgPlan)
		}
		for _, cq := range pg.queries[name] {
			if !slices.ContainsFunc(sqlite.queries[name], func(s *captured) bool { return s.query == cq.query }) {
				fmt.Fprintf(&b, "PostgreSQL only:\n\n```sql\n%s\n```\n\n```\n%s\n```\n\n", shortSQL(cq.query), pgText(cq.plan))
			}
		}
	}
	b.WriteString("## Which case reads each index\n\n| table | index | SQLite | PostgreSQL |\n|---|---|---|---|\n")
	for _, tbl := range bigTables {
		idx := slices.Clone(sqlite.indexes[tbl])
		for _, i := range pg.indexes[tbl] {
			if !slices.Contains(idx, i) {
				idx = append(idx, i)
			}
		}
		slices.SortFunc(idx, cmp.Compare)
		for _, i := range idx {
			fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", tbl, i, readers(sqlite, i), readers(pg, i))
		}
	}
	return b.String()
}

// pgText is a PostgreSQL plan with the ids it shows (the arguments, which differ between
// runs) as <id>.
func pgText(plan []string) string {
	return uuidRe.ReplaceAllString(strings.Join(plan, "\n"), "<id>")
}

// readers numbers the cases of run whose plans use index idx ("—" for none, "n/a" when run's
// database has no such index).
func readers(run *planRun, idx string) string {
	found := false
	for _, l := range run.indexes {
		found = found || slices.Contains(l, idx)
	}
	if !found {
		return "n/a"
	}
	var nums []string
	for i, name := range run.cases {
		for _, cq := range run.queries[name] {
			if slices.Contains(cq.uses, idx) {
				nums = append(nums, fmt.Sprint(i+1))
				break
			}
		}
	}
	if len(nums) == 0 {
		return "—"
	}
	return strings.Join(nums, ", ")
}
