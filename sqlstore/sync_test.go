package sqlstore_test

import (
	"path/filepath"
	"testing"

	"guangong/sqlstore"
)

// SQLite commits are durable by default (synchronous=FULL on the writer and the readers);
// WithSQLiteSync("normal") trades that for speed, and a wrong word is refused.
func TestSQLiteSyncSetting(t *testing.T) {
	for _, c := range []struct {
		opts []sqlstore.Option
		want int // PRAGMA synchronous: 1 NORMAL, 2 FULL
	}{{nil, 2}, {[]sqlstore.Option{sqlstore.WithSQLiteSync("normal")}, 1}, {[]sqlstore.Option{sqlstore.WithSQLiteSync("FULL")}, 2}} {
		db, err := sqlstore.Open(filepath.Join(t.TempDir(), "s.db"), c.opts...)
		if err != nil {
			t.Fatal(err)
		}
		var w, r int
		if err := db.RawQueryRow(ctx, `PRAGMA synchronous`).Scan(&w); err != nil {
			t.Fatal(err)
		}
		if err := db.RawReader().QueryRowContext(ctx, `PRAGMA synchronous`).Scan(&r); err != nil {
			t.Fatal(err)
		}
		db.Close()
		if w != c.want || r != c.want {
			t.Errorf("options %d: synchronous %d on the writer, %d on a reader; want %d", len(c.opts), w, r, c.want)
		}
	}
	if _, err := sqlstore.Open(filepath.Join(t.TempDir(), "s.db"), sqlstore.WithSQLiteSync("off")); err == nil {
		t.Error("synchronous=off was accepted")
	}
}
