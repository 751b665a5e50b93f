package sqlstore

import (
	"context"
	"slices"
	"strings"

	"guangong"
)

// Bodies tied to a committee (the retired cadres' party branch, 老年学校, 老科协, 老健协)
// and their members from the volunteer registry.

var bodyNoun = guangong.Msg{Zh: "组织", En: "Body"}

func bodyNotFound() error { return guangong.NotFound(bodyNoun) }

const bodyCols = `b.id, b.org_id, b.kind, b.name, b.founded, b.version,
	(SELECT COUNT(*) FROM body_members m WHERE m.body_id = b.id AND (m.to_date = '' OR m.to_date > $2))`

func scanBody(s scanner) (*guangong.Body, error) {
	b := &guangong.Body{}
	err := s.Scan(&b.ID, &b.OrgID, &b.Kind, &b.Name, &b.Founded, &b.Version, &b.Members)
	return b, err
}

// Bodies lists a committee's bodies with their current member counts.
func (db *DB) Bodies(ctx context.Context, a *guangong.Actor, orgID string) ([]*guangong.Body, error) {
	var list []*guangong.Body
	err := db.read(ctx, a, func(q querier) error {
		if err := canRead(a, objBody, "", "list bodies"); err != nil {
			return err
		}
		if _, err := scopedOrg(ctx, q, a, orgID, "list bodies"); err != nil {
			return err
		}
		rows, err := q.QueryContext(ctx, `SELECT `+bodyCols+` FROM bodies b WHERE b.org_id = $1 ORDER BY b.kind, b.name, b.id`,
			orgID, todayShanghai(db.now()).Format(guangong.DateLayout))
		if err != nil {
			return err
		}
		defer rows.Close()
		list = []*guangong.Body{}
		for rows.Next() {
			b, err := scanBody(rows)
			if err != nil {
				return err
			}
			list = append(list, b)
		}
		return rows.Err()
	})
	return list, err
}

// CreateBody creates a body under a committee in scope.
func (db *DB) CreateBody(ctx context.Context, a *guangong.Actor, b *guangong.Body) error {
	err := db.write(ctx, a, func(tx *Tx) error {
		if err := canWrite(a, objBody, "", b.OrgID, "create body"); err != nil {
			return err
		}
		b.Name, b.Founded = strings.TrimSpace(b.Name), strings.TrimSpace(b.Founded)
		var v guangong.Validation
		if !slices.Contains(guangong.BodyKinds, b.Kind) {
			v.Add("kind", "请选择类型（离退休干部党支部、老年学校、老科协、老健协、其他）", "Choose the kind")
		}
		v.Text("name", "名称", "Name", b.Name, true, 100)
		v.Date("founded", "成立日期", "Founded", b.Founded, tx.now)
		if err := v.Err(); err != nil {
			return err
		}
		if _, err := recordOrg(ctx, tx, a, "orgId", b.OrgID); err != nil {
			return err
		}
		b.ID, b.Version, b.Members = guangong.NewID(), 1, 0
		if _, err := tx.ExecContext(ctx, `INSERT INTO bodies (id, org_id, kind, name, founded, version, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, 1, $6, $6)`, b.ID, b.OrgID, b.Kind, b.Name, b.Founded, fmtTime(tx.now)); err != nil {
			return err
		}
		return tx.audit(a, entry{action: guangong.ActionCreate, objectType: objBody, objectID: b.ID, orgID: b.OrgID,
			changes: diff(nil, [][2]string{{"kind", b.Kind}, {"name", b.Name}, {"founded", b.Founded}})})
	})
	if err != nil {
		b.ID = ""
	}
	return err
}

// scopedBody reads body id if its committee lies in scope.
func scopedBody(ctx context.Context, q querier, a *guangong.Actor, id, today, what string) (*guangong.Body, error) {
	b, err := scanBody(q.QueryRowContext(ctx, `SELECT `+bodyCols+` FROM bodies b WHERE b.id = $1`, id, today))
	if noRows(err) {
		return nil, missing(bodyNotFound(), objBody, id, what)
	} else if err != nil {
		return nil, err
	}
	if ok, err := inScope(ctx, q, a, b.OrgID); err != nil {
		return nil, err
	} else if !ok {
		return nil, &denial{err: bodyNotFound(), objectType: objBody, objectID: id, orgID: b.OrgID, detail: what + ": outside scope"}
	}
	return b, nil
}

// BodyMembers lists a body's members, current and former, by start date.
func (db *DB) BodyMembers(ctx context.Context, a *guangong.Actor, bodyID string) ([]*guangong.BodyMember, error) {
	var list []*guangong.BodyMember
	err := db.read(ctx, a, func(q querier) error {
		if err := canRead(a, objBody, bodyID, "list body members"); err != nil {
			return err
		}
		if _, err := scopedBody(ctx, q, a, bodyID, todayShanghai(db.now()).Format(guangong.DateLayout), "list body members"); err != nil {
			return err
		}
		rows, err := q.QueryContext(ctx, `SELECT m.id, m.body_id, m.volunteer_id, v.name, m.role, m.from_date, m.to_date
			FROM body_members m JOIN volunteers v ON v.id = m.volunteer_id WHERE m.body_id = $1
			ORDER BY m.from_date, m.id`, bodyID)
		if err != nil {
			return err
		}
		defer rows.Close()
		list = []*guangong.BodyMember{}
		for rows.Next() {
			m := &guangong.BodyMember{}
			if err := rows.Scan(&m.ID, &m.BodyID, &m.VolunteerID, &m.VolunteerName, &m.Role, &m.From, &m.To); err != nil {
				return err
			}
			list = append(list, m)
		}
		return rows.Err()
	})
	return list, err
}

// AddBodyMember seats a volunteer in scope in a body in scope.
func (db *DB) AddBodyMember(ctx context.Context, a *guangong.Actor, m *guangong.BodyMember) error {
	err := db.write(ctx, a, func(tx *Tx) error {
		if err := canWrite(a, objBodyMember, "", "", "add body member"); err != nil {
			return err
		}
		m.Role, m.From, m.To = strings.TrimSpace(m.Role), strings.TrimSpace(m.From), strings.TrimSpace(m.To)
		var v guangong.Validation
		v.Text("role", "职务", "Role", m.Role, false, 50)
		v.Text("from", "起始日期", "Start date", m.From, true, 10)
		v.Date("from", "起始日期", "Start date", m.From, tx.now)
		v.Date("to", "结束日期", "End date", m.To, tx.now)
		if m.From != "" && m.To != "" && m.To < m.From {
			v.Add("to", "结束日期不能早于起始日期", "The end cannot precede the start")
		}
		if err := v.Err(); err != nil {
			return err
		}
		b, err := scopedBody(ctx, tx, a, m.BodyID, todayShanghai(tx.now).Format(guangong.DateLayout), "add body member")
		if err != nil {
			return err
		}
		p, err := db.volunteerIn(ctx, tx, a, "volunteerId", m.VolunteerID, "add body member")
		if err != nil {
			return err
		}
		m.ID, m.VolunteerName = guangong.NewID(), p.Name
		if _, err := tx.ExecContext(ctx, `INSERT INTO body_members (id, body_id, volunteer_id, role, from_date, to_date)
			VALUES ($1, $2, $3, $4, $5, $6)`, m.ID, m.BodyID, m.VolunteerID, m.Role, m.From, m.To); err != nil {
			return err
		}
		return tx.audit(a, entry{action: guangong.ActionCreate, objectType: objBodyMember, objectID: m.ID, orgID: b.OrgID,
			changes: diff(nil, append([][2]string{{"bodyId", m.BodyID}, {"volunteerId", m.VolunteerID}, {"role", m.Role}},
				spanFields(m.From, m.To)...))})
	})
	if err != nil {
		m.ID = ""
	}
	return err
}
