package web

import (
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"guangong"
)

// Meetings and activities: the list, the record's page, its form, attachments.

// eventQuery is a list's filters as the person chose them, kept for the pager.
type eventQuery struct {
	Org, Type, Kind, Category, Status, From, To, Volunteer, Large string
}

func readEventQuery(q url.Values) eventQuery {
	g := func(k string) string { return strings.TrimSpace(q.Get(k)) }
	return eventQuery{Org: g("org"), Type: g("type"), Kind: g("kind"), Category: g("category"), Status: g("status"),
		From: g("from"), To: g("to"), Volunteer: g("volunteer"), Large: g("large")}
}

func (q eventQuery) filter(page, size int) guangong.EventFilter {
	opt := func(v string) *string {
		if v == "" {
			return nil
		}
		return &v
	}
	f := guangong.EventFilter{OrgID: opt(q.Org), Type: opt(q.Type), Kind: opt(q.Kind), Category: opt(q.Category),
		Status: opt(q.Status), From: opt(q.From), To: opt(q.To), VolunteerID: opt(q.Volunteer),
		Page: guangong.Page{Offset: (page - 1) * size, Limit: size}}
	if q.Large == "1" || q.Large == "0" {
		b := q.Large == "1"
		f.Large = &b
	}
	return f
}

type eventListData struct {
	Items      []*guangong.Event
	Pager      pager
	Query      eventQuery
	Orgs       []*guangong.Org
	Types      []string
	Kinds      []string
	Categories []string
	Statuses   []string
	Volunteer  *guangong.Volunteer // the volunteer filtered by, if any
	CanWrite   bool
	Deleted    bool // arrived from deleting a record
}

func (s *server) eventList(c *ctx) error {
	if err := c.recordsRead(); err != nil {
		return err
	}
	q := readEventQuery(c.r.URL.Query())
	page := pageOf(c.r)
	d := &eventListData{Query: q, Deleted: c.r.URL.Query().Get("deleted") == "1", Types: guangong.EventTypes, Kinds: guangong.MeetingKinds,
		Categories: guangong.ActivityCategories, Statuses: guangong.EventStatuses,
		CanWrite: c.actor().Can(guangong.Role.CanWriteRecords)}
	v := c.view(tr(c.lang, "event.list"), d)
	status := http.StatusOK
	list, total, err := s.store.FindEvents(c.r.Context(), c.actor(), q.filter(page, pageSize))
	if st, ok := c.formError(v, err); ok {
		status, list = st, []*guangong.Event{} // a hand-typed bad date or code: the form says which
	} else if err != nil {
		return err
	}
	d.Items, d.Pager = list, newPager(c.r, page, total)
	if d.Orgs, err = s.scopeOrgs(c, q.Org); err != nil {
		return err
	}
	if q.Volunteer != "" {
		if p, err := s.store.FindVolunteerByID(c.r.Context(), c.actor(), q.Volunteer); err == nil {
			d.Volunteer = p
		}
	}
	if isHTMX(c.r) && c.r.Header.Get("HX-Target") == "event-results" {
		return c.fragment(status, "event/list", "results", v)
	}
	return c.render(status, "event/list", v)
}

// findEvent loads the event named in the path; out of scope is 404 as missing.
func (s *server) findEvent(c *ctx) (*guangong.Event, error) {
	if err := c.recordsRead(); err != nil {
		return nil, err
	}
	return s.store.FindEventByID(c.r.Context(), c.actor(), c.r.PathValue("id"))
}

type eventPageData struct {
	Event    *guangong.Event
	Files    []attachmentView
	Rule     *guangong.RuleInForce
	CanWrite bool
	Saved    bool
}

func (s *server) eventPage(c *ctx) error {
	e, err := s.findEvent(c)
	if err != nil {
		return err
	}
	return s.renderEventPage(c, e, http.StatusOK, nil)
}

func (s *server) renderEventPage(c *ctx, e *guangong.Event, status int, ferr error) error {
	a := c.actor()
	d := &eventPageData{Event: e, Saved: c.r.URL.Query().Get("saved") == "1"}
	for _, t := range e.Attachments {
		d.Files = append(d.Files, attachmentView{t, (t.Size + 1023) / 1024})
	}
	if ok, _ := s.store.InScope(c.r.Context(), a, e.OrgID); ok {
		d.CanWrite = a.Can(guangong.Role.CanWriteRecords)
		var err error
		if d.Rule, err = s.store.RuleInForce(c.r.Context(), a, e.OrgID); err != nil {
			return err
		}
	}
	v := c.view(e.Title, d)
	return c.renderForm(status, "event/page", v, nil, ferr)
}

// attachmentView is an attachment with its size as people read it.
type attachmentView struct {
	*guangong.Attachment
	KB int
}

// eventFormData is what the create and edit form offers.
type eventFormData struct {
	Event      *guangong.Event // nil when creating
	Type       string
	Orgs       []*guangong.Org
	Kinds      []string
	Categories []string
	Subcats    []subcatGroup
	Statuses   []string
	Scales     []string
	Troupes    []*guangong.Troupe
	// The people the form links (see eventPicks); youths are searched for by name only
	// with 未成年人信息 access.
	ChosenVolunteers, ChosenYouths []pick
	SearchYouths                   bool
}

type subcatGroup struct {
	Category string
	Subs     []string
}

func subcatGroups() []subcatGroup {
	var g []subcatGroup
	for _, c := range guangong.ActivityCategories {
		if subs := guangong.ActivitySubcategories[c]; len(subs) > 0 {
			g = append(g, subcatGroup{c, subs})
		}
	}
	return g
}

// eventFormData gathers the pickers: committees and troupes in scope (a first page of
// each); people are searched for as they are typed (event_picker.go).
func (s *server) eventFormData(c *ctx, e *guangong.Event, typ, orgID string) (*eventFormData, error) {
	ctx, a := c.r.Context(), c.actor()
	d := &eventFormData{Event: e, Type: typ, Kinds: guangong.MeetingKinds, Categories: guangong.ActivityCategories,
		Subcats: subcatGroups(), Statuses: guangong.EventStatuses, Scales: guangong.PerformanceScales}
	var err error
	if d.Orgs, err = s.scopeOrgs(c, orgID); err != nil {
		return nil, err
	}
	page := guangong.Page{Limit: guangong.MaxPageSize}
	if typ == guangong.EventActivity {
		if d.Troupes, _, _, err = s.store.FindTroupes(ctx, a, guangong.TroupeFilter{Page: page}); err != nil {
			return nil, err
		}
	}
	return d, nil
}

// localLayout is how <input type="datetime-local"> sends a time (Asia/Shanghai).
const localLayout = "2006-01-02T15:04"

func eventForm(e *guangong.Event) url.Values {
	f := url.Values{
		"type": {e.Type}, "orgId": {e.OrgID}, "coOrgIds": e.CoOrgIDs, "kind": {e.Kind}, "category": {e.Category},
		"subcategory": {e.Subcategory}, "title": {e.Title}, "startsAt": {e.StartsAt.In(guangong.Shanghai).Format(localLayout)},
		"endsAt": {e.EndsAt.In(guangong.Shanghai).Format(localLayout)}, "place": {e.Place}, "host": {e.Host},
		"agenda": {e.Agenda}, "minutes": {e.Minutes}, "decisions": {e.Decisions}, "outcome": {e.Outcome},
		"status": {e.Status}, "scale": {e.Scale}, "troupeId": {e.TroupeID}, "volunteerIds": e.VolunteerIDs,
		"youthIds": e.YouthIDs, "youthsServed": {strconv.Itoa(e.YouthsServed)}, "othersCount": {strconv.Itoa(e.OthersCount)},
		"audience": {strconv.Itoa(e.Audience)}, "version": {strconv.Itoa(e.Version)},
	}
	return f
}

var eventFields = []string{"type", "orgId", "kind", "category", "subcategory", "title", "startsAt", "endsAt",
	"place", "host", "agenda", "minutes", "decisions", "outcome", "status", "scale", "troupeId", "youthsServed",
	"othersCount", "audience", "version"}

// parseLocal reads a datetime-local value (or a date alone, as the start of that day).
func parseLocal(s string) (time.Time, bool) {
	for _, layout := range []string{localLayout, "2006-01-02T15:04:05", guangong.DateLayout} {
		if t, err := time.ParseInLocation(layout, s, guangong.Shanghai); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// formCount reads a whole number typed in a field, noting a problem in v.
func formCount(v *guangong.Validation, f url.Values, field, zh, en string) int {
	s := f.Get(field)
	if s == "" {
		return 0
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		v.Add(field, zh+"应为整数", en+" must be a whole number")
	}
	return n
}

// postedEvent reads the form into an event, with problems the store cannot see (a number
// or a time that does not parse).
func (c *ctx) postedEvent() (*guangong.Event, url.Values, error) {
	f := c.postedForm(eventFields...)
	for _, k := range []string{"coOrgIds", "volunteerIds", "youthIds"} {
		f[k] = c.r.PostForm[k]
	}
	var v guangong.Validation
	version, _ := strconv.Atoi(f.Get("version"))
	e := &guangong.Event{Type: f.Get("type"), OrgID: f.Get("orgId"), CoOrgIDs: append([]string{}, f["coOrgIds"]...),
		Kind: f.Get("kind"), Category: f.Get("category"), Subcategory: f.Get("subcategory"), Title: f.Get("title"),
		Place: f.Get("place"), Host: f.Get("host"), Agenda: f.Get("agenda"), Minutes: f.Get("minutes"),
		Decisions: f.Get("decisions"), Outcome: f.Get("outcome"), Status: f.Get("status"), Scale: f.Get("scale"),
		TroupeID: f.Get("troupeId"), VolunteerIDs: append([]string{}, f["volunteerIds"]...),
		YouthIDs: append([]string{}, f["youthIds"]...), Version: version}
	for _, t := range []struct {
		field string
		dst   *time.Time
	}{{"startsAt", &e.StartsAt}, {"endsAt", &e.EndsAt}} {
		if s := f.Get(t.field); s != "" {
			if tm, ok := parseLocal(s); ok {
				*t.dst = tm
			} else {
				v.Add(t.field, "时间格式应为 年-月-日 时:分", "Enter a date and time like 2025-06-01 09:00")
			}
		}
	}
	e.YouthsServed = formCount(&v, f, "youthsServed", "服务青少年人数", "Youths served")
	e.OthersCount = formCount(&v, f, "othersCount", "其他参加人数", "Other participants")
	e.Audience = formCount(&v, f, "audience", "观众人数", "Audience")
	return e, f, v.Err()
}

func eventType(s string) string {
	if s == guangong.EventMeeting {
		return s
	}
	return guangong.EventActivity
}

func (s *server) eventNewForm(c *ctx) error {
	if err := c.recordsWrite(); err != nil {
		return err
	}
	typ := eventType(c.r.URL.Query().Get("type"))
	org := c.r.URL.Query().Get("org")
	if org == "" {
		org = c.user.OrgID
	}
	d, err := s.eventFormData(c, nil, typ, org)
	if err != nil {
		return err
	}
	v := c.view(tr(c.lang, "event.new."+typ), d)
	start := time.Now().In(guangong.Shanghai).Truncate(time.Hour)
	v.Form = url.Values{"type": {typ}, "orgId": {org}, "status": {guangong.EventPlanned},
		"startsAt": {start.Format(localLayout)}, "endsAt": {start.Add(2 * time.Hour).Format(localLayout)},
		"youthsServed": {"0"}, "othersCount": {"0"}, "audience": {"0"}}
	s.eventPicks(c, d, nil, v.Form)
	return c.render(http.StatusOK, "event/form", v)
}

func (s *server) eventCreate(c *ctx) error {
	if err := c.recordsWrite(); err != nil {
		return err
	}
	e, f, perr := c.postedEvent()
	err := perr
	if err == nil {
		err = s.store.CreateEvent(c.r.Context(), c.actor(), e)
		if err == nil {
			return c.redirect("/events/" + url.PathEscape(e.ID))
		}
	}
	return s.eventFormError(c, nil, f, err)
}

func (s *server) eventFormError(c *ctx, cur *guangong.Event, f url.Values, err error) error {
	err = asFieldError(err, "orgId", "主办组织不存在或不在您的管辖范围内", "The host committee does not exist or lies outside your scope")
	typ := eventType(f.Get("type"))
	d, derr := s.eventFormData(c, cur, typ, f.Get("orgId"))
	if derr != nil {
		return derr
	}
	title := tr(c.lang, "event.new."+typ)
	if cur != nil {
		title = tr(c.lang, "event.edit")
	}
	v := c.view(title, d)
	v.Form = f
	s.eventPicks(c, d, cur, f)
	status, ok := c.formError(v, err)
	if !ok {
		return err
	}
	return c.render(status, "event/form", v)
}

func (s *server) eventEditForm(c *ctx) error {
	e, err := s.findEvent(c)
	if err != nil {
		return err
	}
	if err := c.recordsWrite(); err != nil {
		return err
	}
	// A co-organiser reads the event; only the host's side edits it.
	if ok, err := s.store.InScope(c.r.Context(), c.actor(), e.OrgID); err != nil {
		return err
	} else if !ok {
		return guangong.NotFound(guangong.EventNoun)
	}
	d, err := s.eventFormData(c, e, e.Type, e.OrgID)
	if err != nil {
		return err
	}
	v := c.view(tr(c.lang, "event.edit"), d)
	v.Form = eventForm(e)
	s.eventPicks(c, d, e, v.Form)
	return c.render(http.StatusOK, "event/form", v)
}

func (s *server) eventUpdate(c *ctx) error {
	cur, err := s.findEvent(c)
	if err != nil {
		return err
	}
	if err := c.recordsWrite(); err != nil {
		return err
	}
	e, f, err := c.postedEvent()
	f.Set("type", cur.Type) // the type is chosen once, on creation
	e.ID, e.Type = cur.ID, cur.Type
	if err == nil {
		if err = s.store.UpdateEvent(c.r.Context(), c.actor(), e); err == nil {
			return c.redirect("/events/" + url.PathEscape(e.ID))
		}
	}
	return s.eventFormError(c, cur, f, err)
}

// uploads reads the files of a multipart field, each up to one byte over the limit so
// that the store can name a file too large.
func (c *ctx) uploads(field string) ([]guangong.Upload, error) {
	if c.r.MultipartForm == nil {
		return nil, nil
	}
	var out []guangong.Upload
	for _, h := range c.r.MultipartForm.File[field] {
		if h.Size == 0 && h.Filename == "" {
			continue // an empty file input
		}
		file, err := h.Open()
		if err != nil {
			return nil, guangong.Internal(err)
		}
		data, err := io.ReadAll(io.LimitReader(file, guangong.MaxAttachmentBytes+1))
		file.Close()
		if err != nil {
			return nil, guangong.Internal(err)
		}
		out = append(out, guangong.Upload{Name: h.Filename, Data: data})
	}
	return out, nil
}

func (s *server) attachmentAdd(c *ctx) error {
	e, err := s.findEvent(c)
	if err != nil {
		return err
	}
	if err := c.recordsWrite(); err != nil {
		return err
	}
	files, err := c.uploads("file")
	if err != nil {
		return err
	}
	if len(files) == 0 {
		files = []guangong.Upload{{}} // the store names the missing file
	}
	for _, f := range files {
		if _, err := s.store.AddAttachment(c.r.Context(), c.actor(), e.ID, f); err != nil {
			e, _ = s.store.FindEventByID(c.r.Context(), c.actor(), e.ID)
			return s.renderEventPage(c, e, 0, err)
		}
	}
	return c.redirect("/events/" + url.PathEscape(e.ID) + "#attachments")
}

// eventDelete removes an event recorded by mistake, once the box confirming it is ticked.
func (s *server) eventDelete(c *ctx) error {
	e, err := s.findEvent(c)
	if err != nil {
		return err
	}
	if err := c.recordsWrite(); err != nil {
		return err
	}
	if c.r.PostFormValue("confirm") != "1" {
		var v guangong.Validation
		v.Add("confirm", "请勾选确认后再删除", "Tick the box to confirm the deletion")
		return s.renderEventPage(c, e, 0, v.Err())
	}
	version, _ := strconv.Atoi(c.r.PostFormValue("version"))
	if err := s.store.DeleteEvent(c.r.Context(), c.actor(), e.ID, version); err != nil {
		if code := guangong.ErrorCode(err); code == guangong.ECONFLICT || code == guangong.EINVALID {
			return s.renderEventPage(c, e, 0, err)
		}
		return err
	}
	return c.redirect("/events?deleted=1")
}

// attachmentDelete removes one photo or scan from an event.
func (s *server) attachmentDelete(c *ctx) error {
	e, err := s.findEvent(c)
	if err != nil {
		return err
	}
	if err := c.recordsWrite(); err != nil {
		return err
	}
	if err := s.store.DeleteAttachment(c.r.Context(), c.actor(), e.ID, c.r.PathValue("aid")); err != nil {
		return err
	}
	return c.redirect("/events/" + url.PathEscape(e.ID) + "#attachments")
}

// attachment serves a stored file with its sniffed type; photos show inline, PDFs download.
func (s *server) attachment(c *ctx) error {
	if err := c.recordsRead(); err != nil {
		return err
	}
	t, data, err := s.store.AttachmentData(c.r.Context(), c.actor(), c.r.PathValue("id"), c.r.PathValue("aid"))
	if err != nil {
		return err
	}
	disp := "inline"
	if t.MIME == "application/pdf" {
		disp = "attachment"
	}
	h := c.w.Header()
	h.Set("Content-Type", t.MIME)
	h.Set("Content-Disposition", mime.FormatMediaType(disp, map[string]string{"filename": t.Name}))
	h.Set("Content-Length", strconv.Itoa(len(data)))
	h.Set("Cache-Control", "private, max-age=3600")
	h.Set("Content-Security-Policy", "default-src 'none'; img-src 'self'; sandbox")
	c.w.WriteHeader(http.StatusOK)
	_, _ = c.w.Write(data)
	return nil
}
