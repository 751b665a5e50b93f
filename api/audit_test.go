package api

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"guangong"
	"guangong/sqlstore"
	"guangong/sqlstore/storetest"
)

func TestAudit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		e := newEnv(t, db)
		rec := e.do("POST", "/api/v1/orgs", "townadmin", `{"parentId":"{Town}","name":"审计村","level":"village","code":"audit-v"}`)
		var o guangong.Org
		e.decodeInto(rec, &o)
		future := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
		past := time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)
		e.run([]scenario{
			{name: "sysadmin cannot read the trail", method: "GET", path: "/api/v1/audit", user: "admin", status: 403,
				notWant: []string{"审计村"}},
			{name: "town admin cannot read the trail", method: "GET", path: "/api/v1/audit", user: "townadmin", status: 403},
			{name: "clerk cannot verify", method: "GET", path: "/api/v1/audit/verify", user: "villageclerk", status: 403},
			{name: "sysadmin cannot verify", method: "GET", path: "/api/v1/audit/verify", user: "admin", status: 403},
			{name: "auditor reads the trail", method: "GET", path: "/api/v1/audit", user: "auditor", status: 200,
				want: []string{`"items":[`, `"hash":"`, `"prevHash":"`}},
			{name: "the creation is recorded", method: "GET", path: "/api/v1/audit?objectType=org&action=create&objectId=" + o.ID, user: "auditor",
				status: 200, want: []string{`"total":1`, `"username":"townadmin"`, "审计村", `"result":"ok"`}},
			{name: "by account and time", method: "GET", path: "/api/v1/audit?username=townadmin&action=create&from=" + past + "&to=" + future,
				user: "auditor", status: 200, want: []string{o.ID}},
			{name: "nothing in the future", method: "GET", path: "/api/v1/audit?from=" + future, user: "auditor", status: 200,
				want: []string{`"total":0`, `"items":[]`}},
			{name: "denials are recorded", method: "GET", path: "/api/v1/audit?action=denied&username=admin", user: "auditor",
				status: 200, want: []string{`"result":"denied"`}, notWant: []string{`"total":0`}},
			{name: "bad time", method: "GET", path: "/api/v1/audit?to=tomorrow", user: "auditor", status: 422, fields: []string{"to"}},
			{name: "verify", method: "GET", path: "/api/v1/audit/verify", user: "auditor", status: 200,
				want: []string{`"ok":true`, `"checked":`, `"head":{"seq":`}, notWant: []string{"brokenSeq"}},
			{name: "auditor reads the head", method: "GET", path: "/api/v1/audit/head", user: "auditor", status: 200,
				want: []string{`"seq":`, `"mac":"`, `"head":"`}},
			{name: "sysadmin cannot read the head", method: "GET", path: "/api/v1/audit/head", user: "admin", status: 403},
			{name: "a head that is not SEQ:MAC", method: "GET", path: "/api/v1/audit/verify?head=12", user: "auditor", status: 422,
				fields: []string{"head"}},
		})
		// The head, recorded and checked later, after more entries.
		var head struct {
			Seq  int64
			MAC  string
			Head string
		}
		e.decodeInto(e.do("GET", "/api/v1/audit/head", "auditor", ""), &head)
		if head.Seq < 2 || head.Head != fmt.Sprintf("%d:%s", head.Seq, head.MAC) {
			t.Fatalf("head %+v", head)
		}
		e.do("POST", "/api/v1/orgs", "townadmin", `{"parentId":"{Town}","name":"审计二村","level":"village","code":"audit-v2"}`)
		var at guangong.AuditVerification
		e.decodeInto(e.do("GET", "/api/v1/audit/verify?head="+head.Head, "auditor", ""), &at)
		if !at.OK || at.Head == nil || at.Head.Seq <= head.Seq {
			t.Errorf("verify at the recorded head: %+v", at)
		}
		// The county's auditor keeps a head the town reported, in this trail.
		town := `{"orgId":"{Town}","head":"` + head.Head + `"}`
		e.run([]scenario{
			{name: "auditor records a reported head", method: "POST", path: "/api/v1/audit/anchors", user: "auditor", body: town,
				status: 201, want: []string{head.Head}},
			{name: "the anchor is in the trail", method: "GET", path: "/api/v1/audit?action=anchor&objectId={Town}", user: "auditor",
				status: 200, want: []string{`"total":1`, head.Head}},
			{name: "sysadmin records no anchor", method: "POST", path: "/api/v1/audit/anchors", user: "admin", body: town, status: 403},
			{name: "a bad reported head", method: "POST", path: "/api/v1/audit/anchors", user: "auditor",
				body: `{"orgId":"{Town}","head":"x"}`, status: 422, fields: []string{"head"}},
		})
		e.decodeInto(e.do("GET", fmt.Sprintf("/api/v1/audit/verify?head=%d:%s", head.Seq, strings.Repeat("0", 64)), "auditor", ""), &at)
		if at.OK || at.BrokenSeq != head.Seq || !strings.Contains(at.Reason, "recorded head") {
			t.Errorf("verify at a head whose MAC is not the entry's: %+v", at)
		}
		var v guangong.AuditVerification
		e.decodeInto(e.do("GET", "/api/v1/audit/verify", "auditor", ""), &v)
		if !v.OK || v.Checked < 2 {
			t.Errorf("verification %+v", v)
		}
		// The auditor's scope is the county: the other town's work is there too.
		if n := e.count("/api/v1/audit?username=townadmin", "auditor"); n == 0 {
			t.Error("auditor sees no entries of townadmin")
		}
		if rec := e.do("GET", "/api/v1/audit?limit=1&offset=1", "auditor", ""); rec.Code != http.StatusOK {
			t.Errorf("paging: %d %s", rec.Code, rec.Body)
		}
	})
}

// TestAuditVerifyBroken: a tampered trail is a finding, answered 200 with ok:false and the
// first broken entry. The store's tests tamper on both databases; here SQLite is enough
// to see the API report it, since the API adds nothing per dialect.
func TestAuditVerifyBroken(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tamper.db")
	db, err := sqlstore.Open(path, sqlstore.WithDataKey(storetest.DataKey))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, db)
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	var id string
	if err := raw.QueryRow(`SELECT id FROM audit_log WHERE seq = 3`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec(`UPDATE audit_log SET username = 'mallory' WHERE seq = 3`); err != nil {
		t.Fatal(err)
	}
	rec := e.do("GET", "/api/v1/audit/verify", "auditor", "")
	var v guangong.AuditVerification
	e.decodeInto(rec, &v)
	if rec.Code != http.StatusOK || v.OK || v.BrokenSeq != 3 || v.BrokenID != id || v.Reason == "" {
		t.Errorf("verify after tampering: %d %s", rec.Code, rec.Body)
	}
	if rec := e.do("GET", "/api/v1/audit/verify", "admin", ""); rec.Code != http.StatusForbidden {
		t.Errorf("sysadmin verifies: %d", rec.Code)
	}
}
