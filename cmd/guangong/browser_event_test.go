package main

import (
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"guangong/demo"
)

// photoFile writes a small real PNG, as a phone's camera would hand over a JPEG.
func photoFile(t *testing.T) string {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 64, 48))
	for x := range 64 {
		for y := range 48 {
			img.Set(x, y, color.RGBA{uint8(x * 4), uint8(y * 5), 120, 255})
		}
	}
	path := filepath.Join(t.TempDir(), "现场照片.png")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := png.Encode(f, img); err != nil {
		t.Fatal(err)
	}
	f.Close()
	return path
}

// TestBrowserQuickEntry: on a 360-px phone the town clerk records a held activity through
// quick entry with a photo, sees the photo on the record, and finds the activity on the
// month calendar; the pages fit the screen.
func TestBrowserQuickEntry(t *testing.T) {
	ctx := browser(t)
	dsn := filepath.Join(t.TempDir(), "demo.db")
	base, _ := startServer(t, "demo", "--addr", "127.0.0.1:0", "--db", dsn)
	photo := photoFile(t)
	const title = "浏览器快速登记的护学岗"
	do(t, ctx,
		chromedp.EmulateViewport(360, 740),
		login(base, "dizhuang-clerk", demo.Password("dizhuang-clerk")),
		chromedp.Navigate(base+"/events/quick"),
		chromedp.WaitVisible(chromedp.ID("quick-form")),
	)
	fitsPhone(t, ctx, "/events/quick")
	// First without a category: the form says so and keeps what was typed.
	do(t, ctx,
		chromedp.SendKeys(chromedp.ID("f-title"), title),
		click(chromedp.ID("quick-submit")),
		chromedp.WaitVisible(chromedp.ID("f-category-error")),
		shot("quick-error"),
	)
	do(t, ctx,
		click(chromedp.ID("q-cat-service")),
		chromedp.SetValue(chromedp.ID("f-subcategory"), "school_guard"),
		chromedp.SetValue(chromedp.ID("f-from"), "00:00"),
		chromedp.SetValue(chromedp.ID("f-to"), "00:01"),
		chromedp.SetValue(chromedp.ID("f-youthsServed"), "45"),
		chromedp.SetValue(chromedp.ID("f-othersCount"), "3"),
		chromedp.SetUploadFiles(chromedp.ID("f-photo"), []string{photo}),
		shot("quick-filled"),
		click(chromedp.ID("quick-submit")),
		chromedp.WaitVisible(chromedp.ID("event-saved")),
		chromedp.WaitVisible(chromedp.CSS("#attachment-list img")),
		shot("quick-saved"),
	)
	fitsPhone(t, ctx, "the saved activity")
	if page := text(t, ctx, chromedp.CSS("main")); !strings.Contains(page, title) || !strings.Contains(page, "已举行") ||
		!strings.Contains(page, "现场照片.png") || !strings.Contains(page, "48") {
		t.Fatalf("the recorded activity's page:\n%s", page)
	}
	loaded, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => { const i = document.querySelector("#attachment-list img"); return i.complete && i.naturalWidth === 64 })()`))
	if err != nil {
		t.Fatal(err)
	}
	if !loaded {
		t.Error("the uploaded photo does not load back")
	}
	do(t, ctx,
		click(chromedp.ID("nav-events")),
		chromedp.WaitVisible(chromedp.ID("calendar")),
		chromedp.WaitVisible(`//table[@id="calendar"]//a[contains(., "`+title+`")]`),
		shot("calendar-phone"),
	)
	fitsPhone(t, ctx, "/events/calendar")
	if cal := text(t, ctx, chromedp.ID("calendar")); !strings.Contains(cal, title) {
		t.Fatalf("the calendar lacks the activity:\n%s", cal)
	}
}
