package sqlstore

// The large (大型) rule a committee sets for the committees below it, and the events it decides.

import (
	"context"

	"guangong"
)

// canSetRules: a committee's rule binds the committees below it, so only its
// administrators set it.
func canSetRules(a *guangong.Actor, orgID string) error {
	if !a.Can(func(r guangong.Role) bool { return r == guangong.RoleOrgAdmin }) {
		return &denial{err: guangong.Forbidden(), objectType: objLargeRule, objectID: orgID, orgID: orgID, detail: "set large rule"}
	}
	return nil
}

// LargeRule returns the rule orgID sets for the committees below it; Version 0 and the
// defaults when it has set none.
func (db *DB) LargeRule(ctx context.Context, a *guangong.Actor, orgID string) (*guangong.LargeRule, error) {
	var r *guangong.LargeRule
	err := db.read(ctx, a, func(q querier) error {
		if err := canRead(a, objLargeRule, orgID, "read large rule"); err != nil {
			return err
		}
		if _, err := scopedOrg(ctx, q, a, orgID, "read large rule"); err != nil {
			return err
		}
		var err error
		r, err = storedRule(ctx, q, orgID)
		return err
	})
	return r, err
}

func storedRule(ctx context.Context, q querier, orgID string) (*guangong.LargeRule, error) {
	r := &guangong.LargeRule{OrgID: orgID}
	err := q.QueryRowContext(ctx, `SELECT meeting_min, activity_min, version, updated_at FROM large_rules
		WHERE org_id = $1`, orgID).Scan(&r.MeetingMin, &r.ActivityMin, &r.Version, timeCol{&r.UpdatedAt})
	if noRows(err) {
		r.MeetingMin, r.ActivityMin = guangong.DefaultMeetingMin, guangong.DefaultActivityMin
		return r, nil
	}
	return r, err
}

// RuleInForce is the rule deciding 大型 for orgID's own events.
func (db *DB) RuleInForce(ctx context.Context, a *guangong.Actor, orgID string) (*guangong.RuleInForce, error) {
	var f *guangong.RuleInForce
	err := db.read(ctx, a, func(q querier) error {
		if err := canRead(a, objLargeRule, orgID, "read large rule"); err != nil {
			return err
		}
		if _, err := scopedOrg(ctx, q, a, orgID, "read large rule"); err != nil {
			return err
		}
		r, err := ruleFor(ctx, q, orgID)
		if err != nil {
			return err
		}
		f = &guangong.RuleInForce{MeetingMin: guangong.DefaultMeetingMin, ActivityMin: guangong.DefaultActivityMin}
		if r != nil {
			f.MeetingMin, f.ActivityMin, f.Source = r.MeetingMin, r.ActivityMin, r.OrgID
			// The setter may lie above the reader's scope: its name is shown, never its record.
			if err := q.QueryRowContext(ctx, `SELECT name FROM orgs WHERE id = $1`, r.OrgID).Scan(&f.SourceName); err != nil {
				return err
			}
		}
		return nil
	})
	return f, err
}

// largeExpr decides 大型 for a stored event by the nearest strict ancestor's rule, or the
// defaults ($d1 meetings, $d2 activities); performances are left to their scale.
func largeExpr(d1, d2 string) string {
	return `(events.headcount >= COALESCE((SELECT CASE WHEN events.type = 'meeting' THEN r.meeting_min ELSE r.activity_min END
		FROM org_closure c JOIN large_rules r ON r.org_id = c.ancestor_id
		WHERE c.descendant_id = events.org_id AND c.depth > 0 ORDER BY c.depth LIMIT 1),
		CASE WHEN events.type = 'meeting' THEN CAST(` + d1 + ` AS INTEGER) ELSE CAST(` + d2 + ` AS INTEGER) END))`
}

// SetLargeRule saves the rule orgID sets for the committees below it and, in the same
// transaction, recomputes the large flag of every event hosted below it.
func (db *DB) SetLargeRule(ctx context.Context, a *guangong.Actor, r *guangong.LargeRule) error {
	return db.write(ctx, a, func(tx *Tx) error {
		if err := canSetRules(a, r.OrgID); err != nil {
			return err
		}
		if _, err := scopedOrg(ctx, tx, a, r.OrgID, "set large rule"); err != nil {
			return err
		}
		if err := r.Validate(); err != nil {
			return err
		}
		old, err := storedRule(ctx, tx, r.OrgID)
		if err != nil {
			return err
		}
		if old.Version != r.Version {
			return guangong.Stale()
		}
		now := fmtTime(tx.now)
		action := guangong.ActionUpdate
		if old.Version == 0 {
			action = guangong.ActionCreate
			_, err = tx.ExecContext(ctx, `INSERT INTO large_rules (org_id, meeting_min, activity_min, version, updated_at)
				VALUES ($1, $2, $3, 1, $4)`, r.OrgID, r.MeetingMin, r.ActivityMin, now)
		} else {
			var res interface{ RowsAffected() (int64, error) }
			res, err = tx.ExecContext(ctx, `UPDATE large_rules SET meeting_min = $1, activity_min = $2,
				version = version + 1, updated_at = $3 WHERE org_id = $4 AND version = $5`,
				r.MeetingMin, r.ActivityMin, now, r.OrgID, r.Version)
			if err == nil {
				if n, _ := res.RowsAffected(); n != 1 {
					return guangong.Stale()
				}
			}
		}
		if err != nil {
			return err
		}
		ids, err := collect(ctx, tx, `SELECT id FROM events
			WHERE org_id IN (SELECT descendant_id FROM org_closure WHERE ancestor_id = $1 AND depth > 0)
			AND category <> 'performance' AND large <> `+largeExpr("$2", "$3"),
			[]any{r.OrgID, guangong.DefaultMeetingMin, guangong.DefaultActivityMin}, scanString)
		if err != nil {
			return err
		}
		// The events' figures move with their flag; their plan items' done state does not.
		if err := tx.untally(tallyEvents, ids...); err != nil {
			return err
		}
		if err := inChunks(ids, []any{guangong.DefaultMeetingMin, guangong.DefaultActivityMin}, func(list string, args []any) error {
			_, err := tx.ExecContext(ctx, `UPDATE events SET large = `+largeExpr("$1", "$2")+` WHERE id IN `+list, args...)
			return err
		}); err != nil {
			return err
		}
		if err := tx.retally(tallyEvents, ids...); err != nil {
			return err
		}
		r.Recomputed, r.Version, r.UpdatedAt = len(ids), old.Version+1, tx.now
		var before [][2]string
		if old.Version > 0 {
			before = [][2]string{{"meetingMin", itoa(old.MeetingMin)}, {"activityMin", itoa(old.ActivityMin)}}
		}
		return tx.audit(a, entry{action: action, objectType: objLargeRule, objectID: r.OrgID, orgID: r.OrgID,
			changes: diff(before, [][2]string{{"meetingMin", itoa(r.MeetingMin)}, {"activityMin", itoa(r.ActivityMin)}}),
			detail:  itoa(r.Recomputed) + " events below changed their large flag"})
	})
}
