package web

import (
	"io/fs"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"guangong"
	"guangong/sqlstore"
	"guangong/sqlstore/storetest"
)

// The records pages' templates write punctuation through colon, lp, rp, comma and listsep,
// so that English pages get ASCII punctuation and Chinese pages full-width. A line that
// branches on the language itself may carry Chinese text in its Chinese branch.
func TestRecordsTemplatesHaveNoFixedPunctuation(t *testing.T) {
	fixedColon := regexp.MustCompile(`\{\{t "[^"]+"\}\}: `)
	err := fs.WalkDir(templateFS, "templates", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		area := strings.Split(strings.TrimPrefix(p, "templates/"), "/")[0]
		if area != "event" && area != "duty" && area != "hours" && area != "progress" && area != "progress.html" {
			return nil
		}
		b, err := templateFS.ReadFile(p)
		if err != nil {
			return err
		}
		for i, line := range strings.Split(string(b), "\n") {
			if strings.Contains(line, `eq (lang) "en"`) {
				continue
			}
			if strings.ContainsAny(line, "：（），、") || fixedColon.MatchString(line) {
				t.Errorf("%s:%d: fixed punctuation: %s", p, i+1, strings.TrimSpace(line))
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestPunctuationFollowsThePageLanguage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		s := newSite(t, db)
		c := s.loginAs("townclerk")
		yesterday := time.Now().In(guangong.Shanghai).AddDate(0, 0, -1)
		day := yesterday.Format(guangong.DateLayout)
		r := c.post("/events/new", url.Values{"type": {"meeting"}, "title": {"推进会"}, "kind": {"advance"}, "orgId": {"{Town}"},
			"coOrgIds": {"{VillageA}"}, "startsAt": {day + "T09:00"}, "endsAt": {day + "T11:00"}, "status": {"held"},
			"othersCount": {"40"}})
		m := eventLink.FindStringSubmatch(r.location)
		if m == nil {
			t.Fatalf("create: %d %q\n%s", r.status, r.location, excerpt(r.body))
		}
		event := "/events/" + m[1]
		calendar := "/events/calendar?month=" + yesterday.Format("2006-01")
		progress := "/progress?org={Town}&year=" + strconv.Itoa(yesterday.Year())
		for _, tc := range []struct{ lang, path, want string }{
			{"zh", event, `id="event-orgs">低庄镇（主办）、青松村</dd>`},
			{"zh", event, `id="event-headcount">40（五老志愿者 0 + `},
			{"zh", calendar, "本月会议和活动：1"},
			{"zh", progress, "年度计划完成：0 / 0"},
			{"en", event, `id="event-orgs">低庄镇 (host), 青松村</dd>`},
			{"en", event, `id="event-headcount">40 (Volunteers 0 + `},
			{"en", calendar, "Meetings and activities this month: 1"},
			{"en", progress, "Plan items done: 0 / 0"},
		} {
			c.post("/lang", url.Values{"lang": {tc.lang}})
			sc := scenario{status: 200, want: []string{tc.want}}
			if tc.lang == "en" {
				sc.notWant = []string{"：", "（", "）", "、", "，"}
			}
			// The page's own text; the header's account line is not the records pages'.
			r := c.get(tc.path)
			if i := strings.Index(r.body, "<main"); i >= 0 {
				r.body = r.body[i:]
			}
			check(t, sc, r, s)
		}
	})
}
