package sqlstore

import (
	"context"
	"slices"
	"strings"

	"guangong"
)

// Memberships (a volunteer's service on committees), posts (seats on a committee's
// leadership, with their history) and the composition computed from current posts.

func membershipNotFound() error {
	return guangong.NotFound(guangong.Msg{Zh: "任职记录", En: "Membership"})
}
func postNotFound() error { return guangong.NotFound(guangong.Msg{Zh: "职务", En: "Post"}) }

// Memberships lists a volunteer's memberships, newest first.
func (db *DB) Memberships(ctx context.Context, a *guangong.Actor, volunteerID string) ([]*guangong.Membership, error) {
	var list []*guangong.Membership
	err := db.read(ctx, a, func(q querier) error {
		if err := canRead(a, objVolunteer, volunteerID, "read memberships"); err != nil {
			return err
		}
		if _, err := db.scopedVolunteer(ctx, q, a, volunteerID, "read memberships"); err != nil {
			return err
		}
		rows, err := q.QueryContext(ctx, `SELECT m.id, m.volunteer_id, m.org_id, o.name, m.from_date, m.to_date, m.note, m.version
			FROM memberships m JOIN orgs o ON o.id = m.org_id WHERE m.volunteer_id = $1 ORDER BY m.from_date DESC, m.id`, volunteerID)
		if err != nil {
			return err
		}
		defer rows.Close()
		list = []*guangong.Membership{}
		for rows.Next() {
			m := &guangong.Membership{}
			if err := rows.Scan(&m.ID, &m.VolunteerID, &m.OrgID, &m.OrgName, &m.From, &m.To, &m.Note, &m.Version); err != nil {
				return err
			}
			list = append(list, m)
		}
		return rows.Err()
	})
	return list, err
}

func spanFields(from, to string) [][2]string { return [][2]string{{"from", from}, {"to", to}} }

// AddMembership records a volunteer's service on a committee; both must lie in scope.
func (db *DB) AddMembership(ctx context.Context, a *guangong.Actor, m *guangong.Membership) error {
	err := db.write(ctx, a, func(tx *Tx) error {
		if err := canWrite(a, objMembership, "", m.OrgID, "add membership"); err != nil {
			return err
		}
		m.Note = strings.TrimSpace(m.Note)
		if err := m.Validate(tx.now); err != nil {
			return err
		}
		if _, err := db.volunteerIn(ctx, tx, a, "volunteerId", m.VolunteerID, "add membership"); err != nil {
			return err
		}
		o, err := recordOrg(ctx, tx, a, "orgId", m.OrgID)
		if err != nil {
			return err
		}
		m.ID, m.OrgName, m.Version = guangong.NewID(), o.Name, 1
		if _, err := tx.ExecContext(ctx, `INSERT INTO memberships (id, volunteer_id, org_id, from_date, to_date, note, version)
			VALUES ($1, $2, $3, $4, $5, $6, 1)`, m.ID, m.VolunteerID, m.OrgID, m.From, m.To, m.Note); err != nil {
			return err
		}
		return tx.audit(a, entry{action: guangong.ActionCreate, objectType: objMembership, objectID: m.ID, orgID: m.OrgID,
			changes: diff(nil, append([][2]string{{"volunteerId", m.VolunteerID}, {"orgId", m.OrgID}, {"note", m.Note}},
				spanFields(m.From, m.To)...))})
	})
	if err != nil {
		m.ID = ""
	}
	return err
}

// endSpan checks an end date against its start.
func endSpan(from, to string, tx *Tx) error {
	var v guangong.Validation
	v.Text("to", "结束日期", "End date", to, true, 10)
	v.Date("to", "结束日期", "End date", to, tx.now)
	if to != "" && to < from {
		v.Add("to", "结束日期不能早于起始日期", "The end cannot precede the start")
	}
	return v.Err()
}

// EndMembership sets the end date of a membership in scope, made against version: a
// stale version (someone ended or changed it meanwhile) is refused as Stale.
func (db *DB) EndMembership(ctx context.Context, a *guangong.Actor, id, to string, version int) error {
	return db.write(ctx, a, func(tx *Tx) error {
		if err := canWrite(a, objMembership, id, "", "end membership"); err != nil {
			return err
		}
		var m guangong.Membership
		err := tx.QueryRowContext(ctx, `SELECT volunteer_id, org_id, from_date, to_date FROM memberships WHERE id = $1`, id).
			Scan(&m.VolunteerID, &m.OrgID, &m.From, &m.To)
		if noRows(err) {
			return missing(membershipNotFound(), objMembership, id, "end membership")
		} else if err != nil {
			return err
		}
		if ok, err := inScope(ctx, tx, a, m.OrgID); err != nil {
			return err
		} else if !ok {
			return &denial{err: membershipNotFound(), objectType: objMembership, objectID: id, orgID: m.OrgID, detail: "end membership: outside scope"}
		}
		to = strings.TrimSpace(to)
		if err := endSpan(m.From, to, tx); err != nil {
			return err
		}
		if res, err := tx.ExecContext(ctx, `UPDATE memberships SET to_date = $1, version = version + 1
			WHERE id = $2 AND version = $3`, to, id, version); err != nil {
			return err
		} else if err := oneRow(res); err != nil {
			return err
		}
		return tx.audit(a, entry{action: guangong.ActionUpdate, objectType: objMembership, objectID: id, orgID: m.OrgID,
			changes: []guangong.Change{{Field: "to", Before: m.To, After: to}}})
	})
}

// current is the SQL condition that a span (alias x) is current on today.
const currentSpan = `(x.to_date = '' OR x.to_date > $2)`

// Posts lists a committee's posts (only the current ones, or the whole history), most
// senior title first, then by start date.
func (db *DB) Posts(ctx context.Context, a *guangong.Actor, orgID string, current bool) ([]*guangong.Post, error) {
	var list []*guangong.Post
	err := db.read(ctx, a, func(q querier) error {
		if err := canRead(a, objPost, "", "read posts"); err != nil {
			return err
		}
		if _, err := scopedOrg(ctx, q, a, orgID, "read posts"); err != nil {
			return err
		}
		var err error
		list, _, err = db.posts(ctx, q, orgID, current)
		return err
	})
	return list, err
}

// postHolder is what the composition needs of a post's holder.
type postHolder struct {
	party     bool
	category  string
	birthDate string
}

// posts reads a committee's posts with their holders in one query.
func (db *DB) posts(ctx context.Context, q querier, orgID string, current bool) ([]*guangong.Post, []postHolder, error) {
	today := todayShanghai(db.now()).Format(guangong.DateLayout)
	cond, args := "", []any{orgID}
	if current {
		cond, args = ` AND `+currentSpan, append(args, today)
	}
	rows, err := q.QueryContext(ctx, `SELECT x.id, x.org_id, x.volunteer_id, v.name, x.title, x.from_date, x.to_date, x.version,
		v.party_member, v.category, v.birth_date
		FROM posts x JOIN volunteers v ON v.id = x.volunteer_id WHERE x.org_id = $1`+cond+` ORDER BY x.from_date, x.id`, args...)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	list := []*guangong.Post{}
	var holders []postHolder
	for rows.Next() {
		p := &guangong.Post{}
		var h postHolder
		if err := rows.Scan(&p.ID, &p.OrgID, &p.VolunteerID, &p.VolunteerName, &p.Title, &p.From, &p.To, &p.Version,
			&h.party, &h.category, &h.birthDate); err != nil {
			return nil, nil, err
		}
		list = append(list, p)
		holders = append(holders, h)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	// Most senior first; a stable sort keeps start-date order within a title.
	idx := make([]int, len(list))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(i, j int) int {
		return slices.Index(guangong.PostTitles, list[i].Title) - slices.Index(guangong.PostTitles, list[j].Title)
	})
	sortedP, sortedH := make([]*guangong.Post, len(list)), make([]postHolder, len(list))
	for k, i := range idx {
		sortedP[k], sortedH[k] = list[i], holders[i]
	}
	return sortedP, sortedH, nil
}

// AddPost seats a volunteer on a committee's leadership. A volunteer holds at most one
// current post per committee.
func (db *DB) AddPost(ctx context.Context, a *guangong.Actor, p *guangong.Post) error {
	err := db.write(ctx, a, func(tx *Tx) error {
		if err := canWrite(a, objPost, "", p.OrgID, "add post"); err != nil {
			return err
		}
		if err := p.Validate(tx.now); err != nil {
			return err
		}
		v, err := db.volunteerIn(ctx, tx, a, "volunteerId", p.VolunteerID, "add post")
		if err != nil {
			return err
		}
		if _, err := recordOrg(ctx, tx, a, "orgId", p.OrgID); err != nil {
			return err
		}
		today := todayShanghai(tx.now).Format(guangong.DateLayout)
		if p.To == "" || p.To > today {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM posts x WHERE x.volunteer_id = $1 AND `+currentSpan+
				` AND x.org_id = $3`, p.VolunteerID, today, p.OrgID).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return fieldErr("volunteerId", "该人员在本组织已有现任职务，请先结束原职务", "This person already holds a current post on this committee; end it first")
			}
		}
		p.ID, p.VolunteerName, p.Version = guangong.NewID(), v.Name, 1
		if _, err := tx.ExecContext(ctx, `INSERT INTO posts (id, org_id, volunteer_id, title, from_date, to_date, version)
			VALUES ($1, $2, $3, $4, $5, $6, 1)`, p.ID, p.OrgID, p.VolunteerID, p.Title, p.From, p.To); err != nil {
			return err
		}
		return tx.audit(a, entry{action: guangong.ActionCreate, objectType: objPost, objectID: p.ID, orgID: p.OrgID,
			changes: diff(nil, append([][2]string{{"volunteerId", p.VolunteerID}, {"title", p.Title}}, spanFields(p.From, p.To)...))})
	})
	if err != nil {
		p.ID = ""
	}
	return err
}

// EndPost ends a post, made against version (a stale one is refused as Stale); it stays
// in the committee's history.
func (db *DB) EndPost(ctx context.Context, a *guangong.Actor, id, to string, version int) error {
	return db.write(ctx, a, func(tx *Tx) error {
		if err := canWrite(a, objPost, id, "", "end post"); err != nil {
			return err
		}
		var p guangong.Post
		err := tx.QueryRowContext(ctx, `SELECT org_id, from_date, to_date FROM posts WHERE id = $1`, id).Scan(&p.OrgID, &p.From, &p.To)
		if noRows(err) {
			return missing(postNotFound(), objPost, id, "end post")
		} else if err != nil {
			return err
		}
		if ok, err := inScope(ctx, tx, a, p.OrgID); err != nil {
			return err
		} else if !ok {
			return &denial{err: postNotFound(), objectType: objPost, objectID: id, orgID: p.OrgID, detail: "end post: outside scope"}
		}
		to = strings.TrimSpace(to)
		if err := endSpan(p.From, to, tx); err != nil {
			return err
		}
		if res, err := tx.ExecContext(ctx, `UPDATE posts SET to_date = $1, version = version + 1
			WHERE id = $2 AND version = $3`, to, id, version); err != nil {
			return err
		} else if err := oneRow(res); err != nil {
			return err
		}
		return tx.audit(a, entry{action: guangong.ActionUpdate, objectType: objPost, objectID: id, orgID: p.OrgID,
			changes: []guangong.Change{{Field: "to", Before: p.To, After: to}}})
	})
}

// Composition computes a committee's leadership figures from its current posts, in one
// query: size, party members, 五老 by category and age bands on today (Shanghai).
func (db *DB) Composition(ctx context.Context, a *guangong.Actor, orgID string) (*guangong.Composition, error) {
	c := &guangong.Composition{ByCategory: map[string]int{}, AgeBands: map[string]int{}}
	err := db.read(ctx, a, func(q querier) error {
		if err := canRead(a, objPost, "", "composition"); err != nil {
			return err
		}
		if _, err := scopedOrg(ctx, q, a, orgID, "composition"); err != nil {
			return err
		}
		posts, holders, err := db.posts(ctx, q, orgID, true)
		if err != nil {
			return err
		}
		today := db.now().In(guangong.Shanghai)
		c.Posts = posts
		for _, h := range holders {
			c.Size++
			if h.party {
				c.PartyMembers++
			}
			c.ByCategory[h.category]++
			c.AgeBands[guangong.AgeBand(guangong.AgeOn(h.birthDate, today))]++
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}
