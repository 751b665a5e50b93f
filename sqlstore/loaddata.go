package sqlstore

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"guangong"
)

// The generated county that the benchmarks and the load-test kit (cmd/loadtest,
// scripts/loadtest.sh) measure. Rows go straight into the tables with multi-row INSERTs of
// literal values: the generator makes every value, and parsing literals is far cheaper for
// SQLite than binding tens of thousands of parameters. Going through the store would add an
// audit entry per row and measure the wrong thing. No audit entry is written, so the trail
// stays valid; the subtree figures are recounted from the rows at the end.

// LoadSpec says what Load generates.
type LoadSpec struct {
	Seed            uint64 // the one seed of every random draw; ids are UUIDv7 and differ between runs
	Towns, Villages int    // under one county; each town takes the next ceil(Villages/Towns) villages
	// Activities and Meetings are hosted by committees drawn evenly from the whole county,
	// dated evenly over FirstYear…FirstYear+Years-1 (Asia/Shanghai), a tenth co-organised
	// with the committee above.
	Activities, Meetings int
	FirstYear, Years     int
	// Volunteers belong to towns and villages drawn evenly. Hours service-hours records
	// over the same years: mostly confirmed (LoadHoursStatus), organised by the volunteer's
	// committee or, one in four, the town above; a fifth of them go to the first Busiest
	// volunteers (standing duty). Without volunteers there are no records.
	Volunteers, Hours, Busiest int
}

// LoadKit is the load-test kit's data set, as issue 15 measured it: one county of 500
// committees (20 towns of 24 villages, the last of 23), 100,000 activities over 2023–2025,
// 10,000 volunteers and 100,000 service-hours records.
var LoadKit = LoadSpec{Seed: 15, Towns: 20, Villages: 479, Activities: 100_000, FirstYear: 2023, Years: 3,
	Volunteers: 10_000, Hours: 100_000, Busiest: 100}

// Scaled is s with its row counts multiplied by f (at least one of each asked for); the tree
// keeps its shape.
func (s LoadSpec) Scaled(f float64) LoadSpec {
	scale := func(n int) int {
		if n == 0 {
			return 0
		}
		return max(1, int(float64(n)*f))
	}
	s.Activities, s.Meetings = scale(s.Activities), scale(s.Meetings)
	s.Volunteers, s.Hours, s.Busiest = scale(s.Volunteers), scale(s.Hours), min(s.Busiest, scale(s.Volunteers))
	return s
}

// County is a generated county: its committees' ids and its volunteers'.
type County struct {
	County     string
	Towns      []string
	Villages   []string          // in town order: each town's villages together
	TownOf     map[string]string // village → its town
	Events     []string          // in the order written
	Volunteers []string
}

// Orgs lists every committee: the county, the towns, then the villages.
func (c *County) Orgs() []string {
	return append(append([]string{c.County}, c.Towns...), c.Villages...)
}

// Parent is the committee above id ("" for the county).
func (c *County) Parent(id string) string {
	if id == c.County {
		return ""
	}
	if t := c.TownOf[id]; t != "" {
		return t
	}
	return c.County
}

// LoadStamp is every generated row's created_at and updated_at.
const LoadStamp = "2026-01-01T00:00:00.000000Z"

// The heads of the generators' bulk inserts.
const (
	LoadEventsInsert = `INSERT INTO events (id, type, org_id, kind, category, subcategory, title, starts_at, ends_at,
		starts_on, place, host, agenda, minutes, decisions, outcome, status, scale, large, troupe_id, youths_served,
		others_count, audience, headcount, plan_item_id, version, created_at, updated_at) VALUES `
	LoadEventOrgsInsert = `INSERT INTO event_orgs (event_id, org_id, starts_on, starts_at) VALUES `
	LoadHoursInsert     = `INSERT INTO service_hours (id, volunteer_id, org_id, event_id, shift_id, served_on, minutes, place,
		content, status, recorded_by, recorder_name, recorded_at, confirmed_by, confirmed_at, supersedes, superseded_by,
		reason, version, created_at, updated_at) VALUES `
)

// Load generates s into a migrated, empty database, recounts the subtree figures and
// gathers the planner's statistics. progress, when not nil, hears what was written.
func (db *DB) Load(ctx context.Context, s LoadSpec, progress func(string)) (*County, error) {
	if progress == nil {
		progress = func(string) {}
	}
	t0 := time.Now()
	r := rand.New(rand.NewPCG(s.Seed, s.Seed*101))
	c, err := db.LoadTree(ctx, s.Towns, s.Villages)
	if err != nil {
		return nil, err
	}
	if err := db.loadEvents(ctx, r, c, s); err != nil {
		return nil, err
	}
	progress(fmt.Sprintf("%d committees, %d activities and %d meetings written in %s", 1+len(c.Towns)+len(c.Villages),
		s.Activities, s.Meetings, time.Since(t0).Round(time.Millisecond)))
	if s.Volunteers > 0 {
		t0 = time.Now()
		if err := db.loadService(ctx, r, c, s); err != nil {
			return nil, err
		}
		progress(fmt.Sprintf("%d volunteers and %d service-hours records written in %s", s.Volunteers, s.Hours,
			time.Since(t0).Round(time.Millisecond)))
	}
	t0 = time.Now()
	// The rows went in around the store, so the subtree figures are counted from them once,
	// as the migration that brought the tallies does for existing data.
	if err := db.RecountTallies(ctx); err != nil {
		return nil, err
	}
	if err := db.Settle(ctx); err != nil {
		return nil, err
	}
	progress(fmt.Sprintf("subtree figures recounted and statistics gathered in %s", time.Since(t0).Round(time.Millisecond)))
	return c, nil
}

// Settle readies the database after a bulk load as it would be in service. PostgreSQL's
// autovacuum would soon vacuum and analyze the new rows (index-only scans need the
// visibility map), so it does that now. guangong never runs ANALYZE on SQLite, so a
// database in service plans without statistics, and so does the generated one: with row
// counts (sqlite_stat1), SQLite takes an id column that is mostly empty (service_hours.event_id)
// for an unselective one and walks a whole index instead; with value samples
// (sqlite_stat4), it prepares a statement again whenever a bound value might change its
// plan, which defeats the statement cache on every lookup by id.
func (db *DB) Settle(ctx context.Context) error {
	if db.dialect != dialectPostgres {
		return nil
	}
	_, err := db.writer.ExecContext(ctx, `VACUUM ANALYZE`)
	return err
}

// LoadTree writes a county with towns towns and villages villages into orgs and
// org_closure.
func (db *DB) LoadTree(ctx context.Context, towns, villages int) (*County, error) {
	c := &County{County: guangong.NewID(), TownOf: map[string]string{}}
	var orgs, closure []string
	addOrg := func(id, parent, name, code string, level guangong.Level, ancestors []string) {
		p := "NULL"
		if parent != "" {
			p = "'" + parent + "'"
		}
		orgs = append(orgs, fmt.Sprintf("('%s', %s, '%s', '', '%s', '%s', '', '', '', 'active', NULL, %d, 1, '%s', '%s')",
			id, p, name, level, code, len(ancestors), LoadStamp, LoadStamp))
		closure = append(closure, fmt.Sprintf("('%s', '%s', 0)", id, id))
		for k, a := range ancestors {
			closure = append(closure, fmt.Sprintf("('%s', '%s', %d)", a, id, len(ancestors)-k))
		}
	}
	addOrg(c.County, "", "溆浦县", "B431224", guangong.LevelCounty, nil)
	perTown := (villages + towns - 1) / towns
	for t := range towns {
		tid := guangong.NewID()
		c.Towns = append(c.Towns, tid)
		addOrg(tid, c.County, fmt.Sprintf("镇%02d", t), fmt.Sprintf("B%02d", t), guangong.LevelTown, []string{c.County})
		for v := range min(perTown, villages-len(c.Villages)) {
			vid := guangong.NewID()
			c.Villages = append(c.Villages, vid)
			c.TownOf[vid] = tid
			addOrg(vid, tid, fmt.Sprintf("镇%02d村%02d", t, v), fmt.Sprintf("B%02d%02d", t, v), guangong.LevelVillage,
				[]string{c.County, tid})
		}
	}
	if err := db.bulkLiteral(ctx, `INSERT INTO orgs (id, parent_id, name, short_name, level, code, address, contact, established,
		status, dissolved_at, depth, version, created_at, updated_at) VALUES `, orgs); err != nil {
		return nil, err
	}
	return c, db.bulkLiteral(ctx, `INSERT INTO org_closure (ancestor_id, descendant_id, depth) VALUES `, closure)
}

// bulkLiteral inserts rows (each a literal "(…)" tuple made by a generator) 500 at a time.
func (db *DB) bulkLiteral(ctx context.Context, head string, rows []string) error {
	for i := 0; i < len(rows); i += 500 {
		if _, err := db.writer.ExecContext(ctx, head+strings.Join(rows[i:min(i+500, len(rows))], ", ")); err != nil {
			return err
		}
	}
	return nil
}

const loadTime = "2006-01-02T15:04:05.000000Z"

func (db *DB) loadEvents(ctx context.Context, r *rand.Rand, c *County, s LoadSpec) error {
	orgs := c.Orgs()
	start := time.Date(s.FirstYear, 1, 1, 0, 0, 0, 0, guangong.Shanghai)
	span := time.Date(s.FirstYear+s.Years, 1, 1, 0, 0, 0, 0, guangong.Shanghai).Sub(start)
	var events, links []string
	flush := func() error {
		if err := db.bulkLiteral(ctx, LoadEventsInsert, events); err != nil {
			return err
		}
		err := db.bulkLiteral(ctx, LoadEventOrgsInsert, links)
		events, links = events[:0], links[:0]
		return err
	}
	total, meetings := s.Activities+s.Meetings, s.Meetings
	for i := range total {
		o := orgs[r.IntN(len(orgs))]
		e := &guangong.Event{ID: guangong.NewID(), Type: guangong.EventActivity, OrgID: o, Status: guangong.EventRecorded}
		if r.IntN(total-i) < meetings { // exactly s.Meetings, spread evenly
			meetings--
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
		c.Events = append(c.Events, e.ID)
		events = append(events, fmt.Sprintf("('%s', '%s', '%s', '%s', '%s', '%s', '生成的记录', '%s', '%s', '%s', '', '', '', '', '', '', '%s', '%s', %t, '', 0, %d, 0, %d, '', 1, '%s', '%s')",
			e.ID, e.Type, e.OrgID, e.Kind, e.Category, e.Subcategory, e.StartsAt.UTC().Format(loadTime),
			e.EndsAt.UTC().Format(loadTime), e.StartsOn, e.Status, e.Scale, e.Large, e.OthersCount,
			e.Headcount, LoadStamp, LoadStamp))
		at := e.StartsAt.UTC().Format(loadTime)
		links = append(links, fmt.Sprintf("('%s', '%s', '%s', '%s')", e.ID, e.OrgID, e.StartsOn, at))
		if p := c.Parent(o); p != "" && r.IntN(10) == 0 {
			links = append(links, fmt.Sprintf("('%s', '%s', '%s', '%s')", e.ID, p, e.StartsOn, at))
		}
		if len(events) == 10_000 {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	return flush()
}

// LoadHoursStatus draws a service-hours record's status: 88% confirmed, 8% recorded, 2%
// void, 2% superseded by a correction.
func LoadHoursStatus(r *rand.Rand) string {
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

func (db *DB) loadService(ctx context.Context, r *rand.Rand, c *County, s LoadSpec) error {
	orgs := c.Orgs()
	home := map[string]string{} // volunteer → committee
	var vs []*guangong.Volunteer
	surnames := []rune("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗")
	given := []rune("建国德明秀英志强卫东玉兰桂芳海军淑珍立新")
	for i := range s.Volunteers {
		o := orgs[1+r.IntN(len(orgs)-1)]
		v := &guangong.Volunteer{ID: guangong.NewID(), OrgID: o,
			Name:   string([]rune{surnames[r.IntN(len(surnames))], given[r.IntN(len(given))], given[r.IntN(len(given))]}),
			Gender: guangong.Male, BirthDate: fmt.Sprintf("19%02d-0%d-1%d", 40+r.IntN(25), 1+r.IntN(9), r.IntN(10)),
			Category: guangong.ElderTeacher, Skills: []string{}, Status: "active", ConsentDate: "2018-01-01"}
		vs = append(vs, v)
		c.Volunteers = append(c.Volunteers, v.ID)
		home[v.ID] = o
		if len(vs) == 5_000 || i == s.Volunteers-1 {
			if err := db.bulkVolunteers(ctx, vs); err != nil {
				return err
			}
			vs = vs[:0]
		}
	}
	first := time.Date(s.FirstYear, 1, 1, 0, 0, 0, 0, time.UTC)
	days := int(time.Date(s.FirstYear+s.Years, 1, 1, 0, 0, 0, 0, time.UTC).Sub(first).Hours() / 24)
	contents := []string{"护学岗值守", "清明祭扫讲解", "政策宣讲", "环境卫生整治", "矛盾调解", "中考护考", "街长巡查"}
	var rows []string
	for i := range s.Hours {
		vid := c.Volunteers[r.IntN(len(c.Volunteers))]
		if s.Busiest > 0 && r.IntN(5) == 0 {
			vid = c.Volunteers[r.IntN(s.Busiest)]
		}
		org := home[vid]
		if t := c.TownOf[org]; r.IntN(4) == 0 && t != "" {
			org = t // the town organised it
		}
		status := LoadHoursStatus(r)
		day := first.AddDate(0, 0, r.IntN(days)).Format(guangong.DateLayout)
		confirmedAt := ""
		if status == guangong.HoursConfirmed {
			confirmedAt = LoadStamp
		}
		rows = append(rows, fmt.Sprintf("('%s', '%s', '%s', '', '', '%s', %d, '', '%s', '%s', 'u', '录入员', '%s', '', '%s', '', '', '', 1, '%s', '%s')",
			guangong.NewID(), vid, org, day, 30+15*r.IntN(16), contents[r.IntN(len(contents))], status, LoadStamp, confirmedAt, LoadStamp, LoadStamp))
		if len(rows) == 20_000 || i == s.Hours-1 {
			if err := db.bulkLiteral(ctx, LoadHoursInsert, rows); err != nil {
				return err
			}
			rows = rows[:0]
		}
	}
	return nil
}

// bulkVolunteers inserts volunteers (no ID numbers or phones) with their name grams in one
// transaction, straight into the tables.
func (db *DB) bulkVolunteers(ctx context.Context, vs []*guangong.Volunteer) error {
	return db.inTx(ctx, func(tx *Tx) error {
		now := fmtTime(tx.now)
		var grams []gramRow
		for _, p := range vs {
			grams = append(grams, gramRows(gramVolunteer, p.ID, p.Name)...)
		}
		if err := insertRows(ctx, tx, volunteerInsert, volunteerWidth, len(vs), func(i int, a []any) []any {
			return volunteerValues(a, vs[i], sealedVolunteer{}, now)
		}); err != nil {
			return err
		}
		return tx.insertGrams(ctx, grams)
	})
}
