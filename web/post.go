package web

import (
	"net/http"
	"net/url"
	"strings"

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

func (s *server) renderOrgForm(c *ctx, page string, d *postFormData, f url.Values, status int, ferr error) error {
	if page == "person/post" || page == "person/bodymember" {
		vs, err := s.candidates(c, d.Org)
		if err != nil {
			return err
		}
		d.Volunteers = vs
	}
	d.Titles, d.Kinds = guangong.PostTitles, guangong.BodyKinds
	v := c.view(d.Org.Name, d)
	v.Form = f
	if ferr != nil {
		st, ok := c.formError(v, ferr)
		if !ok {
			return ferr
		}
		status = st
	}
	return c.render(status, page, v)
}

func (s *server) postNewForm(c *ctx) error {
	o, err := s.orgForRecords(c)
	if err != nil {
		return err
	}
	return s.renderOrgForm(c, "person/post", &postFormData{Org: o}, url.Values{"from": {today()}, "title": {"member"}}, http.StatusOK, nil)
}

func (s *server) postCreate(c *ctx) error {
	o, err := s.orgForRecords(c)
	if err != nil {
		return err
	}
	f := c.postedForm("volunteerId", "title", "from")
	p := &guangong.Post{OrgID: o.ID, VolunteerID: f.Get("volunteerId"), Title: f.Get("title"), From: f.Get("from")}
	if err := s.store.AddPost(c.r.Context(), c.actor(), p); err != nil {
		err = asFieldError(err, "volunteerId", "任职人员不存在或不在您的管辖范围内", "The volunteer does not exist or is outside your scope")
		return s.renderOrgForm(c, "person/post", &postFormData{Org: o}, f, 0, err)
	}
	return c.redirect("/orgs/" + url.PathEscape(o.ID) + "#posts")
}

func (s *server) findPost(c *ctx, o *guangong.Org) (*guangong.Post, error) {
	posts, err := s.store.Posts(c.r.Context(), c.actor(), o.ID, true)
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
	o, err := s.orgForRecords(c)
	if err != nil {
		return err
	}
	p, err := s.findPost(c, o)
	if err != nil {
		return err
	}
	return s.renderOrgForm(c, "person/postend", &postFormData{Org: o, Post: p}, url.Values{"to": {today()}}, http.StatusOK, nil)
}

func (s *server) postEnd(c *ctx) error {
	o, err := s.orgForRecords(c)
	if err != nil {
		return err
	}
	p, err := s.findPost(c, o)
	if err != nil {
		return err
	}
	to := strings.TrimSpace(c.r.PostFormValue("to"))
	var val guangong.Validation
	val.Text("to", "结束日期", "End date", to, true, 10)
	err = val.Err()
	if err == nil {
		err = s.store.EndPost(c.r.Context(), c.actor(), p.ID, to)
	}
	if err != nil {
		return s.renderOrgForm(c, "person/postend", &postFormData{Org: o, Post: p}, url.Values{"to": {to}}, 0, err)
	}
	return c.redirect("/orgs/" + url.PathEscape(o.ID) + "#posts")
}

func (s *server) bodyNewForm(c *ctx) error {
	o, err := s.orgForRecords(c)
	if err != nil {
		return err
	}
	return s.renderOrgForm(c, "person/body", &postFormData{Org: o}, url.Values{"kind": {"party_branch"}}, http.StatusOK, nil)
}

func (s *server) bodyCreate(c *ctx) error {
	o, err := s.orgForRecords(c)
	if err != nil {
		return err
	}
	f := c.postedForm("kind", "name", "founded")
	b := &guangong.Body{OrgID: o.ID, Kind: f.Get("kind"), Name: f.Get("name"), Founded: f.Get("founded")}
	if err := s.store.CreateBody(c.r.Context(), c.actor(), b); err != nil {
		return s.renderOrgForm(c, "person/body", &postFormData{Org: o}, f, 0, err)
	}
	return c.redirect("/orgs/" + url.PathEscape(o.ID) + "#bodies")
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
	o, err := s.orgForRecords(c)
	if err != nil {
		return err
	}
	b, err := s.findBody(c, o)
	if err != nil {
		return err
	}
	return s.renderOrgForm(c, "person/bodymember", &postFormData{Org: o, Body: b}, url.Values{"from": {today()}}, http.StatusOK, nil)
}

func (s *server) bodyMemberAdd(c *ctx) error {
	o, err := s.orgForRecords(c)
	if err != nil {
		return err
	}
	b, err := s.findBody(c, o)
	if err != nil {
		return err
	}
	f := c.postedForm("volunteerId", "role", "from")
	m := &guangong.BodyMember{BodyID: b.ID, VolunteerID: f.Get("volunteerId"), Role: f.Get("role"), From: f.Get("from")}
	var val guangong.Validation
	if m.VolunteerID == "" {
		val.Add("volunteerId", "请选择成员", "Choose the member")
	}
	err = val.Err()
	if err == nil {
		err = s.store.AddBodyMember(c.r.Context(), c.actor(), m)
		err = asFieldError(err, "volunteerId", "成员不存在或不在您的管辖范围内", "The volunteer does not exist or is outside your scope")
	}
	if err != nil {
		return s.renderOrgForm(c, "person/bodymember", &postFormData{Org: o, Body: b}, f, 0, err)
	}
	return c.redirect("/orgs/" + url.PathEscape(o.ID) + "#bodies")
}
