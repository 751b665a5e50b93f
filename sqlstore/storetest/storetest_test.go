package storetest

import (
	"guangong/sqlstore"
	"testing"
)

// recorder stands in for a test to see whether Open skips or fails.
type recorder struct {
	testing.TB
	skipped, failed bool
}

type stop struct{}

func (r *recorder) Helper()               {}
func (r *recorder) Skip(args ...any)      { r.skipped = true; panic(stop{}) }
func (r *recorder) Fatal(args ...any)     { r.failed = true; panic(stop{}) }
func (r *recorder) Fatalf(string, ...any) { r.failed = true; panic(stop{}) }

func run(t *testing.T, fn func(tb testing.TB)) *recorder {
	r := &recorder{TB: t}
	func() {
		defer func() {
			if v := recover(); v != nil {
				if _, ok := v.(stop); !ok {
					panic(v)
				}
			}
		}()
		fn(r)
	}()
	return r
}

func TestPostgresSkipOrFail(t *testing.T) {
	t.Setenv("GUANGONG_TEST_POSTGRES", "")
	t.Setenv("GUANGONG_TEST_STRICT", "")
	if r := run(t, func(tb testing.TB) { Open(tb, "postgres") }); !r.skipped || r.failed {
		t.Fatalf("without the variable: skipped=%v failed=%v, want a skip", r.skipped, r.failed)
	}
	t.Setenv("GUANGONG_TEST_STRICT", "1")
	if r := run(t, func(tb testing.TB) { Open(tb, "postgres") }); r.skipped || !r.failed {
		t.Fatalf("strict: skipped=%v failed=%v, want a failure", r.skipped, r.failed)
	}
	if r := run(t, func(tb testing.TB) { Open(tb, "oracle") }); !r.failed {
		t.Fatal("unknown kind accepted")
	}
}

func TestFixture(t *testing.T) {
	Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := NewFixture(t, db)
		if f.VillageA.ParentID != f.Town.ID || f.School.Depth != 2 || len(f.Users) != 7 {
			t.Fatalf("tree %+v, users %d", f.VillageA, len(f.Users))
		}
		for name, u := range f.Users {
			if u.MustChangePassword || u.TOTPEnabled != u.Role.RequiresTOTP() {
				t.Fatalf("%s: %+v", name, u)
			}
			if _, err := db.Login(t.Context(), name, Password, "127.0.0.1"); err != nil {
				t.Fatalf("login %s: %v", name, err)
			}
		}
		if err := db.CheckTOTP(t.Context(), f.Users["auditor"].ID, f.Code(t), "127.0.0.1"); err != nil {
			t.Fatal(err)
		}
		if a := f.Actor("townadmin"); a.OrgID != f.Town.ID || a.Role != "orgadmin" || a.IP != "127.0.0.1" {
			t.Fatalf("actor %+v", a)
		}
	})
}
