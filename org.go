package guangong

import (
	"context"
	"regexp"
	"time"
)

// Level is a committee's administrative level.
type Level string

const (
	LevelProvince Level = "province" // 省
	LevelCity     Level = "city"     // 市
	LevelCounty   Level = "county"   // 县(区)
	LevelTown     Level = "town"     // 乡镇(街道)
	LevelVillage  Level = "village"  // 村(社区)
	LevelSchool   Level = "school"   // 学校
	LevelUnit     Level = "unit"     // 单位
)

// Levels lists every level from the top down.
var Levels = []Level{LevelProvince, LevelCity, LevelCounty, LevelTown, LevelVillage, LevelSchool, LevelUnit}

var levelInfo = map[Level]struct {
	rank  int
	label Msg
}{
	LevelProvince: {1, Msg{"省", "Province"}},
	LevelCity:     {2, Msg{"市", "City"}},
	LevelCounty:   {3, Msg{"县(区)", "County"}},
	LevelTown:     {4, Msg{"乡镇(街道)", "Town"}},
	LevelVillage:  {5, Msg{"村(社区)", "Village"}},
	LevelSchool:   {5, Msg{"学校", "School"}},
	LevelUnit:     {5, Msg{"单位", "Unit"}},
}

// Valid reports whether l is a known level.
func (l Level) Valid() bool { _, ok := levelInfo[l]; return ok }

// Label is the level's name for people.
func (l Level) Label() Msg { return levelInfo[l].label }

// CanParent reports whether a committee of level l may have a child of level child:
// children sit strictly lower (villages, schools and units are all at the bottom rank).
func (l Level) CanParent(child Level) bool {
	return l.Valid() && child.Valid() && levelInfo[child].rank > levelInfo[l].rank
}

// OrgStatus is active or dissolved; a dissolved committee keeps its history.
type OrgStatus string

const (
	OrgActive    OrgStatus = "active"
	OrgDissolved OrgStatus = "dissolved"
)

// Org is a committee (关工委) in the tree.
type Org struct {
	ID          string     `json:"id"`
	ParentID    string     `json:"parentId,omitempty"`
	Name        string     `json:"name"`
	ShortName   string     `json:"shortName,omitempty"`
	Level       Level      `json:"level"`
	Code        string     `json:"code"`
	Address     string     `json:"address,omitempty"`
	Contact     string     `json:"contact,omitempty"`
	Established string     `json:"established,omitempty"` // YYYY-MM-DD
	Status      OrgStatus  `json:"status"`
	DissolvedAt *time.Time `json:"dissolvedAt,omitempty"`
	Depth       int        `json:"depth"`      // 0 for a root
	ChildCount  int        `json:"childCount"` // direct children, active or not; filled on reads
	Version     int        `json:"version"`
	CreatedAt   time.Time  `json:"createdAt"`
	UpdatedAt   time.Time  `json:"updatedAt"`
}

// OrgNoun names the object in messages.
var OrgNoun = Msg{"组织", "Committee"}

var codePattern = regexp.MustCompile(`^[0-9A-Za-z][0-9A-Za-z_-]*$`)

// Validate checks the committee's own fields; the store checks the parent and uniqueness.
func (o *Org) Validate(now time.Time) error {
	var v Validation
	v.Text("name", "名称", "Name", o.Name, true, 100)
	v.Text("shortName", "简称", "Short name", o.ShortName, false, 30)
	if !o.Level.Valid() {
		v.Add("level", "请选择有效的层级", "Choose a valid level")
	}
	v.Text("code", "代码", "Code", o.Code, true, 32)
	if o.Code != "" && !codePattern.MatchString(o.Code) {
		v.Add("code", "代码只能包含字母、数字、下划线和连字符", "Code may hold only letters, digits, _ and -")
	}
	v.Text("address", "地址", "Address", o.Address, false, 200)
	v.Text("contact", "联系方式", "Contact", o.Contact, false, 100)
	v.Date("established", "成立日期", "Established date", o.Established, now)
	return v.Err()
}

// OrgFilter selects committees within the caller's scope.
type OrgFilter struct {
	ParentID         *string // direct children of this committee
	Under            *string // the whole subtree of this committee, itself included
	Query            *string // name or short name contains
	Code             *string
	Level            *Level
	IncludeDissolved bool
	Page
}

// OrgUpdate holds the fields an edit changes; nil means unchanged. Version must match.
type OrgUpdate struct {
	Name        *string `json:"name,omitempty"`
	ShortName   *string `json:"shortName,omitempty"`
	Level       *Level  `json:"level,omitempty"`
	Code        *string `json:"code,omitempty"`
	Address     *string `json:"address,omitempty"`
	Contact     *string `json:"contact,omitempty"`
	Established *string `json:"established,omitempty"`
	Version     int     `json:"version"`
}

// Apply copies the set fields onto o.
func (u OrgUpdate) Apply(o *Org) {
	set := func(dst *string, src *string) {
		if src != nil {
			*dst = *src
		}
	}
	set(&o.Name, u.Name)
	set(&o.ShortName, u.ShortName)
	set(&o.Code, u.Code)
	set(&o.Address, u.Address)
	set(&o.Contact, u.Contact)
	set(&o.Established, u.Established)
	if u.Level != nil {
		o.Level = *u.Level
	}
}

// OrgSummary is the home page's figures for one committee's subtree, all computed.
type OrgSummary struct {
	Org       *Org          `json:"org"`
	Ancestors []*Org        `json:"ancestors"` // within the caller's scope, root first
	ByLevel   map[Level]int `json:"byLevel"`   // active committees in the subtree, itself included
	Active    int           `json:"active"`
	Dissolved int           `json:"dissolved"`
	Accounts  int           `json:"accounts"` // enabled accounts in the subtree
}

// OrgService keeps the committee tree. Every method is scoped by the actor: a committee
// outside the actor's subtree answers ENOTFOUND, exactly as a missing one.
type OrgService interface {
	FindOrgByID(ctx context.Context, a *Actor, id string) (*Org, error)
	// FindOrgByRef finds by id or by unique code (for the command line).
	FindOrgByRef(ctx context.Context, a *Actor, ref string) (*Org, error)
	FindOrgs(ctx context.Context, a *Actor, f OrgFilter) ([]*Org, int, error)
	// OrgAncestors lists id's ancestors that lie within the actor's scope, root first.
	OrgAncestors(ctx context.Context, a *Actor, id string) ([]*Org, error)
	// OrgPaths is OrgAncestors for many committees in one query (for lists that show each
	// result's path); ids outside the actor's scope are left out of the map.
	OrgPaths(ctx context.Context, a *Actor, ids []string) (map[string][]*Org, error)
	OrgSummary(ctx context.Context, a *Actor, id string) (*OrgSummary, error)
	// InScope reports whether committee id lies in the actor's subtree.
	InScope(ctx context.Context, a *Actor, id string) (bool, error)
	CreateOrg(ctx context.Context, a *Actor, o *Org) error
	UpdateOrg(ctx context.Context, a *Actor, id string, u OrgUpdate) (*Org, error)
	// MoveOrg moves id and its whole subtree under newParentID.
	MoveOrg(ctx context.Context, a *Actor, id, newParentID string, version int) (*Org, error)
	// DissolveOrg marks id dissolved; it must have no active children.
	DissolveOrg(ctx context.Context, a *Actor, id string, version int) (*Org, error)
}
