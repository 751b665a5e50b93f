package guangong

import (
	"context"
	"time"
)

// Audit actions. Every write records one of the first group in the same transaction.
const (
	ActionCreate         = "create"
	ActionUpdate         = "update"
	ActionMove           = "move"
	ActionDissolve       = "dissolve"
	ActionDelete         = "delete"
	ActionLogin          = "login"
	ActionLoginFailed    = "login_failed"
	ActionLogout         = "logout"
	ActionLocked         = "locked"
	ActionDenied         = "denied"
	ActionExport         = "export"
	ActionPasswordChange = "password_change"
	ActionPasswordReset  = "password_reset"
	ActionEndSessions    = "end_sessions"
	ActionTOTP           = "totp"
	ActionTokenCreate    = "token_create"
	ActionTokenRevoke    = "token_revoke"
	ActionReveal         = "reveal" // one masked value of a minor shown in full, with a reason
)

// Audit results.
const (
	ResultOK     = "ok"
	ResultFailed = "failed"
	ResultDenied = "denied"
)

// Change is one field's before and after.
type Change struct {
	Field  string `json:"field"`
	Before string `json:"before"`
	After  string `json:"after"`
}

// AuditEntry is one link of the hash chain. Hash covers every other field and PrevHash,
// so an edit, a deletion or a reordering breaks the chain at that entry.
type AuditEntry struct {
	Seq        int64     `json:"seq"`
	ID         string    `json:"id"`
	At         time.Time `json:"at"`
	UserID     string    `json:"userId,omitempty"`
	Username   string    `json:"username"`
	OrgID      string    `json:"orgId,omitempty"` // the committee the entry belongs to, for scope
	IP         string    `json:"ip"`
	Action     string    `json:"action"`
	ObjectType string    `json:"objectType"`
	ObjectID   string    `json:"objectId,omitempty"`
	Result     string    `json:"result"`
	Changes    []Change  `json:"changes,omitempty"`
	Detail     string    `json:"detail,omitempty"`
	PrevHash   string    `json:"prevHash"`
	Hash       string    `json:"hash"`
}

// AuditFilter selects entries within the caller's scope.
type AuditFilter struct {
	Username   *string
	ObjectType *string
	ObjectID   *string
	Action     *string
	From, To   *time.Time // [From, To)
	Page
}

// AuditVerification is the result of walking the whole chain.
type AuditVerification struct {
	OK        bool   `json:"ok"`
	Checked   int64  `json:"checked"`
	BrokenSeq int64  `json:"brokenSeq,omitempty"`
	BrokenID  string `json:"brokenId,omitempty"`
	Reason    string `json:"reason,omitempty"`
}

// AuditService reads and checks the trail and records events that change nothing else
// (a denied request, an export).
type AuditService interface {
	FindAudit(ctx context.Context, a *Actor, f AuditFilter) ([]*AuditEntry, int, error)
	VerifyAudit(ctx context.Context, a *Actor) (*AuditVerification, error)
	RecordAudit(ctx context.Context, a *Actor, e *AuditEntry) error
}

// Store is everything the web layer and the command line need from storage.
type Store interface {
	OrgService
	UserService
	AuthService
	AuditService
	PeopleService
	ImportService
	EventService
	EventImportService
	TroupeService
	DutyService
	HoursService
	ProgressService
	Ping(ctx context.Context) error
	Close() error
}
