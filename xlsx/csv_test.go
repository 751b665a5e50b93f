package xlsx

import (
	"slices"
	"strings"
	"testing"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/unicode"

	"guangong"
)

// CSV files as Excel and WPS save them, in each encoding, import with their Chinese intact.
func TestCheckCSVEncodings(t *testing.T) {
	head := []string{"姓名", "性别", "出生日期", "身份证号", "五老类别", "原工作单位", "特长", "自愿登记日期"}
	idn := id("1950-03-15", 11)
	row := []string{"欧阳晓燕", "女", "1950/3/15", idn, "老教师", "溆浦县低庄镇中心小学", "宣讲、文艺", "2024/3/1"}
	text := csvText(head, row)
	// 𠮷 lies outside GBK: only GB18030 (four bytes) can carry it.
	rare := strings.Replace(text, "欧阳晓燕", "欧阳𠮷", 1)

	encode := func(e encoding.Encoding, s string) []byte {
		b, err := e.NewEncoder().Bytes([]byte(s))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	utf16 := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM)
	tabbed := strings.ReplaceAll(text, ",", "\t")
	for _, tc := range []struct {
		name, filename, person string
		data                   []byte
	}{
		{"UTF-8", "名册.csv", "欧阳晓燕", []byte(text)},
		{"UTF-8 with BOM", "名册.csv", "欧阳晓燕", append([]byte{0xEF, 0xBB, 0xBF}, text...)},
		{"GBK", "名册.csv", "欧阳晓燕", encode(simplifiedchinese.GBK, text)},
		{"GB18030", "名册.CSV", "欧阳𠮷", encode(simplifiedchinese.GB18030, rare)},
		{"UTF-16 tab-separated (Excel Unicode text)", "名册.txt", "欧阳晓燕", encode(utf16, tabbed)},
		{"no extension", "upload", "欧阳晓燕", encode(simplifiedchinese.GBK, text)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rows, problems := checkV(t, tc.data, tc.filename)
			if len(problems) != 0 {
				t.Fatalf("problems:\n%s", problemsText(problems))
			}
			if len(rows) != 1 || rows[0].Line != 2 {
				t.Fatalf("rows: %+v", rows)
			}
			v := rows[0].Record
			if v.Name != tc.person || v.FormerUnit != "溆浦县低庄镇中心小学" || v.Gender != guangong.Female ||
				v.BirthDate != "1950-03-15" || v.IDNumber != idn || v.ConsentDate != "2024-03-01" ||
				!slices.Equal(v.Skills, []string{"arts", "lecture"}) {
				t.Errorf("record: %+v", v)
			}
		})
	}
}

// A problem's value is the text as decoded, so the report shows GBK files' Chinese too.
func TestCheckCSVProblemValuesDecoded(t *testing.T) {
	text := csvText(
		[]string{"姓名", "性别", "出生日期", "五老类别", "自愿登记日期"},
		[]string{"张三", "男", "1950-03-15", "老领导", "2024-03-01"},
	)
	data, err := simplifiedchinese.GBK.NewEncoder().Bytes([]byte(text))
	if err != nil {
		t.Fatal(err)
	}
	_, problems := checkV(t, data, "a.csv")
	if len(problems) != 1 || problems[0].Value != "老领导" || problems[0].Column != "五老类别" {
		t.Errorf("problems:\n%s", problemsText(problems))
	}
}
