package xlsx

import (
	"bytes"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
	"unsafe"

	"github.com/xuri/excelize/v2"

	"guangong"
)

// A sheet with good and bad rows gives exactly the expected problems, in row and column
// order, and only the good rows as records.
func TestCheckVolunteersProblems(t *testing.T) {
	good := id("1950-03-15", 11)
	mismatch := id("1950-03-16", 21)
	data := sheet(t, vHead,
		vRow("张三", "1950-03-15", good),                                                                    // 2 good
		vRow("李四", "1951-04-01", withBadCheck(id("1951-04-01", 31))),                                      // 3 bad check digit
		vRow("王五", "1950-03-15", mismatch),                                                                // 4 ID and birth disagree
		[]any{"赵六", "女", "1952-01-02", "", "1380000111", "老干部", "否", "", "", "2024-03-01", ""},            // 5 bad phone
		[]any{"钱七", "男", "1950-13-01", "", "", "老战士", "", "", "", "2024-03-01", ""},                       // 6 bad date
		[]any{"孙八", "男", "1950-01-01", "", "", "老领导", "", "", "", "2024-03-01", ""},                       // 7 unknown category
		[]any{"", "男", "1950-01-01", "", "", "老专家", "", "", "", "2024-03-01", ""},                         // 8 missing name
		vRow("周九", "1950-03-15", good),                                                                    // 9 duplicate ID of row 2
		[]any{"张三", "男", "1950-03-15", "", "", "老模范", "", "", "", "2024-03-01", ""},                       // 10 same name, birth, committee as row 2
		[]any{"吴十", "男", "1950-01-01", "", "", "老教师", "", "", "", "2024-03-01", "X999"},                   // 11 unknown committee code
		[]any{"郑一", "女", "1949/10/1", "", "", "老教师", "", "书法、宣讲", "", "2024-03-01", "C001"},               // 12 unknown skill
		[]any{"冯二", "女", "1949.10.1", "", "", "老教师", "可能", "", "退休", "", "C001"},                          // 13 bad bool, status; missing consent
		[]any{"陈三", "女", "19491001", "", "0745-3221234", "老教师", "N", "医疗 体育", "暂停", "2024-03-01", "C001"}, // 14 good
	)
	rows, problems := checkV(t, data, "名册.xlsx")

	want := []guangong.ImportProblem{
		{Row: 3, Column: "身份证号", Value: guangong.MaskIDNumber(withBadCheck(id("1951-04-01", 31))), Message: guangong.Msg{Zh: "身份证号校验位不正确"}},
		{Row: 4, Column: "身份证号", Value: guangong.MaskIDNumber(mismatch), Message: guangong.Msg{Zh: "身份证号与出生日期不一致"}},
		{Row: 5, Column: "联系电话", Value: guangong.MaskPhone("1380000111"), Message: guangong.Msg{Zh: "电话应为11位手机号或带区号的固定电话"}},
		{Row: 6, Column: "出生日期", Value: "1950-13-01", Message: guangong.Msg{Zh: "出生日期格式应为 年-月-日，如 2019-05-01"}},
		{Row: 7, Column: "五老类别", Value: "老领导", Message: guangong.Msg{Zh: "五老类别只能填：老干部、老战士、老专家、老教师、老模范"}},
		{Row: 8, Column: "姓名", Value: "", Message: guangong.Msg{Zh: "姓名不能为空"}},
		{Row: 9, Column: "身份证号", Value: guangong.MaskIDNumber(good), Message: guangong.Msg{Zh: "与第2行的身份证号重复"}},
		{Row: 10, Column: "姓名", Value: "张三", Message: guangong.Msg{Zh: "与第2行的姓名、出生日期和所属组织相同，可能重复登记"}},
		{Row: 11, Column: "所属组织代码", Value: "X999", Message: guangong.Msg{Zh: "组织代码「X999」不存在或不在您的管辖范围内"}},
		{Row: 12, Column: "特长", Value: "书法、宣讲", Message: guangong.Msg{Zh: "特长中的「书法」不在可选范围内，可选：宣讲、学业辅导、文艺、法律、医疗、体育、其他（其他内容请写在备注或其他特长中）"}},
		{Row: 13, Column: "是否党员", Value: "可能", Message: guangong.Msg{Zh: "是否党员只能填 是 或 否"}},
		{Row: 13, Column: "状态", Value: "退休", Message: guangong.Msg{Zh: "状态只能填：在册、暂停、已故"}},
		{Row: 13, Column: "自愿登记日期", Value: "", Message: guangong.Msg{Zh: "自愿登记日期不能为空"}},
	}
	if got, exp := zhOnly(problems), want; !slices.Equal(got, exp) {
		t.Errorf("problems:\n%s\nwant:\n%s", problemsText(got), problemsText(exp))
	}
	for _, p := range problems {
		if p.Message.En == "" {
			t.Errorf("row %d %s: no English message", p.Row, p.Column)
		}
	}

	if len(rows) != 2 || rows[0].Line != 2 || rows[1].Line != 14 {
		t.Fatalf("valid rows: %+v", rows)
	}
	v := rows[0].Record
	if v.Name != "张三" || v.Gender != guangong.Male || v.BirthDate != "1950-03-15" || v.IDNumber != good ||
		v.Phone != "13800001111" || v.Category != guangong.ElderTeacher || !v.PartyMember ||
		!slices.Equal(v.Skills, []string{"lecture", "tutoring"}) || v.Status != "active" ||
		v.ConsentDate != "2024-03-01" || v.OrgID != "org-town" {
		t.Errorf("row 2 record: %+v", v)
	}
	v = rows[1].Record
	if v.BirthDate != "1949-10-01" || v.Phone != "0745-3221234" || v.PartyMember || v.Status != "inactive" ||
		!slices.Equal(v.Skills, []string{"medical", "sports"}) || v.OrgID != "org-village" || v.Gender != guangong.Female {
		t.Errorf("row 14 record: %+v", v)
	}
}

// zhOnly drops the English half, which the test checks separately for presence.
func zhOnly(ps []guangong.ImportProblem) []guangong.ImportProblem {
	out := slices.Clone(ps)
	for i := range out {
		out[i].Message.En = ""
	}
	return out
}

func TestCheckYouthsProblems(t *testing.T) {
	head := []string{"姓名", "性别", "出生日期", "身份证号", "所在村(社区)或学校代码", "监护人姓名", "与监护人关系",
		"监护人电话", "类别", "同意人", "同意人关系", "同意日期", "使用目的"}
	data := sheet(t, head,
		[]any{"李小明", "男", "2014-09-01", id("2014-09-01", 11), "", "李大山", "祖父", "13900002222", "留守儿童、单亲", "李大山", "祖父", "2024-03-01", "关爱帮扶"},
		[]any{"王小红", "女", "1990-01-01", "", "C002", "王母", "母亲", "", "家庭贫困", "王母", "母亲", "2024-03-01", "关爱帮扶"},
		[]any{"刘小军", "男", "2015-02-03", "", "", "刘父", "父亲", "", "困境儿童", "", "父亲", "2024-03-01", "关爱帮扶"},
		[]any{"陈小花", "女", "2016-06-06", "", "c002", "陈母", "母亲", "", "困境儿童（残疾） 孤儿", "陈母", "母亲", "2024-03-01", "关爱帮扶"},
		[]any{"李小明", "男", "2014-09-01", id("2014-09-01", 11), "", "李大山", "祖父", "1390000222", "", "李大山", "祖父", "2024-03-01", "关爱帮扶"},
	)
	rows, problems := checkY(t, data, "youths.xlsx")
	want := []guangong.ImportProblem{
		{Row: 3, Column: "出生日期", Value: "1990-01-01", Message: guangong.Msg{Zh: "青少年年龄不应超过25岁，请核对出生日期"}},
		{Row: 4, Column: "类别", Value: "困境儿童", Message: guangong.Msg{Zh: "类别中的「困境儿童」不在可选范围内，可选：留守儿童、困境儿童（家庭贫困）、困境儿童（残疾）、困境儿童（监护缺失）、单亲、孤儿、其他（其他内容请写在备注或其他特长中）"}},
		{Row: 4, Column: "同意人", Value: "", Message: guangong.Msg{Zh: "同意人不能为空"}},
		{Row: 5, Column: "所在村（社区）或学校代码", Value: "c002", Message: guangong.Msg{Zh: "组织代码「c002」不存在或不在您的管辖范围内"}},
		// A child's name, ID number and the guardian's phone are quoted masked.
		{Row: 6, Column: "姓名", Value: "李**", Message: guangong.Msg{Zh: "与第2行的姓名、出生日期和所属组织相同，可能重复登记"}},
		{Row: 6, Column: "身份证号", Value: guangong.MaskIDNumber(id("2014-09-01", 11)), Message: guangong.Msg{Zh: "与第2行的身份证号重复"}},
		{Row: 6, Column: "监护人电话", Value: "139***0222", Message: guangong.Msg{Zh: "电话应为11位手机号或带区号的固定电话"}},
	}
	if got := zhOnly(problems); !slices.Equal(got, want) {
		t.Errorf("problems:\n%s\nwant:\n%s", problemsText(got), problemsText(want))
	}
	if len(rows) != 1 || rows[0].Line != 2 {
		t.Fatalf("valid rows: %+v", rows)
	}
	y := rows[0].Record
	if y.Name != "李小明" || y.OrgID != "org-village" || y.GuardianPhone != "13900002222" ||
		!slices.Equal(y.Categories, []string{"left_behind", "single_parent"}) || y.ConsentPurpose != "关爱帮扶" {
		t.Errorf("record: %+v", y)
	}
}

// Headers are found by name: in another order, with spaces and full-width parentheses,
// under a title row, with a column the template does not know; the example row is skipped
// wherever its name column sits.
func TestCheckColumnsByName(t *testing.T) {
	f := excelize.NewFile()
	rows := [][]any{
		{"低庄镇五老名册（2024年）"},
		{" 自愿登记日期 ", "五老类别", "工号", "出生日期", "姓名＊", "性别（必填）", "所属组织代码"},
		{"2024-03-01", "老干部", "A-17", "1950-03-15", "示例：王建国", "男", ""},
		{"2024-03-01", "老干部", "A-18", "1950-03-15", "张三", "男", "C002"},
		{},
		{"2024-03-01", "老战士", "A-19", "1948-08-01", "李四", "女", ""},
	}
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow("Sheet1", cell, &r); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	got, problems := checkV(t, buf.Bytes(), "x.xlsx")
	if len(problems) != 0 {
		t.Fatalf("problems:\n%s", problemsText(problems))
	}
	if len(got) != 2 || got[0].Line != 4 || got[1].Line != 6 {
		t.Fatalf("rows: %+v", got)
	}
	if r := got[0].Record; r.Name != "张三" || r.Category != guangong.ElderCadre || r.OrgID != "org-school" || r.BirthDate != "1950-03-15" {
		t.Errorf("row 4: %+v", r)
	}
	if r := got[1].Record; r.Name != "李四" || r.Gender != guangong.Female || r.OrgID != "org-town" {
		t.Errorf("row 6: %+v", r)
	}
}

// What Excel does to numbers: an ID typed into a number cell becomes a float (refused with
// a message saying how to fix it), a phone becomes a number (accepted), dates become date
// cells or serials (accepted).
func TestCheckExcelNumbers(t *testing.T) {
	idn := id("1950-03-15", 11)
	data := sheet(t, vHead,
		[]any{"张三", "男", time.Date(1950, 3, 15, 0, 0, 0, 0, time.UTC), idn, 13800001111, "老教师", true, "", "", 45352, ""},
		[]any{"李四", "男", "1950-03-15", 4.31224195003151e17, "", "老教师", "", "", "", "2024-03-01", ""},
		[]any{"王五", "男", "1950-03-16", 431224195003160000, "", "老教师", "", "", "", "2024-03-01", ""},
	)
	rows, problems := checkV(t, data, "x.xlsx")
	if len(problems) != 2 || problems[0].Row != 3 || problems[1].Row != 4 {
		t.Fatalf("problems:\n%s", problemsText(problems))
	}
	for _, p := range problems {
		if p.Column != "身份证号" || p.Message != excelIDProblem {
			t.Errorf("problem: %+v", p)
		}
	}
	if len(rows) != 1 {
		t.Fatalf("rows: %+v", rows)
	}
	if r := rows[0].Record; r.BirthDate != "1950-03-15" || r.Phone != "13800001111" || r.ConsentDate != "2024-03-01" || !r.PartyMember {
		t.Errorf("record: %+v", r)
	}

	// The same in a CSV saved by Excel: the ID shows as 4.31224E+17.
	text := csvText(
		[]string{"姓名", "性别", "出生日期", "身份证号", "五老类别", "自愿登记日期"},
		[]string{"李四", "男", "1950/3/15", "4.31224E+17", "老教师", "2024/3/1"},
	)
	_, problems = checkV(t, []byte(text), "x.csv")
	if len(problems) != 1 || problems[0].Value != guangong.MaskIDNumber("4.31224E+17") || problems[0].Message != excelIDProblem {
		t.Errorf("CSV problems:\n%s", problemsText(problems))
	}
}

// Blank rows inside the sheet do not shift the row numbers the report gives.
func TestCheckRowNumbersAcrossGaps(t *testing.T) {
	f := excelize.NewFile()
	head := vHead
	for i, h := range head {
		cell, _ := excelize.CoordinatesToCellName(i+1, 1)
		f.SetCellStr("Sheet1", cell, h)
	}
	bad := vRow("李四", "1950-03-15", "")
	bad[4] = "123"
	if err := f.SetSheetRow("Sheet1", "A7", &bad); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	_, problems := checkV(t, buf.Bytes(), "gap.xlsx")
	if len(problems) != 1 || problems[0].Row != 7 || problems[0].Column != "联系电话" {
		t.Errorf("problems:\n%s", problemsText(problems))
	}
}

// Files that cannot be read at all are an EINVALID error with a message saying why.
func TestCheckUnreadable(t *testing.T) {
	noHeader := sheet(t, []string{"甲", "乙"}, []any{"1", "2"})
	missing := sheet(t, []string{"姓名", "性别", "出生日期"}, []any{"张三", "男", "1950-01-01"})
	for _, tc := range []struct {
		name, filename string
		data           []byte
		want           string
	}{
		{"empty", "a.xlsx", nil, "文件是空的"},
		{"old xls", "a.xls", append([]byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}, make([]byte, 512)...), "旧版 xls"},
		{"pdf", "a.pdf", []byte("%PDF-1.4\x00\x01\x02"), "只能导入 xlsx 或 CSV"},
		{"broken xlsx", "a.xlsx", []byte("PK\x03\x04garbage"), "无法读取该 xlsx"},
		{"no header", "a.xlsx", noHeader, "找不到表头"},
		{"missing columns", "a.xlsx", missing, "缺少必填列：五老类别、自愿登记日期"},
		{"csv without header", "a.csv", []byte("1,2,3\n4,5,6\n"), "找不到表头"},
		{"header only", "a.csv", []byte("姓名,性别,出生日期,五老类别,自愿登记日期\n示例：王建国,男,1952-03-15,老教师,2024-03-01\n,,,,\n"), "文件中没有数据"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := CheckVolunteers(bytes.NewReader(tc.data), tc.filename, "org", orgs, testNow, nil)
			var e *guangong.Error
			if !errors.As(err, &e) || e.Code != guangong.EINVALID || !strings.Contains(e.Msg.Zh, tc.want) || e.Msg.En == "" {
				t.Errorf("err = %v (%+v), want EINVALID with %q", err, e, tc.want)
			}
		})
	}
}

// Progress is reported every 1,000 rows and once at the end with the exact count.
func TestCheckProgress(t *testing.T) {
	rows := make([][]any, 2500)
	for i := range rows {
		rows[i] = vRow("张三", "1950-03-15", "")
		rows[i][0] = "张" + strings.Repeat("三", 1+i%40)
	}
	data := sheet(t, vHead, rows...)
	var calls [][2]int
	_, _, err := CheckVolunteers(bytes.NewReader(data), "p.xlsx", "org", orgs, testNow, func(done, total int) {
		calls = append(calls, [2]int{done, total})
	})
	if err != nil {
		t.Fatal(err)
	}
	want := [][2]int{{1000, 2500}, {2000, 2500}, {2500, 2500}}
	if !slices.Equal(calls, want) {
		t.Errorf("progress calls %v, want %v", calls, want)
	}
}

// Rows repeating a text or a date hold one string for it, not a copy each (the checked rows
// stay in memory until the commit); different values stay different.
func TestCheckSharesRepeatedCells(t *testing.T) {
	head := append(slices.Clone(vHead), "原工作单位")
	var rows [][]any
	for i := range 3 {
		unit := "低庄镇中心小学"
		if i == 2 {
			unit = "低庄镇中学"
		}
		rows = append(rows, append(vRow("王"+string(rune('一'+i)), "1950-03-15", ""), unit))
	}
	got, problems := checkV(t, sheet(t, head, rows...), "x.xlsx")
	if len(problems) != 0 || len(got) != 3 {
		t.Fatalf("%d rows, problems:\n%s", len(got), problemsText(problems))
	}
	a, b, c := got[0].Record, got[1].Record, got[2].Record
	if a.FormerUnit != b.FormerUnit || unsafe.StringData(a.FormerUnit) != unsafe.StringData(b.FormerUnit) ||
		unsafe.StringData(a.ConsentDate) != unsafe.StringData(b.ConsentDate) {
		t.Errorf("repeated cells not shared: %q %q", a.FormerUnit, b.FormerUnit)
	}
	if c.FormerUnit != "低庄镇中学" || a.Name == b.Name {
		t.Errorf("values mixed up: %q, %q %q", c.FormerUnit, a.Name, b.Name)
	}
}

// The stored import report quotes a youth sheet's bad cells masked by character: an address
// typed into the ID number's column comes out as whole characters (valid UTF-8, never a cut
// character), and a free-text cell (here an address typed as the relation) not at all.
func TestCheckYouthsReportMasksByCharacter(t *testing.T) {
	head := []string{"姓名", "性别", "出生日期", "身份证号", "所在村(社区)或学校代码", "监护人姓名", "与监护人关系",
		"监护人电话", "类别", "同意人", "同意人关系", "同意日期", "使用目的"}
	data := sheet(t, head,
		[]any{"𠮷小明", "男", "2014-09-01", "湖南省长沙市望城区白沙村三组", "", "李大山", "祖父，住湖南省长沙市望城区白沙村三组十二号附近",
			"13900002222", "留守儿童", "李大山", "祖父", "2024-03-01", "关爱帮扶"},
	)
	_, problems := checkY(t, data, "youths.xlsx")
	got := map[string]string{}
	for _, p := range problems {
		if !utf8.ValidString(p.Value) {
			t.Errorf("%s: %q is not valid UTF-8", p.Column, p.Value)
		}
		got[p.Column] = p.Value
	}
	if got["身份证号"] != "湖南省长******沙村三组" || got["与监护人关系"] != guangong.HiddenText {
		t.Errorf("report values %q\n%s", got, problemsText(problems))
	}
}
