package guangong

import (
	"context"
	"time"
)

// PersonKey is what identifies a person when checking an import against the database.
type PersonKey struct {
	Row       int    `json:"row"`
	IDNumber  string `json:"idNumber,omitempty"`
	Name      string `json:"name"`
	BirthDate string `json:"birthDate"`
	OrgID     string `json:"orgId"`
}

// Match is an existing record that a row of an import duplicates.
type Match struct {
	Row        int    `json:"row"`
	ExistingID string `json:"existingId"`
	Reason     string `json:"reason"` // "id_number" or "name_birth_org"
}

// ImportProblem is one finding of an import check: row (1-based, as in the sheet, the
// header being row 1), column header, the value found, and what is wrong.
type ImportProblem struct {
	Row     int    `json:"row"`
	Column  string `json:"column"`
	Value   string `json:"value"`
	Message Msg    `json:"message"`
}

// Import statuses.
const (
	ImportChecking  = "checking"  // reading and validating the file
	ImportChecked   = "checked"   // report ready; nothing written; the user chooses
	ImportImporting = "importing" // writing the valid rows
	ImportDone      = "done"
	ImportFailed    = "failed"
)

// Import is an uploaded sheet on its way in. The file is kept with it until the user
// chooses, so several servers behind a balancer can finish it.
type Import struct {
	ID        string          `json:"id"`
	OrgID     string          `json:"orgId"` // the committee rows default to
	UserID    string          `json:"userId"`
	Kind      string          `json:"kind"` // "volunteer" or "youth"
	Filename  string          `json:"filename"`
	Status    string          `json:"status"`
	Total     int             `json:"total"` // data rows in the file
	Done      int             `json:"done"`  // rows checked (or written) so far
	Valid     int             `json:"valid"`
	Invalid   int             `json:"invalid"`
	Imported  int             `json:"imported"`
	Problems  []ImportProblem `json:"problems"`
	Error     string          `json:"error,omitempty"`
	CreatedAt time.Time       `json:"createdAt"`
	UpdatedAt time.Time       `json:"updatedAt"`
}

// ImportService keeps import jobs (scoped like everything else: by OrgID).
type ImportService interface {
	CreateImport(ctx context.Context, a *Actor, imp *Import, data []byte) error
	FindImport(ctx context.Context, a *Actor, id string) (*Import, error)
	ImportFile(ctx context.Context, a *Actor, id string) ([]byte, error)
	// SaveImport stores status, counts and problems (called as the check progresses).
	SaveImport(ctx context.Context, a *Actor, imp *Import) error
	// MatchExisting finds records in scope that the given rows would duplicate.
	MatchExisting(ctx context.Context, a *Actor, kind string, keys []PersonKey) ([]Match, error)
	// WritesSince reports the audit trail's head (its last sequence number) and whether any
	// entry after seq concerns one of objectTypes, other than object except: every write is
	// audited, so a commit can tell whether the records its check looked at may have
	// changed since (its own job's entries aside).
	WritesSince(ctx context.Context, a *Actor, seq int64, except string, objectTypes ...string) (head int64, changed bool, err error)
}
