package xlsx

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"guangong"
)

// Row is a valid record with the sheet row it came from.
type Row[T any] struct {
	Line   int
	Record T
}

// progressEvery is how many rows pass between progress reports.
const progressEvery = 1000

// CheckVolunteers reads an uploaded volunteer sheet and checks every row; see checkFile.
// emit, if given, receives the valid rows as the check goes (see Emit).
func CheckVolunteers(r io.Reader, filename string, defaultOrgID string, orgByCode func(code string) (string, bool),
	now time.Time, progress func(done, total int), emit ...func([]Row[*guangong.Volunteer])) ([]Row[*guangong.Volunteer], []guangong.ImportProblem, error) {
	return checkFile(r, filename, kindSpec[guangong.Volunteer]{
		emit: first(emit),
		cols: volunteerColumns,
		prepare: func(p *guangong.Volunteer) {
			if p.Status == "" {
				p.Status = "active"
			}
			if len(p.Skills) == 0 {
				p.Skills = []string{}
			}
		},
		normalize: (*guangong.Volunteer).Normalize,
		validate:  (*guangong.Volunteer).Validate,
		keys: func(p *guangong.Volunteer) (string, string, string, string) {
			return p.IDNumber, p.Name, p.BirthDate, p.OrgID
		},
		// ID numbers and phones are stored only sealed; the stored report quotes them masked.
		sensitive: map[string]func(string) string{"idNumber": guangong.MaskIDNumber, "phone": guangong.MaskPhone},
	}, defaultOrgID, orgByCode, now, progress)
}

// CheckYouths reads an uploaded youth sheet and checks every row; see checkFile.
func CheckYouths(r io.Reader, filename string, defaultOrgID string, orgByCode func(code string) (string, bool),
	now time.Time, progress func(done, total int), emit ...func([]Row[*guangong.Youth])) ([]Row[*guangong.Youth], []guangong.ImportProblem, error) {
	return checkFile(r, filename, kindSpec[guangong.Youth]{
		emit: first(emit),
		cols: youthColumns,
		prepare: func(y *guangong.Youth) {
			if len(y.Categories) == 0 {
				y.Categories = []string{}
			}
		},
		normalize: (*guangong.Youth).Normalize,
		validate:  (*guangong.Youth).Validate,
		keys: func(y *guangong.Youth) (string, string, string, string) {
			return y.IDNumber, y.Name, y.BirthDate, y.OrgID
		},
		// The report is stored with the import job and shown to whoever follows it up:
		// it quotes a child's name, ID number and the guardian's phone masked, and free
		// text (notes and the like) not at all, as everywhere else; the row and column are
		// enough to find the cell.
		sensitive: youthSensitive(),
	}, defaultOrgID, orgByCode, now, progress)
}

// youthSensitive masks what a youth sheet's problems quote: names, the ID number and the
// guardian's phone masked, free text hidden whole.
func youthSensitive() map[string]func(string) string {
	m := map[string]func(string) string{
		"name": guangong.MaskName, "idNumber": guangong.MaskIDNumber, "guardianName": guangong.MaskName,
		"guardianPhone": guangong.MaskPhone, "consentBy": guangong.MaskName,
	}
	for _, f := range guangong.YouthFreeText {
		m[f] = guangong.HideText
	}
	return m
}

// EmitEvery is how many valid rows a check gathers before it hands them to emit. A row
// once valid stays valid (a duplicate within the file is a problem of the later row), so a
// caller may look the emitted rows up in the database while the sheet is still being read.
// emit runs on the checking goroutine and must not keep it long; the rows must be read only.
const EmitEvery = 2000

func first[F any](fs []F) F {
	var zero F
	if len(fs) == 0 {
		return zero
	}
	return fs[0]
}

// kindSpec is what differs between the registers.
type kindSpec[T any] struct {
	emit      func([]Row[*T]) // valid rows as the check goes, EmitEvery at a time (nil: none)
	cols      []column[T]
	prepare   func(*T) // defaults for cells left empty, after the cells are read
	normalize func(*T)
	validate  func(*T, time.Time) error
	keys      func(*T) (id, name, birth, org string)
	// sensitive masks the value a problem quotes, for registers whose report must not
	// hold a minor's name, ID number or phone in clear (nil: quote as found).
	sensitive map[string]func(string) string
	// Registers that are not people (keys nil): the field whose 示例 marks the example row,
	// and one duplicate key (empty: none) over dupFields, reported on the first of them.
	nameField string
	dupFields []string
	dupKey    func(*T) string
	dupMsg    func(first int) guangong.Msg
}

// CountRows is how many distinct rows the problems concern (the import's invalid rows).
func CountRows(problems []guangong.ImportProblem) int {
	seen := map[int]bool{}
	for _, p := range problems {
		seen[p.Row] = true
	}
	return len(seen)
}

// checkFile reads the file's header, maps the columns by name, then converts, normalises
// and validates each row as it streams past. Problems name the row, the column header, the
// value as found and the message; a row with any problem is left out of the valid rows.
// Duplicates within the file (same ID number; same name, birth date and committee) are
// problems of the later row. Rows whose first cell starts with 示例 are the template's
// example and are skipped, as are empty rows.
func checkFile[T any](r io.Reader, filename string, spec kindSpec[T], defaultOrgID string,
	orgByCode func(string) (string, bool), now time.Time, progress func(done, total int)) ([]Row[*T], []guangong.ImportProblem, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, nil, guangong.Internal(err)
	}
	c := newChecker(spec, defaultOrgID, orgByCode, now)
	found := false
	err = openSheets(data, filename, func(src source) (bool, error) {
		line, idx, ok, err := header(src, spec.cols)
		if err != nil || !ok {
			return ok, err
		}
		found = true
		c.idx = idx
		total := 0
		if last := src.lastLine(); last > line {
			total = last - line
		}
		for {
			n, cells, ok, err := src.next()
			if err != nil {
				return true, err
			}
			if !ok {
				break
			}
			if c.row(n, cells) && progress != nil && c.done%progressEvery == 0 {
				progress(c.done, max(total, c.done))
			}
			if spec.emit != nil && len(c.valid)-c.emitted >= EmitEvery {
				spec.emit(c.valid[c.emitted:len(c.valid):len(c.valid)])
				c.emitted = len(c.valid)
			}
		}
		if spec.emit != nil && len(c.valid) > c.emitted {
			spec.emit(c.valid[c.emitted:len(c.valid):len(c.valid)])
			c.emitted = len(c.valid)
		}
		return true, nil
	})
	if err != nil {
		return nil, nil, err
	}
	if !found {
		return nil, nil, errNoHeader(spec.cols)
	}
	if c.done == 0 {
		return nil, nil, unreadable("文件中没有数据：表头下面没有填写任何人员（示例行不计）",
			"The file holds no data: no rows below the header (the example row does not count)")
	}
	if progress != nil {
		progress(c.done, c.done)
	}
	return c.valid, c.problems, nil
}

type checker[T any] struct {
	spec         kindSpec[T]
	idx          []int // sheet cell index → column, -1 for unknown columns
	lookups      map[int]map[string]string
	defaultOrgID string
	orgByCode    func(string) (string, bool)
	orgs         map[string]string // resolved codes ("" for unknown), so each is looked up once
	now          time.Time

	done     int
	valid    []Row[*T]
	emitted  int // valid rows handed to spec.emit
	problems []guangong.ImportProblem
	byID     map[string]int    // first row with each ID number
	byName   map[[3]string]int // first row with each name, birth date and committee

	fID, fName, fBirth, fOrg int // the columns of the duplicate keys

	dupCols []int          // spec.dupFields' columns
	byKey   map[string]int // first row with each spec.dupKey

	// per row, reused
	raw []string // cell text by column
	bad []bool   // the column already has a problem

	shared []map[string]string // by column, texts and dates many rows repeat: see share
}

func newChecker[T any](spec kindSpec[T], defaultOrgID string, orgByCode func(string) (string, bool), now time.Time) *checker[T] {
	c := &checker[T]{
		spec: spec, defaultOrgID: defaultOrgID, orgByCode: orgByCode, now: now,
		lookups: map[int]map[string]string{}, orgs: map[string]string{},
		byID: map[string]int{}, byName: map[[3]string]int{}, shared: make([]map[string]string, len(spec.cols)),
		raw: make([]string, len(spec.cols)), bad: make([]bool, len(spec.cols)),
	}
	for i, col := range spec.cols {
		if col.kind == kCode || col.kind == kCodes {
			c.lookups[i] = codeLookup(col.codes)
		}
	}
	if spec.keys == nil {
		c.fName = c.field(spec.nameField)
		for _, f := range spec.dupFields {
			c.dupCols = append(c.dupCols, c.field(f))
		}
		return c
	}
	c.fID, c.fName, c.fBirth, c.fOrg = c.field("idNumber"), c.field("name"), c.field("birthDate"), c.field("orgId")
	return c
}

// row checks one sheet row; it reports whether the row held data.
func (c *checker[T]) row(line int, cells []string) bool {
	clear(c.raw)
	clear(c.bad)
	empty, example := true, false
	for j, v := range cells {
		if v = clean(v); v != "" {
			example = example || empty && strings.HasPrefix(v, "示例")
			empty = false
			if j < len(c.idx) && c.idx[j] >= 0 {
				c.raw[c.idx[j]] = v
			}
		}
	}
	// The template's example row, wherever its name column has been moved to.
	if empty || example || strings.HasPrefix(c.raw[c.fName], "示例") {
		return false
	}
	c.done++
	start := len(c.problems)
	rec := new(T)
	for i, col := range c.spec.cols {
		v := c.raw[i]
		var val cell
		switch col.kind {
		case kText:
			val.s = c.share(i, v)
		case kDate:
			if v != "" {
				if d, ok := parseDate(v); ok {
					val.s = c.share(i, d)
				} else {
					c.problem(line, i, dateProblem(col.header, col.field))
				}
			}
		case kCode:
			if v != "" {
				if code, ok := lookup(c.lookups[i], v); ok {
					val.s = code
				} else {
					c.problem(line, i, codeProblem(col.header, col.field, col.codes))
				}
			}
		case kCodes:
			for _, w := range splitList(v) {
				code, ok := lookup(c.lookups[i], w)
				if !ok {
					c.problem(line, i, codesProblem(col.header, col.field, w, col.codes))
					break
				}
				val.list = append(val.list, code)
			}
		case kBool:
			if v != "" {
				b, ok := lookup(boolWords, v)
				if !ok {
					c.problem(line, i, boolProblem(col.header, col.field))
				}
				val.b = b
			}
		case kID:
			if id, ok := parseID(v); ok {
				val.s = id
			} else {
				c.problem(line, i, excelIDProblem)
			}
		case kPhone:
			val.s = parsePhone(v)
		case kOrg:
			val.s = c.defaultOrgID
			if v != "" {
				if val.s = c.org(v); val.s == "" {
					c.problem(line, i, orgProblem(v))
				}
			}
		case kOrgs:
			val.list = c.orgsCell(line, i, v)
		case kDateTime:
			if v != "" {
				if t, ok := parseDateTime(v); ok {
					val.s = t
				} else {
					c.problem(line, i, dateTimeProblem(col.header, col.field))
				}
			}
		case kInt:
			if v != "" {
				if n, ok := parseCount(v); ok {
					val.s = n
				} else {
					c.problem(line, i, countProblem(col.header, col.field))
				}
			}
		}
		col.set(rec, val)
	}
	c.spec.prepare(rec)
	c.spec.normalize(rec)
	if err := c.spec.validate(rec, c.now); err != nil {
		fields := guangong.FieldErrors(err)
		if fields == nil {
			c.problems = append(c.problems, guangong.ImportProblem{Row: line, Message: guangong.ErrorMsg(err)})
		}
		for i, col := range c.spec.cols {
			if m, ok := fields[col.field]; ok && !c.bad[i] {
				c.problem(line, i, m)
			}
		}
	}
	c.duplicates(line, rec)
	if len(c.problems) > start {
		// Problems found by the parsers and by Validate, in the template's column order.
		slices.SortStableFunc(c.problems[start:], func(a, b guangong.ImportProblem) int {
			return c.colIndex(a.Column) - c.colIndex(b.Column)
		})
		return true
	}
	c.valid = append(c.valid, Row[*T]{Line: line, Record: rec})
	return true
}

// shareMax bounds the strings a check shares between rows, per column: a column of
// names fills its share and no more, and the others keep theirs.
const shareMax = 1024

// share returns the first string equal to s that column col gave it, so the rows repeating
// a cell (a unit, a post, a party branch, a date) hold one string, not one each: the valid
// rows stay in memory until the commit, and in a 100,000-row sheet such cells are most of
// their text.
func (c *checker[T]) share(col int, s string) string {
	m := c.shared[col]
	if m == nil {
		m = make(map[string]string)
		c.shared[col] = m
	}
	if t, ok := m[s]; ok {
		return t
	}
	if len(m) < shareMax {
		m[s] = s
	}
	return s
}

func (c *checker[T]) problem(line, col int, m guangong.Msg) {
	c.bad[col] = true
	v := c.raw[col]
	if mask := c.spec.sensitive[c.spec.cols[col].field]; mask != nil {
		v = mask(v)
	}
	c.problems = append(c.problems, guangong.ImportProblem{
		Row: line, Column: c.spec.cols[col].header, Value: v, Message: m,
	})
}

func (c *checker[T]) colIndex(header string) int {
	for i, col := range c.spec.cols {
		if col.header == header {
			return i
		}
	}
	return len(c.spec.cols)
}

func (c *checker[T]) field(name string) int {
	for i, col := range c.spec.cols {
		if col.field == name {
			return i
		}
	}
	panic("xlsx: no column for field " + name)
}

// duplicates records the row's keys when their cells are sound, and makes a later row with
// the same keys a problem (the first stays valid; the report names it).
func (c *checker[T]) duplicates(line int, rec *T) {
	if c.spec.keys == nil {
		c.sameKey(line, rec)
		return
	}
	id, name, birth, org := c.spec.keys(rec)
	if fid := c.fID; id != "" && !c.bad[fid] {
		if first, ok := c.byID[id]; ok {
			c.problem(line, fid, guangong.Msg{
				Zh: fmt.Sprintf("与第%d行的身份证号重复", first),
				En: fmt.Sprintf("Same ID number as row %d", first)})
		} else {
			c.byID[id] = line
		}
	}
	fn, fb, fo := c.fName, c.fBirth, c.fOrg
	if name != "" && birth != "" && org != "" && !c.bad[fn] && !c.bad[fb] && !c.bad[fo] {
		k := [3]string{name, birth, org}
		if first, ok := c.byName[k]; ok {
			c.problem(line, fn, guangong.Msg{
				Zh: fmt.Sprintf("与第%d行的姓名、出生日期和所属组织相同，可能重复登记", first),
				En: fmt.Sprintf("Same name, birth date and committee as row %d: possibly registered twice", first)})
		} else {
			c.byName[k] = line
		}
	}
}

func (c *checker[T]) org(code string) string {
	if id, ok := c.orgs[code]; ok {
		return id
	}
	id := ""
	if c.orgByCode != nil {
		if found, ok := c.orgByCode(code); ok {
			id = found
		}
	}
	c.orgs[code] = id
	return id
}

// lookup tries the word as written (the usual case, and no allocation) before folding it.
func lookup[V any](m map[string]V, word string) (V, bool) {
	if v, ok := m[word]; ok {
		return v, true
	}
	v, ok := m[key(word)]
	return v, ok
}
