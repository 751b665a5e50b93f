package sqlstore

import (
	"context"
	"strconv"

	"guangong"
)

// Targets: the minimums set for a committee and year, the defaults a level sets for those
// below it, and which of them is in force (the nearest, explicit before default).

// effectiveTargets is orgID's explicit targets for year and, for other metrics, the
// defaults of its nearest ancestor that set one: in guangong.Metrics order.
func effectiveTargets(ctx context.Context, q querier, orgID string, year int) ([]*guangong.EffectiveTarget, error) {
	got, err := effectiveTargetsOf(ctx, q, []string{orgID}, year)
	return got[orgID], err
}

// effectiveTargetsOf is effectiveTargets for each of the committees ids, in two queries.
func effectiveTargetsOf(ctx context.Context, q querier, ids []string, year int) (map[string][]*guangong.EffectiveTarget, error) {
	got := map[string]map[string]*guangong.EffectiveTarget{}
	for _, id := range ids {
		got[id] = map[string]*guangong.EffectiveTarget{}
	}
	// The setter's name goes with it: a committee above the reader's scope is still named
	// (its name is on every document it sends down).
	var a args
	list := a.list(ids)
	rows, err := q.QueryContext(ctx, `SELECT t.org_id, t.id, t.metric, t.min_count, t.set_by, o.name, t.version FROM targets t
		JOIN orgs o ON o.id = t.set_by WHERE t.org_id IN `+list+` AND t.year = `+a.add(year), a...)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var org string
		t := &guangong.EffectiveTarget{Source: guangong.TargetSourceExplicit}
		if err := rows.Scan(&org, &t.TargetID, &t.Metric, &t.Min, &t.SetBy, &t.SetByName, &t.Version); err != nil {
			rows.Close()
			return nil, err
		}
		got[org][t.Metric] = t
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	// Nearest ancestor first: the first default seen for a metric wins.
	a = nil
	rows, err = q.QueryContext(ctx, `SELECT c.descendant_id, d.metric, d.min_count, d.set_by, o.name FROM org_closure c
		JOIN target_defaults d ON d.set_by = c.ancestor_id JOIN orgs o ON o.id = d.set_by
		WHERE c.descendant_id IN `+a.list(ids)+` AND c.depth > 0 ORDER BY c.descendant_id, c.depth, d.metric`, a...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var org string
		t := &guangong.EffectiveTarget{Source: guangong.TargetSourceDefault}
		if err := rows.Scan(&org, &t.Metric, &t.Min, &t.SetBy, &t.SetByName); err != nil {
			return nil, err
		}
		if _, ok := got[org][t.Metric]; !ok {
			got[org][t.Metric] = t
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := map[string][]*guangong.EffectiveTarget{}
	for _, id := range ids {
		out[id] = []*guangong.EffectiveTarget{}
		for _, m := range guangong.Metrics {
			if t, ok := got[id][m.Code]; ok {
				out[id] = append(out[id], t)
			}
		}
	}
	return out, nil
}

// EffectiveTargets lists the targets that apply to orgID in year.
func (db *DB) EffectiveTargets(ctx context.Context, a *guangong.Actor, orgID string, year int) ([]*guangong.EffectiveTarget, error) {
	var out []*guangong.EffectiveTarget
	err := db.read(ctx, a, func(q querier) error {
		if err := canRead(a, objTarget, "", "read targets"); err != nil {
			return err
		}
		if err := checkProgressYear(year); err != nil {
			return err
		}
		if _, err := scopedOrg(ctx, q, a, orgID, "read targets"); err != nil {
			return err
		}
		var err error
		out, err = effectiveTargets(ctx, q, orgID, year)
		return err
	})
	return out, err
}

// removed records the fields of a deleted record.
func removed(before [][2]string) []guangong.Change {
	out := make([]guangong.Change, 0, len(before))
	for _, f := range before {
		out = append(out, guangong.Change{Field: f[0], Before: f[1]})
	}
	return out
}

// notAbove answers an account setting the target of its own committee (or one not below
// it): targets come from the level above.
func notAbove(id, orgID string) error {
	return &denial{err: &guangong.Error{Code: guangong.EFORBIDDEN, Msg: guangong.Msg{
		Zh: "目标只能由上级组织设定", En: "Only a committee above may set this committee's targets"}},
		objectType: objTarget, objectID: id, orgID: orgID, detail: "set target: not above"}
}

// setterOrg checks that the actor may set targets of committee o and returns the committee
// that sets them: the actor's, which must lie strictly above o. The system actor sets them
// in the name of o's parent.
func setterOrg(ctx context.Context, q querier, a *guangong.Actor, o *guangong.Org, id string) (string, error) {
	if a.System {
		if o.ParentID == "" {
			return "", fieldErr("orgId", "最高一级组织没有上级，不能为其设定目标", "The top committee has no committee above to set its targets")
		}
		return o.ParentID, nil
	}
	if a.OrgID == o.ID {
		return "", notAbove(id, o.ID)
	}
	ok, err := isDescendant(ctx, q, a.OrgID, o.ID)
	if err != nil {
		return "", err
	}
	if !ok {
		return "", notAbove(id, o.ID)
	}
	return a.OrgID, nil
}

// SetTarget creates or changes the explicit target of t.OrgID for t.Year and t.Metric.
func (db *DB) SetTarget(ctx context.Context, a *guangong.Actor, t *guangong.Target) error {
	return db.write(ctx, a, func(tx *Tx) error {
		if err := canWrite(a, objTarget, "", t.OrgID, "set target"); err != nil {
			return err
		}
		if err := t.Validate(); err != nil {
			return err
		}
		o, err := scopedOrg(ctx, tx, a, t.OrgID, "set target")
		if err != nil {
			return err
		}
		setBy, err := setterOrg(ctx, tx, a, o, "")
		if err != nil {
			return err
		}
		var id, oldSetBy string
		var oldMin, version int
		err = tx.QueryRowContext(ctx, `SELECT id, min_count, set_by, version FROM targets WHERE org_id = $1 AND year = $2 AND metric = $3`,
			t.OrgID, t.Year, t.Metric).Scan(&id, &oldMin, &oldSetBy, &version)
		now := fmtTime(tx.now)
		if noRows(err) {
			if t.Version != 0 {
				return guangong.Stale()
			}
			t.ID, t.SetBy, t.Version = guangong.NewID(), setBy, 1
			if _, err := tx.ExecContext(ctx, `INSERT INTO targets (id, org_id, year, metric, min_count, set_by, version, updated_at)
				VALUES ($1, $2, $3, $4, $5, $6, 1, $7)`, t.ID, t.OrgID, t.Year, t.Metric, t.Min, setBy, now); err != nil {
				return err
			}
			t.UpdatedAt = tx.now
			return tx.audit(a, entry{action: guangong.ActionCreate, objectType: objTarget, objectID: t.ID, orgID: t.OrgID,
				changes: diff(nil, [][2]string{{"year", strconv.Itoa(t.Year)}, {"metric", t.Metric},
					{"min", strconv.Itoa(t.Min)}, {"setBy", setBy}})})
		} else if err != nil {
			return err
		}
		if t.Version != version {
			return guangong.Stale()
		}
		res, err := tx.ExecContext(ctx, `UPDATE targets SET min_count = $1, set_by = $2, version = version + 1, updated_at = $3
			WHERE id = $4 AND version = $5`, t.Min, setBy, now, id, version)
		if err != nil {
			return err
		}
		if err := oneRow(res); err != nil { // a concurrent save won (PostgreSQL reads committed rows)
			return err
		}
		t.ID, t.SetBy, t.Version, t.UpdatedAt = id, setBy, version+1, tx.now
		return tx.audit(a, entry{action: guangong.ActionUpdate, objectType: objTarget, objectID: id, orgID: t.OrgID,
			changes: diff([][2]string{{"min", strconv.Itoa(oldMin)}, {"setBy", oldSetBy}},
				[][2]string{{"min", strconv.Itoa(t.Min)}, {"setBy", setBy}}),
			detail: t.Metric + " " + strconv.Itoa(t.Year)})
	})
}

// DeleteTarget removes an explicit target; the default (if any) applies again.
func (db *DB) DeleteTarget(ctx context.Context, a *guangong.Actor, id string, version int) error {
	return db.write(ctx, a, func(tx *Tx) error {
		if err := canWrite(a, objTarget, id, "", "delete target"); err != nil {
			return err
		}
		var t guangong.Target
		err := tx.QueryRowContext(ctx, `SELECT org_id, year, metric, min_count, version FROM targets WHERE id = $1`, id).
			Scan(&t.OrgID, &t.Year, &t.Metric, &t.Min, &t.Version)
		if noRows(err) {
			return &denial{err: targetNotFound(), objectType: objTarget, objectID: id, detail: "delete target: not found"}
		} else if err != nil {
			return err
		}
		if ok, err := inScope(ctx, tx, a, t.OrgID); err != nil {
			return err
		} else if !ok {
			return &denial{err: targetNotFound(), objectType: objTarget, objectID: id, orgID: t.OrgID, detail: "delete target: outside scope"}
		}
		o, err := loadOrg(ctx, tx, t.OrgID)
		if err != nil {
			return err
		}
		if _, err := setterOrg(ctx, tx, a, o, id); err != nil {
			return err
		}
		if t.Version != version {
			return guangong.Stale()
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM targets WHERE id = $1`, id); err != nil {
			return err
		}
		return tx.audit(a, entry{action: guangong.ActionDelete, objectType: objTarget, objectID: id, orgID: t.OrgID,
			changes: removed([][2]string{{"year", strconv.Itoa(t.Year)}, {"metric", t.Metric}, {"min", strconv.Itoa(t.Min)}})})
	})
}

// TargetDefaults lists the defaults committee setBy gives the committees below it.
func (db *DB) TargetDefaults(ctx context.Context, a *guangong.Actor, setBy string) ([]*guangong.TargetDefault, error) {
	var out []*guangong.TargetDefault
	err := db.read(ctx, a, func(q querier) error {
		if err := canRead(a, objTargetDefault, "", "read target defaults"); err != nil {
			return err
		}
		if _, err := scopedOrg(ctx, q, a, setBy, "read target defaults"); err != nil {
			return err
		}
		rows, err := q.QueryContext(ctx, `SELECT set_by, metric, min_count, version, updated_at FROM target_defaults WHERE set_by = $1`, setBy)
		if err != nil {
			return err
		}
		defer rows.Close()
		got := map[string]*guangong.TargetDefault{}
		for rows.Next() {
			d := &guangong.TargetDefault{}
			if err := rows.Scan(&d.SetBy, &d.Metric, &d.Min, &d.Version, timeCol{&d.UpdatedAt}); err != nil {
				return err
			}
			got[d.Metric] = d
		}
		if err := rows.Err(); err != nil {
			return err
		}
		out = []*guangong.TargetDefault{}
		for _, m := range guangong.Metrics {
			if d, ok := got[m.Code]; ok {
				out = append(out, d)
			}
		}
		return nil
	})
	return out, err
}

// SetTargetDefault creates (Version 0) or changes the default committee d.SetBy gives
// every committee below it. Any account with write rights whose scope holds d.SetBy may.
func (db *DB) SetTargetDefault(ctx context.Context, a *guangong.Actor, d *guangong.TargetDefault) error {
	return db.write(ctx, a, func(tx *Tx) error {
		if err := canWrite(a, objTargetDefault, "", d.SetBy, "set target default"); err != nil {
			return err
		}
		if err := d.Validate(); err != nil {
			return err
		}
		if _, err := scopedOrg(ctx, tx, a, d.SetBy, "set target default"); err != nil {
			return err
		}
		var oldMin, version int
		err := tx.QueryRowContext(ctx, `SELECT min_count, version FROM target_defaults WHERE set_by = $1 AND metric = $2`,
			d.SetBy, d.Metric).Scan(&oldMin, &version)
		now := fmtTime(tx.now)
		objID := d.SetBy + "/" + d.Metric
		if noRows(err) {
			if d.Version != 0 {
				return guangong.Stale()
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO target_defaults (set_by, metric, min_count, version, updated_at)
				VALUES ($1, $2, $3, 1, $4)`, d.SetBy, d.Metric, d.Min, now); err != nil {
				return err
			}
			d.Version, d.UpdatedAt = 1, tx.now
			return tx.audit(a, entry{action: guangong.ActionCreate, objectType: objTargetDefault, objectID: objID, orgID: d.SetBy,
				changes: diff(nil, [][2]string{{"metric", d.Metric}, {"min", strconv.Itoa(d.Min)}})})
		} else if err != nil {
			return err
		}
		if d.Version != version {
			return guangong.Stale()
		}
		res, err := tx.ExecContext(ctx, `UPDATE target_defaults SET min_count = $1, version = version + 1, updated_at = $2
			WHERE set_by = $3 AND metric = $4 AND version = $5`, d.Min, now, d.SetBy, d.Metric, version)
		if err != nil {
			return err
		}
		if err := oneRow(res); err != nil {
			return err
		}
		d.Version, d.UpdatedAt = version+1, tx.now
		return tx.audit(a, entry{action: guangong.ActionUpdate, objectType: objTargetDefault, objectID: objID, orgID: d.SetBy,
			changes: diff([][2]string{{"min", strconv.Itoa(oldMin)}}, [][2]string{{"min", strconv.Itoa(d.Min)}})})
	})
}

// DeleteTargetDefault removes a default; a default further up (if any) applies again.
func (db *DB) DeleteTargetDefault(ctx context.Context, a *guangong.Actor, setBy, metric string, version int) error {
	return db.write(ctx, a, func(tx *Tx) error {
		objID := setBy + "/" + metric
		if err := canWrite(a, objTargetDefault, objID, setBy, "delete target default"); err != nil {
			return err
		}
		if _, err := scopedOrg(ctx, tx, a, setBy, "delete target default"); err != nil {
			return err
		}
		var oldMin, v int
		err := tx.QueryRowContext(ctx, `SELECT min_count, version FROM target_defaults WHERE set_by = $1 AND metric = $2`,
			setBy, metric).Scan(&oldMin, &v)
		if noRows(err) {
			return targetNotFound()
		} else if err != nil {
			return err
		}
		if v != version {
			return guangong.Stale()
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM target_defaults WHERE set_by = $1 AND metric = $2`, setBy, metric); err != nil {
			return err
		}
		return tx.audit(a, entry{action: guangong.ActionDelete, objectType: objTargetDefault, objectID: objID, orgID: setBy,
			changes: removed([][2]string{{"metric", metric}, {"min", strconv.Itoa(oldMin)}})})
	})
}
