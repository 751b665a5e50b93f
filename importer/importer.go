// Package importer takes an uploaded sheet of volunteers or youths through its life: it
// stores the file as an Import, checks every row in the background (format, then duplicates
// against the database) and, when the uploader chooses, writes the valid rows in one
// transaction. Nothing reaches the people tables before that choice.
package importer

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"guangong"
	"guangong/xlsx"
)

// MaxFileSize caps an upload; a 100,000-row sheet of volunteers is well under it.
const MaxFileSize = 20 << 20

// maxProblems caps the report kept with an import: past it a sheet is wrong throughout, and
// the first problems tell the user what to fix.
const maxProblems = 5000

// progressEvery is how many rows pass between progress saves, and progressInterval the
// least time between two.
const (
	progressEvery    = 1000
	progressInterval = 500 * time.Millisecond
)

// matchBatch bounds the keys sent to MatchExisting at once (the store splits its queries
// further; this bounds one read transaction).
const matchBatch = 5000

// checkTimeout bounds a background check, so a stuck one cannot run forever.
const checkTimeout = 30 * time.Minute

// Store is what the importer needs from storage; guangong.Store provides it.
type Store interface {
	FindOrgByRef(ctx context.Context, a *guangong.Actor, ref string) (*guangong.Org, error)
	guangong.ImportService
	ImportVolunteers(ctx context.Context, a *guangong.Actor, rows []*guangong.Volunteer) error
	ImportYouths(ctx context.Context, a *guangong.Actor, rows []*guangong.Youth) error
	guangong.EventImportService
}

// jobStore is a Store that writes an import's rows as that job's: each record's audit entry
// names the job, and one entry on the job holds the number of rows and the file's sha256.
// sqlstore provides it; a Store without it writes the rows with their own entries only.
type jobStore interface {
	ImportVolunteersFor(ctx context.Context, a *guangong.Actor, importID, fileSHA256 string, rows []*guangong.Volunteer) error
	ImportYouthsFor(ctx context.Context, a *guangong.Actor, importID, fileSHA256 string, rows []*guangong.Youth) error
}

// Runner checks and commits imports. Use one Runner per process (pages and API share it),
// by pointer: it tracks its background checks and serialises commits.
type Runner struct {
	Store Store
	Log   *slog.Logger
	Now   func() time.Time

	wg         sync.WaitGroup
	mu         sync.Mutex
	committing map[string]bool
	checked    []checkedResult // the latest checks' rows, so a commit need not parse again
}

// checkedResult is a finished check kept in memory for its commit. Another server, or
// this one after a restart or an eviction, parses the stored file again instead.
type checkedResult struct {
	id  string
	at  time.Time
	res *result
}

// Kept checks: few (each holds its rows, ~1 KB a row) and not for long.
const (
	keepChecks = 2
	keepFor    = time.Hour
)

// keep remembers a finished check's rows for its commit.
func (r *Runner) keep(id string, res *result) {
	r.mu.Lock()
	defer r.mu.Unlock()
	now := time.Now()
	kept := r.checked[:0]
	for _, c := range r.checked {
		if now.Sub(c.at) < keepFor {
			kept = append(kept, c)
		}
	}
	if len(kept) >= keepChecks {
		kept = kept[len(kept)-keepChecks+1:]
	}
	r.checked = append(kept, checkedResult{id: id, at: now, res: res})
}

// take hands over (and forgets) the rows kept for import id, or nil.
func (r *Runner) take(id string) *result {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i, c := range r.checked {
		if c.id == id {
			r.checked = append(r.checked[:i], r.checked[i+1:]...)
			if time.Since(c.at) < keepFor {
				return c.res
			}
			return nil
		}
	}
	return nil
}

func (r *Runner) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

func (r *Runner) log() *slog.Logger {
	if r.Log != nil {
		return r.Log
	}
	return slog.New(slog.DiscardHandler)
}

// Wait blocks until every background check has finished (for shutdown and tests).
func (r *Runner) Wait() { r.wg.Wait() }

// CheckUpload says what is wrong with an upload before anything is stored: the kind, the
// size and the file type. Pages and API call it to answer at once.
func CheckUpload(kind, filename string, size int) error {
	var v guangong.Validation
	if kind != string(xlsx.Volunteers) && kind != string(xlsx.Youths) && kind != string(xlsx.Events) {
		v.Add("kind", "请选择导入类型（五老志愿者、青少年或会议活动）", "Choose what to import (volunteers, youths or meetings and activities)")
	}
	ext := strings.ToLower(filepath.Ext(filename))
	switch {
	case size == 0:
		v.Add("file", "请选择要导入的文件（文件为空）", "Choose a file to import (the file is empty)")
	case size > MaxFileSize:
		v.Add("file", "文件不能超过 20 MiB，请分成几个文件导入", "The file must be at most 20 MiB; split it into several")
	case ext == ".xls" || ext == ".et":
		v.Add("file", "不支持旧版 Excel（.xls）文件，请在 Excel 或 WPS 中另存为 .xlsx 后再导入",
			"Old Excel (.xls) files are not supported; save the sheet as .xlsx in Excel or WPS and try again")
	case ext != ".xlsx" && ext != ".csv":
		v.Add("file", "只能导入 .xlsx 或 .csv 文件", "Only .xlsx and .csv files can be imported")
	}
	return v.Err()
}

// Start stores the upload as an Import (status checking) and checks it in the background.
// defaultOrgID is the committee rows without one belong to ("" for the actor's own).
func (r *Runner) Start(ctx context.Context, a *guangong.Actor, kind, filename string, data []byte, defaultOrgID string) (*guangong.Import, error) {
	if !a.Can(guangong.Role.CanWriteRecords) {
		return nil, guangong.Forbidden()
	}
	if err := CheckUpload(kind, filename, len(data)); err != nil {
		return nil, err
	}
	if defaultOrgID == "" {
		defaultOrgID = a.OrgID
	}
	imp := &guangong.Import{
		OrgID:    defaultOrgID,
		UserID:   a.UserID,
		Kind:     kind,
		Filename: filepath.Base(filename),
		Status:   guangong.ImportChecking,
		Problems: []guangong.ImportProblem{},
	}
	if err := r.Store.CreateImport(ctx, a, imp, data); err != nil {
		return nil, err
	}
	started := *imp
	work := *imp
	actor := *a
	// The check outlives the request that uploaded the file, but keeps its values (request id).
	bg, cancel := context.WithTimeout(context.WithoutCancel(ctx), checkTimeout)
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		defer cancel()
		r.check(bg, &actor, &work, data)
	}()
	return &started, nil
}

// check runs the whole check and stores its outcome; it never panics the process.
func (r *Runner) check(ctx context.Context, a *guangong.Actor, imp *guangong.Import, data []byte) {
	defer func() {
		if p := recover(); p != nil {
			r.fail(ctx, a, imp, fmt.Errorf("importer: panic: %v", p))
		}
	}()
	saved, savedAt := 0, time.Time{}
	progress := func(done, total int) {
		imp.Done, imp.Total = done, total
		// Every ~1000 rows, but at most twice a second: a save rewrites the import's row,
		// and a progress bar needs no more.
		if done-saved >= progressEvery && time.Since(savedAt) >= progressInterval {
			saved, savedAt = done, time.Now()
			if err := r.Store.SaveImport(ctx, a, imp); err != nil {
				r.log().Warn("importer: save progress", "import", imp.ID, "error", err)
			}
		}
	}
	res, err := r.checkFile(ctx, a, imp, data, progress)
	if err != nil {
		r.fail(ctx, a, imp, err)
		return
	}
	imp.Status = guangong.ImportChecked
	imp.Total, imp.Done = res.total, res.total
	imp.Valid = res.valid()
	imp.Invalid = res.total - imp.Valid
	imp.Problems = res.report()
	if err := r.Store.SaveImport(ctx, a, imp); err != nil {
		r.log().Error("importer: save report", "import", imp.ID, "error", err)
		return
	}
	r.keep(imp.ID, res)
}

// fail records a failed import with a message safe to show.
func (r *Runner) fail(ctx context.Context, a *guangong.Actor, imp *guangong.Import, err error) {
	msg := guangong.ErrorMsg(err)
	if guangong.ErrorCode(err) == guangong.EINTERNAL {
		r.log().Error("importer: import failed", "import", imp.ID, "kind", imp.Kind, "error", err)
		msg = guangong.Msg{Zh: "文件无法读取或处理失败：请确认是由模板填写的 .xlsx 或 .csv 文件", En: "The file could not be read or processed; check it is an .xlsx or .csv filled from the template"}
	}
	imp.Status = guangong.ImportFailed
	imp.Error = msg.Zh
	if err := r.Store.SaveImport(ctx, a, imp); err != nil {
		r.log().Error("importer: save failure", "import", imp.ID, "error", err)
	}
}

// result is one pass over a file: the rows that passed the format check, the problems, and
// the rows duplicating records already in the database.
type result struct {
	total      int
	sha256     string // of the uploaded file, hex
	volunteers []xlsx.Row[*guangong.Volunteer]
	youths     []xlsx.Row[*guangong.Youth]
	events     []xlsx.Row[*guangong.Event]
	problems   []guangong.ImportProblem
	existing   map[int]bool // lines duplicating a stored record
	// seq is the audit trail's head when the rows were matched against the database: if
	// nothing of their kind has been written since, the matches still hold.
	seq int64
}

// valid counts the rows that would be written.
func (res *result) valid() int {
	n := 0
	for _, line := range res.lines() {
		if !res.existing[line] {
			n++
		}
	}
	return n
}

func (res *result) lines() []int {
	var out []int
	for _, row := range res.volunteers {
		out = append(out, row.Line)
	}
	for _, row := range res.youths {
		out = append(out, row.Line)
	}
	for _, row := range res.events {
		out = append(out, row.Line)
	}
	return out
}

// report is the problems in sheet order, capped.
func (res *result) report() []guangong.ImportProblem {
	p := slices.Clone(res.problems)
	slices.SortStableFunc(p, func(a, b guangong.ImportProblem) int { return cmp.Compare(a.Row, b.Row) })
	if len(p) > maxProblems {
		rest := len(p) - maxProblems
		p = append(p[:maxProblems], guangong.ImportProblem{Message: guangong.Msg{
			Zh: fmt.Sprintf("另有 %d 个问题未列出：请先按以上提示修改文件", rest),
			En: fmt.Sprintf("%d more problems not listed: fix the ones above first", rest)}})
	}
	if p == nil {
		p = []guangong.ImportProblem{}
	}
	return p
}

// checkFile reads and checks the stored file, then looks for its rows in the database.
func (r *Runner) checkFile(ctx context.Context, a *guangong.Actor, imp *guangong.Import, data []byte, progress func(done, total int)) (*result, error) {
	// FindOrgByRef checks scope: a committee outside the actor's subtree reads as unknown.
	// (The reader asks once per distinct code.)
	var lookupErr error // a failing database must not read as "unknown committee"
	orgByCode := func(code string) (string, bool) {
		o, err := r.Store.FindOrgByRef(ctx, a, code)
		if c := guangong.ErrorCode(err); c != "" && c != guangong.ENOTFOUND && c != guangong.EFORBIDDEN && lookupErr == nil {
			lookupErr = err
		}
		if err != nil {
			return "", false
		}
		return o.ID, true
	}
	sum := sha256.Sum256(data)
	res := &result{existing: map[int]bool{}, sha256: hex.EncodeToString(sum[:])}
	var err error
	// The matches hold as of this point of the audit trail (see write).
	if res.seq, _, err = r.Store.WritesSince(ctx, a, 0, ""); err != nil {
		return nil, err
	}
	now := r.now()
	rd := bytes.NewReader(data)
	// Valid people are looked up in the database while the sheet is still being read.
	m := r.startMatching(ctx, a, imp.Kind)
	switch imp.Kind {
	case string(xlsx.Volunteers):
		res.volunteers, res.problems, err = xlsx.CheckVolunteers(rd, imp.Filename, imp.OrgID, orgByCode, now, progress,
			func(rows []xlsx.Row[*guangong.Volunteer]) { m.send(volunteerKeys(rows)) })
	case string(xlsx.Youths):
		res.youths, res.problems, err = xlsx.CheckYouths(rd, imp.Filename, imp.OrgID, orgByCode, now, progress,
			func(rows []xlsx.Row[*guangong.Youth]) { m.send(youthKeys(rows)) })
	case string(xlsx.Events):
		res.events, res.problems, err = xlsx.CheckEvents(rd, imp.Filename, imp.OrgID, orgByCode, now, progress)
	default:
		err = guangong.Errorf(guangong.EINVALID, "未知的导入类型", "Unknown import kind")
	}
	matches, merr := m.wait()
	if err == nil {
		err = lookupErr
	}
	if err == nil {
		err = merr
	}
	if err != nil {
		return nil, err
	}
	res.total = countRows(res, imp.Total)
	if imp.Kind == string(xlsx.Events) {
		if err := r.matchEvents(ctx, a, res); err != nil {
			return nil, err
		}
	} else {
		applyMatches(res, imp.Kind, matches)
	}
	return res, nil
}

// matcher looks people up in the database on its own goroutine while the check reads on.
type matcher struct {
	keys    chan []guangong.PersonKey
	done    chan struct{}
	matches []keyedMatch
	err     error
}

// keyedMatch is a stored record a row duplicates, with the row's key (for the report).
type keyedMatch struct {
	guangong.Match
	key guangong.PersonKey
}

// startMatching starts a matcher for kind (for events: one that is never sent anything).
func (r *Runner) startMatching(ctx context.Context, a *guangong.Actor, kind string) *matcher {
	m := &matcher{keys: make(chan []guangong.PersonKey, 4), done: make(chan struct{})}
	go func() {
		defer close(m.done)
		for keys := range m.keys {
			if m.err != nil {
				continue // drain
			}
			found, err := r.lookup(ctx, a, kind, keys)
			m.err = err
			m.matches = append(m.matches, found...)
		}
	}()
	return m
}

func (m *matcher) send(keys []guangong.PersonKey) { m.keys <- keys }

// wait ends the matching and returns what it found.
func (m *matcher) wait() ([]keyedMatch, error) {
	close(m.keys)
	<-m.done
	return m.matches, m.err
}

func volunteerKeys(rows []xlsx.Row[*guangong.Volunteer]) []guangong.PersonKey {
	keys := make([]guangong.PersonKey, len(rows))
	for i, row := range rows {
		p := row.Record
		keys[i] = guangong.PersonKey{Row: row.Line, IDNumber: p.IDNumber, Name: p.Name, BirthDate: p.BirthDate, OrgID: p.OrgID}
	}
	return keys
}

func youthKeys(rows []xlsx.Row[*guangong.Youth]) []guangong.PersonKey {
	keys := make([]guangong.PersonKey, len(rows))
	for i, row := range rows {
		y := row.Record
		keys[i] = guangong.PersonKey{Row: row.Line, IDNumber: y.IDNumber, Name: y.Name, BirthDate: y.BirthDate, OrgID: y.OrgID}
	}
	return keys
}

// countRows is the number of data rows: the reader's own count when it reported one, and
// never fewer than the rows seen in the result.
func countRows(res *result, reported int) int {
	seen := map[int]bool{}
	for _, line := range res.lines() {
		seen[line] = true
	}
	for _, p := range res.problems {
		if p.Row > 1 {
			seen[p.Row] = true
		}
	}
	return max(reported, len(seen))
}

// matchExisting adds a problem for each row that duplicates a stored record; such rows
// are left out of the import.
func (r *Runner) matchExisting(ctx context.Context, a *guangong.Actor, kind string, res *result) error {
	if kind == string(xlsx.Events) {
		return r.matchEvents(ctx, a, res)
	}
	keys := append(volunteerKeys(res.volunteers), youthKeys(res.youths)...)
	found, err := r.lookup(ctx, a, kind, keys)
	if err != nil {
		return err
	}
	applyMatches(res, kind, found)
	return nil
}

// lookup finds the stored records that keys duplicate, matchBatch keys at a time.
func (r *Runner) lookup(ctx context.Context, a *guangong.Actor, kind string, keys []guangong.PersonKey) ([]keyedMatch, error) {
	byRow := make(map[int]guangong.PersonKey, len(keys))
	for _, k := range keys {
		byRow[k.Row] = k
	}
	var out []keyedMatch
	for batch := range slices.Chunk(keys, matchBatch) {
		matches, err := r.Store.MatchExisting(ctx, a, kind, batch)
		if err != nil {
			return nil, err
		}
		for _, m := range matches {
			out = append(out, keyedMatch{m, byRow[m.Row]})
		}
	}
	return out, nil
}

// applyMatches adds one problem for each row that duplicates a stored record; such rows
// are left out of the import.
func applyMatches(res *result, kind string, matches []keyedMatch) {
	for _, m := range matches {
		if res.existing[m.Row] {
			continue // one problem per row is enough
		}
		res.existing[m.Row] = true
		k := m.key
		// The report is stored: an ID number only masked, a child's name too.
		p := guangong.ImportProblem{Row: m.Row, Column: column(kind, "身份证号"), Value: guangong.MaskIDNumber(k.IDNumber),
			Message: guangong.Msg{Zh: "与已有记录重复（身份证号相同）", En: "Duplicates an existing record (same ID number)"}}
		if m.Reason != "id_number" {
			name := k.Name
			if kind == string(xlsx.Youths) {
				name = guangong.MaskName(name)
			}
			p = guangong.ImportProblem{Row: m.Row, Column: column(kind, "姓名"), Value: name,
				Message: guangong.Msg{Zh: "与已有记录重复（姓名、出生日期、所属组织相同）", En: "Duplicates an existing record (same name, birth date and committee)"}}
		}
		res.problems = append(res.problems, p)
	}
}

// column is the template's header that starts with prefix (headers may carry hints such
// as "身份证号（选填）"), or prefix itself.
func column(kind, prefix string) string {
	for _, c := range xlsx.Columns(xlsx.Kind(kind)) {
		if strings.HasPrefix(c, prefix) {
			return c
		}
	}
	return prefix
}

// staleAfter is how long an import may sit checking or importing without a save before it
// is taken for abandoned (its server stopped): longer than any check (checkTimeout) and than
// the one transaction of a commit.
const staleAfter = checkTimeout

// Find returns one of the actor's imports. A check or commit abandoned by a stopped server
// is marked failed here, so the user is told to upload again rather than wait forever.
func (r *Runner) Find(ctx context.Context, a *guangong.Actor, id string) (*guangong.Import, error) {
	imp, err := r.Store.FindImport(ctx, a, id)
	if err != nil {
		return nil, err
	}
	busy := imp.Status == guangong.ImportChecking || imp.Status == guangong.ImportImporting
	if busy && r.now().Sub(imp.UpdatedAt) > staleAfter {
		imp.Status = guangong.ImportFailed
		imp.Error = "处理已中断（服务器重启或超时），请重新上传文件"
		if err := r.Store.SaveImport(ctx, a, imp); err != nil {
			return nil, err
		}
	}
	return imp, nil
}

// Commit writes the valid rows of a checked import in one transaction: the file is read
// and checked again, and rows that now duplicate stored records are left out. Only the
// account that uploaded the file may commit it.
func (r *Runner) Commit(ctx context.Context, a *guangong.Actor, id string) (*guangong.Import, error) {
	imp, err := r.Store.FindImport(ctx, a, id)
	if err != nil {
		return nil, err
	}
	if imp.UserID != a.UserID {
		return nil, &guangong.Error{Code: guangong.EFORBIDDEN, Msg: guangong.Msg{
			Zh: "只有上传该文件的账号才能确认导入", En: "Only the account that uploaded the file may import it"}}
	}
	if !r.claim(id) {
		return nil, busy()
	}
	defer r.release(id)
	// Re-read under the claim: another server may have moved it on.
	if imp, err = r.Store.FindImport(ctx, a, id); err != nil {
		return nil, err
	}
	if imp.Status != guangong.ImportChecked {
		if imp.Status == guangong.ImportChecking || imp.Status == guangong.ImportImporting {
			return nil, busy()
		}
		word := map[string]string{guangong.ImportDone: "已完成", guangong.ImportFailed: "已失败"}[imp.Status]
		return nil, &guangong.Error{Code: guangong.ECONFLICT, Msg: guangong.Msg{
			Zh: "该导入" + word + "，不能再次确认；如需导入请重新上传文件",
			En: "This import is " + imp.Status + " and cannot be committed again; upload the file anew"}}
	}
	if imp.Valid == 0 {
		return nil, nothingValid()
	}
	// Writing a large sheet takes a while; a closed browser tab must not roll it back halfway.
	ctx = context.WithoutCancel(ctx)
	imp.Status = guangong.ImportImporting
	imp.Done = 0
	if err := r.Store.SaveImport(ctx, a, imp); err != nil {
		return nil, err
	}
	n, err := r.write(ctx, a, imp)
	if err != nil {
		r.fail(ctx, a, imp, err)
		return imp, err
	}
	imp.Status = guangong.ImportDone
	imp.Imported = n
	imp.Done = imp.Total
	if err := r.Store.SaveImport(ctx, a, imp); err != nil {
		return nil, err
	}
	return imp, nil
}

// write checks the stored file again and writes what is valid now.
func (r *Runner) write(ctx context.Context, a *guangong.Actor, imp *guangong.Import) (int, error) {
	res := r.take(imp.ID)
	if res != nil {
		// The rows were checked here moments ago; only the database may have changed. If no
		// record of their kind was written since (nor any import), their matches still hold.
		head, changed, err := r.Store.WritesSince(ctx, a, res.seq, imp.ID, imp.Kind, "import")
		if err != nil {
			return 0, err
		}
		if changed {
			res.existing, res.problems, res.seq = map[int]bool{}, nil, head // the report is saved already
			if err := r.matchExisting(ctx, a, imp.Kind, res); err != nil {
				return 0, err
			}
		}
	} else {
		data, err := r.Store.ImportFile(ctx, a, imp.ID)
		if err != nil {
			return 0, err
		}
		if res, err = r.checkFile(ctx, a, imp, data, func(done, total int) {}); err != nil {
			return 0, err
		}
	}
	switch imp.Kind {
	case string(xlsx.Volunteers):
		var rows []*guangong.Volunteer
		for _, row := range res.volunteers {
			if !res.existing[row.Line] {
				rows = append(rows, row.Record)
			}
		}
		if len(rows) == 0 {
			return 0, nothingValid()
		}
		if js, ok := r.Store.(jobStore); ok {
			return len(rows), js.ImportVolunteersFor(ctx, a, imp.ID, res.sha256, rows)
		}
		return len(rows), r.Store.ImportVolunteers(ctx, a, rows)
	case string(xlsx.Youths):
		var rows []*guangong.Youth
		for _, row := range res.youths {
			if !res.existing[row.Line] {
				rows = append(rows, row.Record)
			}
		}
		if len(rows) == 0 {
			return 0, nothingValid()
		}
		if js, ok := r.Store.(jobStore); ok {
			return len(rows), js.ImportYouthsFor(ctx, a, imp.ID, res.sha256, rows)
		}
		return len(rows), r.Store.ImportYouths(ctx, a, rows)
	case string(xlsx.Events):
		return r.writeEvents(ctx, a, res)
	}
	return 0, errors.New("importer: unknown kind " + imp.Kind)
}

func nothingValid() error {
	return guangong.Errorf(guangong.EINVALID, "文件中没有可导入的有效行，请修改后重新上传", "The file has no valid rows to import; fix it and upload it again")
}

func busy() error {
	return guangong.Errorf(guangong.ECONFLICT, "该导入正在处理中，请稍候", "This import is being processed; please wait")
}

// claim marks an import as being committed in this process, so a double click cannot
// write it twice.
func (r *Runner) claim(id string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.committing[id] {
		return false
	}
	if r.committing == nil {
		r.committing = map[string]bool{}
	}
	r.committing[id] = true
	return true
}

func (r *Runner) release(id string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.committing, id)
}
