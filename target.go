package guangong

import (
	"context"
	"slices"
	"strings"
	"time"
)

// Progress: yearly plans, targets set by the level above, and the figures computed from
// the records (events, troupes, duty rosters, service hours). No table holds a total.
//
// Co-organised events: every organiser (event_orgs, the host included) counts an event for
// its own committee; a subtree counts an event once, however many of its committees
// organised it. Only held and recorded events count as done.

// Metric sources: where a metric's figure is counted from.
const (
	SourceEvents  = "events"  // events of the year, by month
	SourceTroupes = "troupes" // troupes and their current members, on the day asked
	SourceDuty    = "duty"    // distinct volunteers on the year's shifts at a kind of post
	SourceHours   = "hours"   // confirmed service hours of the year, by month
)

// EventMatch says which done events a metric counts, and whether it counts them or sums
// their youths served. Empty fields match anything.
type EventMatch struct {
	Type        string
	Kind        string
	Category    string
	Subcategory string
	Scale       string
	Large       bool // only events marked large (大型)
	SumYouths   bool // the sum of youths_served instead of a count
}

// Metric is one figure of the progress page, defined once: its code (also the targets'
// metric column), its name, how it is counted and where from.
type Metric struct {
	Code     string     `json:"code"`
	Label    Msg        `json:"label"`
	How      Msg        `json:"how"`
	Unit     Msg        `json:"unit"`
	Source   string     `json:"source"`
	Monthly  bool       `json:"monthly"` // counted by month (events and hours)
	Event    EventMatch `json:"-"`
	PostKind string     `json:"-"` // SourceDuty: the duty_posts kind
}

// Metric codes.
const (
	MetricLargeMeetings     = "large_meetings"
	MetricLargeActivities   = "large_activities"
	MetricMeetings          = "meetings"
	MetricActivities        = "activities"
	MetricStudySessions     = "study_sessions"
	MetricQingming          = "qingming"
	MetricLectures          = "lectures"
	MetricSpeeches          = "speeches"
	MetricCentralWork       = "central_work"
	MetricPerformancesLarge = "performances_large"
	MetricPerformancesSmall = "performances_small"
	MetricExamServed        = "exam_served"
	MetricTroupes           = "troupes"
	MetricTroupeMembers     = "troupe_members"
	MetricDutyGroup         = "duty_group"
	MetricStreetChiefs      = "street_chiefs"
	MetricServiceHours      = "service_hours"
)

var (
	unitTimes  = Msg{"次", "events"}
	unitPeople = Msg{"人", "people"}
	unitHours  = Msg{"小时", "hours"}
)

// Metrics is every figure the progress pages show, in their order.
var Metrics = []Metric{
	{Code: MetricLargeMeetings, Label: Msg{"大型会议", "Large meetings"}, Unit: unitTimes, Source: SourceEvents, Monthly: true,
		How:   Msg{"已召开或已记录、标为大型的会议", "Meetings held or recorded and marked large"},
		Event: EventMatch{Type: "meeting", Large: true}},
	{Code: MetricLargeActivities, Label: Msg{"大型活动", "Large activities"}, Unit: unitTimes, Source: SourceEvents, Monthly: true,
		How:   Msg{"已开展或已记录、标为大型的活动（含大型文艺汇演）", "Activities held or recorded and marked large (large performances included)"},
		Event: EventMatch{Type: "activity", Large: true}},
	{Code: MetricMeetings, Label: Msg{"会议", "Meetings"}, Unit: unitTimes, Source: SourceEvents, Monthly: true,
		How:   Msg{"已召开或已记录的各类会议", "Meetings of every kind held or recorded"},
		Event: EventMatch{Type: "meeting"}},
	{Code: MetricActivities, Label: Msg{"活动", "Activities"}, Unit: unitTimes, Source: SourceEvents, Monthly: true,
		How:   Msg{"已开展或已记录的各类活动", "Activities of every category held or recorded"},
		Event: EventMatch{Type: "activity"}},
	{Code: MetricStudySessions, Label: Msg{"集中学习", "Study sessions"}, Unit: unitTimes, Source: SourceEvents, Monthly: true,
		How:   Msg{"类别为集中学习的会议", "Meetings of kind study session"},
		Event: EventMatch{Type: "meeting", Kind: "study"}},
	{Code: MetricQingming, Label: Msg{"清明祭扫", "Qingming visits"}, Unit: unitTimes, Source: SourceEvents, Monthly: true,
		How:   Msg{"立德树人·清明祭扫活动", "Moral-education activities: Qingming visits"},
		Event: EventMatch{Type: "activity", Category: "moral", Subcategory: "qingming"}},
	{Code: MetricLectures, Label: Msg{"宣讲", "Lectures"}, Unit: unitTimes, Source: SourceEvents, Monthly: true,
		How:   Msg{"立德树人·宣讲活动", "Moral-education activities: lectures"},
		Event: EventMatch{Type: "activity", Category: "moral", Subcategory: "lecture"}},
	{Code: MetricSpeeches, Label: Msg{"演讲比赛", "Speech contests"}, Unit: unitTimes, Source: SourceEvents, Monthly: true,
		How:   Msg{"立德树人·演讲活动", "Moral-education activities: speech contests"},
		Event: EventMatch{Type: "activity", Category: "moral", Subcategory: "speech"}},
	{Code: MetricCentralWork, Label: Msg{"参与中心工作", "Central work joined"}, Unit: unitTimes, Source: SourceEvents, Monthly: true,
		How:   Msg{"中心工作类活动（疫情防控、城镇建设、环境卫生、矛盾调解）", "Central-work activities (epidemic control, urban works, sanitation, mediation)"},
		Event: EventMatch{Type: "activity", Category: "central"}},
	{Code: MetricPerformancesLarge, Label: Msg{"大型文艺汇演", "Large performances"}, Unit: unitTimes, Source: SourceEvents, Monthly: true,
		How:   Msg{"规模为大型的文艺汇演", "Performances of large scale"},
		Event: EventMatch{Type: "activity", Category: "performance", Scale: "large"}},
	{Code: MetricPerformancesSmall, Label: Msg{"小型文艺演出", "Small performances"}, Unit: unitTimes, Source: SourceEvents, Monthly: true,
		How:   Msg{"规模为小型的文艺汇演", "Performances of small scale"},
		Event: EventMatch{Type: "activity", Category: "performance", Scale: "small"}},
	{Code: MetricExamServed, Label: Msg{"护考服务考生", "Examinees served on exam days"}, Unit: unitPeople, Source: SourceEvents, Monthly: true,
		How:   Msg{"志愿服务·护考活动服务青少年人数之和", "The sum of youths served by exam-day duty activities"},
		Event: EventMatch{Type: "activity", Category: "service", Subcategory: "exam_guard", SumYouths: true}},
	{Code: MetricTroupes, Label: Msg{"文艺队", "Art troupes"}, Unit: Msg{"支", "troupes"}, Source: SourceTroupes,
		How: Msg{"登记的文艺队数", "Troupes registered"}},
	{Code: MetricTroupeMembers, Label: Msg{"文艺队队员", "Troupe members"}, Unit: unitPeople, Source: SourceTroupes,
		How: Msg{"文艺队现有队员（未离队）", "Current troupe members (no end date, or one still to come)"}},
	{Code: MetricDutyGroup, Label: Msg{"值守组人数", "Duty group"}, Unit: unitPeople, Source: SourceDuty, PostKind: "duty_group",
		How: Msg{"本年在值守组岗位排班的不同志愿者人数", "Distinct volunteers on the year's shifts at duty-group posts"}},
	{Code: MetricStreetChiefs, Label: Msg{"街长", "Street chiefs"}, Unit: unitPeople, Source: SourceDuty, PostKind: "street",
		How: Msg{"本年在街长岗位排班的不同志愿者人数", "Distinct volunteers on the year's shifts at street posts"}},
	{Code: MetricServiceHours, Label: Msg{"志愿服务时长", "Volunteer service hours"}, Unit: unitHours, Source: SourceHours, Monthly: true,
		How: Msg{"本年已确认的志愿服务时长（按确认组织计，取整小时）", "Confirmed service hours of the year (by the confirming committee, whole hours)"}},
}

// MetricByCode finds a metric's definition.
func MetricByCode(code string) (Metric, bool) {
	i := slices.IndexFunc(Metrics, func(m Metric) bool { return m.Code == code })
	if i < 0 {
		return Metric{}, false
	}
	return Metrics[i], true
}

// Target is the least count of a metric a committee should reach in a year, set by a
// committee above it.
type Target struct {
	ID        string    `json:"id"`
	OrgID     string    `json:"orgId"`
	Year      int       `json:"year"`
	Metric    string    `json:"metric"`
	Min       int       `json:"min"`
	SetBy     string    `json:"setBy"`
	Version   int       `json:"version"`
	UpdatedAt time.Time `json:"updatedAt"`
}

// TargetDefault is the target a committee sets for every committee below it, used where
// no explicit target is set.
type TargetDefault struct {
	SetBy     string    `json:"setBy"`
	Metric    string    `json:"metric"`
	Min       int       `json:"min"`
	Version   int       `json:"version"`
	UpdatedAt time.Time `json:"updatedAt"`
}

// EffectiveTarget is the target that applies: the explicit one, else the nearest
// ancestor's default.
type EffectiveTarget struct {
	Metric    string `json:"metric"`
	Min       int    `json:"min"`
	Source    string `json:"source"` // "explicit" | "default"
	SetBy     string `json:"setBy"`
	SetByName string `json:"setByName"`
	TargetID  string `json:"targetId,omitempty"` // explicit only
	Version   int    `json:"version"`            // explicit only
}

// Where an effective target comes from.
const (
	TargetSourceExplicit = "explicit"
	TargetSourceDefault  = "default"
)

// TargetNoun and PlanItemNoun name the objects in messages.
var (
	TargetNoun   = Msg{"目标", "Target"}
	PlanItemNoun = Msg{"计划事项", "Plan item"}
)

// MinYear and MaxYear bound the years plans and targets are kept for.
const (
	MinYear = 2000
	MaxYear = 2100
)

func checkYear(v *Validation, year int) {
	if year < MinYear || year > MaxYear {
		v.Add("year", "年份应在 2000 至 2100 之间", "The year must lie between 2000 and 2100")
	}
}

func checkMetric(v *Validation, code string, min int) {
	if _, ok := MetricByCode(code); !ok {
		v.Add("metric", "请选择指标", "Choose a metric")
	}
	if min < 0 || min > 1000000 {
		v.Add("min", "目标数应为 0 至 1000000 的整数", "The target must be a whole number from 0 to 1,000,000")
	}
}

// Validate checks a target's own fields.
func (t *Target) Validate() error {
	var v Validation
	if t.OrgID == "" {
		v.Add("orgId", "请选择组织", "Choose the committee")
	}
	checkYear(&v, t.Year)
	checkMetric(&v, t.Metric, t.Min)
	return v.Err()
}

// Validate checks a default's own fields.
func (d *TargetDefault) Validate() error {
	var v Validation
	if d.SetBy == "" {
		v.Add("setBy", "请选择组织", "Choose the committee")
	}
	checkMetric(&v, d.Metric, d.Min)
	return v.Err()
}

// DemoTargetDefaults are the seed's yearly targets: at least 4 large meetings and 6 large
// activities.
var DemoTargetDefaults = map[string]int{MetricLargeMeetings: 4, MetricLargeActivities: 6}

// DoneStatuses are the event statuses that count as done.
var DoneStatuses = []string{EventHeld, EventRecorded}

// PlanItem is one planned meeting or activity in a committee's plan for a year. EventID
// links it to the event that carried it out; past its month without a done event it is
// overdue.
type PlanItem struct {
	ID          string    `json:"id"`
	OrgID       string    `json:"orgId"`
	OrgName     string    `json:"orgName,omitempty"`
	Year        int       `json:"year"`
	Month       int       `json:"month"`
	Type        string    `json:"type"`
	Kind        string    `json:"kind"`
	Category    string    `json:"category"`
	Subcategory string    `json:"subcategory"`
	Title       string    `json:"title"`
	Large       bool      `json:"large"`
	EventID     string    `json:"eventId"`
	Version     int       `json:"version"`
	CreatedAt   time.Time `json:"createdAt"`
	UpdatedAt   time.Time `json:"updatedAt"`
	// Computed on reading: the done event that carried it out (linked from either side;
	// the earliest if several), its date, whether the item is done, and whether overdue.
	DoneEventID string `json:"doneEventId,omitempty"`
	DoneOn      string `json:"doneOn,omitempty"`
	Done        bool   `json:"done"`
	Overdue     bool   `json:"overdue"`
}

// Normalize trims the free-typed fields and clears the codes that do not apply.
func (p *PlanItem) Normalize() {
	p.Title = strings.TrimSpace(p.Title)
	p.EventID = strings.TrimSpace(p.EventID)
	switch p.Type {
	case EventMeeting:
		p.Category, p.Subcategory = "", ""
	case EventActivity:
		p.Kind = ""
	}
}

// Validate checks a plan item's own fields.
func (p *PlanItem) Validate() error {
	var v Validation
	if p.OrgID == "" {
		v.Add("orgId", "请选择组织", "Choose the committee")
	}
	checkYear(&v, p.Year)
	if p.Month < 1 || p.Month > 12 {
		v.Add("month", "月份应为 1 至 12", "The month must be 1 to 12")
	}
	switch p.Type {
	case EventMeeting:
		if !slices.Contains(MeetingKinds, p.Kind) {
			v.Add("kind", "请选择会议类别", "Choose the kind of meeting")
		}
	case EventActivity:
		if !slices.Contains(ActivityCategories, p.Category) {
			v.Add("category", "请选择活动类别", "Choose the category of activity")
		} else if subs := ActivitySubcategories[p.Category]; p.Subcategory != "" && !slices.Contains(subs, p.Subcategory) {
			v.Add("subcategory", "该活动类别下没有此子类", "This subcategory does not belong to the category")
		} else if len(subs) == 0 && p.Subcategory != "" {
			v.Add("subcategory", "该活动类别下没有此子类", "This subcategory does not belong to the category")
		}
	default:
		v.Add("type", "请选择会议或活动", "Choose meeting or activity")
	}
	v.Text("title", "事项", "Title", p.Title, true, 100)
	return v.Err()
}

// PastMonth reports whether the item's month has ended on day today (YYYY-MM-DD).
func (p *PlanItem) PastMonth(today string) bool {
	end := time.Date(p.Year, time.Month(p.Month)+1, 1, 0, 0, 0, 0, time.UTC).Format(DateLayout)
	return today >= end
}

// MetricProgress is one metric's figure for a committee (or its subtree) in a year.
type MetricProgress struct {
	Metric
	Done    int              `json:"done"`
	ByMonth []int            `json:"byMonth,omitempty"` // 12 months, for monthly metrics
	Target  *EffectiveTarget `json:"target,omitempty"`
	Met     bool             `json:"met"` // Done reaches the target (false without one)
}

// TroupeLevel is troupes and current members by the level of their committee.
type TroupeLevel struct {
	Level   Level `json:"level"`
	Troupes int   `json:"troupes"`
	Members int   `json:"members"`
}

// Progress is a committee's (or its subtree's) figures for a year, computed from records.
type Progress struct {
	OrgID       string            `json:"orgId"`
	OrgName     string            `json:"orgName"`
	Year        int               `json:"year"`
	Subtree     bool              `json:"subtree"`
	AsOf        string            `json:"asOf"` // the Shanghai day the figures were counted on
	Metrics     []*MetricProgress `json:"metrics"`
	TroupesBy   []TroupeLevel     `json:"troupesByLevel"`
	Overdue     []*PlanItem       `json:"overdue"`     // the first 200, by month
	OverdueMore bool              `json:"overdueMore"` // more than those are overdue
	PlanCount   int               `json:"planCount"`
	PlanDone    int               `json:"planDone"`
}

// Metric returns the figure of metric code, or nil.
func (p *Progress) Metric(code string) *MetricProgress {
	for _, m := range p.Metrics {
		if m.Code == code {
			return m
		}
	}
	return nil
}

// Figures are a committee's figures for a year in one mode (its own records, or its
// subtree's): every metric's value by code, as Progress counts it, whether each metric with
// a target reaches it, and the plan's items and those done.
type Figures struct {
	Metrics   map[string]int  `json:"metrics"`
	Met       map[string]bool `json:"met"` // only the metrics with a target
	PlanCount int             `json:"planCount"`
	PlanDone  int             `json:"planDone"`
}

// OrgFigures is one committee's row in a comparison of the committees below another: its
// own figures (Progress without subtree), its subtree's (Progress with subtree) and the
// targets that apply to it. Dissolved committees are listed too: their records still
// count in the figures above them.
type OrgFigures struct {
	OrgID      string             `json:"orgId"`
	ParentID   string             `json:"parentId"`
	Name       string             `json:"name"`
	Code       string             `json:"code"`
	Level      Level              `json:"level"`
	Status     OrgStatus          `json:"status"`
	Depth      int                `json:"depth"`      // below the committee asked about: 1 for its children
	ChildCount int                `json:"childCount"` // direct children, active or not
	Own        Figures            `json:"own"`
	Subtree    Figures            `json:"subtree"`
	Targets    []*EffectiveTarget `json:"targets"` // in Metrics order, one per metric that has one
}

// ProgressBelow is a page of the figures of the committees below one in a year: its
// children, or with All every committee of its subtree below it; ordered by depth, name
// and id.
type ProgressBelow struct {
	OrgID   string        `json:"orgId"`
	OrgName string        `json:"orgName"`
	Year    int           `json:"year"`
	All     bool          `json:"all"`
	AsOf    string        `json:"asOf"` // the Shanghai day standing figures were counted on
	Items   []*OrgFigures `json:"items"`
	Total   int           `json:"total"`
	Offset  int           `json:"offset"`
	Limit   int           `json:"limit"`
}

// YearTotals are the event and hours metrics summed by year over a span of years.
type YearTotals struct {
	OrgID   string          `json:"orgId"`
	OrgName string          `json:"orgName"`
	From    int             `json:"from"`
	To      int             `json:"to"`
	Subtree bool            `json:"subtree"`
	Years   []int           `json:"years"`
	Rows    []YearTotalsRow `json:"rows"`
}

// YearTotalsRow is one metric's figure per year and in all.
type YearTotalsRow struct {
	Metric
	ByYear []int `json:"byYear"`
	Total  int   `json:"total"`
}

// MaxYearSpan bounds a multi-year view.
const MaxYearSpan = 10

// ProgressService keeps plans and targets and computes the progress figures.
type ProgressService interface {
	// Progress counts every metric for committee orgID (its own records, or with subtree
	// its whole subtree) in year, with the effective targets and the overdue plan items.
	Progress(ctx context.Context, a *Actor, orgID string, year int, subtree bool) (*Progress, error)
	// ProgressBelow counts, for a page of the committees below orgID (its children, or with
	// all its whole subtree below it), each one's own and subtree figures in year and its
	// targets: what Progress gives for each, in a fixed number of queries.
	ProgressBelow(ctx context.Context, a *Actor, orgID string, year int, all bool, p Page) (*ProgressBelow, error)
	// ProgressYears sums the monthly metrics by year, from..to inclusive.
	ProgressYears(ctx context.Context, a *Actor, orgID string, from, to int, subtree bool) (*YearTotals, error)

	// EffectiveTargets lists the targets that apply to orgID in year, one per metric that has one.
	EffectiveTargets(ctx context.Context, a *Actor, orgID string, year int) ([]*EffectiveTarget, error)
	// SetTarget creates (Version 0) or changes an explicit target. Only an account whose
	// committee lies strictly above t.OrgID may.
	SetTarget(ctx context.Context, a *Actor, t *Target) error
	DeleteTarget(ctx context.Context, a *Actor, id string, version int) error
	// TargetDefaults lists the defaults committee setBy gives the committees below it.
	TargetDefaults(ctx context.Context, a *Actor, setBy string) ([]*TargetDefault, error)
	SetTargetDefault(ctx context.Context, a *Actor, d *TargetDefault) error
	DeleteTargetDefault(ctx context.Context, a *Actor, setBy, metric string, version int) error

	PlanItems(ctx context.Context, a *Actor, orgID string, year int) ([]*PlanItem, error)
	FindPlanItem(ctx context.Context, a *Actor, id string) (*PlanItem, error)
	CreatePlanItem(ctx context.Context, a *Actor, p *PlanItem) error
	UpdatePlanItem(ctx context.Context, a *Actor, p *PlanItem) error // p.Version must match
	DeletePlanItem(ctx context.Context, a *Actor, id string, version int) error
}
