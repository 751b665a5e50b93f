package guangong

import (
	"context"
	"slices"
	"strings"
	"time"
)

// Duty rosters (值守排班): standing posts, shifts at them (role × time × headcount), the
// volunteers who fill a shift, and their check-in and check-out by the post's QR code.
// Nothing here ranks volunteers or asks anyone to check in daily (基层减负): a check-in
// exists only to record the hours of a shift someone chose or was asked to serve.

// DutyKinds are the kinds of standing post: a street chief's street (街长), the duty group
// (值班组), a school-gate guard post (护学岗), exam-day traffic duty (护考).
var DutyKinds = []string{"street", "duty_group", "school_gate", "exam"}

// Shift sources: the volunteer signed up, or a clerk assigned them.
const (
	SourceSignup   = "signup"
	SourceAssigned = "assigned"
)

// The check-in window: from CheckInEarly before a shift starts to its end. A check-out is
// taken until CheckOutGrace after the end; later, the organiser closes it.
const (
	CheckInEarly  = 30 * time.Minute
	CheckOutGrace = 2 * time.Hour
	// MaxShiftLength bounds one shift; a longer duty is several shifts.
	MaxShiftLength = 24 * time.Hour
	// MaxShiftHeadcount bounds the places of one shift (exam-day traffic needs dozens).
	MaxShiftHeadcount = 500
)

// DutyPost is a standing duty post of a committee. QRToken is the random part of its
// check-in address /checkin/{token}, printed as a QR code at the post.
type DutyPost struct {
	ID        string    `json:"id"`
	OrgID     string    `json:"orgId"`
	OrgName   string    `json:"orgName,omitempty"`
	Kind      string    `json:"kind"`
	Name      string    `json:"name"`
	Place     string    `json:"place"`
	QRToken   string    `json:"qrToken,omitempty"` // not shown to volunteer accounts
	Active    bool      `json:"active"`
	Version   int       `json:"version"`
	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
}

// DutyPostNoun names the object in messages.
var DutyPostNoun = Msg{"值守岗位", "Duty post"}

// Normalize trims the typed fields.
func (p *DutyPost) Normalize() {
	p.Name, p.Place = strings.TrimSpace(p.Name), strings.TrimSpace(p.Place)
}

// Validate checks the post's own fields; the store checks the committee.
func (p *DutyPost) Validate() error {
	var v Validation
	if !slices.Contains(DutyKinds, p.Kind) {
		v.Add("kind", "请选择岗位类型（街长、值班组、护学岗、护考）", "Choose the kind of post")
	}
	v.Text("name", "岗位名称", "Name", p.Name, true, 100)
	v.Text("place", "地点", "Place", p.Place, false, 200)
	if p.OrgID == "" {
		v.Add("orgId", "请选择所属组织", "Choose the committee")
	}
	return v.Err()
}

// Shift is a role × time × headcount at a post. Filled and the post's fields are read.
type Shift struct {
	ID        string    `json:"id"`
	PostID    string    `json:"postId"`
	PostName  string    `json:"postName,omitempty"`
	PostKind  string    `json:"postKind,omitempty"`
	Place     string    `json:"place,omitempty"`
	OrgID     string    `json:"orgId,omitempty"` // the post's committee
	Role      string    `json:"role"`
	StartsAt  time.Time `json:"startsAt"`
	EndsAt    time.Time `json:"endsAt"`
	StartsOn  string    `json:"startsOn"` // the Shanghai date of StartsAt
	Headcount int       `json:"headcount"`
	Filled    int       `json:"filled"`
	Version   int       `json:"version"`
	CreatedAt time.Time `json:"createdAt"`
}

// ShiftNoun names the object in messages.
var ShiftNoun = Msg{"班次", "Shift"}

// Minutes is the shift's length.
func (s *Shift) Minutes() int { return int(s.EndsAt.Sub(s.StartsAt) / time.Minute) }

// Free is how many places are left.
func (s *Shift) Free() int { return max(0, s.Headcount-s.Filled) }

// Validate checks a shift's own fields: a role, an end after the start, a sane length and
// headcount.
func (s *Shift) Validate() error {
	var v Validation
	s.Role = strings.TrimSpace(s.Role)
	v.Text("role", "岗位职责", "Role", s.Role, true, 50)
	if s.StartsAt.IsZero() {
		v.Add("startsAt", "请填写开始时间", "Enter the start")
	}
	if s.EndsAt.IsZero() {
		v.Add("endsAt", "请填写结束时间", "Enter the end")
	}
	if !s.StartsAt.IsZero() && !s.EndsAt.IsZero() {
		switch {
		case !s.EndsAt.After(s.StartsAt):
			v.Add("endsAt", "结束时间必须晚于开始时间", "The end must be after the start")
		case s.EndsAt.Sub(s.StartsAt) > MaxShiftLength:
			v.Add("endsAt", "一个班次不能超过24小时，请分成几个班次", "A shift lasts at most 24 hours; split it")
		}
		if s.StartsAt.Year() < 2000 || s.StartsAt.Year() > 2100 {
			v.Add("startsAt", "开始时间的年份不合理", "The start has an implausible year")
		}
	}
	if s.Headcount < 1 || s.Headcount > MaxShiftHeadcount {
		v.Add("headcount", "人数应在1到500之间", "Headcount must be between 1 and 500")
	}
	if s.PostID == "" {
		v.Add("postId", "请选择岗位", "Choose the post")
	}
	return v.Err()
}

// ShiftVolunteer is one volunteer on one shift, with their check-in and check-out. A
// check-out the organiser closed carries ClosedBy and Review. Minutes is the served time
// clipped to the shift (0 until checked out).
type ShiftVolunteer struct {
	ID            string     `json:"id"`
	ShiftID       string     `json:"shiftId"`
	VolunteerID   string     `json:"volunteerId"`
	VolunteerName string     `json:"volunteerName,omitempty"`
	Source        string     `json:"source"`
	CheckInAt     *time.Time `json:"checkInAt,omitempty"`
	CheckOutAt    *time.Time `json:"checkOutAt,omitempty"`
	ClosedBy      string     `json:"closedBy,omitempty"`
	ClosedByName  string     `json:"closedByName,omitempty"`
	Review        bool       `json:"review"`
	Minutes       int        `json:"minutes"`
	// The service-hours row written at check-out: its minutes and status (recorded,
	// confirmed, …), read with the place.
	HoursMinutes int       `json:"hoursMinutes"`
	HoursStatus  string    `json:"hoursStatus,omitempty"`
	Version      int       `json:"version"`
	CreatedAt    time.Time `json:"createdAt"`
	// The shift it belongs to, filled on lists that span shifts.
	Shift *Shift `json:"shift,omitempty"`
}

// ShiftVolunteerNoun names the object in messages.
var ShiftVolunteerNoun = Msg{"排班", "Shift place"}

// ServedMinutes is the time between check-in and check-out that falls inside the shift,
// in whole minutes.
func ServedMinutes(s *Shift, in, out time.Time) int {
	from, to := in, out
	if from.Before(s.StartsAt) {
		from = s.StartsAt
	}
	if to.After(s.EndsAt) {
		to = s.EndsAt
	}
	if !to.After(from) {
		return 0
	}
	return int(to.Sub(from) / time.Minute)
}

// CheckInPage is what the check-in page shows a volunteer at a post: the post, their place on
// a shift there now (or the next one), and shifts at the post with free places.
type CheckInPage struct {
	Post *DutyPost `json:"post"`
	// Place is the volunteer's current or next shift here, nil if none.
	Place *ShiftVolunteer `json:"place,omitempty"`
	// CanCheckIn and CanCheckOut say which button the page offers now.
	CanCheckIn  bool `json:"canCheckIn"`
	CanCheckOut bool `json:"canCheckOut"`
	// OpensAt is when check-in opens for Place, if not yet.
	OpensAt *time.Time `json:"opensAt,omitempty"`
	// Open lists upcoming shifts at this post with free places, to sign up for.
	Open []*Shift `json:"open"`
}

// DutyPostFilter selects posts in scope.
type DutyPostFilter struct {
	OrgID  *string // this committee's subtree
	Kind   *string
	Active *bool
	Page
}

// ShiftFilter selects shifts of one post, or of every post in a subtree, by start time.
type ShiftFilter struct {
	PostID   *string
	OrgID    *string
	From, To *time.Time // StartsAt in [From, To)
	// OpenOnly keeps shifts that have not ended and have a free place.
	OpenOnly bool
	Page
}

// AttendanceFilter selects volunteers' places on shifts of a subtree: "missed" lists
// check-ins without a check-out whose window has closed; "review" lists check-outs the
// organiser closed.
type AttendanceFilter struct {
	OrgID *string
	State string // missed | review
	Page
}

// DutyService keeps duty posts and shifts, fills them, and records check-ins. Clerks and
// committee administrators write within scope; a volunteer account (Actor.VolunteerID) sees
// the posts and shifts of its committee's subtree, signs itself up, checks in and out, and
// reads only its own places.
type DutyService interface {
	FindDutyPosts(ctx context.Context, a *Actor, f DutyPostFilter) ([]*DutyPost, int, error)
	FindDutyPostByID(ctx context.Context, a *Actor, id string) (*DutyPost, error)
	CreateDutyPost(ctx context.Context, a *Actor, p *DutyPost) error
	// UpdateDutyPost saves kind, name, place and active; p.Version must match. A new QR
	// token is made when renewQR is set (a sign was lost or copied).
	UpdateDutyPost(ctx context.Context, a *Actor, p *DutyPost, renewQR bool) error

	FindShifts(ctx context.Context, a *Actor, f ShiftFilter) ([]*Shift, int, error)
	FindShiftByID(ctx context.Context, a *Actor, id string) (*Shift, error)
	CreateShift(ctx context.Context, a *Actor, s *Shift) error
	// UpdateShift saves role, times and headcount; the headcount cannot drop below the
	// places filled.
	UpdateShift(ctx context.Context, a *Actor, s *Shift) error

	// ShiftVolunteers lists who fills a shift (not for volunteer accounts).
	ShiftVolunteers(ctx context.Context, a *Actor, shiftID string) ([]*ShiftVolunteer, error)
	// AssignShift puts a volunteer in scope on a shift (clerks); SignUpShift puts the
	// volunteer account's own record on it. Both refuse a full shift, a shift that has
	// ended, and a volunteer already on an overlapping shift.
	AssignShift(ctx context.Context, a *Actor, shiftID, volunteerID string) (*ShiftVolunteer, error)
	SignUpShift(ctx context.Context, a *Actor, shiftID string) (*ShiftVolunteer, error)
	// WithdrawShift removes a place not yet checked in (the volunteer their own, a clerk any).
	WithdrawShift(ctx context.Context, a *Actor, id string) error

	// CheckInStatus is the check-in page of the post whose QR token is token.
	CheckInStatus(ctx context.Context, a *Actor, token string) (*CheckInPage, error)
	// CheckIn and CheckOut record the volunteer account's own place id at the post of
	// token, within the window; CheckOut writes the service-hours row in the same transaction.
	CheckIn(ctx context.Context, a *Actor, token, id string) (*ShiftVolunteer, error)
	CheckOut(ctx context.Context, a *Actor, token, id string) (*ShiftVolunteer, error)
	// CloseCheckOut closes a missed check-out at the time the organiser chooses (not after
	// the shift's end), marks it for review and writes the hours row.
	CloseCheckOut(ctx context.Context, a *Actor, id string, at time.Time, version int) (*ShiftVolunteer, error)
	FindAttendance(ctx context.Context, a *Actor, f AttendanceFilter) ([]*ShiftVolunteer, int, error)
	// MyShifts lists the volunteer account's own places, newest first, with their hours.
	MyShifts(ctx context.Context, a *Actor, p Page) ([]*ShiftVolunteer, int, error)
}
