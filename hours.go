package guangong

import (
	"context"
	"strings"
	"time"
)

// Volunteer service hours (志愿服务时长), kept as the 民政部《志愿服务记录与证明出具办法》
// asks: each record is one volunteer's service in one activity or shift (or on its own),
// in minutes actually served, travel excluded; who recorded it; the organiser confirms it;
// a correction adds a row that supersedes the old one, never editing it, so a trace remains.

// Statuses of a service-hours record.
const (
	HoursRecorded   = "recorded"   // entered, awaiting the organiser's confirmation
	HoursConfirmed  = "confirmed"  // confirmed by the organiser; counts on certificates
	HoursSuperseded = "superseded" // replaced by a correction (superseded_by names it)
	HoursVoid       = "void"       // withdrawn, with a reason
)

// HoursStatuses lists the statuses in their order of life.
var HoursStatuses = []string{HoursRecorded, HoursConfirmed, HoursSuperseded, HoursVoid}

// HoursNoun and CertificateNoun name the objects in messages.
var (
	HoursNoun       = Msg{"服务时长记录", "Service-hours record"}
	CertificateNoun = Msg{"志愿服务证明", "Volunteer service certificate"}
)

// MaxServiceMinutes bounds one record: one day of service.
const MaxServiceMinutes = 24 * 60

// ServiceHours is one record. EventID or ShiftID names what the service was part of (both
// empty for standalone service). OrgID is the organiser who confirms it.
type ServiceHours struct {
	ID            string    `json:"id"`
	VolunteerID   string    `json:"volunteerId"`
	VolunteerName string    `json:"volunteerName,omitempty"`
	OrgID         string    `json:"orgId"`
	OrgName       string    `json:"orgName,omitempty"`
	EventID       string    `json:"eventId,omitempty"`
	EventTitle    string    `json:"eventTitle,omitempty"`
	ShiftID       string    `json:"shiftId,omitempty"`
	ShiftLabel    string    `json:"shiftLabel,omitempty"` // the post's name and the shift's role
	ServedOn      string    `json:"servedOn"`             // Shanghai date
	Minutes       int       `json:"minutes"`
	Place         string    `json:"place,omitempty"`
	Content       string    `json:"content"`
	Status        string    `json:"status"`
	RecordedBy    string    `json:"recordedBy"`
	RecorderName  string    `json:"recorderName"`
	RecordedAt    time.Time `json:"recordedAt"`
	ConfirmedBy   string    `json:"confirmedBy,omitempty"`
	ConfirmedAt   string    `json:"confirmedAt,omitempty"` // RFC 3339, empty until confirmed
	Supersedes    string    `json:"supersedes,omitempty"`
	SupersededBy  string    `json:"supersededBy,omitempty"`
	Reason        string    `json:"reason,omitempty"`
	Version       int       `json:"version"`
	CreatedAt     time.Time `json:"createdAt"`
	UpdatedAt     time.Time `json:"updatedAt"`
}

// Activity names what the service was part of, for lists and exports.
func (h *ServiceHours) Activity() string {
	switch {
	case h.EventTitle != "":
		return h.EventTitle
	case h.ShiftLabel != "":
		return h.ShiftLabel
	}
	return h.Content
}

// Hours is the record's time in hours with up to two decimals, as the national system takes it.
func (h *ServiceHours) Hours() string { return FormatHours(h.Minutes) }

// FormatHours writes minutes as hours: 90 → "1.5", 100 → "1.67", 120 → "2".
func FormatHours(minutes int) string {
	neg := minutes < 0
	if neg {
		minutes = -minutes
	}
	hundredths := (minutes*100 + 30) / 60 // rounded to the nearest hundredth
	s := itoa(hundredths / 100)
	if f := hundredths % 100; f != 0 {
		frac := itoa(f)
		if f < 10 {
			frac = "0" + frac
		}
		s += "." + strings.TrimRight(frac, "0")
	}
	if neg {
		s = "-" + s
	}
	return s
}

// Normalize trims the free-typed fields.
func (h *ServiceHours) Normalize() {
	h.VolunteerID = strings.TrimSpace(h.VolunteerID)
	h.OrgID = strings.TrimSpace(h.OrgID)
	h.EventID = strings.TrimSpace(h.EventID)
	h.ShiftID = strings.TrimSpace(h.ShiftID)
	h.ServedOn = strings.TrimSpace(h.ServedOn)
	h.Place = strings.TrimSpace(h.Place)
	h.Content = strings.TrimSpace(h.Content)
	h.Reason = strings.TrimSpace(h.Reason)
}

// Validate checks the record's own fields; the store checks the volunteer, the organiser
// and the limits set by the event or shift.
func (h *ServiceHours) Validate(now time.Time) error {
	var v Validation
	if h.VolunteerID == "" {
		v.Add("volunteerId", "请选择志愿者", "Choose the volunteer")
	}
	h.validateService(&v, now)
	if h.EventID != "" && h.ShiftID != "" {
		v.Add("shiftId", "一条记录只能属于一项活动或一个班次", "A record belongs to one activity or one shift, not both")
	}
	return v.Err()
}

func (h *ServiceHours) validateService(v *Validation, now time.Time) {
	v.Text("servedOn", "服务日期", "Service date", h.ServedOn, true, 10)
	v.Date("servedOn", "服务日期", "Service date", h.ServedOn, now)
	checkMinutes(v, h.Minutes)
	v.Text("place", "服务地点", "Place", h.Place, false, 100)
	v.Text("content", "服务内容", "Content", h.Content, true, 200)
}

func checkMinutes(v *Validation, minutes int) {
	switch {
	case minutes <= 0:
		v.Add("minutes", "服务时长须大于0分钟", "Minutes served must be more than 0")
	case minutes > MaxServiceMinutes:
		v.Add("minutes", "一条记录的服务时长不能超过24小时", "One record cannot exceed 24 hours")
	}
}

// HoursEntry is one volunteer's minutes in a batch.
type HoursEntry struct {
	VolunteerID string `json:"volunteerId"`
	Minutes     int    `json:"minutes"`
}

// HoursBatch records several volunteers' service in one activity or shift at once (the
// participants of an event in one form), in one transaction: all rows or none.
type HoursBatch struct {
	EventID  string       `json:"eventId,omitempty"`
	ShiftID  string       `json:"shiftId,omitempty"`
	OrgID    string       `json:"orgId,omitempty"` // defaults to the event's host or the post's committee
	ServedOn string       `json:"servedOn"`
	Place    string       `json:"place,omitempty"`
	Content  string       `json:"content"`
	Entries  []HoursEntry `json:"entries"`
}

// MaxHoursBatch bounds one batch.
const MaxHoursBatch = 500

// Validate checks the shared fields and each entry; an entry's error is reported on
// "entries.N.minutes" or "entries.N.volunteerId" (N from 0).
func (b *HoursBatch) Validate(now time.Time) error {
	var v Validation
	h := ServiceHours{ServedOn: strings.TrimSpace(b.ServedOn), Place: strings.TrimSpace(b.Place),
		Content: strings.TrimSpace(b.Content), Minutes: 1}
	h.validateService(&v, now)
	if b.EventID != "" && b.ShiftID != "" {
		v.Add("shiftId", "一条记录只能属于一项活动或一个班次", "A record belongs to one activity or one shift, not both")
	}
	if len(b.Entries) == 0 {
		v.Add("entries", "请至少为一位志愿者填写服务时长", "Enter minutes for at least one volunteer")
	}
	if len(b.Entries) > MaxHoursBatch {
		v.Add("entries", "一次最多记录500条", "At most 500 records at once")
	}
	seen := map[string]bool{}
	for i, e := range b.Entries {
		p := "entries." + itoa(i) + "."
		if e.VolunteerID == "" {
			v.Add(p+"volunteerId", "请选择志愿者", "Choose the volunteer")
		} else if seen[e.VolunteerID] {
			v.Add(p+"volunteerId", "同一志愿者不能重复记录", "The same volunteer is listed twice")
		}
		seen[e.VolunteerID] = true
		var ev Validation
		checkMinutes(&ev, e.Minutes)
		if m, ok := ev.fields["minutes"]; ok {
			v.Add(p+"minutes", m.Zh, m.En)
		}
	}
	return v.Err()
}

// HoursFilter selects records. A volunteer's own list needs the volunteer in scope; other
// lists hold the records whose organiser lies in scope (OrgID narrows to a subtree).
type HoursFilter struct {
	VolunteerID *string
	OrgID       *string
	EventID     *string
	ShiftID     *string
	Status      *string
	From, To    *string // served_on within [From, To], Shanghai dates
	Page
}

// VersionRef names a record at the version it was read at.
type VersionRef struct {
	ID      string `json:"id"`
	Version int    `json:"version"`
}

// HoursCorrection is what a correction changes: the new values and why.
type HoursCorrection struct {
	Version  int    `json:"version"`
	ServedOn string `json:"servedOn"`
	Minutes  int    `json:"minutes"`
	Place    string `json:"place"`
	Content  string `json:"content"`
	Reason   string `json:"reason"`
}

// YearHours is a volunteer's hours in one calendar year.
type YearHours struct {
	Year      string `json:"year"`
	Confirmed int    `json:"confirmedMinutes"` // counts on certificates
	Pending   int    `json:"pendingMinutes"`   // recorded, awaiting confirmation
	Records   int    `json:"records"`          // confirmed and pending records
}

// ConfirmedHours and PendingHours write the minutes as hours.
func (y YearHours) ConfirmedHours() string { return FormatHours(y.Confirmed) }
func (y YearHours) PendingHours() string   { return FormatHours(y.Pending) }

// VolunteerEvent is a meeting or activity a volunteer took part in.
type VolunteerEvent struct {
	EventID  string `json:"eventId"`
	Type     string `json:"type"`
	Category string `json:"category,omitempty"`
	Kind     string `json:"kind,omitempty"`
	Title    string `json:"title"`
	StartsOn string `json:"startsOn"`
	Place    string `json:"place,omitempty"`
	OrgID    string `json:"orgId"`
	OrgName  string `json:"orgName"`
	Role     string `json:"role,omitempty"`
	Status   string `json:"status"`
}

// VolunteerShift is a duty shift a volunteer filled.
type VolunteerShift struct {
	ShiftID    string    `json:"shiftId"`
	PostID     string    `json:"postId"`
	PostName   string    `json:"postName"`
	PostKind   string    `json:"postKind"`
	OrgName    string    `json:"orgName"`
	Role       string    `json:"role,omitempty"`
	StartsAt   time.Time `json:"startsAt"`
	EndsAt     time.Time `json:"endsAt"`
	Source     string    `json:"source"`               // signup | assigned
	CheckInAt  string    `json:"checkInAt,omitempty"`  // RFC 3339
	CheckOutAt string    `json:"checkOutAt,omitempty"` // RFC 3339
}

// Certificate is a printable proof of service (志愿服务证明) issued from confirmed hours:
// the total is computed when issued and kept, with a unique serial.
type Certificate struct {
	ID            string    `json:"id"`
	Serial        string    `json:"serial"`
	VolunteerID   string    `json:"volunteerId"`
	VolunteerName string    `json:"volunteerName,omitempty"`
	OrgID         string    `json:"orgId"` // the issuing committee
	OrgName       string    `json:"orgName,omitempty"`
	From          string    `json:"from"`
	To            string    `json:"to"`
	Minutes       int       `json:"minutes"`
	Records       int       `json:"records"` // confirmed records counted; filled on issue
	Content       string    `json:"content"`
	IssuedBy      string    `json:"issuedBy"`
	IssuerName    string    `json:"issuerName,omitempty"`
	IssuedAt      time.Time `json:"issuedAt"`
}

// Hours is the certified total in hours.
func (c *Certificate) Hours() string { return FormatHours(c.Minutes) }

// Validate checks what the person issuing chooses: the committee, the range and the content.
func (c *Certificate) Validate(now time.Time) error {
	var v Validation
	c.Content = strings.TrimSpace(c.Content)
	if c.VolunteerID == "" {
		v.Add("volunteerId", "请选择志愿者", "Choose the volunteer")
	}
	if c.OrgID == "" {
		v.Add("orgId", "请选择出具证明的组织", "Choose the issuing committee")
	}
	v.Text("from", "起始日期", "Start date", c.From, true, 10)
	v.Date("from", "起始日期", "Start date", c.From, now)
	v.Text("to", "截止日期", "End date", c.To, true, 10)
	v.Date("to", "截止日期", "End date", c.To, now)
	if c.From != "" && c.To != "" && c.To < c.From {
		v.Add("to", "截止日期不能早于起始日期", "The end cannot precede the start")
	}
	v.Text("content", "服务内容摘要", "Content summary", c.Content, false, 500)
	return v.Err()
}

// HoursExportRow is one line of the file for the national volunteer service system, with
// the fields the 民政部 rules name.
type HoursExportRow struct {
	VolunteerName string
	IDType        string // 居民身份证 when an ID number is kept
	IDNumber      string // masked unless a full export was allowed
	Activity      string
	ServedOn      string
	Place         string
	Content       string
	Minutes       int
	RecorderName  string
	OrgName       string // the organiser
	Status        string
}

// HoursExport asks for an export: the filter (status defaults to confirmed), and full ID
// numbers only with Reveal and a Reason.
type HoursExport struct {
	Filter HoursFilter
	Format string // xlsx | csv, for the audit entry
	Reveal bool
	Reason string
}

// MaxHoursExport caps one export; narrow the filters for more.
const MaxHoursExport = 100_000

// CanRevealHours: full ID numbers leave the system only with a committee administrator,
// as in the people export.
func CanRevealHours(r Role) bool { return r == RoleOrgAdmin }

// HoursSheet is the recording form of one event or shift: what it sets, and its
// participants in the caller's scope with the minutes to suggest and any already recorded.
type HoursSheet struct {
	EventID  string        `json:"eventId,omitempty"`
	ShiftID  string        `json:"shiftId,omitempty"`
	Title    string        `json:"title"`
	OrgID    string        `json:"orgId"` // the host or the post's committee
	OrgName  string        `json:"orgName"`
	FirstDay string        `json:"firstDay"`
	LastDay  string        `json:"lastDay"`
	Place    string        `json:"place,omitempty"`
	Length   int           `json:"lengthMinutes"`
	People   []*SheetEntry `json:"people"`
}

// SheetEntry is one participant on a sheet.
type SheetEntry struct {
	VolunteerID string `json:"volunteerId"`
	Name        string `json:"name"`
	OrgName     string `json:"orgName"`
	Suggested   int    `json:"suggestedMinutes"` // the full length, or check-in to check-out
	Recorded    int    `json:"recordedMinutes"`  // live records already made for it
}

// HoursService keeps service hours and certificates. Writes need Role.CanWriteRecords and
// the organiser (OrgID) in scope; a volunteer's own lists need the volunteer in scope.
type HoursService interface {
	RecordHours(ctx context.Context, a *Actor, h *ServiceHours) error
	RecordHoursBatch(ctx context.Context, a *Actor, b *HoursBatch) ([]*ServiceHours, error)
	// HoursSheet prepares the batch form of an event or a shift (one of the two ids).
	HoursSheet(ctx context.Context, a *Actor, eventID, shiftID string) (*HoursSheet, error)
	FindHoursByID(ctx context.Context, a *Actor, id string) (*ServiceHours, error)
	FindHours(ctx context.Context, a *Actor, f HoursFilter) ([]*ServiceHours, int, error)
	// HoursTrace is the chain of corrections a record belongs to, oldest first.
	HoursTrace(ctx context.Context, a *Actor, id string) ([]*ServiceHours, error)
	ConfirmHours(ctx context.Context, a *Actor, refs []VersionRef) error
	CorrectHours(ctx context.Context, a *Actor, id string, c HoursCorrection) (*ServiceHours, error)
	VoidHours(ctx context.Context, a *Actor, id string, version int, reason string) error
	YearlyHours(ctx context.Context, a *Actor, volunteerID string) ([]YearHours, error)
	VolunteerEvents(ctx context.Context, a *Actor, volunteerID string, p Page) ([]*VolunteerEvent, int, error)
	VolunteerShifts(ctx context.Context, a *Actor, volunteerID string, p Page) ([]*VolunteerShift, int, error)
	IssueCertificate(ctx context.Context, a *Actor, c *Certificate) error
	FindCertificate(ctx context.Context, a *Actor, id string) (*Certificate, error)
	Certificates(ctx context.Context, a *Actor, volunteerID string) ([]*Certificate, error)
	// ExportHours returns the rows and records the export in the audit trail in the same
	// transaction: no entry, no rows.
	ExportHours(ctx context.Context, a *Actor, e HoursExport) ([]*HoursExportRow, error)
}
