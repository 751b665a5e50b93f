package sqlstore

import (
	"context"
	"database/sql"
	"slices"
	"strconv"
	"strings"

	"guangong"
)

// orgCols reads a committee with its direct-child count in the same statement.
const orgCols = `o.id, COALESCE(o.parent_id, ''), o.name, o.short_name, o.level, o.code, o.address, o.contact,
	o.established, o.status, o.dissolved_at, o.depth, o.version, o.created_at, o.updated_at,
	(SELECT COUNT(*) FROM orgs c WHERE c.parent_id = o.id)`

type scanner interface{ Scan(...any) error }

func scanOrg(s scanner) (*guangong.Org, error) {
	o := &guangong.Org{}
	err := s.Scan(&o.ID, &o.ParentID, &o.Name, &o.ShortName, &o.Level, &o.Code, &o.Address, &o.Contact,
		&o.Established, &o.Status, nullTimeCol{&o.DissolvedAt}, &o.Depth, &o.Version,
		timeCol{&o.CreatedAt}, timeCol{&o.UpdatedAt}, &o.ChildCount)
	return o, err
}

func orgNotFound() error { return guangong.NotFound(guangong.OrgNoun) }

// loadOrg reads committee id regardless of scope.
func loadOrg(ctx context.Context, q querier, id string) (*guangong.Org, error) {
	o, err := scanOrg(q.QueryRowContext(ctx, `SELECT `+orgCols+` FROM orgs o WHERE o.id = $1`, id))
	if noRows(err) {
		return nil, orgNotFound()
	}
	return o, err
}

// lockOrg takes committee id's row lock when q is a write transaction, so that checks on
// it (is it active, does it have active children, its level) hold until commit: without
// it, on PostgreSQL a child could be created under a committee being dissolved at the same
// moment. The no-op UPDATE locks on both databases (SQLite has one writer anyway).
func lockOrg(ctx context.Context, q querier, id string) error {
	tx, ok := q.(*Tx)
	if !ok {
		return nil
	}
	_, err := tx.ExecContext(ctx, `UPDATE orgs SET version = version WHERE id = $1`, id)
	return err
}

// scopedOrg reads committee id if it lies in the actor's scope. One outside scope is
// NotFound like a missing one, and the attempt is audited as denied.
//
// A missing id is audited too: then both answers cost the same write, and a caller cannot
// tell from the time taken whether an id exists outside its scope. Within a write
// transaction the row is locked first (see lockOrg).
func scopedOrg(ctx context.Context, q querier, a *guangong.Actor, id, what string) (*guangong.Org, error) {
	if err := lockOrg(ctx, q, id); err != nil {
		return nil, err
	}
	o, err := loadOrg(ctx, q, id)
	if guangong.ErrorCode(err) == guangong.ENOTFOUND {
		return nil, missing(err, objOrg, id, what)
	} else if err != nil {
		return nil, err
	}
	ok, err := inScope(ctx, q, a, id)
	if err != nil {
		return nil, err
	} else if !ok {
		return nil, &denial{err: orgNotFound(), objectType: objOrg, objectID: id, orgID: id, detail: what + ": outside scope"}
	}
	return o, nil
}

// FindOrgByID returns committee id if it lies in the actor's scope.
func (db *DB) FindOrgByID(ctx context.Context, a *guangong.Actor, id string) (*guangong.Org, error) {
	var o *guangong.Org
	err := db.read(ctx, a, func(q querier) error {
		if !a.Can(guangong.Role.CanReadOrgs) {
			return &denial{err: guangong.Forbidden(), objectType: objOrg, objectID: id, detail: "read org"}
		}
		var err error
		o, err = scopedOrg(ctx, q, a, id, "read org")
		return err
	})
	return o, err
}

// FindOrgByRef finds a committee by id or by its unique code.
func (db *DB) FindOrgByRef(ctx context.Context, a *guangong.Actor, ref string) (*guangong.Org, error) {
	var id string
	err := db.reader.QueryRowContext(ctx, `SELECT id FROM orgs WHERE id = $1 OR code = $1`, ref).Scan(&id)
	if noRows(err) {
		// Through the same role check and audited not-found as an id outside scope.
		return db.FindOrgByID(ctx, a, ref)
	} else if err != nil {
		return nil, mapError(err)
	}
	return db.FindOrgByID(ctx, a, id)
}

// InScope reports whether committee id lies in the actor's subtree.
func (db *DB) InScope(ctx context.Context, a *guangong.Actor, id string) (bool, error) {
	if a == nil {
		return false, noActor()
	}
	if a.System {
		ok, err := inScope(ctx, db.reader, a, id)
		return ok, mapError(err)
	}
	var n int
	if err := db.reader.QueryRowContext(ctx, inScopeSQL, a.OrgID, id).Scan(&n); err != nil {
		return false, mapError(err)
	}
	return n > 0, nil
}

// FindOrgs lists committees in scope, by name, with the total for paging.
func (db *DB) FindOrgs(ctx context.Context, a *guangong.Actor, f guangong.OrgFilter) ([]*guangong.Org, int, error) {
	var list []*guangong.Org
	var total int
	err := db.read(ctx, a, func(q querier) error {
		if !a.Can(guangong.Role.CanReadOrgs) {
			return &denial{err: guangong.Forbidden(), objectType: objOrg, detail: "list orgs"}
		}
		if err := filterOrg(ctx, q, a, f.Under, "list orgs"); err != nil {
			return err
		}
		if err := filterOrg(ctx, q, a, f.ParentID, "list orgs"); err != nil {
			return err
		}
		// The query is driven from one closure range, the asked subtree or else the actor's
		// scope, joined to orgs; the scope, when it is not the driver, is a primary-key probe
		// per row. (An IN (subquery) for each would make SQLite build both lists each time.)
		var args args
		var conds []string
		from := ` FROM orgs o`
		driver := ""
		if f.Under != nil {
			driver = *f.Under
		} else if !a.System {
			driver = a.OrgID
		}
		if driver != "" {
			from = ` FROM org_closure k JOIN orgs o ON o.id = k.descendant_id`
			conds = append(conds, "k.ancestor_id = "+args.add(driver))
		}
		if !a.System && driver != a.OrgID {
			conds = append(conds, `EXISTS (SELECT 1 FROM org_closure s WHERE s.ancestor_id = `+args.add(a.OrgID)+
				` AND s.descendant_id = o.id)`)
		}
		if f.ParentID != nil {
			conds = append(conds, "o.parent_id = "+args.add(*f.ParentID))
		}
		if f.Query != nil && strings.TrimSpace(*f.Query) != "" {
			p := args.add(likePattern(strings.TrimSpace(*f.Query)))
			conds = append(conds, `(o.name LIKE `+p+` ESCAPE '\' OR o.short_name LIKE `+p+` ESCAPE '\')`)
		}
		if f.Code != nil {
			conds = append(conds, "o.code = "+args.add(*f.Code))
		}
		if f.Level != nil {
			conds = append(conds, "o.level = "+args.add(string(*f.Level)))
		}
		if !f.IncludeDissolved {
			conds = append(conds, "o.status = "+args.add(string(guangong.OrgActive)))
		}
		w := where(conds)
		if err := countInto(ctx, q, f.Page, &total, `SELECT COUNT(*)`+from+w, args...); err != nil {
			return err
		}
		p := f.Page.Normalize()
		rows, err := q.QueryContext(ctx, `SELECT `+orgCols+from+w+` ORDER BY o.name, o.id `+limit(p), args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			o, err := scanOrg(rows)
			if err != nil {
				return err
			}
			list = append(list, o)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, 0, err
	}
	return list, total, nil
}

// OrgAncestors lists id's ancestors within the actor's scope, root first.
func (db *DB) OrgAncestors(ctx context.Context, a *guangong.Actor, id string) ([]*guangong.Org, error) {
	var list []*guangong.Org
	err := db.read(ctx, a, func(q querier) error {
		if !a.Can(guangong.Role.CanReadOrgs) {
			return &denial{err: guangong.Forbidden(), objectType: objOrg, objectID: id, detail: "read org"}
		}
		if _, err := scopedOrg(ctx, q, a, id, "read org"); err != nil {
			return err
		}
		var err error
		list, err = ancestors(ctx, q, a, id)
		return err
	})
	return list, err
}

// OrgPaths returns the in-scope ancestors of each committee in ids, root first, in one
// query over the closure table.
func (db *DB) OrgPaths(ctx context.Context, a *guangong.Actor, ids []string) (map[string][]*guangong.Org, error) {
	paths := map[string][]*guangong.Org{}
	if len(ids) == 0 {
		return paths, nil
	}
	err := db.read(ctx, a, func(q querier) error {
		if !a.Can(guangong.Role.CanReadOrgs) {
			return &denial{err: guangong.Forbidden(), objectType: objOrg, detail: "read org paths"}
		}
		var args args
		marks := make([]string, len(ids))
		for i, id := range ids {
			marks[i] = args.add(id)
		}
		conds := []string{"k.descendant_id IN (" + strings.Join(marks, ", ") + ")", "k.depth > 0",
			scopeCond(a, "o.id", &args), scopeCond(a, "k.descendant_id", &args)}
		rows, err := q.QueryContext(ctx, `SELECT k.descendant_id, `+orgCols+` FROM org_closure k
			JOIN orgs o ON o.id = k.ancestor_id`+where(conds)+` ORDER BY k.descendant_id, k.depth DESC`, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id string
			o, err := scanOrg(prefixScanner{rows, []any{&id}})
			if err != nil {
				return err
			}
			paths[id] = append(paths[id], o)
		}
		return rows.Err()
	})
	return paths, err
}

func ancestors(ctx context.Context, q querier, a *guangong.Actor, id string) ([]*guangong.Org, error) {
	args := args{id}
	conds := []string{"k.descendant_id = $1", "k.depth > 0", scopeCond(a, "o.id", &args)}
	rows, err := q.QueryContext(ctx, `SELECT `+orgCols+` FROM org_closure k JOIN orgs o ON o.id = k.ancestor_id`+
		where(conds)+` ORDER BY k.depth DESC`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	list := []*guangong.Org{}
	for rows.Next() {
		o, err := scanOrg(rows)
		if err != nil {
			return nil, err
		}
		list = append(list, o)
	}
	return list, rows.Err()
}

// OrgSummary computes the figures of id's subtree with a few GROUP BY queries.
func (db *DB) OrgSummary(ctx context.Context, a *guangong.Actor, id string) (*guangong.OrgSummary, error) {
	s := &guangong.OrgSummary{ByLevel: map[guangong.Level]int{}}
	err := db.read(ctx, a, func(q querier) error {
		if !a.Can(guangong.Role.CanReadOrgs) {
			return &denial{err: guangong.Forbidden(), objectType: objOrg, objectID: id, detail: "org summary"}
		}
		var err error
		if s.Org, err = scopedOrg(ctx, q, a, id, "org summary"); err != nil {
			return err
		}
		if s.Ancestors, err = ancestors(ctx, q, a, id); err != nil {
			return err
		}
		rows, err := q.QueryContext(ctx, `SELECT o.status, o.level, COUNT(*) FROM org_closure k
			JOIN orgs o ON o.id = k.descendant_id WHERE k.ancestor_id = $1 GROUP BY o.status, o.level`, id)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var status guangong.OrgStatus
			var level guangong.Level
			var n int
			if err := rows.Scan(&status, &level, &n); err != nil {
				return err
			}
			if status == guangong.OrgActive {
				s.ByLevel[level] += n
				s.Active += n
			} else {
				s.Dissolved += n
			}
		}
		if err := rows.Err(); err != nil {
			return err
		}
		return q.QueryRowContext(ctx, `SELECT COUNT(*) FROM users u JOIN org_closure k ON k.descendant_id = u.org_id
			WHERE k.ancestor_id = $1 AND u.disabled = $2`, id, false).Scan(&s.Accounts)
	})
	if err != nil {
		return nil, err
	}
	return s, nil
}

func trimOrg(o *guangong.Org) {
	for _, p := range []*string{&o.Name, &o.ShortName, &o.Code, &o.Address, &o.Contact, &o.Established} {
		*p = strings.TrimSpace(*p)
	}
}

// orgFields lists the audited fields of a committee.
func orgFields(o *guangong.Org) [][2]string {
	return [][2]string{{"name", o.Name}, {"shortName", o.ShortName}, {"level", string(o.Level)}, {"code", o.Code},
		{"address", o.Address}, {"contact", o.Contact}, {"established", o.Established}, {"parentId", o.ParentID}}
}

// diff lists the fields whose values differ; before may be nil for a creation.
func diff(before, after [][2]string) []guangong.Change {
	var out []guangong.Change
	for i, f := range after {
		b := ""
		if before != nil {
			b = before[i][1]
		}
		if b != f[1] {
			out = append(out, guangong.Change{Field: f[0], Before: b, After: f[1]})
		}
	}
	return out
}

func levelErr(parent, child guangong.Level) error {
	return fieldErr("level", parent.Label().Zh+"之下不能设立"+child.Label().Zh+"级组织",
		"A "+child.Label().En+" cannot sit under a "+parent.Label().En)
}

// parentFor checks a new parent: it must exist, lie in scope and be active. A parent
// outside scope is reported like a missing one.
func parentFor(ctx context.Context, q querier, a *guangong.Actor, id string) (*guangong.Org, error) {
	missing := fieldErr("parentId", "上级组织不存在", "The parent committee does not exist")
	if err := lockOrg(ctx, q, id); err != nil {
		return nil, err
	}
	p, err := loadOrg(ctx, q, id)
	if guangong.ErrorCode(err) == guangong.ENOTFOUND {
		return nil, &denial{err: missing, objectType: objOrg, objectID: id, detail: "parent not found"}
	} else if err != nil {
		return nil, err
	}
	if ok, err := inScope(ctx, q, a, id); err != nil {
		return nil, err
	} else if !ok {
		return nil, &denial{err: missing, objectType: objOrg, objectID: id, orgID: id, detail: "parent outside scope"}
	}
	if p.Status != guangong.OrgActive {
		return nil, fieldErr("parentId", "上级组织已撤销", "The parent committee is dissolved")
	}
	return p, nil
}

// CreateOrg creates a committee under o.ParentID; only the system actor creates a root.
func (db *DB) CreateOrg(ctx context.Context, a *guangong.Actor, o *guangong.Org) error {
	err := db.write(ctx, a, func(tx *Tx) error {
		if !a.Can(guangong.Role.CanManageOrgs) {
			return &denial{err: guangong.Forbidden(), objectType: objOrg, orgID: o.ParentID, detail: "create org"}
		}
		trimOrg(o)
		if err := o.Validate(tx.now); err != nil {
			return err
		}
		var parent *guangong.Org
		if o.ParentID == "" {
			if !a.System {
				return fieldErr("parentId", "请选择上级组织", "Choose the parent committee")
			}
		} else {
			var err error
			if parent, err = parentFor(ctx, tx, a, o.ParentID); err != nil {
				return err
			}
			if !parent.Level.CanParent(o.Level) {
				return levelErr(parent.Level, o.Level)
			}
		}
		if err := tx.insertOrg(ctx, o, parent); err != nil {
			return err
		}
		return tx.audit(a, entry{action: guangong.ActionCreate, objectType: objOrg, objectID: o.ID, orgID: o.ID,
			changes: diff(nil, orgFields(o))})
	})
	if err != nil {
		o.ID = "" // nothing was saved: no id may leak out as if it had been
	}
	return err
}

// insertOrg inserts a validated committee under parent (nil for a root) with its closure rows.
func (tx *Tx) insertOrg(ctx context.Context, o *guangong.Org, parent *guangong.Org) error {
	o.ID = guangong.NewID()
	o.Status, o.DissolvedAt, o.Version, o.ChildCount = guangong.OrgActive, nil, 1, 0
	o.CreatedAt, o.UpdatedAt = tx.now, tx.now
	o.Depth, o.ParentID = 0, ""
	var parentID any
	if parent != nil {
		o.Depth, o.ParentID, parentID = parent.Depth+1, parent.ID, parent.ID
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO orgs (id, parent_id, name, short_name, level, code, address,
		contact, established, status, dissolved_at, depth, version, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, NULL, $11, $12, $13, $13)`,
		o.ID, parentID, o.Name, o.ShortName, string(o.Level), o.Code, o.Address, o.Contact, o.Established,
		string(o.Status), o.Depth, o.Version, fmtTime(tx.now)); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO org_closure (ancestor_id, descendant_id, depth)
		SELECT ancestor_id, $1, depth + 1 FROM org_closure WHERE descendant_id = $2
		UNION ALL SELECT $1, $1, 0`, o.ID, o.ParentID)
	return err
}

// UpdateOrg edits a committee's own fields; u.Version must be the current version.
func (db *DB) UpdateOrg(ctx context.Context, a *guangong.Actor, id string, u guangong.OrgUpdate) (*guangong.Org, error) {
	var o *guangong.Org
	err := db.write(ctx, a, func(tx *Tx) error {
		if !a.Can(guangong.Role.CanManageOrgs) {
			return &denial{err: guangong.Forbidden(), objectType: objOrg, objectID: id, orgID: id, detail: "update org"}
		}
		var err error
		if o, err = scopedOrg(ctx, tx, a, id, "update org"); err != nil {
			return err
		}
		if o.Version != u.Version {
			return guangong.Stale()
		}
		before := orgFields(o)
		oldLevel := o.Level
		u.Apply(o)
		trimOrg(o)
		if err := o.Validate(tx.now); err != nil {
			return err
		}
		if o.Level != oldLevel {
			if err := checkLevel(ctx, tx, o); err != nil {
				return err
			}
		}
		changes := diff(before, orgFields(o))
		if len(changes) == 0 {
			return nil
		}
		res, err := tx.ExecContext(ctx, `UPDATE orgs SET name = $1, short_name = $2, level = $3, code = $4,
			address = $5, contact = $6, established = $7, version = version + 1, updated_at = $8
			WHERE id = $9 AND version = $10`,
			o.Name, o.ShortName, string(o.Level), o.Code, o.Address, o.Contact, o.Established, fmtTime(tx.now),
			id, u.Version)
		if err != nil {
			return err
		}
		if err := oneRow(res); err != nil {
			return err
		}
		o.Version++
		o.UpdatedAt = tx.now
		return tx.audit(a, entry{action: guangong.ActionUpdate, objectType: objOrg, objectID: id, orgID: id, changes: changes})
	})
	if err != nil {
		return nil, err
	}
	return o, nil
}

// checkLevel checks a changed level against the parent and the direct children.
func checkLevel(ctx context.Context, q querier, o *guangong.Org) error {
	if o.ParentID != "" {
		var pl guangong.Level
		if err := q.QueryRowContext(ctx, `SELECT level FROM orgs WHERE id = $1`, o.ParentID).Scan(&pl); err != nil {
			return err
		}
		if !pl.CanParent(o.Level) {
			return levelErr(pl, o.Level)
		}
	}
	rows, err := q.QueryContext(ctx, `SELECT DISTINCT level FROM orgs WHERE parent_id = $1`, o.ID)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var cl guangong.Level
		if err := rows.Scan(&cl); err != nil {
			return err
		}
		if !o.Level.CanParent(cl) {
			return fieldErr("level", "该层级之下不能有"+cl.Label().Zh+"级下级组织",
				"This level cannot have "+cl.Label().En+" children")
		}
	}
	return rows.Err()
}

// oneRow turns "no row updated" into Stale: someone changed the version meanwhile.
func oneRow(res sql.Result) error {
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n != 1 {
		return guangong.Stale()
	}
	return nil
}

// MoveOrg moves id and its subtree under newParentID, rebuilding the closure rows in the
// same transaction.
func (db *DB) MoveOrg(ctx context.Context, a *guangong.Actor, id, newParentID string, version int) (*guangong.Org, error) {
	var o *guangong.Org
	err := db.write(ctx, a, func(tx *Tx) error {
		if !a.Can(guangong.Role.CanManageOrgs) {
			return &denial{err: guangong.Forbidden(), objectType: objOrg, objectID: id, orgID: id, detail: "move org"}
		}
		var err error
		if o, err = scopedOrg(ctx, tx, a, id, "move org"); err != nil {
			return err
		}
		if !a.System && id == a.OrgID {
			return &denial{err: guangong.Forbidden(), objectType: objOrg, objectID: id, orgID: id, detail: "move own scope root"}
		}
		if o.Version != version {
			return guangong.Stale()
		}
		parent, err := parentFor(ctx, tx, a, newParentID)
		if err != nil {
			return err
		}
		if under, err := isDescendant(ctx, tx, id, newParentID); err != nil {
			return err
		} else if under {
			return fieldErr("parentId", "不能移动到自身或其下级组织之下", "Cannot move a committee under itself or its own descendant")
		}
		if !parent.Level.CanParent(o.Level) {
			return levelErr(parent.Level, o.Level)
		}
		if parent.ID == o.ParentID {
			return nil
		}
		oldParent := o.ParentID
		// The subtree figures of the committees it leaves and joins are counted again.
		if err := lockTree(ctx, tx, true); err != nil {
			return err
		}
		above := `SELECT ancestor_id FROM org_closure WHERE descendant_id = $1 AND depth > 0`
		before, err := collect(ctx, tx, above, []any{id}, scanString)
		if err != nil {
			return err
		}
		// Unlink the subtree from its old ancestors, then link it under each new one.
		if _, err := tx.ExecContext(ctx, `DELETE FROM org_closure
			WHERE descendant_id IN (SELECT descendant_id FROM org_closure WHERE ancestor_id = $1)
			AND ancestor_id NOT IN (SELECT descendant_id FROM org_closure WHERE ancestor_id = $1)`, id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO org_closure (ancestor_id, descendant_id, depth)
			SELECT p.ancestor_id, s.descendant_id, p.depth + s.depth + 1
			FROM org_closure p, org_closure s WHERE p.descendant_id = $1 AND s.ancestor_id = $2`, parent.ID, id); err != nil {
			return err
		}
		after, err := collect(ctx, tx, above, []any{id}, scanString)
		if err != nil {
			return err
		}
		var changed []string
		for _, x := range append(before, after...) {
			if !slices.Contains(before, x) || !slices.Contains(after, x) {
				changed = append(changed, x)
			}
		}
		if len(changed) > 0 {
			if err := tx.recountTallies(changed); err != nil {
				return err
			}
		}
		delta := parent.Depth + 1 - o.Depth
		if _, err := tx.ExecContext(ctx, `UPDATE orgs SET depth = depth + $1
			WHERE id IN (SELECT descendant_id FROM org_closure WHERE ancestor_id = $2)`, delta, id); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE orgs SET parent_id = $1, version = version + 1, updated_at = $2
			WHERE id = $3 AND version = $4`, parent.ID, fmtTime(tx.now), id, version)
		if err != nil {
			return err
		}
		if err := oneRow(res); err != nil {
			return err
		}
		o.ParentID, o.Depth, o.Version, o.UpdatedAt = parent.ID, o.Depth+delta, o.Version+1, tx.now
		return tx.audit(a, entry{action: guangong.ActionMove, objectType: objOrg, objectID: id, orgID: id,
			changes: []guangong.Change{{Field: "parentId", Before: oldParent, After: parent.ID},
				{Field: "depth", Before: strconv.Itoa(o.Depth - delta), After: strconv.Itoa(o.Depth)}}})
	})
	if err != nil {
		return nil, err
	}
	return o, nil
}

// DissolveOrg marks a committee dissolved; it keeps its history and is never deleted.
func (db *DB) DissolveOrg(ctx context.Context, a *guangong.Actor, id string, version int) (*guangong.Org, error) {
	var o *guangong.Org
	err := db.write(ctx, a, func(tx *Tx) error {
		if !a.Can(guangong.Role.CanManageOrgs) {
			return &denial{err: guangong.Forbidden(), objectType: objOrg, objectID: id, orgID: id, detail: "dissolve org"}
		}
		var err error
		if o, err = scopedOrg(ctx, tx, a, id, "dissolve org"); err != nil {
			return err
		}
		if !a.System && id == a.OrgID {
			return &denial{err: guangong.Forbidden(), objectType: objOrg, objectID: id, orgID: id, detail: "dissolve own scope root"}
		}
		if o.Version != version {
			return guangong.Stale()
		}
		if o.Status == guangong.OrgDissolved {
			return guangong.Errorf(guangong.EINVALID, "该组织已撤销", "This committee is already dissolved")
		}
		var active int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM orgs WHERE parent_id = $1 AND status = $2`,
			id, string(guangong.OrgActive)).Scan(&active); err != nil {
			return err
		}
		if active > 0 {
			return guangong.Errorf(guangong.EINVALID, "该组织还有%d个未撤销的下级组织，不能撤销",
				"This committee still has %d active children and cannot be dissolved", active)
		}
		res, err := tx.ExecContext(ctx, `UPDATE orgs SET status = $1, dissolved_at = $2, version = version + 1,
			updated_at = $2 WHERE id = $3 AND version = $4`, string(guangong.OrgDissolved), fmtTime(tx.now), id, version)
		if err != nil {
			return err
		}
		if err := oneRow(res); err != nil {
			return err
		}
		now := tx.now
		o.Status, o.DissolvedAt, o.Version, o.UpdatedAt = guangong.OrgDissolved, &now, o.Version+1, now
		return tx.audit(a, entry{action: guangong.ActionDissolve, objectType: objOrg, objectID: id, orgID: id,
			changes: []guangong.Change{{Field: "status", Before: string(guangong.OrgActive), After: string(guangong.OrgDissolved)}}})
	})
	if err != nil {
		return nil, err
	}
	return o, nil
}
