// Package sqlstore implements guangong.Store on SQLite (modernc.org/sqlite) and PostgreSQL
// (pgx) with one set of SQL. Every exported method takes the caller's *guangong.Actor and
// enforces its scope (the subtree of its committee, through org_closure) in the query.
//
// The schema (migrations/) avoids what PostgreSQL-compatible distributed engines lack or
// handle badly: ids are UUIDv7 strings made by the application (no sequences or serial
// columns), times are UTC text in a fixed sortable layout, there are no triggers, stored
// procedures or engine-specific types, and the audit trail's order comes from a counter row
// (audit_head) updated in the appending transaction. Dialect differences (opening, error
// codes, the migration lock) are all in dialect.go.
//
// Writes run in one transaction each, with their audit entry; a denial (role or scope) is
// answered like a missing object and recorded in a transaction of its own.
package sqlstore

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"strings"
	"time"

	"guangong"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// DB is the store. On SQLite, writes go through one connection (SQLite has one writer
// anyway; queuing in Go beats SQLITE_BUSY) and reads through a pool; on PostgreSQL both
// are the same pool.
type DB struct {
	dialect string
	writer  *sql.DB
	reader  *sql.DB

	// Now is the clock; tests move it to expire sessions and lockouts.
	Now func() time.Time

	seal *sealer // nil without a data key: then no ID number or phone nor audit entry can be written

	file string // SQLite: the database file
	sync string // SQLite: PRAGMA synchronous, FULL unless WithSQLiteSync says otherwise

	group *groupCommit // SQLite: writes arriving together commit together (groupcommit.go)
	opts  []Option     // as opened: a backup's copy is checked with the same keys

	legacyAudit bool // tests only: append entries by the SHA-256 rule of before migration 0012
}

var _ guangong.Store = (*DB)(nil)

// Open opens a PostgreSQL database for a postgres:// or postgresql:// dsn and a SQLite
// file for anything else. It does not migrate; call Migrate. WithDataKey gives the key
// that seals ID numbers and phones.
func Open(dsn string, opts ...Option) (*DB, error) {
	db := &DB{Now: time.Now, opts: opts, sync: SQLiteSyncFull}
	for _, o := range opts {
		if err := o(db); err != nil {
			return nil, err
		}
	}
	var err error
	if isPostgres(dsn) {
		db.dialect = dialectPostgres
		db.writer, err = openPostgres(dsn)
		db.reader = db.writer
	} else {
		db.dialect = dialectSQLite
		db.file, err = SQLiteFile(dsn)
		if err == nil {
			db.writer, db.reader, err = openSQLite(db.file, db.sync)
		}

		if err == nil {
			// Statement journals (kept by each multi-row INSERT inside a transaction) in
			// memory, not in temporary files: bulk imports spent most of their time writing
			// them. Set here, outside any transaction, on the one writer connection, which
			// is never recycled (SQLite ignores the pragma inside a transaction).
			_, err = db.writer.Exec(`PRAGMA temp_store = MEMORY`)
		}
	}
	if err != nil {
		return nil, corrupt(err)
	}
	if err := db.Ping(context.Background()); err != nil {
		db.Close()
		return nil, corrupt(err)
	}
	if db.dialect == dialectSQLite {
		db.group = newGroupCommit(db)
	}
	return db, nil
}

// Dialect is "sqlite" or "postgres".
func (db *DB) Dialect() string { return db.dialect }

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.writer.PingContext(ctx); err != nil {
		return fmt.Errorf("sqlstore: ping: %w", err)
	}
	if db.reader != db.writer {
		if err := db.reader.PingContext(ctx); err != nil {
			return fmt.Errorf("sqlstore: ping: %w", err)
		}
	}
	return nil
}

// Close closes the pools.
func (db *DB) Close() error {
	if db.group != nil {
		db.group.close()
	}
	err := db.writer.Close()
	if db.reader != db.writer {
		err = errors.Join(err, db.reader.Close())
	}
	return err
}

// Stats reports the read pool's figures for metrics.
func (db *DB) Stats() map[string]float64 {
	s := db.reader.Stats()
	return map[string]float64{
		"open":         float64(s.OpenConnections),
		"in_use":       float64(s.InUse),
		"idle":         float64(s.Idle),
		"wait_count":   float64(s.WaitCount),
		"wait_seconds": s.WaitDuration.Seconds(),
	}
}

// Migrate applies the embedded migrations not yet recorded in schema_migrations, in
// name order, each in its own transaction. Migrations are forward-only.
func (db *DB) Migrate(ctx context.Context) error { return db.migrate(ctx, "") }

// migrate applies the migrations whose version sorts before until ("": all of them).
//
// One file serves both databases (0004_activities.sql). Where the DDL must differ, a
// version has a file per dialect instead (0005_grams.sqlite.sql); a dialect without a file
// of its own has nothing to do for that version.
func (db *DB) migrate(ctx context.Context, until string) error {
	names, err := fs.Glob(migrationFS, "migrations/*.sql")
	if err != nil {
		return err
	}
	sort.Strings(names)
	if until == "" {
		db.legacyAudit = false // a test's older build (MigrateUntil) becomes this one
	}
	seen := map[string]bool{}
	for _, name := range names {
		version, dialect := migrationVersion(name)
		if dialect != "" && dialect != db.dialect {
			continue
		}
		if until != "" && version >= until {
			break
		}
		if seen[version] { // a shared file and a dialect's file for one version
			return fmt.Errorf("sqlstore: migration %s: more than one file", version)
		}
		seen[version] = true
		if err := db.migrateFile(ctx, name, version); err != nil {
			return err
		}
	}
	return nil
}

// migrationVersion splits migrations/0005_grams.sqlite.sql into its version (0005_grams)
// and its dialect ("" for a file both databases apply).
func migrationVersion(name string) (version, dialect string) {
	version = strings.TrimSuffix(strings.TrimPrefix(name, "migrations/"), ".sql")
	for _, d := range []string{dialectSQLite, dialectPostgres} {
		if v, ok := strings.CutSuffix(version, "."+d); ok {
			return v, d
		}
	}
	return version, ""
}

// migrationSteps are the Go steps a migration runs after its SQL, in its transaction.
var migrationSteps = map[string]func(tx *Tx) error{
	"0011_tallies":      func(tx *Tx) error { return tx.recountTallies(nil) },
	"0012_audit_keyed":  func(tx *Tx) error { return tx.rekeyAudit() },
	"0017_tally_listed": func(tx *Tx) error { return tx.recountTallies(nil) },
}

func (db *DB) migrateFile(ctx context.Context, name, version string) error {
	body, err := migrationFS.ReadFile(name)
	if err != nil {
		return err
	}
	tx, err := db.writer.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	// Several servers may start at once on one PostgreSQL: one migrates, the others wait.
	if err := lockMigrations(ctx, tx, db.dialect); err != nil {
		return fmt.Errorf("sqlstore: migration lock: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version TEXT PRIMARY KEY, applied_at TEXT NOT NULL)`); err != nil {
		return fmt.Errorf("sqlstore: migrations table: %w", err)
	}
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations WHERE version = $1`, version).Scan(&n); err != nil {
		return fmt.Errorf("sqlstore: migration %s: %w", version, err)
	} else if n > 0 {
		return nil
	}
	if _, err := tx.ExecContext(ctx, string(body)); err != nil {
		return fmt.Errorf("sqlstore: migration %s: %w", version, err)
	}
	if step := migrationSteps[version]; step != nil {
		if err := step(db.newTx(ctx, tx)); err != nil {
			return fmt.Errorf("sqlstore: migration %s: %w", version, err)
		}
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)`,
		version, fmtTime(db.now())); err != nil {
		return fmt.Errorf("sqlstore: migration %s: %w", version, err)
	}
	return tx.Commit()
}

func (db *DB) now() time.Time { return db.Now().UTC() }

// collect runs query and returns its rows as scan reads each, in order: an empty list,
// never nil, when there are none.
func collect[T any](ctx context.Context, q querier, query string, args []any, scan func(scanner) (T, error)) ([]T, error) {
	out := []T{}
	err := eachRow(ctx, q, query, args, func(s scanner) error {
		v, err := scan(s)
		out = append(out, v)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// eachRow runs query and calls fn on each row, in order, closing the rows before it returns.
func eachRow(ctx context.Context, q querier, query string, args []any, fn func(scanner) error) error {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// scanString reads a row of one text column.
func scanString(s scanner) (string, error) {
	var v string
	err := s.Scan(&v)
	return v, err
}

// querier is what helpers need: a pool or a transaction.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// Tx is a write transaction with the time it started, so every row and audit entry it
// writes carries one timestamp.
type Tx struct {
	*sql.Tx
	ctx     context.Context
	now     time.Time
	dialect string
	tallies *tallyDeltas // the figures' changes, applied at commit

	auditKey    []byte // nil without a data key: then nothing can be audited, so nothing written
	legacyAudit bool
	clock       func() time.Time // the store's clock, read again once the audit head is locked
	detached    bool             // one write of a group commit: its statements ignore cancellation (groupcommit.go)
}

func (db *DB) newTx(ctx context.Context, stx *sql.Tx) *Tx {
	// The time as stored (fmtTime keeps microseconds), so what a write answers is what a read gives.
	tx := &Tx{Tx: stx, ctx: ctx, now: db.now().Truncate(time.Microsecond), dialect: db.dialect, legacyAudit: db.legacyAudit, clock: db.now}
	if db.seal != nil {
		tx.auditKey = db.seal.auditKey
	}
	return tx
}

// denial is returned from inside a transaction when the actor may not do something: the
// transaction rolls back, then the denial is audited in a transaction of its own and the
// caller gets err (NotFound or Forbidden, exactly as for a missing object).
type denial struct {
	err        error
	objectType string
	objectID   string
	orgID      string
	detail     string
}

func (d *denial) Error() string { return d.err.Error() }
func (d *denial) Unwrap() error { return d.err }

// missing answers an id that names nothing: err (NotFound, or a field's "does not exist"),
// audited as a denial exactly like an id outside scope, so that a guess at an id costs the
// same audit write as a probe beyond scope and neither answer is the quicker one.
func missing(err error, objectType, id, what string) error {
	return &denial{err: err, objectType: objectType, objectID: id, detail: what + ": not found"}
}

// retold returns err with its answer replaced by as when err is a not-found one (a missing
// id or one outside scope, audited or not), so that a lookup made on the way (a member's
// troupe, a record's committee) answers in the words of the object asked for; other errors
// pass unchanged.
func retold(err, as error) error {
	if guangong.ErrorCode(err) != guangong.ENOTFOUND {
		return err
	}
	return reanswered(err, as)
}

// reanswered returns as in place of err, keeping err's denial (and so its audit entry)
// when it is one.
func reanswered(err, as error) error {
	var d *denial
	if errors.As(err, &d) {
		c := *d
		c.err = as
		return &c
	}
	return as
}

// write runs fn in a write transaction. Driver errors become safe *guangong.Error values.
func (db *DB) write(ctx context.Context, a *guangong.Actor, fn func(tx *Tx) error) error {
	if a == nil {
		return noActor()
	}
	err := db.inTx(ctx, fn)
	return db.finish(ctx, a, err)
}

func (db *DB) inTx(ctx context.Context, fn func(tx *Tx) error) error {
	if db.group != nil {
		return db.group.run(ctx, fn)
	}
	return db.runTx(ctx, fn, false)
}

// noActor answers a call without an actor: a bug in the caller, refused rather than
// run unscoped.
func noActor() error {
	return guangong.Errorf(guangong.EUNAUTHORIZED, "请先登录", "Please log in")
}

// read runs fn against the read pool, auditing denials like write.
func (db *DB) read(ctx context.Context, a *guangong.Actor, fn func(q querier) error) error {
	if a == nil {
		return noActor()
	}
	return db.finish(ctx, a, fn(db.reader))
}

// finish audits a denial and turns foreign errors into safe ones.
func (db *DB) finish(ctx context.Context, a *guangong.Actor, err error) error {
	if err == nil {
		return nil
	}
	var d *denial
	if errors.As(err, &d) {
		if a != nil {
			if aerr := db.inTx(ctx, func(tx *Tx) error {
				return tx.audit(a, entry{action: guangong.ActionDenied, result: guangong.ResultDenied,
					objectType: d.objectType, objectID: d.objectID, orgID: d.orgID, detail: d.detail})
			}); aerr != nil {
				return guangong.Internal(fmt.Errorf("sqlstore: audit denial: %w", aerr))
			}
			return guangong.Audited(d.err)
		}
		return d.err
	}
	return mapError(err)
}

// timeLayout is how instants are stored: UTC, fixed width, so text order is time order.
const timeLayout = "2006-01-02T15:04:05.000000Z"

func fmtTime(t time.Time) string { return t.UTC().Format(timeLayout) }

func fmtTimePtr(t *time.Time) any {
	if t == nil {
		return nil
	}
	return fmtTime(*t)
}

// timeCol scans a stored time into a time.Time.
type timeCol struct{ t *time.Time }

func (c timeCol) Scan(v any) error {
	s, err := textValue(v)
	if err != nil {
		return err
	}
	t, err := time.Parse(timeLayout, s)
	if err != nil {
		return fmt.Errorf("sqlstore: bad time %q: %w", s, err)
	}
	*c.t = t
	return nil
}

// nullTimeCol scans a nullable stored time into a *time.Time.
type nullTimeCol struct{ t **time.Time }

func (c nullTimeCol) Scan(v any) error {
	if v == nil {
		*c.t = nil
		return nil
	}
	var t time.Time
	if err := (timeCol{&t}).Scan(v); err != nil {
		return err
	}
	*c.t = &t
	return nil
}

func textValue(v any) (string, error) {
	switch x := v.(type) {
	case string:
		return x, nil
	case []byte:
		return string(x), nil
	}
	return "", fmt.Errorf("sqlstore: want text, got %T", v)
}

// likePattern makes a LIKE pattern for "contains s" with the wildcards escaped (ESCAPE '\').
func likePattern(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(s) + "%"
}

// args collects query arguments and hands out their $n placeholders.
type args []any

func (a *args) add(v any) string {
	*a = append(*a, v)
	return fmt.Sprintf("$%d", len(*a))
}

// inList is "(" + placeholders for ids + ")".
func inList(ids []string, args *args) string {
	ph := make([]string, len(ids))
	for i, id := range ids {
		ph[i] = args.add(id)
	}
	return "(" + strings.Join(ph, ", ") + ")"
}

// list is inList padded with empty ids to a power of two, so that lists of any length
// share a few statement texts: for columns where ” names nothing.
func (a *args) list(ids []string) string {
	size := 1
	for size < len(ids) {
		size *= 2
	}
	return inList(append(ids[:len(ids):len(ids)], make([]string, size-len(ids))...), a)
}

// limit writes a page as literals: they are ints, so nothing can be injected, and
// PostgreSQL can then plan each list once (a LIMIT parameter makes it re-plan every call).
func limit(p guangong.Page) string {
	return fmt.Sprintf(" LIMIT %d OFFSET %d", p.Limit, p.Offset)
}

// countInto sets *total to what a list's count query finds, or to -1 without running it
// when the caller's page skips the total.
func countInto(ctx context.Context, q querier, p guangong.Page, total *int, query string, args ...any) error {
	if p.SkipTotal {
		*total = -1
		return nil
	}
	return q.QueryRowContext(ctx, query, args...).Scan(total)
}
