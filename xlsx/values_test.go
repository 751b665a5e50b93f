package xlsx

import (
	"slices"
	"strings"
	"testing"

	"guangong"
)

func TestParseDate(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		ok       bool
	}{
		{"2019-05-01", "2019-05-01", true},
		{"2019/5/1", "2019-05-01", true},
		{"2019.5.1", "2019-05-01", true},
		{"20190501", "2019-05-01", true},
		{"2019年5月1日", "2019-05-01", true},
		{"2019/5/1 0:00", "2019-05-01", true},
		{"2019-05-01T00:00:00", "2019-05-01", true},
		{"43586", "2019-05-01", true},   // a date cell's serial number
		{"43586.5", "2019-05-01", true}, // a date-time cell's
		{"18337", "1950-03-15", true},
		{"2019-02-29", "", false},
		{"2020-02-29", "2020-02-29", true},
		{"2019-13-01", "", false},
		{"2019", "", false}, // a year alone is not a day
		{"2019.5", "", false},
		{"5/1/2019", "", false}, // month first is ambiguous; the template says year first
		{"19-5-1", "", false},
		{"2019--5-1", "", false},
		{"2019-5-1-2", "", false},
		{"20191301", "", false},
		{"一九五〇年", "", false},
		{"9999999", "", false},
		{"2958465", "9999-12-31", true},
		{"2958465.999997", "", false}, // excelize rounds it into the year 10000
	} {
		got, ok := parseDate(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("parseDate(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestParseID(t *testing.T) {
	good := id("1950-03-15", 11)
	for _, tc := range []struct {
		in, want string
		ok       bool
	}{
		{good, good, true},
		{"4312 2419 5003 15" + good[14:], good, true},
		{"43122419500315002x", "43122419500315002x", true}, // upper-cased by Normalize
		{"4.31224E+17", "", false},
		{"4.3122419500315098E+17", "", false},              // as Excel writes the cell
		{"431224195003151000", "", false},                  // the zeros Excel left, check digit wrong
		{"431224195003150000", "431224195003150000", true}, // could be real: its check digit is right
		{"12345", "12345", true},                           // left to the domain's message
	} {
		got, ok := parseID(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("parseID(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestParsePhone(t *testing.T) {
	for in, want := range map[string]string{
		"13800001111":     "13800001111",
		"1.3800001111E10": "13800001111",
		"13800001111.0":   "13800001111",
		"138 0000 1111":   "138 0000 1111", // the domain's Normalize removes the spaces
		"0745-3221234":    "0745-3221234",
		"7453221234":      "7453221234", // a landline that lost its 0 is left for the domain to refuse
		"1.5":             "1.5",
	} {
		if got := parsePhone(in); got != want {
			t.Errorf("parsePhone(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCodeLookup(t *testing.T) {
	youth := codeLookup(guangong.YouthCategories)
	for in, want := range map[string]string{
		"留守儿童": "left_behind", " 留守 儿童 ": "left_behind", "困境儿童（家庭贫困）": "poverty", "困境儿童(家庭贫困)": "poverty",
		"家庭贫困": "poverty", "监护缺失": "no_guardian", "LEFT_BEHIND": "left_behind", "Orphan": "orphan", "其他": "other",
	} {
		if got := youth[key(in)]; got != want {
			t.Errorf("youth %q → %q, want %q", in, got, want)
		}
	}
	if _, ok := youth[key("困境儿童")]; ok {
		t.Error("困境儿童 alone is ambiguous and must not match")
	}
	gender := codeLookup(genderCodes)
	for in, want := range map[string]string{"男": "male", "女": "female", "M": "male", "female": "female", "女性": "female"} {
		if got := gender[key(in)]; got != want {
			t.Errorf("gender %q → %q, want %q", in, got, want)
		}
	}
}

func TestSplitList(t *testing.T) {
	got := splitList("宣讲、学业辅导，文艺,法律;医疗；体育 其他  /  宣讲")
	want := []string{"宣讲", "学业辅导", "文艺", "法律", "医疗", "体育", "其他", "宣讲"}
	if !slices.Equal(got, want) {
		t.Errorf("splitList = %q", got)
	}
}

func TestHeaderKey(t *testing.T) {
	want := headerKey("所在村（社区）或学校代码")
	for _, in := range []string{" 所在村(社区)或学校代码 ", "所在村（社区）或学校代码*", "所在村 (社区) 或学校代码（必填）", "\ufeff所在村（社区）或学校代码"} {
		if got := headerKey(in); got != want {
			t.Errorf("headerKey(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCountTags(t *testing.T) {
	rows := strings.Repeat(`<row r="1"><c r="A1" t="inlineStr"><is><t>x</t></is></c></row>`, 5000)
	for _, tc := range []struct{ name, xml string }{
		{"plain", `<worksheet><sheetData>` + rows + `<row/></sheetData></worksheet>`},
		{"prefixed", `<x:worksheet><x:sheetData>` + strings.NewReplacer("<row", "<x:row", "</row", "</x:row").Replace(rows) + `</x:sheetData></x:worksheet>`},
	} {
		// <row/> is not counted; neither are closing tags, wherever the reads split them.
		if got := countTags(strings.NewReader(tc.xml)); got != 5000 {
			t.Errorf("%s: %d rows", tc.name, got)
		}
	}
}
