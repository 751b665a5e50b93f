package web

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"guangong"
	"guangong/sqlstore"
	"guangong/sqlstore/storetest"
)

// postFiles posts a multipart form with files under field, as the quick entry does.
func (c *client) postFiles(path string, fields url.Values, field string, files map[string][]byte) resp {
	c.t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	w.WriteField("csrf", c.csrf)
	for k, vs := range fields {
		for _, v := range vs {
			w.WriteField(k, c.s.ids(v))
		}
	}
	for name, data := range files {
		fw, err := w.CreateFormFile(field, name)
		if err != nil {
			c.t.Fatal(err)
		}
		fw.Write(data)
	}
	w.Close()
	req, err := http.NewRequest(http.MethodPost, c.s.srv.URL+c.s.ids(path), &body)
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", w.FormDataContentType())
	return c.do(req)
}

var eventLink = regexp.MustCompile(`^/events/([0-9a-f-]{36})`)

func eventCount(t *testing.T, db *sqlstore.DB) int {
	t.Helper()
	_, n, err := db.FindEvents(context.Background(), guangong.SystemActor("t"), guangong.EventFilter{})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

var pngPhoto = append([]byte("\x89PNG\x0D\x0A\x1A\x0A"), bytes.Repeat([]byte{7}, 64)...)

func TestEventPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		s := newSite(t, db)
		clerk := s.loginAs("townclerk")
		yesterday := time.Now().In(guangong.Shanghai).AddDate(0, 0, -1)
		day := yesterday.Format(guangong.DateLayout)
		meeting := url.Values{"type": {"meeting"}, "title": {"全镇关工委推进会"}, "kind": {"advance"}, "orgId": {"{Town}"},
			"coOrgIds": {"{VillageA}"}, "startsAt": {day + "T09:00"}, "endsAt": {day + "T08:00"}, "status": {"held"},
			"othersCount": {"40"}, "place": {"镇政府三楼会议室"}}

		// An end before the start comes back beside the end, and nothing is saved.
		r := clerk.post("/events/new", meeting)
		check(t, scenario{status: http.StatusUnprocessableEntity, want: []string{`id="f-endsAt-error"`, "结束时间不能早于开始时间",
			"全镇关工委推进会"}}, r, s)
		if n := eventCount(t, db); n != 0 {
			t.Fatalf("%d events after a refused form", n)
		}
		r = clerk.post("/events/new", url.Values{"type": {"meeting"}, "othersCount": {"很多"}})
		check(t, scenario{status: http.StatusUnprocessableEntity, want: []string{`id="f-othersCount-error"`, "应为整数"}}, r, s)

		meeting.Set("endsAt", day+"T11:00")
		r = clerk.post("/events/new", meeting)
		m := eventLink.FindStringSubmatch(r.location)
		if r.status != http.StatusSeeOther || m == nil {
			t.Fatalf("create: %d %q\n%s", r.status, r.location, excerpt(r.body))
		}
		id := m[1]
		page := clerk.get("/events/" + id)
		check(t, scenario{status: 200, want: []string{"全镇关工委推进会", "推进会", "青松村", "大型", "镇政府三楼会议室",
			`id="attachment-form"`}}, page, s)

		// Two clerks edit the same version: the second is refused with a clear message.
		admin := s.loginAs("townadmin")
		form1 := clerk.get("/events/" + id + "/edit")
		form2 := admin.get("/events/" + id + "/edit")
		if !strings.Contains(form1.body, `name="version" value="1"`) || !strings.Contains(form2.body, `name="version" value="1"`) {
			t.Fatalf("edit forms lack the version:\n%s", excerpt(form1.body))
		}
		edit := url.Values{}
		for k, v := range meeting {
			edit[k] = v
		}
		edit.Set("version", "1")
		edit.Set("minutes", "第一位的记录")
		if r := clerk.post("/events/"+id+"/edit", edit); r.status != http.StatusSeeOther {
			t.Fatalf("first edit %d\n%s", r.status, excerpt(r.body))
		}
		edit.Set("minutes", "第二位的记录")
		r = admin.post("/events/"+id+"/edit", edit)
		check(t, scenario{status: http.StatusConflict, want: []string{"该记录已被他人修改"}}, r, s)
		check(t, scenario{status: 200, want: []string{"第一位的记录", `href="/hours?event=` + id + `"`}, notWant: []string{"第二位的记录"}}, clerk.get("/events/"+id), s)

		s.run(t, []scenario{
			{name: "calendar shows it", as: "townclerk", path: "/events/calendar?month=" + yesterday.Format("2006-01"), status: 200,
				want: []string{`id="calendar"`, "全镇关工委推进会", `data-date="` + day + `"`}},
			{name: "the co-organising village sees it", as: "villageclerk", path: "/events/calendar?month=" + yesterday.Format("2006-01"),
				status: 200, want: []string{"全镇关工委推进会"}},
			{name: "the village may not edit it", as: "villageclerk", path: "/events/" + id + "/edit", status: 404},
			{name: "another town sees nothing", as: "otheradmin", path: "/events/" + id, status: 404},
			{name: "another town's calendar of our town", as: "otheradmin", path: "/events/calendar?org={Town}", status: 404},
			{name: "list with filters", as: "townclerk", path: "/events?type=meeting&kind=advance&from=" + day, status: 200,
				want: []string{`id="event-table"`, "全镇关工委推进会"}},
			{name: "list filtered away", as: "townclerk", path: "/events?type=activity", status: 200, notWant: []string{"全镇关工委推进会"}},
			{name: "a bad date in the address", as: "townclerk", path: "/events?from=2025-13-01", status: 422, want: []string{"起始日期格式"}},
			{name: "viewer may not create", as: "villageviewer", path: "/events/new", status: 403},
			{name: "administrator of accounts reads no events", as: "admin", path: "/events", status: 403},
			{name: "nav link", as: "villageviewer", path: "/", status: 200, want: []string{`id="nav-events"`}},
		})
	})
}

func TestQuickEntryAndAttachments(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		s := newSite(t, db)
		c := s.loginAs("villageclerk")
		form := c.get("/events/quick")
		check(t, scenario{status: 200, want: []string{`id="quick-form"`, `capture="environment"`, `value="` + today() + `"`,
			`id="q-cat-service"`}}, form, s)
		fields := url.Values{"category": {"service"}, "subcategory": {"school_guard"}, "date": {today()}, "from": {"00:00"},
			"to": {"00:30"}, "youthsServed": {"30"}, "othersCount": {"2"}, "orgId": {"{VillageA}"}}

		// A text file named .jpg is refused by its content; nothing is saved.
		r := c.postFiles("/events/quick", fields, "photo", map[string][]byte{"假照片.jpg": []byte("not an image at all")})
		check(t, scenario{status: 422, want: []string{`id="f-file-error"`, "只能上传照片"}}, r, s)
		big := append([]byte("\xFF\xD8\xFF"), bytes.Repeat([]byte{1}, guangong.MaxAttachmentBytes)...)
		r = c.postFiles("/events/quick", fields, "photo", map[string][]byte{"大.jpg": big})
		check(t, scenario{status: 422, want: []string{"10MB"}}, r, s)
		// No category: the error is on the category, not on the optional title.
		r = c.postFiles("/events/quick", url.Values{"date": {today()}, "orgId": {"{VillageA}"}}, "photo", nil)
		check(t, scenario{status: 422, want: []string{`id="f-category-error"`, "请选择活动类别",
			`id="q-cat-service" aria-invalid="true" aria-describedby="f-category-error"`},
			notWant: []string{"名称不能为空", `id="f-title-error"`}}, r, s)
		// A bad date hides none of the other problems, the file's included.
		r = c.postFiles("/events/quick", url.Values{"date": {"2021-13-45"}, "othersCount": {"很多"}, "orgId": {"{VillageA}"}},
			"photo", map[string][]byte{"假照片.jpg": []byte("not an image at all")})
		check(t, scenario{status: 422, want: []string{`id="f-date-error"`, "日期或时间格式有误", `id="f-category-error"`,
			`id="f-othersCount-error"`, `id="f-file-error"`}, notWant: []string{`id="f-to-error"`, `id="f-title-error"`}}, r, s)
		// A title typed is checked like any other.
		long := url.Values{"title": {strings.Repeat("长", 101)}}
		for k, v := range fields {
			long[k] = v
		}
		r = c.postFiles("/events/quick", long, "photo", nil)
		check(t, scenario{status: 422, want: []string{`id="f-title-error"`, "名称不能超过100个字"}}, r, s)
		// A performance needs its scale, asked for on the quick form itself.
		show := url.Values{"category": {"performance"}, "date": {today()}, "from": {"00:00"}, "to": {"00:30"}, "orgId": {"{VillageA}"}, "audience": {"80"}}
		r = c.postFiles("/events/quick", show, "photo", nil)
		check(t, scenario{status: 422, want: []string{`id="f-scale-error"`, `id="f-scale" name="scale" aria-invalid="true"`}}, r, s)
		if n := eventCount(t, db); n != 0 {
			t.Fatalf("%d events after refused quick entries", n)
		}

		show.Set("scale", "small")
		if r := c.postFiles("/events/quick", show, "photo", nil); r.status != http.StatusSeeOther {
			t.Fatalf("quick entry of a small performance: %d\n%s", r.status, excerpt(r.body))
		}
		r = c.postFiles("/events/quick", fields, "photo", map[string][]byte{"护学.png": pngPhoto})
		m := eventLink.FindStringSubmatch(r.location)
		if r.status != http.StatusSeeOther || m == nil {
			t.Fatalf("quick entry: %d %q\n%s", r.status, r.location, excerpt(r.body))
		}
		page := c.get(r.location)
		check(t, scenario{status: 200, want: []string{`id="event-saved"`, "护学", "已举行", "32", "护学.png"}}, page, s)
		att := regexp.MustCompile(`/events/` + m[1] + `/attachments/([0-9a-f-]{36})`).FindString(page.body)
		if att == "" {
			t.Fatalf("no attachment link:\n%s", excerpt(page.body))
		}
		got := c.get(att)
		if got.status != 200 || got.header.Get("Content-Type") != "image/png" || got.body != string(pngPhoto) ||
			!strings.HasPrefix(got.header.Get("Content-Disposition"), "inline;") || !strings.Contains(got.header.Get("Content-Disposition"), "filename*=utf-8''%E6%8A%A4") {
			t.Fatalf("attachment: %d %v", got.status, got.header)
		}
		// Out of scope: 404 like a missing file.
		if r := s.loginAs("otheradmin").get(att); r.status != 404 {
			t.Fatalf("other town reads the photo: %d", r.status)
		}
		// A PDF scan added later downloads; a wrong type is refused beside the field.
		r = c.postFiles("/events/"+m[1]+"/attachments", nil, "file", map[string][]byte{"签到表.pdf": []byte("%PDF-1.7 scan")})
		if r.status != http.StatusSeeOther {
			t.Fatalf("add pdf: %d\n%s", r.status, excerpt(r.body))
		}
		r = c.postFiles("/events/"+m[1]+"/attachments", nil, "file", map[string][]byte{"x.pdf": []byte("<script>")})
		check(t, scenario{status: 422, want: []string{`id="f-file-error"`}}, r, s)
		if r := s.loginAs("villageviewer").postFiles("/events/"+m[1]+"/attachments", nil, "file", map[string][]byte{"v.png": pngPhoto}); r.status != 403 {
			t.Fatalf("viewer uploads: %d", r.status)
		}
		if n := len(auditEntries(t, db, guangong.ActionCreate, "attachment")); n != 2 {
			t.Fatalf("%d attachment audit entries", n)
		}

		// A photo added by mistake is removed; then the whole record, once the box is ticked.
		photoID := strings.TrimPrefix(att, "/events/"+m[1]+"/attachments/")
		if r := s.loginAs("villageviewer").post(att+"/delete", nil); r.status != 403 {
			t.Fatalf("viewer removes a photo: %d", r.status)
		}
		if r := c.post(att+"/delete", nil); r.status != http.StatusSeeOther {
			t.Fatalf("remove photo: %d\n%s", r.status, excerpt(r.body))
		}
		page = c.get("/events/" + m[1])
		check(t, scenario{status: 200, want: []string{`id="event-delete-form"`, "签到表.pdf"}, notWant: []string{photoID}}, page, s)
		version := regexp.MustCompile(`name="version" value="(\d+)"`).FindStringSubmatch(page.body)[1]
		r = c.post("/events/"+m[1]+"/delete", url.Values{"version": {version}})
		check(t, scenario{status: 422, want: []string{`id="f-confirm-error"`}}, r, s)
		if r := s.loginAs("otheradmin").post("/events/"+m[1]+"/delete", url.Values{"version": {version}, "confirm": {"1"}}); r.status != 404 {
			t.Fatalf("other town deletes: %d", r.status)
		}
		r = c.post("/events/"+m[1]+"/delete", url.Values{"version": {version}, "confirm": {"1"}})
		if r.status != http.StatusSeeOther || r.location != "/events?deleted=1" {
			t.Fatalf("delete: %d %q\n%s", r.status, r.location, excerpt(r.body))
		}
		check(t, scenario{status: 200, want: []string{`id="event-deleted"`}}, c.get(r.location), s)
		check(t, scenario{status: 404}, c.get("/events/"+m[1]), s)
	})
}

func TestLargeRuleAndTroupePages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		s := newSite(t, db)
		admin := s.loginAs("townadmin")
		form := admin.get("/orgs/{Town}/large-rule")
		check(t, scenario{status: 200, want: []string{`id="rule-form"`, `name="meetingMin"`, "默认标准"}}, form, s)
		r := admin.post("/orgs/{Town}/large-rule", url.Values{"meetingMin": {"0"}, "activityMin": {"20"}, "version": {"0"}})
		check(t, scenario{status: 422, want: []string{`id="f-meetingMin-error"`}}, r, s)
		r = admin.post("/orgs/{Town}/large-rule", url.Values{"meetingMin": {"12"}, "activityMin": {"20"}, "version": {"0"}})
		if r.status != http.StatusSeeOther {
			t.Fatalf("save rule: %d\n%s", r.status, excerpt(r.body))
		}
		s.run(t, []scenario{
			{name: "saved", as: "townadmin", path: r.location, status: 200, want: []string{`id="rule-saved"`, "12"}},
			{name: "the village sees the town's rule in force", as: "villageclerk", path: "/orgs/{VillageA}/large-rule", status: 200,
				want: []string{"低庄镇", "12"}, notWant: []string{`id="rule-form"`}},
			{name: "a clerk may not set it", as: "townclerk", method: "POST", path: "/orgs/{Town}/large-rule",
				form: url.Values{"meetingMin": {"1"}, "activityMin": {"1"}, "version": {"1"}}, status: 403},
			{name: "stale rule", as: "townadmin", method: "POST", path: "/orgs/{Town}/large-rule",
				form: url.Values{"meetingMin": {"5"}, "activityMin": {"5"}, "version": {"0"}}, status: 409},
		})

		c := s.loginAs("townclerk")
		r = c.post("/troupes/new", url.Values{"orgId": {"{Town}"}, "name": {""}, "kind": {"dance"}})
		check(t, scenario{status: 422, want: []string{`id="f-name-error"`}}, r, s)
		r = c.post("/troupes/new", url.Values{"orgId": {"{Town}"}, "name": {"老年大学舞蹈队"}, "kind": {"dance"}, "founded": {"2019-05-01"}})
		if r.status != http.StatusSeeOther || !strings.HasPrefix(r.location, "/troupes/") {
			t.Fatalf("create troupe: %d\n%s", r.status, excerpt(r.body))
		}
		troupe := r.location
		for _, name := range []string{"队员甲", "队员乙"} {
			if r := c.post(troupe+"/members", url.Values{"name": {name}, "from": {"2020-01-01"}}); r.status != http.StatusSeeOther {
				t.Fatalf("add member: %d\n%s", r.status, excerpt(r.body))
			}
		}
		r = c.post(troupe+"/members", url.Values{"from": {"2020-01-01"}})
		check(t, scenario{status: 422, want: []string{`id="f-name-error"`}}, r, s)
		s.run(t, []scenario{
			{name: "troupe page counts", as: "townclerk", path: troupe, status: 200, want: []string{"老年大学舞蹈队", "队员甲", `id="troupe-members-count">2`}},
			{name: "troupe list totals", as: "townclerk", path: "/troupes", status: 200, want: []string{"老年大学舞蹈队", `<span class="num">2</span>`}},
			{name: "other town", as: "otheradmin", path: troupe, status: 404},
		})
		// Ending a member carries the version the page was read at: a second end made from the
		// same page is refused with the message, and the first date stands.
		page := c.get(troupe)
		end := regexp.MustCompile(`action="(/troupes/[^"]+/members/[^"]+/end)" class="inline end-form">[^\n]*name="version" value="(\d+)"`).FindStringSubmatch(page.body)
		if end == nil {
			t.Fatalf("no end form with a version\n%s", excerpt(page.body))
		}
		check(t, scenario{status: 303}, c.post(end[1], url.Values{"to": {"2024-12-31"}, "version": {end[2]}}), s)
		check(t, scenario{status: 409, want: []string{"该记录已被他人修改，请刷新后重新编辑"}},
			c.post(end[1], url.Values{"to": {"2025-01-31"}, "version": {end[2]}}), s)
		check(t, scenario{status: 200, want: []string{"2024-12-31", `id="troupe-members-count">1`}, notWant: []string{"2025-01-31"}}, c.get(troupe), s)
	})
}

// An event of several days shows on each of its days: its start time on the first, "续"
// (continued) after, also in the next month's calendar.
func TestEventCalendarSeveralDays(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		s := newSite(t, db)
		start := time.Date(2025, 6, 29, 9, 0, 0, 0, guangong.Shanghai)
		e := &guangong.Event{Type: guangong.EventActivity, OrgID: s.fx.Town.ID, Category: "moral", Title: "夏令营",
			StartsAt: start, EndsAt: start.AddDate(0, 0, 3).Add(8 * time.Hour), Status: guangong.EventHeld}
		if err := db.CreateEvent(context.Background(), s.fx.Actor("townclerk"), e); err != nil {
			t.Fatal(err)
		}
		clerk := s.loginAs("townclerk")
		cell := func(body, day string) string {
			t.Helper()
			_, rest, ok := strings.Cut(body, `data-date="`+day+`"`)
			if !ok {
				t.Fatalf("no cell for %s", day)
			}
			td, _, _ := strings.Cut(rest, "</td>")
			return td
		}
		for month, days := range map[string][]string{"2025-06": {"2025-06-29", "2025-06-30", "2025-07-01"}, "2025-07": {"2025-06-30", "2025-07-01", "2025-07-02", "2025-07-03"}} {
			r := clerk.get("/events/calendar?org={Town}&month=" + month)
			if r.status != http.StatusOK {
				t.Fatalf("%s: %d", month, r.status)
			}
			for _, day := range days {
				c := cell(r.body, day)
				switch {
				case day == "2025-06-29" && !strings.Contains(c, `<span class="time">09:00</span> 夏令营`):
					t.Errorf("%s %s: no start time: %s", month, day, c)
				case day > "2025-06-29" && day <= "2025-07-02" && !strings.Contains(c, `<span class="time cont">续</span> 夏令营`):
					t.Errorf("%s %s: not shown as continued: %s", month, day, c)
				case day == "2025-07-03" && strings.Contains(c, "夏令营"):
					t.Errorf("%s %s: shown after its end: %s", month, day, c)
				}
			}
		}
	})
}
