// Package storetest opens real databases for tests, SQLite always and PostgreSQL when
// GUANGONG_TEST_POSTGRES is set, and builds a small committee tree with one account per role.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"guangong/sqlstore"
)

// DataKey is the fixed data key every test database is opened with (never use it outside tests).
var DataKey = []byte("guangong-storetest-data-key-32by")

// Each runs fn as the subtests "sqlite" and "postgres", each on a fresh migrated database.
func Each(t *testing.T, fn func(t *testing.T, db *sqlstore.DB)) {
	t.Helper()
	for _, kind := range []string{"sqlite", "postgres"} {
		t.Run(kind, func(t *testing.T) {
			fn(t, Open(t, kind))
		})
	}
}

// Open returns a fresh migrated database of kind "sqlite" (a temporary file) or
// "postgres" (a new schema in GUANGONG_TEST_POSTGRES, dropped at cleanup). Without that
// variable a postgres test is skipped, or fails when GUANGONG_TEST_STRICT=1.
func Open(t testing.TB, kind string) *sqlstore.DB {
	t.Helper()
	db, err := sqlstore.Open(DSN(t, kind), sqlstore.WithDataKey(DataKey))
	if err != nil {
		t.Fatalf("storetest: open %s: %v", kind, err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(context.Background()); err != nil {
		t.Fatalf("storetest: migrate %s: %v", kind, err)
	}
	return db
}

// DSN returns the address of a fresh, empty (unmigrated) database of kind, removed at
// cleanup: for tests of start-up, migration and the command line.
func DSN(t testing.TB, kind string) string {
	t.Helper()
	switch kind {
	case "sqlite":
		return filepath.Join(t.TempDir(), "test.db")
	case "postgres":
		return postgresSchema(t)
	}
	t.Fatalf("storetest: unknown database kind %q", kind)
	return ""
}

// postgresSchema creates a schema of its own for one test and returns a DSN whose every
// connection uses it.
func postgresSchema(t testing.TB) string {
	t.Helper()
	base := os.Getenv("GUANGONG_TEST_POSTGRES")
	if base == "" {
		if os.Getenv("GUANGONG_TEST_STRICT") == "1" {
			t.Fatal("GUANGONG_TEST_POSTGRES not set and GUANGONG_TEST_STRICT=1: the PostgreSQL tests must run")
		}
		t.Skip("GUANGONG_TEST_POSTGRES not set: skipping the PostgreSQL run (e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable)")
	}
	b := make([]byte, 8)
	rand.Read(b)
	schema := "t_" + hex.EncodeToString(b)
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("storetest: connect to postgres: %v", err)
	}
	defer admin.Close()
	if _, err := admin.Exec(`CREATE SCHEMA ` + schema); err != nil {
		t.Fatalf("storetest: create schema: %v", err)
	}
	t.Cleanup(func() {
		admin, err := sql.Open("pgx", base)
		if err != nil {
			t.Errorf("storetest: connect to postgres: %v", err)
			return
		}
		defer admin.Close()
		if _, err := admin.Exec(`DROP SCHEMA ` + schema + ` CASCADE`); err != nil {
			t.Errorf("storetest: drop schema: %v", err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("storetest: GUANGONG_TEST_POSTGRES: %v", err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}
