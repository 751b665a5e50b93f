package web

import (
	"net/http"
	"net/url"
	"strconv"

	"guangong"
)

// orgPeople is what a committee's page shows of its people: the composition panel computed
// from the records, the leadership (班子) and its history, and the bodies tied to it.
type orgPeople struct {
	Composition *guangong.Composition
	Categories  []labelCount
	AgeBands    []labelCount
	CatChart    chartData
	AgeChart    chartData
	Posts       []*guangong.Post // current
	History     []*guangong.Post // ended
	Bodies      []bodyView
	CanWrite    bool
}

type labelCount struct {
	Label string
	Count int
}

type bodyView struct {
	Body    *guangong.Body
	Members []*guangong.BodyMember
}

// orgPeople loads the people panels of committee o, or nil for a role that reads no records.
func (s *server) orgPeople(c *ctx, o *guangong.Org) (*orgPeople, error) {
	a := c.actor()
	if !a.Can(guangong.Role.CanReadRecords) {
		return nil, nil
	}
	ctx := c.r.Context()
	comp, err := s.store.Composition(ctx, a, o.ID)
	if err != nil {
		return nil, err
	}
	d := &orgPeople{Composition: comp, CanWrite: a.Can(guangong.Role.CanWriteRecords)}
	d.CatChart.Title = tr(c.lang, "comp.byCategory")
	for _, cat := range guangong.ElderCategories {
		label := guangong.Label(string(cat)).In(c.lang)
		n := comp.ByCategory[string(cat)]
		d.Categories = append(d.Categories, labelCount{label, n})
		d.CatChart.Labels = append(d.CatChart.Labels, label)
		d.CatChart.Values = append(d.CatChart.Values, n)
	}
	d.AgeChart.Title = tr(c.lang, "comp.byAge")
	for _, band := range volunteerAgeBands {
		n := comp.AgeBands[band]
		d.AgeBands = append(d.AgeBands, labelCount{band, n})
		d.AgeChart.Labels = append(d.AgeChart.Labels, band)
		d.AgeChart.Values = append(d.AgeChart.Values, n)
	}
	all, err := s.store.Posts(ctx, a, o.ID, false)
	if err != nil {
		return nil, err
	}
	for _, p := range all {
		if p.To == "" {
			d.Posts = append(d.Posts, p)
		} else {
			d.History = append(d.History, p)
		}
	}
	bodies, err := s.store.Bodies(ctx, a, o.ID)
	if err != nil {
		return nil, err
	}
	for _, b := range bodies {
		ms, err := s.store.BodyMembers(ctx, a, b.ID)
		if err != nil {
			return nil, err
		}
		d.Bodies = append(d.Bodies, bodyView{Body: b, Members: ms})
	}
	return d, nil
}

// orgForRecords loads the committee in the path for a form that writes its records.
func (s *server) orgForRecords(c *ctx) (*guangong.Org, error) {
	if err := c.recordsRead(); err != nil {
		return nil, err
	}
	o, err := s.store.FindOrgByID(c.r.Context(), c.actor(), c.r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	if err := c.recordsWrite(); err != nil {
		return nil, err
	}
	return o, nil
}

type postFormData struct {
	Org        *guangong.Org
	Titles     []string
	Kinds      []string
	Volunteers []*guangong.Volunteer
	Post       *guangong.Post
	Body       *guangong.Body
}

// candidates are the active volunteers of the committee's subtree, for a picker.
func (s *server) candidates(c *ctx, o *guangong.Org) ([]*guangong.Volunteer, error) {
	active := "active"
	list, _, err := s.store.FindVolunteers(c.r.Context(), c.actor(), guangong.PersonFilter{
		OrgID: &o.ID, Status: &active, Page: guangong.Page{Limit: guangong.MaxPageSize}})
	return list, err
}

// recordsForm is one of the forms on a committee's records: its template, the section of the
// committee's page to go back to, whether it picks a volunteer, and what else of the path it
// works on (a post or a body of the committee).
type recordsForm struct {
	page    string
	section string
	picker  bool
	find    func(s *server, c *ctx, d *postFormData) error
}

var (
	formPost       = recordsForm{page: "person/post", section: "#posts", picker: true}
	formPostEnd    = recordsForm{page: "person/postend", section: "#posts", find: withPost}
	formBody       = recordsForm{page: "person/body", section: "#bodies"}
	formBodyMember = recordsForm{page: "person/bodymember", section: "#bodies", picker: true, find: withBody}
)

func withPost(s *server, c *ctx, d *postFormData) (err error) {
	d.Post, err = s.findPost(c, d.Org)
	return err
}

func withBody(s *server, c *ctx, d *postFormData) (err error) {
	d.Body, err = s.findBody(c, d.Org)
	return err
}

// loadOrgForm finds what a form works on; out of scope is 404 as missing.
func (s *server) loadOrgForm(c *ctx, form recordsForm) (*postFormData, error) {
	o, err := s.orgForRecords(c)
	if err != nil {
		return nil, err
	}
	d := &postFormData{Org: o}
	if form.find != nil {
		if err := form.find(s, c, d); err != nil {
			return nil, err
		}
	}
	return d, nil
}

func (s *server) renderOrgForm(c *ctx, form recordsForm, d *postFormData, f url.Values, status int, ferr error) error {
	if form.picker {
		vs, err := s.candidates(c, d.Org)
		if err != nil {
			return err
		}
		d.Volunteers = vs
	}
	d.Titles, d.Kinds = guangong.PostTitles, guangong.BodyKinds
	return c.renderForm(status, form.page, c.view(d.Org.Name, d), f, ferr)
}

// showOrgForm answers a form's GET with its first values.
func (s *server) showOrgForm(c *ctx, form recordsForm, f url.Values) error {
	d, err := s.loadOrgForm(c, form)
	if err != nil {
		return err
	}
	return s.renderOrgForm(c, form, d, f, http.StatusOK, nil)
}

// saveOrgForm answers a form's POST: save reads and writes it, giving back the form as
// posted; on an error the form comes back with its messages, else the committee's page.
func (s *server) saveOrgForm(c *ctx, form recordsForm, save func(d *postFormData) (url.Values, error)) error {
	d, err := s.loadOrgForm(c, form)
	if err != nil {
		return err
	}
	if f, err := save(d); err != nil {
		return s.renderOrgForm(c, form, d, f, 0, err)
	}
	return c.redirect("/orgs/" + url.PathEscape(d.Org.ID) + form.section)
}

func (s *server) postNewForm(c *ctx) error {
	return s.showOrgForm(c, formPost, url.Values{"from": {today()}, "title": {"member"}})
}

func (s *server) postCreate(c *ctx) error {
	return s.saveOrgForm(c, formPost, func(d *postFormData) (url.Values, error) {
		f := c.postedForm("volunteerId", "title", "from")
		p := &guangong.Post{OrgID: d.Org.ID, VolunteerID: f.Get("volunteerId"), Title: f.Get("title"), From: f.Get("from")}
		err := s.store.AddPost(c.r.Context(), c.actor(), p)
		return f, asFieldError(err, "volunteerId", "任职人员不存在或不在您的管辖范围内", "The volunteer does not exist or is outside your scope")
	})
}

// findPost finds the post in the path among the committee's posts, ended ones too: a clerk
// whose end lost to another's sees the conflict, not a missing post.
func (s *server) findPost(c *ctx, o *guangong.Org) (*guangong.Post, error) {
	posts, err := s.store.Posts(c.r.Context(), c.actor(), o.ID, false)
	if err != nil {
		return nil, err
	}
	for _, p := range posts {
		if p.ID == c.r.PathValue("pid") {
			return p, nil
		}
	}
	return nil, notFoundErr()
}

func (s *server) postEndForm(c *ctx) error {
	d, err := s.loadOrgForm(c, formPostEnd)
	if err != nil {
		return err
	}
	return s.renderOrgForm(c, formPostEnd, d, url.Values{"to": {today()}, "version": {strconv.Itoa(d.Post.Version)}}, http.StatusOK, nil)
}

func (s *server) postEnd(c *ctx) error {
	return s.saveOrgForm(c, formPostEnd, func(d *postFormData) (url.Values, error) {
		f := c.postedForm("to", "version")
		to := f.Get("to")
		version, _ := strconv.Atoi(f.Get("version"))
		var val guangong.Validation
		val.Text("to", "结束日期", "End date", to, true, 10)
		err := val.Err()
		if err == nil {
			err = s.store.EndPost(c.r.Context(), c.actor(), d.Post.ID, to, version)
		}
		return f, err
	})
}

func (s *server) bodyNewForm(c *ctx) error {
	return s.showOrgForm(c, formBody, url.Values{"kind": {"party_branch"}})
}

func (s *server) bodyCreate(c *ctx) error {
	return s.saveOrgForm(c, formBody, func(d *postFormData) (url.Values, error) {
		f := c.postedForm("kind", "name", "founded")
		b := &guangong.Body{OrgID: d.Org.ID, Kind: f.Get("kind"), Name: f.Get("name"), Founded: f.Get("founded")}
		return f, s.store.CreateBody(c.r.Context(), c.actor(), b)
	})
}

func (s *server) findBody(c *ctx, o *guangong.Org) (*guangong.Body, error) {
	bodies, err := s.store.Bodies(c.r.Context(), c.actor(), o.ID)
	if err != nil {
		return nil, err
	}
	for _, b := range bodies {
		if b.ID == c.r.PathValue("bid") {
			return b, nil
		}
	}
	return nil, notFoundErr()
}

func (s *server) bodyMemberNewForm(c *ctx) error {
	return s.showOrgForm(c, formBodyMember, url.Values{"from": {today()}})
}

func (s *server) bodyMemberAdd(c *ctx) error {
	return s.saveOrgForm(c, formBodyMember, func(d *postFormData) (url.Values, error) {
		f := c.postedForm("volunteerId", "role", "from")
		m := &guangong.BodyMember{BodyID: d.Body.ID, VolunteerID: f.Get("volunteerId"), Role: f.Get("role"), From: f.Get("from")}
		var val guangong.Validation
		if m.VolunteerID == "" {
			val.Add("volunteerId", "请选择成员", "Choose the member")
		}
		err := val.Err()
		if err == nil {
			err = s.store.AddBodyMember(c.r.Context(), c.actor(), m)
			err = asFieldError(err, "volunteerId", "成员不存在或不在您的管辖范围内", "The volunteer does not exist or is outside your scope")
		}
		return f, err
	})
}
