package sqlstore

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"time"

	"guangong"
)

// Duty rosters: standing posts, shifts, the volunteers on them and their QR check-ins. A
// check-out (by the volunteer, or closed by the organiser) writes the service-hours row of
// the place in the same transaction.

// Object types of duty rosters in the trail.
const (
	objDutyPost  = "duty_post"
	objDutyShift = "shift"
	objDutyPlace = "shift_volunteer"
	objDutyHours = "service_hours"
)

func dutyPostNotFound() error  { return guangong.NotFound(guangong.DutyPostNoun) }
func dutyShiftNotFound() error { return guangong.NotFound(guangong.ShiftNoun) }
func dutyPlaceNotFound() error { return guangong.NotFound(guangong.ShiftVolunteerNoun) }

// dutyRead: those who read records, and volunteers' own accounts, read posts and shifts.
func dutyRead(a *guangong.Actor, obj, id, what string) error {
	if !a.Can(guangong.Role.CanReadDuty) {
		return &denial{err: guangong.Forbidden(), objectType: obj, objectID: id, detail: what}
	}
	return nil
}

// dutyVolunteer: only a volunteer's own account, linked to a record, signs up and checks in.
func dutyVolunteer(a *guangong.Actor, obj, id, what string) error {
	if a.System || a.Role != guangong.RoleVolunteer || a.VolunteerID == "" {
		return &denial{err: guangong.Forbidden(), objectType: obj, objectID: id, detail: what}
	}
	return nil
}

// newQRToken is 128 random bits, URL-safe: the check-in address cannot be guessed.
func newQRToken() string {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on supported systems
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// dutyTime reads an optional stored instant (” for none).
func dutyTime(s string) (*time.Time, error) {
	if s == "" {
		return nil, nil
	}
	var t time.Time
	if err := (timeCol{&t}).Scan(s); err != nil {
		return nil, err
	}
	return &t, nil
}

const dutyPostCols = `p.id, p.org_id, o.name, p.kind, p.name, p.place, p.qr_token, p.active, p.version, p.created_at, p.updated_at`

const dutyPostFrom = ` FROM duty_posts p JOIN orgs o ON o.id = p.org_id`

func scanDutyPost(s scanner) (*guangong.DutyPost, error) {
	p := &guangong.DutyPost{}
	err := s.Scan(&p.ID, &p.OrgID, &p.OrgName, &p.Kind, &p.Name, &p.Place, &p.QRToken, &p.Active, &p.Version,
		timeCol{&p.CreatedAt}, timeCol{&p.UpdatedAt})
	return p, err
}

// dutyHideToken: a volunteer's account scans signs; it does not print them.
func dutyHideToken(a *guangong.Actor, p *guangong.DutyPost) {
	if !a.System && a.Role == guangong.RoleVolunteer {
		p.QRToken = ""
	}
}

// dutyScopedPost reads post id if its committee lies in scope; otherwise NotFound, audited.
func dutyScopedPost(ctx context.Context, q querier, a *guangong.Actor, id, what string) (*guangong.DutyPost, error) {
	p, err := scanDutyPost(q.QueryRowContext(ctx, `SELECT `+dutyPostCols+dutyPostFrom+` WHERE p.id = $1`, id))
	if noRows(err) {
		return nil, missing(dutyPostNotFound(), objDutyPost, id, what)
	} else if err != nil {
		return nil, err
	}
	if ok, err := inScope(ctx, q, a, p.OrgID); err != nil {
		return nil, err
	} else if !ok {
		return nil, &denial{err: dutyPostNotFound(), objectType: objDutyPost, objectID: id, orgID: p.OrgID, detail: what + ": outside scope"}
	}
	return p, nil
}

func dutyPostFields(p *guangong.DutyPost) [][2]string {
	return [][2]string{{"orgId", p.OrgID}, {"kind", p.Kind}, {"name", p.Name}, {"place", p.Place}, {"active", boolText(p.Active)}}
}

// FindDutyPosts lists posts in scope, grouped by committee, then kind and name.
func (db *DB) FindDutyPosts(ctx context.Context, a *guangong.Actor, f guangong.DutyPostFilter) ([]*guangong.DutyPost, int, error) {
	var list []*guangong.DutyPost
	var total int
	err := db.read(ctx, a, func(q querier) error {
		if err := dutyRead(a, objDutyPost, "", "list duty posts"); err != nil {
			return err
		}
		if err := filterOrg(ctx, q, a, f.OrgID, "list duty posts"); err != nil {
			return err
		}
		var args args
		conds := []string{scopeCond(a, "p.org_id", &args)}
		if f.OrgID != nil && *f.OrgID != "" {
			conds = append(conds, "p.org_id IN (SELECT descendant_id FROM org_closure WHERE ancestor_id = "+args.add(*f.OrgID)+")")
		}
		if f.Kind != nil && *f.Kind != "" {
			conds = append(conds, "p.kind = "+args.add(*f.Kind))
		}
		if f.Active != nil {
			conds = append(conds, "p.active = "+args.add(*f.Active))
		}
		w := where(conds)
		if err := countInto(ctx, q, f.Page, &total, `SELECT COUNT(*) FROM duty_posts p`+w, args...); err != nil {
			return err
		}
		var err error
		list, err = collect(ctx, q, `SELECT `+dutyPostCols+dutyPostFrom+w+` ORDER BY p.org_id, p.kind, p.name, p.id`+
			limit(f.Page.Normalize()), args, func(s scanner) (*guangong.DutyPost, error) {
			p, err := scanDutyPost(s)
			if err == nil {
				dutyHideToken(a, p)
			}
			return p, err
		})
		return err
	})
	if err != nil {
		return nil, 0, err
	}
	return list, total, nil
}

// FindDutyPostByID returns post id if it lies in scope.
func (db *DB) FindDutyPostByID(ctx context.Context, a *guangong.Actor, id string) (*guangong.DutyPost, error) {
	var p *guangong.DutyPost
	err := db.read(ctx, a, func(q querier) error {
		if err := dutyRead(a, objDutyPost, id, "read duty post"); err != nil {
			return err
		}
		var err error
		if p, err = dutyScopedPost(ctx, q, a, id, "read duty post"); err == nil {
			dutyHideToken(a, p)
		}
		return err
	})
	return p, err
}

// CreateDutyPost adds a post to a committee in scope, with a new QR token.
func (db *DB) CreateDutyPost(ctx context.Context, a *guangong.Actor, p *guangong.DutyPost) error {
	err := db.write(ctx, a, func(tx *Tx) error {
		if err := canWrite(a, objDutyPost, "", p.OrgID, "create duty post"); err != nil {
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
		p.ID, p.OrgName, p.QRToken, p.Active = guangong.NewID(), o.Name, newQRToken(), true
		p.Version, p.CreatedAt, p.UpdatedAt = 1, tx.now, tx.now
		if _, err := tx.ExecContext(ctx, `INSERT INTO duty_posts (id, org_id, kind, name, place, qr_token, active,
			version, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, 1, $8, $8)`,
			p.ID, p.OrgID, p.Kind, p.Name, p.Place, p.QRToken, p.Active, fmtTime(tx.now)); err != nil {
			return err
		}
		return tx.audit(a, entry{action: guangong.ActionCreate, objectType: objDutyPost, objectID: p.ID, orgID: p.OrgID,
			changes: diff(nil, dutyPostFields(p))})
	})
	if err != nil {
		p.ID = ""
	}
	return err
}

// UpdateDutyPost saves a post's kind, name, place and active flag (its committee stays),
// optionally with a new QR token; p.Version must be the stored version.
func (db *DB) UpdateDutyPost(ctx context.Context, a *guangong.Actor, p *guangong.DutyPost, renewQR bool) error {
	return db.write(ctx, a, func(tx *Tx) error {
		if err := canWrite(a, objDutyPost, p.ID, "", "update duty post"); err != nil {
			return err
		}
		old, err := dutyScopedPost(ctx, tx, a, p.ID, "update duty post")
		if err != nil {
			return err
		}
		if old.Version != p.Version {
			return guangong.Stale()
		}
		p.OrgID, p.OrgName, p.CreatedAt = old.OrgID, old.OrgName, old.CreatedAt
		p.Normalize()
		if err := p.Validate(); err != nil {
			return err
		}
		changes := diff(dutyPostFields(old), dutyPostFields(p))
		p.QRToken = old.QRToken
		detail := ""
		if renewQR {
			p.QRToken, detail = newQRToken(), "new QR code"
		}
		if len(changes) == 0 && !renewQR {
			p.UpdatedAt = old.UpdatedAt
			return nil
		}
		if err := tx.untally(tallyPosts, p.ID); err != nil { // its kind may change
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE duty_posts SET kind = $1, name = $2, place = $3, active = $4,
			qr_token = $5, version = version + 1, updated_at = $6 WHERE id = $7 AND version = $8`,
			p.Kind, p.Name, p.Place, p.Active, p.QRToken, fmtTime(tx.now), p.ID, p.Version)
		if err != nil {
			return err
		}
		if err := oneRow(res); err != nil {
			return err
		}
		if err := tx.retally(tallyPosts, p.ID); err != nil {
			return err
		}
		p.Version, p.UpdatedAt = p.Version+1, tx.now
		return tx.audit(a, entry{action: guangong.ActionUpdate, objectType: objDutyPost, objectID: p.ID, orgID: p.OrgID,
			changes: changes, detail: detail})
	})
}

// dutyShiftCols reads a shift with its post and the places filled (an index count per row).
const dutyShiftCols = `s.id, s.post_id, p.name, p.kind, p.place, p.org_id, s.role, s.starts_at, s.ends_at, s.starts_on,
	s.headcount, s.version, s.created_at, (SELECT COUNT(*) FROM shift_volunteers f WHERE f.shift_id = s.id)`

const dutyShiftFrom = ` FROM shifts s JOIN duty_posts p ON p.id = s.post_id`

func scanDutyShift(s scanner, extra ...any) (*guangong.Shift, error) {
	x := &guangong.Shift{}
	err := s.Scan(append([]any{&x.ID, &x.PostID, &x.PostName, &x.PostKind, &x.Place, &x.OrgID, &x.Role,
		timeCol{&x.StartsAt}, timeCol{&x.EndsAt}, &x.StartsOn, &x.Headcount, &x.Version, timeCol{&x.CreatedAt},
		&x.Filled}, extra...)...)
	return x, err
}

// dutyHasPlace reports whether a volunteer's account has a place on a shift (shiftID) or at a
// post (postID): its own places are open to it wherever the post, since a town's duty may
// take a village's volunteer.
func dutyHasPlace(ctx context.Context, q querier, a *guangong.Actor, shiftID, postID string) (bool, error) {
	if a.System || a.Role != guangong.RoleVolunteer || a.VolunteerID == "" {
		return false, nil
	}
	var n int
	var err error
	if shiftID != "" {
		err = q.QueryRowContext(ctx, `SELECT COUNT(*) FROM shift_volunteers WHERE shift_id = $1 AND volunteer_id = $2`,
			shiftID, a.VolunteerID).Scan(&n)
	} else {
		err = q.QueryRowContext(ctx, `SELECT COUNT(*) FROM shift_volunteers x JOIN shifts s ON s.id = x.shift_id
			WHERE s.post_id = $1 AND x.volunteer_id = $2`, postID, a.VolunteerID).Scan(&n)
	}
	return n > 0, err
}

// dutyScopedShift reads shift id if its post lies in scope. In a write transaction the
// shift's row is locked first, so counts of its places hold until commit (a no-op UPDATE
// locks on PostgreSQL; SQLite has one writer anyway).
func dutyScopedShift(ctx context.Context, q querier, a *guangong.Actor, id, what string) (*guangong.Shift, error) {
	if tx, ok := q.(*Tx); ok {
		if _, err := tx.ExecContext(ctx, `UPDATE shifts SET version = version WHERE id = $1`, id); err != nil {
			return nil, err
		}
	}
	s, err := scanDutyShift(q.QueryRowContext(ctx, `SELECT `+dutyShiftCols+dutyShiftFrom+` WHERE s.id = $1`, id))
	if noRows(err) {
		return nil, missing(dutyShiftNotFound(), objDutyShift, id, what)
	} else if err != nil {
		return nil, err
	}
	ok, err := inScope(ctx, q, a, s.OrgID)
	if err == nil && !ok {
		ok, err = dutyHasPlace(ctx, q, a, s.ID, "")
	}
	if err != nil {
		return nil, err
	} else if !ok {
		return nil, &denial{err: dutyShiftNotFound(), objectType: objDutyShift, objectID: id, orgID: s.OrgID, detail: what + ": outside scope"}
	}
	return s, nil
}

func dutyShiftFields(s *guangong.Shift) [][2]string {
	return [][2]string{{"postId", s.PostID}, {"role", s.Role}, {"startsAt", fmtTime(s.StartsAt)},
		{"endsAt", fmtTime(s.EndsAt)}, {"headcount", itoa(s.Headcount)}}
}

// FindShifts lists shifts in scope by start time.
func (db *DB) FindShifts(ctx context.Context, a *guangong.Actor, f guangong.ShiftFilter) ([]*guangong.Shift, int, error) {
	var list []*guangong.Shift
	var total int
	err := db.read(ctx, a, func(q querier) error {
		if err := dutyRead(a, objDutyShift, "", "list shifts"); err != nil {
			return err
		}
		if err := filterOrg(ctx, q, a, f.OrgID, "list shifts"); err != nil {
			return err
		}
		var args args
		conds := []string{scopeCond(a, "p.org_id", &args)}
		if f.PostID != nil {
			if _, err := dutyScopedPost(ctx, q, a, *f.PostID, "list shifts"); err != nil {
				return err
			}
			conds = append(conds, "s.post_id = "+args.add(*f.PostID))
		}
		if f.OrgID != nil && *f.OrgID != "" {
			conds = append(conds, "p.org_id IN (SELECT descendant_id FROM org_closure WHERE ancestor_id = "+args.add(*f.OrgID)+")")
		}
		if f.From != nil {
			conds = append(conds, "s.starts_at >= "+args.add(fmtTime(*f.From)))
		}
		if f.To != nil {
			conds = append(conds, "s.starts_at < "+args.add(fmtTime(*f.To)))
		}
		if f.OpenOnly {
			conds = append(conds, "s.ends_at > "+args.add(fmtTime(db.now())),
				"s.headcount > (SELECT COUNT(*) FROM shift_volunteers f WHERE f.shift_id = s.id)")
		}
		w := where(conds)
		if err := countInto(ctx, q, f.Page, &total, `SELECT COUNT(*)`+dutyShiftFrom+w, args...); err != nil {
			return err
		}
		var err error
		list, err = collect(ctx, q, `SELECT `+dutyShiftCols+dutyShiftFrom+w+` ORDER BY s.starts_at, s.id`+
			limit(f.Page.Normalize()), args, func(s scanner) (*guangong.Shift, error) { return scanDutyShift(s) })
		return err
	})
	if err != nil {
		return nil, 0, err
	}
	return list, total, nil
}

// FindShiftByID returns shift id if its post lies in scope.
func (db *DB) FindShiftByID(ctx context.Context, a *guangong.Actor, id string) (*guangong.Shift, error) {
	var s *guangong.Shift
	err := db.read(ctx, a, func(q querier) error {
		if err := dutyRead(a, objDutyShift, id, "read shift"); err != nil {
			return err
		}
		var err error
		s, err = dutyScopedShift(ctx, q, a, id, "read shift")
		return err
	})
	return s, err
}

// dutyShiftPost checks the post a shift is put at: in scope (else a field error, the
// attempt audited) and active.
func dutyShiftPost(ctx context.Context, q querier, a *guangong.Actor, id string) (*guangong.DutyPost, error) {
	p, err := dutyScopedPost(ctx, q, a, id, "shift post")
	if code := guangong.ErrorCode(err); code == guangong.ENOTFOUND {
		missing := fieldErr("postId", "岗位不存在", "The post does not exist")
		if d, ok := err.(*denial); ok {
			d.err = missing
			return nil, d
		}
		return nil, missing
	} else if err != nil {
		return nil, err
	}
	if !p.Active {
		return nil, fieldErr("postId", "该岗位已停用", "The post is no longer in use")
	}
	return p, nil
}

// CreateShift adds a shift at an active post in scope.
func (db *DB) CreateShift(ctx context.Context, a *guangong.Actor, s *guangong.Shift) error {
	err := db.write(ctx, a, func(tx *Tx) error {
		if err := canWrite(a, objDutyShift, "", "", "create shift"); err != nil {
			return err
		}
		if err := s.Validate(); err != nil {
			return err
		}
		p, err := dutyShiftPost(ctx, tx, a, s.PostID)
		if err != nil {
			return err
		}
		s.ID, s.StartsAt, s.EndsAt = guangong.NewID(), s.StartsAt.UTC(), s.EndsAt.UTC()
		s.StartsOn = s.StartsAt.In(guangong.Shanghai).Format(guangong.DateLayout)
		s.PostName, s.PostKind, s.Place, s.OrgID = p.Name, p.Kind, p.Place, p.OrgID
		s.Filled, s.Version, s.CreatedAt = 0, 1, tx.now
		if _, err := tx.ExecContext(ctx, `INSERT INTO shifts (id, post_id, role, starts_at, ends_at, starts_on, headcount,
			version, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, 1, $8)`,
			s.ID, s.PostID, s.Role, fmtTime(s.StartsAt), fmtTime(s.EndsAt), s.StartsOn, s.Headcount, fmtTime(tx.now)); err != nil {
			return err
		}
		return tx.audit(a, entry{action: guangong.ActionCreate, objectType: objDutyShift, objectID: s.ID, orgID: p.OrgID,
			changes: diff(nil, dutyShiftFields(s))})
	})
	if err != nil {
		s.ID = ""
	}
	return err
}

// UpdateShift saves a shift's role, times and headcount. The headcount cannot drop below the
// places filled, and the times stay once someone has checked in (their hours depend on them).
func (db *DB) UpdateShift(ctx context.Context, a *guangong.Actor, s *guangong.Shift) error {
	return db.write(ctx, a, func(tx *Tx) error {
		if err := canWrite(a, objDutyShift, s.ID, "", "update shift"); err != nil {
			return err
		}
		old, err := dutyScopedShift(ctx, tx, a, s.ID, "update shift")
		if err != nil {
			return err
		}
		if old.Version != s.Version {
			return guangong.Stale()
		}
		s.PostID = old.PostID
		if err := s.Validate(); err != nil {
			return err
		}
		s.StartsAt, s.EndsAt = s.StartsAt.UTC(), s.EndsAt.UTC()
		if s.Headcount < old.Filled {
			return fieldErr("headcount", "人数不能少于已排的"+itoa(old.Filled)+"人",
				"Headcount cannot be below the "+itoa(old.Filled)+" places already filled")
		}
		if !s.StartsAt.Equal(old.StartsAt) || !s.EndsAt.Equal(old.EndsAt) {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM shift_volunteers WHERE shift_id = $1 AND check_in_at <> ''`,
				s.ID).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return fieldErr("startsAt", "已有人签到，不能再改班次时间", "Someone has checked in; the times can no longer change")
			}
		}
		s.StartsOn = s.StartsAt.In(guangong.Shanghai).Format(guangong.DateLayout)
		s.PostName, s.PostKind, s.Place, s.OrgID, s.Filled, s.CreatedAt = old.PostName, old.PostKind, old.Place, old.OrgID, old.Filled, old.CreatedAt
		changes := diff(dutyShiftFields(old), dutyShiftFields(s))
		if len(changes) == 0 {
			return nil
		}
		if err := tx.untally(tallyShifts, s.ID); err != nil { // its day (and year) may change
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE shifts SET role = $1, starts_at = $2, ends_at = $3, starts_on = $4,
			headcount = $5, version = version + 1 WHERE id = $6 AND version = $7`,
			s.Role, fmtTime(s.StartsAt), fmtTime(s.EndsAt), s.StartsOn, s.Headcount, s.ID, s.Version)
		if err != nil {
			return err
		}
		if err := oneRow(res); err != nil {
			return err
		}
		if err := tx.retally(tallyShifts, s.ID); err != nil {
			return err
		}
		s.Version++
		return tx.audit(a, entry{action: guangong.ActionUpdate, objectType: objDutyShift, objectID: s.ID, orgID: s.OrgID,
			changes: changes})
	})
}

// dutyPlaceCols reads a place with its volunteer's name, who closed it, the service-hours
// row written for it (the newest one not superseded by a correction), and its shift.
const dutyPlaceCols = `x.id, x.shift_id, x.volunteer_id, v.name, x.source, x.check_in_at, x.check_out_at, x.closed_by,
	COALESCE(cu.display_name, ''), x.review, x.version, x.created_at,
	COALESCE((SELECT h.minutes FROM service_hours h WHERE h.shift_id = x.shift_id AND h.volunteer_id = x.volunteer_id
		AND h.status <> 'superseded' ORDER BY h.created_at DESC, h.id DESC LIMIT 1), 0),
	COALESCE((SELECT h.status FROM service_hours h WHERE h.shift_id = x.shift_id AND h.volunteer_id = x.volunteer_id
		AND h.status <> 'superseded' ORDER BY h.created_at DESC, h.id DESC LIMIT 1), ''), ` + dutyShiftCols

const dutyPlaceFrom = ` FROM shift_volunteers x JOIN volunteers v ON v.id = x.volunteer_id
	LEFT JOIN users cu ON cu.id = x.closed_by JOIN shifts s ON s.id = x.shift_id JOIN duty_posts p ON p.id = s.post_id`

func scanDutyPlace(sc scanner) (*guangong.ShiftVolunteer, error) {
	x := &guangong.ShiftVolunteer{}
	var in, out string
	shift, err := scanDutyShift(prefixScanner{sc, []any{&x.ID, &x.ShiftID, &x.VolunteerID, &x.VolunteerName, &x.Source,
		&in, &out, &x.ClosedBy, &x.ClosedByName, &x.Review, &x.Version, timeCol{&x.CreatedAt}, &x.HoursMinutes, &x.HoursStatus}})
	if err != nil {
		return nil, err
	}
	x.Shift = shift
	if x.CheckInAt, err = dutyTime(in); err != nil {
		return nil, err
	}
	if x.CheckOutAt, err = dutyTime(out); err != nil {
		return nil, err
	}
	if x.CheckInAt != nil && x.CheckOutAt != nil {
		x.Minutes = guangong.ServedMinutes(shift, *x.CheckInAt, *x.CheckOutAt)
	}
	return x, nil
}

func (db *DB) dutyPlaces(ctx context.Context, q querier, cond string, order string, p guangong.Page, args ...any) ([]*guangong.ShiftVolunteer, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+dutyPlaceCols+dutyPlaceFrom+cond+order+limit(p.Normalize()), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	list := []*guangong.ShiftVolunteer{}
	for rows.Next() {
		x, err := scanDutyPlace(rows)
		if err != nil {
			return nil, err
		}
		list = append(list, x)
	}
	return list, rows.Err()
}

// dutyPlace reads place id, its shift and post, and checks the post lies in scope and, for
// a volunteer's account, that the place is its own. Otherwise NotFound, audited.
func (db *DB) dutyPlace(ctx context.Context, q querier, a *guangong.Actor, id, what string) (*guangong.ShiftVolunteer, error) {
	if tx, ok := q.(*Tx); ok {
		if _, err := tx.ExecContext(ctx, `UPDATE shift_volunteers SET version = version WHERE id = $1`, id); err != nil {
			return nil, err
		}
	}
	list, err := db.dutyPlaces(ctx, q, ` WHERE x.id = $1`, "", guangong.Page{Limit: 1}, id)
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, missing(dutyPlaceNotFound(), objDutyPlace, id, what)
	}
	x := list[0]
	var ok bool
	if !a.System && a.Role == guangong.RoleVolunteer {
		ok = a.VolunteerID != "" && x.VolunteerID == a.VolunteerID // its own, wherever the post
	} else if ok, err = inScope(ctx, q, a, x.Shift.OrgID); err != nil {
		return nil, err
	}
	if !ok {
		return nil, &denial{err: dutyPlaceNotFound(), objectType: objDutyPlace, objectID: id, orgID: x.Shift.OrgID, detail: what + ": outside scope"}
	}
	return x, nil
}

// ShiftVolunteers lists who fills a shift, in the order they joined it.
func (db *DB) ShiftVolunteers(ctx context.Context, a *guangong.Actor, shiftID string) ([]*guangong.ShiftVolunteer, error) {
	var list []*guangong.ShiftVolunteer
	err := db.read(ctx, a, func(q querier) error {
		if err := canRead(a, objDutyShift, shiftID, "list shift volunteers"); err != nil {
			return err
		}
		s, err := dutyScopedShift(ctx, q, a, shiftID, "list shift volunteers")
		if err != nil {
			return err
		}
		list, err = db.dutyPlaces(ctx, q, ` WHERE x.shift_id = $1`, ` ORDER BY x.created_at, x.id`,
			guangong.Page{Limit: guangong.MaxShiftHeadcount}, s.ID)
		return err
	})
	return list, err
}

// AssignShift puts a volunteer in scope on a shift.
func (db *DB) AssignShift(ctx context.Context, a *guangong.Actor, shiftID, volunteerID string) (*guangong.ShiftVolunteer, error) {
	var x *guangong.ShiftVolunteer
	err := db.write(ctx, a, func(tx *Tx) error {
		if err := canWrite(a, objDutyPlace, "", "", "assign shift"); err != nil {
			return err
		}
		s, err := dutyScopedShift(ctx, tx, a, shiftID, "assign shift")
		if err != nil {
			return err
		}
		v, err := db.volunteerIn(ctx, tx, a, "volunteerId", volunteerID, "assign shift")
		if err != nil {
			return err
		}
		x, err = db.dutyFill(ctx, tx, a, s, v, guangong.SourceAssigned)
		return err
	})
	return x, err
}

// SignUpShift puts the volunteer account's own record on a shift of its committee's subtree.
func (db *DB) SignUpShift(ctx context.Context, a *guangong.Actor, shiftID string) (*guangong.ShiftVolunteer, error) {
	var x *guangong.ShiftVolunteer
	err := db.write(ctx, a, func(tx *Tx) error {
		if err := dutyVolunteer(a, objDutyPlace, "", "sign up for shift"); err != nil {
			return err
		}
		s, err := dutyScopedShift(ctx, tx, a, shiftID, "sign up for shift")
		if err != nil {
			return err
		}
		// The account is linked to its record: no registry scope is needed to act as oneself.
		v, err := db.scanVolunteer(tx.QueryRowContext(ctx, `SELECT `+volunteerCols+` FROM volunteers p`+volunteerJoin+
			` WHERE p.id = $1`, a.VolunteerID))
		if noRows(err) {
			return volunteerNotFound()
		} else if err != nil {
			return err
		}
		x, err = db.dutyFill(ctx, tx, a, s, v, guangong.SourceSignup)
		return err
	})
	return x, err
}

// dutyFill adds volunteer v to shift s (locked by the caller): the shift is not full, and v
// is active, not on it already and not on an overlapping shift. Signing up needs a shift
// still to come or under way; an organiser may assign an ended one, to record a past roster
// kept on paper (its hours are then recorded as for any activity).
func (db *DB) dutyFill(ctx context.Context, tx *Tx, a *guangong.Actor, s *guangong.Shift, v *guangong.Volunteer, source string) (*guangong.ShiftVolunteer, error) {
	if v.MergedInto != "" || v.Status != "active" {
		return nil, fieldErr("volunteerId", "只能安排在册的志愿者", "Only active volunteers can be put on a shift")
	}
	if source == guangong.SourceSignup && !s.EndsAt.After(tx.now) {
		return nil, fieldErr("shiftId", "该班次已结束", "This shift has ended")
	}
	var mine, overlap int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM shift_volunteers WHERE shift_id = $1 AND volunteer_id = $2`,
		s.ID, v.ID).Scan(&mine); err != nil {
		return nil, err
	}
	if mine > 0 {
		return nil, fieldErr("volunteerId", v.Name+"已在该班次", v.Name+" is already on this shift")
	}
	if s.Filled >= s.Headcount {
		return nil, fieldErr("headcount", "该班次已满（定员"+itoa(s.Headcount)+"人），不能再增加人员",
			"This shift is full ("+itoa(s.Headcount)+" places); no one more can join")
	}
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM shift_volunteers x JOIN shifts s ON s.id = x.shift_id
		WHERE x.volunteer_id = $1 AND s.starts_at < $2 AND s.ends_at > $3`,
		v.ID, fmtTime(s.EndsAt), fmtTime(s.StartsAt)).Scan(&overlap); err != nil {
		return nil, err
	}
	if overlap > 0 {
		return nil, fieldErr("volunteerId", v.Name+"在这段时间已有其他班次", v.Name+" is already on another shift at this time")
	}
	x := &guangong.ShiftVolunteer{ID: guangong.NewID(), ShiftID: s.ID, VolunteerID: v.ID, VolunteerName: v.Name,
		Source: source, Version: 1, CreatedAt: tx.now, Shift: s}
	if _, err := tx.ExecContext(ctx, `INSERT INTO shift_volunteers (id, shift_id, volunteer_id, source, check_in_at,
		check_out_at, closed_by, review, version, created_at) VALUES ($1, $2, $3, $4, '', '', '', $5, 1, $6)`,
		x.ID, x.ShiftID, x.VolunteerID, x.Source, false, fmtTime(tx.now)); err != nil {
		return nil, err
	}
	if err := tx.retally(tallyPlaces, x.ID); err != nil {
		return nil, err
	}
	s.Filled++
	return x, tx.audit(a, entry{action: guangong.ActionCreate, objectType: objDutyPlace, objectID: x.ID, orgID: s.OrgID,
		changes: diff(nil, [][2]string{{"shiftId", s.ID}, {"volunteerId", v.ID}, {"source", source}})})
}

// WithdrawShift removes a place nobody has checked in to: a volunteer's account its own,
// a clerk any in scope.
func (db *DB) WithdrawShift(ctx context.Context, a *guangong.Actor, id string) error {
	return db.write(ctx, a, func(tx *Tx) error {
		if a.System || a.Role != guangong.RoleVolunteer {
			if err := canWrite(a, objDutyPlace, id, "", "withdraw from shift"); err != nil {
				return err
			}
		} else if err := dutyVolunteer(a, objDutyPlace, id, "withdraw from shift"); err != nil {
			return err
		}
		x, err := db.dutyPlace(ctx, tx, a, id, "withdraw from shift")
		if err != nil {
			return err
		}
		if x.CheckInAt != nil {
			return guangong.Errorf(guangong.EINVALID, "已签到的班次不能取消", "A place already checked in cannot be withdrawn")
		}
		if err := tx.untally(tallyPlaces, id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM shift_volunteers WHERE id = $1`, id); err != nil {
			return err
		}
		return tx.audit(a, entry{action: guangong.ActionDelete, objectType: objDutyPlace, objectID: id, orgID: x.Shift.OrgID,
			changes: diff([][2]string{{"shiftId", x.ShiftID}, {"volunteerId", x.VolunteerID}, {"source", x.Source}}, nil)})
	})
}
