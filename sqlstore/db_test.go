package sqlstore_test

import (
	"path/filepath"
	"strings"
	"testing"

	"guangong"
	"guangong/sqlstore"
	"guangong/sqlstore/storetest"
)

func TestOpenAndMigrate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		want := "sqlite"
		if strings.Contains(t.Name(), "postgres") {
			want = "postgres"
		}
		if db.Dialect() != want {
			t.Fatalf("dialect %q", db.Dialect())
		}
		// Migrate again: nothing to do, nothing fails.
		if err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		var n int
		db.RawQueryRow(ctx, `SELECT COUNT(*) FROM schema_migrations WHERE version = '0001_init'`).Scan(&n)
		if n != 1 {
			t.Fatalf("0001_init recorded %d times", n)
		}
		if err := db.Ping(ctx); err != nil {
			t.Fatal(err)
		}
		st := db.Stats()
		for _, k := range []string{"open", "in_use", "idle", "wait_count", "wait_seconds"} {
			if _, ok := st[k]; !ok {
				t.Fatalf("stats lack %s: %v", k, st)
			}
		}
		// Foreign keys hold on both databases.
		_, err := db.RawExec(ctx, `INSERT INTO org_closure (ancestor_id, descendant_id, depth) VALUES ('a', 'b', 1)`)
		if err == nil {
			t.Fatal("foreign key not enforced")
		}
	})
}

func TestSQLitePragmas(t *testing.T) {
	db := storetest.Open(t, "sqlite")
	// Every read connection, not just the first, has the pragmas: hold several at once.
	r := db.RawReader()
	var conns []interface{ Close() error }
	for range 3 {
		c, err := r.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
		var fk, timeout int
		var mode string
		c.QueryRowContext(ctx, `PRAGMA foreign_keys`).Scan(&fk)
		c.QueryRowContext(ctx, `PRAGMA busy_timeout`).Scan(&timeout)
		c.QueryRowContext(ctx, `PRAGMA journal_mode`).Scan(&mode)
		if fk != 1 || timeout < 1000 || mode != "wal" {
			t.Fatalf("reader pragmas: foreign_keys=%d busy_timeout=%d journal_mode=%s", fk, timeout, mode)
		}
		// The read pool cannot write.
		if _, err := c.ExecContext(ctx, `UPDATE audit_head SET seq = seq`); err == nil {
			t.Fatal("read pool wrote")
		}
	}
	for _, c := range conns {
		c.Close()
	}
	var fk int
	db.RawQueryRow(ctx, `PRAGMA foreign_keys`).Scan(&fk)
	if fk != 1 {
		t.Fatal("writer without foreign keys")
	}
}

func TestSQLitePathWithHash(t *testing.T) {
	for _, bad := range []string{"", ":memory:", "file::memory:?cache=shared"} {
		if db, err := sqlstore.Open(bad); err == nil {
			db.Close()
			t.Fatalf("opened %q: the writer and readers would not share it", bad)
		}
	}
	dir := filepath.Join(t.TempDir(), "a#b%c")
	db1, err := sqlstore.Open(filepath.Join(dir, "x.db"))
	if err == nil {
		db1.Close()
		t.Fatal("opened a file in a missing directory")
	}
	path := filepath.Join(t.TempDir(), "x#1.db")
	db, err := sqlstore.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if m, _ := filepath.Glob(filepath.Join(filepath.Dir(path), "x#1.db*")); len(m) == 0 {
		t.Fatal("database not created at its path")
	}
}

func TestDriverErrorsAreSafe(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := storetest.NewFixture(t, db)
		err := db.CreateUser(ctx, sys, &guangong.User{Username: "admin", DisplayName: "重复", OrgID: f.County.ID,
			Role: guangong.RoleViewer}, storetest.Password)
		wantCode(t, err, guangong.ECONFLICT)
		wantField(t, err, "username", "该用户名已被使用")
		msg := guangong.ErrorMsg(err)
		if strings.Contains(msg.Zh+msg.En, "UNIQUE") || strings.Contains(msg.Zh+msg.En, "duplicate") {
			t.Fatalf("driver text leaked: %v", msg)
		}
	})
}

// Several servers starting at once on one empty database all migrate without error.
func TestConcurrentMigrate(t *testing.T) {
	for _, kind := range []string{"sqlite", "postgres"} {
		t.Run(kind, func(t *testing.T) {
			dsn := storetest.DSN(t, kind)
			errs := make(chan error, 4)
			for range 4 {
				go func() {
					db, err := sqlstore.Open(dsn)
					if err != nil {
						errs <- err
						return
					}
					defer db.Close()
					errs <- db.Migrate(ctx)
				}()
			}
			for range 4 {
				if err := <-errs; err != nil {
					t.Fatal(err)
				}
			}
			db, err := sqlstore.Open(dsn, sqlstore.WithDataKey(storetest.DataKey))
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			var n int
			db.RawQueryRow(ctx, `SELECT COUNT(*) FROM schema_migrations`).Scan(&n)
			// Every shared file, and the files of this dialect (0005_grams.sqlite.sql).
			files, _ := filepath.Glob("migrations/*.sql")
			want := 0
			for _, f := range files {
				other := map[string]string{"sqlite": ".postgres.sql", "postgres": ".sqlite.sql"}[kind]
				if !strings.HasSuffix(f, other) {
					want++
				}
			}
			if n != want || n < 2 {
				t.Fatalf("%d migrations recorded, %d files for %s", n, want, kind)
			}
			verifyOK(t, db)
		})
	}
}

// A call without an actor is refused, never run unscoped.
func TestNilActor(t *testing.T) {
	db := storetest.Open(t, "sqlite")
	f := storetest.NewFixture(t, db)
	if _, err := db.FindOrgByID(ctx, nil, f.Town.ID); guangong.ErrorCode(err) != guangong.EUNAUTHORIZED {
		t.Fatalf("FindOrgByID: %v", err)
	}
	if _, err := db.InScope(ctx, nil, f.Town.ID); guangong.ErrorCode(err) != guangong.EUNAUTHORIZED {
		t.Fatalf("InScope: %v", err)
	}
	if err := db.CreateUser(ctx, nil, &guangong.User{}, ""); guangong.ErrorCode(err) != guangong.EUNAUTHORIZED {
		t.Fatalf("CreateUser: %v", err)
	}
	if err := db.ChangePassword(ctx, nil, "a", "b", ""); guangong.ErrorCode(err) != guangong.EUNAUTHORIZED {
		t.Fatalf("ChangePassword: %v", err)
	}
	if _, _, err := db.FindAudit(ctx, nil, guangong.AuditFilter{}); guangong.ErrorCode(err) != guangong.EUNAUTHORIZED {
		t.Fatalf("FindAudit: %v", err)
	}
}

// Migration 0005_grams exists for SQLite only: there the name grams become a WITHOUT ROWID
// table, and grams written before it survive; PostgreSQL has nothing to do and records
// nothing for that version.
func TestMigrateGrams(t *testing.T) {
	for _, kind := range []string{"sqlite", "postgres"} {
		t.Run(kind, func(t *testing.T) {
			db, err := sqlstore.Open(storetest.DSN(t, kind), sqlstore.WithDataKey(storetest.DataKey))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			if err := db.MigrateUntil(ctx, "0005"); err != nil {
				t.Fatal(err)
			}
			if _, err := db.RawExec(ctx, `INSERT INTO person_name_grams (kind, gram, name, person_id) VALUES
				('v', '王', '王秀兰', 'p1'), ('v', '王秀', '王秀兰', 'p1'), ('v', '秀兰', '王秀兰', 'p1'), ('y', '李', '李四', 'p2')`); err != nil {
				t.Fatal(err)
			}
			if err := db.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			var n int
			db.RawQueryRow(ctx, `SELECT COUNT(*) FROM person_name_grams`).Scan(&n)
			var id string
			db.RawQueryRow(ctx, `SELECT person_id FROM person_name_grams WHERE kind = 'v' AND gram = '秀兰'`).Scan(&id)
			if n != 4 || id != "p1" {
				t.Fatalf("after the migration: %d grams, 秀兰 -> %q", n, id)
			}
			db.RawQueryRow(ctx, `SELECT COUNT(*) FROM person_name_grams WHERE person_id = 'p2'`).Scan(&n)
			if n != 1 {
				t.Fatalf("grams by person: %d", n)
			}
			// The key still holds: a gram is stored once.
			if _, err := db.RawExec(ctx, `INSERT INTO person_name_grams (kind, gram, name, person_id) VALUES ('y', '李', '李四', 'p2')`); err == nil {
				t.Fatal("a duplicate gram was accepted")
			}
			var recorded int
			db.RawQueryRow(ctx, `SELECT COUNT(*) FROM schema_migrations WHERE version = '0005_grams'`).Scan(&recorded)
			if kind == "sqlite" {
				var ddl string
				db.RawQueryRow(ctx, `SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'person_name_grams'`).Scan(&ddl)
				var idx int
				db.RawQueryRow(ctx, `SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND name = 'person_name_grams_person'`).Scan(&idx)
				// 0007 drops the index by person (grams are deleted by their key).
				if !strings.Contains(ddl, "WITHOUT ROWID") || idx != 0 || recorded != 1 {
					t.Fatalf("sqlite grams table %q, person index %d, 0005 recorded %d", ddl, idx, recorded)
				}
			} else if recorded != 0 {
				t.Fatalf("0005_grams recorded %d times on postgres", recorded)
			}
			if err := db.Migrate(ctx); err != nil { // nothing left to do
				t.Fatal(err)
			}
		})
	}
}
