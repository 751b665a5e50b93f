package sqlstore

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"guangong"
)

// Volunteer service hours and certificates. A record's organiser (org_id) decides who may
// write, confirm and correct it; a volunteer's own service record (hours, activities,
// shifts, certificates) is readable wherever the volunteer is, since it is the volunteer's.

const (
	objHours       = "service_hours"
	objCertificate = "certificate"
)

func hoursNotFound() error       { return guangong.NotFound(guangong.HoursNoun) }
func certificateNotFound() error { return guangong.NotFound(guangong.CertificateNoun) }

const hoursCols = `h.id, h.volunteer_id, v.name, v.org_id, h.org_id, o.name, h.event_id, COALESCE(e.title, ''),
	h.shift_id, COALESCE(dp.name, ''), COALESCE(s.role, ''), h.served_on, h.minutes, h.place, h.content, h.status,
	h.recorded_by, h.recorder_name, h.recorded_at, h.confirmed_by, h.confirmed_at, h.supersedes, h.superseded_by,
	h.reason, h.version, h.created_at, h.updated_at`

const hoursFrom = ` FROM service_hours h JOIN volunteers v ON v.id = h.volunteer_id JOIN orgs o ON o.id = h.org_id
	LEFT JOIN events e ON e.id = h.event_id LEFT JOIN shifts s ON s.id = h.shift_id
	LEFT JOIN duty_posts dp ON dp.id = s.post_id`

// hoursRow is a record with the volunteer's committee, which decides who may read it.
type hoursRow struct {
	*guangong.ServiceHours
	volunteerOrg string
}

func scanHours(s scanner) (hoursRow, error) {
	h := &guangong.ServiceHours{}
	var vorg, post, role, confirmedAt string
	err := s.Scan(&h.ID, &h.VolunteerID, &h.VolunteerName, &vorg, &h.OrgID, &h.OrgName, &h.EventID, &h.EventTitle,
		&h.ShiftID, &post, &role, &h.ServedOn, &h.Minutes, &h.Place, &h.Content, &h.Status,
		&h.RecordedBy, &h.RecorderName, timeCol{&h.RecordedAt}, &h.ConfirmedBy, &confirmedAt, &h.Supersedes, &h.SupersededBy,
		&h.Reason, &h.Version, timeCol{&h.CreatedAt}, timeCol{&h.UpdatedAt})
	if err != nil {
		return hoursRow{}, err
	}
	h.ShiftLabel = strings.TrimSpace(post + " " + role)
	if confirmedAt != "" {
		var t time.Time
		if err := (timeCol{&t}).Scan(confirmedAt); err != nil {
			return hoursRow{}, err
		}
		h.ConfirmedAt = t.Format(time.RFC3339)
	}
	return hoursRow{h, vorg}, nil
}

// readableHours loads a record the actor may read: its organiser or its volunteer in scope.
func readableHours(ctx context.Context, q querier, a *guangong.Actor, id, what string) (*guangong.ServiceHours, error) {
	r, err := scanHours(q.QueryRowContext(ctx, `SELECT `+hoursCols+hoursFrom+` WHERE h.id = $1`, id))
	if noRows(err) {
		return nil, missing(hoursNotFound(), objHours, id, what)
	} else if err != nil {
		return nil, err
	}
	for _, org := range []string{r.OrgID, r.volunteerOrg} {
		if ok, err := inScope(ctx, q, a, org); err != nil {
			return nil, err
		} else if ok {
			return r.ServiceHours, nil
		}
	}
	return nil, &denial{err: hoursNotFound(), objectType: objHours, objectID: id, orgID: r.OrgID, detail: what + ": outside scope"}
}

// ownHours loads a record of the calling volunteer's own; any other is missing to it.
func ownHours(ctx context.Context, q querier, a *guangong.Actor, id string) (*guangong.ServiceHours, error) {
	r, err := scanHours(q.QueryRowContext(ctx, `SELECT `+hoursCols+hoursFrom+` WHERE h.id = $1`, id))
	if noRows(err) {
		return nil, missing(hoursNotFound(), objHours, id, "read hours")
	} else if err != nil {
		return nil, err
	}
	if !ownRecord(a, r.VolunteerID) {
		return nil, &denial{err: hoursNotFound(), objectType: objHours, objectID: id, orgID: r.OrgID, detail: "read hours: not the volunteer's own"}
	}
	return r.ServiceHours, nil
}

// organisedHours loads a record for a write: its organiser must lie in scope.
func organisedHours(ctx context.Context, q querier, a *guangong.Actor, id, what string) (*guangong.ServiceHours, error) {
	r, err := scanHours(q.QueryRowContext(ctx, `SELECT `+hoursCols+hoursFrom+` WHERE h.id = $1`, id))
	if noRows(err) {
		return nil, missing(hoursNotFound(), objHours, id, what)
	} else if err != nil {
		return nil, err
	}
	if ok, err := inScope(ctx, q, a, r.OrgID); err != nil {
		return nil, err
	} else if !ok {
		return nil, &denial{err: hoursNotFound(), objectType: objHours, objectID: id, orgID: r.OrgID, detail: what + ": outside scope"}
	}
	return r.ServiceHours, nil
}

// ownRecord: a volunteer's own account (role volunteer) reads its own service record, and
// only that.
func ownRecord(a *guangong.Actor, volunteerID string) bool {
	return !a.System && a.Role == guangong.RoleVolunteer && a.VolunteerID != "" && a.VolunteerID == volunteerID
}

// serviceReader checks that a may read a volunteer's service record: the volunteer's own
// account, or a reader of records with the volunteer in scope.
func (db *DB) serviceReader(ctx context.Context, q querier, a *guangong.Actor, volunteerID, what string) error {
	if ownRecord(a, volunteerID) {
		return nil
	}
	if err := canRead(a, objHours, "", what); err != nil {
		return err
	}
	_, err := db.scopedVolunteer(ctx, q, a, volunteerID, what)
	return err
}

// serviceFrame is what an event or shift sets for the records made in it.
type serviceFrame struct {
	orgs     []string // organisers a record may name; the first is the default
	scoped   string   // the first of orgs in the actor's scope
	length   int      // minutes from start to end
	firstDay string   // served_on must lie in [firstDay, lastDay]
	lastDay  string
	title    string
	place    string
	isShift  bool
}

func minutesBetween(start, end string) (int, error) {
	var s, e time.Time
	if err := (timeCol{&s}).Scan(start); err != nil {
		return 0, err
	}
	if err := (timeCol{&e}).Scan(end); err != nil {
		return 0, err
	}
	return int(e.Sub(s) / time.Minute), nil
}

func shanghaiDay(stored string) (string, error) {
	var t time.Time
	if err := (timeCol{&t}).Scan(stored); err != nil {
		return "", err
	}
	return t.In(guangong.Shanghai).Format(guangong.DateLayout), nil
}

// frame reads the event or shift a record belongs to; nil for standalone service. One
// with no organiser in the actor's scope is missing to it: the same field error as an id
// that names nothing, both audited as denials.
func frame(ctx context.Context, q querier, a *guangong.Actor, eventID, shiftID, what string) (*serviceFrame, error) {
	var f serviceFrame
	var starts, ends string
	var absent error
	obj, id := objEvent, eventID
	switch {
	case eventID != "":
		absent = fieldErr("eventId", "活动不存在", "The activity does not exist")
		var host string
		err := q.QueryRowContext(ctx, `SELECT org_id, starts_at, ends_at, starts_on, title, place FROM events WHERE id = $1`,
			eventID).Scan(&host, &starts, &ends, &f.firstDay, &f.title, &f.place)
		if noRows(err) {
			return nil, missing(absent, objEvent, eventID, what)
		} else if err != nil {
			return nil, err
		}
		f.orgs = []string{host}
		rows, err := q.QueryContext(ctx, `SELECT org_id FROM event_orgs WHERE event_id = $1 AND org_id <> $2 ORDER BY org_id`, eventID, host)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		for rows.Next() {
			var o string
			if err := rows.Scan(&o); err != nil {
				return nil, err
			}
			f.orgs = append(f.orgs, o)
		}
		if err := rows.Err(); err != nil {
			return nil, err
		}
	case shiftID != "":
		absent, obj, id = fieldErr("shiftId", "班次不存在", "The shift does not exist"), objDutyShift, shiftID
		var org, post, role string
		err := q.QueryRowContext(ctx, `SELECT dp.org_id, s.starts_at, s.ends_at, s.starts_on, dp.name, s.role, dp.place
			FROM shifts s JOIN duty_posts dp ON dp.id = s.post_id WHERE s.id = $1`, shiftID).
			Scan(&org, &starts, &ends, &f.firstDay, &post, &role, &f.place)
		if noRows(err) {
			return nil, missing(absent, objDutyShift, shiftID, what)
		} else if err != nil {
			return nil, err
		}
		f.orgs, f.title, f.isShift = []string{org}, strings.TrimSpace(post+" "+role), true
	default:
		return nil, nil
	}
	for _, o := range f.orgs {
		if ok, err := inScope(ctx, q, a, o); err != nil {
			return nil, err
		} else if ok {
			f.scoped = o
			break
		}
	}
	if f.scoped == "" {
		return nil, &denial{err: absent, objectType: obj, objectID: id, orgID: f.orgs[0], detail: what + ": outside scope"}
	}
	var err error
	if f.length, err = minutesBetween(starts, ends); err != nil {
		return nil, err
	}
	if f.lastDay, err = shanghaiDay(ends); err != nil {
		return nil, err
	}
	return &f, nil
}

// over is the message for minutes beyond the event's or shift's length.
func (f *serviceFrame) over(field string) error {
	h := guangong.FormatHours(f.length)
	if f.isShift {
		return fieldErr(field, "服务时长超过班次时长（"+h+"小时）", "The minutes exceed the shift's length ("+h+" h)")
	}
	return fieldErr(field, "服务时长超过活动时长（"+h+"小时）", "The minutes exceed the activity's length ("+h+" h)")
}

// apply checks what a frame decides: the organiser and the day; it fills the defaults.
func (f *serviceFrame) apply(orgID *string, servedOn string) error {
	if *orgID == "" {
		*orgID = f.orgs[0]
	} else if !slices.Contains(f.orgs, *orgID) {
		if f.isShift {
			return fieldErr("orgId", "班次所属岗位的组织才能记录该班次的时长", "Only the post's committee records this shift's hours")
		}
		return fieldErr("orgId", "只有活动的主办或协办组织才能记录该活动的时长", "Only the activity's organisers record its hours")
	}
	if servedOn < f.firstDay || servedOn > f.lastDay {
		return fieldErr("servedOn", "服务日期应在"+f.firstDay+"至"+f.lastDay+"之间",
			"The service date must lie between "+f.firstDay+" and "+f.lastDay)
	}
	return nil
}

// recorderName is the account's display name, written on the record as the 民政部 rules ask.
func recorderName(ctx context.Context, q querier, a *guangong.Actor) (string, error) {
	if a.System || a.UserID == "" {
		return a.Username, nil
	}
	var name string
	err := q.QueryRowContext(ctx, `SELECT display_name FROM users WHERE id = $1`, a.UserID).Scan(&name)
	if noRows(err) {
		return a.Username, nil
	}
	return name, err
}

// duplicateHours reports whether the volunteer already has a live record for the same
// event or shift on the same day (a QR check-out and a hand entry must not both count).
func duplicateHours(ctx context.Context, q querier, h *guangong.ServiceHours, except string) (bool, error) {
	if h.EventID == "" && h.ShiftID == "" {
		return false, nil
	}
	col, id := "h.event_id", h.EventID
	if h.ShiftID != "" {
		col, id = "h.shift_id", h.ShiftID
	}
	var n int
	err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM service_hours h WHERE `+col+` = $1 AND h.volunteer_id = $2
		AND h.served_on = $3 AND h.status IN ('recorded', 'confirmed') AND h.id <> $4`, id, h.VolunteerID, h.ServedOn, except).Scan(&n)
	return n > 0, err
}

func duplicateErr(field string) error {
	return fieldErr(field, "该志愿者当天在此活动或班次已有记录，请更正原记录", "This volunteer already has a record for this activity or shift on that day; correct it instead")
}

const hoursInsert = `INSERT INTO service_hours (id, volunteer_id, org_id, event_id, shift_id, served_on, minutes, place,
	content, status, recorded_by, recorder_name, recorded_at, confirmed_by, confirmed_at, supersedes, superseded_by,
	reason, version, created_at, updated_at) VALUES `

const hoursWidth = 21

func hoursValues(a []any, h *guangong.ServiceHours, confirmedAt string) []any {
	return append(a, h.ID, h.VolunteerID, h.OrgID, h.EventID, h.ShiftID, h.ServedOn, h.Minutes, h.Place, h.Content,
		h.Status, h.RecordedBy, h.RecorderName, fmtTime(h.RecordedAt), h.ConfirmedBy, confirmedAt, h.Supersedes,
		h.SupersededBy, h.Reason, h.Version, fmtTime(h.CreatedAt), fmtTime(h.UpdatedAt))
}

func hoursFields(h *guangong.ServiceHours) [][2]string {
	return [][2]string{{"volunteerId", h.VolunteerID}, {"orgId", h.OrgID}, {"eventId", h.EventID}, {"shiftId", h.ShiftID},
		{"servedOn", h.ServedOn}, {"minutes", strconv.Itoa(h.Minutes)}, {"place", h.Place}, {"content", h.Content},
		{"status", h.Status}, {"supersedes", h.Supersedes}, {"reason", h.Reason}}
}

// insertHours writes a prepared record and its audit entry.
func insertHours(tx *Tx, a *guangong.Actor, h *guangong.ServiceHours, detail string) error {
	confirmedAt := ""
	if h.Status == guangong.HoursConfirmed {
		confirmedAt = fmtTime(tx.now)
		h.ConfirmedAt = tx.now.Format(time.RFC3339)
	}
	if _, err := tx.ExecContext(tx.ctx, hoursInsert+placeholders(hoursWidth), hoursValues(nil, h, confirmedAt)...); err != nil {
		return err
	}
	if err := tx.retally(tallyHours, h.ID); err != nil {
		return err
	}
	return tx.audit(a, entry{action: guangong.ActionCreate, objectType: objHours, objectID: h.ID, orgID: h.OrgID,
		changes: diff(nil, hoursFields(h)), detail: detail})
}

// newHours fills the store's part of a record about to be written.
func newHours(tx *Tx, a *guangong.Actor, h *guangong.ServiceHours, recorder string) {
	h.ID, h.Status, h.Version = guangong.NewID(), guangong.HoursRecorded, 1
	h.RecordedBy, h.RecorderName, h.RecordedAt = a.UserID, recorder, tx.now
	h.ConfirmedBy, h.ConfirmedAt, h.SupersededBy = "", "", ""
	h.CreatedAt, h.UpdatedAt = tx.now, tx.now
}

// RecordHours records one volunteer's service. The organiser must lie in scope and be
// active, the volunteer must lie in scope, and an event's or shift's length bounds the minutes.
func (db *DB) RecordHours(ctx context.Context, a *guangong.Actor, h *guangong.ServiceHours) error {
	err := db.write(ctx, a, func(tx *Tx) error {
		if err := canWrite(a, objHours, "", h.OrgID, "record hours"); err != nil {
			return err
		}
		h.Normalize()
		h.Supersedes, h.Reason = "", ""
		if err := h.Validate(tx.now); err != nil {
			return err
		}
		f, err := frame(ctx, tx, a, h.EventID, h.ShiftID, "record hours")
		if err != nil {
			return err
		}
		if f != nil {
			if err := f.apply(&h.OrgID, h.ServedOn); err != nil {
				return err
			}
			if h.Minutes > f.length {
				return f.over("minutes")
			}
			if h.Place == "" {
				h.Place = f.place
			}
		}
		v, err := db.volunteerIn(ctx, tx, a, "volunteerId", h.VolunteerID, "record hours")
		if err != nil {
			return err
		}
		o, err := recordOrg(ctx, tx, a, "orgId", h.OrgID)
		if err != nil {
			return err
		}
		if dup, err := duplicateHours(ctx, tx, h, ""); err != nil {
			return err
		} else if dup {
			return duplicateErr("volunteerId")
		}
		name, err := recorderName(ctx, tx, a)
		if err != nil {
			return err
		}
		newHours(tx, a, h, name)
		h.VolunteerName, h.OrgName = v.Name, o.Name
		if f != nil {
			if f.isShift {
				h.ShiftLabel = f.title
			} else {
				h.EventTitle = f.title
			}
		}
		return insertHours(tx, a, h, "")
	})
	if err != nil {
		h.ID = ""
	}
	return err
}

// RecordHoursBatch records several volunteers' service in one event or shift, all in one
// transaction: one bad entry saves nothing.
func (db *DB) RecordHoursBatch(ctx context.Context, a *guangong.Actor, b *guangong.HoursBatch) ([]*guangong.ServiceHours, error) {
	var out []*guangong.ServiceHours
	err := db.write(ctx, a, func(tx *Tx) error {
		if err := canWrite(a, objHours, "", b.OrgID, "record hours"); err != nil {
			return err
		}
		b.ServedOn, b.Place, b.Content = strings.TrimSpace(b.ServedOn), strings.TrimSpace(b.Place), strings.TrimSpace(b.Content)
		for i := range b.Entries {
			b.Entries[i].VolunteerID = strings.TrimSpace(b.Entries[i].VolunteerID)
		}
		if err := b.Validate(tx.now); err != nil {
			return err
		}
		f, err := frame(ctx, tx, a, b.EventID, b.ShiftID, "record hours")
		if err != nil {
			return err
		}
		orgID := b.OrgID
		if f != nil {
			if err := f.apply(&orgID, b.ServedOn); err != nil {
				return err
			}
			if b.Place == "" {
				b.Place = f.place
			}
		}
		o, err := recordOrg(ctx, tx, a, "orgId", orgID)
		if err != nil {
			return err
		}
		name, err := recorderName(ctx, tx, a)
		if err != nil {
			return err
		}
		for i, e := range b.Entries {
			p := "entries." + itoa(i) + "."
			if f != nil && e.Minutes > f.length {
				return f.over(p + "minutes")
			}
			v, err := db.volunteerIn(ctx, tx, a, p+"volunteerId", e.VolunteerID, "record hours")
			if err != nil {
				return err
			}
			h := &guangong.ServiceHours{VolunteerID: e.VolunteerID, VolunteerName: v.Name, OrgID: orgID, OrgName: o.Name,
				EventID: b.EventID, ShiftID: b.ShiftID, ServedOn: b.ServedOn, Minutes: e.Minutes, Place: b.Place, Content: b.Content}
			if dup, err := duplicateHours(ctx, tx, h, ""); err != nil {
				return err
			} else if dup {
				return duplicateErr(p + "volunteerId")
			}
			newHours(tx, a, h, name)
			if f != nil {
				if f.isShift {
					h.ShiftLabel = f.title
				} else {
					h.EventTitle = f.title
				}
			}
			if err := insertHours(tx, a, h, "batch"); err != nil {
				return err
			}
			out = append(out, h)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// FindHoursByID returns a record its organiser or its volunteer puts in scope.
func (db *DB) FindHoursByID(ctx context.Context, a *guangong.Actor, id string) (*guangong.ServiceHours, error) {
	var h *guangong.ServiceHours
	err := db.read(ctx, a, func(q querier) error {
		if a.Role == guangong.RoleVolunteer && !a.System {
			var err error
			if h, err = ownHours(ctx, q, a, id); err != nil {
				return err
			}
			return nil
		}
		if err := canRead(a, objHours, id, "read hours"); err != nil {
			return err
		}
		var err error
		h, err = readableHours(ctx, q, a, id, "read hours")
		return err
	})
	return h, err
}

// FindHours lists records, newest service first, with the total. With VolunteerID, the
// volunteer must lie in scope and all their records are listed; otherwise the records
// whose organiser lies in scope (OrgID narrowing to that committee's subtree).
func (db *DB) FindHours(ctx context.Context, a *guangong.Actor, f guangong.HoursFilter) ([]*guangong.ServiceHours, int, error) {
	var list []*guangong.ServiceHours
	var total int
	err := db.read(ctx, a, func(q querier) error {
		own := f.VolunteerID != nil && ownRecord(a, *f.VolunteerID)
		if !own {
			if err := canRead(a, objHours, "", "list hours"); err != nil {
				return err
			}
		}
		conds, args, err := db.hoursConds(ctx, q, a, f, "list hours")
		if err != nil {
			return err
		}
		w := where(conds)
		if err := countInto(ctx, q, f.Page, &total, `SELECT COUNT(*) FROM service_hours h`+w, args...); err != nil {
			return err
		}
		list, err = collect(ctx, q, `SELECT `+hoursCols+hoursFrom+w+` ORDER BY h.served_on DESC, h.id DESC`+
			limit(f.Page.Normalize()), args, func(s scanner) (*guangong.ServiceHours, error) {
			r, err := scanHours(s)
			if err != nil {
				return nil, err
			}
			return r.ServiceHours, nil
		})
		return err
	})
	if err != nil {
		return nil, 0, err
	}
	return list, total, nil
}

// hoursConds builds a filter's conditions on service_hours h, checking its scope.
func (db *DB) hoursConds(ctx context.Context, q querier, a *guangong.Actor, f guangong.HoursFilter, what string) ([]string, args, error) {
	var as args
	var conds []string
	if f.VolunteerID != nil {
		if err := db.serviceReader(ctx, q, a, *f.VolunteerID, what); err != nil {
			return nil, nil, err
		}
		conds = append(conds, `h.volunteer_id = `+as.add(*f.VolunteerID))
	} else {
		conds = append(conds, scopeCond(a, "h.org_id", &as))
	}
	if f.OrgID != nil && !ownRecord(a, deref(f.VolunteerID)) {
		if _, err := scopedOrg(ctx, q, a, *f.OrgID, what); err != nil {
			return nil, nil, err
		}
		conds = append(conds, `h.org_id IN (SELECT descendant_id FROM org_closure WHERE ancestor_id = `+as.add(*f.OrgID)+`)`)
	}
	if f.EventID != nil {
		conds = append(conds, `h.event_id = `+as.add(*f.EventID))
	}
	if f.ShiftID != nil {
		conds = append(conds, `h.shift_id = `+as.add(*f.ShiftID))
	}
	if f.Status != nil {
		conds = append(conds, `h.status = `+as.add(*f.Status))
	} else if f.VolunteerID == nil && (f.From != nil || f.To != nil) {
		// Every status, said outright: service_hours_org_minutes is (org_id, status,
		// served_on, …), so with the statuses listed SQLite seeks each one's range of the
		// period instead of reading every year of each committee.
		conds = append(conds, `h.status IN ('`+strings.Join(guangong.HoursStatuses, `', '`)+`')`)
	}
	if f.From != nil {
		conds = append(conds, `h.served_on >= `+as.add(*f.From))
	}
	if f.To != nil {
		conds = append(conds, `h.served_on <= `+as.add(*f.To))
	}
	return conds, as, nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// HoursTrace follows a record's corrections both ways: the rows it replaced and the rows
// that replaced it, oldest first.
func (db *DB) HoursTrace(ctx context.Context, a *guangong.Actor, id string) ([]*guangong.ServiceHours, error) {
	var chain []*guangong.ServiceHours
	err := db.read(ctx, a, func(q querier) error {
		var h *guangong.ServiceHours
		var err error
		if a.Role == guangong.RoleVolunteer && !a.System {
			h, err = ownHours(ctx, q, a, id) // a correction keeps the volunteer: the chain is theirs
		} else if err = canRead(a, objHours, id, "read hours"); err == nil {
			h, err = readableHours(ctx, q, a, id, "read hours")
		}
		if err != nil {
			return err
		}
		one := func(id string) (*guangong.ServiceHours, error) {
			r, err := scanHours(q.QueryRowContext(ctx, `SELECT `+hoursCols+hoursFrom+` WHERE h.id = $1`, id))
			return r.ServiceHours, err
		}
		chain = []*guangong.ServiceHours{h}
		// A chain is as long as the corrections made to one record: a handful of rows.
		for cur := h; cur.Supersedes != "" && len(chain) < 100; {
			if cur, err = one(cur.Supersedes); err != nil {
				return err
			}
			chain = append([]*guangong.ServiceHours{cur}, chain...)
		}
		for cur := h; cur.SupersededBy != "" && len(chain) < 200; {
			if cur, err = one(cur.SupersededBy); err != nil {
				return err
			}
			chain = append(chain, cur)
		}
		return nil
	})
	return chain, err
}

// HoursSheet prepares the form for recording an event's or a shift's hours at once: one of
// its organisers must lie in scope; the participants listed are those in scope (up to
// MaxHoursBatch), each with the minutes to suggest and those already recorded, in three
// queries whatever the number of people.
func (db *DB) HoursSheet(ctx context.Context, a *guangong.Actor, eventID, shiftID string) (*guangong.HoursSheet, error) {
	var sheet *guangong.HoursSheet
	err := db.read(ctx, a, func(q querier) error {
		if err := canRead(a, objHours, "", "hours sheet"); err != nil {
			return err
		}
		if (eventID == "") == (shiftID == "") {
			return fieldErr("eventId", "请选择一项活动或一个班次", "Choose one activity or one shift")
		}
		// The event or shift is missing, or outside scope, alike: the sheet is not found.
		f, err := frame(ctx, q, a, eventID, shiftID, "hours sheet")
		if guangong.ErrorCode(err) == guangong.EINVALID {
			return reanswered(err, hoursNotFound())
		} else if err != nil {
			return err
		}
		org := f.scoped
		sheet = &guangong.HoursSheet{EventID: eventID, ShiftID: shiftID, Title: f.title, OrgID: org, FirstDay: f.firstDay,
			LastDay: f.lastDay, Place: f.place, Length: f.length, People: []*guangong.SheetEntry{}}
		if err := q.QueryRowContext(ctx, `SELECT name FROM orgs WHERE id = $1`, org).Scan(&sheet.OrgName); err != nil {
			return err
		}
		var as args
		var people string
		if eventID != "" {
			people = `SELECT v.id, v.name, o.name, '', '' FROM event_volunteers x JOIN volunteers v ON v.id = x.volunteer_id
				JOIN orgs o ON o.id = v.org_id WHERE x.event_id = ` + as.add(eventID)
		} else {
			people = `SELECT v.id, v.name, o.name, x.check_in_at, x.check_out_at FROM shift_volunteers x
				JOIN volunteers v ON v.id = x.volunteer_id JOIN orgs o ON o.id = v.org_id WHERE x.shift_id = ` + as.add(shiftID)
		}
		if c := scopeCond(a, "v.org_id", &as); c != "" {
			people += " AND " + c
		}
		rows, err := q.QueryContext(ctx, people+` AND v.merged_into = '' ORDER BY v.name, v.id LIMIT `+itoa(guangong.MaxHoursBatch), as...)
		if err != nil {
			return err
		}
		defer rows.Close()
		byID := map[string]*guangong.SheetEntry{}
		for rows.Next() {
			e := &guangong.SheetEntry{Suggested: f.length}
			var in, out string
			if err := rows.Scan(&e.VolunteerID, &e.Name, &e.OrgName, &in, &out); err != nil {
				return err
			}
			if in != "" && out != "" {
				if m, err := minutesBetween(in, out); err == nil && m > 0 && m < e.Suggested {
					e.Suggested = m
				}
			}
			sheet.People = append(sheet.People, e)
			byID[e.VolunteerID] = e
		}
		if err := rows.Err(); err != nil {
			return err
		}
		col, id := "event_id", eventID
		if shiftID != "" {
			col, id = "shift_id", shiftID
		}
		rec, err := q.QueryContext(ctx, `SELECT volunteer_id, SUM(minutes) FROM service_hours WHERE `+col+` = $1
			AND status IN ('recorded', 'confirmed') GROUP BY volunteer_id`, id)
		if err != nil {
			return err
		}
		defer rec.Close()
		for rec.Next() {
			var vid string
			var m int
			if err := rec.Scan(&vid, &m); err != nil {
				return err
			}
			if e := byID[vid]; e != nil {
				e.Recorded = m
			}
		}
		return rec.Err()
	})
	if err != nil {
		return nil, err
	}
	return sheet, nil
}
