package web

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"guangong"
)

// youthAgeBands are offered in the youths' filter; under 14 is what the law treats as
// sensitive.
var youthAgeBands = []string{"0-5", "6-13", "14-17", "18+"}

// revealFields are the masked values a youth's page can reveal, one at a time.
var revealFields = []string{"name", "idNumber", "guardianName", "guardianPhone"}

// maskYouth masks what every page shows by default: the names and numbers, revealed one at
// a time; and the free text too, unless the account has 未成年人信息 access (the store has
// already hidden it from one without).
func (c *ctx) maskYouth(y *guangong.Youth) {
	if c.minorAccess() {
		y.MaskIdentity()
	} else {
		y.Mask()
	}
}

// minorAccess: an account granted 未成年人信息 access (the system actor never renders pages).
func (c *ctx) minorAccess() bool { return c.user != nil && c.user.MinorAccess }

// youthWrite guards the youth forms: a form shows the stored values, so only an account that
// may see them unmasked may edit; otherwise a masked value could be saved back.
func (c *ctx) youthWrite() error {
	if err := c.recordsWrite(); err != nil {
		return err
	}
	if !c.minorAccess() {
		return guangong.MinorAccessNeeded()
	}
	return nil
}

type youthListData struct {
	personList[guangong.Youth]
	Categories []string
	AgeBands   []string
	Minor      bool // the account has 未成年人信息 access
	CanWrite   bool
}

func (s *server) youthList(c *ctx) error {
	return renderPersonList(c, s.youthListInto, "youth/list", "youth-results")
}

// youthListInto builds the list page's view (also for an export form's error).
func (s *server) youthListInto(c *ctx, out **view) error {
	q := readPersonQuery(c.r.URL.Query())
	if !c.minorAccess() {
		q.Q = "" // the store refuses name queries from accounts that see masked names
	}
	q.Party, q.Status = "", ""
	// Shown masked to everyone; a value is revealed one at a time.
	l, err := findPersonList(s, c, q, "/youths", s.store.FindYouths, c.maskYouth)
	if err != nil {
		return err
	}
	d := &youthListData{personList: l, Categories: guangong.YouthCategories, AgeBands: youthAgeBands,
		Minor: c.minorAccess(), CanWrite: c.youthWrite() == nil}
	*out = c.view(tr(c.lang, "youths.title"), d)
	return nil
}

type youthFormData struct {
	Youth      *guangong.Youth
	Orgs       []*guangong.Org
	Categories []string
}

var youthFields = []string{"orgId", "name", "gender", "birthDate", "idNumber", "school", "grade",
	"guardianName", "guardianRelation", "guardianPhone", "parentsWork", "needs", "notes",
	"consentBy", "consentRelation", "consentDate", "consentPurpose", "version"}

func youthForm(y *guangong.Youth) url.Values {
	return url.Values{
		"orgId": {y.OrgID}, "name": {y.Name}, "gender": {string(y.Gender)}, "birthDate": {y.BirthDate},
		"idNumber": {y.IDNumber}, "school": {y.School}, "grade": {y.Grade}, "guardianName": {y.GuardianName},
		"guardianRelation": {y.GuardianRelation}, "guardianPhone": {y.GuardianPhone}, "parentsWork": {y.ParentsWork},
		"categories": y.Categories, "needs": {y.Needs}, "notes": {y.Notes}, "consentBy": {y.ConsentBy},
		"consentRelation": {y.ConsentRelation}, "consentDate": {y.ConsentDate}, "consentPurpose": {y.ConsentPurpose},
		"version": {strconv.Itoa(y.Version)},
	}
}

func (c *ctx) postedYouth() (*guangong.Youth, url.Values) {
	f := c.postedForm(youthFields...)
	f["categories"] = c.r.PostForm["categories"]
	version, _ := strconv.Atoi(f.Get("version"))
	y := &guangong.Youth{
		OrgID: f.Get("orgId"), Name: f.Get("name"), Gender: guangong.Gender(f.Get("gender")), BirthDate: f.Get("birthDate"),
		IDNumber: f.Get("idNumber"), School: f.Get("school"), Grade: f.Get("grade"), GuardianName: f.Get("guardianName"),
		GuardianRelation: f.Get("guardianRelation"), GuardianPhone: f.Get("guardianPhone"), ParentsWork: f.Get("parentsWork"),
		Categories: append([]string{}, f["categories"]...), Needs: f.Get("needs"), Notes: f.Get("notes"),
		ConsentBy: f.Get("consentBy"), ConsentRelation: f.Get("consentRelation"), ConsentDate: f.Get("consentDate"),
		ConsentPurpose: f.Get("consentPurpose"), Version: version,
	}
	return y, f
}

func (s *server) renderYouthForm(c *ctx, y *guangong.Youth, f url.Values, status int, ferr error) error {
	orgs, err := s.scopeOrgs(c, f.Get("orgId"))
	if err != nil {
		return err
	}
	title := tr(c.lang, "youth.new")
	if y != nil {
		title = tr(c.lang, "youth.edit")
	}
	v := c.view(title, &youthFormData{Youth: y, Orgs: orgs, Categories: guangong.YouthCategories})
	return c.renderForm(status, "youth/form", v, f, ferr)
}

func (s *server) youthNewForm(c *ctx) error {
	if err := c.recordsRead(); err != nil {
		return err
	}
	if err := c.youthWrite(); err != nil {
		return err
	}
	org := c.r.URL.Query().Get("org")
	if org == "" {
		org = c.user.OrgID
	}
	return s.renderYouthForm(c, nil, url.Values{"orgId": {org}, "consentDate": {today()}}, http.StatusOK, nil)
}

func (s *server) youthCreate(c *ctx) error {
	if err := c.recordsRead(); err != nil {
		return err
	}
	if err := c.youthWrite(); err != nil {
		return err
	}
	y, f := c.postedYouth()
	if err := s.store.CreateYouth(c.r.Context(), c.actor(), y); err != nil {
		err = asFieldError(err, "orgId", "所在组织不存在或不在您的管辖范围内", "The committee does not exist or is outside your scope")
		return s.renderYouthForm(c, nil, f, 0, err)
	}
	return c.redirect("/youths/" + url.PathEscape(y.ID))
}

func (s *server) findYouth(c *ctx) (*guangong.Youth, error) {
	if err := c.recordsRead(); err != nil {
		return nil, err
	}
	return s.store.FindYouthByID(c.r.Context(), c.actor(), c.r.PathValue("id"))
}

func (s *server) youthEditForm(c *ctx) error {
	y, err := s.findYouth(c)
	if err != nil {
		return err
	}
	if err := c.youthWrite(); err != nil {
		return err
	}
	if y.Masked { // never fill a form with masked values
		return guangong.Forbidden()
	}
	return s.renderYouthForm(c, y, youthForm(y), http.StatusOK, nil)
}

func (s *server) youthUpdate(c *ctx) error {
	cur, err := s.findYouth(c)
	if err != nil {
		return err
	}
	if err := c.youthWrite(); err != nil {
		return err
	}
	if cur.Masked {
		return guangong.Forbidden()
	}
	y, f := c.postedYouth()
	y.ID = cur.ID
	if err := s.store.UpdateYouth(c.r.Context(), c.actor(), y); err != nil {
		err = asFieldError(err, "orgId", "所在组织不存在或不在您的管辖范围内", "The committee does not exist or is outside your scope")
		return s.renderYouthForm(c, cur, f, 0, err)
	}
	return c.redirect("/youths/" + url.PathEscape(y.ID))
}

type youthPageData struct {
	Youth     *guangong.Youth
	Age       int
	Minor     bool
	CanEdit   bool
	Field     string // the reveal form's field
	FieldName string
	Revealed  string // the one value revealed
}

func (s *server) youthPageData(c *ctx, y *guangong.Youth) *youthPageData {
	c.maskYouth(y)
	return &youthPageData{Youth: y, Age: guangong.AgeOn(y.BirthDate, time.Now().In(guangong.Shanghai)),
		Minor: c.minorAccess(), CanEdit: c.youthWrite() == nil}
}

func (s *server) youthPage(c *ctx) error {
	y, err := s.findYouth(c)
	if err != nil {
		return err
	}
	return c.render(http.StatusOK, "youth/page", c.view(tr(c.lang, "youth.title"), s.youthPageData(c, y)))
}

// revealTarget checks the reveal request: an account with access, a known field.
func (s *server) revealTarget(c *ctx) (*guangong.Youth, string, error) {
	y, err := s.findYouth(c)
	if err != nil {
		return nil, "", err
	}
	if !c.minorAccess() {
		return nil, "", guangong.Errorf(guangong.EFORBIDDEN, "查看未成年人完整信息须有“未成年人信息”权限",
			"Seeing a minor's full details needs 未成年人信息 access")
	}
	field := c.r.FormValue("field")
	if !slices.Contains(revealFields, field) {
		return nil, "", notFoundErr()
	}
	return y, field, nil
}

// youthRevealForm asks why a value is needed: revealing is an explicit, audited action.
func (s *server) youthRevealForm(c *ctx) error {
	y, field, err := s.revealTarget(c)
	if err != nil {
		return err
	}
	d := s.youthPageData(c, y)
	d.Field, d.FieldName = field, tr(c.lang, "youth."+field)
	return c.render(http.StatusOK, "youth/reveal", c.view(tr(c.lang, "reveal.title"), d))
}

func (s *server) youthReveal(c *ctx) error {
	y, field, err := s.revealTarget(c)
	if err != nil {
		return err
	}
	reason := strings.TrimSpace(c.r.PostFormValue("reason"))
	d := s.youthPageData(c, y)
	d.Field, d.FieldName = field, tr(c.lang, "youth."+field)
	v := c.view(tr(c.lang, "reveal.title"), d)
	v.Form = url.Values{"reason": {reason}}
	var val guangong.Validation
	val.Text("reason", "查看原因", "Reason", reason, true, 200)
	err = val.Err()
	if err == nil {
		d.Revealed, err = s.store.RevealYouth(c.r.Context(), c.actor(), y.ID, field, reason)
	}
	if err != nil {
		status, ok := c.formError(v, err)
		if !ok {
			return err
		}
		return c.render(status, "youth/reveal", v)
	}
	return c.render(http.StatusOK, "youth/reveal", v)
}
