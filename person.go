package guangong

import (
	"context"
	"slices"
	"strings"
	"time"
)

// Gender as recorded on ID cards.
type Gender string

const (
	Male   Gender = "male"
	Female Gender = "female"
)

// ElderCategory is which of the 五老 a volunteer is.
type ElderCategory string

const (
	ElderCadre   ElderCategory = "cadre"   // 老干部
	ElderVeteran ElderCategory = "veteran" // 老战士
	ElderExpert  ElderCategory = "expert"  // 老专家
	ElderTeacher ElderCategory = "teacher" // 老教师
	ElderModel   ElderCategory = "model"   // 老模范
)

// ElderCategories lists the 五老 in their usual order.
var ElderCategories = []ElderCategory{ElderCadre, ElderVeteran, ElderExpert, ElderTeacher, ElderModel}

// Skills a volunteer may offer.
var Skills = []string{"lecture", "tutoring", "arts", "law", "medical", "sports", "other"}

// Volunteer statuses.
var VolunteerStatuses = []string{"active", "inactive", "deceased"}

// YouthCategories: 留守儿童, the three kinds of 困境儿童, 单亲, 孤儿, other.
var YouthCategories = []string{"left_behind", "poverty", "disability", "no_guardian", "single_parent", "orphan", "other"}

// PostTitles are the committee posts (班子), most senior first.
var PostTitles = []string{"director", "executive_deputy", "deputy", "secretary_general", "member"}

// BodyKinds are the bodies tied to a committee.
var BodyKinds = []string{"party_branch", "elder_school", "elder_science", "elder_health", "other"}

// Volunteer is a 五老 volunteer. OrgID is the committee that registered them and keeps the
// record (its scope decides who sees it); service elsewhere is a Membership.
type Volunteer struct {
	ID           string        `json:"id"`
	OrgID        string        `json:"orgId"`
	OrgName      string        `json:"orgName,omitempty"`
	Name         string        `json:"name"`
	Gender       Gender        `json:"gender"`
	BirthDate    string        `json:"birthDate"`
	Phone        string        `json:"phone,omitempty"`
	IDNumber     string        `json:"idNumber,omitempty"`
	Category     ElderCategory `json:"category"`
	FormerUnit   string        `json:"formerUnit,omitempty"`
	FormerPost   string        `json:"formerPost,omitempty"`
	PartyMember  bool          `json:"partyMember"`
	PartyBranch  string        `json:"partyBranch,omitempty"`
	Skills       []string      `json:"skills"`
	SkillsOther  string        `json:"skillsOther,omitempty"`
	Health       string        `json:"health,omitempty"`
	Availability string        `json:"availability,omitempty"`
	Status       string        `json:"status"`
	JoinedDate   string        `json:"joinedDate,omitempty"`
	ConsentDate  string        `json:"consentDate"` // 自愿登记: when they agreed to be registered
	ConsentNote  string        `json:"consentNote,omitempty"`
	Notes        string        `json:"notes,omitempty"`
	MergedInto   string        `json:"mergedInto,omitempty"` // set when merged into another record
	ImportID     string        `json:"importId,omitempty"`   // the import job that created it, if one did
	Version      int           `json:"version"`
	CreatedAt    time.Time     `json:"createdAt"`
	UpdatedAt    time.Time     `json:"updatedAt"`
}

// VolunteerNoun names the object in messages.
var VolunteerNoun = Msg{"五老志愿者", "Volunteer"}

// Normalize trims and canonicalises the free-typed fields before validation.
func (p *Volunteer) Normalize() {
	p.Name = strings.TrimSpace(p.Name)
	p.IDNumber = NormalizeIDNumber(p.IDNumber)
	p.Phone = NormalizePhone(p.Phone)
	slices.Sort(p.Skills)
	p.Skills = slices.Compact(p.Skills)
}

// Validate checks every field; now bounds the dates.
func (p *Volunteer) Validate(now time.Time) error {
	var v Validation
	v.Text("name", "姓名", "Name", p.Name, true, 50)
	validGender(&v, p.Gender)
	v.Text("birthDate", "出生日期", "Birth date", p.BirthDate, true, 10)
	v.Date("birthDate", "出生日期", "Birth date", p.BirthDate, now)
	checkPhone(&v, "phone", p.Phone, false)
	checkID(&v, "idNumber", p.IDNumber, p.BirthDate)
	if !slices.Contains(ElderCategories, p.Category) {
		v.Add("category", "请选择五老类别（老干部、老战士、老专家、老教师、老模范）", "Choose a category")
	}
	v.Text("formerUnit", "原工作单位", "Former unit", p.FormerUnit, false, 100)
	v.Text("formerPost", "原职务", "Former post", p.FormerPost, false, 50)
	v.Text("partyBranch", "所在党支部", "Party branch", p.PartyBranch, false, 100)
	if p.PartyBranch != "" && !p.PartyMember {
		v.Add("partyBranch", "非党员不应填写党支部", "Only party members have a branch")
	}
	for _, s := range p.Skills {
		if !slices.Contains(Skills, s) {
			v.Add("skills", "特长只能从列表中选择", "Choose skills from the list")
		}
	}
	v.Text("skillsOther", "其他特长", "Other skills", p.SkillsOther, false, 100)
	v.Text("health", "健康状况", "Health", p.Health, false, 100)
	v.Text("availability", "可服务时间", "Availability", p.Availability, false, 100)
	if !slices.Contains(VolunteerStatuses, p.Status) {
		v.Add("status", "请选择状态（在册、暂停、已故）", "Choose a status")
	}
	v.Date("joinedDate", "加入日期", "Joined date", p.JoinedDate, now)
	v.Text("consentDate", "自愿登记日期", "Consent date", p.ConsentDate, true, 10)
	v.Date("consentDate", "自愿登记日期", "Consent date", p.ConsentDate, now)
	v.Text("consentNote", "登记说明", "Consent note", p.ConsentNote, false, 200)
	v.Text("notes", "备注", "Notes", p.Notes, false, 1000)
	if p.OrgID == "" {
		v.Add("orgId", "请选择所属组织", "Choose the committee")
	}
	return v.Err()
}

func validGender(v *Validation, g Gender) {
	if g != Male && g != Female {
		v.Add("gender", "请选择性别", "Choose a gender")
	}
}

func checkPhone(v *Validation, field, phone string, required bool) {
	if phone == "" {
		if required {
			v.Add(field, "电话不能为空", "Phone is required")
		}
		return
	}
	if m := PhoneProblem(phone); m != nil {
		v.Add(field, m.Zh, m.En)
	}
}

func checkID(v *Validation, field, id, birth string) {
	if id == "" {
		return
	}
	if m := IDNumberProblem(id, birth); m != nil {
		v.Add(field, m.Zh, m.En)
	}
}

// Membership is a volunteer's service on a committee, with dates: a volunteer of the town
// may also serve a village, without a copied record.
type Membership struct {
	ID          string `json:"id"`
	VolunteerID string `json:"volunteerId"`
	OrgID       string `json:"orgId"`
	OrgName     string `json:"orgName,omitempty"`
	From        string `json:"from"`
	To          string `json:"to,omitempty"` // empty while serving
	Note        string `json:"note,omitempty"`
	Version     int    `json:"version"`
}

// Post is a seat on a committee's leadership (班子), held by a registered volunteer.
type Post struct {
	ID            string `json:"id"`
	OrgID         string `json:"orgId"`
	VolunteerID   string `json:"volunteerId"`
	VolunteerName string `json:"volunteerName,omitempty"`
	Title         string `json:"title"`
	From          string `json:"from"`
	To            string `json:"to,omitempty"`
	Version       int    `json:"version"`
}

// Validate checks a post's own fields.
func (p *Post) Validate(now time.Time) error {
	var v Validation
	if !slices.Contains(PostTitles, p.Title) {
		v.Add("title", "请选择职务（主任、常务副主任、副主任、秘书长、委员）", "Choose a post")
	}
	if p.VolunteerID == "" {
		v.Add("volunteerId", "请选择任职人员", "Choose who holds the post")
	}
	checkSpan(&v, p.From, p.To, now)
	return v.Err()
}

// Validate checks a membership's own fields.
func (m *Membership) Validate(now time.Time) error {
	var v Validation
	if m.OrgID == "" {
		v.Add("orgId", "请选择组织", "Choose the committee")
	}
	checkSpan(&v, m.From, m.To, now)
	v.Text("note", "备注", "Note", m.Note, false, 200)
	return v.Err()
}

func checkSpan(v *Validation, from, to string, now time.Time) {
	v.Text("from", "起始日期", "Start date", from, true, 10)
	v.Date("from", "起始日期", "Start date", from, now)
	v.Date("to", "结束日期", "End date", to, now)
	if from != "" && to != "" && to < from {
		v.Add("to", "结束日期不能早于起始日期", "The end cannot precede the start")
	}
}

// Composition is a committee's leadership computed from its current posts.
type Composition struct {
	Size         int            `json:"size"`
	PartyMembers int            `json:"partyMembers"`
	ByCategory   map[string]int `json:"byCategory"`
	AgeBands     map[string]int `json:"ageBands"` // "<60", "60-69", "70-79", "80+"
	Posts        []*Post        `json:"posts"`
}

// AgeBand is the band an age falls in, for composition panels and filters.
func AgeBand(age int) string {
	switch {
	case age < 0:
		return "unknown"
	case age < 60:
		return "<60"
	case age < 70:
		return "60-69"
	case age < 80:
		return "70-79"
	}
	return "80+"
}

// Body is an organisation tied to a committee: the retired cadres' party branch or an
// affiliated elderly body, with its members from the volunteer registry.
type Body struct {
	ID      string `json:"id"`
	OrgID   string `json:"orgId"`
	Kind    string `json:"kind"`
	Name    string `json:"name"`
	Founded string `json:"founded,omitempty"`
	Members int    `json:"members"` // current members; filled on reads
	Version int    `json:"version"`
}

// BodyMember is a volunteer's membership of a body.
type BodyMember struct {
	ID            string `json:"id"`
	BodyID        string `json:"bodyId"`
	VolunteerID   string `json:"volunteerId"`
	VolunteerName string `json:"volunteerName,omitempty"`
	Role          string `json:"role,omitempty"` // e.g. 书记, 委员
	From          string `json:"from"`
	To            string `json:"to,omitempty"`
}

// Youth is a child or young person the committee cares for. Personal information of a
// minor: shown masked to accounts without 未成年人信息 access; ID and phones encrypted at rest.
type Youth struct {
	ID               string    `json:"id"`
	OrgID            string    `json:"orgId"` // the village, community or school committee
	OrgName          string    `json:"orgName,omitempty"`
	Name             string    `json:"name"`
	Gender           Gender    `json:"gender"`
	BirthDate        string    `json:"birthDate"`
	IDNumber         string    `json:"idNumber,omitempty"`
	School           string    `json:"school,omitempty"`
	Grade            string    `json:"grade,omitempty"`
	GuardianName     string    `json:"guardianName"`
	GuardianRelation string    `json:"guardianRelation"`
	GuardianPhone    string    `json:"guardianPhone,omitempty"`
	ParentsWork      string    `json:"parentsWork,omitempty"`
	Categories       []string  `json:"categories"`
	Needs            string    `json:"needs,omitempty"`
	Notes            string    `json:"notes,omitempty"`
	ConsentBy        string    `json:"consentBy"`
	ConsentRelation  string    `json:"consentRelation"`
	ConsentDate      string    `json:"consentDate"`
	ConsentPurpose   string    `json:"consentPurpose"`
	Masked           bool      `json:"masked"` // the sensitive fields above are masked
	MergedInto       string    `json:"mergedInto,omitempty"`
	ImportID         string    `json:"importId,omitempty"` // the import job that created it, if one did
	Version          int       `json:"version"`
	CreatedAt        time.Time `json:"createdAt"`
	UpdatedAt        time.Time `json:"updatedAt"`
}

// YouthNoun names the object in messages.
var YouthNoun = Msg{"青少年", "Youth"}

// Normalize trims and canonicalises the free-typed fields before validation.
func (y *Youth) Normalize() {
	y.Name = strings.TrimSpace(y.Name)
	y.IDNumber = NormalizeIDNumber(y.IDNumber)
	y.GuardianPhone = NormalizePhone(y.GuardianPhone)
	slices.Sort(y.Categories)
	y.Categories = slices.Compact(y.Categories)
}

// Validate checks every field; a consent record (who, relation, when, purpose) is required.
func (y *Youth) Validate(now time.Time) error {
	var v Validation
	v.Text("name", "姓名", "Name", y.Name, true, 50)
	validGender(&v, y.Gender)
	v.Text("birthDate", "出生日期", "Birth date", y.BirthDate, true, 10)
	v.Date("birthDate", "出生日期", "Birth date", y.BirthDate, now)
	if age := AgeOn(y.BirthDate, now.In(Shanghai)); age > 25 {
		v.Add("birthDate", "青少年年龄不应超过25岁，请核对出生日期", "A youth is at most 25; check the birth date")
	}
	checkID(&v, "idNumber", y.IDNumber, y.BirthDate)
	v.Text("school", "学校", "School", y.School, false, 100)
	v.Text("grade", "年级", "Grade", y.Grade, false, 20)
	v.Text("guardianName", "监护人姓名", "Guardian's name", y.GuardianName, true, 50)
	v.Text("guardianRelation", "与监护人关系", "Relation to guardian", y.GuardianRelation, true, 20)
	checkPhone(&v, "guardianPhone", y.GuardianPhone, false)
	v.Text("parentsWork", "父母务工地", "Where the parents work", y.ParentsWork, false, 100)
	for _, c := range y.Categories {
		if !slices.Contains(YouthCategories, c) {
			v.Add("categories", "类别只能从列表中选择", "Choose categories from the list")
		}
	}
	v.Text("needs", "需求", "Needs", y.Needs, false, 500)
	v.Text("notes", "备注", "Notes", y.Notes, false, 1000)
	v.Text("consentBy", "同意人", "Consent given by", y.ConsentBy, true, 50)
	v.Text("consentRelation", "同意人关系", "Consenting person's relation", y.ConsentRelation, true, 20)
	v.Text("consentDate", "同意日期", "Consent date", y.ConsentDate, true, 10)
	v.Date("consentDate", "同意日期", "Consent date", y.ConsentDate, now)
	v.Text("consentPurpose", "使用目的", "Purpose", y.ConsentPurpose, true, 200)
	if y.OrgID == "" {
		v.Add("orgId", "请选择所在村（社区）或学校", "Choose the village or school")
	}
	return v.Err()
}

// YouthFreeText are the free-text fields of a youth and of its consent record (JSON names):
// typed as the clerk likes, they may hold anything (an address in the notes), so without
// 未成年人信息 access they are hidden whole, and the audit trail records only that they
// changed.
var YouthFreeText = []string{"school", "grade", "guardianRelation", "parentsWork", "needs", "notes",
	"consentRelation", "consentPurpose"}

// FreeText points at y's free-text fields, in the order of YouthFreeText.
func (y *Youth) FreeText() []*string {
	return []*string{&y.School, &y.Grade, &y.GuardianRelation, &y.ParentsWork, &y.Needs, &y.Notes,
		&y.ConsentRelation, &y.ConsentPurpose}
}

// Mask is how a youth reaches an account without 未成年人信息 access: the names, ID number
// and guardian's phone masked (MaskIdentity) and the free text hidden whole. Masking twice
// gives the same record.
func (y *Youth) Mask() {
	y.MaskIdentity()
	for _, p := range y.FreeText() {
		*p = HideText(*p)
	}
}

// MaskIdentity masks the names (the consenting person is usually the guardian), the ID
// number and the guardian's phone: what pages and masked exports show even an account with
// 未成年人信息 access, which reveals them one at a time. The free text stays for such an
// account.
func (y *Youth) MaskIdentity() {
	y.Name = MaskName(y.Name)
	y.IDNumber = MaskIDNumber(y.IDNumber)
	y.GuardianPhone = MaskPhone(y.GuardianPhone)
	y.GuardianName = MaskName(y.GuardianName)
	y.ConsentBy = MaskName(y.ConsentBy)
	y.Masked = true
}

// Mask replaces a volunteer's ID number and phone with masked forms (for lists and exports
// to accounts that need no more).
func (p *Volunteer) Mask() {
	p.IDNumber = MaskIDNumber(p.IDNumber)
	p.Phone = MaskPhone(p.Phone)
}

// PersonFilter selects volunteers or youths within the caller's scope.
type PersonFilter struct {
	OrgID       *string // this committee's subtree
	Query       *string // name
	Category    *string // volunteer category, or youth category
	PartyMember *bool
	AgeBand     *string
	Status      *string
	Page
}

// SearchCountCap bounds the total of a name search: when a name matches more than this many
// records in scope, the total reported is SearchCountCap+1, shown as "1000+".
const SearchCountCap = 1000

// Duplicate is a pair of records that look like the same person.
type Duplicate struct {
	A      string `json:"a"`
	B      string `json:"b"`
	Reason string `json:"reason"` // "id_number" or "name_birth_org"
}

// PeopleService keeps volunteers, their memberships and posts, bodies, and youths. Scope
// and roles as everywhere: records belong to a committee and are seen within its subtree;
// writes need Role.CanWriteRecords. A youth's record is unmasked only for an account with
// MinorAccess; RevealYouth is the explicit, audited action for one value.
type PeopleService interface {
	FindVolunteerByID(ctx context.Context, a *Actor, id string) (*Volunteer, error)
	FindVolunteers(ctx context.Context, a *Actor, f PersonFilter) ([]*Volunteer, int, error)
	CreateVolunteer(ctx context.Context, a *Actor, p *Volunteer) error
	UpdateVolunteer(ctx context.Context, a *Actor, p *Volunteer) error // p.Version must match
	Memberships(ctx context.Context, a *Actor, volunteerID string) ([]*Membership, error)
	AddMembership(ctx context.Context, a *Actor, m *Membership) error
	EndMembership(ctx context.Context, a *Actor, id, to string, version int) error // version must match
	Posts(ctx context.Context, a *Actor, orgID string, current bool) ([]*Post, error)
	AddPost(ctx context.Context, a *Actor, p *Post) error
	EndPost(ctx context.Context, a *Actor, id, to string, version int) error // version must match
	Composition(ctx context.Context, a *Actor, orgID string) (*Composition, error)
	Bodies(ctx context.Context, a *Actor, orgID string) ([]*Body, error)
	CreateBody(ctx context.Context, a *Actor, b *Body) error
	BodyMembers(ctx context.Context, a *Actor, bodyID string) ([]*BodyMember, error)
	AddBodyMember(ctx context.Context, a *Actor, m *BodyMember) error

	FindYouthByID(ctx context.Context, a *Actor, id string) (*Youth, error)
	FindYouths(ctx context.Context, a *Actor, f PersonFilter) ([]*Youth, int, error)
	CreateYouth(ctx context.Context, a *Actor, y *Youth) error
	UpdateYouth(ctx context.Context, a *Actor, y *Youth) error
	// RevealYouth returns one unmasked field (name, idNumber, guardianName, guardianPhone)
	// for an account with MinorAccess, writing an audit entry with the reason.
	RevealYouth(ctx context.Context, a *Actor, id, field, reason string) (string, error)

	// Duplicates lists likely duplicates in scope (same ID number; same name, birth date and
	// committee). kind is "volunteer" or "youth".
	Duplicates(ctx context.Context, a *Actor, kind string, p Page) ([]Duplicate, error)
	// MergeVolunteers folds drop into keep: memberships, posts and body seats move to keep,
	// drop is marked merged (never deleted), and the audit trail records both.
	MergeVolunteers(ctx context.Context, a *Actor, keepID, dropID string) error
	MergeYouths(ctx context.Context, a *Actor, keepID, dropID string) error

	// ImportVolunteers and ImportYouths write rows already validated, all in one transaction.
	ImportVolunteers(ctx context.Context, a *Actor, rows []*Volunteer) error
	ImportYouths(ctx context.Context, a *Actor, rows []*Youth) error
}
