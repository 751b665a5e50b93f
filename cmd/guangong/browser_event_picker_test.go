package main

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"guangong/demo"
)

// TestBrowserEventPicker: on a 360-px phone, by keyboard only, the town clerk finds a
// volunteer by typing part of a name into the meeting form, adds them with Tab and Enter
// (Enter in the search box submits nothing), and the saved meeting lists them.
func TestBrowserEventPicker(t *testing.T) {
	ctx := browser(t)
	base, _ := startServer(t, "demo", "--addr", "127.0.0.1:0", "--db", t.TempDir()+"/demo.db")
	do(t, ctx,
		chromedp.EmulateViewport(360, 740),
		login(base, "dizhuang-clerk", demo.Password("dizhuang-clerk")),
	)
	do(t, ctx,
		chromedp.Navigate(base+"/volunteers"),
		chromedp.WaitReady(chromedp.CSS("main")),
	)
	// A volunteer of the demo, by the first two characters of a name listed.
	first, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("#volunteer-results tbody td a, #volunteer-results li a").textContent.trim()`))
	if err != nil || len([]rune(first)) < 2 {
		t.Fatalf("a volunteer's name: %q %v", first, err)
	}
	part := string([]rune(first)[:2])
	do(t, ctx,
		chromedp.Navigate(base+"/events/new?type=meeting"),
		chromedp.WaitVisible(chromedp.ID("f-volunteer-q")),
		chromedp.SendKeys(chromedp.ID("f-title"), "浏览器选人的座谈会"),
		chromedp.SetValue(chromedp.ID("f-kind"), "forum"),
		chromedp.SendKeys(chromedp.ID("f-volunteer-q"), part),
		// Each typed character may swap the matches once more, and Enter searches again:
		// wait until htmx is quiet before moving focus, so no late swap removes the match.
		chromedp.Sleep(400*time.Millisecond), // the input's 300 ms delay
		htmxSettled(),
		chromedp.WaitVisible(chromedp.CSS("#pick-volunteer .pick-add")),
		chromedp.KeyEvent(kb.Enter), // in the search box: nothing is submitted
		htmxSettled(),
		chromedp.KeyEvent("\t"),     // to the first match
		chromedp.KeyEvent(kb.Enter), // add it
		chromedp.WaitVisible(chromedp.CSS("#f-volunteerIds input[type=checkbox]")),
		shot("event-picker"),
	)
	width, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`))
	if err != nil || width > 360 {
		t.Errorf("the form is %d px wide on a 360-px phone (%v)", width, err)
	}
	url, err := chromedp.Run(ctx, chromedp.Evaluate[string](`location.pathname + location.search`))
	if err != nil || url != "/events/new?type=meeting" {
		t.Fatalf("Enter in the search box left the form: %q %v", url, err)
	}
	chosen := text(t, ctx, chromedp.ID("f-volunteerIds"))
	if !strings.Contains(chosen, part) {
		t.Fatalf("chosen %q, searched %q", chosen, part)
	}
	name := strings.TrimSpace(chosen[:strings.Index(chosen, "（")])
	do(t, ctx,
		chromedp.SetValue(chromedp.ID("f-status"), "planned"),
		click(chromedp.CSS(`#event-form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.ID("event-volunteers")),
	)
	if got := text(t, ctx, chromedp.ID("event-volunteers")); !strings.Contains(got, name) {
		t.Fatalf("the saved meeting lists %q, want %q", got, name)
	}
}
