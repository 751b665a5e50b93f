package sqlstore_test

import (
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"guangong"
	"guangong/sqlstore"
	"guangong/sqlstore/storetest"
)

// auditID reads the id of the entry at seq.
func auditID(t *testing.T, db *sqlstore.DB, seq int64) string {
	t.Helper()
	var id string
	if err := db.RawQueryRow(ctx, `SELECT id FROM audit_log WHERE seq = $1`, seq).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

func wantBroken(t *testing.T, db *sqlstore.DB, seq int64, id, reason string) {
	t.Helper()
	v, err := db.VerifyAudit(ctx, sys, nil)
	if err != nil {
		t.Fatal(err)
	}
	if v.OK || v.BrokenSeq != seq || v.BrokenID != id || !strings.Contains(v.Reason, reason) {
		t.Fatalf("verify = %+v, want broken at seq %d id %s (%s)", v, seq, id, reason)
	}
}

func TestAuditTamperColumns(t *testing.T) {
	defer sqlstore.SetVerifyPage(7)()
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		storetest.NewFixture(t, db)
		verifyOK(t, db)
		const seq = 9 // somewhere inside the chain, across a page boundary
		id := auditID(t, db, seq)
		// Changing any column of the entry breaks the chain at that entry.
		for _, col := range []string{"id", "at", "user_id", "username", "org_id", "ip", "action", "object_type",
			"object_id", "result", "changes", "detail", "prev_hash", "hash"} {
			var old string
			if err := db.RawQueryRow(ctx, `SELECT `+col+` FROM audit_log WHERE seq = $1`, seq).Scan(&old); err != nil {
				t.Fatal(err)
			}
			newVal := old + "x"
			if col == "at" {
				newVal = "2000-01-01T00:00:00.000000Z"
			}
			if _, err := db.RawExec(ctx, `UPDATE audit_log SET `+col+` = $1 WHERE seq = $2`, newVal, seq); err != nil {
				t.Fatal(err)
			}
			wantID := id
			if col == "id" {
				wantID = newVal
			}
			reason := "hash does not match"
			if col == "prev_hash" {
				reason = "previous-hash link"
			}
			wantBroken(t, db, seq, wantID, reason)
			if _, err := db.RawExec(ctx, `UPDATE audit_log SET `+col+` = $1 WHERE seq = $2`, old, seq); err != nil {
				t.Fatal(err)
			}
			verifyOK(t, db)
		}
		// A forger who also recomputes the entry's hash (by the SHA-256 rule: the MAC needs
		// the key) is caught at the entry itself.
		if _, err := db.RawExec(ctx, `UPDATE audit_log SET detail = 'forged' WHERE seq = $1`, seq); err != nil {
			t.Fatal(err)
		}
		if err := db.RehashAudit(ctx, seq); err != nil {
			t.Fatal(err)
		}
		wantBroken(t, db, seq, id, "hash does not match")
	})
}

func TestAuditTamperRows(t *testing.T) {
	defer sqlstore.SetVerifyPage(5)()
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		storetest.NewFixture(t, db)
		var last int64
		db.RawQueryRow(ctx, `SELECT MAX(seq) FROM audit_log`).Scan(&last)
		if last < 12 {
			t.Fatalf("only %d entries", last)
		}
		// Swap two neighbouring entries (reordering): broken where the later one now sits.
		id7 := auditID(t, db, 7)
		for _, q := range []string{`UPDATE audit_log SET seq = -1 WHERE seq = 6`, `UPDATE audit_log SET seq = 6 WHERE seq = 7`,
			`UPDATE audit_log SET seq = 7 WHERE seq = -1`} {
			if _, err := db.RawExec(ctx, q); err != nil {
				t.Fatal(err)
			}
		}
		wantBroken(t, db, 6, id7, "previous-hash link")
		// Swap back; swap the contents of two distant rows instead, keeping seq in place.
		for _, q := range []string{`UPDATE audit_log SET seq = -1 WHERE seq = 6`, `UPDATE audit_log SET seq = 6 WHERE seq = 7`,
			`UPDATE audit_log SET seq = 7 WHERE seq = -1`} {
			db.RawExec(ctx, q)
		}
		verifyOK(t, db)
		id10 := auditID(t, db, 10)
		for _, q := range []string{`UPDATE audit_log SET seq = -3 WHERE seq = 3`, `UPDATE audit_log SET seq = 3 WHERE seq = 10`,
			`UPDATE audit_log SET seq = 10 WHERE seq = -3`} {
			if _, err := db.RawExec(ctx, q); err != nil {
				t.Fatal(err)
			}
		}
		wantBroken(t, db, 3, id10, "")
		for _, q := range []string{`UPDATE audit_log SET seq = -3 WHERE seq = 3`, `UPDATE audit_log SET seq = 3 WHERE seq = 10`,
			`UPDATE audit_log SET seq = 10 WHERE seq = -3`} {
			db.RawExec(ctx, q)
		}
		verifyOK(t, db)

		// Delete an entry in the middle: broken at the missing seq, naming the entry found there.
		id9 := auditID(t, db, 9)
		if _, err := db.RawExec(ctx, `DELETE FROM audit_log WHERE seq = 8`); err != nil {
			t.Fatal(err)
		}
		wantBroken(t, db, 8, id9, "missing")
	})
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		storetest.NewFixture(t, db)
		var last int64
		var lastID string
		db.RawQueryRow(ctx, `SELECT seq, id FROM audit_log ORDER BY seq DESC LIMIT 1`).Scan(&last, &lastID)
		// Delete the newest entry: the head still names it.
		if _, err := db.RawExec(ctx, `DELETE FROM audit_log WHERE seq = $1`, last); err != nil {
			t.Fatal(err)
		}
		wantBroken(t, db, last, "", "missing")
	})
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		storetest.NewFixture(t, db)
		var last int64
		var lastID string
		db.RawQueryRow(ctx, `SELECT seq, id FROM audit_log ORDER BY seq DESC LIMIT 1`).Scan(&last, &lastID)
		// Tamper with the head itself.
		if _, err := db.RawExec(ctx, `UPDATE audit_head SET hash = $1`, strings.Repeat("f", 64)); err != nil {
			t.Fatal(err)
		}
		wantBroken(t, db, last, lastID, "head")
	})
}

// Nine ways to tamper with the trail by writing the database without the key, each found
// by verify, at the entry named. The last four went unseen while the chain was plain SHA-256
// (before migration 0012): a chain recomputed after an edit, a tail cut with the head moved
// back, an entry deleted and the rest renumbered, and an emptied trail.
func TestAuditTamperings(t *testing.T) {
	defer sqlstore.SetVerifyPage(4)()
	exec := func(t *testing.T, db *sqlstore.DB, q string, args ...any) {
		t.Helper()
		if _, err := db.RawExec(ctx, q, args...); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		name   string
		tamper func(t *testing.T, db *sqlstore.DB, last int64) (seq int64, id string)
		reason string
	}{
		{"edit", func(t *testing.T, db *sqlstore.DB, last int64) (int64, string) {
			exec(t, db, `UPDATE audit_log SET username = 'mallory' WHERE seq = 5`)
			return 5, auditID(t, db, 5)
		}, "hash does not match"},
		{"delete", func(t *testing.T, db *sqlstore.DB, last int64) (int64, string) {
			id := auditID(t, db, 9)
			exec(t, db, `DELETE FROM audit_log WHERE seq = 8`)
			return 8, id
		}, "missing"},
		{"reorder", func(t *testing.T, db *sqlstore.DB, last int64) (int64, string) {
			id7 := auditID(t, db, 7)
			exec(t, db, `UPDATE audit_log SET seq = -1 WHERE seq = 6`)
			exec(t, db, `UPDATE audit_log SET seq = 6 WHERE seq = 7`)
			exec(t, db, `UPDATE audit_log SET seq = 7 WHERE seq = -1`)
			return 6, id7
		}, "previous-hash link"},
		{"cut tail, head left", func(t *testing.T, db *sqlstore.DB, last int64) (int64, string) {
			exec(t, db, `DELETE FROM audit_log WHERE seq > $1`, last-3)
			return last - 2, ""
		}, "missing"},
		{"head hash changed", func(t *testing.T, db *sqlstore.DB, last int64) (int64, string) {
			exec(t, db, `UPDATE audit_head SET hash = $1`, strings.Repeat("f", 64))
			return last, auditID(t, db, last)
		}, "head does not match"},
		{"chain recomputed after an edit", func(t *testing.T, db *sqlstore.DB, last int64) (int64, string) {
			exec(t, db, `UPDATE audit_log SET detail = 'forged' WHERE seq = 5`)
			if err := db.RechainAudit(ctx, 5); err != nil {
				t.Fatal(err)
			}
			return 5, auditID(t, db, 5)
		}, "hash does not match"},
		{"chain recomputed, keyed_from moved past it", func(t *testing.T, db *sqlstore.DB, last int64) (int64, string) {
			exec(t, db, `UPDATE audit_log SET detail = 'forged' WHERE seq = 5`)
			if err := db.RechainAudit(ctx, 1); err != nil {
				t.Fatal(err)
			}
			exec(t, db, `UPDATE audit_head SET keyed_from = $1`, last+1)
			return last, auditID(t, db, last)
		}, "head's MAC"},
		{"cut tail, head moved back", func(t *testing.T, db *sqlstore.DB, last int64) (int64, string) {
			keep := last - 3
			var hash string
			if err := db.RawQueryRow(ctx, `SELECT hash FROM audit_log WHERE seq = $1`, keep).Scan(&hash); err != nil {
				t.Fatal(err)
			}
			exec(t, db, `DELETE FROM audit_log WHERE seq > $1`, keep)
			exec(t, db, `UPDATE audit_head SET seq = $1, hash = $2`, keep, hash)
			return keep, auditID(t, db, keep)
		}, "head's MAC"},
		{"delete and renumber", func(t *testing.T, db *sqlstore.DB, last int64) (int64, string) {
			exec(t, db, `DELETE FROM audit_log WHERE seq = 8`)
			for seq := int64(9); seq <= last; seq++ { // one at a time: seq is the primary key
				exec(t, db, `UPDATE audit_log SET seq = seq - 1 WHERE seq = $1`, seq)
			}
			if err := db.RechainAudit(ctx, 8); err != nil {
				t.Fatal(err)
			}
			return 8, auditID(t, db, 8)
		}, "hash does not match"},
		{"emptied", func(t *testing.T, db *sqlstore.DB, last int64) (int64, string) {
			exec(t, db, `DELETE FROM audit_log`)
			exec(t, db, `UPDATE audit_head SET seq = 0, hash = '', mac = ''`)
			return 1, ""
		}, "emptied"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
				storetest.NewFixture(t, db)
				verifyOK(t, db)
				var last int64
				db.RawQueryRow(ctx, `SELECT seq FROM audit_head`).Scan(&last)
				if last < 12 {
					t.Fatalf("only %d entries", last)
				}
				seq, id := tc.tamper(t, db, last)
				wantBroken(t, db, seq, id, tc.reason)
			})
		})
	}
}

// A fresh database's empty trail verifies; once it has committees or accounts, an empty
// trail does not.
func TestAuditEmptyTrail(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		v, err := db.VerifyAudit(ctx, sys, nil)
		if err != nil || !v.OK || v.Checked != 0 || v.Head == nil || v.Head.Seq != 0 {
			t.Fatalf("empty database: %+v %v", v, err)
		}
		if _, err := db.RawExec(ctx, `INSERT INTO orgs (id, name, level, code, parent_id, status, depth, version, created_at, updated_at)
			VALUES ('x', 'x', 'county', 'x', NULL, 'active', 0, 1, 'x', 'x')`); err != nil {
			t.Fatal(err)
		}
		wantBroken(t, db, 1, "", "emptied")
	})
}

// The head anchor: recorded outside the database, it proves the trail still holds that
// entry unchanged, even against a trail put back to an older copy of itself (head row and
// all), which verify alone cannot tell from the real one.
func TestAuditHeadAnchor(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := storetest.NewFixture(t, db)
		h1, err := db.AuditHead(ctx, f.Actor("auditor"))
		if err != nil {
			t.Fatal(err)
		}
		stored, _, _ := db.LegacyHash(ctx, h1.Seq)
		if h1.Seq < 10 || h1.MAC != stored {
			t.Fatalf("head %v, entry's hash %s", h1, stored)
		}
		v, err := db.VerifyAudit(ctx, sys, h1)
		if err != nil || !v.OK || *v.Head != *h1 {
			t.Fatalf("verify at the head: %+v %v", v, err)
		}
		var old struct {
			seq       int64
			hash, mac string
		}
		db.RawQueryRow(ctx, `SELECT seq, hash, mac FROM audit_head`).Scan(&old.seq, &old.hash, &old.mac)
		for i := range 3 {
			if err := db.RecordAudit(ctx, f.Actor("townclerk"), &guangong.AuditEntry{Action: guangong.ActionExport, Detail: fmt.Sprint(i)}); err != nil {
				t.Fatal(err)
			}
		}
		h2, _ := db.AuditHead(ctx, f.Actor("auditor"))
		if h2.Seq != h1.Seq+3 {
			t.Fatalf("head after three entries: %v", h2)
		}
		// An older anchor holds as the trail grows past it.
		if v, err := db.VerifyAudit(ctx, sys, h1); err != nil || !v.OK || *v.Head != *h2 {
			t.Fatalf("verify past the anchor: %+v %v", v, err)
		}
		// A MAC that is not the entry's.
		wrong := &guangong.AuditHead{Seq: h1.Seq, MAC: strings.Repeat("0", 64)}
		wantBrokenAt(t, db, wrong, h1.Seq, auditID(t, db, h1.Seq), "recorded head")
		// Put back to the older copy, head row and all: verify alone passes, the anchor does not.
		if _, err := db.RawExec(ctx, `DELETE FROM audit_log WHERE seq > $1`, old.seq); err != nil {
			t.Fatal(err)
		}
		if _, err := db.RawExec(ctx, `UPDATE audit_head SET seq = $1, hash = $2, mac = $3`, old.seq, old.hash, old.mac); err != nil {
			t.Fatal(err)
		}
		verifyOK(t, db)
		wantBrokenAt(t, db, h2, h2.Seq, "", "no longer holds the recorded head")
		// Only the auditor reads the head.
		_, err = db.AuditHead(ctx, f.Actor("admin"))
		wantCode(t, err, guangong.EFORBIDDEN)
		// A head row that fails its MAC is not handed out for recording.
		if _, err := db.RawExec(ctx, `UPDATE audit_head SET seq = seq - 1`); err != nil {
			t.Fatal(err)
		}
		_, err = db.AuditHead(ctx, f.Actor("auditor"))
		wantCode(t, err, guangong.ECONFLICT)
	})
}

// The auditor above keeps the heads its committees report, as keyed entries of its own
// trail: only an auditor, only for a committee in scope (else NotFound, like a missing one).
func TestRecordAnchor(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := storetest.NewFixture(t, db)
		h := guangong.AuditHead{Seq: 42, MAC: strings.Repeat("3f", 32)}
		if err := db.RecordAnchor(ctx, f.Actor("auditor"), f.Town.ID, h); err != nil {
			t.Fatal(err)
		}
		e := lastAudit(t, db)
		if e.Action != guangong.ActionAnchor || e.ObjectType != "org" || e.ObjectID != f.Town.ID || e.OrgID != f.Town.ID ||
			e.Username != "auditor" || !strings.Contains(e.Detail, h.String()) || !strings.Contains(e.Detail, "低庄镇") {
			t.Fatalf("anchor entry %+v", e)
		}
		verifyOK(t, db)
		townAuditor := &guangong.User{Username: "townauditor", DisplayName: "镇审计", OrgID: f.Town.ID, Role: guangong.RoleAuditor}
		if err := db.CreateUser(ctx, sys, townAuditor, storetest.Password); err != nil {
			t.Fatal(err)
		}
		ta := &guangong.Actor{UserID: townAuditor.ID, Username: "townauditor", Role: guangong.RoleAuditor, OrgID: f.Town.ID}
		wantCode(t, db.RecordAnchor(ctx, ta, f.OtherTown.ID, h), guangong.ENOTFOUND)
		wantCode(t, db.RecordAnchor(ctx, ta, "no-such-org", h), guangong.ENOTFOUND)
		wantCode(t, db.RecordAnchor(ctx, f.Actor("townadmin"), f.VillageA.ID, h), guangong.EFORBIDDEN)
		wantField(t, db.RecordAnchor(ctx, f.Actor("auditor"), f.Town.ID, guangong.AuditHead{Seq: 0, MAC: h.MAC}), "head", "链头格式")
		if got, _, _ := db.FindAudit(ctx, f.Actor("auditor"), guangong.AuditFilter{Action: ptr(guangong.ActionAnchor)}); len(got) != 1 {
			t.Fatalf("%d anchors recorded, want 1", len(got))
		}
	})
}

func wantBrokenAt(t *testing.T, db *sqlstore.DB, at *guangong.AuditHead, seq int64, id, reason string) {
	t.Helper()
	v, err := db.VerifyAudit(ctx, sys, at)
	if err != nil {
		t.Fatal(err)
	}
	if v.OK || v.BrokenSeq != seq || v.BrokenID != id || !strings.Contains(v.Reason, reason) {
		t.Fatalf("verify at %v = %+v, want broken at seq %d id %s (%s)", at, v, seq, id, reason)
	}
}

// Migration 0012 re-keys a trail kept by the SHA-256 rule once it has verified it, and
// records that it did; the re-keyed chain verifies, and a recomputed one no longer does.
func TestAuditRekey(t *testing.T) {
	defer sqlstore.SetVerifyPage(5)()
	for _, kind := range []string{"sqlite", "postgres"} {
		t.Run(kind, func(t *testing.T) {
			db := openOld(t, kind)
			f := storetest.NewOldFixture(t, db)
			var n int64
			db.RawQueryRow(ctx, `SELECT seq FROM audit_head`).Scan(&n)
			if stored, legacy, _ := db.LegacyHash(ctx, 3); stored != legacy {
				t.Fatal("the fixture was not written by the SHA-256 rule")
			}
			if err := db.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			verifyOK(t, db)
			e := lastAudit(t, db)
			if e.Seq != n+1 || e.ObjectType != "audit" || e.Result != guangong.ResultOK ||
				!strings.Contains(e.Detail, fmt.Sprintf("re-keyed: %d entries verified under SHA-256", n)) {
				t.Fatalf("re-key entry %+v (trail had %d)", e, n)
			}
			for seq := int64(1); seq <= n+1; seq++ {
				if stored, legacy, _ := db.LegacyHash(ctx, seq); stored == legacy {
					t.Fatalf("entry %d still has its SHA-256 hash", seq)
				}
			}
			// New entries join the keyed chain.
			if err := db.RecordAudit(ctx, f.Actor("townclerk"), &guangong.AuditEntry{Action: guangong.ActionExport}); err != nil {
				t.Fatal(err)
			}
			verifyOK(t, db)
			if _, err := db.RawExec(ctx, `UPDATE audit_log SET detail = 'forged' WHERE seq = 4`); err != nil {
				t.Fatal(err)
			}
			if err := db.RechainAudit(ctx, 4); err != nil {
				t.Fatal(err)
			}
			wantBroken(t, db, 4, auditID(t, db, 4), "hash does not match")
		})
	}
}

// A trail that does not verify by the old rule is not re-keyed: its entries stay as found,
// verify keeps reporting the break, and an entry records the refusal; new entries are keyed.
func TestAuditRekeyRefusesABrokenTrail(t *testing.T) {
	defer sqlstore.SetVerifyPage(5)()
	for _, kind := range []string{"sqlite", "postgres"} {
		t.Run(kind, func(t *testing.T) {
			db := openOld(t, kind)
			f := storetest.NewOldFixture(t, db)
			var n int64
			db.RawQueryRow(ctx, `SELECT seq FROM audit_head`).Scan(&n)
			if _, err := db.RawExec(ctx, `UPDATE audit_log SET username = 'mallory' WHERE seq = 6`); err != nil {
				t.Fatal(err)
			}
			before, _, _ := db.LegacyHash(ctx, 9)
			if err := db.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			if after, legacy, _ := db.LegacyHash(ctx, 9); after != before || after != legacy {
				t.Fatal("a broken trail was rewritten")
			}
			e := lastAudit(t, db)
			if e.Seq != n+1 || e.Result != guangong.ResultFailed || !strings.Contains(e.Detail, "NOT re-keyed") ||
				!strings.Contains(e.Detail, "breaks at entry 6") {
				t.Fatalf("refusal entry %+v", e)
			}
			wantBroken(t, db, 6, auditID(t, db, 6), "hash does not match")
			if err := db.RecordAudit(ctx, f.Actor("townclerk"), &guangong.AuditEntry{Action: guangong.ActionExport}); err != nil {
				t.Fatal(err)
			}
			if stored, legacy, _ := db.LegacyHash(ctx, n+2); stored == legacy {
				t.Fatal("a new entry was not keyed")
			}
		})
	}
}

// Without the data key, a trail with entries cannot be re-keyed: the migration fails and
// says why, and changes nothing; with the key it goes through.
func TestAuditRekeyNeedsTheKey(t *testing.T) {
	for _, kind := range []string{"sqlite", "postgres"} {
		t.Run(kind, func(t *testing.T) {
			dsn := storetest.DSN(t, kind)
			db, err := sqlstore.Open(dsn, sqlstore.WithDataKey(storetest.DataKey))
			if err != nil {
				t.Fatal(err)
			}
			if err := db.MigrateUntil(ctx, "0012"); err != nil {
				t.Fatal(err)
			}
			storetest.NewOldFixture(t, db)
			db.Close()
			keyless, err := sqlstore.Open(dsn)
			if err != nil {
				t.Fatal(err)
			}
			err = keyless.Migrate(ctx)
			keyless.Close()
			if err == nil || !strings.Contains(err.Error(), "data key") {
				t.Fatalf("migrating an old trail without the key: %v", err)
			}
			db, err = sqlstore.Open(dsn, sqlstore.WithDataKey(storetest.DataKey))
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if err := db.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			verifyOK(t, db)
		})
	}
}

// Without the data key nothing is appended to the trail, so nothing is written.
func TestAuditNeedsTheKey(t *testing.T) {
	for _, kind := range []string{"sqlite", "postgres"} {
		t.Run(kind, func(t *testing.T) {
			db, err := sqlstore.Open(storetest.DSN(t, kind))
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if err := db.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			err = db.CreateOrg(ctx, sys, &guangong.Org{Name: "无钥县", Level: guangong.LevelCounty, Code: "K1"})
			if err == nil || !strings.Contains(err.Error(), "no data key") {
				t.Fatalf("a write without the key: %v", err)
			}
			var n int
			db.RawQueryRow(ctx, `SELECT COUNT(*) FROM orgs`).Scan(&n)
			if n != 0 {
				t.Fatal("the committee was saved without its audit entry")
			}
			if _, err := db.VerifyAudit(ctx, sys, nil); err == nil || !strings.Contains(err.Error(), "no data key") {
				t.Fatalf("verify without the key: %v", err)
			}
		})
	}
}

// openOld opens a fresh database with the key, migrated as a build before 0012 left it:
// its trail is written by the SHA-256 rule until Migrate.
func openOld(t *testing.T, kind string) *sqlstore.DB {
	t.Helper()
	db, err := sqlstore.Open(storetest.DSN(t, kind), sqlstore.WithDataKey(storetest.DataKey))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.MigrateUntil(ctx, "0012"); err != nil {
		t.Fatal(err)
	}
	return db
}

// An entry's time is read once the head is locked, so times never run backwards along the
// chain: a transaction that began first but appends after another carries the later time.
// PostgreSQL only: on SQLite the single writer runs one write transaction at a time, so
// none can begin before another and append after it.
func TestAuditTimesFollowTheChain(t *testing.T) {
	db := storetest.Open(t, "postgres")
	f := storetest.NewFixture(t, db)
	var tick atomic.Int64
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	db.Now = func() time.Time { return base.Add(time.Duration(tick.Add(1)) * time.Second) }
	began, release, done := make(chan struct{}), make(chan struct{}), make(chan error, 1)
	go func() { done <- db.AuditAfter(ctx, began, release) }()
	<-began
	if err := db.RecordAudit(ctx, f.Actor("townclerk"), &guangong.AuditEntry{Action: guangong.ActionExport, Detail: "early"}); err != nil {
		t.Fatal(err)
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	list, _, err := db.FindAudit(ctx, sys, guangong.AuditFilter{Page: guangong.Page{Limit: 2}})
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || !strings.Contains(list[0].Detail, "late") || !strings.Contains(list[1].Detail, "early") {
		t.Fatalf("entries %+v", list)
	}
	if list[0].At.Before(list[1].At) {
		t.Fatalf("times run backwards along the chain: entry %d at %v, entry %d at %v", list[1].Seq, list[1].At, list[0].Seq, list[0].At)
	}
	verifyOK(t, db)
}

func TestAuditSameTransaction(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := storetest.NewFixture(t, db)
		// Every successful write adds exactly one entry (the change and its record together).
		n := auditCount(t, db, "")
		o := &guangong.Org{Name: "新村", Level: guangong.LevelVillage, Code: "V100", ParentID: f.Town.ID}
		if err := db.CreateOrg(ctx, f.Actor("townadmin"), o); err != nil {
			t.Fatal(err)
		}
		if auditCount(t, db, "") != n+1 {
			t.Fatal("create did not add one entry")
		}
		// A write that fails after its first statement leaves neither the change nor an entry:
		// the move's closure rewrite runs, then the version check fails.
		if _, err := db.RawExec(ctx, `UPDATE orgs SET version = 5 WHERE id = $1`, o.ID); err != nil {
			t.Fatal(err)
		}
		_, err := db.MoveOrg(ctx, f.Actor("admin"), o.ID, f.OtherTown.ID, 1)
		wantCode(t, err, guangong.ECONFLICT)
		if auditCount(t, db, "") != n+1 {
			t.Fatal("failed move left an entry")
		}
		checkClosure(t, db)
		if ok, _ := db.InScope(ctx, f.Actor("townadmin"), o.ID); !ok {
			t.Fatal("failed move changed the closure")
		}
		verifyOK(t, db)
	})
}

func TestAuditConcurrentAppends(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := storetest.NewFixture(t, db)
		var wg sync.WaitGroup
		errs := make(chan error, 40)
		for i := range 40 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs <- db.CreateOrg(ctx, f.Actor("townadmin"), &guangong.Org{Name: fmt.Sprintf("并发村%d", i),
					Level: guangong.LevelVillage, Code: fmt.Sprintf("C%03d", i), ParentID: f.Town.ID})
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		verifyOK(t, db)
		_, total, _ := db.FindOrgs(ctx, sys, guangong.OrgFilter{Under: &f.Town.ID})
		if total != 44 {
			t.Fatalf("town subtree %d", total)
		}
		checkClosure(t, db)
	})
}

func TestFindAudit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := storetest.NewFixture(t, db)
		// An auditor at a town sees only the town's entries; one at a root also sees those
		// without a committee (unknown usernames).
		townAuditor := &guangong.User{Username: "townauditor", DisplayName: "镇审计", OrgID: f.Town.ID, Role: guangong.RoleAuditor}
		if err := db.CreateUser(ctx, sys, townAuditor, storetest.Password); err != nil {
			t.Fatal(err)
		}
		ta := &guangong.Actor{UserID: townAuditor.ID, Username: "townauditor", Role: guangong.RoleAuditor, OrgID: f.Town.ID}
		db.Login(ctx, "nobody", "x", "9.9.9.9")
		if _, err := db.UpdateOrg(ctx, f.Actor("otheradmin"), f.OtherTown.ID, guangong.OrgUpdate{Contact: ptr("123"), Version: 1}); err != nil {
			t.Fatal(err)
		}
		list, total, err := db.FindAudit(ctx, ta, guangong.AuditFilter{Page: guangong.Page{Limit: 200}})
		if err != nil {
			t.Fatal(err)
		}
		if total != len(list) || total == 0 {
			t.Fatalf("town auditor: %d / %d", total, len(list))
		}
		inTown := map[string]bool{f.Town.ID: true, f.VillageA.ID: true, f.VillageB.ID: true, f.School.ID: true}
		for _, e := range list {
			if !inTown[e.OrgID] {
				t.Fatalf("town auditor sees %+v", e)
			}
		}
		all, _, _ := db.FindAudit(ctx, f.Actor("auditor"), guangong.AuditFilter{Page: guangong.Page{Limit: 200}})
		var unknown, other bool
		for _, e := range all {
			unknown = unknown || (e.Username == "nobody" && e.OrgID == "")
			other = other || e.OrgID == f.OtherTown.ID
		}
		if !unknown || !other {
			t.Fatalf("county auditor misses entries: unknown=%v other=%v", unknown, other)
		}
		for i := 1; i < len(all); i++ {
			if all[i-1].Seq <= all[i].Seq {
				t.Fatal("not newest first")
			}
		}
		// Filters.
		got, _, _ := db.FindAudit(ctx, f.Actor("auditor"), guangong.AuditFilter{Username: ptr("otheradmin"), Action: ptr(guangong.ActionUpdate),
			ObjectType: ptr("org"), ObjectID: &f.OtherTown.ID})
		if len(got) != 1 || got[0].Changes[0] != (guangong.Change{Field: "contact", Before: "", After: "123"}) {
			t.Fatalf("filtered %+v", got)
		}
		future := db.Now().Add(time.Hour)
		got, _, _ = db.FindAudit(ctx, f.Actor("auditor"), guangong.AuditFilter{From: &future})
		if len(got) != 0 {
			t.Fatalf("from the future: %d", len(got))
		}
		got, total, _ = db.FindAudit(ctx, f.Actor("auditor"), guangong.AuditFilter{To: &future, Page: guangong.Page{Limit: 3, Offset: 2}})
		if len(got) != 3 || total != len(all) || got[0].Seq != all[2].Seq {
			t.Fatalf("paging: %d of %d", len(got), total)
		}
		// Only the auditor reads or verifies the trail; the attempt is recorded.
		for _, n := range []string{"admin", "townadmin", "villageviewer"} {
			_, _, err := db.FindAudit(ctx, f.Actor(n), guangong.AuditFilter{})
			wantCode(t, err, guangong.EFORBIDDEN)
			_, err = db.VerifyAudit(ctx, f.Actor(n), nil)
			wantCode(t, err, guangong.EFORBIDDEN)
		}
		if e := lastAudit(t, db); e.Action != guangong.ActionDenied || e.Username != "villageviewer" {
			t.Fatalf("denial audit %+v", e)
		}
		v, err := db.VerifyAudit(ctx, f.Actor("auditor"), nil)
		if err != nil || !v.OK || v.Checked < 20 {
			t.Fatalf("verify %+v %v", v, err)
		}
	})
}

func TestRecordAudit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := storetest.NewFixture(t, db)
		a := f.Actor("townclerk")
		a.RequestID = "req-1"
		err := db.RecordAudit(ctx, a, &guangong.AuditEntry{Action: guangong.ActionExport, ObjectType: "org", OrgID: f.Town.ID,
			Detail: "导出 低庄镇 名单"})
		if err != nil {
			t.Fatal(err)
		}
		e := lastAudit(t, db)
		if e.Action != guangong.ActionExport || e.Username != "townclerk" || e.UserID != a.UserID || e.Result != guangong.ResultOK ||
			!strings.Contains(e.Detail, "导出") || !strings.Contains(e.Detail, "req-1") || e.OrgID != f.Town.ID {
			t.Fatalf("recorded %+v", e)
		}
		wantCode(t, db.RecordAudit(ctx, a, &guangong.AuditEntry{}), guangong.EINVALID)
		verifyOK(t, db)
	})
}
