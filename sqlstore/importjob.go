package sqlstore

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

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

// importJob is the import job a bulk write comes from (nil for a write of the store's own
// callers, such as the demo): its id and the hex sha256 of the uploaded file.
type importJob struct{ id, fileSHA256 string }

// ImportVolunteers validates every row again and writes them all, with their name grams
// and one audit entry each, in one transaction; if any row fails nothing is written.
func (db *DB) ImportVolunteers(ctx context.Context, a *guangong.Actor, rows []*guangong.Volunteer) error {
	return importPeople(ctx, db, a, nil, rows, db.volunteerImport())
}

// ImportVolunteersFor is ImportVolunteers for the rows of the actor's import job importID,
// whose uploaded file has the sha256 fileSHA256 (hex): each record carries the job's id, and
// one audit entry on the job records who wrote how many rows from which file, and when.
func (db *DB) ImportVolunteersFor(ctx context.Context, a *guangong.Actor, importID, fileSHA256 string, rows []*guangong.Volunteer) error {
	return importPeople(ctx, db, a, &importJob{importID, fileSHA256}, rows, db.volunteerImport())
}

// ImportYouths is ImportVolunteers for youths; the rows are masked afterwards for an actor
// without MinorAccess.
func (db *DB) ImportYouths(ctx context.Context, a *guangong.Actor, rows []*guangong.Youth) error {
	return db.importYouths(ctx, a, nil, rows)
}

// ImportYouthsFor is ImportVolunteersFor for youths.
func (db *DB) ImportYouthsFor(ctx context.Context, a *guangong.Actor, importID, fileSHA256 string, rows []*guangong.Youth) error {
	return db.importYouths(ctx, a, &importJob{importID, fileSHA256}, rows)
}

func (db *DB) importYouths(ctx context.Context, a *guangong.Actor, job *importJob, rows []*guangong.Youth) error {
	if err := importPeople(ctx, db, a, job, rows, db.youthImport()); err != nil {
		return err
	}
	for _, y := range rows {
		maskFor(a, y)
	}
	return nil
}

func (db *DB) volunteerImport() peopleImport[*guangong.Volunteer, sealedVolunteer] {
	return peopleImport[*guangong.Volunteer, sealedVolunteer]{
		obj:  objVolunteer,
		id:   func(p *guangong.Volunteer) *string { return &p.ID },
		key:  func(p *guangong.Volunteer) (string, string) { return p.OrgID, p.Name },
		seal: db.sealVolunteer, values: volunteerValues,
		create: func(p *guangong.Volunteer, orgName, importID string, now time.Time) {
			p.OrgName, p.MergedInto, p.Version, p.CreatedAt, p.UpdatedAt, p.ImportID = orgName, "", 1, now, now, importID
			if p.Skills == nil {
				p.Skills = []string{}
			}
		},
		bulk: bulkSpec{insert: volunteerInsert, width: volunteerWidth, gramKind: gramVolunteer},
	}
}

func (db *DB) youthImport() peopleImport[*guangong.Youth, sealedYouth] {
	return peopleImport[*guangong.Youth, sealedYouth]{
		obj:  objYouth,
		id:   func(y *guangong.Youth) *string { return &y.ID },
		key:  func(y *guangong.Youth) (string, string) { return y.OrgID, y.Name },
		seal: db.sealYouth, values: youthValues,
		create: func(y *guangong.Youth, orgName, importID string, now time.Time) {
			y.OrgName, y.MergedInto, y.Version, y.CreatedAt, y.UpdatedAt, y.ImportID = orgName, "", 1, now, now, importID
			if y.Categories == nil {
				y.Categories = []string{}
			}
		},
		bulk: bulkSpec{insert: youthInsert, width: youthWidth, gramKind: gramYouth,
			extraInsert: `INSERT INTO youth_categories (youth_id, category) VALUES `, extraWidth: 2},
		extra: func(y *guangong.Youth, v []any) []any {
			for _, c := range y.Categories {
				v = append(v, y.ID, c)
			}
			return v
		},
	}
}

// importRow is a row of a register that importPeople writes.
type importRow interface {
	Normalize()
	Validate(now time.Time) error
}

// peopleImport is one register's part in importPeople: T is its row, S its sealed values.
type peopleImport[T importRow, S any] struct {
	obj    string          // objVolunteer, objYouth; also the import job's kind
	id     func(T) *string // set on a written row, cleared again if the write fails
	key    func(T) (orgID, name string)
	create func(p T, orgName, importID string, now time.Time) // the rest the store sets on a new row
	seal   func(T) (S, error)
	values func(v []any, p T, s S, now string) []any
	bulk   bulkSpec                 // the register's tables; importPeople sets the funcs
	extra  func(p T, v []any) []any // rows of bulk.extraInsert, if any
}

// importPeople is ImportVolunteers and ImportYouths (job nil) or their For forms: it checks
// every row and, if all pass, writes them in name order in one transaction.
func importPeople[T importRow, S any](ctx context.Context, db *DB, a *guangong.Actor, job *importJob, rows []T, r peopleImport[T, S]) error {
	err := db.write(ctx, a, func(tx *Tx) error {
		check := func() error { return canWrite(a, r.obj, "", "", "import "+r.obj+"s") }
		if r.obj == objYouth {
			check = func() error { return canWriteYouth(a, "", "", "import youths") }
		}
		if err := check(); err != nil {
			return err
		}
		done, err := tx.startImport(a, job, r.obj)
		if err != nil {
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
			orgIDs[i], _ = r.key(p)
		}
		names, err := importOrgs(ctx, tx, a, orgIDs, &errs)
		if err != nil {
			return err
		}
		if db.seal == nil { // every sealed value is refused: name the rows that hold one
			for i, p := range rows {
				if _, err := r.seal(p); err != nil {
					if err := errs.add(i, err); err != nil {
						return err
					}
				}
			}
		}
		if err := errs.err(); err != nil {
			return err
		}
		now := fmtTime(tx.now)
		order := byName(len(rows), func(i int) string { _, name := r.key(rows[i]); return name })
		for _, i := range order { // ids ascend with the names: see bulkPeople
			p := rows[i]
			*r.id(p) = guangong.NewID()
			r.create(p, names[orgIDs[i]], job.importID(), tx.now)
		}
		s := r.bulk
		s.values = func(i int, v []any) ([]any, error) {
			p := rows[order[i]]
			sealed, err := r.seal(p)
			return r.values(v, p, sealed, now), err
		}
		if r.extra != nil {
			s.extra = func(i int, v []any) []any { return r.extra(rows[order[i]], v) }
		}
		s.person = func(i int) (string, string) {
			p := rows[order[i]]
			_, name := r.key(p)
			return *r.id(p), name
		}
		s.entry = job.perRecord(func(i int) entry {
			p := rows[order[i]]
			orgID, _ := r.key(p)
			return entry{action: guangong.ActionCreate, objectType: r.obj, objectID: *r.id(p), orgID: orgID, detail: "import"}
		})
		if err := tx.bulkPeople(a, len(rows), s); err != nil {
			return err
		}
		return done(len(rows))
	})
	if err != nil {
		for _, p := range rows {
			*r.id(p) = ""
		}
	}
	return err
}

// perRecord is the audit entry of each record a bulk write makes: for an import job none
// (its records carry its id and its one entry stands for them), else entry.
func (j *importJob) perRecord(entry func(i int) entry) func(i int) entry {
	if j != nil {
		return nil
	}
	return entry
}

// importID is the id its records carry ("" without a job).
func (j *importJob) importID() string {
	if j == nil {
		return ""
	}
	return j.id
}

// startImport checks that job (if any) is the actor's own import of kind, being
// committed, and returns what writes the job's entry once its n rows are written: the
// number of rows and the sha256 of the uploaded file. It is the audit entry of every record
// the job creates; each carries the job's id (import_id).
func (tx *Tx) startImport(a *guangong.Actor, job *importJob, kind string) (done func(n int) error, err error) {
	if job == nil {
		return func(int) error { return nil }, nil
	}
	if len(job.fileSHA256) != sha256.Size*2 {
		return nil, fmt.Errorf("sqlstore: import %s: file sha256 %q", job.id, job.fileSHA256)
	}
	imp, err := scopedImport(tx.ctx, tx, a, job.id, "import "+kind+"s")
	if err != nil {
		return nil, err
	}
	if imp.Kind != kind || imp.Status != guangong.ImportImporting {
		return nil, guangong.Errorf(guangong.ECONFLICT, "该导入不在导入中，不能写入", "This import is not being committed")
	}
	return func(n int) error {
		return tx.audit(a, entry{action: guangong.ActionCreate, objectType: objImport, objectID: imp.ID, orgID: imp.OrgID,
			detail: fmt.Sprintf("imported %d %s rows; file sha256 %s", n, kind, job.fileSHA256)})
	}, nil
}

// byName is the order of n people by name (stable): see bulkPeople.
func byName(n int, name func(i int) string) []int {
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(x, y int) int { return strings.Compare(name(x), name(y)) })
	return order
}

// bulkSpec is one register's part in bulkPeople; i counts in the order of writing.
type bulkSpec struct {
	insert   string // INSERT … VALUES of the register's table
	width    int
	gramKind string
	values   func(i int, a []any) ([]any, error) // person i's columns, sealed ones sealed
	// A second table with any number of rows per person (youth_categories), or none.
	extraInsert string
	extraWidth  int
	extra       func(i int, a []any) []any
	person      func(i int) (id, name string)
	entry       func(i int) entry // person i's audit entry
}

// bulkBatch is the statement arguments of up to bulkChunk people, made ahead of writing.
type bulkBatch struct {
	people, extra, grams, audit []any
	last                        string // the chain's new head hash, in the last batch
	err                         error
}

// bulkChunk is how many people a bulkBatch holds: a large import's texts (audit entries
// above all, ~1 KB a person) are never all in memory at once, and the few batches in flight
// stay small (a thousand a batch raised the peak memory of a 100,000-row import by ~30 MB).
const bulkChunk = 250

// bulkPeople writes n people with their name grams and, when s.entry is set, one audit
// entry each (an import job's rows have none: they carry the job's id, and the job's one
// entry stands for them), in the order given, bulkChunk at a time. Another goroutine seals and makes the next batch's
// values, grams, audit texts and hashes while this one writes: on SQLite the writer is the
// bottleneck, and that work was a third of it. The callers pass people sorted by name,
// with ids made in that order, so each insert into the name-ordered indexes (and the id,
// audit and gram-by-person ones) lands beside the one before: 100,000 random inserts
// into each index took half as long again.
//
// The audit entries are those tx.audit would write, one after another (VerifyAudit checks
// them alike); the head is taken once. They hold no changes: a new record's row holds its
// initial values, and later edits are audited as changes (docs/security.md).
func (tx *Tx) bulkPeople(a *guangong.Actor, n int, s bulkSpec) error {
	if n == 0 {
		return nil
	}
	ctx := tx.ctx
	var last, keyedFrom int64
	var prev string
	if s.entry != nil {
		if tx.auditKey == nil && !tx.legacyAudit {
			return errNoAuditKey
		}
		var err error
		if last, prev, keyedFrom, err = tx.takeHead(n); err != nil {
			return err
		}
	}
	first := last - int64(n) + 1
	at := tx.auditTime()
	batches := make(chan *bulkBatch, 1)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	defer wg.Wait()
	defer close(stop)
	wg.Go(func() {
		defer close(batches)
		for start := 0; start < n; start += bulkChunk {
			end := min(start+bulkChunk, n)
			b := &bulkBatch{people: make([]any, 0, (end-start)*s.width), audit: make([]any, 0, (end-start)*15)}
			for i := start; i < end && b.err == nil; i++ {
				if b.people, b.err = s.values(i, b.people); b.err != nil {
					break
				}
				if s.extra != nil {
					b.extra = s.extra(i, b.extra)
				}
				id, name := s.person(i)
				for _, g := range nameGrams(name) {
					b.grams = append(b.grams, s.gramKind, g, name, id)
				}
				if s.entry == nil {
					continue
				}
				e := s.entry(i)
				r := auditRow{Seq: first + int64(i), ID: guangong.NewID(), At: at, UserID: a.UserID, Username: a.Username,
					IP: a.IP, OrgID: e.orgID, Action: e.action, ObjectType: e.objectType, ObjectID: e.objectID,
					Result: guangong.ResultOK, Detail: e.detail, Changes: "[]", PrevHash: prev}
				if a.RequestID != "" {
					r.Detail = strings.TrimSpace(r.Detail + " request=" + a.RequestID)
				}
				r.Hash = tx.entryHash(&r)
				prev = r.Hash
				b.audit = append(b.audit, r.Seq, r.ID, r.At, r.UserID, r.Username, r.OrgID, r.IP, r.Action, r.ObjectType,
					r.ObjectID, r.Result, r.Changes, r.Detail, r.PrevHash, r.Hash)
			}
			if end == n {
				b.last = prev
			}
			select {
			case batches <- b:
			case <-stop:
				return
			}
			if b.err != nil {
				return
			}
		}
	})
	people := tx.bulkInsert(s.insert, s.width)
	grams := tx.bulkInsert(gramInsert, 4)
	audit := tx.bulkInsert(auditInsert, 15)
	extra := tx.bulkInsert(s.extraInsert, s.extraWidth)
	defer people.close()
	defer grams.close()
	defer audit.close()
	defer extra.close()
	head := ""
	for b := range batches {
		if b.err != nil {
			return b.err
		}
		if err := people.exec(ctx, b.people); err != nil {
			return err
		}
		if err := extra.exec(ctx, b.extra); err != nil {
			return err
		}
		if err := grams.exec(ctx, b.grams); err != nil {
			return err
		}
		if err := audit.exec(ctx, b.audit); err != nil {
			return fmt.Errorf("sqlstore: audit insert: %w", err)
		}
		head = b.last
	}
	if s.entry == nil {
		return nil
	}
	if head == "" {
		return errors.New("sqlstore: bulk write ended early") // not reached: the producer sends every batch
	}
	return tx.setHead(last, head, keyedFrom)
}

const auditInsert = `INSERT INTO audit_log (seq, id, at, user_id, username, org_id, ip, action, object_type,
	object_id, result, changes, detail, prev_hash, hash) VALUES `

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
		if imp.Kind == "youth" {
			if err := canWriteYouth(a, "", imp.OrgID, "create youth import"); err != nil {
				return err
			}
		}
		imp.Filename = strings.TrimSpace(imp.Filename)
		var v guangong.Validation
		if imp.Kind != "volunteer" && imp.Kind != "youth" && imp.Kind != "event" {
			v.Add("kind", "导入类型只能是五老志愿者、青少年或会议活动", "Kind must be volunteer, youth or event")
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
		return nil, missing(importNotFound(), objImport, id, what)
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

// WritesSince reports the audit head and whether an entry after seq concerns one of
// objectTypes, object except aside (a range of the trail's key). Only entries on the
// actor's line count: its subtree, where its records live, and the committees above it,
// whose imports may write into that subtree; a sibling's writes cannot touch them. Any
// account that may read records may ask.
func (db *DB) WritesSince(ctx context.Context, a *guangong.Actor, seq int64, except string, objectTypes ...string) (head int64, changed bool, err error) {
	err = db.read(ctx, a, func(q querier) error {
		if err := canRead(a, objAudit, "", "writes since"); err != nil {
			return err
		}
		if err := q.QueryRowContext(ctx, `SELECT seq FROM audit_head WHERE id = 1`).Scan(&head); err != nil {
			return err
		}
		if head <= seq || len(objectTypes) == 0 {
			return nil
		}
		var x args
		x.add(seq)
		x.add(except)
		cond := `audit_log.seq > $1 AND audit_log.object_id <> $2 AND audit_log.object_type IN ` + inList(objectTypes, &x)
		if !a.System {
			me := x.add(a.OrgID)
			cond += ` AND (audit_log.org_id IN (SELECT descendant_id FROM org_closure WHERE ancestor_id = ` + me +
				`) OR audit_log.org_id IN (SELECT ancestor_id FROM org_closure WHERE descendant_id = ` + me + `))`
		}
		var n int
		if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_log WHERE `+cond, x...).Scan(&n); err != nil {
			return err
		}
		changed = n > 0
		return nil
	})
	return head, changed, err
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
