package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"

	"modernc.org/sqlite"
)

// oneConn opens a SQLite file through the statement cache on one connection, and a
// function that reads how many statements that connection has prepared for its cache.
func oneConn(t *testing.T) (*sql.DB, func() int) {
	t.Helper()
	db := sql.OpenDB(&stmtCacheConnector{dsn: sqliteDSN(filepath.Join(t.TempDir(), "c.db")), driver: &sqlite.Driver{}})
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	t.Cleanup(func() { db.Close() })
	prepared := func() int {
		c, err := db.Conn(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		var n int
		if err := c.Raw(func(dc any) error { n = dc.(*cachingConn).prepared; return nil }); err != nil {
			t.Fatal(err)
		}
		return n
	}
	return db, prepared
}

func TestStmtCacheReusesStatements(t *testing.T) {
	ctx := context.Background()
	db, prepared := oneConn(t)
	if _, err := db.Exec(`CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	before := prepared()
	for i := range 50 {
		if _, err := db.ExecContext(ctx, `INSERT INTO t (id, v) VALUES ($1, $2)`, i, fmt.Sprint("v", i)); err != nil {
			t.Fatal(err)
		}
		var v string
		if err := db.QueryRowContext(ctx, `SELECT v FROM t WHERE id = $1`, i).Scan(&v); err != nil || v != fmt.Sprint("v", i) {
			t.Fatalf("row %d: %q, %v", i, v, err)
		}
	}
	if got := prepared() - before; got != 2 {
		t.Fatalf("100 runs of 2 statements prepared %d statements, want 2", got)
	}

	// A failed statement leaves the cached one ready for the next run.
	if _, err := db.ExecContext(ctx, `INSERT INTO t (id, v) VALUES ($1, $2)`, 1, "dup"); err == nil {
		t.Fatal("a duplicate key was accepted")
	}
	if _, err := db.ExecContext(ctx, `INSERT INTO t (id, v) VALUES ($1, $2)`, 100, "v100"); err != nil {
		t.Fatal(err)
	}

	// The schema changing under a cached statement: SQLite prepares it again by itself.
	if _, err := db.Exec(`ALTER TABLE t ADD COLUMN w TEXT NOT NULL DEFAULT 'w'`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, `INSERT INTO t (id, v) VALUES ($1, $2)`, 101, "v101"); err != nil {
		t.Fatal(err)
	}
}

func TestStmtCacheNestedAndEvicted(t *testing.T) {
	ctx := context.Background()
	db, _ := oneConn(t)
	tx, err := db.BeginTx(ctx, nil) // one connection: the nested queries share it
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if _, err := tx.Exec(`CREATE TABLE t (id INTEGER PRIMARY KEY)`); err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		if _, err := tx.Exec(`INSERT INTO t (id) VALUES ($1)`, i); err != nil {
			t.Fatal(err)
		}
	}
	const q = `SELECT id FROM t WHERE id >= $1 ORDER BY id`
	rows, err := tx.QueryContext(ctx, q, 0)
	if err != nil {
		t.Fatal(err)
	}
	var outer, inner []int
	for rows.Next() {
		var id int
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		outer = append(outer, id)
		// The same text again while its rows are open, then enough others to evict it.
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM (`+q+`)`, id).Scan(&n); err != nil {
			t.Fatal(err)
		}
		in, err := tx.QueryContext(ctx, q, id)
		if err != nil {
			t.Fatal(err)
		}
		c := 0
		for in.Next() {
			c++
		}
		in.Close()
		inner = append(inner, c)
		for k := range stmtCacheSize + 1 {
			if _, err := tx.Exec(fmt.Sprintf(`SELECT %d`, k)); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := rows.Close(); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(outer) != "[0 1 2 3 4]" || fmt.Sprint(inner) != "[5 4 3 2 1]" {
		t.Fatalf("outer %v inner %v: a nested run of the same statement disturbed the other", outer, inner)
	}
	again, err := tx.QueryContext(ctx, q, 0) // evicted while busy, closed after: runs again
	if err != nil {
		t.Fatal(err)
	}
	again.Close()
	tx.Rollback()
	c, _ := db.Conn(ctx)
	c.Raw(func(dc any) error {
		if n := dc.(*cachingConn).lru.Len(); n > stmtCacheSize {
			t.Errorf("the cache holds %d statements, more than %d", n, stmtCacheSize)
		}
		return nil
	})
	c.Close()
}
