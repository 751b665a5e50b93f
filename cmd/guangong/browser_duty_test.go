package main

import (
	"database/sql"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	_ "modernc.org/sqlite"

	"guangong"
	"guangong/demo"
)

// TestBrowserDutyCheckIn: the town clerk sets up a school-gate post and a shift that began
// five minutes ago; the post's page serves its QR code. The town's administrator makes a
// volunteer account. On a 360-px phone that volunteer opens the address the code holds (as
// a scan would), logs in, comes back to the check-in page, signs up, checks in, checks out
// and sees the hours recorded.
func TestBrowserDutyCheckIn(t *testing.T) {
	ctx := browser(t)
	dsn := filepath.Join(t.TempDir(), "demo.db")
	base, _ := startServer(t, "demo", "--addr", "127.0.0.1:0", "--db", dsn)

	now := time.Now().In(guangong.Shanghai)
	const layout = "2006-01-02T15:04"
	do(t, ctx,
		login(base, "dizhuang-clerk", demo.Password("dizhuang-clerk")),
		click(chromedp.ID("nav-duty")),
		click(chromedp.ID("duty-post-new")),
		chromedp.WaitVisible(chromedp.ID("duty-post-form")),
		chromedp.SetValue(chromedp.ID("f-kind"), "school_gate"),
		chromedp.SendKeys(chromedp.ID("f-name"), "浏览器小学校门"),
		chromedp.SendKeys(chromedp.ID("f-place"), "中心小学南门"),
		click(chromedp.ID("duty-post-submit")),
		chromedp.WaitVisible(chromedp.ID("duty-qr-img")),
		shot("duty-post"),
	)
	// The QR image is served and drawn.
	loaded, err := chromedp.Run(ctx, chromedp.Poll[bool](
		`(() => { const i = document.getElementById("duty-qr-img"); return i.complete && i.naturalWidth > 100; })()`,
		chromedp.WithPollingTimeout(10*time.Second)))
	if err != nil || !loaded {
		t.Fatalf("the QR image did not load: %v", err)
	}
	svg, err := chromedp.Run(ctx, chromedp.Evaluate[string](`fetch(document.getElementById("duty-qr-img").src)
		.then(r => r.headers.get("Content-Type") + " " + r.status)`, chromedp.EvalAwaitPromise))
	if err != nil || svg != "image/svg+xml 200" {
		t.Fatalf("QR image answer %q (%v)", svg, err)
	}
	checkIn := strings.TrimSpace(text(t, ctx, chromedp.ID("duty-checkin-url")))
	if !strings.HasPrefix(checkIn, base+"/checkin/") {
		t.Fatalf("the QR code's address %q is not this server's check-in page", checkIn)
	}

	// A shift that ends before it starts is refused beside the field; then one that began
	// half an hour ago.
	do(t, ctx,
		click(chromedp.ID("duty-shift-new")),
		chromedp.WaitVisible(chromedp.ID("duty-shift-form")),
		chromedp.SendKeys(chromedp.ID("f-role"), "护学"),
		chromedp.SetValue(chromedp.ID("f-startsAt"), now.Add(-30*time.Minute).Format(layout)),
		chromedp.SetValue(chromedp.ID("f-endsAt"), now.Add(-40*time.Minute).Format(layout)),
		chromedp.SetValue(chromedp.ID("f-headcount"), "2"),
		click(chromedp.ID("duty-shift-submit")),
		chromedp.WaitVisible(chromedp.ID("f-endsAt-error")),
		chromedp.SetValue(chromedp.ID("f-endsAt"), now.Add(30*time.Minute).Format(layout)),
		click(chromedp.ID("duty-shift-submit")),
		chromedp.WaitVisible(chromedp.ID("duty-filled")),
		click(chromedp.ID("logout")),
		chromedp.WaitVisible(chromedp.ID("login-username")),
	)

	// The town's administrator makes a volunteer's own account, linked to a volunteer of the
	// town (not the demo's volunteer, who is on the duty group's shift today).
	do(t, ctx,
		login(base, "dizhuang", demo.Password("dizhuang")),
		chromedp.Navigate(base+"/users/new"),
		chromedp.WaitVisible(chromedp.ID("user-form")),
		chromedp.SendKeys(chromedp.ID("f-username"), "phone.vol"),
		chromedp.SendKeys(chromedp.ID("f-displayName"), "扫码志愿者"),
		chromedp.SetValue(chromedp.ID("f-role"), "volunteer"),
		chromedp.SendKeys(chromedp.ID("f-password"), "Phone-Vol-2026"),
		click(chromedp.ID("user-submit")),
		chromedp.WaitVisible(chromedp.ID("f-volunteerId-error")), // a volunteer account needs its volunteer
		chromedp.Evaluate[chromedp.Void](`document.getElementById("f-volunteerId").selectedIndex = 10`),
		chromedp.SendKeys(chromedp.ID("f-password"), "Phone-Vol-2026"),
		click(chromedp.ID("user-submit")),
		chromedp.WaitVisible(chromedp.ID("user-reset")),
		click(chromedp.ID("logout")),
		chromedp.WaitVisible(chromedp.ID("login-username")),
	)

	// The phone: 360 px wide, the scanned address opened before logging in.
	do(t, ctx,
		chromedp.EmulateViewport(360, 740, chromedp.EmulateMobile),
		chromedp.Navigate(checkIn),
		chromedp.WaitVisible(chromedp.ID("login-username")),
		chromedp.SendKeys(chromedp.ID("login-username"), "phone.vol"),
		chromedp.SendKeys(chromedp.ID("login-password"), "Phone-Vol-2026"),
		click(chromedp.ID("login-submit")),
		chromedp.WaitVisible(chromedp.ID("checkin-none")),
		shot("duty-checkin-none"),
		click(chromedp.CSS("button.checkin-signup")),
		chromedp.WaitVisible(chromedp.ID("checkin-in")),
		shot("duty-checkin-ready"),
	)
	if page := text(t, ctx, chromedp.ID("checkin")); !strings.Contains(page, "浏览器小学校门") || !strings.Contains(page, "护学") {
		t.Fatalf("the check-in page lacks the post or the shift:\n%s", page)
	}
	wide, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`))
	if err != nil || wide > 360 {
		t.Errorf("the check-in page is %d px wide on a 360-px screen (%v)", wide, err)
	}
	tall, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.getElementById("checkin-in").getBoundingClientRect().height`))
	if err != nil || tall < 48 {
		t.Errorf("the 签到 button is %d px tall, want a large target (%v)", tall, err)
	}
	do(t, ctx,
		click(chromedp.ID("checkin-in")),
		chromedp.WaitVisible(chromedp.ID("checkin-out")),
		shot("duty-checked-in"),
	)
	// A test cannot wait on duty: the check-in is moved 25 minutes back, as if the volunteer
	// had arrived then; the served time counts from it.
	db, err := sql.Open("sqlite", dsn+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	earlier := time.Now().UTC().Add(-25 * time.Minute).Format("2006-01-02T15:04:05.000000Z")
	if res, err := db.Exec(`UPDATE shift_volunteers SET check_in_at = $1 WHERE check_in_at <> '' AND check_out_at = ''
		AND shift_id IN (SELECT s.id FROM shifts s JOIN duty_posts p ON p.id = s.post_id WHERE p.name = '浏览器小学校门')`, earlier); err != nil {
		t.Fatal(err)
	} else if n, _ := res.RowsAffected(); n != 1 {
		t.Fatalf("moved %d check-ins, want 1", n)
	}
	do(t, ctx,
		click(chromedp.ID("checkin-out")),
		chromedp.WaitVisible(chromedp.ID("checkin-done")),
		shot("duty-checked-out"),
	)
	// At least 25 minutes served (26 if the clicks took over a minute), clipped to the shift.
	hours := text(t, ctx, chromedp.ID("checkin-hours"))
	if !regexp.MustCompile(`：2[56]分钟`).MatchString(hours) {
		t.Fatalf("hours recorded: %q", hours)
	}
	do(t, ctx,
		click(chromedp.ID("nav-duty")),
		chromedp.WaitVisible(chromedp.ID("duty-mine")),
		shot("duty-mine"),
	)
	if mine := text(t, ctx, chromedp.ID("duty-mine")); !strings.Contains(mine, "浏览器小学校门") || !strings.Contains(mine, "待确认") || !regexp.MustCompile(`2[56]分钟`).MatchString(mine) {
		t.Fatalf("my shifts:\n%s", mine)
	}
	// A volunteer's account reads no registry.
	do(t, ctx, chromedp.Navigate(base+"/volunteers"), chromedp.WaitVisible(chromedp.CSS("main")))
	if page := text(t, ctx, chromedp.CSS("main")); !strings.Contains(page, "无权") {
		t.Fatalf("the volunteer reached the registry:\n%s", page)
	}
}
