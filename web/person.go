package web

import (
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"guangong"
)

// recordsRead guards the people pages: business records are not the administrator's nor
// the auditor's.
func (c *ctx) recordsRead() error {
	if !c.actor().Can(guangong.Role.CanReadRecords) {
		return guangong.Forbidden()
	}
	return nil
}

func (c *ctx) recordsWrite() error {
	if !c.actor().Can(guangong.Role.CanWriteRecords) {
		return guangong.Forbidden()
	}
	return nil
}

// volunteerAgeBands are guangong.AgeBand's values, offered in the filter.
var volunteerAgeBands = []string{"<60", "60-69", "70-79", "80+"}

// personQuery is a list's filters as the person chose them, kept for the pager and export.
type personQuery struct {
	Q, Category, Org, Party, Age, Status string
}

func readPersonQuery(q url.Values) personQuery {
	g := func(k string) string { return strings.TrimSpace(q.Get(k)) }
	return personQuery{Q: g("q"), Category: g("category"), Org: g("org"), Party: g("party"), Age: g("age"), Status: g("status")}
}

func (p personQuery) filter(page, size int) guangong.PersonFilter {
	f := guangong.PersonFilter{Page: guangong.Page{Offset: (page - 1) * size, Limit: size}}
	opt := func(v string) *string {
		if v == "" {
			return nil
		}
		return &v
	}
	f.Query, f.Category, f.OrgID, f.AgeBand, f.Status = opt(p.Q), opt(p.Category), opt(p.Org), opt(p.Age), opt(p.Status)
	if p.Party == "1" || p.Party == "0" {
		b := p.Party == "1"
		f.PartyMember = &b
	}
	return f
}

// Values are the filters as a query string (for the export link and the export form).
func (p personQuery) Values() url.Values {
	v := url.Values{}
	for k, x := range map[string]string{"q": p.Q, "category": p.Category, "org": p.Org, "party": p.Party, "age": p.Age, "status": p.Status} {
		if x != "" {
			v.Set(k, x)
		}
	}
	return v
}

// scopeOrgs is the committee picker: the committees of the caller's subtree (a first page;
// a named committee beyond it is added when in scope).
func (s *server) scopeOrgs(c *ctx, selected string) ([]*guangong.Org, error) {
	orgs, _, err := s.store.FindOrgs(c.r.Context(), c.actor(), guangong.OrgFilter{
		Under: &c.user.OrgID, Page: guangong.Page{Limit: guangong.MaxPageSize}})
	if err != nil {
		return nil, err
	}
	if selected != "" && !containsOrg(orgs, selected) {
		if o, err := s.store.FindOrgByID(c.r.Context(), c.actor(), selected); err == nil {
			orgs = append([]*guangong.Org{o}, orgs...)
		}
	}
	return orgs, nil
}

type volunteerListData struct {
	personList[guangong.Volunteer]
	Categories []guangong.ElderCategory
	Statuses   []string
	AgeBands   []string
	CanWrite   bool
	CanFull    bool // may export full values
}

func (s *server) volunteerList(c *ctx) error {
	return renderPersonList(c, s.volunteerListInto, "person/list", "volunteer-results")
}

// volunteerListInto builds the list page's view (also for an export form's error).
func (s *server) volunteerListInto(c *ctx, out **view) error {
	q := readPersonQuery(c.r.URL.Query())
	// A list needs no full ID number or phone.
	l, err := findPersonList(s, c, q, "/volunteers", s.store.FindVolunteers, (*guangong.Volunteer).Mask)
	if err != nil {
		return err
	}
	a := c.actor()
	d := &volunteerListData{personList: l, Categories: guangong.ElderCategories, Statuses: guangong.VolunteerStatuses,
		AgeBands: volunteerAgeBands, CanWrite: a.Can(guangong.Role.CanWriteRecords), CanFull: a.Can(canExportVolunteers)}
	*out = c.view(tr(c.lang, "volunteers.title"), d)
	return nil
}

// canExportVolunteers: full values (ID numbers, phones) leave the system only with a
// committee administrator.
func canExportVolunteers(r guangong.Role) bool { return r == guangong.RoleOrgAdmin }

type volunteerFormData struct {
	Volunteer  *guangong.Volunteer // nil when creating
	Orgs       []*guangong.Org
	Categories []guangong.ElderCategory
	Skills     []string
	Statuses   []string
}

var volunteerFields = []string{"orgId", "name", "gender", "birthDate", "phone", "idNumber", "category",
	"formerUnit", "formerPost", "partyMember", "partyBranch", "skillsOther", "health", "availability",
	"status", "joinedDate", "consentDate", "consentNote", "notes", "version"}

func volunteerForm(p *guangong.Volunteer) url.Values {
	f := url.Values{
		"orgId": {p.OrgID}, "name": {p.Name}, "gender": {string(p.Gender)}, "birthDate": {p.BirthDate},
		"phone": {p.Phone}, "idNumber": {p.IDNumber}, "category": {string(p.Category)},
		"formerUnit": {p.FormerUnit}, "formerPost": {p.FormerPost}, "partyBranch": {p.PartyBranch},
		"skills": p.Skills, "skillsOther": {p.SkillsOther}, "health": {p.Health}, "availability": {p.Availability},
		"status": {p.Status}, "joinedDate": {p.JoinedDate}, "consentDate": {p.ConsentDate},
		"consentNote": {p.ConsentNote}, "notes": {p.Notes}, "version": {strconv.Itoa(p.Version)},
	}
	if p.PartyMember {
		f.Set("partyMember", "1")
	}
	return f
}

// postedVolunteer reads the form into a record (and the form, to give back on an error).
func (c *ctx) postedVolunteer() (*guangong.Volunteer, url.Values) {
	f := c.postedForm(volunteerFields...)
	f["skills"] = c.r.PostForm["skills"]
	version, _ := strconv.Atoi(f.Get("version"))
	p := &guangong.Volunteer{
		OrgID: f.Get("orgId"), Name: f.Get("name"), Gender: guangong.Gender(f.Get("gender")),
		BirthDate: f.Get("birthDate"), Phone: f.Get("phone"), IDNumber: f.Get("idNumber"),
		Category: guangong.ElderCategory(f.Get("category")), FormerUnit: f.Get("formerUnit"),
		FormerPost: f.Get("formerPost"), PartyMember: f.Get("partyMember") == "1", PartyBranch: f.Get("partyBranch"),
		Skills: append([]string{}, f["skills"]...), SkillsOther: f.Get("skillsOther"), Health: f.Get("health"),
		Availability: f.Get("availability"), Status: f.Get("status"), JoinedDate: f.Get("joinedDate"),
		ConsentDate: f.Get("consentDate"), ConsentNote: f.Get("consentNote"), Notes: f.Get("notes"), Version: version,
	}
	return p, f
}

func (s *server) volunteerFormData(c *ctx, p *guangong.Volunteer, orgID string) (*volunteerFormData, error) {
	orgs, err := s.scopeOrgs(c, orgID)
	if err != nil {
		return nil, err
	}
	return &volunteerFormData{Volunteer: p, Orgs: orgs, Categories: guangong.ElderCategories,
		Skills: guangong.Skills, Statuses: guangong.VolunteerStatuses}, nil
}

func (s *server) volunteerNewForm(c *ctx) error {
	if err := c.recordsRead(); err != nil {
		return err
	}
	if err := c.recordsWrite(); err != nil {
		return err
	}
	org := c.r.URL.Query().Get("org")
	if org == "" {
		org = c.user.OrgID
	}
	d, err := s.volunteerFormData(c, nil, org)
	if err != nil {
		return err
	}
	v := c.view(tr(c.lang, "volunteer.new"), d)
	v.Form = url.Values{"orgId": {org}, "status": {"active"}, "consentDate": {today()}}
	return c.render(http.StatusOK, "person/form", v)
}

// today is the calendar day in Asia/Shanghai.
func today() string { return time.Now().In(guangong.Shanghai).Format(guangong.DateLayout) }

func (s *server) volunteerCreate(c *ctx) error {
	if err := c.recordsRead(); err != nil {
		return err
	}
	if err := c.recordsWrite(); err != nil {
		return err
	}
	p, f := c.postedVolunteer()
	err := s.store.CreateVolunteer(c.r.Context(), c.actor(), p)
	if err == nil {
		return c.redirect("/volunteers/" + url.PathEscape(p.ID))
	}
	err = asFieldError(err, "orgId", "所属组织不存在或不在您的管辖范围内", "The committee does not exist or is outside your scope")
	return s.volunteerFormError(c, nil, f, err)
}

func (s *server) volunteerFormError(c *ctx, p *guangong.Volunteer, f url.Values, err error) error {
	d, derr := s.volunteerFormData(c, p, f.Get("orgId"))
	if derr != nil {
		return derr
	}
	title := tr(c.lang, "volunteer.new")
	if p != nil {
		title = tr(c.lang, "volunteer.edit")
	}
	v := c.view(title, d)
	v.Form = f
	status, ok := c.formError(v, err)
	if !ok {
		return err
	}
	return c.render(status, "person/form", v)
}

// findVolunteer loads the volunteer named in the path; out of scope is 404 as missing.
func (s *server) findVolunteer(c *ctx) (*guangong.Volunteer, error) {
	if err := c.recordsRead(); err != nil {
		return nil, err
	}
	return s.store.FindVolunteerByID(c.r.Context(), c.actor(), c.r.PathValue("id"))
}

func (s *server) volunteerEditForm(c *ctx) error {
	p, err := s.findVolunteer(c)
	if err != nil {
		return err
	}
	if err := c.recordsWrite(); err != nil {
		return err
	}
	d, err := s.volunteerFormData(c, p, p.OrgID)
	if err != nil {
		return err
	}
	v := c.view(tr(c.lang, "volunteer.edit"), d)
	v.Form = volunteerForm(p)
	return c.render(http.StatusOK, "person/form", v)
}

func (s *server) volunteerUpdate(c *ctx) error {
	cur, err := s.findVolunteer(c)
	if err != nil {
		return err
	}
	if err := c.recordsWrite(); err != nil {
		return err
	}
	p, f := c.postedVolunteer()
	p.ID = cur.ID
	if err := s.store.UpdateVolunteer(c.r.Context(), c.actor(), p); err != nil {
		err = asFieldError(err, "orgId", "所属组织不存在或不在您的管辖范围内", "The committee does not exist or is outside your scope")
		return s.volunteerFormError(c, cur, f, err)
	}
	return c.redirect("/volunteers/" + url.PathEscape(p.ID))
}

type volunteerPageData struct {
	Volunteer   *guangong.Volunteer
	Age         int
	Memberships []*guangong.Membership
	Posts       []*guangong.Post
	OrgNames    map[string]string // committee names for the posts held
	Orgs        []*guangong.Org   // for adding a membership
	CanWrite    bool
	Service     template.HTML // activities, shifts, hours and certificates (web/hours.go)
}

func (s *server) volunteerPage(c *ctx) error {
	p, err := s.findVolunteer(c)
	if err != nil {
		return err
	}
	return s.renderVolunteerPage(c, p, http.StatusOK, nil, nil)
}

// renderVolunteerPage shows the record with its history; ferr is a membership form's error.
func (s *server) renderVolunteerPage(c *ctx, p *guangong.Volunteer, status int, f url.Values, ferr error) error {
	ctx, a := c.r.Context(), c.actor()
	ms, err := s.store.Memberships(ctx, a, p.ID)
	if err != nil {
		return err
	}
	posts, err := s.postsHeld(c, p, ms)
	if err != nil {
		return err
	}
	d := &volunteerPageData{Volunteer: p, Age: guangong.AgeOn(p.BirthDate, time.Now().In(guangong.Shanghai)),
		Memberships: ms, Posts: posts, CanWrite: a.Can(guangong.Role.CanWriteRecords),
		OrgNames: map[string]string{p.OrgID: p.OrgName}}
	for _, m := range ms {
		d.OrgNames[m.OrgID] = m.OrgName
	}
	if d.CanWrite {
		if d.Orgs, err = s.scopeOrgs(c, ""); err != nil {
			return err
		}
	}
	if d.Service, err = s.volunteerService(c, p); err != nil {
		return err
	}
	v := c.view(p.Name, d)
	v.Form = f
	if v.Form == nil {
		v.Form = url.Values{"from": {today()}}
	}
	if ferr != nil {
		st, ok := c.formError(v, ferr)
		if !ok {
			return ferr
		}
		status = st
	}
	return c.render(status, "person/page", v)
}

// postsHeld finds the posts a volunteer has held on the committees they belong to.
func (s *server) postsHeld(c *ctx, p *guangong.Volunteer, ms []*guangong.Membership) ([]*guangong.Post, error) {
	orgs := []string{p.OrgID}
	for _, m := range ms {
		if !slices.Contains(orgs, m.OrgID) {
			orgs = append(orgs, m.OrgID)
		}
	}
	var held []*guangong.Post
	for _, o := range orgs {
		posts, err := s.store.Posts(c.r.Context(), c.actor(), o, false)
		if guangong.ErrorCode(err) == guangong.ENOTFOUND {
			continue // a committee outside the caller's scope
		} else if err != nil {
			return nil, err
		}
		for _, x := range posts {
			if x.VolunteerID == p.ID {
				held = append(held, x)
			}
		}
	}
	return held, nil
}

// saveMembership answers a membership form on the volunteer in the path: save reads and
// writes it, giving back the form as posted; on an error the volunteer's page comes back
// with its messages, else the memberships.
func (s *server) saveMembership(c *ctx, save func(p *guangong.Volunteer) (url.Values, error)) error {
	p, err := s.findVolunteer(c)
	if err != nil {
		return err
	}
	if err := c.recordsWrite(); err != nil {
		return err
	}
	if f, err := save(p); err != nil {
		return s.renderVolunteerPage(c, p, 0, f, err)
	}
	return c.redirect("/volunteers/" + url.PathEscape(p.ID) + "#memberships")
}

func (s *server) membershipAdd(c *ctx) error {
	return s.saveMembership(c, func(p *guangong.Volunteer) (url.Values, error) {
		f := c.postedForm("orgId", "from", "to", "note")
		m := &guangong.Membership{VolunteerID: p.ID, OrgID: f.Get("orgId"), From: f.Get("from"), To: f.Get("to"), Note: f.Get("note")}
		err := s.store.AddMembership(c.r.Context(), c.actor(), m)
		return f, asFieldError(err, "orgId", "组织不存在或不在您的管辖范围内", "The committee does not exist or is outside your scope")
	})
}

func (s *server) membershipEnd(c *ctx) error {
	return s.saveMembership(c, func(*guangong.Volunteer) (url.Values, error) {
		to := strings.TrimSpace(c.r.PostFormValue("to"))
		version, _ := strconv.Atoi(c.r.PostFormValue("version"))
		return url.Values{"to": {to}}, s.store.EndMembership(c.r.Context(), c.actor(), c.r.PathValue("mid"), to, version)
	})
}
