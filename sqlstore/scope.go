package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"guangong"
)

// Scope: a non-system actor sees only rows whose committee lies in the subtree of its own
// committee. The subtree is one index range of org_closure's primary key.

// scopeCond returns a condition that column col lies in the actor's subtree, or "" for
// the system actor.
func scopeCond(a *guangong.Actor, col string, args *args) string {
	if a.System {
		return ""
	}
	return col + " IN (SELECT descendant_id FROM org_closure WHERE ancestor_id = " + args.add(a.OrgID) + ")"
}

const inScopeSQL = `SELECT COUNT(*) FROM org_closure WHERE ancestor_id = $1 AND descendant_id = $2`

// inScope reports whether committee id lies in the actor's subtree (for the system actor:
// whether it exists).
func inScope(ctx context.Context, q querier, a *guangong.Actor, id string) (bool, error) {
	var n int
	var err error
	if a.System {
		err = q.QueryRowContext(ctx, `SELECT COUNT(*) FROM orgs WHERE id = $1`, id).Scan(&n)
	} else {
		err = q.QueryRowContext(ctx, inScopeSQL, a.OrgID, id).Scan(&n)
	}
	return n > 0, err
}

// filterOrg checks the committee a list is narrowed to (its orgId, parentId or under
// filter; nil or "" for none). One outside scope answers NotFound like an unknown one, both
// audited as denials, on every list alike: an empty list would say only that the
// committee's subtree holds nothing the actor sees, and lists must not differ in what they
// tell.
func filterOrg(ctx context.Context, q querier, a *guangong.Actor, id *string, what string) error {
	if id == nil || *id == "" || (!a.System && *id == a.OrgID) { // the actor's own root is in scope
		return nil
	}
	_, err := scopedOrg(ctx, q, a, *id, what)
	return err
}

// isDescendant reports whether id lies in the subtree of ancestor (itself included).
func isDescendant(ctx context.Context, q querier, ancestor, id string) (bool, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM org_closure WHERE ancestor_id = $1 AND descendant_id = $2`,
		ancestor, id).Scan(&n)
	return n > 0, err
}

// fieldErr is an EINVALID error on one field.
func fieldErr(field, zh, en string) error {
	var v guangong.Validation
	v.Add(field, zh, en)
	return v.Err()
}

func where(conds []string) string {
	var nonEmpty []string
	for _, c := range conds {
		if c != "" {
			nonEmpty = append(nonEmpty, c)
		}
	}
	if len(nonEmpty) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(nonEmpty, " AND ")
}

func noRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }
