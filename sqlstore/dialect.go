package sqlstore

// Every difference between SQLite and PostgreSQL lives in this file: how to open each, and
// how each reports a unique violation. The SQL elsewhere is shared.

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"runtime"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib" // driver "pgx"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"guangong"
)

const (
	dialectSQLite   = "sqlite"
	dialectPostgres = "postgres"
)

func isPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

func openPostgres(dsn string) (*sql.DB, error) {
	db, err := sql.Open("pgx", dsn)
	if traceQuery.Load() != nil { // tests only (stmtcache.go)
		var cfg *pgx.ConnConfig
		if cfg, err = pgx.ParseConfig(dsn); err == nil {
			cfg.Tracer = pgTracer{}
			db = stdlib.OpenDB(*cfg)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("sqlstore: open postgres: %w", err)
	}
	db.SetMaxOpenConns(max(10, 2*runtime.NumCPU()))
	db.SetMaxIdleConns(max(10, 2*runtime.NumCPU()))
	return db, nil
}

// pgTracer hands each statement to traceQuery.
type pgTracer struct{}

func (pgTracer) TraceQueryStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	if fn := traceQuery.Load(); fn != nil {
		(*fn)(d.SQL, d.Args)
	}
	return ctx
}

func (pgTracer) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

// openSQLite opens path twice: one connection for writes (transactions begin IMMEDIATE,
// so they queue on the lock instead of failing to upgrade) and a pool for reads. Every
// connection gets WAL, foreign keys and a busy timeout through _pragma parameters, and keeps
// its statements prepared (stmtcache.go).
func openSQLite(path, sync string) (writer, reader *sql.DB, err error) {
	dsn := func(extra ...string) string {
		return sqliteDSN(path, append([]string{"synchronous(" + sync + ")"}, extra...)...)
	}
	drv := &sqlite.Driver{}
	writer = sql.OpenDB(&stmtCacheConnector{dsn: dsn() + "&_txlock=immediate", driver: drv})
	writer.SetMaxOpenConns(1)
	writer.SetMaxIdleConns(1)
	writer.SetConnMaxLifetime(0)
	writer.SetConnMaxIdleTime(0)
	// The writer creates the file and switches it to WAL before readers open it.
	if err := pingSQLite(writer); err != nil {
		writer.Close()
		return nil, nil, fmt.Errorf("sqlstore: open sqlite: %w", err)
	}
	reader = sql.OpenDB(&stmtCacheConnector{dsn: dsn("query_only(1)"), driver: drv})
	n := max(4, runtime.NumCPU())
	reader.SetMaxOpenConns(n)
	reader.SetMaxIdleConns(n)
	return writer, reader, nil
}

// SQLiteFile is the file a SQLite dsn names: a plain path (not a file: URI) after which
// modernc splits off the parameters, so '#' or '%' in a directory name (t.TempDir of a
// subtest "x#01") stays part of it.
func SQLiteFile(dsn string) (string, error) {
	path := strings.TrimPrefix(dsn, "file:")
	if i := strings.IndexByte(path, '?'); i >= 0 {
		path = path[:i]
	}
	if path == "" || strings.HasPrefix(path, ":memory:") {
		// The writer and the readers must share one database: an in-memory one is per connection.
		return "", fmt.Errorf("sqlstore: SQLite needs a file path, not %q", path)
	}
	return path, nil
}

// sqliteDSN is how every connection to the file at path opens: WAL, foreign keys and a
// busy timeout through _pragma parameters, then extra ones.
func sqliteDSN(path string, extra ...string) string {
	// busy_timeout first: switching a new file to WAL takes an exclusive lock, and
	// another process opening it at the same moment must wait, not fail with SQLITE_BUSY.
	q := url.Values{"_pragma": append([]string{"busy_timeout(10000)", "journal_mode(WAL)", "foreign_keys(1)"}, extra...)}
	return path + "?" + q.Encode()
}

// SQLite's durability settings (PRAGMA synchronous) that WithSQLiteSync takes. In WAL mode,
// FULL syncs the log to disk at every commit: a commit that returned survives a power cut.
// NORMAL syncs only at checkpoints: faster writes, but a power cut (not a crash of the
// program) can lose the last commits, never corrupt the file.
const (
	SQLiteSyncFull   = "FULL"
	SQLiteSyncNormal = "NORMAL"
)

// WithSQLiteSync sets SQLite's durability (SQLiteSyncFull, the default, or
// SQLiteSyncNormal); PostgreSQL ignores it (its own synchronous_commit rules there).
func WithSQLiteSync(mode string) Option {
	return func(db *DB) error {
		switch m := strings.ToUpper(mode); m {
		case SQLiteSyncFull, SQLiteSyncNormal:
			db.sync = m
			return nil
		}
		return fmt.Errorf("sqlstore: SQLite sync %q: want full or normal", mode)
	}
}

// isCorrupt reports whether SQLite found the file damaged (SQLITE_CORRUPT) or not a
// database at all (SQLITE_NOTADB).
func isCorrupt(err error) bool {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return false
	}
	code := se.Code() & 0xff
	return code == sqlite3.SQLITE_CORRUPT || code == sqlite3.SQLITE_NOTADB
}

// pingSQLite opens the writer's connection. Several processes opening a new file at once
// race to switch it to WAL; SQLite answers the losers SQLITE_BUSY at once, without the busy
// handler (which would risk a deadlock), so they try again for up to ten seconds.
func pingSQLite(db *sql.DB) error {
	deadline := time.Now().Add(10 * time.Second)
	for {
		err := db.Ping()
		var se *sqlite.Error
		if err == nil || !errors.As(err, &se) || se.Code()&0xff != sqlite3.SQLITE_BUSY || time.Now().After(deadline) {
			return err
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// lockMigrations serialises concurrent Migrate calls for the rest of tx. SQLite needs
// nothing: its write transactions already exclude each other.
func lockMigrations(ctx context.Context, tx *sql.Tx, dialect string) error {
	if dialect != dialectPostgres {
		return nil
	}
	_, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(4822640)`) // any constant key of ours
	return err
}

// lockTree takes the lock between the subtree figures and moves in the committee tree:
// shared by every transaction that changes figures, exclusive for a move, which recounts
// the figures of the committees it moves between. SQLite's writes are serial already.
func lockTree(ctx context.Context, tx *Tx, exclusive bool) error {
	if tx.dialect != dialectPostgres {
		return nil
	}
	q := `SELECT pg_advisory_xact_lock_shared(4822641)`
	if exclusive {
		q = `SELECT pg_advisory_xact_lock(4822641)`
	}
	_, err := tx.ExecContext(ctx, q)
	return err
}

// uniqueKeys names, for each unique index, the field and its label for messages.
// PostgreSQL reports the index name; SQLite reports table.column.
var uniqueKeys = map[string]struct{ field, zh, en string }{
	"orgs_code_key":       {"code", "代码", "code"},
	"orgs.code":           {"code", "代码", "code"},
	"users_username_key":  {"username", "用户名", "username"},
	"users.username":      {"username", "用户名", "username"},
	"users_volunteer_key": {"volunteerId", "志愿者的账号", "volunteer's account"},
	"users.volunteer_id":  {"volunteerId", "志愿者的账号", "volunteer's account"},
}

// uniqueViolation reports whether err is a unique violation and, if known, which index.
func uniqueViolation(err error) (key string, ok bool) {
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "23505" {
		return pe.ConstraintName, true
	}
	var se *sqlite.Error
	if errors.As(err, &se) && (se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || se.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY) {
		// "UNIQUE constraint failed: orgs.code (2067)"
		msg := se.Error()
		if i := strings.LastIndex(msg, "failed: "); i >= 0 {
			key = msg[i+len("failed: "):]
			if j := strings.IndexAny(key, " ,"); j >= 0 {
				key = key[:j]
			}
		}
		return key, true
	}
	return "", false
}

// mapError turns driver errors into safe domain errors; domain errors pass through.
func mapError(err error) error {
	if err == nil {
		return nil
	}
	var ge *guangong.Error
	if errors.As(err, &ge) {
		return err
	}
	if key, ok := uniqueViolation(err); ok {
		if k, known := uniqueKeys[key]; known {
			msg := guangong.Msg{Zh: "该" + k.zh + "已被使用", En: "This " + k.en + " is already in use"}
			return &guangong.Error{Code: guangong.ECONFLICT, Msg: msg, Fields: map[string]guangong.Msg{k.field: msg}, Err: err}
		}
		return &guangong.Error{Code: guangong.ECONFLICT, Msg: guangong.Msg{Zh: "记录重复", En: "Duplicate record"}, Err: err}
	}
	return guangong.Internal(err)
}
