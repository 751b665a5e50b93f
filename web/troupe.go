package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"guangong"
)

// Art troupes (文艺队): the list with the subtree's totals, a troupe's page with its
// members, and the troupe form.

type troupeListData struct {
	Items    []*guangong.Troupe
	Totals   *guangong.TroupeTotals
	Pager    pager
	Org      string
	Orgs     []*guangong.Org
	CanWrite bool
}

func (s *server) troupeList(c *ctx) error {
	if err := c.recordsRead(); err != nil {
		return err
	}
	org := strings.TrimSpace(c.r.URL.Query().Get("org"))
	f := guangong.TroupeFilter{Page: guangong.Page{Offset: (pageOf(c.r) - 1) * pageSize, Limit: pageSize}}
	if org != "" {
		f.OrgID = &org
	}
	list, total, totals, err := s.store.FindTroupes(c.r.Context(), c.actor(), f)
	if err != nil {
		return err
	}
	d := &troupeListData{Items: list, Totals: totals, Pager: newPager(c.r, pageOf(c.r), total), Org: org,
		CanWrite: c.actor().Can(guangong.Role.CanWriteRecords)}
	if d.Orgs, err = s.scopeOrgs(c, org); err != nil {
		return err
	}
	return c.render(http.StatusOK, "event/troupes", c.view(tr(c.lang, "event.troupes"), d))
}

type troupeFormData struct {
	Troupe *guangong.Troupe
	Orgs   []*guangong.Org
	Kinds  []string
}

func (s *server) renderTroupeForm(c *ctx, t *guangong.Troupe, f url.Values, status int, ferr error) error {
	orgs, err := s.scopeOrgs(c, f.Get("orgId"))
	if err != nil {
		return err
	}
	title := tr(c.lang, "event.troupe.new")
	if t != nil {
		title = tr(c.lang, "event.troupe.edit")
	}
	v := c.view(title, &troupeFormData{Troupe: t, Orgs: orgs, Kinds: guangong.TroupeKinds})
	v.Form = f
	if ferr != nil {
		st, ok := c.formError(v, asFieldError(ferr, "orgId", "所属组织不存在或不在您的管辖范围内",
			"The committee does not exist or lies outside your scope"))
		if !ok {
			return ferr
		}
		status = st
	}
	return c.render(status, "event/troupeform", v)
}

func (s *server) troupeNewForm(c *ctx) error {
	if err := c.recordsWrite(); err != nil {
		return err
	}
	return s.renderTroupeForm(c, nil, url.Values{"orgId": {c.user.OrgID}, "kind": {"other"}}, http.StatusOK, nil)
}

func (c *ctx) postedTroupe() (*guangong.Troupe, url.Values) {
	f := c.postedForm("orgId", "name", "kind", "founded", "version")
	version, _ := strconv.Atoi(f.Get("version"))
	return &guangong.Troupe{OrgID: f.Get("orgId"), Name: f.Get("name"), Kind: f.Get("kind"), Founded: f.Get("founded"),
		Version: version}, f
}

func (s *server) troupeCreate(c *ctx) error {
	if err := c.recordsWrite(); err != nil {
		return err
	}
	t, f := c.postedTroupe()
	if err := s.store.CreateTroupe(c.r.Context(), c.actor(), t); err != nil {
		return s.renderTroupeForm(c, nil, f, 0, err)
	}
	return c.redirect("/troupes/" + url.PathEscape(t.ID))
}

func (s *server) findTroupe(c *ctx) (*guangong.Troupe, error) {
	if err := c.recordsRead(); err != nil {
		return nil, err
	}
	return s.store.FindTroupeByID(c.r.Context(), c.actor(), c.r.PathValue("id"))
}

func (s *server) troupeEditForm(c *ctx) error {
	t, err := s.findTroupe(c)
	if err != nil {
		return err
	}
	if err := c.recordsWrite(); err != nil {
		return err
	}
	return s.renderTroupeForm(c, t, url.Values{"orgId": {t.OrgID}, "name": {t.Name}, "kind": {t.Kind},
		"founded": {t.Founded}, "version": {strconv.Itoa(t.Version)}}, http.StatusOK, nil)
}

func (s *server) troupeUpdate(c *ctx) error {
	cur, err := s.findTroupe(c)
	if err != nil {
		return err
	}
	if err := c.recordsWrite(); err != nil {
		return err
	}
	t, f := c.postedTroupe()
	t.ID = cur.ID
	if err := s.store.UpdateTroupe(c.r.Context(), c.actor(), t); err != nil {
		return s.renderTroupeForm(c, cur, f, 0, err)
	}
	return c.redirect("/troupes/" + url.PathEscape(t.ID))
}

type troupePageData struct {
	Troupe     *guangong.Troupe
	Members    []*guangong.TroupeMember
	Volunteers []*guangong.Volunteer
	CanWrite   bool
}

func (s *server) troupePage(c *ctx) error {
	t, err := s.findTroupe(c)
	if err != nil {
		return err
	}
	return s.renderTroupePage(c, t, http.StatusOK, url.Values{"from": {today()}}, nil)
}

func (s *server) renderTroupePage(c *ctx, t *guangong.Troupe, status int, f url.Values, ferr error) error {
	ctx, a := c.r.Context(), c.actor()
	members, err := s.store.TroupeMembers(ctx, a, t.ID)
	if err != nil {
		return err
	}
	d := &troupePageData{Troupe: t, Members: members, CanWrite: a.Can(guangong.Role.CanWriteRecords)}
	if d.CanWrite {
		if d.Volunteers, _, err = s.store.FindVolunteers(ctx, a, guangong.PersonFilter{OrgID: &t.OrgID,
			Page: guangong.Page{Limit: guangong.MaxPageSize}}); err != nil {
			return err
		}
	}
	v := c.view(t.Name, d)
	return c.renderForm(status, "event/troupe", v, f, ferr)
}

func (s *server) troupeMemberAdd(c *ctx) error {
	t, err := s.findTroupe(c)
	if err != nil {
		return err
	}
	if err := c.recordsWrite(); err != nil {
		return err
	}
	f := c.postedForm("volunteerId", "name", "role", "from", "to")
	m := &guangong.TroupeMember{TroupeID: t.ID, VolunteerID: f.Get("volunteerId"), Name: f.Get("name"), Role: f.Get("role"),
		From: f.Get("from"), To: f.Get("to")}
	if err := s.store.AddTroupeMember(c.r.Context(), c.actor(), m); err != nil {
		return s.renderTroupePage(c, t, 0, f, err)
	}
	return c.redirect("/troupes/" + url.PathEscape(t.ID) + "#members")
}

func (s *server) troupeMemberEnd(c *ctx) error {
	t, err := s.findTroupe(c)
	if err != nil {
		return err
	}
	if err := c.recordsWrite(); err != nil {
		return err
	}
	to := strings.TrimSpace(c.r.PostFormValue("to"))
	version, _ := strconv.Atoi(c.r.PostFormValue("version"))
	if err := s.store.EndTroupeMember(c.r.Context(), c.actor(), c.r.PathValue("mid"), to, version); err != nil {
		return s.renderTroupePage(c, t, 0, url.Values{"to": {to}}, err)
	}
	return c.redirect("/troupes/" + url.PathEscape(t.ID) + "#members")
}
