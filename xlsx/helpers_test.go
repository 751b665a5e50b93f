package xlsx

import (
	"bytes"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"guangong"
)

// testNow is the day the checks run on.
var testNow = time.Date(2026, 6, 1, 10, 0, 0, 0, guangong.Shanghai)

// orgs are the committee codes the tests' caller knows.
func orgs(code string) (string, bool) {
	id, ok := map[string]string{"C001": "org-village", "C002": "org-school"}[code]
	return id, ok
}

// id makes a valid ID number (GB 11643 check digit) for a birth date and a sequence.
func id(birth string, seq int) string {
	first := "431224" + strings.ReplaceAll(birth, "-", "") + string(rune('0'+seq/100%10)) + string(rune('0'+seq/10%10)) + string(rune('0'+seq%10))
	return first + string(guangong.IDCheckChar(first))
}

// withBadCheck returns the ID with a wrong check character.
func withBadCheck(id string) string {
	good := id[17]
	for _, c := range "0123456789X" {
		if byte(c) != good {
			return id[:17] + string(c)
		}
	}
	panic("unreachable")
}

// sheet writes an xlsx with one sheet: the header row, then rows (cells may be any type
// excelize accepts: strings, numbers, times).
func sheet(t testing.TB, head []string, rows ...[]any) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	h := make([]any, len(head))
	for i, s := range head {
		h[i] = s
	}
	if err := f.SetSheetRow("Sheet1", "A1", &h); err != nil {
		t.Fatal(err)
	}
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		if err := f.SetSheetRow("Sheet1", cell, &r); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// csvText joins rows into CSV text (no quoting needed by the tests' values).
func csvText(rows ...[]string) string {
	var b strings.Builder
	for _, r := range rows {
		b.WriteString(strings.Join(r, ","))
		b.WriteString("\r\n")
	}
	return b.String()
}

func checkV(t testing.TB, data []byte, filename string) ([]Row[*guangong.Volunteer], []guangong.ImportProblem) {
	t.Helper()
	rows, problems, err := CheckVolunteers(bytes.NewReader(data), filename, "org-town", orgs, testNow, nil)
	if err != nil {
		t.Fatalf("CheckVolunteers: %v", err)
	}
	return rows, problems
}

func checkY(t testing.TB, data []byte, filename string) ([]Row[*guangong.Youth], []guangong.ImportProblem) {
	t.Helper()
	rows, problems, err := CheckYouths(bytes.NewReader(data), filename, "org-village", orgs, testNow, nil)
	if err != nil {
		t.Fatalf("CheckYouths: %v", err)
	}
	return rows, problems
}

// vHead is the volunteer header the hand-made sheets use (the required columns and a few).
var vHead = []string{"姓名", "性别", "出生日期", "身份证号", "联系电话", "五老类别", "是否党员", "特长", "状态", "自愿登记日期", "所属组织代码"}

// vRow is a valid volunteer row under vHead.
func vRow(name, birth, idNumber string) []any {
	return []any{name, "男", birth, idNumber, "13800001111", "老教师", "是", "宣讲、学业辅导", "在册", "2024-03-01", ""}
}

func problemsText(ps []guangong.ImportProblem) string {
	var b strings.Builder
	for _, p := range ps {
		b.WriteString(strings.Join([]string{strconv.Itoa(p.Row), p.Column, p.Value, p.Message.Zh}, " | "))
		b.WriteString("\n")
	}
	return b.String()
}
