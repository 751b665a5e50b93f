package sqlstore

import (
	"context"
	"database/sql"
	"time"

	"guangong"
)

// ProgressParts times each query of a progress page on its own, one after another, so the
// benchmark can say where the time goes.
func (db *DB) ProgressParts(ctx context.Context, orgID string, year int, subtree bool) (map[string]time.Duration, error) {
	from, to := yearSpan(year, year)
	now := db.now()
	q := db.reader
	out := map[string]time.Duration{}
	var pc planCount
	for _, p := range []struct {
		name string
		fn   func() error
	}{
		{"figures", func() error { _, err := countFigures(ctx, q, orgID, from, to, subtree, false); return err }},
		{"troupes", func() error { _, err := countTroupes(ctx, q, orgID, asOfDay(year, now), subtree); return err }},
		{"duty", func() error { _, err := countDuty(ctx, q, orgID, year, subtree); return err }},
		{"targets", func() error { _, err := effectiveTargets(ctx, q, orgID, year); return err }},
		{"plan", func() (err error) { pc, err = countPlan(ctx, q, orgID, year, subtree); return err }},
		{"overdue", func() error { _, _, err := overdueItems(ctx, q, orgID, year, subtree, now, pc); return err }},
	} {
		t0 := time.Now()
		if err := p.fn(); err != nil {
			return nil, err
		}
		out[p.name] = time.Since(t0)
	}
	return out, nil
}

// countingQuerier counts the statements sent through it.
type countingQuerier struct {
	querier
	n int
}

func (c *countingQuerier) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	c.n++
	return c.querier.QueryContext(ctx, query, args...)
}

func (c *countingQuerier) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	c.n++
	return c.querier.QueryRowContext(ctx, query, args...)
}

func (c *countingQuerier) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	c.n++
	return c.querier.ExecContext(ctx, query, args...)
}

// ProgressBelowQueries counts the statements that ProgressBelow's figures take for a page
// of the committees below orgID (scope and role checks aside).
func (db *DB) ProgressBelowQueries(ctx context.Context, orgID string, year int, all bool, p guangong.Page) (int, error) {
	o, err := loadOrg(ctx, db.reader, orgID)
	if err != nil {
		return 0, err
	}
	q := &countingQuerier{querier: db.reader}
	_, err = db.progressBelow(ctx, q, o, year, all, p.Normalize())
	return q.n, err
}
