package main

import (
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserTokenLifecycle: a county administrator mints an API token on the settings page
// with a 30-day lifetime, sees its expiry in the list, uses it, then changes the password on
// the password page; the list shows the token revoked and the API refuses it.
func TestBrowserTokenLifecycle(t *testing.T) {
	ctx := browser(t)
	dsn := filepath.Join(t.TempDir(), "demo.db")
	base, _ := startServer(t, "demo", "--addr", "127.0.0.1:0", "--db", dsn)
	if o, err := runCmd(t, "Xian-Admin-2026\n", "user", "add", "--db", dsn, "--username", "county",
		"--org", "431224", "--role", "orgadmin", "--name", "县管理员"); err != nil {
		t.Fatalf("user add: %v\n%s", err, o)
	}
	do(t, ctx,
		login(base, "county", "Xian-Admin-2026"),
		chromedp.Navigate(base+"/settings"),
		// Just signed in with the password: minting needs no second check.
		chromedp.WaitVisible(chromedp.ID("token-form")),
		chromedp.SendKeys(chromedp.ID("f-name"), "上报脚本"),
		chromedp.SetValue(chromedp.ID("f-expireDays"), "30"),
		click(chromedp.ID("token-submit")),
		chromedp.WaitVisible(chromedp.ID("new-token")),
		shot("token-minted"),
	)
	token := strings.TrimSpace(text(t, ctx, chromedp.ID("new-token")))
	row := text(t, ctx, chromedp.ID("token-table"))
	if !strings.Contains(row, "上报脚本") || strings.Contains(row, "不过期") || !strings.Contains(row, "有效") {
		t.Fatalf("the token list does not show the new token with an expiry, active:\n%s", row)
	}
	api := func() int {
		req, _ := http.NewRequest("GET", base+"/api/v1/me", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := api(); code != http.StatusOK {
		t.Fatalf("the new token: %d, want 200", code)
	}
	do(t, ctx,
		chromedp.Navigate(base+"/password"),
		chromedp.WaitVisible(chromedp.ID("password-form")),
		chromedp.SendKeys(chromedp.ID("f-oldPassword"), "Xian-Admin-2026"),
		chromedp.SendKeys(chromedp.ID("f-newPassword"), "Xian-Admin-2027"),
		chromedp.SendKeys(chromedp.ID("f-repeat"), "Xian-Admin-2027"),
		click(chromedp.ID("password-submit")),
		chromedp.WaitNotPresent(chromedp.ID("password-form")),
		chromedp.Navigate(base+"/settings"),
		chromedp.WaitVisible(chromedp.ID("token-table")),
		shot("token-revoked"),
	)
	if row := text(t, ctx, chromedp.ID("token-table")); !strings.Contains(row, "已吊销") {
		t.Fatalf("after the password change the token is not shown revoked:\n%s", row)
	}
	if code := api(); code != http.StatusUnauthorized {
		t.Fatalf("the token after a password change: %d, want 401", code)
	}
}
