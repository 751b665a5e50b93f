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

// Rows are numbered as a spreadsheet shows the CSV file: an empty line is an empty row, and
// a quoted cell's line break stays inside its row.
func TestCheckCSVRowNumbers(t *testing.T) {
	head := []string{"姓名", "性别", "出生日期", "五老类别", "自愿登记日期"}
	text := "\r\n" + csvText(head) + "\r\n" + // rows 1 and 3 are empty
		csvText([]string{"张三", "男", "1950-03-15", "老教师", "2024-03-01"}) + // row 4
		`"李四` + "\r\n" + `（退休）",男,1950-03-16,老领导,2024-03-01` + "\r\n" + // row 5, over two lines
		"\r\n\r\n" + // rows 6 and 7 are empty
		csvText([]string{"王五", "男", "1950-13-01", "老教师", "2024-03-01"}) // row 8
	rows, problems := checkV(t, []byte(text), "名册.csv")
	if len(rows) != 1 || rows[0].Line != 4 {
		t.Errorf("rows: %+v", rows)
	}
	if len(problems) != 2 || problems[0].Row != 5 || problems[0].Column != "五老类别" ||
		problems[1].Row != 8 || problems[1].Column != "出生日期" {
		t.Errorf("problems:\n%s", problemsText(problems))
	}
}

// A tab-separated file in UTF-16 (Excel's "Unicode text") whose first line is a title
// holding 上 (U+4E0A, bytes 0A 4E): the delimiter is judged on the text, not on the bytes.
func TestCheckCSVUTF16Title(t *testing.T) {
	head := []string{"姓名", "性别", "出生日期", "五老类别", "自愿登记日期"}
	text := "关工委上报名册\t\t\t\t\r\n" + strings.ReplaceAll(csvText(head,
		[]string{"张三", "男", "1950-03-15", "老教师", "2024-03-01"}), ",", "\t")
	data, err := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder().Bytes([]byte(text))
	if err != nil {
		t.Fatal(err)
	}
	rows, problems := checkV(t, data, "名册.txt")
	if len(problems) != 0 || len(rows) != 1 || rows[0].Line != 3 || rows[0].Record.Name != "张三" {
		t.Errorf("rows %+v, problems:\n%s", rows, problemsText(problems))
	}
}
