package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"guangong"
)

// The month calendar, quick entry from a phone, and the large rule a committee sets.

type calDay struct {
	Date    string
	Day     int
	Weekday string
	InMonth bool
	Today   bool
	Entries []calEntry
}

// calEntry is an event in a cell, with its start as the cell shows it, or on the days
// after its first, that it continues.
type calEntry struct {
	*guangong.CalendarEntry
	Time      string
	Continued bool
}

type calendarData struct {
	Org      *guangong.Org
	Orgs     []*guangong.Org
	Month    string // YYYY-MM
	Label    string // 2025年6月 / June 2025
	Prev     string
	Next     string
	Weeks    [][]calDay
	Count    int
	Truncate bool // the month holds more than the calendar shows
	CanWrite bool
	Weekdays []string
}

var weekdayKeys = []string{"event.cal.mon", "event.cal.tue", "event.cal.wed", "event.cal.thu", "event.cal.fri",
	"event.cal.sat", "event.cal.sun"}

func (s *server) eventCalendar(c *ctx) error {
	if err := c.recordsRead(); err != nil {
		return err
	}
	q := c.r.URL.Query()
	now := time.Now().In(guangong.Shanghai)
	first := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	if m, err := time.Parse("2006-01", q.Get("month")); err == nil && m.Year() >= 1900 && m.Year() <= 2999 {
		first = m
	}
	orgID := q.Get("org")
	if orgID == "" {
		orgID = c.user.OrgID
	}
	ctx, a := c.r.Context(), c.actor()
	org, err := s.store.FindOrgByID(ctx, a, orgID)
	if err != nil {
		return err
	}
	entries, err := s.store.EventCalendar(ctx, a, orgID, first.Format("2006-01"))
	if err != nil {
		return err
	}
	d := &calendarData{Org: org, Month: first.Format("2006-01"), Count: len(entries),
		Truncate: len(entries) >= guangong.MaxCalendarEntries, CanWrite: a.Can(guangong.Role.CanWriteRecords)}
	if d.Orgs, err = s.scopeOrgs(c, orgID); err != nil {
		return err
	}
	d.Label = strconv.Itoa(first.Year()) + "年" + strconv.Itoa(int(first.Month())) + "月"
	if c.lang == "en" {
		d.Label = first.Format("January 2006")
	}
	link := func(t time.Time) string {
		return "/events/calendar?" + url.Values{"org": {orgID}, "month": {t.Format("2006-01")}}.Encode()
	}
	d.Prev, d.Next = link(first.AddDate(0, -1, 0)), link(first.AddDate(0, 1, 0))
	// An event of several days shows on each: its start time on the first, "continued" after.
	byDay := map[string][]calEntry{}
	for _, e := range entries {
		for i, day := range e.Days() {
			ce := calEntry{e, e.StartsAt.In(guangong.Shanghai).Format("15:04"), i > 0}
			byDay[day] = append(byDay[day], ce)
		}
	}
	for _, k := range weekdayKeys {
		d.Weekdays = append(d.Weekdays, tr(c.lang, k))
	}
	// Weeks run Monday to Sunday, as Chinese calendars print them.
	day := first.AddDate(0, 0, -((int(first.Weekday()) + 6) % 7))
	today := now.Format(guangong.DateLayout)
	for day.Before(first.AddDate(0, 1, 0)) {
		var week []calDay
		for i := range 7 {
			k := day.Format(guangong.DateLayout)
			week = append(week, calDay{Date: k, Day: day.Day(), Weekday: d.Weekdays[i], InMonth: day.Month() == first.Month(),
				Today: k == today, Entries: byDay[k]})
			day = day.AddDate(0, 0, 1)
		}
		d.Weeks = append(d.Weeks, week)
	}
	v := c.view(org.Name+" "+d.Label, d)
	return c.render(http.StatusOK, "event/calendar", v)
}

type quickData struct {
	Orgs       []*guangong.Org
	Categories []string
	Subcats    []subcatGroup
	Scales     []string // a performance's, large or small
}

var quickFields = []string{"orgId", "category", "subcategory", "title", "date", "from", "to", "youthsServed",
	"othersCount", "outcome", "scale", "audience"}

func (s *server) renderQuick(c *ctx, f url.Values, status int, ferr error) error {
	orgs, err := s.scopeOrgs(c, f.Get("orgId"))
	if err != nil {
		return err
	}
	v := c.view(tr(c.lang, "event.quick"), &quickData{Orgs: orgs, Categories: guangong.ActivityCategories, Subcats: subcatGroups(),
		Scales: guangong.PerformanceScales})
	return c.renderForm(status, "event/quick", v, f, ferr)
}

func (s *server) eventQuickForm(c *ctx) error {
	if err := c.recordsWrite(); err != nil {
		return err
	}
	return s.renderQuick(c, url.Values{"orgId": {c.user.OrgID}, "date": {today()}, "from": {"09:00"}, "to": {"11:00"},
		"youthsServed": {"0"}, "othersCount": {"0"}}, http.StatusOK, nil)
}

// eventQuick records a held activity with its photos in one step, all or nothing.
func (s *server) eventQuick(c *ctx) error {
	if err := c.recordsWrite(); err != nil {
		return err
	}
	f := c.postedForm(quickFields...)
	var v guangong.Validation
	e := &guangong.Event{Type: guangong.EventActivity, OrgID: f.Get("orgId"), Category: f.Get("category"),
		Subcategory: f.Get("subcategory"), Title: strings.TrimSpace(f.Get("title")), Outcome: f.Get("outcome"),
		Scale: f.Get("scale"), Status: guangong.EventHeld}
	titleTyped := e.Title != ""
	if !titleTyped && e.Category != "" {
		e.Title = guangong.Label(e.Category).In(c.lang) // a title is optional here: the category names it
		if e.Subcategory != "" {
			e.Title = guangong.Label(e.Subcategory).In(c.lang)
		}
	}
	if f.Get("date") == "" {
		v.Add("date", "请选择日期", "Choose the date")
	} else {
		var ok1, ok2 bool
		e.StartsAt, ok1 = parseLocal(f.Get("date") + "T" + orDefault(f.Get("from"), "09:00"))
		e.EndsAt, ok2 = parseLocal(f.Get("date") + "T" + orDefault(f.Get("to"), "11:00"))
		if !ok1 || !ok2 {
			v.Add("date", "日期或时间格式有误", "The date or time is not valid")
		}
	}
	e.YouthsServed = formCount(&v, f, "youthsServed", "服务青少年人数", "Youths served")
	e.OthersCount = formCount(&v, f, "othersCount", "其他参加人数", "Other participants")
	if f.Get("audience") != "" {
		e.Audience = formCount(&v, f, "audience", "观众人数", "Audience")
	}
	files, err := c.uploads("photo")
	if err != nil {
		return err
	}
	// Every field is checked in one pass, so that a bad date hides none of the others; the
	// store checks again, and its word on committees comes back the same way.
	if v.Err() != nil {
		e.Normalize()
		quickErrors(&v, e.Validate(time.Now()), titleTyped)
		if len(files) > guangong.MaxAttachments {
			v.Add("file", "一次最多上传"+strconv.Itoa(guangong.MaxAttachments)+"个文件",
				"At most "+strconv.Itoa(guangong.MaxAttachments)+" files at once")
		}
		for _, u := range files {
			_, _, ferr := guangong.CheckAttachment(u.Name, u.Data)
			quickErrors(&v, ferr, titleTyped)
		}
		return s.renderQuick(c, f, 0, v.Err())
	}
	if err := s.store.CreateEventWithFiles(c.r.Context(), c.actor(), e, files); err != nil {
		err = asFieldError(err, "orgId", "组织不存在或不在您的管辖范围内", "The committee does not exist or lies outside your scope")
		if guangong.FieldErrors(err) != nil {
			quickErrors(&v, err, titleTyped)
			err = v.Err()
		}
		return s.renderQuick(c, f, 0, err)
	}
	return c.redirect("/events/" + url.PathEscape(e.ID) + "?saved=1")
}

// quickErrors puts an event's field errors beside the quick form's fields: the form has a
// date and two times rather than a start and an end, and a title only when one was typed
// (a blank one is named after the category). A problem with the date already said
// covers the start and end it could not give.
func quickErrors(v *guangong.Validation, err error, titleTyped bool) {
	_, dateBad := guangong.FieldErrors(v.Err())["date"]
	for k, m := range guangong.FieldErrors(err) {
		switch k {
		case "title":
			if !titleTyped {
				continue
			}
		case "startsAt", "endsAt":
			if dateBad {
				continue
			}
			if k == "startsAt" {
				k = "date"
			} else {
				k = "to"
			}
		}
		v.Add(k, m.Zh, m.En)
	}
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

type ruleData struct {
	Org    *guangong.Org
	Rule   *guangong.LargeRule
	Force  *guangong.RuleInForce
	CanSet bool
	Saved  int // events recomputed by the save just made, -1 when none was made
}

func canSetRule(r guangong.Role) bool { return r == guangong.RoleOrgAdmin }

func (s *server) renderRule(c *ctx, f url.Values, status int, saved int, ferr error) error {
	if err := c.recordsRead(); err != nil {
		return err
	}
	ctx, a := c.r.Context(), c.actor()
	org, err := s.store.FindOrgByID(ctx, a, c.r.PathValue("id"))
	if err != nil {
		return err
	}
	d := &ruleData{Org: org, CanSet: a.Can(canSetRule), Saved: saved}
	if d.Rule, err = s.store.LargeRule(ctx, a, org.ID); err != nil {
		return err
	}
	if d.Force, err = s.store.RuleInForce(ctx, a, org.ID); err != nil {
		return err
	}
	v := c.view(tr(c.lang, "event.rule"), d)
	if f == nil {
		f = url.Values{"meetingMin": {strconv.Itoa(d.Rule.MeetingMin)}, "activityMin": {strconv.Itoa(d.Rule.ActivityMin)},
			"version": {strconv.Itoa(d.Rule.Version)}}
	}
	return c.renderForm(status, "event/rule", v, f, ferr)
}

func (s *server) ruleForm(c *ctx) error {
	saved := -1
	if n, err := strconv.Atoi(c.r.URL.Query().Get("recomputed")); err == nil {
		saved = n
	}
	return s.renderRule(c, nil, http.StatusOK, saved, nil)
}

func (s *server) ruleSave(c *ctx) error {
	if err := c.recordsRead(); err != nil {
		return err
	}
	if !c.actor().Can(canSetRule) {
		return guangong.Forbidden()
	}
	f := c.postedForm("meetingMin", "activityMin", "version")
	var v guangong.Validation
	r := &guangong.LargeRule{OrgID: c.r.PathValue("id")}
	r.MeetingMin = formCount(&v, f, "meetingMin", "大型会议人数", "Meeting threshold")
	r.ActivityMin = formCount(&v, f, "activityMin", "大型活动人数", "Activity threshold")
	r.Version, _ = strconv.Atoi(f.Get("version"))
	err := v.Err()
	if err == nil {
		err = s.store.SetLargeRule(c.r.Context(), c.actor(), r)
	}
	if err != nil {
		return s.renderRule(c, f, 0, -1, err)
	}
	return c.redirect("/orgs/" + url.PathEscape(r.OrgID) + "/large-rule?recomputed=" + strconv.Itoa(r.Recomputed))
}
