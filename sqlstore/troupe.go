package sqlstore

import (
	"context"

	"guangong"
)

// Art troupes (文艺队) and their members. Member counts are counted from troupe_members on
// every read: a member is current from from_date until to_date ('' while serving).

const (
	objTroupe       = "troupe"
	objTroupeMember = "troupe_member"
)

func troupeNotFound() error { return guangong.NotFound(guangong.TroupeNoun) }

func troupeMemberNotFound() error { return guangong.NotFound(guangong.Msg{Zh: "队员", En: "Member"}) }

// troupeCols counts current members with $1 = today.
const troupeCols = `t.id, t.org_id, o.name, t.name, t.kind, t.founded, t.version, t.created_at, t.updated_at,
	(SELECT COUNT(*) FROM troupe_members m WHERE m.troupe_id = t.id AND (m.to_date = '' OR m.to_date > $1)),
	(SELECT COUNT(*) FROM troupe_members m WHERE m.troupe_id = t.id AND (m.to_date = '' OR m.to_date > $1) AND m.volunteer_id <> '')`

const troupeFrom = ` FROM troupes t JOIN orgs o ON o.id = t.org_id`

func scanTroupe(s scanner) (*guangong.Troupe, error) {
	t := &guangong.Troupe{}
	err := s.Scan(&t.ID, &t.OrgID, &t.OrgName, &t.Name, &t.Kind, &t.Founded, &t.Version, timeCol{&t.CreatedAt},
		timeCol{&t.UpdatedAt}, &t.Members, &t.RegistryMembers)
	return t, err
}

func (db *DB) today() string { return todayShanghai(db.now()).Format(guangong.DateLayout) }

func (tx *Tx) today() string { return todayShanghai(tx.now).Format(guangong.DateLayout) }

// scopedTroupe reads troupe id if its committee lies in scope.
func scopedTroupe(ctx context.Context, q querier, a *guangong.Actor, id, today, what string) (*guangong.Troupe, error) {
	t, err := scanTroupe(q.QueryRowContext(ctx, `SELECT `+troupeCols+troupeFrom+` WHERE t.id = $2`, today, id))
	if noRows(err) {
		return nil, missing(troupeNotFound(), objTroupe, id, what)
	} else if err != nil {
		return nil, err
	}
	if ok, err := inScope(ctx, q, a, t.OrgID); err != nil {
		return nil, err
	} else if !ok {
		return nil, &denial{err: troupeNotFound(), objectType: objTroupe, objectID: id, orgID: t.OrgID, detail: what + ": outside scope"}
	}
	return t, nil
}

// FindTroupes lists the troupes of a subtree by committee and name, with the subtree's totals.
func (db *DB) FindTroupes(ctx context.Context, a *guangong.Actor, f guangong.TroupeFilter) ([]*guangong.Troupe, int, *guangong.TroupeTotals, error) {
	var list []*guangong.Troupe
	totals := &guangong.TroupeTotals{}
	err := db.read(ctx, a, func(q querier) error {
		if err := canRead(a, objTroupe, "", "list troupes"); err != nil {
			return err
		}
		root, err := subtreeRoot(ctx, q, a, f.OrgID, "list troupes")
		if err != nil {
			return err
		}
		args := args{db.today()}
		cond := ""
		if root != "" {
			cond = ` WHERE t.org_id IN (SELECT descendant_id FROM org_closure WHERE ancestor_id = ` + args.add(root) + `)`
		}
		if err := q.QueryRowContext(ctx, `SELECT COUNT(*),
			(SELECT COUNT(*) FROM troupe_members m JOIN troupes t ON t.id = m.troupe_id`+cond+` AND (m.to_date = '' OR m.to_date > $1)),
			(SELECT COUNT(*) FROM troupe_members m JOIN troupes t ON t.id = m.troupe_id`+cond+` AND (m.to_date = '' OR m.to_date > $1) AND m.volunteer_id <> '')
			FROM troupes t`+cond, args...).Scan(&totals.Troupes, &totals.Members, &totals.RegistryMembers); err != nil {
			return err
		}
		rows, err := q.QueryContext(ctx, `SELECT `+troupeCols+troupeFrom+cond+` ORDER BY o.depth, o.name, t.name, t.id`+
			limit(f.Page.Normalize()), args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		list = []*guangong.Troupe{}
		for rows.Next() {
			t, err := scanTroupe(rows)
			if err != nil {
				return err
			}
			list = append(list, t)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, 0, nil, err
	}
	return list, totals.Troupes, totals, nil
}

// FindTroupeByID returns troupe id with its counts.
func (db *DB) FindTroupeByID(ctx context.Context, a *guangong.Actor, id string) (*guangong.Troupe, error) {
	var t *guangong.Troupe
	err := db.read(ctx, a, func(q querier) error {
		if err := canRead(a, objTroupe, id, "read troupe"); err != nil {
			return err
		}
		var err error
		t, err = scopedTroupe(ctx, q, a, id, db.today(), "read troupe")
		return err
	})
	return t, err
}

func troupeFields(t *guangong.Troupe) [][2]string {
	return [][2]string{{"orgId", t.OrgID}, {"name", t.Name}, {"kind", t.Kind}, {"founded", t.Founded}}
}

// CreateTroupe creates a troupe of a committee in scope.
func (db *DB) CreateTroupe(ctx context.Context, a *guangong.Actor, t *guangong.Troupe) error {
	err := db.write(ctx, a, func(tx *Tx) error {
		if err := canWrite(a, objTroupe, "", t.OrgID, "create troupe"); err != nil {
			return err
		}
		t.Normalize()
		if err := t.Validate(tx.now); err != nil {
			return err
		}
		o, err := recordOrg(ctx, tx, a, "orgId", t.OrgID)
		if err != nil {
			return err
		}
		t.ID, t.OrgName, t.Version, t.Members, t.RegistryMembers, t.CreatedAt, t.UpdatedAt = guangong.NewID(), o.Name, 1, 0, 0, tx.now, tx.now
		if _, err := tx.ExecContext(ctx, `INSERT INTO troupes (id, org_id, name, kind, founded, version, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, 1, $6, $6)`, t.ID, t.OrgID, t.Name, t.Kind, t.Founded, fmtTime(tx.now)); err != nil {
			return err
		}
		return tx.audit(a, entry{action: guangong.ActionCreate, objectType: objTroupe, objectID: t.ID, orgID: t.OrgID,
			changes: diff(nil, troupeFields(t))})
	})
	if err != nil {
		t.ID = ""
	}
	return err
}

// UpdateTroupe saves t over the stored troupe; t.Version must match.
func (db *DB) UpdateTroupe(ctx context.Context, a *guangong.Actor, t *guangong.Troupe) error {
	return db.write(ctx, a, func(tx *Tx) error {
		if err := canWrite(a, objTroupe, t.ID, t.OrgID, "update troupe"); err != nil {
			return err
		}
		old, err := scopedTroupe(ctx, tx, a, t.ID, tx.today(), "update troupe")
		if err != nil {
			return err
		}
		if old.Version != t.Version {
			return guangong.Stale()
		}
		t.Normalize()
		if err := t.Validate(tx.now); err != nil {
			return err
		}
		t.OrgName = old.OrgName
		if t.OrgID != old.OrgID {
			o, err := recordOrg(ctx, tx, a, "orgId", t.OrgID)
			if err != nil {
				return err
			}
			t.OrgName = o.Name
		}
		t.Members, t.RegistryMembers, t.CreatedAt, t.UpdatedAt = old.Members, old.RegistryMembers, old.CreatedAt, old.UpdatedAt
		changes := diff(troupeFields(old), troupeFields(t))
		if len(changes) == 0 {
			return nil
		}
		res, err := tx.ExecContext(ctx, `UPDATE troupes SET org_id = $1, name = $2, kind = $3, founded = $4,
			version = version + 1, updated_at = $5 WHERE id = $6 AND version = $7`,
			t.OrgID, t.Name, t.Kind, t.Founded, fmtTime(tx.now), t.ID, t.Version)
		if err != nil {
			return err
		}
		if err := oneRow(res); err != nil {
			return err
		}
		t.Version, t.UpdatedAt = t.Version+1, tx.now
		return tx.audit(a, entry{action: guangong.ActionUpdate, objectType: objTroupe, objectID: t.ID, orgID: t.OrgID, changes: changes})
	})
}

// TroupeMembers lists a troupe's members, current and former, by start date.
func (db *DB) TroupeMembers(ctx context.Context, a *guangong.Actor, troupeID string) ([]*guangong.TroupeMember, error) {
	var list []*guangong.TroupeMember
	err := db.read(ctx, a, func(q querier) error {
		if err := canRead(a, objTroupe, troupeID, "list troupe members"); err != nil {
			return err
		}
		if _, err := scopedTroupe(ctx, q, a, troupeID, db.today(), "list troupe members"); err != nil {
			return err
		}
		// A registry volunteer's name is read from the registry, so a correction there shows here.
		rows, err := q.QueryContext(ctx, `SELECT m.id, m.troupe_id, m.volunteer_id, COALESCE(v.name, m.name), m.role,
			m.from_date, m.to_date, m.version FROM troupe_members m LEFT JOIN volunteers v ON v.id = m.volunteer_id
			WHERE m.troupe_id = $1 ORDER BY m.to_date <> '', m.from_date, m.id`, troupeID)
		if err != nil {
			return err
		}
		defer rows.Close()
		list = []*guangong.TroupeMember{}
		for rows.Next() {
			m := &guangong.TroupeMember{}
			if err := rows.Scan(&m.ID, &m.TroupeID, &m.VolunteerID, &m.Name, &m.Role, &m.From, &m.To, &m.Version); err != nil {
				return err
			}
			list = append(list, m)
		}
		return rows.Err()
	})
	return list, err
}

// AddTroupeMember adds a member: a volunteer in scope, or someone else by name.
func (db *DB) AddTroupeMember(ctx context.Context, a *guangong.Actor, m *guangong.TroupeMember) error {
	err := db.write(ctx, a, func(tx *Tx) error {
		if err := canWrite(a, objTroupeMember, "", "", "add troupe member"); err != nil {
			return err
		}
		m.Normalize()
		if err := m.Validate(tx.now); err != nil {
			return err
		}
		t, err := scopedTroupe(ctx, tx, a, m.TroupeID, tx.today(), "add troupe member")
		if err != nil {
			return err
		}
		if m.VolunteerID != "" {
			p, err := db.volunteerIn(ctx, tx, a, "volunteerId", m.VolunteerID, "add troupe member")
			if err != nil {
				return err
			}
			m.Name = p.Name
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM troupe_members WHERE troupe_id = $1 AND volunteer_id = $2
				AND (to_date = '' OR to_date > $3)`, m.TroupeID, m.VolunteerID, tx.today()).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return fieldErr("volunteerId", "该志愿者已是本队的现任队员", "This volunteer is already a current member")
			}
		}
		m.ID, m.Version = guangong.NewID(), 1
		if _, err := tx.ExecContext(ctx, `INSERT INTO troupe_members (id, troupe_id, volunteer_id, name, role, from_date, to_date, version)
			VALUES ($1, $2, $3, $4, $5, $6, $7, 1)`, m.ID, m.TroupeID, m.VolunteerID, m.Name, m.Role, m.From, m.To); err != nil {
			return err
		}
		return tx.audit(a, entry{action: guangong.ActionCreate, objectType: objTroupeMember, objectID: m.ID, orgID: t.OrgID,
			changes: diff(nil, append([][2]string{{"troupeId", m.TroupeID}, {"volunteerId", m.VolunteerID}, {"name", m.Name},
				{"role", m.Role}}, spanFields(m.From, m.To)...))})
	})
	if err != nil {
		m.ID = ""
	}
	return err
}

// EndTroupeMember records the day a member left, made against version: a stale one is
// refused as Stale, so two clerks ending the same membership do not overwrite each other.
func (db *DB) EndTroupeMember(ctx context.Context, a *guangong.Actor, id, to string, version int) error {
	return db.write(ctx, a, func(tx *Tx) error {
		if err := canWrite(a, objTroupeMember, id, "", "end troupe member"); err != nil {
			return err
		}
		var troupeID, from, old string
		err := tx.QueryRowContext(ctx, `SELECT troupe_id, from_date, to_date FROM troupe_members WHERE id = $1`, id).
			Scan(&troupeID, &from, &old)
		if noRows(err) {
			return missing(troupeMemberNotFound(), objTroupeMember, id, "end troupe member")
		} else if err != nil {
			return err
		}
		// A member of a troupe outside scope is missing to the actor: the answer names the
		// member, as for an id that names no one, never the troupe it belongs to.
		t, err := scopedTroupe(ctx, tx, a, troupeID, tx.today(), "end troupe member")
		if err != nil {
			return retold(err, troupeMemberNotFound())
		}
		if err := endSpan(from, to, tx); err != nil {
			return err
		}
		if res, err := tx.ExecContext(ctx, `UPDATE troupe_members SET to_date = $1, version = version + 1
			WHERE id = $2 AND version = $3`, to, id, version); err != nil {
			return err
		} else if err := oneRow(res); err != nil {
			return err
		}
		return tx.audit(a, entry{action: guangong.ActionUpdate, objectType: objTroupeMember, objectID: id, orgID: t.OrgID,
			changes: []guangong.Change{{Field: "to", Before: old, After: to}}})
	})
}
