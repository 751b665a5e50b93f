package guangong

import (
	"context"
	"slices"
	"strings"
	"time"
)

// TroupeKinds are the usual kinds of art troupe (文艺队).
var TroupeKinds = []string{"orchestra", "dance", "choir", "opera", "drum", "other"}

// Troupe is an art troupe of a committee. Members and RegistryMembers are counted from
// its current members on every read; no row holds a total.
type Troupe struct {
	ID              string    `json:"id"`
	OrgID           string    `json:"orgId"`
	OrgName         string    `json:"orgName,omitempty"`
	Name            string    `json:"name"`
	Kind            string    `json:"kind"`
	Founded         string    `json:"founded"`
	Members         int       `json:"members"`         // current members
	RegistryMembers int       `json:"registryMembers"` // of them, volunteers from the registry
	Version         int       `json:"version"`
	CreatedAt       time.Time `json:"createdAt"`
	UpdatedAt       time.Time `json:"updatedAt"`
}

// TroupeNoun names the object in messages.
var TroupeNoun = Msg{"文艺队", "Art troupe"}

// Normalize trims the typed fields.
func (t *Troupe) Normalize() {
	t.Name, t.Kind, t.Founded = strings.TrimSpace(t.Name), strings.TrimSpace(t.Kind), strings.TrimSpace(t.Founded)
}

// Validate checks the troupe's own fields.
func (t *Troupe) Validate(now time.Time) error {
	var v Validation
	v.Text("name", "名称", "Name", t.Name, true, 100)
	if !slices.Contains(TroupeKinds, t.Kind) {
		v.Add("kind", "请选择文艺队类型", "Choose the kind of troupe")
	}
	v.Date("founded", "成立日期", "Founded", t.Founded, now)
	if t.OrgID == "" {
		v.Add("orgId", "请选择所属组织", "Choose the committee")
	}
	return v.Err()
}

// TroupeMember is a member of a troupe: a volunteer from the registry (VolunteerID set) or
// someone else by name.
type TroupeMember struct {
	ID          string `json:"id"`
	TroupeID    string `json:"troupeId"`
	VolunteerID string `json:"volunteerId"`
	Name        string `json:"name"`
	Role        string `json:"role"`
	From        string `json:"from"`
	To          string `json:"to"`
	Version     int    `json:"version"`
}

// Normalize trims the typed fields.
func (m *TroupeMember) Normalize() {
	for _, p := range []*string{&m.VolunteerID, &m.Name, &m.Role, &m.From, &m.To} {
		*p = strings.TrimSpace(*p)
	}
}

// Validate checks a member's own fields; a registry volunteer's name comes from the registry.
func (m *TroupeMember) Validate(now time.Time) error {
	var v Validation
	if m.VolunteerID == "" {
		v.Text("name", "姓名", "Name", m.Name, true, 50)
	}
	v.Text("role", "角色", "Role", m.Role, false, 50)
	checkSpan(&v, m.From, m.To, now)
	return v.Err()
}

// TroupeFilter selects troupes in the subtree of OrgID (the caller's scope when nil).
type TroupeFilter struct {
	OrgID *string
	Page
}

// TroupeTotals are the subtree's figures: troupes and their current members.
type TroupeTotals struct {
	Troupes         int `json:"troupes"`
	Members         int `json:"members"`
	RegistryMembers int `json:"registryMembers"`
}

// TroupeService keeps art troupes and their members, scoped like every record.
type TroupeService interface {
	FindTroupes(ctx context.Context, a *Actor, f TroupeFilter) ([]*Troupe, int, *TroupeTotals, error)
	FindTroupeByID(ctx context.Context, a *Actor, id string) (*Troupe, error)
	CreateTroupe(ctx context.Context, a *Actor, t *Troupe) error
	UpdateTroupe(ctx context.Context, a *Actor, t *Troupe) error // t.Version must match
	TroupeMembers(ctx context.Context, a *Actor, troupeID string) ([]*TroupeMember, error)
	AddTroupeMember(ctx context.Context, a *Actor, m *TroupeMember) error
	EndTroupeMember(ctx context.Context, a *Actor, id, to string, version int) error // version must match
}
