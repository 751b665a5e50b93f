package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"guangong"
)

func notFoundErr() error { return guangong.NotFound(guangong.Msg{Zh: "页面", En: "Page"}) }

// orgRead guards the committee pages: the auditor reads no committees.
func (c *ctx) orgRead() error {
	if !c.actor().Can(guangong.Role.CanReadOrgs) {
		return guangong.Forbidden()
	}
	return nil
}

// findOrg loads the committee named in the path; out of scope answers 404 like a missing one.
func (c *ctx) findOrg() (*guangong.Org, error) {
	if err := c.orgRead(); err != nil {
		return nil, err
	}
	return c.s.store.FindOrgByID(c.r.Context(), c.actor(), c.r.PathValue("id"))
}

// findOrgToManage is findOrg for the forms that change the tree: scope first (404), then
// role (403), so a refusal never tells an outsider that the committee exists.
func (c *ctx) findOrgToManage() (*guangong.Org, error) {
	o, err := c.findOrg()
	if err != nil {
		return nil, err
	}
	if !c.actor().Can(guangong.Role.CanManageOrgs) {
		return nil, guangong.Forbidden()
	}
	return o, nil
}

type orgPath struct {
	Org  *guangong.Org
	Path []*guangong.Org // ancestors within scope, root first
}

type treeData struct {
	Root      *guangong.Org
	Children  []*guangong.Org
	Dissolved bool
	Query     string
}

func (c *ctx) showDissolved() bool { return c.r.URL.Query().Get("dissolved") == "1" }

func (s *server) orgTree(c *ctx) error {
	if err := c.orgRead(); err != nil {
		return err
	}
	root, err := s.store.FindOrgByID(c.r.Context(), c.actor(), c.user.OrgID)
	if err != nil {
		return err
	}
	kids, err := s.children(c, root.ID)
	if err != nil {
		return err
	}
	d := &treeData{Root: root, Children: kids, Dissolved: c.showDissolved()}
	return c.render(http.StatusOK, "org/tree", c.view(tr(c.lang, "tree.title"), d))
}

func (s *server) children(c *ctx, id string) ([]*guangong.Org, error) {
	kids, _, err := s.store.FindOrgs(c.r.Context(), c.actor(), guangong.OrgFilter{
		ParentID: &id, IncludeDissolved: c.showDissolved(), Page: guangong.Page{Limit: guangong.MaxPageSize}})
	return kids, err
}

// orgChildren is the fragment the tree loads when a committee is expanded.
func (s *server) orgChildren(c *ctx) error {
	o, err := c.findOrg()
	if err != nil {
		return err
	}
	kids, err := s.children(c, o.ID)
	if err != nil {
		return err
	}
	d := &treeData{Root: o, Children: kids, Dissolved: c.showDissolved()}
	return c.fragment(http.StatusOK, "org/tree", "children", c.view("", d))
}

type searchData struct {
	Query     string
	Dissolved bool
	Results   []orgPath
	Total     int
}

func (s *server) orgSearch(c *ctx) error {
	if err := c.orgRead(); err != nil {
		return err
	}
	q := strings.TrimSpace(c.r.URL.Query().Get("q"))
	d := &searchData{Query: q, Dissolved: c.showDissolved()}
	if q != "" {
		orgs, total, err := s.store.FindOrgs(c.r.Context(), c.actor(), guangong.OrgFilter{
			Query: &q, IncludeDissolved: d.Dissolved, Page: guangong.Page{Limit: 50}})
		if err != nil {
			return err
		}
		d.Total = total
		if d.Results, err = s.withPaths(c, orgs); err != nil {
			return err
		}
	}
	v := c.view(tr(c.lang, "search.title"), d)
	if isHTMX(c.r) && c.r.Header.Get("HX-Target") == "search-results" {
		return c.fragment(http.StatusOK, "org/search", "results", v)
	}
	return c.render(http.StatusOK, "org/search", v)
}

type orgPageData struct {
	Org       *guangong.Org
	Path      []*guangong.Org
	Children  []*guangong.Org
	Dissolved bool
	CanManage bool
	CanUsers  bool
	People    *orgPeople // nil for roles that read no records
}

func (s *server) orgPage(c *ctx) error {
	o, err := c.findOrg()
	if err != nil {
		return err
	}
	path, err := s.store.OrgAncestors(c.r.Context(), c.actor(), o.ID)
	if err != nil {
		return err
	}
	kids, err := s.children(c, o.ID)
	if err != nil {
		return err
	}
	a := c.actor()
	d := &orgPageData{Org: o, Path: trimSelf(path, o.ID), Children: kids, Dissolved: c.showDissolved(),
		CanManage: a.Can(guangong.Role.CanManageOrgs), CanUsers: a.Can(guangong.Role.CanManageUsers)}
	if d.People, err = s.orgPeople(c, o); err != nil {
		return err
	}
	return c.render(http.StatusOK, "org/org", c.view(o.Name, d))
}

// trimSelf drops the committee itself if the store listed it among its ancestors.
func trimSelf(path []*guangong.Org, id string) []*guangong.Org {
	if n := len(path); n > 0 && path[n-1].ID == id {
		return path[:n-1]
	}
	return path
}

type orgFormData struct {
	Org    *guangong.Org // nil when creating
	Parent *guangong.Org
	Levels []guangong.Level
}

var orgFields = []string{"name", "shortName", "level", "code", "address", "contact", "established"}

func orgForm(o *guangong.Org) url.Values {
	return url.Values{
		"name": {o.Name}, "shortName": {o.ShortName}, "level": {string(o.Level)}, "code": {o.Code},
		"address": {o.Address}, "contact": {o.Contact}, "established": {o.Established},
		"version": {strconv.Itoa(o.Version)},
	}
}

func (c *ctx) postedForm(fields ...string) url.Values {
	f := url.Values{}
	for _, k := range fields {
		f.Set(k, strings.TrimSpace(c.r.PostFormValue(k)))
	}
	return f
}

func childLevels(parent *guangong.Org) []guangong.Level {
	var ls []guangong.Level
	for _, l := range guangong.Levels {
		if parent == nil || parent.Level.CanParent(l) {
			ls = append(ls, l)
		}
	}
	return ls
}

func (s *server) orgNewForm(c *ctx) error {
	parentID := c.r.URL.Query().Get("parent")
	if parentID == "" {
		parentID = c.user.OrgID
	}
	parent, err := s.findParent(c, parentID)
	if err != nil {
		return err
	}
	v := c.view(tr(c.lang, "org.new"), &orgFormData{Parent: parent, Levels: childLevels(parent)})
	v.Form = url.Values{"parentId": {parent.ID}}
	if ls := childLevels(parent); len(ls) > 0 {
		v.Form.Set("level", string(ls[0]))
	}
	return c.render(http.StatusOK, "org/form", v)
}

func (s *server) findParent(c *ctx, id string) (*guangong.Org, error) {
	if err := c.orgRead(); err != nil {
		return nil, err
	}
	parent, err := s.store.FindOrgByID(c.r.Context(), c.actor(), id)
	if err != nil {
		return nil, err
	}
	if !c.actor().Can(guangong.Role.CanManageOrgs) {
		return nil, guangong.Forbidden()
	}
	return parent, nil
}

func (s *server) orgCreate(c *ctx) error {
	if err := c.orgRead(); err != nil {
		return err
	}
	if !c.actor().Can(guangong.Role.CanManageOrgs) {
		return guangong.Forbidden()
	}
	f := c.postedForm(append(orgFields, "parentId")...)
	o := &guangong.Org{
		ParentID: f.Get("parentId"), Name: f.Get("name"), ShortName: f.Get("shortName"),
		Level: guangong.Level(f.Get("level")), Code: f.Get("code"), Address: f.Get("address"),
		Contact: f.Get("contact"), Established: f.Get("established"),
	}
	err := s.store.CreateOrg(c.r.Context(), c.actor(), o)
	if err == nil {
		return c.redirect("/orgs/" + url.PathEscape(o.ID))
	}
	// The parent is the only other committee a create names: not found means the parent.
	err = asFieldError(err, "parentId", "上级组织不存在或不在您的管辖范围内", "The parent committee does not exist or is outside your scope")
	// The parent may be out of scope: show it only if the caller can see it.
	parent, perr := s.store.FindOrgByID(c.r.Context(), c.actor(), o.ParentID)
	if perr != nil {
		parent = nil
	}
	v := c.view(tr(c.lang, "org.new"), &orgFormData{Parent: parent, Levels: childLevels(parent)})
	v.Form = f
	status, ok := c.formError(v, err)
	if !ok {
		return err
	}
	return c.render(status, "org/form", v)
}

// asFieldError turns a not-found about a referenced object into a message beside its field.
func asFieldError(err error, field, zh, en string) error {
	if guangong.ErrorCode(err) != guangong.ENOTFOUND {
		return err
	}
	var v guangong.Validation
	v.Add(field, zh, en)
	return v.Err()
}

func (s *server) orgEditForm(c *ctx) error {
	o, err := c.findOrgToManage()
	if err != nil {
		return err
	}
	v := c.view(tr(c.lang, "org.edit"), &orgFormData{Org: o, Levels: guangong.Levels})
	v.Form = orgForm(o)
	return c.render(http.StatusOK, "org/form", v)
}

func (s *server) orgUpdate(c *ctx) error {
	o, err := c.findOrgToManage()
	if err != nil {
		return err
	}
	f := c.postedForm(append(orgFields, "version")...)
	version, _ := strconv.Atoi(f.Get("version"))
	str := func(k string) *string { x := f.Get(k); return &x }
	level := guangong.Level(f.Get("level"))
	u := guangong.OrgUpdate{
		Name: str("name"), ShortName: str("shortName"), Level: &level, Code: str("code"),
		Address: str("address"), Contact: str("contact"), Established: str("established"), Version: version,
	}
	if _, err := s.store.UpdateOrg(c.r.Context(), c.actor(), o.ID, u); err != nil {
		v := c.view(tr(c.lang, "org.edit"), &orgFormData{Org: o, Levels: guangong.Levels})
		v.Form = f
		status, ok := c.formError(v, err)
		if !ok {
			return err
		}
		return c.render(status, "org/form", v)
	}
	return c.redirect("/orgs/" + url.PathEscape(o.ID))
}

type moveData struct {
	Org        *guangong.Org
	Path       []*guangong.Org
	Query      string
	Candidates []orgPath
}

func (s *server) moveCandidates(c *ctx, o *guangong.Org, q string) ([]orgPath, error) {
	f := guangong.OrgFilter{Page: guangong.Page{Limit: 50}}
	if q != "" {
		f.Query = &q
	} else {
		f.Under = &c.user.OrgID
	}
	orgs, _, err := s.store.FindOrgs(c.r.Context(), c.actor(), f)
	if err != nil {
		return nil, err
	}
	var fit []*guangong.Org
	for _, x := range orgs {
		if x.ID != o.ID && x.ID != o.ParentID && x.Level.CanParent(o.Level) {
			fit = append(fit, x)
		}
	}
	return s.withPaths(c, fit)
}

// withPaths pairs each committee with its path, fetched for all of them in one query.
func (s *server) withPaths(c *ctx, orgs []*guangong.Org) ([]orgPath, error) {
	ids := make([]string, len(orgs))
	for i, o := range orgs {
		ids[i] = o.ID
	}
	paths, err := s.store.OrgPaths(c.r.Context(), c.actor(), ids)
	if err != nil {
		return nil, err
	}
	var out []orgPath
	for _, o := range orgs {
		out = append(out, orgPath{Org: o, Path: paths[o.ID]})
	}
	return out, nil
}

func (s *server) orgMoveForm(c *ctx) error {
	o, err := c.findOrgToManage()
	if err != nil {
		return err
	}
	return s.renderMove(c, o, http.StatusOK, nil)
}

func (s *server) renderMove(c *ctx, o *guangong.Org, status int, ferr error) error {
	q := strings.TrimSpace(c.r.FormValue("q"))
	cands, err := s.moveCandidates(c, o, q)
	if err != nil {
		return err
	}
	path, err := s.store.OrgAncestors(c.r.Context(), c.actor(), o.ID)
	if err != nil {
		return err
	}
	v := c.view(tr(c.lang, "org.move"), &moveData{Org: o, Path: trimSelf(path, o.ID), Query: q, Candidates: cands})
	v.Form = url.Values{"version": {strconv.Itoa(o.Version)}, "parentId": {c.r.PostFormValue("parentId")}}
	if ferr != nil {
		if c.r.PostFormValue("version") != "" {
			v.Form.Set("version", c.r.PostFormValue("version"))
		}
		st, ok := c.formError(v, ferr)
		if !ok {
			return ferr
		}
		status = st
		// The move form has one field: a problem with the level is a problem with the parent.
		if m, ok := v.Errors["level"]; ok && v.Errors["parentId"] == "" {
			v.Errors["parentId"] = m
		}
	}
	return c.render(status, "org/move", v)
}

func (s *server) orgMove(c *ctx) error {
	o, err := c.findOrgToManage()
	if err != nil {
		return err
	}
	parentID := strings.TrimSpace(c.r.PostFormValue("parentId"))
	version, _ := strconv.Atoi(c.r.PostFormValue("version"))
	var val guangong.Validation
	if parentID == "" {
		val.Add("parentId", "请选择新的上级组织", "Choose the new parent committee")
	}
	err = val.Err()
	if err == nil {
		_, err = s.store.MoveOrg(c.r.Context(), c.actor(), o.ID, parentID, version)
		err = asFieldError(err, "parentId", "上级组织不存在或不在您的管辖范围内", "The parent committee does not exist or is outside your scope")
	}
	if err != nil {
		return s.renderMove(c, o, 0, err)
	}
	return c.redirect("/orgs/" + url.PathEscape(o.ID))
}

func (s *server) orgDissolveForm(c *ctx) error {
	o, err := c.findOrgToManage()
	if err != nil {
		return err
	}
	v := c.view(tr(c.lang, "org.dissolve"), o)
	v.Form = url.Values{"version": {strconv.Itoa(o.Version)}}
	return c.render(http.StatusOK, "org/dissolve", v)
}

func (s *server) orgDissolve(c *ctx) error {
	o, err := c.findOrgToManage()
	if err != nil {
		return err
	}
	version, _ := strconv.Atoi(c.r.PostFormValue("version"))
	if _, err := s.store.DissolveOrg(c.r.Context(), c.actor(), o.ID, version); err != nil {
		v := c.view(tr(c.lang, "org.dissolve"), o)
		v.Form = url.Values{"version": {c.r.PostFormValue("version")}}
		status, ok := c.formError(v, err)
		if !ok {
			return err
		}
		return c.render(status, "org/dissolve", v)
	}
	return c.redirect("/orgs/" + url.PathEscape(o.ID))
}
