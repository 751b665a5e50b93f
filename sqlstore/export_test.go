package sqlstore

import (
	"context"
	"database/sql"

	"guangong"
)

// Raw SQL for tests that tamper with the database behind the store's back.

func (db *DB) RawExec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return db.writer.ExecContext(ctx, q, args...)
}

func (db *DB) RawQueryRow(ctx context.Context, q string, args ...any) *sql.Row {
	return db.writer.QueryRowContext(ctx, q, args...)
}

func (db *DB) RawReader() *sql.DB { return db.reader }

// BulkLiteral inserts rows, each a literal "(…)" tuple, after head, as the generators do.
func (db *DB) BulkLiteral(ctx context.Context, head string, rows []string) error {
	return db.bulkLiteral(ctx, head, rows)
}

// SetVerifyPage shrinks VerifyAudit's page so tests cross page boundaries.
func SetVerifyPage(n int) func() {
	old := verifyPage
	verifyPage = n
	return func() { verifyPage = old }
}

// RehashAudit recomputes entry seq's hash after a tamper, as a forger who knows the
// algorithm would, without fixing later entries.
func (db *DB) RehashAudit(ctx context.Context, seq int64) error {
	var r auditRow
	if err := r.scan(db.writer.QueryRowContext(ctx, `SELECT `+auditCols+` FROM audit_log WHERE seq = $1`, seq)); err != nil {
		return err
	}
	_, err := db.writer.ExecContext(ctx, `UPDATE audit_log SET hash = $1 WHERE seq = $2`, r.hash(), seq)
	return err
}

// RechainAudit recomputes the chain from entry from to the head by the plain SHA-256 rule
// and points the head at the result, as a forger without the key would after an edit, a
// deletion or a renumbering. The head's MAC is left as it was (it needs the key).
func (db *DB) RechainAudit(ctx context.Context, from int64) error {
	prev := ""
	if from > 1 {
		if err := db.writer.QueryRowContext(ctx, `SELECT hash FROM audit_log WHERE seq = $1`, from-1).Scan(&prev); err != nil {
			return err
		}
	}
	var last int64
	if err := db.writer.QueryRowContext(ctx, `SELECT MAX(seq) FROM audit_log`).Scan(&last); err != nil {
		return err
	}
	for seq := from; seq <= last; seq++ {
		var r auditRow
		if err := r.scan(db.writer.QueryRowContext(ctx, `SELECT `+auditCols+` FROM audit_log WHERE seq = $1`, seq)); err != nil {
			return err
		}
		r.PrevHash = prev
		r.Hash = r.hash()
		if _, err := db.writer.ExecContext(ctx, `UPDATE audit_log SET prev_hash = $1, hash = $2 WHERE seq = $3`, r.PrevHash, r.Hash, seq); err != nil {
			return err
		}
		prev = r.Hash
	}
	_, err := db.writer.ExecContext(ctx, `UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1`, last, prev)
	return err
}

// LegacyHash is the entry's hash by the plain SHA-256 rule of before migration 0012.
func (db *DB) LegacyHash(ctx context.Context, seq int64) (stored, legacy string, err error) {
	var r auditRow
	if err := r.scan(db.writer.QueryRowContext(ctx, `SELECT `+auditCols+` FROM audit_log WHERE seq = $1`, seq)); err != nil {
		return "", "", err
	}
	return r.Hash, r.hash(), nil
}

// AuditAfter begins a write transaction, says so on began, waits for release, then appends
// an entry: a transaction that began before others but appends after them.
func (db *DB) AuditAfter(ctx context.Context, began chan<- struct{}, release <-chan struct{}) error {
	return db.inTx(ctx, func(tx *Tx) error {
		close(began)
		<-release
		return tx.audit(guangong.SystemActor("test"), entry{action: guangong.ActionExport, objectType: objAudit, detail: "late"})
	})
}

// TraceQueries makes fn hear every statement the store runs, with its arguments: on SQLite
// at once, on PostgreSQL in databases opened from now on. The returned function stops it.
func TraceQueries(fn func(query string, args []any)) func() {
	traceQuery.Store(&fn)
	return func() { traceQuery.Store(nil) }
}
