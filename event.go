package guangong

import (
	"bytes"
	"context"
	"path"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Event types: meetings and activities share one record and one calendar.
const (
	EventMeeting  = "meeting"
	EventActivity = "activity"
)

// EventTypes lists both types.
var EventTypes = []string{EventMeeting, EventActivity}

// MeetingKinds: 推进会, 总结表彰会, 集中学习, 座谈会, 班子会, other.
var MeetingKinds = []string{"advance", "commendation", "study", "forum", "leadership", "other"}

// ActivityCategories follow the four kinds of activity and the centre's work (domain.md).
var ActivityCategories = []string{"central", "moral", "care", "performance", "service", "aid", "other"}

// ActivitySubcategories are the subcategories each category offers; a category without
// an entry takes none.
var ActivitySubcategories = map[string][]string{
	"central": {"epidemic", "urban", "sanitation", "mediation"},
	"moral":   {"lecture", "speech", "qingming", "theme"},
	"service": {"school_guard", "exam_guard", "street_patrol", "duty"},
}

// CategoryPerformance is the category whose scale, not its headcount, decides 大型.
const CategoryPerformance = "performance"

// Event statuses, in the order an event passes through them.
const (
	EventPlanned  = "planned"
	EventHeld     = "held"
	EventRecorded = "recorded"
)

// EventStatuses lists the statuses in order; an edit never moves an event backwards.
var EventStatuses = []string{EventPlanned, EventHeld, EventRecorded}

// PerformanceScales: a performance is large or small by its own account.
var PerformanceScales = []string{"large", "small"}

// Default large thresholds (people), used where no committee above has set a rule.
const (
	DefaultMeetingMin  = 30
	DefaultActivityMin = 50
)

// MaxEventCount bounds each people count typed in.
const MaxEventCount = 100000

// Event is a meeting (会议) or an activity (活动). OrgID is the host committee and decides
// scope for edits; Orgs lists every organiser (host first). Headcount and Large are
// computed by the store on save.
type Event struct {
	ID           string           `json:"id"`
	Type         string           `json:"type"`
	OrgID        string           `json:"orgId"`
	OrgName      string           `json:"orgName,omitempty"`
	CoOrgIDs     []string         `json:"coOrgIds"`
	Orgs         []EventOrg       `json:"orgs,omitempty"`
	Kind         string           `json:"kind"`
	Category     string           `json:"category"`
	Subcategory  string           `json:"subcategory"`
	Title        string           `json:"title"`
	StartsAt     time.Time        `json:"startsAt"`
	EndsAt       time.Time        `json:"endsAt"`
	StartsOn     string           `json:"startsOn"` // the Shanghai date of StartsAt
	Place        string           `json:"place"`
	Host         string           `json:"host"`
	Agenda       string           `json:"agenda"`
	Minutes      string           `json:"minutes"`
	Decisions    string           `json:"decisions"`
	Outcome      string           `json:"outcome"`
	Status       string           `json:"status"`
	Scale        string           `json:"scale"`
	Large        bool             `json:"large"`
	TroupeID     string           `json:"troupeId"`
	TroupeName   string           `json:"troupeName,omitempty"`
	VolunteerIDs []string         `json:"volunteerIds"`
	Volunteers   []EventVolunteer `json:"volunteers,omitempty"`
	YouthIDs     []string         `json:"youthIds"`
	Youths       []EventYouth     `json:"youths,omitempty"`
	YouthsServed int              `json:"youthsServed"`
	OthersCount  int              `json:"othersCount"`
	Audience     int              `json:"audience"`
	Headcount    int              `json:"headcount"`
	PlanItemID   string           `json:"planItemId"`
	Attachments  []*Attachment    `json:"attachments,omitempty"`
	Version      int              `json:"version"`
	CreatedAt    time.Time        `json:"createdAt"`
	UpdatedAt    time.Time        `json:"updatedAt"`
}

// EventOrg is one organising committee.
type EventOrg struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Host bool   `json:"host"`
}

// EventVolunteer is a registry volunteer who attended or took part.
type EventVolunteer struct {
	VolunteerID string `json:"volunteerId"`
	Name        string `json:"name"`
	Role        string `json:"role,omitempty"`
}

// EventYouth is a youth served who is linked to the registry; Name is masked for an
// account without 未成年人信息 access.
type EventYouth struct {
	YouthID string `json:"youthId"`
	Name    string `json:"name"`
}

// EventNoun names the object in messages.
var EventNoun = Msg{"会议或活动", "Meeting or activity"}

// Normalize trims the typed fields, clears the fields the other type does not use and
// drops repeated ids.
func (e *Event) Normalize() {
	for _, p := range []*string{&e.Title, &e.Place, &e.Host, &e.Agenda, &e.Minutes, &e.Decisions, &e.Outcome,
		&e.Kind, &e.Category, &e.Subcategory, &e.Scale, &e.TroupeID, &e.Status, &e.PlanItemID} {
		*p = strings.TrimSpace(*p)
	}
	switch e.Type {
	case EventMeeting:
		e.Category, e.Subcategory, e.Outcome, e.Scale, e.TroupeID, e.Audience = "", "", "", "", "", 0
	case EventActivity:
		e.Kind, e.Agenda, e.Minutes, e.Decisions = "", "", "", ""
		if e.Category != CategoryPerformance {
			e.Scale, e.TroupeID, e.Audience = "", "", 0
		}
	}
	e.CoOrgIDs = cleanIDs(e.CoOrgIDs, e.OrgID)
	e.VolunteerIDs = cleanIDs(e.VolunteerIDs, "")
	e.YouthIDs = cleanIDs(e.YouthIDs, "")
}

// cleanIDs trims, drops empties, repeats and skip; never nil, so JSON shows [].
func cleanIDs(ids []string, skip string) []string {
	out := []string{}
	for _, id := range ids {
		id = strings.TrimSpace(id)
		if id != "" && id != skip && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

// Validate checks the event's own fields; the store checks committees, people and troupe.
func (e *Event) Validate(now time.Time) error {
	var v Validation
	switch e.Type {
	case EventMeeting:
		if !slices.Contains(MeetingKinds, e.Kind) {
			v.Add("kind", "请选择会议类别（推进会、总结表彰会、集中学习、座谈会、班子会、其他）", "Choose the kind of meeting")
		}
	case EventActivity:
		if !slices.Contains(ActivityCategories, e.Category) {
			v.Add("category", "请选择活动类别", "Choose the category of activity")
		} else if e.Subcategory != "" && !slices.Contains(ActivitySubcategories[e.Category], e.Subcategory) {
			v.Add("subcategory", "该活动类别下没有这个子类", "This category has no such subcategory")
		}
		if e.Category == CategoryPerformance && !slices.Contains(PerformanceScales, e.Scale) {
			v.Add("scale", "请选择汇演规模（大型或小型）", "Choose the scale of the performance (large or small)")
		}
	default:
		v.Add("type", "请选择类型（会议或活动）", "Choose meeting or activity")
	}
	v.Text("title", "名称", "Title", e.Title, true, 100)
	if e.OrgID == "" {
		v.Add("orgId", "请选择主办组织", "Choose the host committee")
	}
	if e.StartsAt.IsZero() {
		v.Add("startsAt", "请填写开始时间", "The start time is required")
	}
	if e.EndsAt.IsZero() {
		v.Add("endsAt", "请填写结束时间", "The end time is required")
	} else if !e.StartsAt.IsZero() {
		switch {
		case e.EndsAt.Before(e.StartsAt):
			v.Add("endsAt", "结束时间不能早于开始时间", "The end cannot precede the start")
		case e.EndsAt.Sub(e.StartsAt) > MaxEventDays*24*time.Hour:
			v.Add("endsAt", "一次会议或活动不能超过31天", "One meeting or activity lasts at most 31 days")
		}
	}
	if !e.StartsAt.IsZero() && e.StartsAt.In(Shanghai).Year() < 2000 {
		v.Add("startsAt", "开始时间年份不合理", "The start has an implausible year")
	}
	if !slices.Contains(EventStatuses, e.Status) {
		v.Add("status", "请选择状态（计划、已举行、已归档）", "Choose a status (planned, held, recorded)")
	} else if e.Status != EventPlanned && !e.StartsAt.IsZero() &&
		e.StartsAt.In(Shanghai).Format(DateLayout) > now.In(Shanghai).Format(DateLayout) {
		v.Add("status", "尚未到日期的会议或活动只能是“计划”", "An event on a future date can only be planned")
	}
	v.Text("place", "地点", "Place", e.Place, false, 200)
	v.Text("host", "主持人", "Host", e.Host, false, 50)
	for _, f := range []struct {
		field, zh, en, val string
	}{
		{"agenda", "议程", "Agenda", e.Agenda}, {"minutes", "会议记录", "Minutes", e.Minutes},
		{"decisions", "决定事项", "Decisions", e.Decisions}, {"outcome", "活动成效", "Outcome", e.Outcome},
	} {
		v.Text(f.field, f.zh, f.en, f.val, false, 5000)
	}
	counts := []struct {
		field, zh, en string
		n             int
	}{
		{"youthsServed", "服务青少年人数", "Youths served", e.YouthsServed},
		{"othersCount", "其他参加人数", "Other participants", e.OthersCount},
		{"audience", "观众人数", "Audience", e.Audience},
	}
	for _, c := range counts {
		if c.n < 0 || c.n > MaxEventCount {
			v.Add(c.field, c.zh+"应为0到"+itoa(MaxEventCount)+"之间的整数", c.en+" must be a whole number from 0 to "+itoa(MaxEventCount))
		}
	}
	if len(e.YouthIDs) > e.YouthsServed {
		v.Add("youthsServed", "服务青少年人数不能少于已关联的青少年人数", "Youths served cannot be fewer than the youths linked")
	}
	if len(e.VolunteerIDs) > 1000 {
		v.Add("volunteerIds", "参加的志愿者不能超过1000人", "At most 1,000 volunteers")
	}
	if len(e.CoOrgIDs) > 50 {
		v.Add("coOrgIds", "协办组织不能超过50个", "At most 50 co-organisers")
	}
	return v.Err()
}

// ComputeHeadcount is volunteers + youths served + others.
func (e *Event) ComputeHeadcount() int {
	return len(e.VolunteerIDs) + e.YouthsServed + e.OthersCount
}

// IsLarge decides 大型 by the rule in force (nil: the defaults); a performance by its scale.
func (e *Event) IsLarge(r *LargeRule) bool {
	if e.Type == EventActivity && e.Category == CategoryPerformance {
		return e.Scale == "large"
	}
	meeting, activity := DefaultMeetingMin, DefaultActivityMin
	if r != nil {
		meeting, activity = r.MeetingMin, r.ActivityMin
	}
	if e.Type == EventMeeting {
		return e.Headcount >= meeting
	}
	return e.Headcount >= activity
}

// LargeRule is what a committee sets for the committees below it: a meeting or an activity
// with at least this many people is large (大型).
type LargeRule struct {
	OrgID       string    `json:"orgId"`
	MeetingMin  int       `json:"meetingMin"`
	ActivityMin int       `json:"activityMin"`
	Version     int       `json:"version"` // 0 when the committee has set none
	UpdatedAt   time.Time `json:"updatedAt"`
	// Recomputed is how many events below had their large flag recomputed (on a save).
	Recomputed int `json:"recomputed"`
}

// Validate checks the thresholds.
func (r *LargeRule) Validate() error {
	var v Validation
	if r.MeetingMin < 1 || r.MeetingMin > MaxEventCount {
		v.Add("meetingMin", "大型会议人数应为1到100000之间的整数", "The meeting threshold must be from 1 to 100000")
	}
	if r.ActivityMin < 1 || r.ActivityMin > MaxEventCount {
		v.Add("activityMin", "大型活动人数应为1到100000之间的整数", "The activity threshold must be from 1 to 100000")
	}
	return v.Err()
}

// RuleInForce is the rule that decides 大型 for a committee's own events: the nearest
// strict ancestor's, or the defaults (Source empty).
type RuleInForce struct {
	MeetingMin  int    `json:"meetingMin"`
	ActivityMin int    `json:"activityMin"`
	Source      string `json:"source,omitempty"` // the committee that set it
	SourceName  string `json:"sourceName,omitempty"`
}

// Attachment is a photo or a scanned sign-in sheet of an event; its bytes are read apart.
type Attachment struct {
	ID        string    `json:"id"`
	EventID   string    `json:"eventId"`
	Name      string    `json:"name"`
	MIME      string    `json:"mime"`
	Size      int       `json:"size"`
	SHA256    string    `json:"sha256"`
	CreatedBy string    `json:"createdBy"`
	CreatedAt time.Time `json:"createdAt"`
}

// Attachment limits.
const (
	MaxAttachmentBytes = 10 << 20
	MaxAttachments     = 30 // per event
)

// AttachmentTypes are the content types accepted, decided by sniffing the bytes.
var AttachmentTypes = []string{"image/jpeg", "image/png", "image/webp", "application/pdf"}

// CheckAttachment sniffs data and returns its content type, or a field error on "file"
// when it is empty, too large or not a photo or PDF whatever its name says.
func CheckAttachment(name string, data []byte) (clean, mime string, err error) {
	var v Validation
	clean = path.Base(strings.ReplaceAll(strings.TrimSpace(name), `\`, "/"))
	if clean == "." || clean == "/" || !utf8.ValidString(clean) {
		clean = "file"
	}
	if r := []rune(clean); len(r) > 100 {
		clean = string(r[len(r)-100:])
	}
	mime = sniff(data)
	switch {
	case len(data) == 0:
		v.Add("file", "请选择要上传的文件", "Choose a file to upload")
	case len(data) > MaxAttachmentBytes:
		v.Add("file", "文件不能超过10MB", "The file must be at most 10 MB")
	case !slices.Contains(AttachmentTypes, mime):
		v.Add("file", "只能上传照片（JPEG、PNG、WebP）或PDF扫描件", "Only photos (JPEG, PNG, WebP) or scanned PDFs may be uploaded")
	}
	return clean, mime, v.Err()
}

// sniff names the accepted type data starts like (the signatures net/http's sniffer uses),
// or "" for anything else.
func sniff(data []byte) string {
	switch {
	case bytes.HasPrefix(data, []byte("\xFF\xD8\xFF")):
		return "image/jpeg"
	case bytes.HasPrefix(data, []byte("\x89PNG\x0D\x0A\x1A\x0A")):
		return "image/png"
	case len(data) >= 12 && bytes.HasPrefix(data, []byte("RIFF")) && string(data[8:12]) == "WEBP":
		return "image/webp"
	case bytes.HasPrefix(data, []byte("%PDF-")):
		return "application/pdf"
	}
	return ""
}

// EventFilter selects events any of whose organisers lies in the subtree of OrgID (the
// caller's scope when nil). From and To are Shanghai dates, both included.
type EventFilter struct {
	OrgID       *string
	Type        *string
	Kind        *string
	Category    *string
	Subcategory *string
	Status      *string
	Large       *bool
	From, To    *string
	VolunteerID *string
	Page
}

// Validate checks a filter's coded values and dates.
func (f EventFilter) Validate() error {
	var v Validation
	check := func(field string, val *string, ok func(string) bool, zh, en string) {
		if val != nil && !ok(*val) {
			v.Add(field, zh, en)
		}
	}
	in := func(list []string) func(string) bool { return func(s string) bool { return slices.Contains(list, s) } }
	check("type", f.Type, in(EventTypes), "类型应为 meeting 或 activity", "Type must be meeting or activity")
	check("kind", f.Kind, in(MeetingKinds), "会议类别无效", "Unknown meeting kind")
	check("category", f.Category, in(ActivityCategories), "活动类别无效", "Unknown activity category")
	check("subcategory", f.Subcategory, func(s string) bool {
		for _, l := range ActivitySubcategories {
			if slices.Contains(l, s) {
				return true
			}
		}
		return false
	}, "活动子类无效", "Unknown subcategory")
	check("status", f.Status, in(EventStatuses), "状态无效", "Unknown status")
	isDate := func(s string) bool { _, err := time.Parse(DateLayout, s); return err == nil }
	check("from", f.From, isDate, "起始日期格式应为 年-月-日", "From must be a date like 2025-06-01")
	check("to", f.To, isDate, "结束日期格式应为 年-月-日", "To must be a date like 2025-06-30")
	return v.Err()
}

// CalendarEntry is one event in a month calendar: what a cell shows.
type CalendarEntry struct {
	ID          string    `json:"id"`
	Type        string    `json:"type"`
	Kind        string    `json:"kind"`
	Category    string    `json:"category"`
	Subcategory string    `json:"subcategory"`
	Title       string    `json:"title"`
	OrgID       string    `json:"orgId"`
	OrgName     string    `json:"orgName"`
	StartsAt    time.Time `json:"startsAt"`
	EndsAt      time.Time `json:"endsAt"`
	StartsOn    string    `json:"startsOn"`
	Status      string    `json:"status"`
	Large       bool      `json:"large"`
	Headcount   int       `json:"headcount"`
}

// MaxEventDays is the longest an event may last.
const MaxEventDays = 31

// Days lists the Shanghai dates the entry covers, first to last: an event ending at
// midnight ends on the day before.
func (c *CalendarEntry) Days() []string {
	start, end := c.StartsAt.In(Shanghai), c.EndsAt.In(Shanghai)
	if end.After(start) {
		end = end.Add(-time.Nanosecond)
	}
	var out []string
	for d := time.Date(start.Year(), start.Month(), start.Day(), 0, 0, 0, 0, Shanghai); !d.After(end) && len(out) <= MaxEventDays; d = d.AddDate(0, 0, 1) {
		out = append(out, d.Format(DateLayout))
	}
	return out
}

// MaxCalendarEntries bounds one month's calendar.
const MaxCalendarEntries = 2000

// EventService keeps meetings, activities, their attachments and the large rules. An event
// is read by anyone whose scope holds one of its organisers, and written by those whose
// scope holds all of them (the host included). Writes need Role.CanWriteRecords.
type EventService interface {
	FindEventByID(ctx context.Context, a *Actor, id string) (*Event, error)
	FindEvents(ctx context.Context, a *Actor, f EventFilter) ([]*Event, int, error)
	// EventCalendar lists a month (YYYY-MM) of events organised in orgID's subtree, by start.
	EventCalendar(ctx context.Context, a *Actor, orgID, month string) ([]*CalendarEntry, error)
	CreateEvent(ctx context.Context, a *Actor, e *Event) error
	UpdateEvent(ctx context.Context, a *Actor, e *Event) error // e.Version must match
	// CreateEventWithFiles creates e and its attachments in one transaction (quick entry).
	CreateEventWithFiles(ctx context.Context, a *Actor, e *Event, files []Upload) error
	// DeleteEvent removes an event recorded by mistake (version: the one read), with its
	// organisers, attendees, linked youths and attachments; refused while service hours
	// name it. Plan items it carried out become open again.
	DeleteEvent(ctx context.Context, a *Actor, id string, version int) error
	AddAttachment(ctx context.Context, a *Actor, eventID string, f Upload) (*Attachment, error)
	// DeleteAttachment removes one photo or scan from an event the actor may write.
	DeleteAttachment(ctx context.Context, a *Actor, eventID, id string) error
	// AttachmentData returns an attachment and its bytes, if its event is readable.
	AttachmentData(ctx context.Context, a *Actor, eventID, id string) (*Attachment, []byte, error)
	// LargeRule is the rule orgID sets for the committees below it (Version 0: none set).
	LargeRule(ctx context.Context, a *Actor, orgID string) (*LargeRule, error)
	// RuleInForce is the rule that decides 大型 for orgID's own events.
	RuleInForce(ctx context.Context, a *Actor, orgID string) (*RuleInForce, error)
	// SetLargeRule saves r (r.Version: the version read, 0 for a first rule) and recomputes
	// the large flag of the events below in the same transaction.
	SetLargeRule(ctx context.Context, a *Actor, r *LargeRule) error
}

// Upload is a file as received: the name the sender gave and its bytes.
type Upload struct {
	Name string
	Data []byte
}
