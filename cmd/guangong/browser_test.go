package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"guangong/demo"
)

// browser starts headless Chromium from GUANGONG_TEST_BROWSER, or skips (fails when strict).
func browser(t *testing.T) context.Context {
	t.Helper()
	path := os.Getenv("GUANGONG_TEST_BROWSER")
	if path == "" {
		if os.Getenv("GUANGONG_TEST_STRICT") == "1" {
			t.Fatal("GUANGONG_TEST_BROWSER is not set and GUANGONG_TEST_STRICT=1")
		}
		t.Skip("GUANGONG_TEST_BROWSER not set: browser tests skipped")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.WindowSize(1280, 900),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 2*time.Minute)
	t.Cleanup(func() { cancelTimeout(); cancelCtx(); cancelAlloc() })
	return ctx
}

// shot saves a screenshot when GUANGONG_TEST_SCREENSHOTS names a folder, for people to look at.
func shot(name string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		dir := os.Getenv("GUANGONG_TEST_SCREENSHOTS")
		if dir == "" {
			return nil
		}
		png, err := chromedp.FullScreenshot(100)(ctx, t)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644)
	})
}

func login(base, username, password string) chromedp.Action[chromedp.Void] {
	return chromedp.Steps(
		chromedp.Navigate(base+"/login"),
		chromedp.WaitVisible(chromedp.ID("login-username")),
		chromedp.SendKeys(chromedp.ID("login-username"), username),
		chromedp.SendKeys(chromedp.ID("login-password"), password),
		click(chromedp.ID("login-submit")),
		chromedp.WaitVisible(chromedp.ID("nav-settings")),
	)
}

// TestBrowserTreeAndLargeText: a county administrator logs in, creates a village committee
// under 低庄镇, finds it by expanding the tree lazily and by searching, and switches to
// 大字模式, which stays on after logging in again.
func TestBrowserTreeAndLargeText(t *testing.T) {
	ctx := browser(t)
	dsn := filepath.Join(t.TempDir(), "demo.db")
	base, _ := startServer(t, "demo", "--addr", "127.0.0.1:0", "--db", dsn)
	// The demo has no county-level administrator without a second factor; add one the
	// way an operator would.
	if o, err := runCmd(t, "Xian-Admin-2026\n", "user", "add", "--db", dsn, "--username", "county",
		"--org", "431224", "--role", "orgadmin", "--name", "县管理员"); err != nil {
		t.Fatalf("user add: %v\n%s", err, o)
	}

	const village = "示例新村关心下一代工作委员会"
	town := `//summary[contains(., "低庄镇关心下一代工作委员会")]`
	do(t, ctx,
		login(base, "county", "Xian-Admin-2026"),
		shot("home"),
		click(chromedp.ID("nav-tree")),
		chromedp.WaitVisible(chromedp.ID("org-tree")),
		// 低庄镇 has children, so its node loads them only when opened.
		click(town),
		chromedp.WaitVisible(`//a[contains(., "青松村关心下一代工作委员会")]`),
		click(`//details[./summary[contains(., "低庄镇关心下一代工作委员会")]]/p[@class="node-link"]/a`),
		chromedp.WaitVisible(chromedp.ID("org-new-child")),
		click(chromedp.ID("org-new-child")),
		chromedp.WaitVisible(chromedp.ID("org-form")),
		// First an invalid submission: nothing may be saved and the field says why.
		chromedp.SetValue(chromedp.ID("f-level"), "village"),
		chromedp.SendKeys(chromedp.ID("f-code"), "431224101299"),
		click(chromedp.ID("org-submit")),
		chromedp.WaitVisible(chromedp.ID("f-name-error")),
		shot("org-form-error"),
		chromedp.SendKeys(chromedp.ID("f-name"), village),
		click(chromedp.ID("org-submit")),
		chromedp.WaitVisible(chromedp.ID("org-facts")),
	)
	if page := text(t, ctx, chromedp.CSS("main")); !strings.Contains(page, village) || !strings.Contains(page, "431224101299") {
		t.Fatalf("the new committee's page lacks its name or code:\n%s", page)
	}
	// Find it in the tree, opening 低庄镇 lazily again, and by searching (htmx fills the
	// results as one types).
	do(t, ctx,
		click(chromedp.ID("nav-tree")),
		chromedp.WaitVisible(chromedp.ID("org-tree")),
		click(town),
		chromedp.WaitVisible(`//a[contains(., "`+village+`")]`),
		shot("tree"),
	)
	if tree := text(t, ctx, chromedp.ID("org-tree")); !strings.Contains(tree, village) {
		t.Fatalf("the new committee is missing from the tree:\n%s", tree)
	}
	do(t, ctx,
		chromedp.SendKeys(chromedp.ID("org-search"), "示例新村"),
		chromedp.WaitVisible(`//div[@id="search-results"]//a[contains(., "`+village+`")]`),
	)
	if found := text(t, ctx, chromedp.ID("search-results")); !strings.Contains(found, village) || strings.Contains(found, "青松村") {
		t.Fatalf("search for 示例新村 found:\n%s", found)
	}

	// 大字模式: one click, then it is remembered on the account across logins.
	do(t, ctx,
		click(chromedp.ID("large-text-switch")),
		chromedp.WaitVisible(chromedp.CSS("html.large-text")),
		shot("tree-large-text"),
		click(chromedp.ID("logout")),
		chromedp.WaitVisible(chromedp.ID("login-username")),
	)
	// Forget every cookie, as another browser would: the choice must come from the account.
	do(t, ctx, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, network.ClearBrowserCookies, cdp.Empty{})
		return err
	}), chromedp.Reload())
	if c := htmlClass(t, ctx); strings.Contains(c, "large-text") {
		t.Fatalf("large text on for a browser with no cookies (class %q)", c)
	}
	do(t, ctx, login(base, "county", "Xian-Admin-2026"))
	if c := htmlClass(t, ctx); !strings.Contains(c, "large-text") {
		t.Fatalf("large text not remembered across logins (class %q)", c)
	}
	// Keyboard: the first Tab lands on the skip link.
	do(t, ctx, chromedp.KeyEvent("\t"))
	focused, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.activeElement.className`))
	if err != nil {
		t.Fatal(err)
	}
	if focused != "skip" {
		t.Errorf("first Tab focused %q, want the skip link", focused)
	}
}

// click waits for sel and clicks it, trying again when a page that was still settling
// replaced the node between finding and clicking it (CDP error -32000).
func click[S chromedp.Selectable](sel S) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		var err error
		for range 5 {
			if _, err = chromedp.WaitVisible(sel)(ctx, tg); err == nil {
				if _, err = chromedp.Click(sel)(ctx, tg); err == nil {
					return nil
				}
			}
			if !strings.Contains(err.Error(), "-32000") {
				return err
			}
			time.Sleep(100 * time.Millisecond)
		}
		return err
	})
}

// htmxSettled waits until htmx has no request, swap or settle under way, twice in a row a
// tenth of a second apart: on a loaded machine a late swap otherwise replaces the node a
// test is about to focus or click.
func htmxSettled() chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		quiet := 0
		for quiet < 2 {
			busy, err := chromedp.Evaluate[bool](`document.querySelector(".htmx-request, .htmx-swapping, .htmx-settling") !== null`)(ctx, tg)
			if err != nil {
				return err
			}
			if busy {
				quiet = 0
			} else {
				quiet++
			}
			time.Sleep(100 * time.Millisecond)
		}
		return nil
	})
}

func do(t *testing.T, ctx context.Context, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatal(err)
	}
}

func text[S chromedp.Selectable](t *testing.T, ctx context.Context, sel S) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(sel))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func htmlClass(t *testing.T, ctx context.Context) string {
	t.Helper()
	c, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.documentElement.className`))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestBrowserPhoneWidth: on a 360-px phone the pages fit without sideways scrolling.
func TestBrowserPhoneWidth(t *testing.T) {
	ctx := browser(t)
	dsn := filepath.Join(t.TempDir(), "demo.db")
	base, _ := startServer(t, "demo", "--addr", "127.0.0.1:0", "--db", dsn)
	do(t, ctx, chromedp.EmulateViewport(360, 740), login(base, "dizhuang", demo.Password("dizhuang")))
	for _, page := range []string{"/", "/orgs", "/users", "/settings", "/users/new"} {
		do(t, ctx,
			chromedp.Navigate(base+page),
			chromedp.WaitVisible(chromedp.CSS("main")),
			shot("phone"+strings.ReplaceAll(page, "/", "-")),
		)
		fitsPhone(t, ctx, page)
	}
}

// fitsPhone fails the test if the page now shown is wider than a 360-px phone.
func fitsPhone(t *testing.T, ctx context.Context, page string) {
	t.Helper()
	width, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`))
	if err != nil {
		t.Fatal(page, err)
	}
	if width > 360 {
		t.Errorf("%s is %d px wide on a 360-px phone", page, width)
	}
}
