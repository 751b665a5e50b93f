package guangong

import (
	"context"
	"regexp"
	"strconv"
	"strings"
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
	ActionAnchor         = "anchor" // a committee's reported audit head, kept by the auditor above
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

// AuditEntry is one link of the hash chain. Hash, an HMAC-SHA256 under a key kept outside
// the database, covers every other field and PrevHash, so an edit, a deletion or a
// reordering breaks the chain at that entry, and a chain recomputed without the key fails.
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
	// Head is the last entry checked, as an anchor to record outside the database; set
	// when OK.
	Head *AuditHead `json:"head,omitempty"`
}

// AuditHead names one entry of the chain, its seq and its MAC (the entry's Hash): written
// down outside the database, it lets a later check prove that the trail still holds that
// entry unchanged, with every entry before it (a chain cannot be rebuilt to the same MAC
// without the key). Its text form is SEQ:MAC.
type AuditHead struct {
	Seq int64  `json:"seq"`
	MAC string `json:"mac"`
}

func (h AuditHead) String() string { return strconv.FormatInt(h.Seq, 10) + ":" + h.MAC }

var auditHeadRe = regexp.MustCompile(`^([1-9][0-9]{0,18}):([0-9a-f]{64})$`)

// ParseAuditHead reads SEQ:MAC; field names the input in the error.
func ParseAuditHead(field, s string) (*AuditHead, error) {
	m := auditHeadRe.FindStringSubmatch(strings.ToLower(strings.TrimSpace(s)))
	if m == nil {
		var v Validation
		v.Add(field, "链头格式应为 序号:校验码，如 42:3f9a…（64位十六进制）", "A head is SEQ:MAC, e.g. 42:3f9a… (64 hex digits)")
		return nil, v.Err()
	}
	seq, err := strconv.ParseInt(m[1], 10, 64)
	if err != nil {
		var v Validation
		v.Add(field, "链头序号过大", "The head's sequence number is too large")
		return nil, v.Err()
	}
	return &AuditHead{Seq: seq, MAC: m[2]}, nil
}

// AuditService reads and checks the trail and records events that change nothing else
// (a denied request, an export).
type AuditService interface {
	FindAudit(ctx context.Context, a *Actor, f AuditFilter) ([]*AuditEntry, int, error)
	// VerifyAudit walks the whole chain; with at set it also proves that the entry at.Seq
	// still has MAC at.MAC.
	VerifyAudit(ctx context.Context, a *Actor, at *AuditHead) (*AuditVerification, error)
	// AuditHead is the newest entry's seq and MAC, to record outside the database.
	AuditHead(ctx context.Context, a *Actor) (*AuditHead, error)
	RecordAudit(ctx context.Context, a *Actor, e *AuditEntry) error
	// RecordAnchor records, as an entry of this trail, that committee orgID (in the
	// auditor's scope) reported the head h of its own trail.
	RecordAnchor(ctx context.Context, a *Actor, orgID string, h AuditHead) error
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
