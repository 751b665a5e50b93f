package sqlstore

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"guangong"
)

// Bulk writes of people (ImportVolunteers, ImportYouths) and the import jobs that lead to
// them (guangong.ImportService).

// maxRowErrors bounds the field messages of a refused import.
const maxRowErrors = 1000

// rowErrors collects per-row field errors. A refused import answers EINVALID whose Fields
// are keyed "rows[i].field", i being the 0-based index into the rows given (the caller
// knows which sheet row each came from), e.g. "rows[11].idNumber".
type rowErrors struct {
	fields map[string]guangong.Msg
	first  int
}

func (r *rowErrors) add(i int, err error) error {
	var ge *guangong.Error
	if !errors.As(err, &ge) || ge.Code != guangong.EINVALID {
		return err // not a validation problem: abort
	}
	if r.fields == nil {
		r.fields, r.first = map[string]guangong.Msg{}, i
	}
	if len(r.fields) >= maxRowErrors {
		return nil
	}
	if len(ge.Fields) == 0 {
		r.fields[fmt.Sprintf("rows[%d]", i)] = ge.Msg
	}
	for f, m := range ge.Fields {
		r.fields[fmt.Sprintf("rows[%d].%s", i, f)] = m
	}
	return nil
}

func (r *rowErrors) err() error {
	if r.fields == nil {
		return nil
	}
	return &guangong.Error{Code: guangong.EINVALID, Fields: r.fields, Msg: guangong.Msg{
		Zh: fmt.Sprintf("第%d条记录起有错误，未导入任何记录", r.first+1),
		En: fmt.Sprintf("Record %d and possibly others are invalid; nothing was imported", r.first+1)}}
}

// importOrgs checks each distinct committee of the rows once: exists, in scope, active.
// A committee outside scope is reported on its first row and audited as a denial.
func importOrgs(ctx context.Context, tx *Tx, a *guangong.Actor, orgIDs []string, errs *rowErrors) (map[string]string, error) {
	names := map[string]string{}
	for i, id := range orgIDs {
		if _, done := names[id]; done {
			continue
		}
		o, err := recordOrg(ctx, tx, a, "orgId", id)
		if err != nil {
			var d *denial
			if errors.As(err, &d) {
				d.err = fieldErr(fmt.Sprintf("rows[%d].orgId", i), "所属组织不存在", "The committee does not exist")
				return nil, d
			}
			if aerr := errs.add(i, err); aerr != nil {
				return nil, aerr
			}
			names[id] = ""
			continue
		}
		names[id] = o.Name
	}
	return names, nil
}

// ImportVolunteers validates every row again and writes them all, with their name grams
// and one audit entry each, in one transaction; if any row fails nothing is written.
func (db *DB) ImportVolunteers(ctx context.Context, a *guangong.Actor, rows []*guangong.Volunteer) error {
	err := db.write(ctx, a, func(tx *Tx) error {
		if err := canWrite(a, objVolunteer, "", "", "import volunteers"); err != nil {
			return err
		}
		if err := db.bulkCache(tx); err != nil {
			return err
		}
		var errs rowErrors
		orgIDs := make([]string, len(rows))
		for i, p := range rows {
			p.Normalize()
			if err := errs.add(i, p.Validate(tx.now)); err != nil {
				return err
			}
			orgIDs[i] = p.OrgID
		}
		names, err := importOrgs(ctx, tx, a, orgIDs, &errs)
		if err != nil {
			return err
		}
		sealed := make([]sealedVolunteer, len(rows))
		for i, p := range rows {
			if sealed[i], err = db.sealVolunteer(p); err != nil {
				if err := errs.add(i, err); err != nil {
					return err
				}
			}
		}
		if err := errs.err(); err != nil {
			return err
		}
		now := fmtTime(tx.now)
		for _, p := range rows {
			p.ID, p.OrgName, p.MergedInto, p.Version, p.CreatedAt, p.UpdatedAt = guangong.NewID(), names[p.OrgID], "", 1, tx.now, tx.now
			if p.Skills == nil {
				p.Skills = []string{}
			}
		}
		if err := insertRows(ctx, tx, volunteerInsert, volunteerWidth, len(rows), func(i int, a []any) []any {
			return volunteerValues(a, rows[i], sealed[i], now)
		}); err != nil {
			return err
		}
		if err := tx.insertNameGrams(ctx, gramVolunteer, len(rows), func(i int) (string, string) { return rows[i].ID, rows[i].Name }); err != nil {
			return err
		}
		return tx.auditMany(a, len(rows), func(i int) entry {
			p := rows[i]
			return entry{action: guangong.ActionCreate, objectType: objVolunteer, objectID: p.ID, orgID: p.OrgID,
				changes: volunteerChanges(nil, p), detail: "import"}
		})
	})
	if err != nil {
		for _, p := range rows {
			p.ID = ""
		}
	}
	return err
}

// ImportYouths is ImportVolunteers for youths; the rows are masked afterwards for an actor
// without MinorAccess.
func (db *DB) ImportYouths(ctx context.Context, a *guangong.Actor, rows []*guangong.Youth) error {
	err := db.write(ctx, a, func(tx *Tx) error {
		if err := canWrite(a, objYouth, "", "", "import youths"); err != nil {
			return err
		}
		if err := db.bulkCache(tx); err != nil {
			return err
		}
		var errs rowErrors
		orgIDs := make([]string, len(rows))
		for i, y := range rows {
			y.Normalize()
			if err := errs.add(i, y.Validate(tx.now)); err != nil {
				return err
			}
			orgIDs[i] = y.OrgID
		}
		names, err := importOrgs(ctx, tx, a, orgIDs, &errs)
		if err != nil {
			return err
		}
		sealed := make([]sealedYouth, len(rows))
		for i, y := range rows {
			if sealed[i], err = db.sealYouth(y); err != nil {
				if err := errs.add(i, err); err != nil {
					return err
				}
			}
		}
		if err := errs.err(); err != nil {
			return err
		}
		now := fmtTime(tx.now)
		type cat struct{ id, c string }
		var cats []cat
		for _, y := range rows {
			y.ID, y.OrgName, y.MergedInto, y.Version, y.CreatedAt, y.UpdatedAt = guangong.NewID(), names[y.OrgID], "", 1, tx.now, tx.now
			if y.Categories == nil {
				y.Categories = []string{}
			}
			for _, c := range y.Categories {
				cats = append(cats, cat{y.ID, c})
			}
		}
		if err := insertRows(ctx, tx, youthInsert, youthWidth, len(rows), func(i int, a []any) []any {
			return youthValues(a, rows[i], sealed[i], now)
		}); err != nil {
			return err
		}
		if err := insertRows(ctx, tx, `INSERT INTO youth_categories (youth_id, category) VALUES `, 2, len(cats),
			func(i int, a []any) []any { return append(a, cats[i].id, cats[i].c) }); err != nil {
			return err
		}
		if err := tx.insertNameGrams(ctx, gramYouth, len(rows), func(i int) (string, string) { return rows[i].ID, rows[i].Name }); err != nil {
			return err
		}
		return tx.auditMany(a, len(rows), func(i int) entry {
			y := rows[i]
			return entry{action: guangong.ActionCreate, objectType: objYouth, objectID: y.ID, orgID: y.OrgID,
				changes: youthChanges(nil, y), detail: "import"}
		})
	})
	if err != nil {
		for _, y := range rows {
			y.ID = ""
		}
		return err
	}
	for _, y := range rows {
		maskFor(a, y)
	}
	return nil
}

// insertNameGrams writes the name grams of n people (person(i) gives id and name), a
// thousand people at a time so the grams of a large import are never all in memory.
func (tx *Tx) insertNameGrams(ctx context.Context, kind string, n int, person func(i int) (id, name string)) error {
	const chunk = 1000
	grams := make([]gramRow, 0, 5*chunk)
	for start := 0; start < n; start += chunk {
		grams = grams[:0]
		for i := start; i < min(start+chunk, n); i++ {
			id, name := person(i)
			grams = append(grams, gramRows(kind, id, name)...)
		}
		if err := tx.insertGrams(ctx, grams); err != nil {
			return err
		}
	}
	return nil
}

// bulkCache gives SQLite's writer a page cache that holds a large import's index pages
// (the default 2 MB spills to the WAL all through the transaction). The setting stays on
// the one writer connection; 32 MB at most.
func (db *DB) bulkCache(tx *Tx) error {
	if db.dialect != dialectSQLite {
		return nil
	}
	_, err := tx.ExecContext(tx.ctx, `PRAGMA cache_size = -32768`)
	return err
}

// auditMany appends n entries (entry(i) makes the i-th) to the chain as tx.audit would,
// one after another, but takes the head once and inserts many rows to a statement: a
// 100,000-row import would otherwise spend most of its time on 300,000 small statements.
// Entries are made and written a thousand at a time, so their texts are never all in
// memory at once. The rows are exactly those tx.audit builds (VerifyAudit checks them alike).
func (tx *Tx) auditMany(a *guangong.Actor, n int, entryAt func(i int) entry) error {
	if n == 0 {
		return nil
	}
	ctx := tx.ctx
	var last int64
	var prev string
	if err := tx.QueryRowContext(ctx, `UPDATE audit_head SET seq = seq + $1 WHERE id = 1 RETURNING seq, hash`, n).
		Scan(&last, &prev); err != nil {
		return fmt.Errorf("sqlstore: audit head: %w", err)
	}
	at := fmtTime(tx.now)
	const chunk = 1000
	rows := make([]auditRow, 0, min(n, chunk))
	for start := 0; start < n; start += chunk {
		rows = rows[:0]
		for i := start; i < min(start+chunk, n); i++ {
			e := entryAt(i)
			r := auditRow{Seq: last - int64(n) + int64(i) + 1, ID: guangong.NewID(), At: at,
				UserID: a.UserID, Username: a.Username, IP: a.IP, OrgID: e.orgID, Action: e.action,
				ObjectType: e.objectType, ObjectID: e.objectID, Result: guangong.ResultOK, Detail: e.detail,
				Changes: "[]", PrevHash: prev}
			if a.RequestID != "" {
				r.Detail = strings.TrimSpace(r.Detail + " request=" + a.RequestID)
			}
			if len(e.changes) > 0 {
				b, err := json.Marshal(e.changes)
				if err != nil {
					return err
				}
				r.Changes = string(b)
			}
			r.Hash = r.hash()
			prev = r.Hash
			rows = append(rows, r)
		}
		if err := insertRows(ctx, tx, `INSERT INTO audit_log (seq, id, at, user_id, username, org_id, ip, action,
			object_type, object_id, result, changes, detail, prev_hash, hash) VALUES `, 15, len(rows), func(i int, v []any) []any {
			r := &rows[i]
			return append(v, r.Seq, r.ID, r.At, r.UserID, r.Username, r.OrgID, r.IP, r.Action, r.ObjectType, r.ObjectID,
				r.Result, r.Changes, r.Detail, r.PrevHash, r.Hash)
		}); err != nil {
			return fmt.Errorf("sqlstore: audit insert: %w", err)
		}
	}
	if _, err := tx.ExecContext(ctx, `UPDATE audit_head SET hash = $1 WHERE id = 1`, prev); err != nil {
		return fmt.Errorf("sqlstore: audit head: %w", err)
	}
	return nil
}

var importNoun = guangong.Msg{Zh: "导入任务", En: "Import"}

func importNotFound() error { return guangong.NotFound(importNoun) }

const importCols = `id, org_id, user_id, kind, filename, status, total, done, valid, invalid, imported, problems, error,
	created_at, updated_at`

func scanImport(s scanner) (*guangong.Import, error) {
	imp := &guangong.Import{}
	var problems string
	err := s.Scan(&imp.ID, &imp.OrgID, &imp.UserID, &imp.Kind, &imp.Filename, &imp.Status, &imp.Total, &imp.Done,
		&imp.Valid, &imp.Invalid, &imp.Imported, &problems, &imp.Error, timeCol{&imp.CreatedAt}, timeCol{&imp.UpdatedAt})
	if err != nil {
		return nil, err
	}
	imp.Problems = []guangong.ImportProblem{}
	if problems != "" && problems != "[]" {
		if err := json.Unmarshal([]byte(problems), &imp.Problems); err != nil {
			return nil, fmt.Errorf("sqlstore: import %s problems: %w", imp.ID, err)
		}
	}
	return imp, nil
}

var importStatuses = []string{guangong.ImportChecking, guangong.ImportChecked, guangong.ImportImporting,
	guangong.ImportDone, guangong.ImportFailed}

// CreateImport stores a new job and its file for the actor, in a committee in scope.
func (db *DB) CreateImport(ctx context.Context, a *guangong.Actor, imp *guangong.Import, data []byte) error {
	err := db.write(ctx, a, func(tx *Tx) error {
		if err := canWrite(a, objImport, "", imp.OrgID, "create import"); err != nil {
			return err
		}
		imp.Filename = strings.TrimSpace(imp.Filename)
		var v guangong.Validation
		if imp.Kind != "volunteer" && imp.Kind != "youth" {
			v.Add("kind", "导入类型只能是五老志愿者或青少年", "Kind must be volunteer or youth")
		}
		v.Text("filename", "文件名", "File name", imp.Filename, true, 200)
		if len(data) == 0 {
			v.Add("file", "文件为空", "The file is empty")
		}
		if err := v.Err(); err != nil {
			return err
		}
		if _, err := recordOrg(ctx, tx, a, "orgId", imp.OrgID); err != nil {
			return err
		}
		imp.ID, imp.UserID, imp.CreatedAt, imp.UpdatedAt = guangong.NewID(), a.UserID, tx.now, tx.now
		if imp.Status == "" {
			imp.Status = guangong.ImportChecking
		}
		if imp.Problems == nil {
			imp.Problems = []guangong.ImportProblem{}
		}
		problems, err := json.Marshal(imp.Problems)
		if err != nil {
			return err
		}
		// The sheet holds ID numbers and phones: it is sealed like them.
		file, err := db.sealField("file", base64.StdEncoding.EncodeToString(data))
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO imports (id, org_id, user_id, kind, filename, status, total, done,
			valid, invalid, imported, problems, error, file, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, '', $14, $14)`,
			imp.ID, imp.OrgID, imp.UserID, imp.Kind, imp.Filename, imp.Status, imp.Total, imp.Done, imp.Valid, imp.Invalid,
			imp.Imported, string(problems), imp.Error, fmtTime(tx.now)); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO import_files (import_id, file) VALUES ($1, $2)`, imp.ID, file); err != nil {
			return err
		}
		return tx.audit(a, entry{action: guangong.ActionCreate, objectType: objImport, objectID: imp.ID, orgID: imp.OrgID,
			changes: diff(nil, [][2]string{{"kind", imp.Kind}, {"filename", imp.Filename}}), detail: fmt.Sprintf("%d bytes", len(data))})
	})
	if err != nil {
		imp.ID = ""
	}
	return err
}

// scopedImport reads job id if the actor created it and its committee lies in scope (the
// system actor: any job). Anything else is NotFound, audited.
func scopedImport(ctx context.Context, q querier, a *guangong.Actor, id, what string) (*guangong.Import, error) {
	imp, err := scanImport(q.QueryRowContext(ctx, `SELECT `+importCols+` FROM imports WHERE id = $1`, id))
	if noRows(err) {
		return nil, importNotFound()
	} else if err != nil {
		return nil, err
	}
	ok, err := inScope(ctx, q, a, imp.OrgID)
	if err != nil {
		return nil, err
	}
	if !ok || (!a.System && imp.UserID != a.UserID) {
		return nil, &denial{err: importNotFound(), objectType: objImport, objectID: id, orgID: imp.OrgID, detail: what + ": not the actor's"}
	}
	return imp, nil
}

// FindImport returns one of the actor's own jobs.
func (db *DB) FindImport(ctx context.Context, a *guangong.Actor, id string) (*guangong.Import, error) {
	var imp *guangong.Import
	err := db.read(ctx, a, func(q querier) error {
		if err := canWrite(a, objImport, id, "", "read import"); err != nil {
			return err
		}
		var err error
		imp, err = scopedImport(ctx, q, a, id, "read import")
		return err
	})
	return imp, err
}

// ImportFile returns the uploaded file of one of the actor's own jobs.
func (db *DB) ImportFile(ctx context.Context, a *guangong.Actor, id string) ([]byte, error) {
	var data []byte
	err := db.read(ctx, a, func(q querier) error {
		if err := canWrite(a, objImport, id, "", "read import file"); err != nil {
			return err
		}
		if _, err := scopedImport(ctx, q, a, id, "read import file"); err != nil {
			return err
		}
		var file string
		if err := q.QueryRowContext(ctx, `SELECT file FROM import_files WHERE import_id = $1`, id).Scan(&file); err != nil {
			return err
		}
		if file == "" {
			return guangong.Errorf(guangong.ECONFLICT, "该导入已结束，上传的文件已清除", "This import has ended and its file was cleared")
		}
		encoded, err := db.openField("file", file)
		if err != nil {
			return err
		}
		data, err = base64.StdEncoding.DecodeString(encoded)
		return err
	})
	return data, err
}

// SaveImport stores a job's status, counts, problems and error. It is called as the check
// progresses, so only a change of status is audited, not every count.
func (db *DB) SaveImport(ctx context.Context, a *guangong.Actor, imp *guangong.Import) error {
	return db.write(ctx, a, func(tx *Tx) error {
		if err := canWrite(a, objImport, imp.ID, imp.OrgID, "save import"); err != nil {
			return err
		}
		old, err := scopedImport(ctx, tx, a, imp.ID, "save import")
		if err != nil {
			return err
		}
		valid := false
		for _, s := range importStatuses {
			valid = valid || s == imp.Status
		}
		if !valid {
			return fieldErr("status", "导入状态无效", "Unknown import status")
		}
		if imp.Problems == nil {
			imp.Problems = []guangong.ImportProblem{}
		}
		problems, err := json.Marshal(imp.Problems)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE imports SET status = $1, total = $2, done = $3, valid = $4, invalid = $5,
			imported = $6, problems = $7, error = $8, updated_at = $9 WHERE id = $10`,
			imp.Status, imp.Total, imp.Done, imp.Valid, imp.Invalid, imp.Imported, string(problems), imp.Error,
			fmtTime(tx.now), imp.ID); err != nil {
			return err
		}
		imp.OrgID, imp.UserID, imp.Kind, imp.Filename, imp.CreatedAt, imp.UpdatedAt = old.OrgID, old.UserID, old.Kind, old.Filename, old.CreatedAt, tx.now
		if old.Status == imp.Status {
			return nil
		}
		if imp.Status == guangong.ImportDone || imp.Status == guangong.ImportFailed {
			// Its work done, the sheet's personal data is not kept.
			if _, err := tx.ExecContext(ctx, `UPDATE import_files SET file = '' WHERE import_id = $1`, imp.ID); err != nil {
				return err
			}
		}
		return tx.audit(a, entry{action: guangong.ActionUpdate, objectType: objImport, objectID: imp.ID, orgID: old.OrgID,
			changes: []guangong.Change{{Field: "status", Before: old.Status, After: imp.Status}},
			detail:  fmt.Sprintf("total=%d valid=%d invalid=%d imported=%d", imp.Total, imp.Valid, imp.Invalid, imp.Imported)})
	})
}

// matchBatch bounds the IN lists of MatchExisting.
const matchBatch = 500

// MatchExisting finds live records in scope that rows would duplicate: by the ID number's
// blind index, and by name, birth date and committee. A few batched queries, not one per row.
func (db *DB) MatchExisting(ctx context.Context, a *guangong.Actor, kind string, keys []guangong.PersonKey) ([]guangong.Match, error) {
	table := map[string]string{"volunteer": "volunteers", "youth": "youths"}[kind]
	if table == "" {
		return nil, fieldErr("kind", "类型只能是 volunteer 或 youth", "Kind must be volunteer or youth")
	}
	matches := []guangong.Match{}
	err := db.read(ctx, a, func(q querier) error {
		if err := canRead(a, kind, "", "match existing"); err != nil {
			return err
		}
		byHash := map[string][]string{} // hash -> existing ids
		byName := map[string][]string{} // name|birth|org -> existing ids
		hashes := make([]string, len(keys))
		var hashList, nameList []string
		seenH, seenN := map[string]bool{}, map[string]bool{}
		for i, k := range keys {
			if k.IDNumber != "" {
				h, err := db.idHash("idNumber", k.IDNumber)
				if err != nil {
					return err
				}
				hashes[i] = h
				if !seenH[h] {
					seenH[h] = true
					hashList = append(hashList, h)
				}
			}
			if n := strings.TrimSpace(k.Name); n != "" && !seenN[n] {
				seenN[n] = true
				nameList = append(nameList, n)
			}
		}
		lookup := func(col string, values []string, each func(id, a, b, c string)) error {
			for start := 0; start < len(values); start += matchBatch {
				chunk := values[start:min(start+matchBatch, len(values))]
				var args args
				ph := make([]string, len(chunk))
				for i, v := range chunk {
					ph[i] = args.add(v)
				}
				conds := []string{`p.merged_into = ''`, `p.` + col + ` IN (` + strings.Join(ph, ", ") + `)`, scopeCond(a, "p.org_id", &args)}
				rows, err := q.QueryContext(ctx, `SELECT p.id, p.id_hash, p.name, p.birth_date, p.org_id FROM `+table+` p`+where(conds), args...)
				if err != nil {
					return err
				}
				for rows.Next() {
					var id, h, name, birth, org string
					if err := rows.Scan(&id, &h, &name, &birth, &org); err != nil {
						rows.Close()
						return err
					}
					each(id, h, name+"|"+birth+"|"+org, "")
				}
				rows.Close()
				if err := rows.Err(); err != nil {
					return err
				}
			}
			return nil
		}
		if err := lookup("id_hash", hashList, func(id, h, _, _ string) { byHash[h] = append(byHash[h], id) }); err != nil {
			return err
		}
		if err := lookup("name", nameList, func(id, _, key, _ string) { byName[key] = append(byName[key], id) }); err != nil {
			return err
		}
		for i, k := range keys {
			found := map[string]bool{}
			if hashes[i] != "" {
				for _, id := range byHash[hashes[i]] {
					found[id] = true
					matches = append(matches, guangong.Match{Row: k.Row, ExistingID: id, Reason: "id_number"})
				}
			}
			for _, id := range byName[strings.TrimSpace(k.Name)+"|"+k.BirthDate+"|"+k.OrgID] {
				if !found[id] {
					matches = append(matches, guangong.Match{Row: k.Row, ExistingID: id, Reason: "name_birth_org"})
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return matches, nil
}
