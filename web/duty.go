package web

import (
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	goqr "github.com/piglig/go-qr"

	"guangong"
	"guangong/httpx"
)

// Duty rosters: posts per committee, a post's shifts and its printable QR sign, the shift
// page where clerks assign and volunteers sign up, the phone page a QR code opens
// (/checkin/{token}), the review list of missed check-outs, and a volunteer's own shifts.

// dutyRead guards the duty pages: record readers and volunteers' own accounts.
func (c *ctx) dutyRead() error {
	if !c.actor().Can(guangong.Role.CanReadDuty) {
		return guangong.Forbidden()
	}
	return nil
}

func (c *ctx) isVolunteer() bool { return c.user != nil && c.user.Role == guangong.RoleVolunteer }

// dutyLayout is how shift times are typed (datetime-local) and parsed, in Shanghai.
const dutyLayout = "2006-01-02T15:04"

func dutyHM(t time.Time) string { return t.In(guangong.Shanghai).Format("15:04") }

// dutyWhen is a shift's time in words: "2025-06-16 08:00–10:00".
func dutyWhen(s *guangong.Shift) string {
	from, to := s.StartsAt.In(guangong.Shanghai), s.EndsAt.In(guangong.Shanghai)
	if from.Format(guangong.DateLayout) == to.Format(guangong.DateLayout) {
		return from.Format("2006-01-02 15:04") + "–" + to.Format("15:04")
	}
	return from.Format("2006-01-02 15:04") + "–" + to.Format("01-02 15:04")
}

// dutyDuration is minutes as hours and minutes in the page's language.
func dutyDuration(lang string, min int) string {
	h, m := min/60, min%60
	if lang == "en" {
		switch {
		case h == 0:
			return strconv.Itoa(m) + " min"
		case m == 0:
			return strconv.Itoa(h) + " h"
		}
		return strconv.Itoa(h) + " h " + strconv.Itoa(m) + " min"
	}
	switch {
	case h == 0:
		return strconv.Itoa(m) + "分钟"
	case m == 0:
		return strconv.Itoa(h) + "小时"
	}
	return strconv.Itoa(h) + "小时" + strconv.Itoa(m) + "分钟"
}

// shiftRow is a shift as a page lists it.
type shiftRow struct {
	Shift *guangong.Shift
	When  string
	Ended bool
}

func dutyShiftRows(list []*guangong.Shift, now time.Time) []shiftRow {
	rows := make([]shiftRow, len(list))
	for i, s := range list {
		rows[i] = shiftRow{Shift: s, When: dutyWhen(s), Ended: !s.EndsAt.After(now)}
	}
	return rows
}

// placeRow is a volunteer's place on a shift as a page lists it.
type placeRow struct {
	Place    *guangong.ShiftVolunteer
	When     string
	In, Out  string // check-in and check-out times, "" if none
	Served   string // served time, words
	Hours    string // the hours row's time, words
	CanClose bool
}

func dutyPlaceRows(lang string, list []*guangong.ShiftVolunteer, now time.Time) []placeRow {
	rows := make([]placeRow, len(list))
	for i, x := range list {
		r := placeRow{Place: x, When: dutyWhen(x.Shift)}
		if x.CheckInAt != nil {
			r.In = x.CheckInAt.In(guangong.Shanghai).Format("01-02 15:04")
		}
		if x.CheckOutAt != nil {
			r.Out = x.CheckOutAt.In(guangong.Shanghai).Format("01-02 15:04")
			r.Served = dutyDuration(lang, x.Minutes)
		}
		if x.HoursStatus != "" {
			r.Hours = dutyDuration(lang, x.HoursMinutes)
		}
		r.CanClose = x.CheckInAt != nil && x.CheckOutAt == nil && !now.Before(x.Shift.EndsAt)
		rows[i] = r
	}
	return rows
}

type dutyListData struct {
	Groups   []dutyGroup
	Pager    pager
	Kinds    []string
	Kind     string
	CanWrite bool
	Mine     bool // a volunteer's account: links to its own shifts
}

// dutyGroup is one committee's posts (the list is ordered by committee).
type dutyGroup struct {
	OrgName string
	Posts   []*guangong.DutyPost
}

func (s *server) dutyList(c *ctx) error {
	if err := c.dutyRead(); err != nil {
		return err
	}
	q := c.r.URL.Query()
	d := &dutyListData{Kinds: guangong.DutyKinds, Kind: q.Get("kind"),
		CanWrite: c.actor().Can(guangong.Role.CanWriteRecords), Mine: c.isVolunteer()}
	page := pageOf(c.r)
	f := guangong.DutyPostFilter{Page: guangong.Page{Offset: (page - 1) * pageSize, Limit: pageSize}}
	if d.Kind != "" {
		f.Kind = &d.Kind
	}
	if org := q.Get("org"); org != "" {
		f.OrgID = &org
	}
	if c.isVolunteer() {
		active := true
		f.Active = &active
	}
	posts, total, err := s.store.FindDutyPosts(c.r.Context(), c.actor(), f)
	if err != nil {
		return err
	}
	for _, p := range posts {
		if n := len(d.Groups); n == 0 || d.Groups[n-1].Posts[0].OrgID != p.OrgID {
			d.Groups = append(d.Groups, dutyGroup{OrgName: p.OrgName})
		}
		g := &d.Groups[len(d.Groups)-1]
		g.Posts = append(g.Posts, p)
	}
	d.Pager = newPager(c.r, page, total)
	return c.render(http.StatusOK, "duty/list", c.view(tr(c.lang, "duty.title"), d))
}

type dutyPostFormData struct {
	Post  *guangong.DutyPost // nil when creating
	Orgs  []*guangong.Org
	Kinds []string
}

func (s *server) dutyPostForm(c *ctx, p *guangong.DutyPost, f url.Values, status int, ferr error) error {
	d := &dutyPostFormData{Post: p, Kinds: guangong.DutyKinds}
	if p == nil {
		orgs, err := s.scopeOrgs(c, f.Get("orgId"))
		if err != nil {
			return err
		}
		d.Orgs = orgs
	}
	title := tr(c.lang, "duty.newPost")
	if p != nil {
		title = p.Name
	}
	v := c.view(title, d)
	return c.renderForm(status, "duty/postform", v, f, ferr)
}

func (s *server) dutyPostNewForm(c *ctx) error {
	if err := c.recordsWrite(); err != nil {
		return err
	}
	org := c.r.URL.Query().Get("org")
	if org == "" {
		org = c.user.OrgID
	}
	return s.dutyPostForm(c, nil, url.Values{"orgId": {org}, "kind": {"school_gate"}}, http.StatusOK, nil)
}

func (s *server) dutyPostCreate(c *ctx) error {
	if err := c.recordsWrite(); err != nil {
		return err
	}
	f := c.postedForm("orgId", "kind", "name", "place")
	p := &guangong.DutyPost{OrgID: f.Get("orgId"), Kind: f.Get("kind"), Name: f.Get("name"), Place: f.Get("place")}
	if err := s.store.CreateDutyPost(c.r.Context(), c.actor(), p); err != nil {
		return s.dutyPostForm(c, nil, f, 0, err)
	}
	return c.redirect("/duty/posts/" + url.PathEscape(p.ID))
}

func (s *server) dutyFindPost(c *ctx) (*guangong.DutyPost, error) {
	if err := c.dutyRead(); err != nil {
		return nil, err
	}
	return s.store.FindDutyPostByID(c.r.Context(), c.actor(), c.r.PathValue("id"))
}

func (s *server) dutyPostEditForm(c *ctx) error {
	if err := c.recordsWrite(); err != nil {
		return err
	}
	p, err := s.dutyFindPost(c)
	if err != nil {
		return err
	}
	f := url.Values{"kind": {p.Kind}, "name": {p.Name}, "place": {p.Place}, "version": {strconv.Itoa(p.Version)}}
	if p.Active {
		f.Set("active", "1")
	}
	return s.dutyPostForm(c, p, f, http.StatusOK, nil)
}

func (s *server) dutyPostUpdate(c *ctx) error {
	if err := c.recordsWrite(); err != nil {
		return err
	}
	p, err := s.dutyFindPost(c)
	if err != nil {
		return err
	}
	f := c.postedForm("kind", "name", "place", "active", "version", "renewQR")
	upd := *p
	upd.Kind, upd.Name, upd.Place, upd.Active = f.Get("kind"), f.Get("name"), f.Get("place"), f.Get("active") == "1"
	upd.Version, _ = strconv.Atoi(f.Get("version"))
	if err := s.store.UpdateDutyPost(c.r.Context(), c.actor(), &upd, f.Get("renewQR") == "1"); err != nil {
		return s.dutyPostForm(c, p, f, 0, err)
	}
	return c.redirect("/duty/posts/" + url.PathEscape(p.ID))
}

type dutyPostData struct {
	Post      *guangong.DutyPost
	Shifts    []shiftRow
	Pager     pager
	Past      bool // showing past shifts
	CanWrite  bool
	Volunteer bool
	CheckIn   string // the absolute check-in address the QR code encodes ("" for volunteers)
	Loopback  bool   // that address is this machine's own: phones cannot open it
}

func (s *server) dutyPostPage(c *ctx) error {
	p, err := s.dutyFindPost(c)
	if err != nil {
		return err
	}
	now := time.Now()
	d := &dutyPostData{Post: p, CanWrite: c.actor().Can(guangong.Role.CanWriteRecords), Volunteer: c.isVolunteer(),
		Past: c.r.URL.Query().Get("past") == "1"}
	page := pageOf(c.r)
	f := guangong.ShiftFilter{PostID: &p.ID, Page: guangong.Page{Offset: (page - 1) * pageSize, Limit: pageSize}}
	// Upcoming shifts (those not yet ended today included), or the past ones on request.
	y, m, day := now.In(guangong.Shanghai).Date()
	dayStart := time.Date(y, m, day, 0, 0, 0, 0, guangong.Shanghai)
	if d.Past {
		f.To = &dayStart
	} else {
		f.From = &dayStart
	}
	list, total, err := s.store.FindShifts(c.r.Context(), c.actor(), f)
	if err != nil {
		return err
	}
	d.Shifts, d.Pager = dutyShiftRows(list, now), newPager(c.r, page, total)
	if p.QRToken != "" {
		d.CheckIn, d.Loopback = s.checkInURL(c, p.QRToken), s.loopbackQR(c)
	}
	return c.render(http.StatusOK, "duty/post", c.view(p.Name, d))
}

// checkInURL is the absolute address a post's QR code encodes: under the configured public
// address (--public-url), else the one this page was opened at.
func (s *server) checkInURL(c *ctx, token string) string {
	return httpx.BaseURL(c.r, s.cfg.TrustProxy, s.cfg.PublicURL) + "/checkin/" + url.PathEscape(token)
}

// loopbackQR reports whether the QR code would send phones to this machine's own address
// (the page was opened at localhost and no public address is configured).
func (s *server) loopbackQR(c *ctx) bool {
	if s.cfg.PublicURL != "" {
		return false
	}
	host := c.r.Host
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return ip != nil && ip.IsLoopback()
}

// dutyQR serves the post's QR code as SVG (sharp at any print size) or PNG (to download).
func (s *server) dutyQR(format string) handlerFunc {
	return func(c *ctx) error {
		if err := c.recordsRead(); err != nil {
			return err
		}
		p, err := s.dutyFindPost(c)
		if err != nil {
			return err
		}
		qr, err := goqr.EncodeText(s.checkInURL(c, p.QRToken), goqr.Medium)
		if err != nil {
			return guangong.Internal(err)
		}
		var b []byte
		if format == "svg" {
			b, err = qr.ToSVGBytes(goqr.NewQrCodeImgConfig(8, 4, goqr.WithOptimalSVG()))
			c.w.Header().Set("Content-Type", "image/svg+xml")
		} else {
			b, err = qr.ToPNGBytes(goqr.NewQrCodeImgConfig(10, 4))
			c.w.Header().Set("Content-Type", "image/png")
			c.w.Header().Set("Content-Disposition", `attachment; filename="checkin-qr.png"`)
		}
		if err != nil {
			return guangong.Internal(err)
		}
		c.w.Header().Set("Cache-Control", "no-store")
		_, _ = c.w.Write(b)
		return nil
	}
}

// dutySign is the printable sign (A5 or A4) with the QR code and how to use it.
func (s *server) dutySign(c *ctx) error {
	if err := c.recordsRead(); err != nil {
		return err
	}
	p, err := s.dutyFindPost(c)
	if err != nil {
		return err
	}
	size := c.r.URL.Query().Get("size")
	if size != "a4" {
		size = "a5"
	}
	d := struct {
		Post    *guangong.DutyPost
		CheckIn string
		Size    string
	}{p, s.checkInURL(c, p.QRToken), size}
	return c.render(http.StatusOK, "duty/sign", c.view(p.Name, d))
}

type dutyShiftFormData struct {
	Post  *guangong.DutyPost
	Shift *guangong.Shift // nil when creating
}

func dutyShiftValues(s *guangong.Shift) url.Values {
	return url.Values{"role": {s.Role}, "startsAt": {s.StartsAt.In(guangong.Shanghai).Format(dutyLayout)},
		"endsAt": {s.EndsAt.In(guangong.Shanghai).Format(dutyLayout)}, "headcount": {strconv.Itoa(s.Headcount)},
		"version": {strconv.Itoa(s.Version)}}
}

// postedShift reads the shift form; unreadable times and counts are field errors.
func (c *ctx) postedShift() (*guangong.Shift, url.Values, error) {
	f := c.postedForm("role", "startsAt", "endsAt", "headcount", "version")
	s := &guangong.Shift{Role: f.Get("role")}
	var v guangong.Validation
	var err error
	if s.StartsAt, err = time.ParseInLocation(dutyLayout, f.Get("startsAt"), guangong.Shanghai); err != nil {
		v.Add("startsAt", "请填写开始时间，如 2025-06-16 08:00", "Enter the start, like 2025-06-16 08:00")
	}
	if s.EndsAt, err = time.ParseInLocation(dutyLayout, f.Get("endsAt"), guangong.Shanghai); err != nil {
		v.Add("endsAt", "请填写结束时间，如 2025-06-16 10:00", "Enter the end, like 2025-06-16 10:00")
	}
	if s.Headcount, err = strconv.Atoi(f.Get("headcount")); err != nil {
		v.Add("headcount", "人数应为整数", "Headcount must be a whole number")
	}
	s.Version, _ = strconv.Atoi(f.Get("version"))
	return s, f, v.Err()
}

func (s *server) dutyShiftForm(c *ctx, d *dutyShiftFormData, f url.Values, status int, ferr error) error {
	v := c.view(d.Post.Name, d)
	return c.renderForm(status, "duty/shiftform", v, f, ferr)
}

func (s *server) dutyShiftNewForm(c *ctx) error {
	if err := c.recordsWrite(); err != nil {
		return err
	}
	p, err := s.dutyFindPost(c)
	if err != nil {
		return err
	}
	day := time.Now().In(guangong.Shanghai).AddDate(0, 0, 1).Format(guangong.DateLayout)
	f := url.Values{"startsAt": {day + "T07:30"}, "endsAt": {day + "T08:30"}, "headcount": {"2"}}
	return s.dutyShiftForm(c, &dutyShiftFormData{Post: p}, f, http.StatusOK, nil)
}

func (s *server) dutyShiftCreate(c *ctx) error {
	if err := c.recordsWrite(); err != nil {
		return err
	}
	p, err := s.dutyFindPost(c)
	if err != nil {
		return err
	}
	sh, f, err := c.postedShift()
	if err == nil {
		sh.PostID = p.ID
		err = s.store.CreateShift(c.r.Context(), c.actor(), sh)
	}
	if err != nil {
		return s.dutyShiftForm(c, &dutyShiftFormData{Post: p}, f, 0, err)
	}
	return c.redirect("/duty/shifts/" + url.PathEscape(sh.ID))
}

func (s *server) dutyFindShift(c *ctx) (*guangong.Shift, *guangong.DutyPost, error) {
	if err := c.dutyRead(); err != nil {
		return nil, nil, err
	}
	sh, err := s.store.FindShiftByID(c.r.Context(), c.actor(), c.r.PathValue("id"))
	if err != nil {
		return nil, nil, err
	}
	p, err := s.store.FindDutyPostByID(c.r.Context(), c.actor(), sh.PostID)
	if guangong.ErrorCode(err) == guangong.ENOTFOUND && c.isVolunteer() {
		// The volunteer's own shift at a post beyond its account's subtree: what the shift says of it.
		return sh, &guangong.DutyPost{ID: sh.PostID, OrgID: sh.OrgID, Kind: sh.PostKind, Name: sh.PostName, Place: sh.Place}, nil
	}
	return sh, p, err
}

func (s *server) dutyShiftEditForm(c *ctx) error {
	if err := c.recordsWrite(); err != nil {
		return err
	}
	sh, p, err := s.dutyFindShift(c)
	if err != nil {
		return err
	}
	return s.dutyShiftForm(c, &dutyShiftFormData{Post: p, Shift: sh}, dutyShiftValues(sh), http.StatusOK, nil)
}

func (s *server) dutyShiftUpdate(c *ctx) error {
	if err := c.recordsWrite(); err != nil {
		return err
	}
	old, p, err := s.dutyFindShift(c)
	if err != nil {
		return err
	}
	sh, f, err := c.postedShift()
	if err == nil {
		sh.ID = old.ID
		err = s.store.UpdateShift(c.r.Context(), c.actor(), sh)
	}
	if err != nil {
		return s.dutyShiftForm(c, &dutyShiftFormData{Post: p, Shift: old}, f, 0, err)
	}
	return c.redirect("/duty/shifts/" + url.PathEscape(old.ID))
}

type dutyShiftData struct {
	Post       *guangong.DutyPost
	Shift      shiftRow
	Places     []placeRow
	Volunteers []*guangong.Volunteer // candidates to assign
	CanWrite   bool
	Volunteer  bool
	Mine       *guangong.ShiftVolunteer // a volunteer's own place on this shift
}

func (s *server) dutyShiftPage(c *ctx) error {
	return s.dutyShiftRender(c, http.StatusOK, url.Values{}, nil)
}

// dutyShiftRender shows a shift, with the assign form's input and error when given.
func (s *server) dutyShiftRender(c *ctx, status int, f url.Values, ferr error) error {
	sh, p, err := s.dutyFindShift(c)
	if err != nil {
		return err
	}
	now := time.Now()
	d := &dutyShiftData{Post: p, Shift: shiftRow{Shift: sh, When: dutyWhen(sh), Ended: !sh.EndsAt.After(now)},
		CanWrite: c.actor().Can(guangong.Role.CanWriteRecords), Volunteer: c.isVolunteer()}
	if c.isVolunteer() {
		mine, _, err := s.store.MyShifts(c.r.Context(), c.actor(), guangong.Page{Limit: guangong.MaxPageSize})
		if err != nil {
			return err
		}
		for _, x := range mine {
			if x.ShiftID == sh.ID {
				d.Mine = x
			}
		}
	} else {
		places, err := s.store.ShiftVolunteers(c.r.Context(), c.actor(), sh.ID)
		if err != nil {
			return err
		}
		d.Places = dutyPlaceRows(c.lang, places, now)
		if d.CanWrite && !d.Shift.Ended && sh.Free() > 0 {
			if d.Volunteers, err = s.candidates(c, &guangong.Org{ID: p.OrgID}); err != nil {
				return err
			}
		}
	}
	v := c.view(p.Name, d)
	return c.renderForm(status, "duty/shift", v, f, ferr)
}

func (s *server) dutyAssign(c *ctx) error {
	if err := c.recordsWrite(); err != nil {
		return err
	}
	f := c.postedForm("volunteerId")
	if _, err := s.store.AssignShift(c.r.Context(), c.actor(), c.r.PathValue("id"), f.Get("volunteerId")); err != nil {
		return s.dutyShiftRender(c, 0, f, err)
	}
	return c.redirect("/duty/shifts/" + url.PathEscape(c.r.PathValue("id")) + "#places")
}

func (s *server) dutySignUp(c *ctx) error {
	if !c.isVolunteer() {
		return guangong.Forbidden()
	}
	if _, err := s.store.SignUpShift(c.r.Context(), c.actor(), c.r.PathValue("id")); err != nil {
		return s.dutyShiftRender(c, 0, url.Values{}, err)
	}
	if back := c.r.PostFormValue("back"); strings.HasPrefix(back, "/checkin/") {
		return c.redirect(back)
	}
	return c.redirect("/duty/shifts/" + url.PathEscape(c.r.PathValue("id")))
}

func (s *server) dutyWithdraw(c *ctx) error {
	if err := c.dutyRead(); err != nil {
		return err
	}
	shiftID := c.r.PostFormValue("shift")
	if err := s.store.WithdrawShift(c.r.Context(), c.actor(), c.r.PathValue("id")); err != nil {
		if guangong.ErrorCode(err) == guangong.EINVALID && shiftID != "" {
			c.r.SetPathValue("id", shiftID)
			return s.dutyShiftRender(c, 0, url.Values{}, err)
		}
		return err
	}
	if c.isVolunteer() {
		return c.redirect("/duty/mine")
	}
	return c.redirect("/duty/shifts/" + url.PathEscape(shiftID) + "#places")
}

type dutyCloseData struct {
	Place placeRow
	Post  *guangong.DutyPost
	Ends  string
}

// dutyFindPlace finds a place for the organiser through the missed list of the subtree.
func (s *server) dutyFindPlace(c *ctx) (*guangong.ShiftVolunteer, *guangong.DutyPost, error) {
	if err := c.recordsWrite(); err != nil {
		return nil, nil, err
	}
	sh, err := s.store.FindShiftByID(c.r.Context(), c.actor(), c.r.URL.Query().Get("shift"))
	if err != nil {
		return nil, nil, err
	}
	places, err := s.store.ShiftVolunteers(c.r.Context(), c.actor(), sh.ID)
	if err != nil {
		return nil, nil, err
	}
	for _, x := range places {
		if x.ID == c.r.PathValue("id") {
			p, err := s.store.FindDutyPostByID(c.r.Context(), c.actor(), sh.PostID)
			return x, p, err
		}
	}
	return nil, nil, notFoundErr()
}

func (s *server) dutyCloseRender(c *ctx, status int, f url.Values, ferr error) error {
	x, p, err := s.dutyFindPlace(c)
	if err != nil {
		return err
	}
	d := &dutyCloseData{Place: dutyPlaceRows(c.lang, []*guangong.ShiftVolunteer{x}, time.Now())[0], Post: p,
		Ends: dutyHM(x.Shift.EndsAt)}
	if f == nil {
		f = url.Values{"checkOutAt": {x.Shift.EndsAt.In(guangong.Shanghai).Format(dutyLayout)}, "version": {strconv.Itoa(x.Version)}}
	}
	v := c.view(tr(c.lang, "duty.close"), d)
	return c.renderForm(status, "duty/close", v, f, ferr)
}

func (s *server) dutyCloseForm(c *ctx) error { return s.dutyCloseRender(c, http.StatusOK, nil, nil) }

func (s *server) dutyClose(c *ctx) error {
	if err := c.recordsWrite(); err != nil {
		return err
	}
	f := c.postedForm("checkOutAt", "version")
	at, perr := time.ParseInLocation(dutyLayout, f.Get("checkOutAt"), guangong.Shanghai)
	var err error
	if perr != nil {
		var v guangong.Validation
		v.Add("checkOutAt", "请填写签退时间，如 2025-06-16 10:00", "Enter the check-out time, like 2025-06-16 10:00")
		err = v.Err()
	} else {
		version, _ := strconv.Atoi(f.Get("version"))
		_, err = s.store.CloseCheckOut(c.r.Context(), c.actor(), c.r.PathValue("id"), at, version)
	}
	if err != nil {
		return s.dutyCloseRender(c, 0, f, err)
	}
	return c.redirect("/duty/review")
}

type dutyReviewData struct {
	Missed, Review           []placeRow
	MissedTotal, ReviewTotal int
	Pager                    pager
}

// dutyReview lists check-outs missed (to close) and those the organiser closed (to review).
func (s *server) dutyReview(c *ctx) error {
	if err := c.recordsRead(); err != nil {
		return err
	}
	now, page := time.Now(), pageOf(c.r)
	missed, nm, err := s.store.FindAttendance(c.r.Context(), c.actor(), guangong.AttendanceFilter{State: "missed",
		Page: guangong.Page{Limit: guangong.MaxPageSize}})
	if err != nil {
		return err
	}
	review, nr, err := s.store.FindAttendance(c.r.Context(), c.actor(), guangong.AttendanceFilter{State: "review",
		Page: guangong.Page{Offset: (page - 1) * pageSize, Limit: pageSize}})
	if err != nil {
		return err
	}
	canWrite := c.actor().Can(guangong.Role.CanWriteRecords)
	d := &dutyReviewData{Missed: dutyPlaceRows(c.lang, missed, now), Review: dutyPlaceRows(c.lang, review, now),
		MissedTotal: nm, ReviewTotal: nr, Pager: newPager(c.r, page, nr)}
	for i := range d.Missed {
		d.Missed[i].CanClose = d.Missed[i].CanClose && canWrite
	}
	return c.render(http.StatusOK, "duty/review", c.view(tr(c.lang, "duty.review"), d))
}

type dutyMineData struct {
	Places  []placeRow
	Pager   pager
	Minutes string // hours recorded on this page
}

// dutyMine is a volunteer's own shifts and the hours recorded for them.
func (s *server) dutyMine(c *ctx) error {
	if !c.isVolunteer() {
		return guangong.Forbidden()
	}
	page := pageOf(c.r)
	list, total, err := s.store.MyShifts(c.r.Context(), c.actor(), guangong.Page{Offset: (page - 1) * pageSize, Limit: pageSize})
	if err != nil {
		return err
	}
	d := &dutyMineData{Places: dutyPlaceRows(c.lang, list, time.Now()), Pager: newPager(c.r, page, total)}
	sum := 0
	for _, x := range list {
		if x.HoursStatus == "recorded" || x.HoursStatus == "confirmed" {
			sum += x.HoursMinutes
		}
	}
	d.Minutes = dutyDuration(c.lang, sum)
	return c.render(http.StatusOK, "duty/mine", c.view(tr(c.lang, "duty.mine"), d))
}

type checkInData struct {
	Page    *guangong.CheckInPage
	Token   string
	Place   *placeRow
	Open    []shiftRow
	OpensAt string
	Done    bool
}

// checkIn is the page a post's QR code opens on a phone. Without a session it sends the
// visitor to log in and back here.
func (s *server) checkIn(c *ctx) error {
	if c.sess == nil || c.sess.MFAPending || c.user.MustChangePassword {
		return c.stop("/login?next=" + url.QueryEscape(c.r.URL.Path))
	}
	if err := c.dutyRead(); err != nil {
		return err
	}
	return s.checkInRender(c, http.StatusOK, nil)
}

func (s *server) checkInRender(c *ctx, status int, ferr error) error {
	token := c.r.PathValue("token")
	page, err := s.store.CheckInStatus(c.r.Context(), c.actor(), token)
	if err != nil {
		return err
	}
	now := time.Now()
	d := &checkInData{Page: page, Token: token, Open: dutyShiftRows(page.Open, now)}
	if page.Place != nil {
		r := dutyPlaceRows(c.lang, []*guangong.ShiftVolunteer{page.Place}, now)[0]
		d.Place, d.Done = &r, page.Place.CheckOutAt != nil
	}
	if page.OpensAt != nil {
		d.OpensAt = dutyHM(*page.OpensAt)
	}
	v := c.view(page.Post.Name, d)
	return c.renderForm(status, "duty/checkin", v, nil, ferr)
}

// checkInOut records a tap on 签到 or 签退, then shows the page again.
func (s *server) checkInOut(out bool) handlerFunc {
	return func(c *ctx) error {
		if !c.isVolunteer() {
			return guangong.Forbidden()
		}
		token, id := c.r.PathValue("token"), c.r.PostFormValue("id")
		var err error
		if out {
			_, err = s.store.CheckOut(c.r.Context(), c.actor(), token, id)
		} else {
			_, err = s.store.CheckIn(c.r.Context(), c.actor(), token, id)
		}
		if err != nil {
			return s.checkInRender(c, 0, err)
		}
		return c.redirect("/checkin/" + url.PathEscape(token))
	}
}
