package web

import (
	"bytes"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"guangong"
	"guangong/xlsx"
)

// Volunteer service hours: the organiser's list with confirmation, recording one record or
// an event's (or shift's) participants in one form, corrections and voids that leave a
// trace, certificates, the export for the national system, and the volunteer page's section.

// serviceRead admits readers of records and volunteers' own accounts; the store shows a
// volunteer only their own records.
func (c *ctx) serviceRead() error {
	if c.user != nil && c.user.Role == guangong.RoleVolunteer {
		return nil
	}
	return c.recordsRead()
}

// hoursMine is a volunteer account's own service record: hours by year, records,
// activities, shifts and certificates.
func (s *server) hoursMine(c *ctx) error {
	if c.user == nil || c.user.Role != guangong.RoleVolunteer || c.user.VolunteerID == "" {
		return guangong.Forbidden()
	}
	section, err := s.volunteerService(c, &guangong.Volunteer{ID: c.user.VolunteerID, Name: c.user.DisplayName})
	if err != nil {
		return err
	}
	return c.render(http.StatusOK, "hours/mine", c.view(tr(c.lang, "hours.mine"), section))
}

// hoursQuery is a list's filters as the person chose them.
type hoursQuery struct {
	Org, Status, From, To, Event, Shift string
}

func readHoursQuery(q url.Values) hoursQuery {
	g := func(k string) string { return strings.TrimSpace(q.Get(k)) }
	return hoursQuery{Org: g("org"), Status: g("status"), From: g("from"), To: g("to"), Event: g("event"), Shift: g("shift")}
}

func (h hoursQuery) filter(page, size int) guangong.HoursFilter {
	opt := func(v string) *string {
		if v == "" {
			return nil
		}
		return &v
	}
	return guangong.HoursFilter{OrgID: opt(h.Org), Status: opt(h.Status), From: opt(h.From), To: opt(h.To),
		EventID: opt(h.Event), ShiftID: opt(h.Shift), Page: guangong.Page{Offset: (page - 1) * size, Limit: size}}
}

// Values are the filters as a query string.
func (h hoursQuery) Values() url.Values {
	v := url.Values{}
	for k, x := range map[string]string{"org": h.Org, "status": h.Status, "from": h.From, "to": h.To, "event": h.Event, "shift": h.Shift} {
		if x != "" {
			v.Set(k, x)
		}
	}
	return v
}

type hoursListData struct {
	Items    []*guangong.ServiceHours
	Pager    pager
	Query    hoursQuery
	Orgs     []*guangong.Org
	Statuses []string
	Back     string // this list's address, for the confirm form to return to
	CanWrite bool
	CanFull  bool
}

func (s *server) hoursList(c *ctx) error {
	var v *view
	if err := s.hoursListInto(c, c.r.URL.Query(), &v); err != nil {
		return err
	}
	return c.render(http.StatusOK, "hours/list", v)
}

func (s *server) hoursListInto(c *ctx, query url.Values, out **view) error {
	if err := c.recordsRead(); err != nil {
		return err
	}
	q := readHoursQuery(query)
	page := pageOf(c.r)
	list, total, err := s.store.FindHours(c.r.Context(), c.actor(), q.filter(page, pageSize))
	if err != nil {
		return err
	}
	orgs, err := s.scopeOrgs(c, q.Org)
	if err != nil {
		return err
	}
	a := c.actor()
	d := &hoursListData{Items: list, Pager: newPager(c.r, page, total), Query: q, Orgs: orgs,
		Statuses: guangong.HoursStatuses, Back: "/hours?" + q.Values().Encode(),
		CanWrite: a.Can(guangong.Role.CanWriteRecords), CanFull: a.Can(guangong.CanRevealHours)}
	*out = c.view(tr(c.lang, "hours.title"), d)
	return nil
}

// safeBack keeps a form's return address on this site's hours list.
func safeBack(back, fallback string) string {
	if strings.HasPrefix(back, "/hours") && !strings.HasPrefix(back, "//") {
		return back
	}
	return fallback
}

func (s *server) hoursConfirm(c *ctx) error {
	if err := c.recordsRead(); err != nil {
		return err
	}
	if err := c.recordsWrite(); err != nil {
		return err
	}
	if err := c.r.ParseForm(); err != nil {
		return guangong.Errorf(guangong.EINVALID, "表单无效", "Invalid form")
	}
	back := safeBack(c.r.PostFormValue("back"), "/hours")
	var refs []guangong.VersionRef
	for _, r := range c.r.PostForm["ref"] {
		id, ver, _ := strings.Cut(r, ":")
		n, _ := strconv.Atoi(ver)
		refs = append(refs, guangong.VersionRef{ID: id, Version: n})
	}
	err := s.store.ConfirmHours(c.r.Context(), c.actor(), refs)
	if err == nil {
		return c.redirect(back)
	}
	code := guangong.ErrorCode(err)
	if code != guangong.EINVALID && code != guangong.ECONFLICT {
		return err
	}
	u, _ := url.Parse(back)
	var v *view
	if lerr := s.hoursListInto(c, u.Query(), &v); lerr != nil {
		return lerr
	}
	status, _ := c.formError(v, err)
	if m, ok := v.Errors["ids"]; ok {
		v.Message = m
	}
	return c.render(status, "hours/list", v)
}

// hoursFormData is the recording form: one volunteer's record, or an event's or shift's sheet.
type hoursFormData struct {
	Volunteer *guangong.Volunteer // a single record
	Sheet     *guangong.HoursSheet
	Orgs      []*guangong.Org
}

func (s *server) hoursNewForm(c *ctx) error {
	if err := c.recordsRead(); err != nil {
		return err
	}
	if err := c.recordsWrite(); err != nil {
		return err
	}
	q := c.r.URL.Query()
	d, err := s.hoursFormData(c, q.Get("volunteer"), q.Get("event"), q.Get("shift"))
	if err != nil {
		return err
	}
	v := c.view(tr(c.lang, "hours.new"), d)
	v.Form = url.Values{"servedOn": {today()}, "orgId": {c.user.OrgID}}
	if sh := d.Sheet; sh != nil {
		day := sh.FirstDay
		if day > today() {
			day = today()
		}
		v.Form = url.Values{"servedOn": {day}, "place": {sh.Place}, "content": {sh.Title}}
		for _, p := range sh.People {
			if p.Recorded == 0 {
				v.Form.Set("m."+p.VolunteerID, strconv.Itoa(p.Suggested))
			}
		}
	}
	return c.render(http.StatusOK, "hours/new", v)
}

func (s *server) hoursFormData(c *ctx, volunteerID, eventID, shiftID string) (*hoursFormData, error) {
	ctx, a := c.r.Context(), c.actor()
	d := &hoursFormData{}
	var err error
	switch {
	case eventID != "" || shiftID != "":
		if eventID != "" {
			shiftID = ""
		}
		d.Sheet, err = s.store.HoursSheet(ctx, a, eventID, shiftID)
	case volunteerID != "":
		if d.Volunteer, err = s.store.FindVolunteerByID(ctx, a, volunteerID); err == nil {
			d.Orgs, err = s.scopeOrgs(c, c.user.OrgID)
		}
	default:
		return nil, guangong.Errorf(guangong.EINVALID, "请从志愿者页面或活动页面记录服务时长",
			"Record hours from a volunteer's page or an activity's page")
	}
	return d, err
}

func (s *server) hoursCreate(c *ctx) error {
	if err := c.recordsRead(); err != nil {
		return err
	}
	if err := c.recordsWrite(); err != nil {
		return err
	}
	f := c.postedForm("volunteerId", "eventId", "shiftId", "orgId", "servedOn", "minutes", "place", "content")
	d, err := s.hoursFormData(c, f.Get("volunteerId"), f.Get("eventId"), f.Get("shiftId"))
	if err != nil {
		return err
	}
	ctx, a := c.r.Context(), c.actor()
	if d.Sheet != nil {
		b := &guangong.HoursBatch{EventID: d.Sheet.EventID, ShiftID: d.Sheet.ShiftID, OrgID: d.Sheet.OrgID,
			ServedOn: f.Get("servedOn"), Place: f.Get("place"), Content: f.Get("content")}
		var order []string
		for _, p := range d.Sheet.People {
			raw := strings.TrimSpace(c.r.PostFormValue("m." + p.VolunteerID))
			f.Set("m."+p.VolunteerID, raw)
			if raw == "" {
				continue
			}
			m, err := strconv.Atoi(raw)
			if err != nil {
				m = -1 // reported beside the field as not more than 0
			}
			b.Entries = append(b.Entries, guangong.HoursEntry{VolunteerID: p.VolunteerID, Minutes: m})
			order = append(order, p.VolunteerID)
		}
		_, err := s.store.RecordHoursBatch(ctx, a, b)
		if err == nil {
			if b.EventID != "" {
				return c.redirect("/hours?event=" + url.QueryEscape(b.EventID))
			}
			return c.redirect("/hours?shift=" + url.QueryEscape(b.ShiftID))
		}
		return s.hoursFormError(c, d, f, err, func(v *view) {
			// "entries.N.minutes" belongs beside the N-th filled-in person.
			for k, m := range v.Errors {
				parts := strings.Split(k, ".")
				if len(parts) == 3 && parts[0] == "entries" {
					if n, e := strconv.Atoi(parts[1]); e == nil && n < len(order) {
						v.Errors["m."+order[n]] = m
					}
				}
			}
		})
	}
	m, err := strconv.Atoi(f.Get("minutes"))
	if err != nil && f.Get("minutes") != "" {
		m = -1
	}
	h := &guangong.ServiceHours{VolunteerID: d.Volunteer.ID, OrgID: f.Get("orgId"), ServedOn: f.Get("servedOn"),
		Minutes: m, Place: f.Get("place"), Content: f.Get("content")}
	if err := s.store.RecordHours(ctx, a, h); err != nil {
		err = asFieldError(err, "orgId", "组织不存在或不在您的管辖范围内", "The committee does not exist or is outside your scope")
		return s.hoursFormError(c, d, f, err, nil)
	}
	return c.redirect("/volunteers/" + url.PathEscape(d.Volunteer.ID) + "#service-hours")
}

func (s *server) hoursFormError(c *ctx, d *hoursFormData, f url.Values, err error, more func(*view)) error {
	v := c.view(tr(c.lang, "hours.new"), d)
	v.Form = f
	status, ok := c.formError(v, err)
	if !ok {
		return err
	}
	if more != nil {
		more(v)
	}
	return c.render(status, "hours/new", v)
}

type hoursPageData struct {
	Record   *guangong.ServiceHours
	Trace    []*guangong.ServiceHours
	CanWrite bool
	Live     bool // may still be corrected or voided
}

func (s *server) hoursPage(c *ctx) error {
	return s.renderHoursPage(c, http.StatusOK, nil, nil, "")
}

// renderHoursPage shows a record with its trace; ferr is the correct or void form's error.
func (s *server) renderHoursPage(c *ctx, status int, f url.Values, ferr error, form string) error {
	if err := c.serviceRead(); err != nil {
		return err
	}
	ctx, a := c.r.Context(), c.actor()
	id := c.r.PathValue("id")
	h, err := s.store.FindHoursByID(ctx, a, id)
	if err != nil {
		return err
	}
	trace, err := s.store.HoursTrace(ctx, a, id)
	if err != nil {
		return err
	}
	d := &hoursPageData{Record: h, Trace: trace, CanWrite: a.Can(guangong.Role.CanWriteRecords),
		Live: h.Status == guangong.HoursRecorded || h.Status == guangong.HoursConfirmed}
	v := c.view(tr(c.lang, "hours.record"), d)
	v.Form = f
	if v.Form == nil {
		v.Form = url.Values{"servedOn": {h.ServedOn}, "minutes": {strconv.Itoa(h.Minutes)}, "place": {h.Place},
			"content": {h.Content}, "version": {strconv.Itoa(h.Version)}}
	}
	if ferr != nil {
		st, ok := c.formError(v, ferr)
		if !ok {
			return ferr
		}
		status = st
		if form == "void" {
			// The void form has its own reason field.
			if m, ok := v.Errors["reason"]; ok {
				v.Errors["voidReason"] = m
				delete(v.Errors, "reason")
			}
		}
	}
	return c.render(status, "hours/record", v)
}

func (s *server) hoursCorrect(c *ctx) error {
	if err := c.recordsRead(); err != nil {
		return err
	}
	if err := c.recordsWrite(); err != nil {
		return err
	}
	f := c.postedForm("servedOn", "minutes", "place", "content", "reason", "version")
	ver, _ := strconv.Atoi(f.Get("version"))
	m, err := strconv.Atoi(f.Get("minutes"))
	if err != nil {
		m = -1
	}
	nh, err := s.store.CorrectHours(c.r.Context(), c.actor(), c.r.PathValue("id"), guangong.HoursCorrection{
		Version: ver, ServedOn: f.Get("servedOn"), Minutes: m, Place: f.Get("place"), Content: f.Get("content"), Reason: f.Get("reason")})
	if err != nil {
		return s.renderHoursPage(c, 0, f, err, "correct")
	}
	return c.redirect("/hours/" + url.PathEscape(nh.ID))
}

func (s *server) hoursVoid(c *ctx) error {
	if err := c.recordsRead(); err != nil {
		return err
	}
	if err := c.recordsWrite(); err != nil {
		return err
	}
	f := c.postedForm("voidReason", "version")
	ver, _ := strconv.Atoi(f.Get("version"))
	id := c.r.PathValue("id")
	if err := s.store.VoidHours(c.r.Context(), c.actor(), id, ver, f.Get("voidReason")); err != nil {
		return s.renderHoursPage(c, 0, f, err, "void")
	}
	return c.redirect("/hours/" + url.PathEscape(id))
}

// hoursExport sends the file for the national system: masked from the list's links, in
// full from the form (committee administrators, with a reason). The store audits it.
func (s *server) hoursExport(format string, full bool) handlerFunc {
	return func(c *ctx) error {
		if err := c.recordsRead(); err != nil {
			return err
		}
		// A full export by a role that may not is refused (and audited) by the store.
		values := c.r.URL.Query()
		e := guangong.HoursExport{Format: format}
		if full {
			if err := c.r.ParseForm(); err != nil {
				return guangong.Errorf(guangong.EINVALID, "表单无效", "Invalid form")
			}
			values = c.r.PostForm
			e.Reveal, e.Reason = true, strings.TrimSpace(c.r.PostFormValue("reason"))
			if e.Format = c.r.PostFormValue("format"); e.Format != "csv" {
				e.Format = "xlsx"
			}
		}
		q := readHoursQuery(values)
		e.Filter = q.filter(1, 0)
		e.Filter.Page = guangong.Page{}
		rows, err := s.store.ExportHours(c.r.Context(), c.actor(), e)
		if err != nil {
			if full && guangong.ErrorCode(err) == guangong.EINVALID {
				var v *view
				if lerr := s.hoursListInto(c, q.Values(), &v); lerr != nil {
					return lerr
				}
				status, _ := c.formError(v, err)
				v.Form = url.Values{"reason": {e.Reason}}
				return c.render(status, "hours/list", v)
			}
			return err
		}
		var buf bytes.Buffer
		ctype := "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
		if e.Format == "csv" {
			ctype = "text/csv; charset=utf-8"
			err = xlsx.ExportHoursCSV(&buf, rows)
		} else {
			err = xlsx.ExportHours(&buf, rows)
		}
		if err != nil {
			return guangong.Internal(err)
		}
		name := tr(c.lang, "hours.fileName") + "-" + today() + "." + e.Format
		h := c.w.Header()
		h.Set("Content-Type", ctype)
		h.Set("Content-Disposition", "attachment; filename=\"hours."+e.Format+"\"; filename*=UTF-8''"+url.PathEscape(name))
		h.Set("Content-Length", strconv.Itoa(buf.Len()))
		h.Set("Cache-Control", "no-store")
		c.w.WriteHeader(http.StatusOK)
		_, _ = c.w.Write(buf.Bytes())
		return nil
	}
}

type certificateFormData struct {
	Volunteer *guangong.Volunteer
	Orgs      []*guangong.Org
}

func (s *server) certificateNewForm(c *ctx) error {
	p, err := s.findVolunteer(c)
	if err != nil {
		return err
	}
	if err := c.recordsWrite(); err != nil {
		return err
	}
	orgs, err := s.scopeOrgs(c, c.user.OrgID)
	if err != nil {
		return err
	}
	v := c.view(tr(c.lang, "hours.cert.new"), &certificateFormData{Volunteer: p, Orgs: orgs})
	year := today()[:4]
	v.Form = url.Values{"orgId": {c.user.OrgID}, "from": {year + "-01-01"}, "to": {today()}}
	return c.render(http.StatusOK, "hours/certnew", v)
}

func (s *server) certificateIssue(c *ctx) error {
	p, err := s.findVolunteer(c)
	if err != nil {
		return err
	}
	if err := c.recordsWrite(); err != nil {
		return err
	}
	f := c.postedForm("orgId", "from", "to", "content")
	cert := &guangong.Certificate{VolunteerID: p.ID, OrgID: f.Get("orgId"), From: f.Get("from"), To: f.Get("to"), Content: f.Get("content")}
	if err := s.store.IssueCertificate(c.r.Context(), c.actor(), cert); err != nil {
		err = asFieldError(err, "orgId", "组织不存在或不在您的管辖范围内", "The committee does not exist or is outside your scope")
		orgs, oerr := s.scopeOrgs(c, f.Get("orgId"))
		if oerr != nil {
			return oerr
		}
		v := c.view(tr(c.lang, "hours.cert.new"), &certificateFormData{Volunteer: p, Orgs: orgs})
		v.Form = f
		status, ok := c.formError(v, err)
		if !ok {
			return err
		}
		return c.render(status, "hours/certnew", v)
	}
	return c.redirect("/certificates/" + url.PathEscape(cert.ID))
}

func (s *server) certificatePage(c *ctx) error {
	if err := c.serviceRead(); err != nil {
		return err
	}
	cert, err := s.store.FindCertificate(c.r.Context(), c.actor(), c.r.PathValue("id"))
	if err != nil {
		return err
	}
	return c.render(http.StatusOK, "hours/certificate", c.view(tr(c.lang, "hours.cert.title"), cert))
}

// sectionSize is the length of each list in a volunteer page's service section.
const sectionSize = 20

type serviceSection struct {
	Volunteer        *guangong.Volunteer
	Years            []guangong.YearHours
	Hours            []*guangong.ServiceHours
	HoursPager       pager
	Events           []*guangong.VolunteerEvent
	EventsPager      pager
	Shifts           []*guangong.VolunteerShift
	ShiftsPager      pager
	Certificates     []*guangong.Certificate
	CanWrite         bool
	ConfirmedMinutes int
}

// sectionPager pages one list of the section by its own parameter, back to its heading.
func sectionPager(r *http.Request, param, anchor string, total int) (pager, int) {
	page, _ := strconv.Atoi(r.URL.Query().Get(param))
	if page < 1 {
		page = 1
	}
	p := pager{Page: page, Total: total, Pages: (total + sectionSize - 1) / sectionSize}
	link := func(n int) string {
		q := r.URL.Query()
		q.Set(param, strconv.Itoa(n))
		return r.URL.Path + "?" + q.Encode() + "#" + anchor
	}
	if page > 1 {
		p.Prev = link(page - 1)
	}
	if page < p.Pages {
		p.Next = link(page + 1)
	}
	return p, (page - 1) * sectionSize
}

// volunteerService renders the volunteer page's section of activities, shifts, hours with
// yearly totals, and certificates: a fixed number of queries, each list paged on its own.
func (s *server) volunteerService(c *ctx, p *guangong.Volunteer) (template.HTML, error) {
	ctx, a, r := c.r.Context(), c.actor(), c.r
	d := &serviceSection{Volunteer: p, CanWrite: a.Can(guangong.Role.CanWriteRecords)}
	var err error
	if d.Years, err = s.store.YearlyHours(ctx, a, p.ID); err != nil {
		return "", err
	}
	for _, y := range d.Years {
		d.ConfirmedMinutes += y.Confirmed
	}
	// Each pager is made twice: first for its offset, then with the total.
	_, off := sectionPager(r, "hpage", "service-hours", 0)
	f := guangong.HoursFilter{VolunteerID: &p.ID, Page: guangong.Page{Offset: off, Limit: sectionSize}}
	var total int
	if d.Hours, total, err = s.store.FindHours(ctx, a, f); err != nil {
		return "", err
	}
	d.HoursPager, _ = sectionPager(r, "hpage", "service-hours", total)
	_, off = sectionPager(r, "apage", "service-events", 0)
	if d.Events, total, err = s.store.VolunteerEvents(ctx, a, p.ID, guangong.Page{Offset: off, Limit: sectionSize}); err != nil {
		return "", err
	}
	d.EventsPager, _ = sectionPager(r, "apage", "service-events", total)
	_, off = sectionPager(r, "spage", "service-shifts", 0)
	if d.Shifts, total, err = s.store.VolunteerShifts(ctx, a, p.ID, guangong.Page{Offset: off, Limit: sectionSize}); err != nil {
		return "", err
	}
	d.ShiftsPager, _ = sectionPager(r, "spage", "service-shifts", total)
	if d.Certificates, err = s.store.Certificates(ctx, a, p.ID); err != nil {
		return "", err
	}
	buf, err := s.execute(c.lang, "hours/section", "section", c.view("", d))
	if err != nil {
		return "", err
	}
	return template.HTML(buf.String()), nil // rendered by html/template: already escaped
}
