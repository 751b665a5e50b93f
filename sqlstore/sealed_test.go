package sqlstore_test

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"guangong"
	"guangong/sqlstore"
	"guangong/sqlstore/storetest"
)

func openKeyed(t *testing.T, dsn string, opts ...sqlstore.Option) *sqlstore.DB {
	t.Helper()
	db, err := sqlstore.Open(dsn, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return db
}

// The stored ID numbers and phones are not plain text anywhere in the database: not in
// the SQLite file or its WAL, not in any column of the rows on PostgreSQL, not in the trail.
func TestSealedAtRest(t *testing.T) {
	for _, kind := range []string{"sqlite", "postgres"} {
		t.Run(kind, func(t *testing.T) {
			dsn := storetest.DSN(t, kind)
			db := openKeyed(t, dsn, sqlstore.WithDataKey(storetest.DataKey))
			f := storetest.NewFixture(t, db)
			tc := f.Actor("townclerk")
			p := mustVolunteer(t, db, tc, newVolunteer(f.VillageA, "李德明", "1950-04-12"))
			p2 := newVolunteer(f.VillageA, "李德亮", "1951-04-12")
			mustVolunteer(t, db, tc, p2)
			y := newYouth(f.VillageA, "张小花", "2015-05-05")
			y.GuardianPhone = "13711112222"
			yid := y.IDNumber
			mustYouth(t, db, withMinors(tc), y)
			secrets := []string{p.IDNumber, p.Phone, p2.IDNumber, yid, "13711112222", p.IDNumber[6:14] + p.IDNumber[14:]}
			var raw []byte
			if kind == "sqlite" {
				for _, suffix := range []string{"", "-wal"} {
					b, err := os.ReadFile(dsn + suffix)
					if err != nil && !os.IsNotExist(err) {
						t.Fatal(err)
					}
					raw = append(raw, b...)
				}
			} else {
				for _, table := range []string{"volunteers", "youths", "audit_log"} {
					rows, err := db.RawReader().Query(`SELECT CAST(x.* AS TEXT) FROM ` + table + ` x`)
					if err != nil {
						t.Fatal(err)
					}
					for rows.Next() {
						var s string
						rows.Scan(&s)
						raw = append(raw, s...)
					}
					rows.Close()
				}
			}
			// The search can find what is there: the names are plain.
			if !bytes.Contains(raw, []byte("李德明")) {
				t.Fatalf("read %d bytes without the plain name: the check reads the wrong thing", len(raw))
			}
			for _, s := range secrets {
				if bytes.Contains(raw, []byte(s)) {
					t.Fatalf("%q stored in plain text", s)
				}
			}
			// Sealed columns are versioned and use a fresh nonce: the same phone twice differs.
			var e1, e2, h1 string
			db.RawQueryRow(ctx, `SELECT phone_enc, id_hash FROM volunteers WHERE id = $1`, p.ID).Scan(&e1, &h1)
			db.RawQueryRow(ctx, `SELECT phone_enc FROM volunteers WHERE id = $1`, p2.ID).Scan(&e2)
			if !strings.HasPrefix(e1, "v1:") || e1 == e2 || len(h1) != 64 {
				t.Fatalf("sealed %q %q hash %q", e1, e2, h1)
			}
			// The values come back whole.
			got, err := db.FindVolunteerByID(ctx, tc, p.ID)
			if err != nil || got.IDNumber != p.IDNumber || got.Phone != p.Phone {
				t.Fatalf("read back %+v %v", got, err)
			}
			// Another key cannot open them: an internal error, never garbage.
			other := openKeyed(t, dsn, sqlstore.WithDataKey(bytes.Repeat([]byte{7}, 32)))
			_, err = other.FindVolunteerByID(ctx, tc, p.ID)
			wantCode(t, err, guangong.EINTERNAL)
		})
	}
}

// Without a data key nothing with an ID number or phone is saved; the rest still works.
func TestNoDataKey(t *testing.T) {
	dsn := storetest.DSN(t, "sqlite")
	f := storetest.NewFixture(t, openKeyed(t, dsn, sqlstore.WithDataKey(storetest.DataKey)))
	db := openKeyed(t, dsn)
	tc := f.Actor("townclerk")
	err := db.CreateVolunteer(ctx, tc, newVolunteer(f.VillageA, "李德明", "1950-04-12"))
	wantCode(t, err, guangong.EINVALID)
	wantField(t, err, "phone", "未配置数据加密密钥")
	y := newYouth(f.VillageA, "张小花", "2015-05-05")
	y.GuardianPhone = ""
	wantField(t, db.CreateYouth(ctx, withMinors(tc), y), "idNumber", "未配置数据加密密钥")
	// Nor is a record without sealed values written: its audit entry needs the key too.
	p := newVolunteer(f.VillageA, "李德明", "1950-04-12")
	p.IDNumber, p.Phone = "", ""
	if err := db.CreateVolunteer(ctx, tc, p); err == nil || !strings.Contains(err.Error(), "no data key") {
		t.Fatalf("a record without sealed values, without the key: %v", err)
	}
	if n := volunteerCount(t, db); n != 0 {
		t.Fatalf("%d saved", n)
	}
	if _, err := sqlstore.Open(storetest.DSN(t, "sqlite"), sqlstore.WithDataKey([]byte("short"))); err == nil {
		t.Fatal("a short key accepted")
	}
}
