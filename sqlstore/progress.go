package sqlstore

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"guangong"
)

// Progress figures, counted from the records on every call (events, troupes, duty
// rosters, service hours), and the targets they are measured against.

const (
	objTarget        = "target"
	objTargetDefault = "target_default"
	objPlanItem      = "plan_item"
)

var _ guangong.ProgressService = (*DB)(nil)

func targetNotFound() error { return guangong.NotFound(guangong.TargetNoun) }

// doneStatus is the SQL condition that event e counts as done.
const doneStatus = `e.status IN ('held', 'recorded')`

// eventSums is one aggregate per event metric, in guangong.Metrics order, over rows aliased e.
// The codes are the domain's constants, never input.
var eventSums, eventMetrics = eventAggregates("")

// eventAggregates builds eventSums; done, when given, is a condition every metric's rows
// must meet too.
func eventAggregates(done string) (string, []guangong.Metric) {
	var parts []string
	var ms []guangong.Metric
	for _, m := range guangong.Metrics {
		if m.Source != guangong.SourceEvents {
			continue
		}
		var conds []string
		for _, c := range [][2]string{{"type", m.Event.Type}, {"kind", m.Event.Kind}, {"category", m.Event.Category},
			{"subcategory", m.Event.Subcategory}, {"scale", m.Event.Scale}} {
			if c[1] != "" {
				conds = append(conds, "e."+c[0]+" = '"+c[1]+"'")
			}
		}
		if m.Event.Large {
			conds = append(conds, "e.large")
		}
		if done != "" {
			conds = append(conds, done)
		}
		// FILTER rather than SUM(CASE …): the same figure, a tenth cheaper on SQLite.
		filter := " FILTER (WHERE " + strings.Join(conds, " AND ") + ")"
		agg := "COUNT(*)" + filter
		if m.Event.SumYouths {
			agg = "COALESCE(SUM(e.youths_served)" + filter + ", 0)"
		}
		parts = append(parts, agg)
		ms = append(ms, m)
	}
	return strings.Join(parts, ", "), ms
}

// yearSpan is the half-open range of Shanghai dates of years from..to.
func yearSpan(from, to int) (string, string) {
	return fmt.Sprintf("%04d-01-01", from), fmt.Sprintf("%04d-01-01", to+1)
}

// figures are what a progress page counts by period (the month "01".."12" or, by year,
// "YYYY"): the event metrics in eventMetrics order, and confirmed service minutes.
type figures struct {
	events  map[string][]int
	minutes map[string]int
}

func periodKey(ym int, byYear bool) string {
	if byYear {
		return strconv.Itoa(ym / 100)
	}
	return fmt.Sprintf("%02d", ym%100)
}

// countFigures counts the figures of committee orgID between the dates from and to (half
// open, whole years): its subtree's from the tallies, its own from the records.
func countFigures(ctx context.Context, q querier, orgID, from, to string, subtree, byYear bool) (*figures, error) {
	if subtree {
		f := &figures{events: map[string][]int{}, minutes: map[string]int{}}
		t, err := readTallies(ctx, q, orgID, from, to)
		if err != nil {
			return nil, err
		}
		for ym, byMetric := range t {
			key := periodKey(ym, byYear)
			if f.events[key] == nil {
				f.events[key] = make([]int, len(eventMetrics))
			}
			for i, m := range eventMetrics {
				f.events[key][i] += int(byMetric[m.Code])
			}
			f.minutes[key] += int(byMetric[guangong.MetricServiceHours])
		}
		return f, nil
	}
	events, err := countEvents(ctx, q, orgID, from, to, byYear)
	if err != nil {
		return nil, err
	}
	minutes, err := countMinutes(ctx, q, orgID, from, to, byYear)
	if err != nil {
		return nil, err
	}
	return &figures{events: events, minutes: minutes}, nil
}

// readTallies reads committee orgID's subtree figures of the months between the dates from
// and to: year*100+month → metric → n.
func readTallies(ctx context.Context, q querier, orgID, from, to string) (map[int]map[string]int64, error) {
	y0, _ := strconv.Atoi(from[:4])
	y1, _ := strconv.Atoi(to[:4])
	rows, err := q.QueryContext(ctx, `SELECT ym, metric, n FROM tallies WHERE org_id = $1 AND ym > $2 AND ym < $3`,
		orgID, y0*100, y1*100)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int]map[string]int64{}
	for rows.Next() {
		var ym int
		var metric string
		var n int64
		if err := rows.Scan(&ym, &metric, &n); err != nil {
			return nil, err
		}
		if out[ym] == nil {
			out[ym] = map[string]int64{}
		}
		out[ym][metric] = n
	}
	return out, rows.Err()
}

// countEvents sums the event metrics of the done events committee orgID organised (as host
// or co-organiser) by period: the month ("01".."12") or, with byYear, the year.
func countEvents(ctx context.Context, q querier, orgID, from, to string, byYear bool) (map[string][]int, error) {
	period := `substr(e.starts_on, 6, 2)`
	if byYear {
		period = `substr(e.starts_on, 1, 4)`
	}
	rows, err := q.QueryContext(ctx, `SELECT `+period+`, `+eventSums+` FROM event_orgs eo JOIN events e ON e.id = eo.event_id
		WHERE eo.org_id = $1 AND eo.starts_on >= $2 AND eo.starts_on < $3 AND `+doneStatus+` GROUP BY `+period,
		orgID, from, to)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string][]int{}
	for rows.Next() {
		var p string
		vals := make([]int64, len(eventMetrics))
		dest := []any{&p}
		for i := range vals {
			dest = append(dest, &vals[i])
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, err
		}
		fig := make([]int, len(vals))
		for i, v := range vals {
			fig[i] = int(v)
		}
		out[p] = fig
	}
	return out, rows.Err()
}

// orgCond is the condition that column col is orgID ($1), or lies in its subtree.
func orgCond(col string, subtree bool) string {
	if subtree {
		return col + ` IN (SELECT descendant_id FROM org_closure WHERE ancestor_id = $1)`
	}
	return col + ` = $1`
}

// countMinutes sums the confirmed service minutes committee orgID confirms by period
// (month "01".."12" of the year from..to, or with byYear each year "YYYY"). Each period is
// a SUM of its own over its date range, read in the order of the index (committee, status,
// date) rather than sorted by an expression of the date.
func countMinutes(ctx context.Context, q querier, orgID, from, to string, byYear bool) (map[string]int, error) {
	keys, bounds := periods(from, to, byYear)
	args := []any{orgID}
	var parts []string
	for k, key := range keys {
		n := len(args)
		args = append(args, key, bounds[k], bounds[k+1])
		parts = append(parts, fmt.Sprintf(`SELECT $%d, SUM(h.minutes) FROM service_hours h
			WHERE h.org_id = $1 AND h.status = 'confirmed' AND h.served_on >= $%d AND h.served_on < $%d`,
			n+1, n+2, n+3))
	}
	rows, err := q.QueryContext(ctx, strings.Join(parts, " UNION ALL "), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var p string
		var n *int64
		if err := rows.Scan(&p, &n); err != nil {
			return nil, err
		}
		if n != nil {
			out[p] = int(*n)
		}
	}
	return out, rows.Err()
}

// periods splits the dates from..to (half open, whole years) into months of its first
// year, or with byYear into years: the keys and the len(keys)+1 bounds between them.
func periods(from, to string, byYear bool) (keys, bounds []string) {
	y0, _ := strconv.Atoi(from[:4])
	y1, _ := strconv.Atoi(to[:4])
	if byYear {
		for y := y0; y < y1; y++ {
			keys = append(keys, strconv.Itoa(y))
			bounds = append(bounds, fmt.Sprintf("%04d-01-01", y))
		}
		return keys, append(bounds, to)
	}
	for m := 1; m <= 12; m++ {
		keys = append(keys, fmt.Sprintf("%02d", m))
		bounds = append(bounds, fmt.Sprintf("%04d-%02d-01", y0, m))
	}
	return keys, append(bounds, fmt.Sprintf("%04d-01-01", y0+1))
}

// countTroupes counts troupes and their members current on day asOf, by committee level.
func countTroupes(ctx context.Context, q querier, orgID, asOf string, subtree bool) ([]guangong.TroupeLevel, error) {
	rows, err := q.QueryContext(ctx, `SELECT o.level, COUNT(DISTINCT t.id), COUNT(m.id)
		FROM troupes t JOIN orgs o ON o.id = t.org_id
		LEFT JOIN troupe_members m ON m.troupe_id = t.id AND m.from_date <= $2 AND (m.to_date = '' OR m.to_date > $2)
		WHERE `+orgCond("t.org_id", subtree)+` AND t.founded <= $2
		GROUP BY o.level`, orgID, asOf)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	got := map[guangong.Level]guangong.TroupeLevel{}
	for rows.Next() {
		var l guangong.TroupeLevel
		if err := rows.Scan(&l.Level, &l.Troupes, &l.Members); err != nil {
			return nil, err
		}
		got[l.Level] = l
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := []guangong.TroupeLevel{}
	for _, l := range guangong.Levels {
		if x, ok := got[l]; ok {
			out = append(out, x)
		}
	}
	return out, nil
}

// countDuty counts the distinct volunteers on the year's shifts at each kind of post: of
// the subtree's posts from its duty tallies, of the committee's own from the records.
func countDuty(ctx context.Context, q querier, orgID string, year int, subtree bool) (map[string]int, error) {
	query := `SELECT kind, COUNT(*) FROM duty_tallies WHERE org_id = $1 AND year = $2 GROUP BY kind`
	args := []any{orgID, year}
	if !subtree {
		from, to := yearSpan(year, year)
		query = `SELECT d.kind, COUNT(*) FROM (SELECT DISTINCT p.kind, sv.volunteer_id FROM duty_posts p
			JOIN shifts s ON s.post_id = p.id AND s.starts_on >= $2 AND s.starts_on < $3
			JOIN shift_volunteers sv ON sv.shift_id = s.id WHERE p.org_id = $1) d GROUP BY d.kind`
		args = []any{orgID, from, to}
	}
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var k string
		var n int
		if err := rows.Scan(&k, &n); err != nil {
			return nil, err
		}
		out[k] = n
	}
	return out, rows.Err()
}

// asOfDay is the day standing figures (troupe members) are counted on: the year's last day,
// or today while the year runs.
func asOfDay(year int, now time.Time) string {
	today := todayShanghai(now).Format(guangong.DateLayout)
	last := fmt.Sprintf("%04d-12-31", year)
	return min(today, last)
}

func checkProgressYear(year int) error {
	if year < guangong.MinYear || year > guangong.MaxYear {
		return fieldErr("year", "年份应在 2000 至 2100 之间", "The year must lie between 2000 and 2100")
	}
	return nil
}

// Progress computes every metric of committee orgID (or its subtree) in year.
func (db *DB) Progress(ctx context.Context, a *guangong.Actor, orgID string, year int, subtree bool) (*guangong.Progress, error) {
	var p *guangong.Progress
	err := db.read(ctx, a, func(q querier) error {
		if err := canRead(a, objTarget, "", "progress"); err != nil {
			return err
		}
		if err := checkProgressYear(year); err != nil {
			return err
		}
		o, err := scopedOrg(ctx, q, a, orgID, "progress")
		if err != nil {
			return err
		}
		p, err = db.progress(ctx, q, o, year, subtree)
		return err
	})
	return p, err
}

func (db *DB) progress(ctx context.Context, q querier, o *guangong.Org, year int, subtree bool) (*guangong.Progress, error) {
	now := db.now()
	p := &guangong.Progress{OrgID: o.ID, OrgName: o.Name, Year: year, Subtree: subtree, AsOf: asOfDay(year, now)}
	from, to := yearSpan(year, year)
	var (
		duty    map[string]int
		targets []*guangong.EffectiveTarget
	)
	// One after another: running them at once on several pool connections made a county's
	// page slower on both databases on a two-core machine (193 against 159 ms on SQLite).
	f, err := countFigures(ctx, q, o.ID, from, to, subtree, false)
	if err != nil {
		return nil, err
	}
	events, minutes := f.events, f.minutes
	if p.TroupesBy, err = countTroupes(ctx, q, o.ID, p.AsOf, subtree); err != nil {
		return nil, err
	}
	if duty, err = countDuty(ctx, q, o.ID, year, subtree); err != nil {
		return nil, err
	}
	if targets, err = effectiveTargets(ctx, q, o.ID, year); err != nil {
		return nil, err
	}
	pc, err := countPlan(ctx, q, o.ID, year, subtree)
	if err != nil {
		return nil, err
	}
	p.PlanCount, p.PlanDone = pc.total, pc.done
	if p.Overdue, p.OverdueMore, err = overdueItems(ctx, q, o.ID, year, subtree, now, pc); err != nil {
		return nil, err
	}
	byMetric := map[string]*guangong.EffectiveTarget{}
	for _, t := range targets {
		byMetric[t.Metric] = t
	}
	ei := 0
	for _, m := range guangong.Metrics {
		mp := &guangong.MetricProgress{Metric: m, Target: byMetric[m.Code]}
		switch m.Source {
		case guangong.SourceEvents:
			mp.ByMonth = make([]int, 12)
			for k := range 12 {
				if fig, ok := events[fmt.Sprintf("%02d", k+1)]; ok {
					mp.ByMonth[k] = fig[ei]
					mp.Done += fig[ei]
				}
			}
			ei++
		case guangong.SourceHours:
			mp.ByMonth = make([]int, 12)
			total := 0
			for k := range 12 {
				n := minutes[fmt.Sprintf("%02d", k+1)]
				mp.ByMonth[k] = n / 60
				total += n
			}
			mp.Done = total / 60 // whole hours of the year's sum, not a sum of rounded months
		case guangong.SourceTroupes:
			for _, l := range p.TroupesBy {
				if m.Code == guangong.MetricTroupes {
					mp.Done += l.Troupes
				} else {
					mp.Done += l.Members
				}
			}
		case guangong.SourceDuty:
			mp.Done = duty[m.PostKind]
		}
		mp.Met = mp.Target != nil && mp.Done >= mp.Target.Min
		p.Metrics = append(p.Metrics, mp)
	}
	return p, nil
}

// ProgressYears sums the monthly metrics by year over from..to.
func (db *DB) ProgressYears(ctx context.Context, a *guangong.Actor, orgID string, from, to int, subtree bool) (*guangong.YearTotals, error) {
	var yt *guangong.YearTotals
	err := db.read(ctx, a, func(q querier) error {
		if err := canRead(a, objTarget, "", "progress years"); err != nil {
			return err
		}
		if err := checkProgressYear(from); err != nil {
			return err
		}
		if to < from || to-from+1 > guangong.MaxYearSpan || to > guangong.MaxYear {
			return fieldErr("to", "结束年份应不早于起始年份，且跨度不超过10年", "The last year must not precede the first, and the span is at most 10 years")
		}
		o, err := scopedOrg(ctx, q, a, orgID, "progress years")
		if err != nil {
			return err
		}
		d0, d1 := yearSpan(from, to)
		f, err := countFigures(ctx, q, o.ID, d0, d1, subtree, true)
		if err != nil {
			return err
		}
		events, minutes := f.events, f.minutes
		yt = &guangong.YearTotals{OrgID: o.ID, OrgName: o.Name, From: from, To: to, Subtree: subtree}
		for y := from; y <= to; y++ {
			yt.Years = append(yt.Years, y)
		}
		ei := 0
		for _, m := range guangong.Metrics {
			if !m.Monthly {
				continue
			}
			row := guangong.YearTotalsRow{Metric: m, ByYear: make([]int, len(yt.Years))}
			totalMinutes := 0
			for k, y := range yt.Years {
				key := strconv.Itoa(y)
				if m.Source == guangong.SourceHours {
					row.ByYear[k] = minutes[key] / 60
					totalMinutes += minutes[key]
				} else if fig, ok := events[key]; ok {
					row.ByYear[k] = fig[ei]
					row.Total += fig[ei]
				}
			}
			if m.Source == guangong.SourceHours {
				row.Total = totalMinutes / 60
			} else {
				ei++
			}
			yt.Rows = append(yt.Rows, row)
		}
		return nil
	})
	return yt, err
}
