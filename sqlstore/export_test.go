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
