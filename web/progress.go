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

// The progress pages: a committee's (or its subtree's) figures for a year against its
// targets, month by month, what is overdue, several years side by side; the targets and
// defaults; the yearly plan.

// progressQuery is the committee, year and mode a progress page shows.
type progressQuery struct {
	Org     string
	Year    int
	Subtree bool
}

func thisYear() int { return time.Now().In(guangong.Shanghai).Year() }

func readProgressQuery(c *ctx, q url.Values) progressQuery {
	p := progressQuery{Org: strings.TrimSpace(q.Get("org")), Subtree: q.Get("subtree") == "1"}
	if p.Org == "" {
		p.Org = c.user.OrgID
	}
	p.Year, _ = strconv.Atoi(q.Get("year"))
	if p.Year == 0 {
		p.Year = thisYear()
	}
	return p
}

// URL is path with the query's parameters; subtree is the mode to link to.
func (p progressQuery) URL(path string, subtree bool) string {
	v := url.Values{"org": {p.Org}, "year": {strconv.Itoa(p.Year)}}
	if subtree {
		v.Set("subtree", "1")
	}
	return path + "?" + v.Encode()
}

// series is one named row of figures in a chart with several.
type series struct {
	Name   string `json:"name"`
	Values []int  `json:"values"`
}

// multiChart feeds progress.js: grouped bars, one group per label.
type multiChart struct {
	Title  string   `json:"title"`
	Labels []string `json:"labels"`
	Series []series `json:"series"`
}

type progressPageData struct {
	Q         progressQuery
	Org       *guangong.Org
	Orgs      []*guangong.Org
	P         *guangong.Progress
	Monthly   []*guangong.MetricProgress
	Standing  []*guangong.MetricProgress
	Targeted  []*guangong.MetricProgress
	Months    []int
	MonthData multiChart
	GoalData  multiChart
	CanWrite  bool
}

// progressOrg loads the committee a progress page is about (404 outside scope).
func (s *server) progressOrg(c *ctx, id string) (*guangong.Org, []*guangong.Org, error) {
	if err := c.recordsRead(); err != nil {
		return nil, nil, err
	}
	o, err := s.store.FindOrgByID(c.r.Context(), c.actor(), id)
	if err != nil {
		return nil, nil, err
	}
	orgs, err := s.scopeOrgs(c, o.ID)
	return o, orgs, err
}

// chartMetrics are the monthly figures drawn in the month chart (the table has them all).
var chartMetrics = []string{guangong.MetricLargeMeetings, guangong.MetricLargeActivities, guangong.MetricMeetings, guangong.MetricActivities}

func (s *server) progressPage(c *ctx) error {
	q := readProgressQuery(c, c.r.URL.Query())
	o, orgs, err := s.progressOrg(c, q.Org)
	if err != nil {
		return err
	}
	p, err := s.store.Progress(c.r.Context(), c.actor(), o.ID, q.Year, q.Subtree)
	if err != nil {
		return err
	}
	d := &progressPageData{Q: q, Org: o, Orgs: orgs, P: p, CanWrite: c.actor().Can(guangong.Role.CanWriteRecords)}
	d.MonthData.Title = tr(c.lang, "progress.byMonth")
	d.GoalData.Title = tr(c.lang, "progress.goals")
	for m := 1; m <= 12; m++ {
		d.Months = append(d.Months, m)
		d.MonthData.Labels = append(d.MonthData.Labels, monthLabel(c.lang, m))
	}
	done, target := series{Name: tr(c.lang, "progress.done")}, series{Name: tr(c.lang, "progress.target")}
	for _, m := range p.Metrics {
		if m.Monthly {
			d.Monthly = append(d.Monthly, m)
		} else {
			d.Standing = append(d.Standing, m)
		}
		if m.Target != nil {
			d.Targeted = append(d.Targeted, m)
			d.GoalData.Labels = append(d.GoalData.Labels, m.Label.In(c.lang))
			done.Values = append(done.Values, m.Done)
			target.Values = append(target.Values, m.Target.Min)
		}
	}
	d.GoalData.Series = []series{done, target}
	for _, code := range chartMetrics {
		if m := p.Metric(code); m != nil {
			d.MonthData.Series = append(d.MonthData.Series, series{Name: m.Label.In(c.lang), Values: m.ByMonth})
		}
	}
	title := o.Name + " · " + strconv.Itoa(q.Year) + " · " + tr(c.lang, "progress.title")
	return c.render(http.StatusOK, "progress/progress", c.view(title, d))
}

func monthLabel(lang string, m int) string {
	if lang == "en" {
		return time.Month(m).String()[:3]
	}
	return strconv.Itoa(m) + "月"
}

type yearsPageData struct {
	Q        progressQuery
	From, To int
	Org      *guangong.Org
	Orgs     []*guangong.Org
	T        *guangong.YearTotals
}

// URL links the multi-year page in a mode.
func (d *yearsPageData) URL(subtree bool) string {
	v := url.Values{"org": {d.Q.Org}, "from": {strconv.Itoa(d.From)}, "to": {strconv.Itoa(d.To)}}
	if subtree {
		v.Set("subtree", "1")
	}
	return "/progress/years?" + v.Encode()
}

func (s *server) progressYears(c *ctx) error {
	qv := c.r.URL.Query()
	q := readProgressQuery(c, qv)
	// The four years up to this one, unless asked otherwise.
	d := &yearsPageData{Q: q, From: thisYear() - 3, To: thisYear()}
	if n, err := strconv.Atoi(qv.Get("from")); err == nil {
		d.From = n
	}
	if n, err := strconv.Atoi(qv.Get("to")); err == nil {
		d.To = n
	}
	o, orgs, err := s.progressOrg(c, q.Org)
	if err != nil {
		return err
	}
	d.Org, d.Orgs = o, orgs
	v := c.view(o.Name+" · "+tr(c.lang, "progress.years"), d)
	t, err := s.store.ProgressYears(c.r.Context(), c.actor(), o.ID, d.From, d.To, q.Subtree)
	if err != nil {
		status, ok := c.formError(v, err)
		if !ok {
			return err
		}
		if m, ok := v.Errors["year"]; ok && v.Errors["from"] == "" { // the store's word for the range
			v.Errors["from"] = m
		}
		return c.render(status, "progress/years", v)
	}
	d.T = t
	return c.render(http.StatusOK, "progress/years", v)
}

type targetRow struct {
	Metric  guangong.Metric
	Eff     *guangong.EffectiveTarget
	Default *guangong.TargetDefault
}

type targetsPageData struct {
	Q        progressQuery
	Org      *guangong.Org
	Orgs     []*guangong.Org
	Rows     []targetRow
	CanSet   bool // the account's committee lies strictly above Org
	CanWrite bool // may set Org's defaults for the committees below
}

func (s *server) targetsData(c *ctx, q progressQuery) (*targetsPageData, error) {
	o, orgs, err := s.progressOrg(c, q.Org)
	if err != nil {
		return nil, err
	}
	ctx, a := c.r.Context(), c.actor()
	eff, err := s.store.EffectiveTargets(ctx, a, o.ID, q.Year)
	if err != nil {
		return nil, err
	}
	defs, err := s.store.TargetDefaults(ctx, a, o.ID)
	if err != nil {
		return nil, err
	}
	write := a.Can(guangong.Role.CanWriteRecords)
	d := &targetsPageData{Q: q, Org: o, Orgs: orgs, CanWrite: write, CanSet: write && o.ID != c.user.OrgID}
	for _, m := range guangong.Metrics {
		r := targetRow{Metric: m}
		for _, e := range eff {
			if e.Metric == m.Code {
				r.Eff = e
			}
		}
		for _, x := range defs {
			if x.Metric == m.Code {
				r.Default = x
			}
		}
		d.Rows = append(d.Rows, r)
	}
	return d, nil
}

func (s *server) targetsPage(c *ctx) error {
	q := readProgressQuery(c, c.r.URL.Query())
	d, err := s.targetsData(c, q)
	if err != nil {
		return err
	}
	return c.render(http.StatusOK, "progress/targets", c.view(d.Org.Name+" · "+tr(c.lang, "progress.targets"), d))
}

// targetsBack answers a target form: back to the page on success, or the page with the
// message beside the metric's field.
func (s *server) targetsBack(c *ctx, q progressQuery, f url.Values, err error) error {
	if err == nil {
		return c.redirect(q.URL("/progress/targets", false) + "#" + f.Get("form") + "-" + f.Get("metric"))
	}
	d, derr := s.targetsData(c, q)
	if derr != nil {
		return derr
	}
	v := c.view(d.Org.Name+" · "+tr(c.lang, "progress.targets"), d)
	v.Form = f
	status, ok := c.formError(v, err)
	if !ok {
		return err
	}
	return c.render(status, "progress/targets", v)
}

func (c *ctx) postedInt(f url.Values, name string) (int, bool) {
	s := f.Get(name)
	if s == "" {
		return 0, false
	}
	n, err := strconv.Atoi(s)
	return n, err == nil
}

func badNumber(field string) error {
	var v guangong.Validation
	v.Add(field, "请输入整数", "Enter a whole number")
	return v.Err()
}

func (s *server) targetSet(c *ctx) error {
	if err := c.recordsWrite(); err != nil {
		return err
	}
	f := c.postedForm("org", "year", "metric", "min", "version", "targetId", "form")
	q := readProgressQuery(c, f)
	f.Set("form", "target")
	version, _ := strconv.Atoi(f.Get("version"))
	ctx, a := c.r.Context(), c.actor()
	var err error
	min, given := c.postedInt(f, "min")
	switch {
	case f.Get("min") == "" && f.Get("targetId") != "":
		err = s.store.DeleteTarget(ctx, a, f.Get("targetId"), version)
	case !given:
		err = badNumber("min")
	default:
		err = s.store.SetTarget(ctx, a, &guangong.Target{OrgID: q.Org, Year: q.Year, Metric: f.Get("metric"), Min: min, Version: version})
	}
	return s.targetsBack(c, q, f, err)
}

func (s *server) targetDefaultSet(c *ctx) error {
	if err := c.recordsWrite(); err != nil {
		return err
	}
	f := c.postedForm("org", "year", "metric", "min", "version", "form")
	q := readProgressQuery(c, f)
	f.Set("form", "default")
	version, _ := strconv.Atoi(f.Get("version"))
	ctx, a := c.r.Context(), c.actor()
	var err error
	min, given := c.postedInt(f, "min")
	switch {
	case f.Get("min") == "" && version > 0:
		err = s.store.DeleteTargetDefault(ctx, a, q.Org, f.Get("metric"), version)
	case !given:
		err = badNumber("min")
	default:
		err = s.store.SetTargetDefault(ctx, a, &guangong.TargetDefault{SetBy: q.Org, Metric: f.Get("metric"), Min: min, Version: version})
	}
	return s.targetsBack(c, q, f, err)
}

type planPageData struct {
	Q           progressQuery
	Org         *guangong.Org
	Orgs        []*guangong.Org
	Items       []*guangong.PlanItem
	Item        *guangong.PlanItem // the item being edited
	Kinds       []string
	Categories  []string
	Subs        []string
	MonthLabels []string
	CanWrite    bool
	// The done events the item may be linked to, and whether there were more than shown.
	Events     []planEvent
	EventsMore bool
}

// planEvent is one event a plan item may be linked to, as its option shows it.
type planEvent struct{ ID, Label string }

// planEventLimit bounds the events a plan form offers.
const planEventLimit = guangong.MaxPageSize

// loadPlanEvents offers the held and recorded events the committee hosted in the item's
// month (the whole year while no month is known), newest first, and the one linked. The
// store links an item only to its committee's own events, so the subtree's are left out.
func (s *server) loadPlanEvents(c *ctx, d *planPageData, year, month int, linked string) error {
	ctx, a := c.r.Context(), c.actor()
	from, to := time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(year, 12, 31, 0, 0, 0, 0, time.UTC)
	if month >= 1 && month <= 12 {
		from = time.Date(year, time.Month(month), 1, 0, 0, 0, 0, time.UTC)
		to = from.AddDate(0, 1, -1)
	}
	fromS, toS := from.Format(guangong.DateLayout), to.Format(guangong.DateLayout)
	var all []*guangong.Event
	for _, st := range guangong.DoneStatuses {
		list, total, err := s.store.FindEvents(ctx, a, guangong.EventFilter{OrgID: &d.Org.ID, Status: &st,
			From: &fromS, To: &toS, Page: guangong.Page{Limit: planEventLimit}})
		if err != nil {
			return err
		}
		d.EventsMore = d.EventsMore || total > len(list)
		all = append(all, list...)
	}
	slices.SortFunc(all, func(x, y *guangong.Event) int { return y.StartsAt.Compare(x.StartsAt) })
	if len(all) > planEventLimit {
		all, d.EventsMore = all[:planEventLimit], true
	}
	d.Events = nil
	found := linked == ""
	for _, e := range all {
		if e.OrgID != d.Org.ID {
			continue
		}
		d.Events = append(d.Events, planEvent{e.ID, e.StartsOn + " " + e.Title})
		found = found || e.ID == linked
	}
	if !found {
		label := linked
		if e, err := s.store.FindEventByID(ctx, a, linked); err == nil {
			label = e.StartsOn + " " + e.Title
		} else if guangong.ErrorCode(err) != guangong.ENOTFOUND {
			return err
		}
		d.Events = append([]planEvent{{linked, label}}, d.Events...)
	}
	return nil
}

func monthLabels(lang string) []string {
	var out []string
	for m := 1; m <= 12; m++ {
		out = append(out, monthLabel(lang, m))
	}
	return out
}

func planSubcategories() []string {
	var out []string
	for _, c := range guangong.ActivityCategories {
		out = append(out, guangong.ActivitySubcategories[c]...)
	}
	return out
}

func (s *server) planData(c *ctx, q progressQuery) (*planPageData, error) {
	o, orgs, err := s.progressOrg(c, q.Org)
	if err != nil {
		return nil, err
	}
	items, err := s.store.PlanItems(c.r.Context(), c.actor(), o.ID, q.Year)
	if err != nil {
		return nil, err
	}
	return &planPageData{Q: q, Org: o, Orgs: orgs, Items: items, Kinds: guangong.MeetingKinds,
		Categories: guangong.ActivityCategories, Subs: planSubcategories(), MonthLabels: monthLabels(c.lang),
		CanWrite: c.actor().Can(guangong.Role.CanWriteRecords)}, nil
}

func (s *server) planPage(c *ctx) error {
	q := readProgressQuery(c, c.r.URL.Query())
	d, err := s.planData(c, q)
	if err != nil {
		return err
	}
	if d.CanWrite {
		if err := s.loadPlanEvents(c, d, q.Year, 0, ""); err != nil {
			return err
		}
	}
	v := c.view(d.Org.Name+" · "+strconv.Itoa(q.Year)+" · "+tr(c.lang, "progress.plan"), d)
	v.Form = url.Values{"month": {strconv.Itoa(int(time.Now().In(guangong.Shanghai).Month()))}, "type": {guangong.EventActivity}}
	return c.render(http.StatusOK, "progress/plan", v)
}

var planFormFields = []string{"org", "year", "month", "type", "kind", "category", "subcategory", "title", "large", "eventId", "version"}

func (c *ctx) postedPlanItem() (*guangong.PlanItem, url.Values) {
	f := c.postedForm(planFormFields...)
	year, _ := strconv.Atoi(f.Get("year"))
	month, _ := strconv.Atoi(f.Get("month"))
	version, _ := strconv.Atoi(f.Get("version"))
	return &guangong.PlanItem{OrgID: f.Get("org"), Year: year, Month: month, Type: f.Get("type"), Kind: f.Get("kind"),
		Category: f.Get("category"), Subcategory: f.Get("subcategory"), Title: f.Get("title"),
		Large: f.Get("large") == "1", EventID: f.Get("eventId"), Version: version}, f
}

func (s *server) planCreate(c *ctx) error {
	if err := c.recordsRead(); err != nil {
		return err
	}
	if err := c.recordsWrite(); err != nil {
		return err
	}
	p, f := c.postedPlanItem()
	q := progressQuery{Org: p.OrgID, Year: p.Year}
	err := s.store.CreatePlanItem(c.r.Context(), c.actor(), p)
	if err == nil {
		return c.redirect(q.URL("/progress/plan", false) + "#plan-" + p.ID)
	}
	if q.Year < guangong.MinYear || q.Year > guangong.MaxYear {
		q.Year = thisYear()
	}
	d, derr := s.planData(c, q)
	if derr != nil {
		return derr
	}
	if derr := s.loadPlanEvents(c, d, q.Year, 0, p.EventID); derr != nil {
		return derr
	}
	v := c.view(d.Org.Name+" · "+tr(c.lang, "progress.plan"), d)
	v.Form = f
	status, ok := c.formError(v, err)
	if !ok {
		return err
	}
	return c.render(status, "progress/plan", v)
}

func planForm(p *guangong.PlanItem) url.Values {
	f := url.Values{"org": {p.OrgID}, "year": {strconv.Itoa(p.Year)}, "month": {strconv.Itoa(p.Month)}, "type": {p.Type},
		"kind": {p.Kind}, "category": {p.Category}, "subcategory": {p.Subcategory}, "title": {p.Title},
		"eventId": {p.EventID}, "version": {strconv.Itoa(p.Version)}}
	if p.Large {
		f.Set("large", "1")
	}
	return f
}

func (s *server) planItemForEdit(c *ctx) (*guangong.PlanItem, *planPageData, error) {
	if err := c.recordsRead(); err != nil {
		return nil, nil, err
	}
	p, err := s.store.FindPlanItem(c.r.Context(), c.actor(), c.r.PathValue("id"))
	if err != nil {
		return nil, nil, err
	}
	if err := c.recordsWrite(); err != nil {
		return nil, nil, err
	}
	o, err := s.store.FindOrgByID(c.r.Context(), c.actor(), p.OrgID)
	if err != nil {
		return nil, nil, err
	}
	return p, &planPageData{Q: progressQuery{Org: p.OrgID, Year: p.Year}, Org: o, Item: p, Kinds: guangong.MeetingKinds,
		Categories: guangong.ActivityCategories, Subs: planSubcategories(), MonthLabels: monthLabels(c.lang), CanWrite: true}, nil
}

func (s *server) planEditForm(c *ctx) error {
	p, d, err := s.planItemForEdit(c)
	if err != nil {
		return err
	}
	if err := s.loadPlanEvents(c, d, p.Year, p.Month, p.EventID); err != nil {
		return err
	}
	v := c.view(tr(c.lang, "progress.plan.edit"), d)
	v.Form = planForm(p)
	return c.render(http.StatusOK, "progress/planedit", v)
}

func (s *server) planUpdate(c *ctx) error {
	cur, d, err := s.planItemForEdit(c)
	if err != nil {
		return err
	}
	p, f := c.postedPlanItem()
	p.ID = cur.ID
	if err := s.store.UpdatePlanItem(c.r.Context(), c.actor(), p); err != nil {
		year, month := p.Year, p.Month
		if year < guangong.MinYear || year > guangong.MaxYear || month < 1 || month > 12 {
			year, month = cur.Year, cur.Month
		}
		if lerr := s.loadPlanEvents(c, d, year, month, p.EventID); lerr != nil {
			return lerr
		}
		v := c.view(tr(c.lang, "progress.plan.edit"), d)
		v.Form = f
		status, ok := c.formError(v, err)
		if !ok {
			return err
		}
		return c.render(status, "progress/planedit", v)
	}
	return c.redirect(progressQuery{Org: p.OrgID, Year: p.Year}.URL("/progress/plan", false) + "#plan-" + p.ID)
}

func (s *server) planDelete(c *ctx) error {
	cur, d, err := s.planItemForEdit(c)
	if err != nil {
		return err
	}
	version, _ := strconv.Atoi(c.r.PostFormValue("version"))
	// A delete is confirmed by ticking a box, not by a pop-up.
	err = nil
	if c.r.PostFormValue("confirm") != "1" {
		var v guangong.Validation
		v.Add("confirm", "请先勾选确认，再删除", "Tick the box to confirm, then delete")
		err = v.Err()
	} else {
		err = s.store.DeletePlanItem(c.r.Context(), c.actor(), cur.ID, version)
	}
	if err != nil {
		if lerr := s.loadPlanEvents(c, d, cur.Year, cur.Month, cur.EventID); lerr != nil {
			return lerr
		}
		v := c.view(tr(c.lang, "progress.plan.edit"), d)
		v.Form = planForm(cur)
		status, ok := c.formError(v, err)
		if !ok {
			return err
		}
		return c.render(status, "progress/planedit", v)
	}
	return c.redirect(d.Q.URL("/progress/plan", false))
}
