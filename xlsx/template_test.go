package xlsx

import (
	"bytes"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"guangong"
)

// openTemplate writes a kind's template and opens it.
func openTemplate(t *testing.T, kind Kind) *excelize.File {
	t.Helper()
	var buf bytes.Buffer
	if err := Template(&buf, kind); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// fill writes rows (by header) from row 3 on, below the example, and returns the file.
func fill(t *testing.T, f *excelize.File, kind Kind, rows ...map[string]string) []byte {
	t.Helper()
	head := Columns(kind)
	for i, r := range rows {
		for h, v := range r {
			j := slices.Index(head, h)
			if j < 0 {
				t.Fatalf("no column %s", h)
			}
			cell, _ := excelize.CoordinatesToCellName(j+1, i+3)
			if err := f.SetCellStr(sheetName(kind), cell, v); err != nil {
				t.Fatal(err)
			}
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestTemplateLayout(t *testing.T) {
	for _, kind := range []Kind{Volunteers, Youths} {
		t.Run(string(kind), func(t *testing.T) {
			f := openTemplate(t, kind)
			if got := f.GetSheetList(); !slices.Equal(got, []string{sheetName(kind), helpSheet}) {
				t.Fatalf("sheets %v", got)
			}
			rows, err := f.GetRows(sheetName(kind))
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(rows[0], Columns(kind)) {
				t.Errorf("header %v, want %v", rows[0], Columns(kind))
			}
			if !strings.HasPrefix(rows[1][0], "示例") {
				t.Errorf("example row %v", rows[1])
			}
			// Every coded column has its dropdown of Chinese words.
			dvs, err := f.GetDataValidations(sheetName(kind))
			if err != nil {
				t.Fatal(err)
			}
			lists := map[string]string{}
			for _, dv := range dvs {
				lists[strings.SplitN(dv.Sqref, ":", 2)[0]] = dv.Formula1
			}
			check := func(header string, words ...string) {
				j := slices.Index(Columns(kind), header)
				col, _ := excelize.ColumnNumberToName(j + 1)
				formula := lists[col+"2"]
				for _, w := range words {
					if !strings.Contains(formula, w) {
						t.Errorf("%s dropdown %q lacks %s", header, formula, w)
					}
				}
			}
			check("性别", "男", "女")
			if kind == Volunteers {
				check("五老类别", "老干部", "老战士", "老专家", "老教师", "老模范")
				check("状态", "在册", "暂停", "已故")
				check("是否党员", "是", "否")
				check("特长", "宣讲", "学业辅导")
			} else {
				check("类别", "留守儿童", "困境儿童（监护缺失）", "孤儿")
			}
			// The ID column is text, so Excel keeps all 18 digits.
			j := slices.Index(Columns(kind), "身份证号")
			cell, _ := excelize.CoordinatesToCellName(j+1, 50)
			style, err := f.GetCellStyle(sheetName(kind), cell)
			if err != nil {
				t.Fatal(err)
			}
			s, err := f.GetStyle(style)
			if err != nil || s.NumFmt != textFormat {
				t.Errorf("ID column style %+v, %v", s, err)
			}
			// The help sheet explains every column.
			help, err := f.GetRows(helpSheet)
			if err != nil {
				t.Fatal(err)
			}
			explained := map[string]bool{}
			for _, r := range help {
				if len(r) > 2 && r[2] != "" {
					explained[r[0]] = true
				}
			}
			for _, h := range Columns(kind) {
				if !explained[h] {
					t.Errorf("填写说明 does not explain %s", h)
				}
			}
		})
	}
}

// The template, filled in, imports: the example row is skipped, and the example's values
// (without the 示例 mark) are themselves a valid row, so the example teaches nothing wrong.
func TestTemplateRoundTripVolunteers(t *testing.T) {
	f := openTemplate(t, Volunteers)
	example := map[string]string{}
	for _, c := range volunteerColumns {
		example[c.header] = strings.TrimPrefix(c.example, "示例：")
	}
	data := fill(t, f, Volunteers,
		example,
		map[string]string{"姓名": "刘德明", "性别": "男", "出生日期": "1948-08-01", "身份证号": id("1948-08-01", 35),
			"联系电话": "139 0000 3333", "五老类别": "老战士", "是否党员": "是", "所在党支部": "低庄镇离退休干部党支部",
			"特长": "宣讲；法律", "状态": "", "自愿登记日期": "2024-05-06", "所属组织代码": "C001"},
	)
	rows, problems := checkV(t, data, "五老志愿者导入模板.xlsx")
	if len(problems) != 0 {
		t.Fatalf("problems:\n%s", problemsText(problems))
	}
	if len(rows) != 2 || rows[0].Line != 3 || rows[1].Line != 4 {
		t.Fatalf("rows %+v", rows)
	}
	want := &guangong.Volunteer{OrgID: "org-town", Name: "王建国", Gender: guangong.Male, BirthDate: "1952-03-15",
		Phone: "13800001111", IDNumber: "431224195203150013", Category: guangong.ElderTeacher, FormerUnit: "低庄镇中心小学",
		FormerPost: "校长", PartyMember: true, PartyBranch: "低庄镇离退休干部党支部", Skills: []string{"lecture", "tutoring"},
		SkillsOther: "书法", Health: "良好", Availability: "周末", Status: "active", JoinedDate: "2015-06-01",
		ConsentDate: "2024-03-01", ConsentNote: "本人签字登记表已存档"}
	if got := rows[0].Record; !equalVolunteer(got, want) {
		t.Errorf("example row:\n got %+v\nwant %+v", got, want)
	}
	if got := rows[1].Record; got.Phone != "13900003333" || got.OrgID != "org-village" || got.Category != guangong.ElderVeteran ||
		!slices.Equal(got.Skills, []string{"law", "lecture"}) || got.Status != "active" {
		t.Errorf("row 4: %+v", got)
	}
}

func TestTemplateRoundTripYouths(t *testing.T) {
	f := openTemplate(t, Youths)
	example := map[string]string{}
	for _, c := range youthColumns {
		example[c.header] = strings.TrimPrefix(c.example, "示例：")
	}
	data := fill(t, f, Youths, example)
	rows, problems := checkY(t, data, "青少年导入模板.xlsx")
	if len(problems) != 0 {
		t.Fatalf("problems:\n%s", problemsText(problems))
	}
	if len(rows) != 1 || rows[0].Line != 3 {
		t.Fatalf("rows %+v", rows)
	}
	y := rows[0].Record
	if y.Name != "李小明" || y.IDNumber != "431224201409010014" || y.GuardianName != "李某某" ||
		!slices.Equal(y.Categories, []string{"left_behind"}) || y.ConsentPurpose != "关爱帮扶结对" || y.OrgID != "org-village" {
		t.Errorf("record %+v", y)
	}
}

func equalVolunteer(a, b *guangong.Volunteer) bool { return reflect.DeepEqual(a, b) }
