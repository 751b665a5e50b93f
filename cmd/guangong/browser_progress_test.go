package main

import (
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"guangong/demo"
)

// TestBrowserProgressFollowsQuickEntry: on a 360-px phone the town clerk opens the
// progress page of the town's whole subtree for this year (the figures from the tallies,
// the charts drawn), records a held activity through quick entry, and finds the subtree's
// activities one more.
func TestBrowserProgressFollowsQuickEntry(t *testing.T) {
	ctx := browser(t)
	dsn := filepath.Join(t.TempDir(), "demo.db")
	base, _ := startServer(t, "demo", "--addr", "127.0.0.1:0", "--db", dsn)
	activities := func() int {
		t.Helper()
		do(t, ctx,
			chromedp.Navigate(base+"/progress"),
			chromedp.WaitVisible(chromedp.ID("progress-toggle")),
		)
		if mode := text(t, ctx, chromedp.ID("progress-toggle")); !strings.Contains(mode, "本组织") {
			do(t, ctx, click(chromedp.ID("progress-toggle")), chromedp.WaitVisible(chromedp.ID("goal-table")))
		}
		if mode := text(t, ctx, chromedp.ID("progress-mode")); !strings.Contains(mode, "下级") {
			t.Fatalf("not the subtree's page: %q", mode)
		}
		// The charts are drawn from their tables' data once ECharts has loaded.
		do(t, ctx, chromedp.WaitVisible(chromedp.CSS("#month-chart canvas")))
		done := text(t, ctx, chromedp.ID("done-activities"))
		n, err := strconv.Atoi(strings.TrimSpace(strings.TrimRightFunc(done, func(r rune) bool { return r < '0' || r > '9' })))
		if err != nil {
			t.Fatalf("activities done %q: %v", done, err)
		}
		return n
	}
	do(t, ctx,
		chromedp.EmulateViewport(360, 740),
		login(base, "dizhuang-clerk", demo.Password("dizhuang-clerk")),
	)
	before := activities()
	do(t, ctx, shot("progress-subtree-phone"))
	fitsPhone(t, ctx, "/progress (subtree)")
	do(t, ctx,
		chromedp.Navigate(base+"/events/quick"),
		chromedp.WaitVisible(chromedp.ID("quick-form")),
		click(chromedp.ID("q-cat-moral")),
		chromedp.SetValue(chromedp.ID("f-subcategory"), "lecture"),
		chromedp.SetValue(chromedp.ID("f-from"), "00:00"),
		chromedp.SetValue(chromedp.ID("f-to"), "00:01"),
		click(chromedp.ID("quick-submit")),
		chromedp.WaitVisible(chromedp.ID("event-saved")),
	)
	if after := activities(); after != before+1 {
		t.Errorf("the subtree's activities went from %d to %d after one more, want %d", before, after, before+1)
	}
}
