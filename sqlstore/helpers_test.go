package sqlstore_test

import (
	"context"
	"strings"
	"testing"

	"guangong"
	"guangong/sqlstore"
)

var ctx = context.Background()

var sys = guangong.SystemActor("test")

func ptr[T any](v T) *T { return &v }

// wantCode fails unless err carries code.
func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := guangong.ErrorCode(err); got != code {
		t.Fatalf("error code = %q (%v), want %q", got, err, code)
	}
}

// wantField fails unless err is EINVALID or ECONFLICT with a message on field containing zh.
func wantField(t *testing.T, err error, field, zh string) {
	t.Helper()
	fe := guangong.FieldErrors(err)
	m, ok := fe[field]
	if !ok {
		t.Fatalf("want field error on %q, got %v (fields %v)", field, err, fe)
	}
	if zh != "" && !strings.Contains(m.Zh, zh) {
		t.Fatalf("field %q message = %q, want it to contain %q", field, m.Zh, zh)
	}
}

// auditCount counts entries, optionally of one action.
func auditCount(t *testing.T, db *sqlstore.DB, action string) int {
	t.Helper()
	var n int
	q := `SELECT COUNT(*) FROM audit_log`
	var args []any
	if action != "" {
		q += ` WHERE action = $1`
		args = append(args, action)
	}
	if err := db.RawQueryRow(ctx, q, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// lastAudit returns the newest entry.
func lastAudit(t *testing.T, db *sqlstore.DB) *guangong.AuditEntry {
	t.Helper()
	list, _, err := db.FindAudit(ctx, sys, guangong.AuditFilter{Page: guangong.Page{Limit: 1}})
	if err != nil || len(list) == 0 {
		t.Fatalf("last audit: %v %v", list, err)
	}
	return list[0]
}

func verifyOK(t *testing.T, db *sqlstore.DB) {
	t.Helper()
	v, err := db.VerifyAudit(ctx, sys, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !v.OK {
		t.Fatalf("audit chain broken: %+v", v)
	}
}
