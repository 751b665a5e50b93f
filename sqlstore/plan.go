package sqlstore

import (
	"context"
	"strconv"
	"strings"
	"time"

	"guangong"
)

// A committee's plan for the year: planned meetings and activities by month. An item is
// done when a held or recorded event carries it out, linked from either side (the item's
// event_id, or the event's plan_item_id); past its month without one it is overdue.

func planItemNotFound() error { return guangong.NotFound(guangong.PlanItemNoun) }

const planCols = `p.id, p.org_id, o.name, p.year, p.month, p.type, p.kind, p.category, p.subcategory, p.title, p.large,
	p.event_id, p.version, p.created_at, p.updated_at,
	COALESCE((SELECT d.starts_on || ' ' || d.id FROM events d WHERE d.id = p.event_id AND d.status IN ('held', 'recorded')),
		(SELECT MIN(y.starts_on || ' ' || y.id) FROM events y
			WHERE y.plan_item_id = p.id AND y.plan_item_id <> '' AND y.status IN ('held', 'recorded')), '')`

// planFrom is each item with its committee. The done event is looked up by correlated
// subqueries, one index probe per item each way (the event the item names, by primary
// key; an event naming the item, by events_plan_item): as joins, PostgreSQL hashed every
// event of the database for a county's plan, and SQLite, with the subquery in the join
// condition, evaluated it for every pair of item and event.
const planFrom = ` FROM plan_items p JOIN orgs o ON o.id = p.org_id`

func scanPlanItem(s scanner, today string) (*guangong.PlanItem, error) {
	p := &guangong.PlanItem{}
	var done string // "YYYY-MM-DD id" of the earliest done event carrying it out
	err := s.Scan(&p.ID, &p.OrgID, &p.OrgName, &p.Year, &p.Month, &p.Type, &p.Kind, &p.Category, &p.Subcategory,
		&p.Title, &p.Large, &p.EventID, &p.Version, timeCol{&p.CreatedAt}, timeCol{&p.UpdatedAt}, &done)
	p.DoneOn, p.DoneEventID, _ = strings.Cut(done, " ")
	p.Done = p.DoneEventID != ""
	p.Overdue = !p.Done && p.PastMonth(today)
	return p, err
}

// planItems lists the items of orgID (or its subtree) for year, by month.
func planItems(ctx context.Context, q querier, orgID string, year int, subtree bool, now time.Time) ([]*guangong.PlanItem, error) {
	return collect(ctx, q, `SELECT `+planCols+planFrom+` WHERE `+orgCond("p.org_id", subtree)+` AND p.year = $2
		ORDER BY p.month, o.name, p.created_at, p.id`, []any{orgID, year}, planItemScanner(now))
}

// planItemScanner reads plan items as of now (whether each is overdue).
func planItemScanner(now time.Time) func(scanner) (*guangong.PlanItem, error) {
	today := todayShanghai(now).Format(guangong.DateLayout)
	return func(s scanner) (*guangong.PlanItem, error) { return scanPlanItem(s, today) }
}

// planDone is the SQL condition that item p is done: it names a done event, or a done
// event names it. Most items name none (an empty event_id), which spares them the first probe.
const planDone = `((p.event_id <> '' AND EXISTS (SELECT 1 FROM events d WHERE d.id = p.event_id AND d.status IN ('held', 'recorded')))
	OR EXISTS (SELECT 1 FROM events y WHERE y.plan_item_id = p.id AND y.plan_item_id <> '' AND y.status IN ('held', 'recorded')))`

// planCount is what a progress page says of a plan: its items, those done, and by month
// (index 1..12) those not done.
type planCount struct {
	total, done int
	open        [13]int
}

// countPlan counts the items of orgID (or its subtree, from its tallies) for year, and
// those done, by month.
func countPlan(ctx context.Context, q querier, orgID string, year int, subtree bool) (planCount, error) {
	var pc planCount
	query := `SELECT p.month, COUNT(*), SUM(CASE WHEN ` + planDone + ` THEN 1 ELSE 0 END)
		FROM plan_items p WHERE p.org_id = $1 AND p.year = $2 GROUP BY p.month`
	if subtree {
		query = `SELECT ym % 100, SUM(CASE WHEN metric = '` + tallyPlanItems + `' THEN n ELSE 0 END),
			SUM(CASE WHEN metric = '` + tallyPlanDone + `' THEN n ELSE 0 END) FROM tallies
			WHERE org_id = $1 AND ym > $2 * 100 AND ym < ($2 + 1) * 100 AND metric IN ('` + tallyPlanItems + `', '` + tallyPlanDone + `')
			GROUP BY ym`
	}
	rows, err := q.QueryContext(ctx, query, orgID, year)
	if err != nil {
		return pc, err
	}
	defer rows.Close()
	for rows.Next() {
		var month, n, done int
		if err := rows.Scan(&month, &n, &done); err != nil {
			return pc, err
		}
		pc.total += n
		pc.done += done
		if month >= 1 && month <= 12 {
			pc.open[month] = n - done
		}
	}
	return pc, rows.Err()
}

// maxOverdue bounds the overdue list a progress page shows.
const maxOverdue = 200

// pastMonths is how many months of year have ended by now.
func pastMonths(year int, now time.Time) int {
	today := todayShanghai(now)
	switch {
	case today.Year() < year:
		return 0
	case today.Year() == year:
		return int(today.Month()) - 1
	}
	return 12
}

// overdueItems lists up to maxOverdue items of year whose month has ended with nothing
// done, and whether there are more. The list runs by month, so with the open items per
// month (from countPlan) it reads only the months the list reaches, not the whole year:
// each item's done check is two index probes.
func overdueItems(ctx context.Context, q querier, orgID string, year int, subtree bool, now time.Time, pc planCount) ([]*guangong.PlanItem, bool, error) {
	list := []*guangong.PlanItem{}
	last, seen := 0, 0 // the last month the list reaches, and the open items up to it
	for m := 1; m <= pastMonths(year, now) && seen <= maxOverdue; m++ {
		if pc.open[m] > 0 {
			last, seen = m, seen+pc.open[m]
		}
	}
	if last == 0 {
		return list, false, nil
	}
	list, err := collect(ctx, q, `SELECT `+planCols+planFrom+` WHERE `+orgCond("p.org_id", subtree)+` AND p.year = $2
		AND p.month <= $3 AND NOT `+planDone+` ORDER BY p.month, o.name, p.created_at, p.id`+
		limit(guangong.Page{Limit: maxOverdue + 1}), []any{orgID, year, last}, planItemScanner(now))
	if err != nil {
		return nil, false, err
	}
	if len(list) > maxOverdue {
		return list[:maxOverdue], true, nil
	}
	return list, false, nil
}

// PlanItems lists committee orgID's plan for year.
func (db *DB) PlanItems(ctx context.Context, a *guangong.Actor, orgID string, year int) ([]*guangong.PlanItem, error) {
	var list []*guangong.PlanItem
	err := db.read(ctx, a, func(q querier) error {
		if err := canRead(a, objPlanItem, "", "read plan"); err != nil {
			return err
		}
		if err := checkProgressYear(year); err != nil {
			return err
		}
		if _, err := scopedOrg(ctx, q, a, orgID, "read plan"); err != nil {
			return err
		}
		var err error
		list, err = planItems(ctx, q, orgID, year, false, db.now())
		return err
	})
	return list, err
}

// scopedPlanItem reads item id if its committee lies in scope; else NotFound, audited.
func (db *DB) scopedPlanItem(ctx context.Context, q querier, a *guangong.Actor, id, what string) (*guangong.PlanItem, error) {
	today := todayShanghai(db.now()).Format(guangong.DateLayout)
	p, err := scanPlanItem(q.QueryRowContext(ctx, `SELECT `+planCols+planFrom+` WHERE p.id = $1`, id), today)
	if noRows(err) {
		return nil, missing(planItemNotFound(), objPlanItem, id, what)
	} else if err != nil {
		return nil, err
	}
	if ok, err := inScope(ctx, q, a, p.OrgID); err != nil {
		return nil, err
	} else if !ok {
		return nil, &denial{err: planItemNotFound(), objectType: objPlanItem, objectID: id, orgID: p.OrgID, detail: what + ": outside scope"}
	}
	return p, nil
}

// FindPlanItem returns a plan item in scope.
func (db *DB) FindPlanItem(ctx context.Context, a *guangong.Actor, id string) (*guangong.PlanItem, error) {
	var p *guangong.PlanItem
	err := db.read(ctx, a, func(q querier) error {
		if err := canRead(a, objPlanItem, id, "read plan item"); err != nil {
			return err
		}
		var err error
		p, err = db.scopedPlanItem(ctx, q, a, id, "read plan item")
		return err
	})
	return p, err
}

func planFields(p *guangong.PlanItem) [][2]string {
	return [][2]string{{"year", strconv.Itoa(p.Year)}, {"month", strconv.Itoa(p.Month)}, {"type", p.Type},
		{"kind", p.Kind}, {"category", p.Category}, {"subcategory", p.Subcategory}, {"title", p.Title},
		{"large", strconv.FormatBool(p.Large)}, {"eventId", p.EventID}}
}

// checkPlanEvent checks that the event an item links to exists and was organised by the
// item's committee (host or co-organiser).
func checkPlanEvent(ctx context.Context, q querier, p *guangong.PlanItem) error {
	if p.EventID == "" {
		return nil
	}
	var n int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM event_orgs WHERE event_id = $1 AND org_id = $2`,
		p.EventID, p.OrgID).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return fieldErr("eventId", "所选会议或活动不存在，或不是本组织举办的", "The event does not exist or was not organised by this committee")
	}
	return nil
}

// CreatePlanItem adds an item to a committee's plan.
func (db *DB) CreatePlanItem(ctx context.Context, a *guangong.Actor, p *guangong.PlanItem) error {
	err := db.write(ctx, a, func(tx *Tx) error {
		if err := canWrite(a, objPlanItem, "", p.OrgID, "create plan item"); err != nil {
			return err
		}
		p.Normalize()
		if err := p.Validate(); err != nil {
			return err
		}
		o, err := recordOrg(ctx, tx, a, "orgId", p.OrgID)
		if err != nil {
			return err
		}
		if err := checkPlanEvent(ctx, tx, p); err != nil {
			return err
		}
		if err := tx.lockEvent(p.EventID); err != nil {
			return err
		}
		now := fmtTime(tx.now)
		p.ID, p.OrgName, p.Version, p.CreatedAt, p.UpdatedAt = guangong.NewID(), o.Name, 1, tx.now, tx.now
		if _, err := tx.ExecContext(ctx, `INSERT INTO plan_items (id, org_id, year, month, type, kind, category, subcategory,
			title, large, event_id, version, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 1, $12, $12)`,
			p.ID, p.OrgID, p.Year, p.Month, p.Type, p.Kind, p.Category, p.Subcategory, p.Title, p.Large, p.EventID, now); err != nil {
			return err
		}
		if err := tx.retally(tallyPlans, p.ID); err != nil {
			return err
		}
		return tx.audit(a, entry{action: guangong.ActionCreate, objectType: objPlanItem, objectID: p.ID, orgID: p.OrgID,
			changes: diff(nil, planFields(p))})
	})
	if err != nil {
		p.ID = ""
	}
	return err
}

// UpdatePlanItem changes an item (its committee stays); p.Version must match.
func (db *DB) UpdatePlanItem(ctx context.Context, a *guangong.Actor, p *guangong.PlanItem) error {
	return db.write(ctx, a, func(tx *Tx) error {
		if err := canWrite(a, objPlanItem, p.ID, "", "update plan item"); err != nil {
			return err
		}
		cur, err := db.scopedPlanItem(ctx, tx, a, p.ID, "update plan item")
		if err != nil {
			return err
		}
		p.OrgID, p.OrgName = cur.OrgID, cur.OrgName
		p.Normalize()
		if err := p.Validate(); err != nil {
			return err
		}
		if p.Version != cur.Version {
			return guangong.Stale()
		}
		if err := checkPlanEvent(ctx, tx, p); err != nil {
			return err
		}
		if err := tx.lockEvent(p.EventID); err != nil {
			return err
		}
		if err := tx.untally(tallyPlans, p.ID); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE plan_items SET year = $1, month = $2, type = $3, kind = $4, category = $5,
			subcategory = $6, title = $7, large = $8, event_id = $9, version = version + 1, updated_at = $10
			WHERE id = $11 AND version = $12`, p.Year, p.Month, p.Type, p.Kind, p.Category, p.Subcategory, p.Title, p.Large,
			p.EventID, fmtTime(tx.now), p.ID, p.Version)
		if err != nil {
			return err
		}
		if err := oneRow(res); err != nil {
			return err
		}
		if err := tx.retally(tallyPlans, p.ID); err != nil {
			return err
		}
		p.Version, p.CreatedAt, p.UpdatedAt = cur.Version+1, cur.CreatedAt, tx.now
		return tx.audit(a, entry{action: guangong.ActionUpdate, objectType: objPlanItem, objectID: p.ID, orgID: p.OrgID,
			changes: diff(planFields(cur), planFields(p))})
	})
}

// DeletePlanItem removes an item from the plan; the event it linked to is untouched.
func (db *DB) DeletePlanItem(ctx context.Context, a *guangong.Actor, id string, version int) error {
	return db.write(ctx, a, func(tx *Tx) error {
		if err := canWrite(a, objPlanItem, id, "", "delete plan item"); err != nil {
			return err
		}
		cur, err := db.scopedPlanItem(ctx, tx, a, id, "delete plan item")
		if err != nil {
			return err
		}
		if cur.Version != version {
			return guangong.Stale()
		}
		if err := tx.untally(tallyPlans, id); err != nil {
			return err
		}
		if res, err := tx.ExecContext(ctx, `DELETE FROM plan_items WHERE id = $1 AND version = $2`, id, version); err != nil {
			return err
		} else if err := oneRow(res); err != nil {
			return err
		}
		return tx.audit(a, entry{action: guangong.ActionDelete, objectType: objPlanItem, objectID: id, orgID: cur.OrgID,
			changes: removed(planFields(cur))})
	})
}
