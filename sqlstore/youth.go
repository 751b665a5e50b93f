package sqlstore

import (
	"context"
	"strings"
	"unicode/utf8"

	"guangong"
)

// Youths are minors' personal information. Every read path below masks the record for an
// actor without MinorAccess, here in the store, so no caller can forget; such an actor
// cannot search by name either. ID numbers and guardians' phones are sealed at rest; the
// trail records names and numbers only masked, and of the free text (notes and the like)
// only that it changed.

const youthCols = `p.id, p.org_id, o.name, p.name, p.gender, p.birth_date, p.id_enc, p.school, p.grade,
	p.guardian_name, p.guardian_relation, p.guardian_phone_enc, p.parents_work, p.categories, p.needs, p.notes,
	p.consent_by, p.consent_relation, p.consent_date, p.consent_purpose, p.merged_into, p.import_id, p.version,
	p.created_at, p.updated_at`

func (db *DB) scanYouth(s scanner) (*guangong.Youth, error) {
	y := &guangong.Youth{}
	var idn, phone, cats string
	err := s.Scan(&y.ID, &y.OrgID, &y.OrgName, &y.Name, &y.Gender, &y.BirthDate, &idn, &y.School, &y.Grade,
		&y.GuardianName, &y.GuardianRelation, &phone, &y.ParentsWork, &cats, &y.Needs, &y.Notes,
		&y.ConsentBy, &y.ConsentRelation, &y.ConsentDate, &y.ConsentPurpose, &y.MergedInto, &y.ImportID, &y.Version,
		timeCol{&y.CreatedAt}, timeCol{&y.UpdatedAt})
	if err != nil {
		return nil, err
	}
	y.Categories = splitList(cats)
	if y.IDNumber, err = db.openField("idNumber", idn); err != nil {
		return nil, err
	}
	if y.GuardianPhone, err = db.openField("guardianPhone", phone); err != nil {
		return nil, err
	}
	return y, nil
}

func youthNotFound() error { return guangong.NotFound(guangong.YouthNoun) }

// loadScopedYouth reads youth id, unmasked, if it lies in scope; callers mask before returning.
func (db *DB) loadScopedYouth(ctx context.Context, q querier, a *guangong.Actor, id, what string) (*guangong.Youth, error) {
	y, err := db.scanYouth(q.QueryRowContext(ctx, `SELECT `+youthCols+` FROM youths p`+volunteerJoin+` WHERE p.id = $1`, id))
	if noRows(err) {
		return nil, missing(youthNotFound(), objYouth, id, what)
	} else if err != nil {
		return nil, err
	}
	if ok, err := inScope(ctx, q, a, y.OrgID); err != nil {
		return nil, err
	} else if !ok {
		return nil, &denial{err: youthNotFound(), objectType: objYouth, objectID: id, orgID: y.OrgID, detail: what + ": outside scope"}
	}
	return y, nil
}

// maskFor masks y (names, numbers, free text; see guangong.Youth.Mask) unless the actor
// may see minors' data.
func maskFor(a *guangong.Actor, y *guangong.Youth) {
	if !a.System && !a.MinorAccess {
		y.Mask()
	}
}

// youthFields are the fields the trail records as they are: none is free text.
func youthFields(y *guangong.Youth) [][2]string {
	return [][2]string{{"orgId", y.OrgID}, {"gender", string(y.Gender)}, {"birthDate", y.BirthDate},
		{"categories", strings.Join(y.Categories, ",")}, {"consentDate", y.ConsentDate}}
}

func youthChanges(before, after *guangong.Youth) []guangong.Change {
	var b [][2]string
	var empty guangong.Youth
	if before != nil {
		b = youthFields(before)
	} else {
		before = &empty
	}
	changes := diff(b, youthFields(after))
	for _, c := range []*guangong.Change{
		sensitiveChange("name", before.Name, after.Name, guangong.MaskName),
		sensitiveChange("idNumber", before.IDNumber, after.IDNumber, guangong.MaskIDNumber),
		sensitiveChange("guardianName", before.GuardianName, after.GuardianName, guangong.MaskName),
		sensitiveChange("guardianPhone", before.GuardianPhone, after.GuardianPhone, guangong.MaskPhone),
		sensitiveChange("consentBy", before.ConsentBy, after.ConsentBy, guangong.MaskName),
	} {
		if c != nil {
			changes = append(changes, *c)
		}
	}
	// Free text may hold anything (an address in the notes), and the auditor never has
	// 未成年人信息 access: the trail records that it changed, never its text.
	was, now := before.FreeText(), after.FreeText()
	for i, field := range guangong.YouthFreeText {
		if c := sensitiveChange(field, *was[i], *now[i], guangong.HideText); c != nil {
			changes = append(changes, *c)
		}
	}
	return changes
}

type sealedYouth struct{ idn, idHash, phone string }

func (db *DB) sealYouth(y *guangong.Youth) (s sealedYouth, err error) {
	if s.idn, err = db.sealField("idNumber", y.IDNumber); err != nil {
		return s, err
	}
	if s.idHash, err = db.idHash("idNumber", y.IDNumber); err != nil {
		return s, err
	}
	s.phone, err = db.sealField("guardianPhone", y.GuardianPhone)
	return s, err
}

const youthInsert = `INSERT INTO youths (id, org_id, name, gender, birth_date, id_enc, id_hash, school, grade,
	guardian_name, guardian_relation, guardian_phone_enc, parents_work, categories, needs, notes, consent_by,
	consent_relation, consent_date, consent_purpose, merged_into, import_id, version, created_at, updated_at) VALUES `

const youthWidth = 25

func youthValues(a []any, y *guangong.Youth, s sealedYouth, now string) []any {
	return append(a, y.ID, y.OrgID, y.Name, string(y.Gender), y.BirthDate, s.idn, s.idHash, y.School, y.Grade,
		y.GuardianName, y.GuardianRelation, s.phone, y.ParentsWork, strings.Join(y.Categories, ","), y.Needs, y.Notes,
		y.ConsentBy, y.ConsentRelation, y.ConsentDate, y.ConsentPurpose, "", y.ImportID, 1, now, now)
}

// setCategories replaces a youth's rows in youth_categories.
func (tx *Tx) setCategories(ctx context.Context, y *guangong.Youth) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM youth_categories WHERE youth_id = $1`, y.ID); err != nil {
		return err
	}
	return insertRows(ctx, tx, `INSERT INTO youth_categories (youth_id, category) VALUES `, 2, len(y.Categories),
		func(i int, a []any) []any { return append(a, y.ID, y.Categories[i]) })
}

// FindYouthByID returns youth id if it lies in scope, masked for an actor without MinorAccess.
func (db *DB) FindYouthByID(ctx context.Context, a *guangong.Actor, id string) (*guangong.Youth, error) {
	var y *guangong.Youth
	err := db.read(ctx, a, func(q querier) error {
		if err := canRead(a, objYouth, id, "read youth"); err != nil {
			return err
		}
		var err error
		y, err = db.loadScopedYouth(ctx, q, a, id, "read youth")
		return err
	})
	if err != nil {
		return nil, err
	}
	maskFor(a, y)
	return y, nil
}

// FindYouths lists youths in scope by name, masked for an actor without MinorAccess, who
// may not search by name either. Category is a youth category; PartyMember and Status do
// not apply to youths and are ignored.
func (db *DB) FindYouths(ctx context.Context, a *guangong.Actor, f guangong.PersonFilter) ([]*guangong.Youth, int, error) {
	var list []*guangong.Youth
	var total int
	err := db.read(ctx, a, func(q querier) error {
		if err := canRead(a, objYouth, "", "list youths"); err != nil {
			return err
		}
		if f.Query != nil && strings.TrimSpace(*f.Query) != "" && !a.System && !a.MinorAccess {
			return fieldErr("q", "无未成年人信息权限，不能按姓名查询", "Without access to minors' data you cannot search by name")
		}
		pq, err := newPersonQuery(ctx, q, a, "youths", gramYouth, f, todayShanghai(db.now()))
		if err != nil {
			return err
		}
		if f.Category != nil && *f.Category != "" {
			pq.conds = append(pq.conds, `EXISTS (SELECT 1 FROM youth_categories c WHERE c.youth_id = p.id AND c.category = `+
				pq.args.add(*f.Category)+`)`)
		}
		w := where(pq.conds)
		if err := countInto(ctx, q, f.Page, &total, pq.count(w), pq.args...); err != nil {
			return err
		}
		rows, err := q.QueryContext(ctx, `SELECT `+youthCols+pq.from+volunteerJoin+w+pq.order()+limit(f.Page.Normalize()), pq.args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		list = []*guangong.Youth{}
		for rows.Next() {
			y, err := db.scanYouth(rows)
			if err != nil {
				return err
			}
			maskFor(a, y)
			list = append(list, y)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, 0, err
	}
	return list, total, nil
}

// CreateYouth registers a youth; the record returned is masked for an actor without MinorAccess.
func (db *DB) CreateYouth(ctx context.Context, a *guangong.Actor, y *guangong.Youth) error {
	err := db.write(ctx, a, func(tx *Tx) error {
		if err := canWriteYouth(a, "", y.OrgID, "create youth"); err != nil {
			return err
		}
		y.Normalize()
		if err := y.Validate(tx.now); err != nil {
			return err
		}
		o, err := recordOrg(ctx, tx, a, "orgId", y.OrgID)
		if err != nil {
			return err
		}
		s, err := db.sealYouth(y)
		if err != nil {
			return err
		}
		y.ID, y.OrgName, y.MergedInto, y.Version, y.CreatedAt, y.UpdatedAt = guangong.NewID(), o.Name, "", 1, tx.now, tx.now
		if y.Categories == nil {
			y.Categories = []string{}
		}
		if _, err := tx.ExecContext(ctx, youthInsert+placeholders(youthWidth), youthValues(nil, y, s, fmtTime(tx.now))...); err != nil {
			return err
		}
		if err := tx.setCategories(ctx, y); err != nil {
			return err
		}
		if err := tx.setGrams(ctx, gramYouth, y.ID, "", y.Name); err != nil {
			return err
		}
		return tx.audit(a, entry{action: guangong.ActionCreate, objectType: objYouth, objectID: y.ID, orgID: y.OrgID,
			changes: youthChanges(nil, y)})
	})
	if err != nil {
		y.ID = ""
		return err
	}
	maskFor(a, y)
	return nil
}

// keepMasked restores fields an actor without MinorAccess sent back in the masked form it
// was shown: they mean "unchanged", never "save the asterisks".
func keepMasked(y, old *guangong.Youth) {
	for _, f := range []struct {
		got  *string
		was  string
		mask func(string) string
	}{
		{&y.Name, old.Name, guangong.MaskName},
		{&y.GuardianName, old.GuardianName, guangong.MaskName},
		{&y.IDNumber, old.IDNumber, guangong.MaskIDNumber},
		{&y.GuardianPhone, old.GuardianPhone, guangong.MaskPhone},
		{&y.ConsentBy, old.ConsentBy, guangong.MaskName},
	} {
		if *f.got != "" && strings.Contains(*f.got, "*") && *f.got == f.mask(f.was) {
			*f.got = f.was
		}
	}
	// Free text shown hidden and sent back as it was shown means "unchanged" too.
	got, was := y.FreeText(), old.FreeText()
	for i := range got {
		if *got[i] == guangong.HiddenText && *was[i] != "" {
			*got[i] = *was[i]
		}
	}
}

// UpdateYouth saves y over the stored record; y.Version must be the stored version.
func (db *DB) UpdateYouth(ctx context.Context, a *guangong.Actor, y *guangong.Youth) error {
	err := db.write(ctx, a, func(tx *Tx) error {
		if err := canWriteYouth(a, y.ID, y.OrgID, "update youth"); err != nil {
			return err
		}
		old, err := db.loadScopedYouth(ctx, tx, a, y.ID, "update youth")
		if err != nil {
			return err
		}
		if old.MergedInto != "" {
			return mergedErr()
		}
		if old.Version != y.Version {
			return guangong.Stale()
		}
		keepMasked(y, old)
		y.Normalize()
		if err := y.Validate(tx.now); err != nil {
			return err
		}
		y.OrgName = old.OrgName
		if y.OrgID != old.OrgID {
			o, err := recordOrg(ctx, tx, a, "orgId", y.OrgID)
			if err != nil {
				return err
			}
			y.OrgName = o.Name
		}
		if y.Categories == nil {
			y.Categories = []string{}
		}
		changes := youthChanges(old, y)
		y.MergedInto, y.Masked, y.CreatedAt, y.UpdatedAt = "", false, old.CreatedAt, old.UpdatedAt
		if len(changes) == 0 {
			return nil
		}
		s, err := db.sealYouth(y)
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE youths SET org_id = $1, name = $2, gender = $3, birth_date = $4,
			id_enc = $5, id_hash = $6, school = $7, grade = $8, guardian_name = $9, guardian_relation = $10,
			guardian_phone_enc = $11, parents_work = $12, categories = $13, needs = $14, notes = $15, consent_by = $16,
			consent_relation = $17, consent_date = $18, consent_purpose = $19, version = version + 1, updated_at = $20
			WHERE id = $21 AND version = $22`,
			y.OrgID, y.Name, string(y.Gender), y.BirthDate, s.idn, s.idHash, y.School, y.Grade, y.GuardianName,
			y.GuardianRelation, s.phone, y.ParentsWork, strings.Join(y.Categories, ","), y.Needs, y.Notes, y.ConsentBy,
			y.ConsentRelation, y.ConsentDate, y.ConsentPurpose, fmtTime(tx.now), y.ID, y.Version)
		if err != nil {
			return err
		}
		if err := oneRow(res); err != nil {
			return err
		}
		if err := tx.setCategories(ctx, y); err != nil {
			return err
		}
		if y.Name != old.Name {
			if err := tx.setGrams(ctx, gramYouth, y.ID, old.Name, y.Name); err != nil {
				return err
			}
		}
		y.Version, y.UpdatedAt = y.Version+1, tx.now
		return tx.audit(a, entry{action: guangong.ActionUpdate, objectType: objYouth, objectID: y.ID, orgID: y.OrgID,
			changes: changes})
	})
	if err != nil {
		return err
	}
	maskFor(a, y)
	return nil
}

// revealable are the fields RevealYouth may return.
var revealable = map[string]func(*guangong.Youth) string{
	"name":          func(y *guangong.Youth) string { return y.Name },
	"idNumber":      func(y *guangong.Youth) string { return y.IDNumber },
	"guardianName":  func(y *guangong.Youth) string { return y.GuardianName },
	"guardianPhone": func(y *guangong.Youth) string { return y.GuardianPhone },
}

// RevealYouth returns one plain field for an actor with MinorAccess, recording in the
// trail who, which field and why (never the value). Without access: Forbidden, audited.
func (db *DB) RevealYouth(ctx context.Context, a *guangong.Actor, id, field, reason string) (string, error) {
	var value string
	err := db.write(ctx, a, func(tx *Tx) error {
		if err := canRead(a, objYouth, id, "reveal youth"); err != nil {
			return err
		}
		if !a.System && !a.MinorAccess {
			return &denial{err: guangong.Forbidden(), objectType: objYouth, objectID: id, detail: "reveal " + field + ": no minor access"}
		}
		get, ok := revealable[field]
		if !ok {
			return fieldErr("field", "只能查看姓名、身份证号、监护人姓名或监护人电话", "Only the name, ID number, guardian's name or phone can be revealed")
		}
		reason = strings.TrimSpace(reason)
		if reason == "" {
			return fieldErr("reason", "请填写查看原因", "Give the reason")
		}
		if utf8.RuneCountInString(reason) > 200 {
			return fieldErr("reason", "查看原因不能超过200个字", "The reason must be at most 200 characters")
		}
		y, err := db.loadScopedYouth(ctx, tx, a, id, "reveal youth")
		if err != nil {
			return err
		}
		value = get(y)
		return tx.audit(a, entry{action: guangong.ActionReveal, objectType: objYouth, objectID: id, orgID: y.OrgID,
			detail: "field=" + field + " reason=" + reason})
	})
	if err != nil {
		return "", err
	}
	return value, nil
}

// MergeYouths folds drop into keep: drop is marked merged into keep (never deleted) and
// both records get an audit entry. (Youths have no memberships yet; later records that
// point at a youth move here too.)
func (db *DB) MergeYouths(ctx context.Context, a *guangong.Actor, keepID, dropID string) error {
	return db.write(ctx, a, func(tx *Tx) error {
		if err := canWriteYouth(a, dropID, "", "merge youths"); err != nil {
			return err
		}
		if keepID == dropID {
			return fieldErr("dropId", "不能把记录合并到自身", "A record cannot be merged into itself")
		}
		keep, err := db.loadScopedYouth(ctx, tx, a, keepID, "merge youths")
		if err != nil {
			return err
		}
		drop, err := db.loadScopedYouth(ctx, tx, a, dropID, "merge youths")
		if err != nil {
			return err
		}
		if keep.MergedInto != "" || drop.MergedInto != "" {
			return mergedErr()
		}
		if _, err := tx.ExecContext(ctx, `UPDATE youths SET merged_into = $1, version = version + 1, updated_at = $2
			WHERE id = $3`, keepID, fmtTime(tx.now), dropID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE youths SET version = version + 1, updated_at = $1 WHERE id = $2`,
			fmtTime(tx.now), keepID); err != nil {
			return err
		}
		if err := tx.audit(a, entry{action: guangong.ActionUpdate, objectType: objYouth, objectID: dropID, orgID: drop.OrgID,
			changes: []guangong.Change{{Field: "mergedInto", After: keepID}}, detail: "merged into " + keepID}); err != nil {
			return err
		}
		return tx.audit(a, entry{action: guangong.ActionUpdate, objectType: objYouth, objectID: keepID, orgID: keep.OrgID,
			detail: "merged " + dropID})
	})
}
