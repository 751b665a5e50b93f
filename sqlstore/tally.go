package sqlstore

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"

	"guangong"
)

// Subtree figures at county and province scale. A progress page for a subtree would have
// to read every record of the year below it (a county's year is 22,000 events, 88,000
// hour records and 36,000 duty places), so each committee keeps its subtree's figures by
// month in tallies, and the distinct volunteers of its subtree's duty posts by year in
// duty_tallies. They are derived, never entered: every write of a record that counts
// subtracts the record's contribution as it stood and adds it as it stands now, in the
// same transaction (tx.untally / tx.retally around the write), and the deltas are applied
// just before commit. A committee's own figures (no subtree) are still counted from the
// records on each call. CheckTallies recounts everything from the records and lists any
// difference; RecountTallies rebuilds them all after a bulk load, and a move in the tree
// recounts the committees it moves between (recountTallies).

// tallySource is a kind of record that counts toward the figures.
type tallySource int

const (
	tallyEvents tallySource = iota // by event id
	tallyHours                     // by service_hours id
	tallyPlans                     // by plan item id
	tallyPlaces                    // duty places, by shift_volunteers id
	tallyShifts                    // duty places, by shift id
	tallyPosts                     // duty places, by duty post id
)

// Metric codes of the plan's figures in tallies, beside guangong's metric codes.
const (
	tallyPlanItems = "plan.items"
	tallyPlanDone  = "plan.done"
	// Every event of the subtree, whatever its status, once: the total of an event list
	// over whole months without other filters (FindEvents).
	tallyEventsListed = "events.listed"
)

// eventTallySums is eventSums over done events only, then the count of every event.
var eventTallySums = func() string {
	done, _ := eventAggregates(doneStatus)
	return done + ", COUNT(*)"
}()

type tallyKey struct {
	org    string
	ym     int // year*100 + month
	metric string
}

type dutyKey struct {
	org       string
	year      int
	kind      string
	volunteer string
}

// tallyDeltas are a transaction's changes to the figures, applied at commit.
type tallyDeltas struct {
	rows map[tallyKey]int64
	duty map[dutyKey]int64
}

func (d *tallyDeltas) empty() bool { return len(d.rows) == 0 && len(d.duty) == 0 }

// ymOf is the SQL for the year*100+month of a 'YYYY-MM-DD' column.
func ymOf(col string) string {
	return `CAST(substr(` + col + `, 1, 4) AS INTEGER) * 100 + CAST(substr(` + col + `, 6, 2) AS INTEGER)`
}

// contribution is the SQL of what the records that cond selects add to their committees'
// ancestors (each committee is its own ancestor at depth 0): for the figures, rows of
// (ancestor, ym, one value per metric of metrics); for duty, (ancestor, year, kind,
// volunteer, places). cond may name the record (idColumn: eo.event_id, h.id, p.id, sv.id,
// s.id, dp.id) or the ancestor (c.ancestor_id); "" counts everything.
func contribution(src tallySource, cond string) (query string, metrics []string) {
	if cond == "" {
		cond = "1 = 1"
	}
	switch src {
	case tallyEvents:
		for _, m := range eventMetrics {
			metrics = append(metrics, m.Code)
		}
		metrics = append(metrics, tallyEventsListed)
		// An event counts once for each committee above any of its organisers.
		return `SELECT x.ancestor_id, ` + ymOf("e.starts_on") + `, ` + eventTallySums + ` FROM (
			SELECT DISTINCT c.ancestor_id, eo.event_id FROM event_orgs eo
			JOIN org_closure c ON c.descendant_id = eo.org_id WHERE ` + cond + `) x
			JOIN events e ON e.id = x.event_id
			GROUP BY x.ancestor_id, ` + ymOf("e.starts_on"), metrics
	case tallyHours:
		return `SELECT c.ancestor_id, ` + ymOf("h.served_on") + `, SUM(h.minutes) FROM service_hours h
			JOIN org_closure c ON c.descendant_id = h.org_id WHERE h.status = 'confirmed' AND ` + cond + `
			GROUP BY c.ancestor_id, ` + ymOf("h.served_on"), []string{guangong.MetricServiceHours}
	case tallyPlans:
		return `SELECT c.ancestor_id, p.year * 100 + p.month, COUNT(*), SUM(CASE WHEN ` + planDone + ` THEN 1 ELSE 0 END)
			FROM plan_items p JOIN org_closure c ON c.descendant_id = p.org_id WHERE ` + cond + `
			GROUP BY c.ancestor_id, p.year * 100 + p.month`, []string{tallyPlanItems, tallyPlanDone}
	}
	return `SELECT c.ancestor_id, CAST(substr(s.starts_on, 1, 4) AS INTEGER), dp.kind, sv.volunteer_id, COUNT(*)
		FROM shift_volunteers sv JOIN shifts s ON s.id = sv.shift_id JOIN duty_posts dp ON dp.id = s.post_id
		JOIN org_closure c ON c.descendant_id = dp.org_id WHERE ` + cond + `
		GROUP BY c.ancestor_id, CAST(substr(s.starts_on, 1, 4) AS INTEGER), dp.kind, sv.volunteer_id`, nil
}

// lockFirst is the statement that locks, before a contribution is read, the rows it hangs
// on that another transaction could change: the records themselves, and for duty places
// their post (every duty writer takes it, so a post's places, shifts and kind change one
// transaction at a time). A no-op UPDATE locks on PostgreSQL and is harmless on SQLite,
// whose writes are serial anyway. With the rows locked, a PostgreSQL transaction reads the
// contribution as committed by any writer before it, and the one it subtracts is the one
// it later replaces.
func lockFirst(src tallySource, cond string) string {
	switch src {
	case tallyEvents:
		return `UPDATE events SET version = version WHERE id IN (SELECT eo.event_id FROM event_orgs eo WHERE ` + cond + `)`
	case tallyHours:
		return `UPDATE service_hours SET version = version WHERE id IN (SELECT h.id FROM service_hours h WHERE ` + cond + `)`
	case tallyPlans:
		return `UPDATE plan_items SET version = version WHERE id IN (SELECT p.id FROM plan_items p WHERE ` + cond + `)`
	case tallyPosts:
		return `UPDATE duty_posts SET version = version WHERE id IN (SELECT dp.id FROM duty_posts dp WHERE ` + cond + `)`
	case tallyShifts:
		return `UPDATE duty_posts SET version = version WHERE id IN (SELECT s.post_id FROM shifts s WHERE ` + cond + `)`
	}
	return `UPDATE duty_posts SET version = version WHERE id IN (SELECT s.post_id FROM shifts s
		JOIN shift_volunteers sv ON sv.shift_id = s.id WHERE ` + cond + `)`
}

// idColumn is the column that names a record of src.
func idColumn(src tallySource) string {
	return [...]string{tallyEvents: "eo.event_id", tallyHours: "h.id", tallyPlans: "p.id",
		tallyPlaces: "sv.id", tallyShifts: "s.id", tallyPosts: "dp.id"}[src]
}

// addContribution adds sign times what the records selected by cond (with args) contribute.
func addContribution(ctx context.Context, q querier, d *tallyDeltas, src tallySource, sign int64, cond string, args ...any) error {
	query, metrics := contribution(src, cond)
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if src >= tallyPlaces {
			var k dutyKey
			var n int64
			if err := rows.Scan(&k.org, &k.year, &k.kind, &k.volunteer, &n); err != nil {
				return err
			}
			d.duty[k] += sign * n
			continue
		}
		var org string
		var ym int
		vals := make([]*int64, len(metrics))
		dest := []any{&org, &ym}
		for i := range vals {
			dest = append(dest, &vals[i])
		}
		if err := rows.Scan(dest...); err != nil {
			return err
		}
		for i, v := range vals {
			if v != nil && *v != 0 {
				d.rows[tallyKey{org, ym, metrics[i]}] += sign * *v
			}
		}
	}
	return rows.Err()
}

// tallyRecords adds sign times the contribution of the records ids of src.
func (tx *Tx) tallyRecords(src tallySource, sign int64, ids []string) error {
	ids = slices.Compact(slices.Sorted(slices.Values(ids)))
	if len(ids) > 0 && ids[0] == "" {
		ids = ids[1:]
	}
	if len(ids) == 0 {
		return nil
	}
	if tx.tallies == nil {
		// The tree's shape stays as it is until commit: a move in the tree waits for this
		// transaction, and this one for a move under way (lockTree, dialect.go).
		if err := lockTree(tx.ctx, tx, false); err != nil {
			return err
		}
		tx.tallies = &tallyDeltas{rows: map[tallyKey]int64{}, duty: map[dutyKey]int64{}}
	}
	return inChunks(ids, nil, func(list string, args []any) error {
		cond := idColumn(src) + ` IN ` + list
		if _, err := tx.ExecContext(tx.ctx, lockFirst(src, cond), args...); err != nil {
			return err
		}
		return addContribution(tx.ctx, tx, tx.tallies, src, sign, cond, args...)
	})
}

// inChunks calls fn for each run of up to 400 of ids with the SQL list of their
// placeholders, "($n, …)", and the arguments: those of before, then the run's ids.
func inChunks(ids []string, before []any, fn func(list string, args []any) error) error {
	for start := 0; start < len(ids); start += 400 {
		args := append([]any{}, before...)
		marks := make([]string, 0, 400)
		for _, id := range ids[start:min(start+400, len(ids))] {
			args = append(args, id)
			marks = append(marks, "$"+itoa(len(args)))
		}
		if err := fn(`(`+strings.Join(marks, ", ")+`)`, args); err != nil {
			return err
		}
	}
	return nil
}

// untally takes the records' contribution as it stands out of the figures, before a write
// changes or removes them; retally puts it back in after.
func (tx *Tx) untally(src tallySource, ids ...string) error { return tx.tallyRecords(src, -1, ids) }
func (tx *Tx) retally(src tallySource, ids ...string) error { return tx.tallyRecords(src, 1, ids) }

// eventPlanItems lists the plan items whose done state hangs on events ids: those the
// events carry out, and those naming them.
func (tx *Tx) eventPlanItems(ids ...string) ([]string, error) {
	var out []string
	for _, id := range ids {
		items, err := collect(tx.ctx, tx, `SELECT plan_item_id FROM events WHERE id = $1 AND plan_item_id <> ''
			UNION SELECT id FROM plan_items WHERE event_id = $1 AND event_id <> ''`, []any{id}, scanString)
		if err != nil {
			return nil, err
		}
		out = append(out, items...)
	}
	return out, nil
}

// aroundEvents runs write, which changes events ids (or creates them: they have no
// contribution yet), keeping the figures: the events' own, and the done state of the plan
// items they carry out, now or (plans: items write will link) after.
//
// Events are locked before plan items, everywhere: the events first (untally), then the
// items found linked to them once locked, so an item linked to one of them by a plan write
// that committed meanwhile is seen (plan writes lock the event they name, lockEvent).
func (tx *Tx) aroundEvents(ids []string, plans []string, write func() error) error {
	if err := tx.untally(tallyEvents, ids...); err != nil {
		return err
	}
	linked, err := tx.eventPlanItems(ids...)
	if err != nil {
		return err
	}
	items := append(linked, plans...)
	if err := tx.untally(tallyPlans, items...); err != nil {
		return err
	}
	if err := write(); err != nil {
		return err
	}
	after, err := tx.eventPlanItems(ids...)
	if err != nil {
		return err
	}
	for _, p := range after {
		if !slices.Contains(items, p) {
			return fmt.Errorf("sqlstore: plan item %s linked by an event write that did not name it", p)
		}
	}
	if err := tx.retally(tallyEvents, ids...); err != nil {
		return err
	}
	return tx.retally(tallyPlans, items...)
}

// aroundNewEvent is aroundEvents for write creating event id: it has nothing to take out
// yet, and carries out plan item plan ("" for none).
func (tx *Tx) aroundNewEvent(id, plan string, write func() error) error {
	if err := tx.untally(tallyPlans, plan); err != nil {
		return err
	}
	if err := write(); err != nil {
		return err
	}
	if err := tx.retally(tallyEvents, id); err != nil {
		return err
	}
	return tx.retally(tallyPlans, plan)
}

// lockEvent locks event id ("" for none) before a plan write links an item to it, so that
// a write of the event waits for the link, or the link for the event's write, and each
// counts the item's done state with the other's committed.
func (tx *Tx) lockEvent(id string) error {
	if id == "" {
		return nil
	}
	_, err := tx.ExecContext(tx.ctx, `UPDATE events SET version = version WHERE id = $1`, id)
	return err
}

// flushTallies applies the transaction's deltas: one upsert a row, in key order so that
// concurrent transactions on PostgreSQL lock shared rows in the same order. Duty rows that
// fall to zero go, so a count of rows is a count of volunteers.
func (tx *Tx) flushTallies() error {
	d := tx.tallies
	if d == nil || d.empty() {
		return nil
	}
	tx.tallies = nil
	ctx := tx.ctx
	keys := make([]tallyKey, 0, len(d.rows))
	for k, n := range d.rows {
		if n != 0 {
			keys = append(keys, k)
		}
	}
	slices.SortFunc(keys, func(a, b tallyKey) int {
		return cmp.Or(strings.Compare(a.org, b.org), cmp.Compare(a.ym, b.ym), strings.Compare(a.metric, b.metric))
	})
	if err := upsertRows(ctx, tx, `INSERT INTO tallies (org_id, ym, metric, n) VALUES `,
		` ON CONFLICT (org_id, ym, metric) DO UPDATE SET n = tallies.n + excluded.n`, 4, len(keys),
		func(i int, a []any) []any { k := keys[i]; return append(a, k.org, k.ym, k.metric, d.rows[k]) }); err != nil {
		return err
	}
	dkeys := make([]dutyKey, 0, len(d.duty))
	for k, n := range d.duty {
		if n != 0 {
			dkeys = append(dkeys, k)
		}
	}
	slices.SortFunc(dkeys, func(a, b dutyKey) int {
		return cmp.Or(strings.Compare(a.org, b.org), cmp.Compare(a.year, b.year), strings.Compare(a.kind, b.kind),
			strings.Compare(a.volunteer, b.volunteer))
	})
	if err := upsertRows(ctx, tx, `INSERT INTO duty_tallies (org_id, year, kind, volunteer_id, n) VALUES `,
		` ON CONFLICT (org_id, year, kind, volunteer_id) DO UPDATE SET n = duty_tallies.n + excluded.n`, 5, len(dkeys),
		func(i int, a []any) []any {
			k := dkeys[i]
			return append(a, k.org, k.year, k.kind, k.volunteer, d.duty[k])
		}); err != nil {
		return err
	}
	for _, k := range dkeys {
		if d.duty[k] < 0 {
			if _, err := tx.ExecContext(ctx, `DELETE FROM duty_tallies WHERE org_id = $1 AND year = $2 AND kind = $3
				AND volunteer_id = $4 AND n <= 0`, k.org, k.year, k.kind, k.volunteer); err != nil {
				return err
			}
		}
	}
	return nil
}

// recountTallies replaces the figures of committees orgs (all committees when orgs is
// nil) with a count from the records.
func (tx *Tx) recountTallies(orgs []string) error {
	if err := tx.flushTallies(); err != nil {
		return err
	}
	if err := lockTree(tx.ctx, tx, true); err != nil {
		return err
	}
	ctx := tx.ctx
	cond, args := "", []any{}
	if orgs != nil {
		if len(orgs) == 0 {
			return nil
		}
		marks := make([]string, len(orgs))
		for i, o := range orgs {
			args, marks[i] = append(args, o), "$"+itoa(i+1)
		}
		cond = `c.ancestor_id IN (` + strings.Join(marks, ", ") + `)` // a move's few committees
	}
	for _, table := range []string{"tallies", "duty_tallies"} {
		q := `DELETE FROM ` + table
		if cond != "" {
			q += ` WHERE ` + strings.Replace(cond, "c.ancestor_id", "org_id", 1)
		}
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return err
		}
	}
	// In the database, not through Go: a province's figures are millions of rows.
	with, want := recountSQL(cond)
	if _, err := tx.ExecContext(ctx, with+` INSERT INTO tallies (org_id, ym, metric, n) SELECT org_id, ym, metric, n FROM (`+want+`) w`, args...); err != nil {
		return err
	}
	duty, _ := contribution(tallyPlaces, cond)
	_, err := tx.ExecContext(ctx, `INSERT INTO duty_tallies (org_id, year, kind, volunteer_id, n) `+duty, args...)
	return err
}

// recountSQL is the count from the records of the figures of the committees cond selects
// (c.ancestor_id; "" for all): with, a WITH clause, before a statement that reads want,
// the rows (org_id, ym, metric, n) with n not 0. Each kind of record is aggregated once
// (a materialised CTE) and its metric columns turned into rows.
func recountSQL(cond string) (with, want string) {
	var ctes, parts []string
	for i, src := range []tallySource{tallyEvents, tallyHours, tallyPlans} {
		q, metrics := contribution(src, cond)
		name := fmt.Sprintf("src%d", i)
		cols := []string{"a", "ym"}
		for k, m := range metrics {
			v := fmt.Sprintf("v%d", k)
			cols = append(cols, v)
			parts = append(parts, `SELECT a AS org_id, ym, '`+m+`' AS metric, `+v+` AS n FROM `+name+` WHERE `+v+` <> 0`)
		}
		ctes = append(ctes, name+` (`+strings.Join(cols, ", ")+`) AS MATERIALIZED (`+q+`)`)
	}
	return `WITH ` + strings.Join(ctes, ", "), strings.Join(parts, " UNION ALL ")
}

// RecountTallies rebuilds every committee's subtree figures from the records: after rows
// were loaded around the store (a restore, a bulk load), never needed otherwise. The trail
// records it, with how many figures it wrote.
func (db *DB) RecountTallies(ctx context.Context) error {
	return db.inTx(ctx, func(tx *Tx) error {
		if err := tx.recountTallies(nil); err != nil {
			return err
		}
		var n, d int
		if err := tx.QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM tallies), (SELECT COUNT(*) FROM duty_tallies)`).Scan(&n, &d); err != nil {
			return err
		}
		return tx.audit(guangong.SystemActor("recount"), entry{action: guangong.ActionUpdate, objectType: "tallies",
			objectID: "all", detail: fmt.Sprintf("recounted from the records: %d figures, %d duty rows", n, d)})
	})
}

// TallyDifference is a subtree figure whose stored tally differs from a recount.
type TallyDifference struct {
	OrgID, Key      string // Key: "YYYYMM metric", or "YYYY duty kind volunteer"
	Stored, Recount int64
}

// maxDifferences bounds the differences CheckTallies lists.
const maxDifferences = 1000

// CheckTallies recounts every subtree figure from the records and lists where the stored
// tallies differ (nothing, when they are right; at most maxDifferences). It reads one
// snapshot, so writes made meanwhile do not show as differences, and compares in the
// database, whatever the number of figures.
func (db *DB) CheckTallies(ctx context.Context) ([]TallyDifference, error) {
	snap, err := db.reader.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
	if err != nil {
		return nil, err
	}
	defer snap.Rollback()
	var out []TallyDifference
	with, want := recountSQL("")
	duty, _ := contribution(tallyPlaces, "")
	for _, q := range []string{
		with + `, want AS (` + want + `)
		SELECT COALESCE(w.org_id, t.org_id), COALESCE(w.ym, t.ym) || ' ' || COALESCE(w.metric, t.metric),
			COALESCE(t.n, 0), COALESCE(w.n, 0)
		FROM want w FULL JOIN tallies t ON t.org_id = w.org_id AND t.ym = w.ym AND t.metric = w.metric
		WHERE COALESCE(t.n, 0) <> COALESCE(w.n, 0)`,
		`WITH want (org_id, year, kind, volunteer_id, n) AS MATERIALIZED (` + duty + `)
		SELECT COALESCE(w.org_id, t.org_id),
			COALESCE(w.year, t.year) || ' duty ' || COALESCE(w.kind, t.kind) || ' ' || COALESCE(w.volunteer_id, t.volunteer_id),
			COALESCE(t.n, 0), COALESCE(w.n, 0)
		FROM want w FULL JOIN duty_tallies t ON t.org_id = w.org_id AND t.year = w.year AND t.kind = w.kind
			AND t.volunteer_id = w.volunteer_id
		WHERE COALESCE(t.n, 0) <> COALESCE(w.n, 0)`,
	} {
		if err := scanEach(ctx, snap, q+` ORDER BY 1, 2 LIMIT `+itoa(maxDifferences+1-len(out)), func(scan func(...any) error) error {
			var d TallyDifference
			err := scan(&d.OrgID, &d.Key, &d.Stored, &d.Recount)
			out = append(out, d)
			return err
		}); err != nil {
			return nil, err
		}
	}
	return out[:min(len(out), maxDifferences)], nil
}

// scanEach runs query and calls row for each row with the row's Scan.
func scanEach(ctx context.Context, q querier, query string, row func(scan func(...any) error) error) error {
	rows, err := q.QueryContext(ctx, query)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := row(rows.Scan); err != nil {
			return err
		}
	}
	return rows.Err()
}
