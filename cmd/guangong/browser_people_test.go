package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/xuri/excelize/v2"

	"guangong/demo"
	"guangong/xlsx"
)

// volunteerSheet writes the downloadable template with two good rows and one bad one.
func volunteerSheet(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "五老.xlsx")
	out, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := xlsx.Template(out, xlsx.Volunteers); err != nil {
		t.Fatal(err)
	}
	out.Close()
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	sheet := f.GetSheetName(0)
	cols := xlsx.Columns(xlsx.Volunteers)
	rows := []map[string]string{
		{"姓名": "导入甲", "性别": "男", "出生日期": "1950-03-04", "五老类别": "老教师", "自愿登记日期": "2020-01-01"},
		{"姓名": "导入乙", "性别": "女", "出生日期": "1952-05-06", "五老类别": "老干部", "自愿登记日期": "2020-01-01"},
		{"姓名": "导入丙", "性别": "女", "出生日期": "1952-05-06", "五老类别": "老神仙", "自愿登记日期": "2020-01-01"},
	}
	for i, r := range rows {
		for j, c := range cols {
			cell, _ := excelize.CoordinatesToCellName(j+1, i+3) // row 2 holds the example
			if err := f.SetCellStr(sheet, cell, r[c]); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := f.Save(); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestBrowserPeople: the town clerk (with 未成年人信息 access) creates a volunteer, imports
// a sheet watching its progress and report, and reveals one youth's name with a reason; the
// village clerk (without) sees youths masked.
func TestBrowserPeople(t *testing.T) {
	ctx := browser(t)
	dsn := filepath.Join(t.TempDir(), "demo.db")
	base, _ := startServer(t, "demo", "--addr", "127.0.0.1:0", "--db", dsn)
	sheet := volunteerSheet(t)

	do(t, ctx, login(base, "dizhuang-clerk", demo.Password("dizhuang-clerk")))
	do(t, ctx, chromedp.WaitVisible(chromedp.ID("nav-volunteers")))
	do(t, ctx, click(chromedp.ID("nav-volunteers")))
	do(t, ctx, chromedp.WaitVisible(chromedp.ID("volunteer-table")))
	do(t, ctx,
		click(chromedp.ID("nav-volunteers")),
		chromedp.WaitVisible(chromedp.ID("volunteer-table")),
		click(chromedp.ID("volunteer-new")),
		chromedp.WaitVisible(chromedp.ID("volunteer-form")),
		chromedp.SendKeys(chromedp.ID("f-name"), "浏览器新增"),
		click(chromedp.ID("f-gender-male")),
		chromedp.SetValue(chromedp.ID("f-birthDate"), "1951-02-03"),
		chromedp.SetValue(chromedp.ID("f-category"), "teacher"),
		chromedp.SetValue(chromedp.ID("f-consentDate"), "2021-06-01"),
		chromedp.SendKeys(chromedp.ID("f-idNumber"), "110105195102030011"), // wrong check digit
		click(chromedp.ID("volunteer-submit")),
		chromedp.WaitVisible(chromedp.ID("f-idNumber-error")),
		shot("volunteer-form-error"),
		chromedp.Clear(chromedp.ID("f-idNumber")),
		click(chromedp.ID("volunteer-submit")),
		chromedp.WaitVisible(chromedp.ID("volunteer-facts")),
	)
	if facts := text(t, ctx, chromedp.CSS("main")); !strings.Contains(facts, "浏览器新增") || !strings.Contains(facts, "老教师") {
		t.Fatalf("the new volunteer's page:\n%s", facts)
	}

	// Import: the report names the bad row, nothing is saved until the clerk chooses.
	do(t, ctx,
		click(chromedp.ID("nav-import")),
		chromedp.WaitVisible(chromedp.ID("import-form")),
		click(chromedp.ID("f-kind-volunteer")),
		chromedp.SetUploadFiles(chromedp.ID("f-file"), []string{sheet}),
		click(chromedp.ID("import-submit")),
		chromedp.WaitVisible(chromedp.CSS(`#import-state[data-status="checked"]`)),
		shot("import-report"),
	)
	if report := text(t, ctx, chromedp.ID("import-problems")); !strings.Contains(report, "老神仙") || !strings.Contains(report, "五老类别") {
		t.Fatalf("the report does not name the bad cell:\n%s", report)
	}
	do(t, ctx,
		click(chromedp.ID("import-commit")),
		chromedp.WaitVisible(chromedp.ID("import-done")),
		chromedp.Navigate(base+"/volunteers?q=导入"),
		chromedp.WaitVisible(chromedp.ID("volunteer-table")),
	)
	if list := text(t, ctx, chromedp.ID("volunteer-table")); !strings.Contains(list, "导入甲") || !strings.Contains(list, "导入乙") || strings.Contains(list, "导入丙") {
		t.Fatalf("after import the list shows:\n%s", list)
	}

	// Reveal one youth's name: masked by default, shown after a reason is given.
	do(t, ctx,
		click(chromedp.ID("nav-youths")),
		chromedp.WaitVisible(chromedp.ID("youth-table")),
		click(chromedp.CSS("#youth-table tbody a")),
		chromedp.WaitVisible(chromedp.ID("youth-facts")),
	)
	if facts := text(t, ctx, chromedp.ID("youth-facts")); !strings.Contains(facts, "*") {
		t.Fatalf("a youth's page shows values unmasked before any reveal:\n%s", facts)
	}
	do(t, ctx,
		click(chromedp.ID("reveal-name")),
		chromedp.WaitVisible(chromedp.ID("reveal-form")),
		chromedp.SendKeys(chromedp.ID("f-reason"), "核对走访名单"),
		click(chromedp.ID("reveal-submit")),
		chromedp.WaitVisible(chromedp.ID("revealed-value")),
		shot("youth-revealed"),
	)
	if v := text(t, ctx, chromedp.ID("revealed-value")); v == "" || strings.Contains(v, "*") {
		t.Fatalf("revealed value %q", v)
	}

	// The village clerk has no 未成年人信息 access: a banner, masked names.
	do(t, ctx,
		click(chromedp.ID("logout")),
		chromedp.WaitVisible(chromedp.ID("login-username")),
		login(base, "village-clerk", demo.Password("village-clerk")),
		click(chromedp.ID("nav-youths")),
		chromedp.WaitVisible(chromedp.ID("masked-banner")),
		shot("youths-masked"),
	)
	if list := text(t, ctx, chromedp.ID("youth-table")); !strings.Contains(list, "*") {
		t.Fatalf("the village clerk sees youths unmasked:\n%s", list)
	}
}
