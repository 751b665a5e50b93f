package sqlstore

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"time"

	"guangong"
)

// Meetings and activities. An event is read by an account whose scope holds any of its
// organisers (event_orgs, the host included) and written by one whose scope holds the
// host; every organiser, and every volunteer or youth newly linked, must lie in the
// writer's scope. Headcount and the large flag are computed here on every save.

const (
	objEvent      = "event"
	objAttachment = "attachment"
	objLargeRule  = "large_rule"
)

func eventNotFound() error { return guangong.NotFound(guangong.EventNoun) }

func attachmentNotFound() error {
	return guangong.NotFound(guangong.Msg{Zh: "附件", En: "Attachment"})
}

const eventCols = `e.id, e.type, e.org_id, o.name, e.kind, e.category, e.subcategory, e.title, e.starts_at,
	e.ends_at, e.starts_on, e.place, e.host, e.agenda, e.minutes, e.decisions, e.outcome, e.status, e.scale,
	e.large, e.troupe_id, e.youths_served, e.others_count, e.audience, e.headcount, e.plan_item_id, e.version,
	e.created_at, e.updated_at`

const eventFrom = ` FROM events e JOIN orgs o ON o.id = e.org_id`

func scanEvent(s scanner) (*guangong.Event, error) { return scanEventWith(s) }

// scanEventWith scans an event and then the extra columns after it.
func scanEventWith(s scanner, extra ...any) (*guangong.Event, error) {
	e := &guangong.Event{}
	err := s.Scan(append([]any{&e.ID, &e.Type, &e.OrgID, &e.OrgName, &e.Kind, &e.Category, &e.Subcategory, &e.Title,
		timeCol{&e.StartsAt}, timeCol{&e.EndsAt}, &e.StartsOn, &e.Place, &e.Host, &e.Agenda, &e.Minutes,
		&e.Decisions, &e.Outcome, &e.Status, &e.Scale, &e.Large, &e.TroupeID, &e.YouthsServed, &e.OthersCount,
		&e.Audience, &e.Headcount, &e.PlanItemID, &e.Version, timeCol{&e.CreatedAt}, timeCol{&e.UpdatedAt}}, extra...)...)
	if err != nil {
		return nil, err
	}
	e.CoOrgIDs, e.VolunteerIDs, e.YouthIDs = []string{}, []string{}, []string{}
	return e, nil
}

// scopedEvent reads event id: for reading, one organiser must lie in scope; for writing,
// the host must. Otherwise NotFound, audited as a denial. One query reads the event, its
// troupe's name and whether the actor may see it.
func scopedEvent(ctx context.Context, q querier, a *guangong.Actor, id string, write bool, what string) (*guangong.Event, error) {
	var args args
	scope := "1"
	switch {
	case a.System:
	case write: // the host in scope
		scope = `(SELECT COUNT(*) FROM org_closure c WHERE c.ancestor_id = ` + args.add(a.OrgID) + ` AND c.descendant_id = e.org_id)`
	default: // an organiser in scope
		// CROSS JOIN: SQLite reads the event's one or two organisers first and looks each up
		// in the closure, rather than every committee of a county's scope (the planner's
		// choice without statistics); PostgreSQL plans it as any join.
		scope = `(SELECT COUNT(*) FROM event_orgs eo CROSS JOIN org_closure c
			WHERE eo.event_id = e.id AND c.descendant_id = eo.org_id AND c.ancestor_id = ` + args.add(a.OrgID) + `)`
	}
	var visible int
	var troupe *string
	e, err := scanEventWith(q.QueryRowContext(ctx, `SELECT `+eventCols+`, `+scope+`, t.name`+eventFrom+`
		LEFT JOIN troupes t ON t.id = e.troupe_id WHERE e.id = `+args.add(id), args...), &visible, &troupe)
	if noRows(err) {
		return nil, missing(eventNotFound(), objEvent, id, what)
	} else if err != nil {
		return nil, err
	}
	if visible == 0 {
		return nil, &denial{err: eventNotFound(), objectType: objEvent, objectID: id, orgID: e.OrgID, detail: what + ": outside scope"}
	}
	if troupe != nil {
		e.TroupeName = *troupe
	}
	return e, nil
}

// eventDetails fills the organisers, volunteers, youths (masked as the actor must see
// them) and attachments of e, in one query. (scopedEvent read the troupe's name.)
func eventDetails(ctx context.Context, q querier, a *guangong.Actor, e *guangong.Event) error {
	var args args
	id := args.add(e.ID)
	inScope := "1"
	if !a.System {
		inScope = `(SELECT COUNT(*) FROM org_closure c WHERE c.ancestor_id = ` + args.add(a.OrgID) + ` AND c.descendant_id = y.org_id)`
	}
	depth := map[string]int{}
	e.Orgs = []guangong.EventOrg{{ID: e.OrgID, Name: e.OrgName, Host: true}}
	e.Volunteers, e.Youths, e.Attachments = []guangong.EventVolunteer{}, []guangong.EventYouth{}, []*guangong.Attachment{}
	err := eachRow(ctx, q, `SELECT 'o', o.id, o.name, o.depth, '', '', '', '' FROM event_orgs eo
			JOIN orgs o ON o.id = eo.org_id WHERE eo.event_id = `+id+`
		UNION ALL SELECT 'v', v.id, v.name, 0, ev.role, '', '', '' FROM event_volunteers ev
			JOIN volunteers v ON v.id = ev.volunteer_id WHERE ev.event_id = `+id+`
		UNION ALL SELECT 'y', y.id, y.name, `+inScope+`, '', '', '', '' FROM event_youths ey
			JOIN youths y ON y.id = ey.youth_id WHERE ey.event_id = `+id+`
		UNION ALL SELECT 'a', id, name, size, mime, sha256, created_by, created_at FROM attachments WHERE event_id = `+id,
		args, func(s scanner) error {
			var kind, rowID, name, t1, t2, t3, t4 string
			var n int64
			if err := s.Scan(&kind, &rowID, &name, &n, &t1, &t2, &t3, &t4); err != nil {
				return err
			}
			switch kind {
			case "o":
				if rowID != e.OrgID {
					e.Orgs = append(e.Orgs, guangong.EventOrg{ID: rowID, Name: name})
					depth[rowID] = int(n)
				}
			case "v":
				e.Volunteers = append(e.Volunteers, guangong.EventVolunteer{VolunteerID: rowID, Name: name, Role: t1})
			case "y":
				e.Youths = append(e.Youths, guangong.EventYouth{YouthID: rowID, Name: youthNameFor(a, name, n > 0)})
			case "a":
				t := &guangong.Attachment{ID: rowID, EventID: e.ID, Name: name, Size: int(n), MIME: t1, SHA256: t2, CreatedBy: t3}
				if err := (timeCol{&t.CreatedAt}).Scan(t4); err != nil {
					return err
				}
				e.Attachments = append(e.Attachments, t)
			}
			return nil
		})
	if err != nil {
		return err
	}
	sortLinks(e, depth)
	return nil
}

// youthNameFor is a linked youth's name as a shows it: in full only to an account with
// 未成年人信息 access within whose scope the youth is (visible).
func youthNameFor(a *guangong.Actor, name string, visible bool) string {
	if !a.System && (!a.MinorAccess || !visible) {
		return guangong.MaskName(name)
	}
	return name
}

// sortLinks orders an event's co-organisers (by level, name, id; depth gives each one's
// level), volunteers (by name, id) and youths (by id), and sets the id lists to match. A
// write's answer and a read both use it, so both show one order whatever the database's
// collation.
func sortLinks(e *guangong.Event, depth map[string]int) {
	co := e.Orgs[1:]
	slices.SortFunc(co, func(x, y guangong.EventOrg) int {
		return cmp.Or(cmp.Compare(depth[x.ID], depth[y.ID]), strings.Compare(x.Name, y.Name), strings.Compare(x.ID, y.ID))
	})
	slices.SortFunc(e.Volunteers, func(x, y guangong.EventVolunteer) int {
		return cmp.Or(strings.Compare(x.Name, y.Name), strings.Compare(x.VolunteerID, y.VolunteerID))
	})
	slices.SortFunc(e.Youths, func(x, y guangong.EventYouth) int { return strings.Compare(x.YouthID, y.YouthID) })
	slices.SortFunc(e.Attachments, func(x, y *guangong.Attachment) int {
		return cmp.Or(x.CreatedAt.Compare(y.CreatedAt), strings.Compare(x.ID, y.ID))
	})
	e.CoOrgIDs, e.VolunteerIDs, e.YouthIDs = []string{}, []string{}, []string{}
	for _, o := range co {
		e.CoOrgIDs = append(e.CoOrgIDs, o.ID)
	}
	for _, v := range e.Volunteers {
		e.VolunteerIDs = append(e.VolunteerIDs, v.VolunteerID)
	}
	for _, y := range e.Youths {
		e.YouthIDs = append(e.YouthIDs, y.YouthID)
	}
}

// FindEventByID returns an event with its organisers, people and attachments.
func (db *DB) FindEventByID(ctx context.Context, a *guangong.Actor, id string) (*guangong.Event, error) {
	var e *guangong.Event
	err := db.read(ctx, a, func(q querier) error {
		if err := canRead(a, objEvent, id, "read event"); err != nil {
			return err
		}
		var err error
		if e, err = scopedEvent(ctx, q, a, id, false, "read event"); err != nil {
			return err
		}
		return eventDetails(ctx, q, a, e)
	})
	return e, err
}

// eventOrgsIn checks that every organiser exists, is active and lies in scope.
func eventOrgsIn(ctx context.Context, q querier, a *guangong.Actor, e *guangong.Event) (orgs []guangong.EventOrg, depth map[string]int, err error) {
	host, err := recordOrg(ctx, q, a, "orgId", e.OrgID)
	if err != nil {
		return nil, nil, err
	}
	orgs, depth = []guangong.EventOrg{{ID: host.ID, Name: host.Name, Host: true}}, map[string]int{}
	for _, id := range e.CoOrgIDs {
		o, err := loadOrg(ctx, q, id)
		bad := fieldErr("coOrgIds", "协办组织不存在或不在您的管辖范围内", "A co-organiser does not exist or lies outside your scope")
		if guangong.ErrorCode(err) == guangong.ENOTFOUND {
			return nil, nil, missing(bad, objOrg, id, "event co-organiser")
		} else if err != nil {
			return nil, nil, err
		}
		if ok, err := inScope(ctx, q, a, id); err != nil {
			return nil, nil, err
		} else if !ok {
			return nil, nil, &denial{err: bad, objectType: objOrg, objectID: id, orgID: id, detail: "event co-organiser outside scope"}
		}
		if o.Status != guangong.OrgActive {
			return nil, nil, fieldErr("coOrgIds", "协办组织“"+o.Name+"”已撤销", "The co-organiser "+o.Name+" is dissolved")
		}
		orgs, depth[o.ID] = append(orgs, guangong.EventOrg{ID: o.ID, Name: o.Name}), o.Depth
	}
	return orgs, depth, nil
}

// peopleIn checks in one query that each of ids (volunteers or youths) exists, is not
// merged and lies in scope; ids in keep (already linked) need only exist.
func peopleIn(ctx context.Context, q querier, a *guangong.Actor, table, field string, ids, keep []string) (map[string]linked, error) {
	names := map[string]linked{}
	if len(ids) == 0 {
		return names, nil
	}
	var args args
	scope := "1"
	if !a.System {
		scope = `(SELECT COUNT(*) FROM org_closure c WHERE c.ancestor_id = ` + args.add(a.OrgID) + ` AND c.descendant_id = p.org_id)`
	}
	rows, err := q.QueryContext(ctx, `SELECT p.id, p.name, p.merged_into, p.org_id, `+scope+` FROM `+table+` p WHERE p.id IN `+
		inList(ids, &args), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	type person struct {
		name, merged, org string
		visible           int
	}
	found := map[string]person{}
	for rows.Next() {
		var id string
		var p person
		if err := rows.Scan(&id, &p.name, &p.merged, &p.org, &p.visible); err != nil {
			return nil, err
		}
		found[id] = p
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	zh, en := "所选志愿者不存在或不在您的管辖范围内", "A volunteer chosen does not exist or lies outside your scope"
	obj := objVolunteer
	if table == "youths" {
		zh, en, obj = "所选青少年不存在或不在您的管辖范围内", "A youth chosen does not exist or lies outside your scope", objYouth
	}
	for _, id := range ids {
		p, ok := found[id]
		if !ok {
			return nil, missing(fieldErr(field, zh, en), obj, id, "event link")
		}
		if slices.Contains(keep, id) {
			names[id] = linked{p.name, p.visible > 0}
			continue
		}
		if p.visible == 0 {
			return nil, &denial{err: fieldErr(field, zh, en), objectType: obj, objectID: id, orgID: p.org, detail: "event link outside scope"}
		}
		if p.merged != "" {
			return nil, fieldErr(field, "所选人员记录已合并，请选择合并后的记录", "A person chosen was merged; choose the surviving record")
		}
		names[id] = linked{p.name, true}
	}
	return names, nil
}

// linked is a person an event names: their name, and whether they lie in the writer's scope.
type linked struct {
	name    string
	visible bool
}

// ruleFor is the rule in force for orgID's own events: the nearest strict ancestor's, or nil.
func ruleFor(ctx context.Context, q querier, orgID string) (*guangong.LargeRule, error) {
	r := &guangong.LargeRule{}
	err := q.QueryRowContext(ctx, `SELECT r.org_id, r.meeting_min, r.activity_min FROM org_closure c
		JOIN large_rules r ON r.org_id = c.ancestor_id WHERE c.descendant_id = $1 AND c.depth > 0
		ORDER BY c.depth LIMIT 1`, orgID).Scan(&r.OrgID, &r.MeetingMin, &r.ActivityMin)
	if noRows(err) {
		return nil, nil
	}
	return r, err
}

// checkEventRefs checks everything e points at and fills the computed fields; old is the
// stored event on an edit (nil on creation).
func (db *DB) checkEventRefs(ctx context.Context, tx *Tx, a *guangong.Actor, e, old *guangong.Event) error {
	orgs, depth, err := eventOrgsIn(ctx, tx, a, e)
	if err != nil {
		return err
	}
	e.OrgName, e.Orgs = orgs[0].Name, orgs
	var keepV, keepY []string
	if old != nil {
		keepV, keepY = old.VolunteerIDs, old.YouthIDs
	}
	volunteers, err := peopleIn(ctx, tx, a, "volunteers", "volunteerIds", e.VolunteerIDs, keepV)
	if err != nil {
		return err
	}
	youths, err := peopleIn(ctx, tx, a, "youths", "youthIds", e.YouthIDs, keepY)
	if err != nil {
		return err
	}
	// What a read shows of the links, so that a write answers without reading them back.
	e.Volunteers, e.Youths = []guangong.EventVolunteer{}, []guangong.EventYouth{}
	for _, id := range e.VolunteerIDs {
		e.Volunteers = append(e.Volunteers, guangong.EventVolunteer{VolunteerID: id, Name: volunteers[id].name})
	}
	for _, id := range e.YouthIDs {
		y := youths[id]
		e.Youths = append(e.Youths, guangong.EventYouth{YouthID: id, Name: youthNameFor(a, y.name, y.visible)})
	}
	sortLinks(e, depth)
	if e.TroupeID != "" && (old == nil || old.TroupeID != e.TroupeID) {
		t, err := scopedTroupe(ctx, tx, a, e.TroupeID, tx.today(), "link troupe")
		if guangong.ErrorCode(err) == guangong.ENOTFOUND { // the denial, audited, answered on the field
			return reanswered(err, fieldErr("troupeId", "文艺队不存在或不在您的管辖范围内", "The troupe does not exist or lies outside your scope"))
		} else if err != nil {
			return err
		}
		e.TroupeName = t.Name
	}
	if e.PlanItemID != "" && (old == nil || old.PlanItemID != e.PlanItemID) {
		var org string
		bad := fieldErr("planItemId", "计划事项不存在或不在您的管辖范围内", "The plan item does not exist or lies outside your scope")
		err := tx.QueryRowContext(ctx, `SELECT org_id FROM plan_items WHERE id = $1`, e.PlanItemID).Scan(&org)
		if noRows(err) {
			return missing(bad, objPlanItem, e.PlanItemID, "link plan item")
		} else if err != nil {
			return err
		}
		if ok, err := inScope(ctx, tx, a, org); err != nil {
			return err
		} else if !ok {
			return &denial{err: bad, objectType: objPlanItem, objectID: e.PlanItemID, orgID: org, detail: "link plan item: outside scope"}
		}
	}
	// As stored: UTC to the microsecond.
	e.StartsAt, e.EndsAt = e.StartsAt.UTC().Truncate(time.Microsecond), e.EndsAt.UTC().Truncate(time.Microsecond)
	e.StartsOn = e.StartsAt.In(guangong.Shanghai).Format(guangong.DateLayout)
	e.Headcount = e.ComputeHeadcount()
	rule, err := ruleFor(ctx, tx, e.OrgID)
	if err != nil {
		return err
	}
	e.Large = e.IsLarge(rule)
	return nil
}

// eventFields lists the audited fields of an event.
func eventFields(e *guangong.Event) [][2]string {
	return [][2]string{{"type", e.Type}, {"orgId", e.OrgID}, {"coOrgIds", strings.Join(e.CoOrgIDs, ",")},
		{"kind", e.Kind}, {"category", e.Category}, {"subcategory", e.Subcategory}, {"title", e.Title},
		{"startsAt", fmtTime(e.StartsAt)}, {"endsAt", fmtTime(e.EndsAt)}, {"place", e.Place}, {"host", e.Host},
		{"agenda", e.Agenda}, {"minutes", e.Minutes}, {"decisions", e.Decisions}, {"outcome", e.Outcome},
		{"status", e.Status}, {"scale", e.Scale}, {"large", boolText(e.Large)}, {"troupeId", e.TroupeID},
		{"volunteerIds", strings.Join(e.VolunteerIDs, ",")}, {"youthIds", strings.Join(e.YouthIDs, ",")},
		{"youthsServed", itoa(e.YouthsServed)}, {"othersCount", itoa(e.OthersCount)}, {"audience", itoa(e.Audience)},
		{"headcount", itoa(e.Headcount)}, {"planItemId", e.PlanItemID}}
}

// writeEventLinks replaces the organisers, volunteers and youths of e.
func writeEventLinks(ctx context.Context, tx *Tx, e *guangong.Event, replace bool) error {
	if replace {
		for _, table := range []string{"event_orgs", "event_volunteers", "event_youths"} {
			if _, err := tx.ExecContext(ctx, `DELETE FROM `+table+` WHERE event_id = $1`, e.ID); err != nil {
				return err
			}
		}
	}
	orgs := append([]string{e.OrgID}, e.CoOrgIDs...)
	if err := insertRows(ctx, tx, `INSERT INTO event_orgs (event_id, org_id, starts_on, starts_at) VALUES `, 4, len(orgs),
		func(i int, a []any) []any { return append(a, e.ID, orgs[i], e.StartsOn, fmtTime(e.StartsAt)) }); err != nil {
		return err
	}
	if err := insertRows(ctx, tx, `INSERT INTO event_volunteers (event_id, volunteer_id, role) VALUES `, 3, len(e.VolunteerIDs),
		func(i int, a []any) []any { return append(a, e.ID, e.VolunteerIDs[i], "") }); err != nil {
		return err
	}
	return insertRows(ctx, tx, `INSERT INTO event_youths (event_id, youth_id) VALUES `, 2, len(e.YouthIDs),
		func(i int, a []any) []any { return append(a, e.ID, e.YouthIDs[i]) })
}

// checkFiles checks every upload before anything is written.
func checkFiles(files []guangong.Upload) ([]guangong.Upload, []string, error) {
	if len(files) > guangong.MaxAttachments {
		return nil, nil, fieldErr("file", "一次最多上传"+itoa(guangong.MaxAttachments)+"个文件",
			"At most "+itoa(guangong.MaxAttachments)+" files at once")
	}
	clean := make([]guangong.Upload, len(files))
	mimes := make([]string, len(files))
	for i, f := range files {
		name, mime, err := guangong.CheckAttachment(f.Name, f.Data)
		if err != nil {
			return nil, nil, err
		}
		clean[i], mimes[i] = guangong.Upload{Name: name, Data: f.Data}, mime
	}
	return clean, mimes, nil
}

// CreateEvent records a meeting or an activity.
func (db *DB) CreateEvent(ctx context.Context, a *guangong.Actor, e *guangong.Event) error {
	return db.CreateEventWithFiles(ctx, a, e, nil)
}

// CreateEventWithFiles records an event and its attachments in one transaction: a bad
// file saves nothing, the event neither.
func (db *DB) CreateEventWithFiles(ctx context.Context, a *guangong.Actor, e *guangong.Event, files []guangong.Upload) error {
	err := db.write(ctx, a, func(tx *Tx) error {
		if err := canWrite(a, objEvent, "", e.OrgID, "create event"); err != nil {
			return err
		}
		e.Normalize()
		verr := e.Validate(tx.now)
		clean, mimes, ferr := checkFiles(files)
		if verr != nil || ferr != nil {
			return joinFieldErrors(verr, ferr)
		}
		if err := db.checkEventRefs(ctx, tx, a, e, nil); err != nil {
			return err
		}
		if err := tx.insertEvent(a, e, ""); err != nil {
			return err
		}
		e.Attachments = []*guangong.Attachment{}
		for i, f := range clean {
			t, err := tx.insertAttachment(a, e, f, mimes[i])
			if err != nil {
				return err
			}
			e.Attachments = append(e.Attachments, t)
		}
		return nil
	})
	if err != nil {
		e.ID = ""
	}
	return err
}

// insertEvent writes a new event checked by checkEventRefs, its organisers and people,
// and its audit entry (detail: "" or why, such as "import").
func (tx *Tx) insertEvent(a *guangong.Actor, e *guangong.Event, detail string) error {
	ctx := tx.ctx
	e.ID, e.Version, e.CreatedAt, e.UpdatedAt = guangong.NewID(), 1, tx.now, tx.now
	now := fmtTime(tx.now)
	if err := tx.aroundNewEvent(e.ID, e.PlanItemID, func() error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO events (id, type, org_id, kind, category, subcategory, title,
		starts_at, ends_at, starts_on, place, host, agenda, minutes, decisions, outcome, status, scale, large,
		troupe_id, youths_served, others_count, audience, headcount, plan_item_id, version, created_at, updated_at)
		VALUES `+placeholders(28), e.ID, e.Type, e.OrgID, e.Kind, e.Category, e.Subcategory, e.Title,
			fmtTime(e.StartsAt), fmtTime(e.EndsAt), e.StartsOn, e.Place, e.Host, e.Agenda, e.Minutes, e.Decisions,
			e.Outcome, e.Status, e.Scale, e.Large, e.TroupeID, e.YouthsServed, e.OthersCount, e.Audience, e.Headcount,
			e.PlanItemID, 1, now, now); err != nil {
			return err
		}
		return writeEventLinks(ctx, tx, e, false)
	}); err != nil {
		return err
	}
	return tx.audit(a, entry{action: guangong.ActionCreate, objectType: objEvent, objectID: e.ID, orgID: e.OrgID,
		changes: diff(nil, eventFields(e)), detail: detail})
}

// joinFieldErrors merges the field messages of two validation errors (either may be nil).
func joinFieldErrors(errs ...error) error {
	var v guangong.Validation
	for _, err := range errs {
		for f, m := range guangong.FieldErrors(err) {
			v.Add(f, m.Zh, m.En)
		}
	}
	return v.Err()
}

// UpdateEvent saves e over the stored event; e.Version must be the stored version.
func (db *DB) UpdateEvent(ctx context.Context, a *guangong.Actor, e *guangong.Event) error {
	return db.write(ctx, a, func(tx *Tx) error {
		if err := canWrite(a, objEvent, e.ID, e.OrgID, "update event"); err != nil {
			return err
		}
		old, err := scopedEvent(ctx, tx, a, e.ID, true, "update event")
		if err != nil {
			return err
		}
		if err := eventDetails(ctx, tx, a, old); err != nil {
			return err
		}
		if old.Version != e.Version {
			return guangong.Stale()
		}
		e.Normalize()
		if err := e.Validate(tx.now); err != nil {
			return err
		}
		if slices.Index(guangong.EventStatuses, e.Status) < slices.Index(guangong.EventStatuses, old.Status) {
			return fieldErr("status", "状态只能向前推进（计划 → 已举行 → 已归档）",
				"The status only moves forward (planned → held → recorded)")
		}
		if err := db.checkEventRefs(ctx, tx, a, e, old); err != nil {
			return err
		}
		changes := diff(eventFields(old), eventFields(e))
		e.CreatedAt, e.UpdatedAt, e.Attachments = old.CreatedAt, old.UpdatedAt, old.Attachments
		if len(changes) == 0 {
			return nil
		}
		if err := tx.aroundEvents([]string{e.ID}, []string{e.PlanItemID}, func() error {
			res, err := tx.ExecContext(ctx, `UPDATE events SET type = $1, org_id = $2, kind = $3, category = $4,
				subcategory = $5, title = $6, starts_at = $7, ends_at = $8, starts_on = $9, place = $10, host = $11,
				agenda = $12, minutes = $13, decisions = $14, outcome = $15, status = $16, scale = $17, large = $18,
				troupe_id = $19, youths_served = $20, others_count = $21, audience = $22, headcount = $23,
				plan_item_id = $24, version = version + 1, updated_at = $25 WHERE id = $26 AND version = $27`,
				e.Type, e.OrgID, e.Kind, e.Category, e.Subcategory, e.Title, fmtTime(e.StartsAt), fmtTime(e.EndsAt),
				e.StartsOn, e.Place, e.Host, e.Agenda, e.Minutes, e.Decisions, e.Outcome, e.Status, e.Scale, e.Large,
				e.TroupeID, e.YouthsServed, e.OthersCount, e.Audience, e.Headcount, e.PlanItemID, fmtTime(tx.now), e.ID, e.Version)
			if err != nil {
				return err
			}
			if err := oneRow(res); err != nil {
				return err
			}
			return writeEventLinks(ctx, tx, e, true)
		}); err != nil {
			return err
		}
		e.Version, e.UpdatedAt = e.Version+1, tx.now
		return tx.audit(a, entry{action: guangong.ActionUpdate, objectType: objEvent, objectID: e.ID, orgID: e.OrgID,
			changes: changes})
	})
}

// DeleteEvent removes an event and everything hung on it, in one transaction. Service hours
// naming it (even corrected or voided ones, which keep the trail) must go first.
func (db *DB) DeleteEvent(ctx context.Context, a *guangong.Actor, id string, version int) error {
	return db.write(ctx, a, func(tx *Tx) error {
		if err := canWrite(a, objEvent, id, "", "delete event"); err != nil {
			return err
		}
		e, err := scopedEvent(ctx, tx, a, id, true, "delete event")
		if err != nil {
			return err
		}
		if e.Version != version {
			return guangong.Stale()
		}
		var hours int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM service_hours WHERE event_id = $1`, id).Scan(&hours); err != nil {
			return err
		}
		if hours > 0 {
			return guangong.Errorf(guangong.ECONFLICT, "该活动已有%d条服务时长记录，不能删除；请更正或作废后保留原活动", "This activity has %d service-hours records and cannot be deleted; correct or void them and keep the activity", hours)
		}
		plans, err := collect(ctx, tx, `SELECT id FROM plan_items WHERE event_id = $1 AND event_id <> ''`, []any{id}, scanString)
		if err != nil {
			return err
		}
		if err := tx.aroundEvents([]string{id}, nil, func() error {
			for _, p := range plans {
				if _, err := tx.ExecContext(ctx, `UPDATE plan_items SET event_id = '', version = version + 1, updated_at = $1
					WHERE id = $2`, fmtTime(tx.now), p); err != nil {
					return err
				}
				if err := tx.audit(a, entry{action: guangong.ActionUpdate, objectType: objPlanItem, objectID: p, orgID: e.OrgID,
					changes: []guangong.Change{{Field: "eventId", Before: id}}, detail: "its event was deleted"}); err != nil {
					return err
				}
			}
			for _, table := range []string{"attachments", "event_youths", "event_volunteers", "event_orgs"} {
				if _, err := tx.ExecContext(ctx, `DELETE FROM `+table+` WHERE event_id = $1`, id); err != nil {
					return err
				}
			}
			res, err := tx.ExecContext(ctx, `DELETE FROM events WHERE id = $1 AND version = $2`, id, version)
			if err != nil {
				return err
			}
			return oneRow(res)
		}); err != nil {
			return err
		}
		return tx.audit(a, entry{action: guangong.ActionDelete, objectType: objEvent, objectID: id, orgID: e.OrgID,
			changes: removed(eventFields(e))})
	})
}
