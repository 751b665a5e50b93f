package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"guangong"
)

// Name search at a million people: person_name_grams holds every character and every
// pair of adjacent characters of each name. A query of two or more characters walks the
// index range of its first pair, a one-character query that of its character; the range
// is in (name, id) order, so the first page stops early, and the exact LIKE on the name
// and the scope are checked on those candidates only.

const (
	gramVolunteer = "v"
	gramYouth     = "y"
)

// nameGrams returns the distinct characters and adjacent pairs of name.
func nameGrams(name string) []string {
	rs := []rune(name)
	seen := make(map[string]bool, 2*len(rs))
	var out []string
	add := func(g string) {
		if !seen[g] {
			seen[g] = true
			out = append(out, g)
		}
	}
	for i, r := range rs {
		add(string(r))
		if i+1 < len(rs) {
			add(string(rs[i : i+2]))
		}
	}
	return out
}

// queryGram is the gram a name query is looked up by: its first pair, or its one character.
func queryGram(q string) string {
	rs := []rune(q)
	if len(rs) >= 2 {
		return string(rs[:2])
	}
	return q
}

// gramRow is one row of person_name_grams.
type gramRow struct{ kind, gram, name, id string }

func gramRows(kind, id, name string) []gramRow {
	gs := nameGrams(name)
	rows := make([]gramRow, len(gs))
	for i, g := range gs {
		rows[i] = gramRow{kind, g, name, id}
	}
	return rows
}

// setGrams replaces the grams of a person's old name ("" for a new person) with those of
// the new one (same transaction as the person). The old rows are deleted by their key, so
// the table needs no index by person.
func (tx *Tx) setGrams(ctx context.Context, kind, id, oldName, name string) error {
	for _, g := range gramRows(kind, id, oldName) {
		if _, err := tx.ExecContext(ctx, `DELETE FROM person_name_grams WHERE kind = $1 AND gram = $2 AND name = $3
			AND person_id = $4`, g.kind, g.gram, g.name, g.id); err != nil {
			return err
		}
	}
	return tx.insertGrams(ctx, gramRows(kind, id, name))
}

const gramInsert = `INSERT INTO person_name_grams (kind, gram, name, person_id) VALUES `

// insertGrams writes gram rows with multi-row INSERTs.
func (tx *Tx) insertGrams(ctx context.Context, rows []gramRow) error {
	return insertRows(ctx, tx, gramInsert, 4, len(rows),
		func(i int, a []any) []any { r := rows[i]; return append(a, r.kind, r.gram, r.name, r.id) })
}

// insertRows inserts n rows of width columns, many rows to a statement, row(i, args)
// appending row i's values.
func insertRows(ctx context.Context, tx *Tx, head string, width, n int, row func(i int, a []any) []any) error {
	return upsertRows(ctx, tx, head, "", width, n, row)
}

// upsertRows is insertRows with tail (an ON CONFLICT clause) after each statement's rows.
func upsertRows(ctx context.Context, tx *Tx, head, tail string, width, n int, row func(i int, a []any) []any) error {
	ins := tx.bulkInsert(head, width)
	ins.tail = tail
	defer ins.close()
	per := ins.per
	a := make([]any, 0, min(n, per)*width)
	for start := 0; start < n; start += per {
		a = a[:0]
		for i := start; i < min(start+per, n); i++ {
			a = row(i, a)
		}
		if err := ins.exec(ctx, a); err != nil {
			return err
		}
	}
	return nil
}

// bulkInsert runs one multi-row INSERT for many rows. Statements stay near 500 parameters
// and the full-size one is prepared once, when first needed, and reused until close:
// SQLite's parsing and binding of $n parameters grow faster than linearly with their
// number, and re-parsing the same text per batch was most of an import's time.
type bulkInsert struct {
	tx         *Tx
	head, tail string
	width, per int
	full       *sql.Stmt
}

func (tx *Tx) bulkInsert(head string, width int) *bulkInsert {
	return &bulkInsert{tx: tx, head: head, width: width, per: max(1, 500/max(width, 1))}
}

// exec inserts the rows whose values a holds, width to a row.
func (b *bulkInsert) exec(ctx context.Context, a []any) error {
	if len(a) == 0 {
		return nil
	}
	if len(a)%b.width != 0 {
		return fmt.Errorf("sqlstore: %d values for rows of %d", len(a), b.width)
	}
	step := b.per * b.width
	for len(a) > 0 {
		chunk := a[:min(step, len(a))]
		a = a[len(chunk):]
		var err error
		if len(chunk) == step {
			if b.full == nil {
				if b.full, err = b.tx.PrepareContext(ctx, b.text(b.per)); err != nil {
					return err
				}
			}
			_, err = b.full.ExecContext(ctx, chunk...)
		} else {
			_, err = b.tx.ExecContext(ctx, b.text(len(chunk)/b.width), chunk...)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func (b *bulkInsert) text(rows int) string {
	var sb strings.Builder
	sb.WriteString(b.head)
	for r := range rows {
		if r > 0 {
			sb.WriteString(", ")
		}
		sb.WriteByte('(')
		for c := range b.width {
			if c > 0 {
				sb.WriteString(", ")
			}
			if b.tx.dialect == dialectSQLite {
				sb.WriteByte('?') // bound by position: SQLite looks each $n up by name
			} else {
				sb.WriteByte('$')
				sb.WriteString(strconv.Itoa(r*b.width + c + 1))
			}
		}
		sb.WriteByte(')')
	}
	sb.WriteString(b.tail)
	return sb.String()
}

func (b *bulkInsert) close() {
	if b.full != nil {
		b.full.Close()
		b.full = nil
	}
}

// personQuery is the FROM and WHERE of a list of volunteers (alias p) or youths.
type personQuery struct {
	from   string
	conds  []string
	args   args
	byGram bool // driven by the gram index: order by its (name, person_id)
	capped bool // a name search: counted up to SearchCountCap+1
}

// SearchCountCap is guangong.SearchCountCap: counting every holder of a common surname
// among a million people took ten times the page itself; nobody pages through thousands of 王.
const SearchCountCap = guangong.SearchCountCap

// count is the statement counting the list's records (capped for a name search).
func (q *personQuery) count(where string) string {
	if q.capped {
		return `SELECT COUNT(*) FROM (SELECT 1 AS x` + q.from + where + ` LIMIT ` + itoa(SearchCountCap+1) + `) c`
	}
	return `SELECT COUNT(*)` + q.from + where
}

func (q *personQuery) order() string {
	if q.byGram {
		return ` ORDER BY g.name, g.person_id`
	}
	return ` ORDER BY p.name, p.id`
}

// smallScope is the number of committees up to which a one-character name search is
// driven from the subtree (each committee's people by name, through volunteers_org_name)
// rather than from the gram index: a county's 300 committees hold a few thousand people,
// among whom a common surname is quicker found by reading them than by probing the
// committee of each of the ten thousand holders of that surname in the province. (A pair
// of characters has a hundred-odd holders among a million: the gram index wins there.)
// A var for tests.
var smallScope = 1000

// newPersonQuery applies what volunteers and youths share: scope, subtree, name, age band;
// merged records are left out.
func newPersonQuery(ctx context.Context, db querier, a *guangong.Actor, table, kind string, f guangong.PersonFilter, today time.Time) (*personQuery, error) {
	q := &personQuery{from: ` FROM ` + table + ` p`}
	name := ""
	if f.Query != nil {
		name = strings.TrimSpace(*f.Query)
	}
	if utf8.RuneCountInString(name) > 50 {
		return nil, fieldErr("q", "查询的姓名过长", "The name searched for is too long")
	}
	if err := filterOrg(ctx, db, a, f.OrgID, "list "+table); err != nil {
		return nil, err
	}
	root := ""
	if f.OrgID != nil && *f.OrgID != "" {
		root = *f.OrgID
	} else if !a.System {
		root = a.OrgID
	}
	byScope := false
	if utf8.RuneCountInString(name) == 1 && root != "" {
		var n int
		if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM (SELECT 1 AS x FROM org_closure WHERE ancestor_id = $1 LIMIT `+
			itoa(smallScope+1)+`) c`, root).Scan(&n); err != nil {
			return nil, err
		}
		byScope = n <= smallScope
	}
	// Without a name, the subtree as a list (IN) suits a list in name order. A name search
	// in a small subtree is driven from the subtree; in a large one from the gram index,
	// probing each candidate's committee by primary key (a list of a province's 30,000
	// committees, built per query, cost more than the search). The OFFSET keeps
	// PostgreSQL from turning the probe into a join it may drive from: its generic plan for
	// a prepared statement assumes a subtree of average size, and driving from a
	// province's subtree took over a second. (SQLite needs the LIMIT before an OFFSET;
	// PostgreSQL would drop a LIMIT alone.)
	subtree := func(root string) string {
		if name != "" {
			return `EXISTS (SELECT 1 FROM org_closure s WHERE s.ancestor_id = ` + q.args.add(root) +
				` AND s.descendant_id = p.org_id LIMIT 1 OFFSET 0)`
		}
		return `p.org_id IN (SELECT descendant_id FROM org_closure WHERE ancestor_id = ` + q.args.add(root) + `)`
	}
	q.conds = append(q.conds, `p.merged_into = ''`)
	switch {
	case byScope:
		q.from = ` FROM org_closure k JOIN ` + table + ` p ON p.org_id = k.descendant_id`
		q.conds = append(q.conds, `k.ancestor_id = `+q.args.add(root))
		if !a.System && root != a.OrgID {
			q.conds = append(q.conds, subtree(a.OrgID))
		}
		q.conds = append(q.conds, `p.name LIKE `+q.args.add(likePattern(name))+` ESCAPE '\'`)
		q.capped = true
	case name != "":
		if !a.System {
			q.conds = append(q.conds, subtree(a.OrgID))
		}
		if root != "" && root != a.OrgID {
			q.conds = append(q.conds, subtree(root))
		}
		q.from = ` FROM person_name_grams g JOIN ` + table + ` p ON p.id = g.person_id`
		q.conds = append(q.conds, `g.kind = `+q.args.add(kind), `g.gram = `+q.args.add(queryGram(name)))
		if utf8.RuneCountInString(name) > 2 {
			q.conds = append(q.conds, `p.name LIKE `+q.args.add(likePattern(name))+` ESCAPE '\'`)
		}
		q.byGram, q.capped = true, true
	default:
		if !a.System {
			q.conds = append(q.conds, subtree(a.OrgID))
		}
		if root != "" && root != a.OrgID {
			q.conds = append(q.conds, subtree(root))
		}
	}
	if f.AgeBand != nil && *f.AgeBand != "" {
		c, err := ageBandCond(*f.AgeBand, today, &q.args)
		if err != nil {
			return nil, err
		}
		q.conds = append(q.conds, c)
	}
	return q, nil
}

// ageBandCond turns a band ("<60", "60-69", "80+", and likewise "<14" for youths) into a
// range of birth dates on today (Shanghai): an age of at least n means a birth on or
// before today n years ago.
func ageBandCond(band string, today time.Time, a *args) (string, error) {
	bad := fieldErr("ageBand", "年龄段无效", "Unknown age band")
	cut := func(years int) string { return today.AddDate(-years, 0, 0).Format(guangong.DateLayout) }
	atoi := func(s string) (int, bool) {
		n, err := strconv.Atoi(s)
		return n, err == nil && n >= 0 && n < 150
	}
	switch {
	case strings.HasPrefix(band, "<"):
		n, ok := atoi(band[1:])
		if !ok {
			return "", bad
		}
		return `p.birth_date > ` + a.add(cut(n)), nil
	case strings.HasSuffix(band, "+"):
		n, ok := atoi(strings.TrimSuffix(band, "+"))
		if !ok {
			return "", bad
		}
		return `(p.birth_date <> '' AND p.birth_date <= ` + a.add(cut(n)) + `)`, nil
	}
	lo, hi, found := strings.Cut(band, "-")
	l, ok1 := atoi(lo)
	h, ok2 := atoi(hi)
	if !found || !ok1 || !ok2 || h < l {
		return "", bad
	}
	return `(p.birth_date <= ` + a.add(cut(l)) + ` AND p.birth_date > ` + a.add(cut(h+1)) + `)`, nil
}

// todayShanghai is the calendar day in Shanghai at t.
func todayShanghai(t time.Time) time.Time {
	y, m, d := t.In(guangong.Shanghai).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// Duplicates lists pairs in scope that look like one person: the same ID number (by its
// blind index), or the same name, birth date and committee. Each pair once, the smaller
// id first, ordered by ids.
func (db *DB) Duplicates(ctx context.Context, a *guangong.Actor, kind string, p guangong.Page) ([]guangong.Duplicate, error) {
	table, obj := "", ""
	switch kind {
	case "volunteer":
		table, obj = "volunteers", objVolunteer
	case "youth":
		table, obj = "youths", objYouth
	default:
		return nil, fieldErr("kind", "类型只能是 volunteer 或 youth", "Kind must be volunteer or youth")
	}
	var list []guangong.Duplicate
	err := db.read(ctx, a, func(q querier) error {
		if !a.Can(guangong.Role.CanReadRecords) {
			return &denial{err: guangong.Forbidden(), objectType: obj, detail: "duplicates"}
		}
		var args args
		scope := func() string {
			c := []string{`x.merged_into = ''`, `y.merged_into = ''`}
			if !a.System {
				c = append(c, scopeCond(a, "x.org_id", &args), scopeCond(a, "y.org_id", &args))
			}
			return strings.Join(c, " AND ")
		}
		sqlText := `SELECT x.id, y.id, 'id_number' FROM ` + table + ` x JOIN ` + table + ` y
			ON y.id_hash = x.id_hash AND x.id < y.id WHERE x.id_hash <> '' AND ` + scope() + `
			UNION ALL
			SELECT x.id, y.id, 'name_birth_org' FROM ` + table + ` x JOIN ` + table + ` y
			ON y.org_id = x.org_id AND y.name = x.name AND y.birth_date = x.birth_date AND x.id < y.id
			WHERE NOT (x.id_hash <> '' AND x.id_hash = y.id_hash) AND ` + scope() + `
			ORDER BY 1, 2` + limit(p.Normalize())
		rows, err := q.QueryContext(ctx, sqlText, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		list = []guangong.Duplicate{}
		for rows.Next() {
			var d guangong.Duplicate
			if err := rows.Scan(&d.A, &d.B, &d.Reason); err != nil {
				return err
			}
			list = append(list, d)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	return list, nil
}

// sensitiveChange records a change of a sealed or personal field without its value: the
// masked forms, or "(已修改)" when the masks alike would hide that anything changed.
func sensitiveChange(field, before, after string, mask func(string) string) *guangong.Change {
	if before == after {
		return nil
	}
	c := guangong.Change{Field: field, Before: mask(before), After: mask(after)}
	if c.Before == c.After {
		c.After = "(已修改)"
	}
	return &c
}

func boolText(b bool) string { return strconv.FormatBool(b) }

func itoa(n int) string { return fmt.Sprint(n) }
