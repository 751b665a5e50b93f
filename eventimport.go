package guangong

import "context"

// EventKey is what identifies a past meeting or activity when checking an import against
// the database: the host committee, the title and the Shanghai date it started.
type EventKey struct {
	Row      int    `json:"row"`
	OrgID    string `json:"orgId"`
	Title    string `json:"title"`
	StartsOn string `json:"startsOn"`
}

// EventImportService writes past meetings and activities from an import sheet.
type EventImportService interface {
	// ImportEvents checks every row as CreateEvent does and writes them all, with an audit
	// entry each, in one transaction; if any row fails nothing is written.
	ImportEvents(ctx context.Context, a *Actor, rows []*Event) error
	// MatchEvents finds stored events in scope with the same host, title and start date.
	MatchEvents(ctx context.Context, a *Actor, keys []EventKey) ([]Match, error)
}
