package sqlstore

import (
	"context"
	"errors"
	"strings"

	"guangong"
)

// Object types of people in the trail.
const (
	objVolunteer  = "volunteer"
	objYouth      = "youth"
	objMembership = "membership"
	objPost       = "post"
	objBody       = "body"
	objBodyMember = "body_member"
	objImport     = "import"
)

const volunteerCols = `p.id, p.org_id, o.name, p.name, p.gender, p.birth_date, p.phone_enc, p.id_enc, p.category,
	p.former_unit, p.former_post, p.party_member, p.party_branch, p.skills, p.skills_other, p.health,
	p.availability, p.status, p.joined_date, p.consent_date, p.consent_note, p.notes, p.merged_into, p.import_id,
	p.version, p.created_at, p.updated_at`

const volunteerJoin = ` JOIN orgs o ON o.id = p.org_id`

func (db *DB) scanVolunteer(s scanner) (*guangong.Volunteer, error) {
	p := &guangong.Volunteer{}
	var phone, idn, skills string
	err := s.Scan(&p.ID, &p.OrgID, &p.OrgName, &p.Name, &p.Gender, &p.BirthDate, &phone, &idn, &p.Category,
		&p.FormerUnit, &p.FormerPost, &p.PartyMember, &p.PartyBranch, &skills, &p.SkillsOther, &p.Health,
		&p.Availability, &p.Status, &p.JoinedDate, &p.ConsentDate, &p.ConsentNote, &p.Notes, &p.MergedInto,
		&p.ImportID, &p.Version, timeCol{&p.CreatedAt}, timeCol{&p.UpdatedAt})
	if err != nil {
		return nil, err
	}
	p.Skills = splitList(skills)
	if p.Phone, err = db.openField("phone", phone); err != nil {
		return nil, err
	}
	if p.IDNumber, err = db.openField("idNumber", idn); err != nil {
		return nil, err
	}
	return p, nil
}

// splitList reads a comma-joined list; never nil, so JSON shows [].
func splitList(s string) []string {
	if s == "" {
		return []string{}
	}
	return strings.Split(s, ",")
}

func volunteerNotFound() error { return guangong.NotFound(guangong.VolunteerNoun) }

// scopedVolunteer reads volunteer id if its committee lies in scope; otherwise NotFound,
// audited as a denial.
func (db *DB) scopedVolunteer(ctx context.Context, q querier, a *guangong.Actor, id, what string) (*guangong.Volunteer, error) {
	p, err := db.scanVolunteer(q.QueryRowContext(ctx, `SELECT `+volunteerCols+` FROM volunteers p`+volunteerJoin+
		` WHERE p.id = $1`, id))
	if noRows(err) {
		return nil, missing(volunteerNotFound(), objVolunteer, id, what)
	} else if err != nil {
		return nil, err
	}
	if ok, err := inScope(ctx, q, a, p.OrgID); err != nil {
		return nil, err
	} else if !ok {
		return nil, &denial{err: volunteerNotFound(), objectType: objVolunteer, objectID: id, orgID: p.OrgID, detail: what + ": outside scope"}
	}
	return p, nil
}

// canRead and canWrite are the role checks of people, as denials.
func canRead(a *guangong.Actor, obj, id, what string) error {
	if !a.Can(guangong.Role.CanReadRecords) {
		return &denial{err: guangong.Forbidden(), objectType: obj, objectID: id, detail: what}
	}
	return nil
}

func canWrite(a *guangong.Actor, obj, id, orgID, what string) error {
	if !a.Can(guangong.Role.CanWriteRecords) {
		return &denial{err: guangong.Forbidden(), objectType: obj, objectID: id, orgID: orgID, detail: what}
	}
	return nil
}

// canWriteYouth is canWrite for a youth's record, which also needs 未成年人信息 access: an
// account that sees the record masked would write it blind, and an edit that changed nothing
// would tell it whether a guessed value was the stored one.
func canWriteYouth(a *guangong.Actor, id, orgID, what string) error {
	if err := canWrite(a, objYouth, id, orgID, what); err != nil {
		return err
	}
	if !a.System && !a.MinorAccess {
		return &denial{err: guangong.MinorAccessNeeded(), objectType: objYouth, objectID: id, orgID: orgID,
			detail: what + " without minors' access"}
	}
	return nil
}

// recordOrg checks the committee a record is put in: it exists, lies in scope (else it
// is reported as missing, and the attempt audited) and is active.
func recordOrg(ctx context.Context, q querier, a *guangong.Actor, field, id string) (*guangong.Org, error) {
	absent := fieldErr(field, "所属组织不存在", "The committee does not exist")
	if id == "" {
		return nil, fieldErr(field, "请选择所属组织", "Choose the committee")
	}
	o, err := loadOrg(ctx, q, id)
	if guangong.ErrorCode(err) == guangong.ENOTFOUND {
		return nil, missing(absent, objOrg, id, "record committee")
	} else if err != nil {
		return nil, err
	}
	if ok, err := inScope(ctx, q, a, id); err != nil {
		return nil, err
	} else if !ok {
		return nil, &denial{err: absent, objectType: objOrg, objectID: id, orgID: id, detail: "record committee outside scope"}
	}
	if o.Status != guangong.OrgActive {
		return nil, fieldErr(field, "所属组织已撤销", "The committee is dissolved")
	}
	return o, nil
}

// volunteerFields lists the audited plain fields; ID number and phone are added masked.
func volunteerFields(p *guangong.Volunteer) [][2]string {
	return [][2]string{{"orgId", p.OrgID}, {"name", p.Name}, {"gender", string(p.Gender)}, {"birthDate", p.BirthDate},
		{"category", string(p.Category)}, {"formerUnit", p.FormerUnit}, {"formerPost", p.FormerPost},
		{"partyMember", boolText(p.PartyMember)}, {"partyBranch", p.PartyBranch}, {"skills", strings.Join(p.Skills, ",")},
		{"skillsOther", p.SkillsOther}, {"health", p.Health}, {"availability", p.Availability}, {"status", p.Status},
		{"joinedDate", p.JoinedDate}, {"consentDate", p.ConsentDate}, {"consentNote", p.ConsentNote}, {"notes", p.Notes}}
}

func volunteerChanges(before, after *guangong.Volunteer) []guangong.Change {
	var b [][2]string
	var empty guangong.Volunteer
	if before != nil {
		b = volunteerFields(before)
	} else {
		before = &empty
	}
	changes := diff(b, volunteerFields(after))
	for _, c := range []*guangong.Change{
		sensitiveChange("idNumber", before.IDNumber, after.IDNumber, guangong.MaskIDNumber),
		sensitiveChange("phone", before.Phone, after.Phone, guangong.MaskPhone),
	} {
		if c != nil {
			changes = append(changes, *c)
		}
	}
	return changes
}

// sealedVolunteer is what a volunteer's sealed columns hold.
type sealedVolunteer struct{ phone, idn, idHash string }

func (db *DB) sealVolunteer(p *guangong.Volunteer) (s sealedVolunteer, err error) {
	if s.phone, err = db.sealField("phone", p.Phone); err != nil {
		return s, err
	}
	if s.idn, err = db.sealField("idNumber", p.IDNumber); err != nil {
		return s, err
	}
	s.idHash, err = db.idHash("idNumber", p.IDNumber)
	return s, err
}

const volunteerInsert = `INSERT INTO volunteers (id, org_id, name, gender, birth_date, phone_enc, id_enc, id_hash,
	category, former_unit, former_post, party_member, party_branch, skills, skills_other, health, availability,
	status, joined_date, consent_date, consent_note, notes, merged_into, import_id, version, created_at, updated_at) VALUES `

const volunteerWidth = 27

func volunteerValues(a []any, p *guangong.Volunteer, s sealedVolunteer, now string) []any {
	return append(a, p.ID, p.OrgID, p.Name, string(p.Gender), p.BirthDate, s.phone, s.idn, s.idHash,
		string(p.Category), p.FormerUnit, p.FormerPost, p.PartyMember, p.PartyBranch, strings.Join(p.Skills, ","),
		p.SkillsOther, p.Health, p.Availability, p.Status, p.JoinedDate, p.ConsentDate, p.ConsentNote, p.Notes,
		"", p.ImportID, 1, now, now)
}

// FindVolunteerByID returns volunteer id if it lies in scope (merged records included, so
// a link to one still opens and shows where it went).
func (db *DB) FindVolunteerByID(ctx context.Context, a *guangong.Actor, id string) (*guangong.Volunteer, error) {
	var p *guangong.Volunteer
	err := db.read(ctx, a, func(q querier) error {
		if err := canRead(a, objVolunteer, id, "read volunteer"); err != nil {
			return err
		}
		var err error
		p, err = db.scopedVolunteer(ctx, q, a, id, "read volunteer")
		return err
	})
	return p, err
}

// FindVolunteers lists volunteers in scope by name, with the total for paging.
func (db *DB) FindVolunteers(ctx context.Context, a *guangong.Actor, f guangong.PersonFilter) ([]*guangong.Volunteer, int, error) {
	var list []*guangong.Volunteer
	var total int
	err := db.read(ctx, a, func(q querier) error {
		if err := canRead(a, objVolunteer, "", "list volunteers"); err != nil {
			return err
		}
		pq, err := newPersonQuery(ctx, q, a, "volunteers", gramVolunteer, f, todayShanghai(db.now()))
		if err != nil {
			return err
		}
		if f.Category != nil && *f.Category != "" {
			pq.conds = append(pq.conds, `p.category = `+pq.args.add(*f.Category))
		}
		if f.PartyMember != nil {
			pq.conds = append(pq.conds, `p.party_member = `+pq.args.add(*f.PartyMember))
		}
		if f.Status != nil && *f.Status != "" {
			pq.conds = append(pq.conds, `p.status = `+pq.args.add(*f.Status))
		}
		w := where(pq.conds)
		if err := countInto(ctx, q, f.Page, &total, pq.count(w), pq.args...); err != nil {
			return err
		}
		rows, err := q.QueryContext(ctx, `SELECT `+volunteerCols+pq.from+volunteerJoin+w+pq.order()+limit(f.Page.Normalize()), pq.args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		list = []*guangong.Volunteer{}
		for rows.Next() {
			p, err := db.scanVolunteer(rows)
			if err != nil {
				return err
			}
			list = append(list, p)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, 0, err
	}
	return list, total, nil
}

// CreateVolunteer registers a volunteer in a committee within scope.
func (db *DB) CreateVolunteer(ctx context.Context, a *guangong.Actor, p *guangong.Volunteer) error {
	err := db.write(ctx, a, func(tx *Tx) error {
		if err := canWrite(a, objVolunteer, "", p.OrgID, "create volunteer"); err != nil {
			return err
		}
		p.Normalize()
		if err := p.Validate(tx.now); err != nil {
			return err
		}
		o, err := recordOrg(ctx, tx, a, "orgId", p.OrgID)
		if err != nil {
			return err
		}
		s, err := db.sealVolunteer(p)
		if err != nil {
			return err
		}
		p.ID, p.OrgName, p.MergedInto, p.Version, p.CreatedAt, p.UpdatedAt = guangong.NewID(), o.Name, "", 1, tx.now, tx.now
		if p.Skills == nil {
			p.Skills = []string{}
		}
		if _, err := tx.ExecContext(ctx, volunteerInsert+placeholders(volunteerWidth),
			volunteerValues(nil, p, s, fmtTime(tx.now))...); err != nil {
			return err
		}
		if err := tx.setGrams(ctx, gramVolunteer, p.ID, "", p.Name); err != nil {
			return err
		}
		return tx.audit(a, entry{action: guangong.ActionCreate, objectType: objVolunteer, objectID: p.ID, orgID: p.OrgID,
			changes: volunteerChanges(nil, p)})
	})
	if err != nil {
		p.ID = ""
	}
	return err
}

// placeholders is "($1, …, $n)".
func placeholders(n int) string {
	var sb strings.Builder
	sb.WriteByte('(')
	for i := 1; i <= n; i++ {
		if i > 1 {
			sb.WriteString(", ")
		}
		sb.WriteString("$" + itoa(i))
	}
	sb.WriteByte(')')
	return sb.String()
}

// UpdateVolunteer saves p over the stored record; p.Version must be the stored version.
func (db *DB) UpdateVolunteer(ctx context.Context, a *guangong.Actor, p *guangong.Volunteer) error {
	return db.write(ctx, a, func(tx *Tx) error {
		if err := canWrite(a, objVolunteer, p.ID, p.OrgID, "update volunteer"); err != nil {
			return err
		}
		old, err := db.scopedVolunteer(ctx, tx, a, p.ID, "update volunteer")
		if err != nil {
			return err
		}
		if old.MergedInto != "" {
			return mergedErr()
		}
		if old.Version != p.Version {
			return guangong.Stale()
		}
		p.Normalize()
		if err := p.Validate(tx.now); err != nil {
			return err
		}
		p.OrgName = old.OrgName
		if p.OrgID != old.OrgID {
			o, err := recordOrg(ctx, tx, a, "orgId", p.OrgID)
			if err != nil {
				return err
			}
			p.OrgName = o.Name
		}
		if p.Skills == nil {
			p.Skills = []string{}
		}
		changes := volunteerChanges(old, p)
		p.MergedInto, p.CreatedAt, p.UpdatedAt = "", old.CreatedAt, old.UpdatedAt
		if len(changes) == 0 {
			return nil
		}
		s, err := db.sealVolunteer(p)
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE volunteers SET org_id = $1, name = $2, gender = $3, birth_date = $4,
			phone_enc = $5, id_enc = $6, id_hash = $7, category = $8, former_unit = $9, former_post = $10,
			party_member = $11, party_branch = $12, skills = $13, skills_other = $14, health = $15, availability = $16,
			status = $17, joined_date = $18, consent_date = $19, consent_note = $20, notes = $21,
			version = version + 1, updated_at = $22 WHERE id = $23 AND version = $24`,
			p.OrgID, p.Name, string(p.Gender), p.BirthDate, s.phone, s.idn, s.idHash, string(p.Category), p.FormerUnit,
			p.FormerPost, p.PartyMember, p.PartyBranch, strings.Join(p.Skills, ","), p.SkillsOther, p.Health,
			p.Availability, p.Status, p.JoinedDate, p.ConsentDate, p.ConsentNote, p.Notes, fmtTime(tx.now), p.ID, p.Version)
		if err != nil {
			return err
		}
		if err := oneRow(res); err != nil {
			return err
		}
		if p.Name != old.Name {
			if err := tx.setGrams(ctx, gramVolunteer, p.ID, old.Name, p.Name); err != nil {
				return err
			}
		}
		p.Version, p.UpdatedAt = p.Version+1, tx.now
		return tx.audit(a, entry{action: guangong.ActionUpdate, objectType: objVolunteer, objectID: p.ID, orgID: p.OrgID,
			changes: changes})
	})
}

func mergedErr() error {
	return guangong.Errorf(guangong.EINVALID, "该记录已合并到另一条记录，不能再修改", "This record was merged into another and cannot be changed")
}

// MergeVolunteers folds drop into keep in one transaction: drop's memberships, posts and
// body seats move to keep, drop is marked merged into keep (never deleted; its status and
// trail stay), and both records get an audit entry.
func (db *DB) MergeVolunteers(ctx context.Context, a *guangong.Actor, keepID, dropID string) error {
	return db.write(ctx, a, func(tx *Tx) error {
		if err := canWrite(a, objVolunteer, dropID, "", "merge volunteers"); err != nil {
			return err
		}
		if keepID == dropID {
			return fieldErr("dropId", "不能把记录合并到自身", "A record cannot be merged into itself")
		}
		keep, err := db.scopedVolunteer(ctx, tx, a, keepID, "merge volunteers")
		if err != nil {
			return err
		}
		drop, err := db.scopedVolunteer(ctx, tx, a, dropID, "merge volunteers")
		if err != nil {
			return err
		}
		if keep.MergedInto != "" || drop.MergedInto != "" {
			return mergedErr()
		}
		// One current post per committee: two current seats on one committee cannot become one person's.
		var clash int
		today := todayShanghai(tx.now).Format(guangong.DateLayout)
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM posts k JOIN posts d ON d.org_id = k.org_id
			WHERE k.volunteer_id = $1 AND d.volunteer_id = $2 AND (k.to_date = '' OR k.to_date > $3)
			AND (d.to_date = '' OR d.to_date > $3)`, keepID, dropID, today).Scan(&clash); err != nil {
			return err
		}
		if clash > 0 {
			return guangong.Errorf(guangong.EINVALID, "两条记录在同一组织都有现任职务，请先结束其中一项职务再合并",
				"Both records hold a current post on the same committee; end one before merging")
		}
		moved := 0
		// A moved membership or post is a new version: an end made against the old one is stale.
		for _, set := range []string{"memberships SET version = version + 1,", "posts SET version = version + 1,", "body_members SET"} {
			res, err := tx.ExecContext(ctx, `UPDATE `+set+` volunteer_id = $1 WHERE volunteer_id = $2`, keepID, dropID)
			if err != nil {
				return err
			}
			n, _ := res.RowsAffected()
			moved += int(n)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE volunteers SET merged_into = $1, version = version + 1, updated_at = $2
			WHERE id = $3`, keepID, fmtTime(tx.now), dropID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE volunteers SET version = version + 1, updated_at = $1 WHERE id = $2`,
			fmtTime(tx.now), keepID); err != nil {
			return err
		}
		if err := tx.audit(a, entry{action: guangong.ActionUpdate, objectType: objVolunteer, objectID: dropID, orgID: drop.OrgID,
			changes: []guangong.Change{{Field: "mergedInto", After: keepID}}, detail: "merged into " + keepID}); err != nil {
			return err
		}
		return tx.audit(a, entry{action: guangong.ActionUpdate, objectType: objVolunteer, objectID: keepID, orgID: keep.OrgID,
			detail: "merged " + dropID + " (" + itoa(moved) + " memberships, posts and body seats moved)"})
	})
}

// volunteerIn checks that a volunteer exists, lies in scope and is not merged.
func (db *DB) volunteerIn(ctx context.Context, q querier, a *guangong.Actor, field, id, what string) (*guangong.Volunteer, error) {
	if id == "" {
		return nil, fieldErr(field, "请选择人员", "Choose the person")
	}
	p, err := db.scopedVolunteer(ctx, q, a, id, what)
	if code := guangong.ErrorCode(err); code == guangong.ENOTFOUND {
		var d *denial
		if errors.As(err, &d) {
			d.err = fieldErr(field, "人员不存在", "The person does not exist")
			return nil, d
		}
		return nil, fieldErr(field, "人员不存在", "The person does not exist")
	} else if err != nil {
		return nil, err
	}
	if p.MergedInto != "" {
		return nil, fieldErr(field, "该人员记录已合并，请选择合并后的记录", "This record was merged; choose the surviving one")
	}
	return p, nil
}
