package sqlstore_test

import (
	"fmt"
	"strings"
	"sync"
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
	v, err := db.VerifyAudit(ctx, sys)
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
		// A forger who also recomputes the entry's hash is caught at the next entry's link.
		if _, err := db.RawExec(ctx, `UPDATE audit_log SET detail = 'forged' WHERE seq = $1`, seq); err != nil {
			t.Fatal(err)
		}
		if err := db.RehashAudit(ctx, seq); err != nil {
			t.Fatal(err)
		}
		wantBroken(t, db, seq+1, auditID(t, db, seq+1), "previous-hash link")
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
			_, err = db.VerifyAudit(ctx, f.Actor(n))
			wantCode(t, err, guangong.EFORBIDDEN)
		}
		if e := lastAudit(t, db); e.Action != guangong.ActionDenied || e.Username != "villageviewer" {
			t.Fatalf("denial audit %+v", e)
		}
		v, err := db.VerifyAudit(ctx, f.Actor("auditor"))
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
