package web

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"guangong"
)

const pageSize = 50

// pager is a list's position, with the links to its neighbours.
type pager struct {
	Page, Pages, Total int
	Prev, Next         string // URLs, "" at the ends
}

func pageOf(r *http.Request) int {
	p, _ := strconv.Atoi(r.URL.Query().Get("page"))
	if p < 1 {
		p = 1
	}
	return p
}

func newPager(r *http.Request, page, total int) pager {
	p := pager{Page: page, Total: total, Pages: (total + pageSize - 1) / pageSize}
	link := func(n int) string {
		q := r.URL.Query()
		q.Set("page", strconv.Itoa(n))
		return r.URL.Path + "?" + q.Encode()
	}
	if page > 1 {
		p.Prev = link(page - 1)
	}
	if page < p.Pages {
		p.Next = link(page + 1)
	}
	return p
}

// usersManage guards the account pages: administrators only.
func (c *ctx) usersManage() error {
	if !c.actor().Can(guangong.Role.CanManageUsers) {
		return guangong.Forbidden()
	}
	return nil
}

type userListData struct {
	Users    []*guangong.User
	Pager    pager
	Query    string
	Role     string
	Disabled string
	Roles    []guangong.Role
}

func (s *server) userList(c *ctx) error {
	if err := c.usersManage(); err != nil {
		return err
	}
	q := c.r.URL.Query()
	d := &userListData{Query: strings.TrimSpace(q.Get("q")), Role: q.Get("role"), Disabled: q.Get("disabled"), Roles: guangong.Roles}
	page := pageOf(c.r)
	f := guangong.UserFilter{Page: guangong.Page{Offset: (page - 1) * pageSize, Limit: pageSize}}
	if d.Query != "" {
		f.Query = &d.Query
	}
	if r := guangong.Role(d.Role); r.Valid() {
		f.Role = &r
	}
	if d.Disabled == "1" || d.Disabled == "0" {
		b := d.Disabled == "1"
		f.Disabled = &b
	}
	if org := q.Get("org"); org != "" {
		f.OrgID = &org
	}
	users, total, err := s.store.FindUsers(c.r.Context(), c.actor(), f)
	if err != nil {
		return err
	}
	d.Users, d.Pager = users, newPager(c.r, page, total)
	return c.render(http.StatusOK, "user/list", c.view(tr(c.lang, "users.title"), d))
}

type userFormData struct {
	User  *guangong.User // nil when creating
	Roles []guangong.Role
	Orgs  []*guangong.Org
	// Volunteers a volunteer account may be linked to (the committee's active volunteers), or
	// nil when the editor reads no registry (then the record's id is typed).
	Volunteers []*guangong.Volunteer
}

// formData offers only the roles the caller may give and the committees in its scope.
func (s *server) userFormData(c *ctx, u *guangong.User, orgID string) (*userFormData, error) {
	d := &userFormData{User: u}
	for _, r := range guangong.Roles {
		if c.actor().Can(func(me guangong.Role) bool { return me.CanAssign(r) }) {
			d.Roles = append(d.Roles, r)
		}
	}
	// An account keeps a role its editor may not give; offering it avoids a silent change.
	if u != nil && !slices.Contains(d.Roles, u.Role) {
		d.Roles = append(d.Roles, u.Role)
	}
	orgs, _, err := s.store.FindOrgs(c.r.Context(), c.actor(), guangong.OrgFilter{
		Under: &c.user.OrgID, Page: guangong.Page{Limit: guangong.MaxPageSize}})
	if err != nil {
		return nil, err
	}
	d.Orgs = orgs
	if c.actor().Can(guangong.Role.CanReadRecords) && slices.Contains(d.Roles, guangong.RoleVolunteer) {
		under := orgID
		if under == "" {
			under = c.user.OrgID
		}
		active := "active"
		vs, _, err := s.store.FindVolunteers(c.r.Context(), c.actor(), guangong.PersonFilter{OrgID: &under, Status: &active,
			Page: guangong.Page{Limit: guangong.MaxPageSize}})
		if guangong.ErrorCode(err) == guangong.ENOTFOUND {
			// A committee typed into the form that is unknown or outside scope (the save's
			// field error says so): no volunteers to offer, and the form is shown again.
			vs, err = []*guangong.Volunteer{}, nil
		}
		if err != nil {
			return nil, err
		}
		d.Volunteers = vs
		if u != nil && u.VolunteerID != "" && !slices.ContainsFunc(vs, func(v *guangong.Volunteer) bool { return v.ID == u.VolunteerID }) {
			d.Volunteers = append([]*guangong.Volunteer{{ID: u.VolunteerID, Name: u.VolunteerName}}, d.Volunteers...)
		}
	}
	// A committee beyond the first page of the list (a big scope) is still offered when named.
	if orgID != "" && !containsOrg(orgs, orgID) {
		if o, err := s.store.FindOrgByID(c.r.Context(), c.actor(), orgID); err == nil {
			d.Orgs = append([]*guangong.Org{o}, d.Orgs...)
		}
	}
	return d, nil
}

func containsOrg(orgs []*guangong.Org, id string) bool {
	for _, o := range orgs {
		if o.ID == id {
			return true
		}
	}
	return false
}

func (s *server) userNewForm(c *ctx) error {
	if err := c.usersManage(); err != nil {
		return err
	}
	org := c.r.URL.Query().Get("org")
	if org == "" {
		org = c.user.OrgID
	}
	d, err := s.userFormData(c, nil, org)
	if err != nil {
		return err
	}
	v := c.view(tr(c.lang, "user.new"), d)
	v.Form = url.Values{"orgId": {org}, "role": {string(guangong.RoleViewer)}}
	return c.render(http.StatusOK, "user/form", v)
}

func (s *server) userCreate(c *ctx) error {
	if err := c.usersManage(); err != nil {
		return err
	}
	f := c.postedForm("username", "displayName", "orgId", "role", "minorAccess", "volunteerId")
	password := c.r.PostFormValue("password")
	u := &guangong.User{Username: f.Get("username"), DisplayName: f.Get("displayName"), OrgID: f.Get("orgId"),
		Role: guangong.Role(f.Get("role")), MinorAccess: f.Get("minorAccess") == "1", Lang: "zh", VolunteerID: f.Get("volunteerId")}
	var val guangong.Validation
	if m := guangong.PasswordProblem("password", password, f.Get("username")); m != nil {
		val.Add("password", m.Zh, m.En)
	}
	err := val.Err()
	if err == nil {
		err = s.store.CreateUser(c.r.Context(), c.actor(), u, password)
		err = asFieldError(err, "orgId", "所属组织不存在或不在您的管辖范围内", "The committee does not exist or is outside your scope")
	} else if verr := u.Validate(); verr != nil {
		// Show every problem at once, not the password first and the rest on the next try.
		for k, m := range guangong.FieldErrors(verr) {
			val.Add(k, m.Zh, m.En)
		}
		err = val.Err()
	}
	if err == nil {
		return c.redirect("/users/" + url.PathEscape(u.ID))
	}
	d, derr := s.userFormData(c, nil, u.OrgID)
	if derr != nil {
		return derr
	}
	v := c.view(tr(c.lang, "user.new"), d)
	v.Form = f
	status, ok := c.formError(v, err)
	if !ok {
		return err
	}
	return c.render(status, "user/form", v)
}

func (s *server) findUser(c *ctx) (*guangong.User, error) {
	if err := c.usersManage(); err != nil {
		return nil, err
	}
	return s.store.FindUserByID(c.r.Context(), c.actor(), c.r.PathValue("id"))
}

func userForm(u *guangong.User) url.Values {
	f := url.Values{"displayName": {u.DisplayName}, "orgId": {u.OrgID}, "role": {string(u.Role)},
		"version": {strconv.Itoa(u.Version)}}
	if u.Disabled {
		f.Set("disabled", "1")
	}
	if u.MinorAccess {
		f.Set("minorAccess", "1")
	}
	f.Set("volunteerId", u.VolunteerID)
	return f
}

func (s *server) userEditForm(c *ctx) error {
	u, err := s.findUser(c)
	if err != nil {
		return err
	}
	d, err := s.userFormData(c, u, u.OrgID)
	if err != nil {
		return err
	}
	v := c.view(u.DisplayName, d)
	v.Form = userForm(u)
	if c.r.URL.Query().Get("ended") != "" {
		v.Message = tr(c.lang, "user.sessionsEnded")
	}
	return c.render(http.StatusOK, "user/form", v)
}

func (s *server) userUpdate(c *ctx) error {
	u, err := s.findUser(c)
	if err != nil {
		return err
	}
	f := c.postedForm("displayName", "orgId", "role", "disabled", "minorAccess", "version", "volunteerId")
	version, _ := strconv.Atoi(f.Get("version"))
	name, org, role, disabled := f.Get("displayName"), f.Get("orgId"), guangong.Role(f.Get("role")), f.Get("disabled") == "1"
	minor, vol := f.Get("minorAccess") == "1", f.Get("volunteerId")
	upd := guangong.UserUpdate{DisplayName: &name, OrgID: &org, Role: &role, Disabled: &disabled, MinorAccess: &minor,
		VolunteerID: &vol, Version: version}
	_, err = s.store.UpdateUser(c.r.Context(), c.actor(), u.ID, upd)
	if err == nil {
		return c.redirect("/users/" + url.PathEscape(u.ID))
	}
	err = asFieldError(err, "orgId", "所属组织不存在或不在您的管辖范围内", "The committee does not exist or is outside your scope")
	d, derr := s.userFormData(c, u, u.OrgID)
	if derr != nil {
		return derr
	}
	v := c.view(u.DisplayName, d)
	v.Form = f
	status, ok := c.formError(v, err)
	if !ok {
		return err
	}
	return c.render(status, "user/form", v)
}

func (s *server) userResetForm(c *ctx) error {
	u, err := s.findUser(c)
	if err != nil {
		return err
	}
	return c.render(http.StatusOK, "user/reset", c.view(tr(c.lang, "user.reset"), u))
}

func (s *server) userReset(c *ctx) error {
	u, err := s.findUser(c)
	if err != nil {
		return err
	}
	pw, again := c.r.PostFormValue("password"), c.r.PostFormValue("repeat")
	var val guangong.Validation
	if m := guangong.PasswordProblem("password", pw, u.Username); m != nil {
		val.Add("password", m.Zh, m.En)
	}
	if pw != again {
		val.Add("repeat", "两次输入的密码不一致", "The two passwords differ")
	}
	err = val.Err()
	if err == nil {
		err = s.store.ResetPassword(c.r.Context(), c.actor(), u.ID, pw)
	}
	if err != nil {
		v := c.view(tr(c.lang, "user.reset"), u)
		status, ok := c.formError(v, err)
		if !ok {
			return err
		}
		return c.render(status, "user/reset", v)
	}
	return c.redirect("/users/" + url.PathEscape(u.ID) + "?reset=1")
}

func (s *server) userEndSessions(c *ctx) error {
	u, err := s.findUser(c)
	if err != nil {
		return err
	}
	n, err := s.store.EndSessions(c.r.Context(), c.actor(), u.ID)
	if err != nil {
		return err
	}
	return c.redirect("/users/" + url.PathEscape(u.ID) + "?ended=" + strconv.Itoa(n))
}
