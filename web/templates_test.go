package web

import (
	"fmt"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"guangong"
)

// parsedServer is a site with its templates and nothing else.
func parsedServer(t *testing.T) *server {
	t.Helper()
	a, err := loadAssets()
	if err != nil {
		t.Fatal(err)
	}
	s := &server{assets: a}
	if err := s.parseTemplates(); err != nil {
		t.Fatal(err)
	}
	return s
}

// Every template parses and escapes in both languages and every key it uses is in the
// catalog (checked here, not at each start: the templates are built into the binary).
func TestTemplatesParseAndCatalogIsComplete(t *testing.T) {
	s := parsedServer(t)
	if err := s.tmpl.escapeAll(); err != nil {
		t.Fatal(err)
	}
	if err := checkCatalog(); err != nil {
		t.Fatal(err)
	}
	for _, lang := range []string{"zh", "en"} {
		for _, p := range []string{"auth/login", "auth/totp", "auth/enrol", "auth/password", "home/home",
			"org/tree", "org/search", "org/org", "org/form", "org/move", "org/dissolve",
			"user/list", "user/form", "user/reset", "audit/list", "audit/verify", "settings/settings", "error/error",
			"person/list", "person/form", "person/page", "person/duplicates", "person/merge", "person/post",
			"person/postend", "person/body", "person/bodymember", "youth/list", "youth/form", "youth/page",
			"youth/reveal", "import/upload", "import/status"} {
			if _, _, ok := s.tmpl.lookup(lang, p, "content"); !ok {
				t.Errorf("%s: page %s missing", lang, p)
			}
		}
	}
}

func TestStaticURLsCarryContentHash(t *testing.T) {
	a, err := loadAssets()
	if err != nil {
		t.Fatal(err)
	}
	u := a.url("app.css")
	if !strings.HasPrefix(u, "/static/") || !strings.HasSuffix(u, "/app.css") || u == "/static//app.css" {
		t.Fatalf("url %q", u)
	}
	if a.url("vendor/htmx.min.js") == a.url("vendor/echarts.min.js") {
		t.Fatal("distinct files share a URL")
	}
}

func TestPagerLinks(t *testing.T) {
	r := httptest.NewRequest("GET", "/users?q=a&page=2", nil)
	p := newPager(r, 2, 120)
	if p.Pages != 3 || p.Prev != "/users?page=1&q=a" || p.Next != "/users?page=3&q=a" {
		t.Fatalf("%+v", p)
	}
	if p := newPager(r, 1, 50); p.Pages != 1 || p.Prev != "" || p.Next != "" {
		t.Fatalf("%+v", p)
	}
	if p := newPager(r, 1, 0); p.Pages != 0 || p.Next != "" {
		t.Fatalf("%+v", p)
	}
}

func TestAuditFilterDatesAreShanghaiDays(t *testing.T) {
	f, err := auditFilter(map[string][]string{"from": {"2024-05-01"}, "to": {"2024-05-01"}, "action": {"login"}}, 1)
	if err != nil {
		t.Fatal(err)
	}
	if got := f.From.UTC().Format(time.RFC3339); got != "2024-04-30T16:00:00Z" {
		t.Fatalf("from %s", got)
	}
	if got := f.To.UTC().Format(time.RFC3339); got != "2024-05-01T16:00:00Z" {
		t.Fatalf("to %s (exclusive end of the day)", got)
	}
	if f.Action == nil || *f.Action != "login" || f.Username != nil {
		t.Fatalf("%+v", f)
	}
	if _, err := auditFilter(map[string][]string{"to": {"yesterday"}}, 1); guangong.FieldErrors(err)["to"].Zh == "" {
		t.Fatalf("bad date accepted: %v", err)
	}
}

func TestTotalShowsTheSearchCap(t *testing.T) {
	f := (&server{}).funcs("zh")["total"].(func(int) string)
	if got := f(guangong.SearchCountCap + 1); got != "1000+" {
		t.Errorf("capped total shown as %q", got)
	}
	if got := f(72); got != "72" {
		t.Errorf("total shown as %q", got)
	}
}

// Both languages render from the same parsed templates: the language is the namespace's,
// chosen per request. The same page, rendered over and over in both languages at once,
// must each time be wholly in its own language: the page's own text, a layout partial
// ("input", through `field`) and the shared frame, punctuation included.
func TestSamePageInBothLanguages(t *testing.T) {
	s := parsedServer(t)
	user := &guangong.User{DisplayName: "张三", Role: guangong.RoleClerk}
	// The page's own words and a partial's, then the frame's (only in the whole page).
	page := map[string][]string{"zh": {"修改密码", "再次输入新密码"}, "en": {"Change password", "Repeat the new password"}}
	frame := map[string][]string{"zh": {`<html lang="zh-CN"`, "跳到正文", "首页", "（录入员）"}, "en": {`<html lang="en"`, "Skip to content", "Home", " (Clerk)"}}
	other := map[string]string{"zh": "en", "en": "zh"}
	render := func(lang string) error {
		v := &view{Lang: lang, User: user, Title: "t", Path: "/password", Data: struct{ Forced, Next any }{}}
		for _, name := range []string{"layout", "content"} {
			buf, err := s.execute(lang, "auth/password", name, v)
			if err != nil {
				return err
			}
			out := buf.String()
			want := page[lang]
			if name == "layout" {
				want = append(want, frame[lang]...)
			}
			for _, w := range want {
				if !strings.Contains(out, w) {
					return fmt.Errorf("%s %s: %q missing", lang, name, w)
				}
			}
			for _, w := range append(page[other[lang]], frame[other[lang]]...) {
				if strings.Contains(out, w) {
					return fmt.Errorf("%s %s: the other language's %q shown", lang, name, w)
				}
			}
		}
		return nil
	}
	var wg sync.WaitGroup
	errs := make(chan error, 40)
	for i := range 40 {
		wg.Go(func() { errs <- render([]string{"zh", "en"}[i%2]) })
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
}
