package sqlstore

import (
	"context"
	"database/sql"
)

// Raw SQL for tests that tamper with the database behind the store's back.

func (db *DB) RawExec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return db.writer.ExecContext(ctx, q, args...)
}

func (db *DB) RawQueryRow(ctx context.Context, q string, args ...any) *sql.Row {
	return db.writer.QueryRowContext(ctx, q, args...)
}

func (db *DB) RawReader() *sql.DB { return db.reader }

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
