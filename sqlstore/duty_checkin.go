package sqlstore

// Checking in and out by a duty post's QR code, the organiser closing a missed check-out, and the attendance lists.

import (
	"context"
	"strconv"
	"time"

	"guangong"
)

// dutyPostByToken reads the post of a QR token if it lies in scope.
func dutyPostByToken(ctx context.Context, q querier, a *guangong.Actor, token string) (*guangong.DutyPost, error) {
	if token == "" || len(token) > 64 {
		return nil, dutyPostNotFound()
	}
	p, err := scanDutyPost(q.QueryRowContext(ctx, `SELECT `+dutyPostCols+dutyPostFrom+` WHERE p.qr_token = $1`, token))
	if noRows(err) {
		return nil, dutyPostNotFound()
	} else if err != nil {
		return nil, err
	}
	ok, err := inScope(ctx, q, a, p.OrgID)
	if err == nil && !ok {
		ok, err = dutyHasPlace(ctx, q, a, "", p.ID)
	}
	if err != nil {
		return nil, err
	} else if !ok {
		return nil, &denial{err: dutyPostNotFound(), objectType: objDutyPost, objectID: p.ID, orgID: p.OrgID, detail: "check-in page: outside scope"}
	}
	return p, nil
}

// CheckInStatus is the check-in page of a post: for a volunteer's account, its place on a
// shift there now (or the next one) and what it may do; for anyone, shifts with free places.
func (db *DB) CheckInStatus(ctx context.Context, a *guangong.Actor, token string) (*guangong.CheckInPage, error) {
	var page *guangong.CheckInPage
	err := db.read(ctx, a, func(q querier) error {
		if err := dutyRead(a, objDutyPost, "", "check-in page"); err != nil {
			return err
		}
		p, err := dutyPostByToken(ctx, q, a, token)
		if err != nil {
			return err
		}
		dutyHideToken(a, p)
		now := db.now()
		page = &guangong.CheckInPage{Post: p, Open: []*guangong.Shift{}}
		var mineCond string
		args := []any{p.ID, fmtTime(now)}
		if a.VolunteerID != "" {
			places, err := db.dutyPlaces(ctx, q, ` WHERE x.volunteer_id = $1 AND s.post_id = $2 AND s.ends_at > $3`,
				` ORDER BY s.starts_at, s.id`, guangong.Page{Limit: 20}, a.VolunteerID, p.ID, fmtTime(now.Add(-guangong.CheckOutGrace)))
			if err != nil {
				return err
			}
			dutyChoosePlace(page, places, now)
			mineCond = ` AND NOT EXISTS (SELECT 1 FROM shift_volunteers m WHERE m.shift_id = s.id AND m.volunteer_id = $3)`
			args = append(args, a.VolunteerID)
		}
		// Shifts to sign up for only at posts of the account's own subtree.
		if ok, err := inScope(ctx, q, a, p.OrgID); err != nil || !ok {
			return err
		}
		rows, err := q.QueryContext(ctx, `SELECT `+dutyShiftCols+dutyShiftFrom+` WHERE s.post_id = $1 AND s.ends_at > $2
			AND s.headcount > (SELECT COUNT(*) FROM shift_volunteers f WHERE f.shift_id = s.id)`+mineCond+
			` ORDER BY s.starts_at, s.id LIMIT 5`, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			s, err := scanDutyShift(rows)
			if err != nil {
				return err
			}
			page.Open = append(page.Open, s)
		}
		return rows.Err()
	})
	return page, err
}

// dutyChoosePlace picks the place the check-in page is about: one checked in and still open,
// else one whose check-in window is open, else one just checked out, else the next one.
func dutyChoosePlace(page *guangong.CheckInPage, places []*guangong.ShiftVolunteer, now time.Time) {
	pick := func(ok func(x *guangong.ShiftVolunteer) bool) *guangong.ShiftVolunteer {
		for _, x := range places {
			if ok(x) {
				return x
			}
		}
		return nil
	}
	if x := pick(func(x *guangong.ShiftVolunteer) bool { return x.CheckInAt != nil && x.CheckOutAt == nil }); x != nil {
		page.Place, page.CanCheckOut = x, dutyCheckOutOpen(x.Shift, now)
		return
	}
	if x := pick(func(x *guangong.ShiftVolunteer) bool { return x.CheckInAt == nil && dutyCheckInOpen(x.Shift, now) }); x != nil {
		page.Place, page.CanCheckIn = x, true
		return
	}
	var done *guangong.ShiftVolunteer
	for _, x := range places {
		if x.CheckOutAt != nil {
			done = x // the latest, as places come by start time
		}
	}
	if done != nil {
		page.Place = done
		return
	}
	if x := pick(func(x *guangong.ShiftVolunteer) bool { return x.CheckInAt == nil && x.Shift.StartsAt.After(now) }); x != nil {
		opens := x.Shift.StartsAt.Add(-guangong.CheckInEarly)
		page.Place, page.OpensAt = x, &opens
	}
}

func dutyCheckInOpen(s *guangong.Shift, now time.Time) bool {
	return !now.Before(s.StartsAt.Add(-guangong.CheckInEarly)) && !now.After(s.EndsAt)
}

func dutyCheckOutOpen(s *guangong.Shift, now time.Time) bool {
	return !now.Before(s.StartsAt) && !now.After(s.EndsAt.Add(guangong.CheckOutGrace))
}

// dutyOwnPlace loads the volunteer account's own place id at the post of token.
func (db *DB) dutyOwnPlace(ctx context.Context, tx *Tx, a *guangong.Actor, token, id, what string) (*guangong.ShiftVolunteer, error) {
	if err := dutyVolunteer(a, objDutyPlace, id, what); err != nil {
		return nil, err
	}
	p, err := dutyPostByToken(ctx, tx, a, token)
	if err != nil {
		return nil, err
	}
	x, err := db.dutyPlace(ctx, tx, a, id, what)
	if err != nil {
		return nil, err
	}
	if x.Shift.PostID != p.ID {
		return nil, guangong.Errorf(guangong.EINVALID, "这不是该班次岗位的二维码，请到%s扫码", "This is not the QR code of this shift's post; scan the one at %s",
			x.Shift.PostName)
	}
	return x, nil
}

func dutyPlaceChange(field string, before *time.Time, after time.Time) guangong.Change {
	c := guangong.Change{Field: field, After: fmtTime(after)}
	if before != nil {
		c.Before = fmtTime(*before)
	}
	return c
}

// CheckIn records the volunteer account's arrival for its place id, within the window.
func (db *DB) CheckIn(ctx context.Context, a *guangong.Actor, token, id string) (*guangong.ShiftVolunteer, error) {
	var x *guangong.ShiftVolunteer
	err := db.write(ctx, a, func(tx *Tx) error {
		var err error
		if x, err = db.dutyOwnPlace(ctx, tx, a, token, id, "check in"); err != nil {
			return err
		}
		if x.CheckInAt != nil {
			return guangong.Errorf(guangong.EINVALID, "您已签到", "You have already checked in")
		}
		if !dutyCheckInOpen(x.Shift, tx.now) {
			opens := x.Shift.StartsAt.Add(-guangong.CheckInEarly).In(guangong.Shanghai).Format("01-02 15:04")
			ends := x.Shift.EndsAt.In(guangong.Shanghai).Format("01-02 15:04")
			return guangong.Errorf(guangong.EINVALID, "签到时间为 %s 至 %s（班次开始前30分钟至结束）",
				"Check-in is open from %s to %s (30 minutes before the start until the end)", opens, ends)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE shift_volunteers SET check_in_at = $1, version = version + 1
			WHERE id = $2 AND version = $3`, fmtTime(tx.now), x.ID, x.Version); err != nil {
			return err
		}
		at := tx.now
		x.CheckInAt, x.Version = &at, x.Version+1
		return tx.audit(a, entry{action: guangong.ActionUpdate, objectType: objDutyPlace, objectID: x.ID, orgID: x.Shift.OrgID,
			changes: []guangong.Change{dutyPlaceChange("checkInAt", nil, at)}, detail: "check in by QR code"})
	})
	return x, err
}

// CheckOut records the volunteer account's departure and writes its service-hours row: the
// served time clipped to the shift, recorded (to be confirmed by the organiser).
func (db *DB) CheckOut(ctx context.Context, a *guangong.Actor, token, id string) (*guangong.ShiftVolunteer, error) {
	var x *guangong.ShiftVolunteer
	err := db.write(ctx, a, func(tx *Tx) error {
		var err error
		if x, err = db.dutyOwnPlace(ctx, tx, a, token, id, "check out"); err != nil {
			return err
		}
		switch {
		case x.CheckInAt == nil:
			return guangong.Errorf(guangong.EINVALID, "请先签到", "Check in first")
		case x.CheckOutAt != nil:
			return guangong.Errorf(guangong.EINVALID, "您已签退", "You have already checked out")
		case tx.now.Before(x.Shift.StartsAt):
			return guangong.Errorf(guangong.EINVALID, "班次尚未开始，不能签退", "The shift has not started; you cannot check out yet")
		case !dutyCheckOutOpen(x.Shift, tx.now):
			return guangong.Errorf(guangong.EINVALID, "签退时间已过，请联系组织者补登签退",
				"Check-out has closed; ask the organiser to close it")
		}
		return db.dutyCheckOut(ctx, tx, a, x, tx.now, false, "check out by QR code")
	})
	return x, err
}

// CloseCheckOut closes a missed check-out at a time the organiser chooses: not before the
// check-in, not after the shift's end, not in the future. It is marked for review.
func (db *DB) CloseCheckOut(ctx context.Context, a *guangong.Actor, id string, at time.Time, version int) (*guangong.ShiftVolunteer, error) {
	var x *guangong.ShiftVolunteer
	err := db.write(ctx, a, func(tx *Tx) error {
		if err := canWrite(a, objDutyPlace, id, "", "close check-out"); err != nil {
			return err
		}
		var err error
		if x, err = db.dutyPlace(ctx, tx, a, id, "close check-out"); err != nil {
			return err
		}
		if x.Version != version {
			return guangong.Stale()
		}
		switch {
		case x.CheckInAt == nil:
			return guangong.Errorf(guangong.EINVALID, "该人员未签到，无需补登签退", "This volunteer never checked in; there is nothing to close")
		case x.CheckOutAt != nil:
			return guangong.Errorf(guangong.EINVALID, "该人员已签退", "This volunteer has already checked out")
		case tx.now.Before(x.Shift.EndsAt):
			return guangong.Errorf(guangong.EINVALID, "班次结束后才能补登签退", "A check-out can be closed once the shift has ended")
		case at.IsZero():
			return fieldErr("checkOutAt", "请填写签退时间", "Enter the check-out time")
		case at.Before(*x.CheckInAt):
			return fieldErr("checkOutAt", "签退时间不能早于签到时间", "The check-out cannot precede the check-in")
		case at.After(x.Shift.EndsAt):
			return fieldErr("checkOutAt", "签退时间不能晚于班次结束时间（"+x.Shift.EndsAt.In(guangong.Shanghai).Format("15:04")+"）",
				"The check-out cannot be after the shift's end ("+x.Shift.EndsAt.In(guangong.Shanghai).Format("15:04")+")")
		}
		return db.dutyCheckOut(ctx, tx, a, x, at.UTC(), true, "missed check-out closed by the organiser")
	})
	return x, err
}

// dutyCheckOut writes the check-out and, when any time was served, the hours row.
func (db *DB) dutyCheckOut(ctx context.Context, tx *Tx, a *guangong.Actor, x *guangong.ShiftVolunteer, at time.Time, closed bool, detail string) error {
	closedBy := ""
	if closed {
		closedBy = a.UserID
		if closedBy == "" {
			closedBy = a.Username
		}
	}
	res, err := tx.ExecContext(ctx, `UPDATE shift_volunteers SET check_out_at = $1, closed_by = $2, review = $3,
		version = version + 1 WHERE id = $4 AND version = $5 AND check_out_at = ''`,
		fmtTime(at), closedBy, closed, x.ID, x.Version)
	if err != nil {
		return err
	}
	if err := oneRow(res); err != nil {
		return err
	}
	changes := []guangong.Change{dutyPlaceChange("checkOutAt", nil, at)}
	if closed {
		changes = append(changes, guangong.Change{Field: "closedBy", After: closedBy}, guangong.Change{Field: "review", Before: "false", After: "true"})
	}
	x.CheckOutAt, x.ClosedBy, x.Review, x.Version = &at, closedBy, closed, x.Version+1
	x.Minutes = guangong.ServedMinutes(x.Shift, *x.CheckInAt, at)
	if err := tx.audit(a, entry{action: guangong.ActionUpdate, objectType: objDutyPlace, objectID: x.ID, orgID: x.Shift.OrgID,
		changes: changes, detail: detail}); err != nil {
		return err
	}
	if x.Minutes == 0 {
		return nil // nothing served inside the shift: no hours to record
	}
	// Hours the organiser already recorded for this shift by hand stand: a check-out must
	// not count the same service twice (to change them, correct that record).
	if dup, err := duplicateHours(ctx, tx, &guangong.ServiceHours{VolunteerID: x.VolunteerID, ShiftID: x.ShiftID,
		ServedOn: x.Shift.StartsOn}, ""); err != nil || dup {
		return err
	}
	recorder := a.Username
	if a.UserID != "" {
		if err := tx.QueryRowContext(ctx, `SELECT display_name FROM users WHERE id = $1`, a.UserID).Scan(&recorder); err != nil {
			return err
		}
	}
	place := x.Shift.Place
	if place == "" {
		place = x.Shift.PostName
	}
	content := guangong.Label(x.Shift.PostKind).Zh + "：" + x.Shift.PostName + "（" + x.Shift.Role + "）"
	hid := guangong.NewID()
	now := fmtTime(tx.now)
	if _, err := tx.ExecContext(ctx, `INSERT INTO service_hours (id, volunteer_id, org_id, event_id, shift_id, served_on,
		minutes, place, content, status, recorded_by, recorder_name, recorded_at, confirmed_by, confirmed_at,
		supersedes, superseded_by, reason, version, created_at, updated_at)
		VALUES ($1, $2, $3, '', $4, $5, $6, $7, $8, 'recorded', $9, $10, $11, '', '', '', '', '', 1, $11, $11)`,
		hid, x.VolunteerID, x.Shift.OrgID, x.ShiftID, x.Shift.StartsOn, x.Minutes, place, content,
		a.UserID, recorder, now); err != nil {
		return err
	}
	// A recorded row counts toward no figure until the organiser confirms it (ConfirmHours).
	x.HoursMinutes, x.HoursStatus = x.Minutes, "recorded"
	return tx.audit(a, entry{action: guangong.ActionCreate, objectType: objDutyHours, objectID: hid, orgID: x.Shift.OrgID,
		changes: diff(nil, [][2]string{{"volunteerId", x.VolunteerID}, {"shiftId", x.ShiftID}, {"servedOn", x.Shift.StartsOn},
			{"minutes", strconv.Itoa(x.Minutes)}, {"status", "recorded"}}), detail: detail})
}

// FindAttendance lists places of the subtree's shifts: check-ins whose check-out window has
// closed without one (missed), or check-outs the organiser closed (review), newest first.
func (db *DB) FindAttendance(ctx context.Context, a *guangong.Actor, f guangong.AttendanceFilter) ([]*guangong.ShiftVolunteer, int, error) {
	var list []*guangong.ShiftVolunteer
	var total int
	err := db.read(ctx, a, func(q querier) error {
		if err := canRead(a, objDutyPlace, "", "list attendance"); err != nil {
			return err
		}
		if err := filterOrg(ctx, q, a, f.OrgID, "list attendance"); err != nil {
			return err
		}
		var args args
		conds := []string{scopeCond(a, "p.org_id", &args)}
		if f.OrgID != nil && *f.OrgID != "" {
			conds = append(conds, "p.org_id IN (SELECT descendant_id FROM org_closure WHERE ancestor_id = "+args.add(*f.OrgID)+")")
		}
		switch f.State {
		case "missed":
			conds = append(conds, "x.check_in_at <> ''", "x.check_out_at = ''",
				"s.ends_at < "+args.add(fmtTime(db.now().Add(-guangong.CheckOutGrace))))
		case "review":
			conds = append(conds, "x.review = "+args.add(true))
		default:
			return fieldErr("state", "state 应为 missed 或 review", "state must be missed or review")
		}
		w := where(conds)
		if err := countInto(ctx, q, f.Page, &total, `SELECT COUNT(*) FROM shift_volunteers x JOIN shifts s ON s.id = x.shift_id
			JOIN duty_posts p ON p.id = s.post_id`+w, args...); err != nil {
			return err
		}
		var err error
		list, err = db.dutyPlaces(ctx, q, w, ` ORDER BY s.starts_at DESC, x.id`, f.Page, args...)
		return err
	})
	if err != nil {
		return nil, 0, err
	}
	return list, total, nil
}

// MyShifts lists the volunteer account's own places, newest first, wherever the post.
func (db *DB) MyShifts(ctx context.Context, a *guangong.Actor, p guangong.Page) ([]*guangong.ShiftVolunteer, int, error) {
	var list []*guangong.ShiftVolunteer
	var total int
	err := db.read(ctx, a, func(q querier) error {
		if err := dutyVolunteer(a, objDutyPlace, "", "my shifts"); err != nil {
			return err
		}
		if err := countInto(ctx, q, p, &total, `SELECT COUNT(*) FROM shift_volunteers WHERE volunteer_id = $1`,
			a.VolunteerID); err != nil {
			return err
		}
		var err error
		list, err = db.dutyPlaces(ctx, q, ` WHERE x.volunteer_id = $1`, ` ORDER BY s.starts_at DESC, x.id`, p, a.VolunteerID)
		return err
	})
	if err != nil {
		return nil, 0, err
	}
	return list, total, nil
}
