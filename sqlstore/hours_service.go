package sqlstore

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"guangong"
)

// A volunteer's service record as a whole: yearly totals, the activities and shifts they
// served in, certificates issued from confirmed hours, and the export for the national
// volunteer service system.

// yearlySQL sums a volunteer's live records by year, from the volunteer's index alone.
const yearlySQL = `SELECT substr(h.served_on, 1, 4), h.status, SUM(h.minutes), COUNT(*) FROM service_hours h
	WHERE h.volunteer_id = $1 AND h.status IN ('recorded', 'confirmed')
	GROUP BY substr(h.served_on, 1, 4), h.status`

// YearlyHours sums a volunteer's confirmed and pending minutes per year, newest year first.
func (db *DB) YearlyHours(ctx context.Context, a *guangong.Actor, volunteerID string) ([]guangong.YearHours, error) {
	var out []guangong.YearHours
	err := db.read(ctx, a, func(q querier) error {
		if err := db.serviceReader(ctx, q, a, volunteerID, "yearly hours"); err != nil {
			return err
		}
		rows, err := q.QueryContext(ctx, yearlySQL, volunteerID)
		if err != nil {
			return err
		}
		defer rows.Close()
		byYear := map[string]*guangong.YearHours{}
		var years []string
		for rows.Next() {
			var year, status string
			var sum, n int
			if err := rows.Scan(&year, &status, &sum, &n); err != nil {
				return err
			}
			y := byYear[year]
			if y == nil {
				y = &guangong.YearHours{Year: year}
				byYear[year] = y
				years = append(years, year)
			}
			if status == guangong.HoursConfirmed {
				y.Confirmed += sum
			} else {
				y.Pending += sum
			}
			y.Records += n
		}
		if err := rows.Err(); err != nil {
			return err
		}
		slices.Sort(years)
		slices.Reverse(years)
		out = []guangong.YearHours{}
		for _, y := range years {
			out = append(out, *byYear[y])
		}
		return nil
	})
	return out, err
}

// VolunteerEvents lists the meetings and activities a volunteer took part in, newest first.
func (db *DB) VolunteerEvents(ctx context.Context, a *guangong.Actor, volunteerID string, p guangong.Page) ([]*guangong.VolunteerEvent, int, error) {
	var list []*guangong.VolunteerEvent
	var total int
	err := db.read(ctx, a, func(q querier) error {
		if err := db.serviceReader(ctx, q, a, volunteerID, "volunteer events"); err != nil {
			return err
		}
		if err := countInto(ctx, q, p, &total, `SELECT COUNT(*) FROM event_volunteers WHERE volunteer_id = $1`, volunteerID); err != nil {
			return err
		}
		rows, err := q.QueryContext(ctx, `SELECT e.id, e.type, e.category, e.kind, e.title, e.starts_on, e.place, e.org_id,
			o.name, ev.role, e.status FROM event_volunteers ev JOIN events e ON e.id = ev.event_id JOIN orgs o ON o.id = e.org_id
			WHERE ev.volunteer_id = $1 ORDER BY e.starts_on DESC, e.id DESC`+limit(p.Normalize()), volunteerID)
		if err != nil {
			return err
		}
		defer rows.Close()
		list = []*guangong.VolunteerEvent{}
		for rows.Next() {
			e := &guangong.VolunteerEvent{}
			if err := rows.Scan(&e.EventID, &e.Type, &e.Category, &e.Kind, &e.Title, &e.StartsOn, &e.Place, &e.OrgID,
				&e.OrgName, &e.Role, &e.Status); err != nil {
				return err
			}
			list = append(list, e)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, 0, err
	}
	return list, total, nil
}

func rfc3339(stored string) (string, error) {
	if stored == "" {
		return "", nil
	}
	var t time.Time
	if err := (timeCol{&t}).Scan(stored); err != nil {
		return "", err
	}
	return t.Format(time.RFC3339), nil
}

// VolunteerShifts lists the duty shifts a volunteer filled, newest first.
func (db *DB) VolunteerShifts(ctx context.Context, a *guangong.Actor, volunteerID string, p guangong.Page) ([]*guangong.VolunteerShift, int, error) {
	var list []*guangong.VolunteerShift
	var total int
	err := db.read(ctx, a, func(q querier) error {
		if err := db.serviceReader(ctx, q, a, volunteerID, "volunteer shifts"); err != nil {
			return err
		}
		if err := countInto(ctx, q, p, &total, `SELECT COUNT(*) FROM shift_volunteers WHERE volunteer_id = $1`, volunteerID); err != nil {
			return err
		}
		rows, err := q.QueryContext(ctx, `SELECT s.id, dp.id, dp.name, dp.kind, o.name, s.role, s.starts_at, s.ends_at,
			sv.source, sv.check_in_at, sv.check_out_at FROM shift_volunteers sv JOIN shifts s ON s.id = sv.shift_id
			JOIN duty_posts dp ON dp.id = s.post_id JOIN orgs o ON o.id = dp.org_id
			WHERE sv.volunteer_id = $1 ORDER BY s.starts_at DESC, s.id DESC`+limit(p.Normalize()), volunteerID)
		if err != nil {
			return err
		}
		defer rows.Close()
		list = []*guangong.VolunteerShift{}
		for rows.Next() {
			s := &guangong.VolunteerShift{}
			var in, out string
			if err := rows.Scan(&s.ShiftID, &s.PostID, &s.PostName, &s.PostKind, &s.OrgName, &s.Role,
				timeCol{&s.StartsAt}, timeCol{&s.EndsAt}, &s.Source, &in, &out); err != nil {
				return err
			}
			var err error
			if s.CheckInAt, err = rfc3339(in); err != nil {
				return err
			}
			if s.CheckOutAt, err = rfc3339(out); err != nil {
				return err
			}
			list = append(list, s)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, 0, err
	}
	return list, total, nil
}

// certifiedSQL sums what a certificate counts: the volunteer's confirmed records in the
// range whose organiser lies in the issuing committee's subtree. Superseded and void rows
// have their own statuses, so "confirmed" alone excludes them.
const certifiedWhere = ` FROM service_hours h WHERE h.volunteer_id = $1 AND h.status = 'confirmed'
	AND h.served_on >= $2 AND h.served_on <= $3
	AND h.org_id IN (SELECT descendant_id FROM org_closure WHERE ancestor_id = $4)`

// IssueCertificate issues a certificate for a volunteer's confirmed hours in a range, from
// a committee in scope (it counts what that committee and those below it organised). The
// serial is the committee's code, the year and a running number.
func (db *DB) IssueCertificate(ctx context.Context, a *guangong.Actor, c *guangong.Certificate) error {
	fn := func(tx *Tx) error {
		if err := canWrite(a, objCertificate, "", c.OrgID, "issue certificate"); err != nil {
			return err
		}
		if err := c.Validate(tx.now); err != nil {
			return err
		}
		v, err := db.volunteerIn(ctx, tx, a, "volunteerId", c.VolunteerID, "issue certificate")
		if err != nil {
			return err
		}
		o, err := recordOrg(ctx, tx, a, "orgId", c.OrgID)
		if err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(SUM(h.minutes), 0), COUNT(*)`+certifiedWhere,
			c.VolunteerID, c.From, c.To, c.OrgID).Scan(&c.Minutes, &c.Records); err != nil {
			return err
		}
		if c.Minutes == 0 {
			return fieldErr("from", "该时间段内没有本组织及下级组织确认的服务时长", "No hours confirmed by this committee or those below it in this period")
		}
		if c.Content == "" {
			if c.Content, err = certificateSummary(ctx, tx, c); err != nil {
				return err
			}
		}
		if c.IssuerName, err = recorderName(ctx, tx, a); err != nil {
			return err
		}
		year := todayShanghai(tx.now).Format("2006")
		code := o.Code
		if code == "" {
			code = strings.ToUpper(strings.ReplaceAll(o.ID, "-", "")[:8])
		}
		prefix := code + "-" + year + "-"
		// One committee's certificates are numbered one at a time: the issuing committee's
		// row stays locked from reading the last serial until commit.
		if _, err := tx.ExecContext(ctx, `UPDATE orgs SET version = version WHERE id = $1`, o.ID); err != nil {
			return err
		}
		var last string
		err = tx.QueryRowContext(ctx, `SELECT serial FROM certificates WHERE serial >= $1 AND serial < $2
			ORDER BY serial DESC LIMIT 1`, prefix, code+"-"+year+".").Scan(&last)
		if err != nil && !noRows(err) {
			return err
		}
		next := 1
		if last != "" {
			n, _ := strconv.Atoi(strings.TrimPrefix(last, prefix))
			next = n + 1
		}
		c.ID, c.Serial, c.IssuedBy, c.IssuedAt = guangong.NewID(), fmt.Sprintf("%s%05d", prefix, next), a.UserID, tx.now
		c.VolunteerName, c.OrgName = v.Name, o.Name
		if _, err := tx.ExecContext(ctx, `INSERT INTO certificates (id, serial, volunteer_id, org_id, from_date, to_date,
			minutes, content, issued_by, issued_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
			c.ID, c.Serial, c.VolunteerID, c.OrgID, c.From, c.To, c.Minutes, c.Content, c.IssuedBy, fmtTime(tx.now)); err != nil {
			return err
		}
		return tx.audit(a, entry{action: guangong.ActionCreate, objectType: objCertificate, objectID: c.ID, orgID: c.OrgID,
			changes: diff(nil, [][2]string{{"serial", c.Serial}, {"volunteerId", c.VolunteerID}, {"from", c.From}, {"to", c.To},
				{"minutes", strconv.Itoa(c.Minutes)}, {"content", c.Content}})})
	}
	if a == nil {
		return noActor()
	}
	err := db.inTx(ctx, fn)
	if err != nil {
		c.ID, c.Serial = "", ""
	}
	return db.finish(ctx, a, err)
}

// certificateSummary names the most frequent kinds of service in the range, for the
// certificate's content line.
func certificateSummary(ctx context.Context, q querier, c *guangong.Certificate) (string, error) {
	rows, err := q.QueryContext(ctx, `SELECT h.content, COUNT(*)`+certifiedWhere+` GROUP BY h.content
		ORDER BY COUNT(*) DESC, h.content LIMIT 5`, c.VolunteerID, c.From, c.To, c.OrgID)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var s string
		var n int
		if err := rows.Scan(&s, &n); err != nil {
			return "", err
		}
		names = append(names, s)
	}
	if err := rows.Err(); err != nil {
		return "", err
	}
	more := ""
	if len(names) == 5 {
		more = "等"
	}
	return strings.Join(names, "、") + more + "志愿服务，共" + itoa(c.Records) + "次", nil
}

const certificateCols = `c.id, c.serial, c.volunteer_id, v.name, v.org_id, c.org_id, o.name, c.from_date, c.to_date,
	c.minutes, c.content, c.issued_by, COALESCE(u.display_name, ''), c.issued_at`

const certificateFrom = ` FROM certificates c JOIN volunteers v ON v.id = c.volunteer_id JOIN orgs o ON o.id = c.org_id
	LEFT JOIN users u ON u.id = c.issued_by`

func scanCertificate(s scanner) (*guangong.Certificate, string, error) {
	c := &guangong.Certificate{}
	var vorg string
	err := s.Scan(&c.ID, &c.Serial, &c.VolunteerID, &c.VolunteerName, &vorg, &c.OrgID, &c.OrgName, &c.From, &c.To,
		&c.Minutes, &c.Content, &c.IssuedBy, &c.IssuerName, timeCol{&c.IssuedAt})
	return c, vorg, err
}

// FindCertificate returns a certificate whose volunteer or issuing committee lies in scope.
func (db *DB) FindCertificate(ctx context.Context, a *guangong.Actor, id string) (*guangong.Certificate, error) {
	var c *guangong.Certificate
	err := db.read(ctx, a, func(q querier) error {
		if a.System || a.Role != guangong.RoleVolunteer {
			if err := canRead(a, objCertificate, id, "read certificate"); err != nil {
				return err
			}
		}
		var vorg string
		var err error
		c, vorg, err = scanCertificate(q.QueryRowContext(ctx, `SELECT `+certificateCols+certificateFrom+` WHERE c.id = $1`, id))
		if noRows(err) {
			return missing(certificateNotFound(), objCertificate, id, "read certificate")
		} else if err != nil {
			return err
		}
		if ownRecord(a, c.VolunteerID) {
			return nil
		}
		if a.Role == guangong.RoleVolunteer && !a.System {
			return &denial{err: certificateNotFound(), objectType: objCertificate, objectID: id, orgID: c.OrgID, detail: "read certificate: not the volunteer's own"}
		}
		for _, org := range []string{c.OrgID, vorg} {
			if ok, err := inScope(ctx, q, a, org); err != nil {
				return err
			} else if ok {
				return nil
			}
		}
		return &denial{err: certificateNotFound(), objectType: objCertificate, objectID: id, orgID: c.OrgID, detail: "read certificate: outside scope"}
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// Certificates lists a volunteer's certificates, newest first.
func (db *DB) Certificates(ctx context.Context, a *guangong.Actor, volunteerID string) ([]*guangong.Certificate, error) {
	var list []*guangong.Certificate
	err := db.read(ctx, a, func(q querier) error {
		if err := db.serviceReader(ctx, q, a, volunteerID, "list certificates"); err != nil {
			return err
		}
		// A volunteer holds a few certificates; the list is capped all the same.
		rows, err := q.QueryContext(ctx, `SELECT `+certificateCols+certificateFrom+` WHERE c.volunteer_id = $1
			ORDER BY c.issued_at DESC, c.id DESC LIMIT 200`, volunteerID)
		if err != nil {
			return err
		}
		defer rows.Close()
		list = []*guangong.Certificate{}
		for rows.Next() {
			c, _, err := scanCertificate(rows)
			if err != nil {
				return err
			}
			list = append(list, c)
		}
		return rows.Err()
	})
	return list, err
}

// ExportHours reads the rows of an export for the national volunteer service system and
// records the export in the same transaction. Full ID numbers need a committee
// administrator and a reason (as the people export); otherwise they are masked. The
// status defaults to confirmed: only confirmed hours go to the national system.
func (db *DB) ExportHours(ctx context.Context, a *guangong.Actor, e guangong.HoursExport) ([]*guangong.HoursExportRow, error) {
	var out []*guangong.HoursExportRow
	err := db.write(ctx, a, func(tx *Tx) error {
		if err := canRead(a, objHours, "", "export hours"); err != nil {
			return err
		}
		if e.Reveal && !a.Can(guangong.CanRevealHours) {
			return &denial{err: guangong.Forbidden(), objectType: objHours, orgID: a.OrgID, detail: "export hours with full ID numbers"}
		}
		e.Reason = strings.TrimSpace(e.Reason)
		if e.Reveal {
			var v guangong.Validation
			v.Text("reason", "导出完整信息的理由", "Reason for exporting full values", e.Reason, true, 200)
			if err := v.Err(); err != nil {
				return err
			}
		}
		f := e.Filter
		if f.Status == nil {
			f.Status = new(guangong.HoursConfirmed)
		}
		conds, as, err := db.hoursConds(ctx, tx, a, f, "export hours")
		if err != nil {
			return err
		}
		w := where(conds)
		var total int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM service_hours h`+w, as...).Scan(&total); err != nil {
			return err
		}
		if total > guangong.MaxHoursExport {
			return guangong.Errorf(guangong.EINVALID, "符合条件的记录有 %d 条，超过单次导出上限 %d 条，请缩小筛选范围",
				"%d records match, over the limit of %d per export; narrow the filters", total, guangong.MaxHoursExport)
		}
		rows, err := tx.QueryContext(ctx, `SELECT v.name, v.id_enc, COALESCE(e.title, ''), COALESCE(dp.name, ''),
			COALESCE(s.role, ''), h.served_on, h.place, h.content, h.minutes, h.recorder_name, o.name, h.status`+hoursFrom+w+
			` ORDER BY h.served_on, h.id`, as...)
		if err != nil {
			return err
		}
		defer rows.Close()
		out = []*guangong.HoursExportRow{}
		for rows.Next() {
			r := &guangong.HoursExportRow{}
			var idn, title, post, role string
			if err := rows.Scan(&r.VolunteerName, &idn, &title, &post, &role, &r.ServedOn, &r.Place, &r.Content,
				&r.Minutes, &r.RecorderName, &r.OrgName, &r.Status); err != nil {
				return err
			}
			if r.IDNumber, err = db.openField("idNumber", idn); err != nil {
				return err
			}
			if r.IDNumber != "" {
				r.IDType = "居民身份证"
				if !e.Reveal {
					r.IDNumber = guangong.MaskIDNumber(r.IDNumber)
				}
			}
			h := guangong.ServiceHours{EventTitle: title, ShiftLabel: strings.TrimSpace(post + " " + role), Content: r.Content}
			r.Activity = h.Activity()
			out = append(out, r)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		org := a.OrgID
		if f.OrgID != nil {
			org = *f.OrgID
		}
		return tx.audit(a, entry{action: guangong.ActionExport, objectType: objHours, orgID: org,
			detail: exportHoursDetail(e, f, len(out))})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func exportHoursDetail(e guangong.HoursExport, f guangong.HoursFilter, n int) string {
	var parts []string
	add := func(name string, v *string) {
		if v != nil {
			parts = append(parts, name+"="+strconv.Quote(*v))
		}
	}
	add("volunteerId", f.VolunteerID)
	add("orgId", f.OrgID)
	add("eventId", f.EventID)
	add("shiftId", f.ShiftID)
	add("status", f.Status)
	add("from", f.From)
	add("to", f.To)
	mode := "masked"
	if e.Reveal {
		mode = "revealed; reason=" + strconv.Quote(e.Reason)
	}
	return fmt.Sprintf("format=%s; rows=%d; %s; filters: %s", e.Format, n, mode, strings.Join(parts, " "))
}
