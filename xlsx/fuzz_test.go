package xlsx

// Fuzz targets for what reads people's input: the date parsers and the upload check on CSV
// and xlsx files. `go test` runs their seeds (below and in testdata/fuzz) as ordinary
// tests; CI fuzzes each for a while:
//
//	go test -run '^$' -fuzz '^FuzzParseDate$' -fuzztime 20s ./xlsx
//	go test -run '^$' -fuzz '^FuzzCheckCSV$' -fuzztime 20s ./xlsx
//	go test -run '^$' -fuzz '^FuzzCheckXlsx$' -fuzztime 20s ./xlsx

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/unicode"

	"guangong"
)

var (
	canonicalDate     = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)
	canonicalDateTime = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}( \d{2}:\d{2})?$`)
	excelEpoch        = time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)
)

// FuzzParseDate checks parseDate and parseDateTime on any text: an accepted date is
// YYYY-MM-DD and a real day, and every spelling of that day the parsers accept (the
// canonical form itself, 2019/5/1, 2019.5.1, 2019年5月1日, 20190501, with a time of day,
// Excel's serial number) reads back as the same day; an accepted date-time is
// "YYYY-MM-DD[ HH:MM]", reads back as itself, and agrees with parseDate on the day.
func FuzzParseDate(f *testing.F) {
	for _, s := range []string{
		// TestParseDate's and TestParseDateTime's spellings.
		"2019-05-01", "2019/5/1", "2019.5.1", "20190501", "2019年5月1日", "2019/5/1 0:00",
		"2019-05-01T00:00:00", "43586", "43586.5", "18337", "2019-02-29", "2020-02-29", "2019-13-01",
		"2019", "2019.5", "5/1/2019", "19-5-1", "2019--5-1", "2019-5-1-2", "20191301", "一九五〇年", "9999999",
		"2022-06-07 07:00", "2022/6/7 7:00:00", "2022年6月7日 7时30分", "2022-06-07T07:00", "44719.2916666667",
		"2022-06-07 24:00", "2022-06-07 7", "1000-01-01", "0999-12-31", "9999-12-31",
		// The ends of Excel's serials: 2100 is 1905-09-30, 2958465 is 9999-12-31.
		"2100", "2099", "2958465", "2958466", "2958465.5", "2958465.9999",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if len(s) > 64 {
			return
		}
		d, ok := parseDate(s)
		if !ok && d != "" {
			t.Fatalf("parseDate(%q) = %q, false: a refusal carries no date", s, d)
		}
		if ok {
			checkDay(t, s, d)
		}

		dt, ok := parseDateTime(s)
		if !ok {
			if dt != "" {
				t.Fatalf("parseDateTime(%q) = %q, false: a refusal carries no date", s, dt)
			}
			return
		}
		if !canonicalDateTime.MatchString(dt) {
			t.Fatalf("parseDateTime(%q) = %q: not YYYY-MM-DD[ HH:MM]", s, dt)
		}
		layout := guangong.DateLayout
		if len(dt) > len(layout) {
			layout = eventTimeLayout
		}
		at, err := time.ParseInLocation(layout, dt, guangong.Shanghai)
		if err != nil || at.Format(layout) != dt {
			t.Fatalf("parseDateTime(%q) = %q: not a real time (%v)", s, dt, err)
		}
		if again, ok := parseDateTime(dt); !ok || again != dt {
			t.Fatalf("parseDateTime(%q) = %q, but that reads back as %q, %v", s, dt, again, ok)
		}
		// The day agrees with parseDate's; a serial's fraction may round up to the next day.
		day, ok := parseDate(s)
		next := ""
		if ok {
			t, _ := time.Parse(guangong.DateLayout, day)
			next = t.AddDate(0, 0, 1).Format(guangong.DateLayout)
		}
		if !ok || dt[:10] != day && !(isSerial(s) && dt[:10] == next) {
			t.Fatalf("parseDateTime(%q) = %q, but parseDate = %q, %v", s, dt, day, ok)
		}
	})
}

// checkDay checks a date parseDate accepted from s, and that its other spellings give it.
func checkDay(t *testing.T, s, d string) {
	t.Helper()
	if !canonicalDate.MatchString(d) {
		t.Fatalf("parseDate(%q) = %q: not YYYY-MM-DD", s, d)
	}
	day, err := time.Parse(guangong.DateLayout, d)
	if err != nil || day.Format(guangong.DateLayout) != d || day.Year() < 1000 {
		t.Fatalf("parseDate(%q) = %q: not a real day from the year 1000 on (%v)", s, d, err)
	}
	y, m, dd := day.Date()
	spellings := []string{
		d, fmt.Sprintf("%d/%d/%d", y, m, dd), fmt.Sprintf("%d.%d.%d", y, m, dd), fmt.Sprintf("%d-%d-%d", y, m, dd),
		fmt.Sprintf("%d年%d月%d日", y, m, dd), fmt.Sprintf("%04d%02d%02d", y, m, dd),
		d + " 0:00", d + "T00:00:00", fmt.Sprintf("%d/%d/%d 13:45", y, m, dd),
	}
	// Excel's serial (days since 1899-12-30) from 1905-09-30 on, with and without a time.
	if serial := int((day.Unix() - excelEpoch.Unix()) / 86400); serial >= 2100 {
		spellings = append(spellings, strconv.Itoa(serial), strconv.Itoa(serial)+".75")
	}
	for _, sp := range spellings {
		if got, ok := parseDate(sp); !ok || got != d {
			t.Fatalf("parseDate(%q) = %q, but its spelling %q gives %q, %v", s, d, sp, got, ok)
		}
	}
	if got, ok := parseDateTime(d); !ok || got != d {
		t.Fatalf("parseDateTime(%q) = %q, %v; want the day itself", d, got, ok)
	}
	if got, ok := parseDateTime(fmt.Sprintf("%d/%d/%d 7:05", y, m, dd)); !ok || got != d+" 07:05" {
		t.Fatalf("parseDateTime of %s at 7:05 = %q, %v", d, got, ok)
	}
}

// maxFuzzFile bounds one fuzz input, so a single one cannot take long.
const maxFuzzFile = 64 << 10

// FuzzCheckCSV checks an uploaded CSV file of each kind, in any bytes (UTF-8 with or
// without BOM, GBK/GB18030, UTF-16, or garbage): the check never panics and returns either
// a clear error or a report that holds together (see checkOutcome). The same text in
// UTF-8, UTF-16 and GB18030 gives the same report, and an empty line is an empty row,
// numbered as a spreadsheet numbers it.
func FuzzCheckCSV(f *testing.F) {
	for _, s := range csvSeeds(f) {
		f.Add(s.data, s.kind)
	}
	f.Fuzz(func(t *testing.T, data []byte, kind uint8) {
		if len(data) > maxFuzzFile {
			return
		}
		got := checkKind(kind, data, "名册.csv")
		checkOutcome(t, kind, got, bytes.Count(data, []byte{'\n'})+1)

		if !utf8.Valid(data) || len(bytes.TrimSpace(data)) == 0 {
			return
		}
		// Read as UTF-8: the same text in the other encodings must give the same report.
		text := bytes.TrimPrefix(data, utf8BOM)
		if utf16, err := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder().Bytes(text); err == nil {
			sameOutcome(t, "UTF-16", got, checkKind(kind, utf16, "名册.csv"))
		}
		gb, err := simplifiedchinese.GB18030.NewEncoder().Bytes(text)
		if err == nil && !utf8.Valid(gb) && !bytes.HasPrefix(gb, []byte{0xFF, 0xFE}) && !bytes.HasPrefix(gb, []byte{0xFE, 0xFF}) {
			sameOutcome(t, "GB18030", got, checkKind(kind, gb, "名册.csv"))
		}
		// With no quotes, every empty line is an empty row: a row of empty cells in its place
		// (what Excel writes) must give the same report, row numbers included.
		if bytes.IndexByte(data, '"') < 0 {
			comma := string(delimiterOf(data))
			filled := data
			for _, nl := range []string{"\n", "\r\n"} {
				// Twice: a run of empty lines shares its line ends.
				filled = bytes.ReplaceAll(filled, []byte("\n"+nl), []byte("\n"+comma+nl))
				filled = bytes.ReplaceAll(filled, []byte("\n"+nl), []byte("\n"+comma+nl))
			}
			if !bytes.Equal(filled, data) {
				sameOutcome(t, "empty lines as empty cells", got, checkKind(kind, filled, "名册.csv"))
			}
		}
	})
}

// delimiterOf is the delimiter the CSV reader picks for UTF-8 data.
func delimiterOf(data []byte) rune {
	return delimiter(bytes.NewReader(bytes.TrimPrefix(data, utf8BOM)))
}

// FuzzCheckXlsx checks uploaded xlsx files built from small valid ones and mutated: the
// check never panics, returns either a clear error or a report that holds together (see
// checkOutcome) whose rows are rows of the file, and gives the same answer twice (the rows
// are read on a goroutine of their own). The seeds are stored uncompressed and without
// checksums as well, so that mutations reach the sheet's XML instead of breaking the zip.
func FuzzCheckXlsx(f *testing.F) {
	for _, s := range xlsxSeeds(f) {
		f.Add(s.data, s.kind)
		f.Add(storedZip(f, s.data), s.kind)
	}
	f.Fuzz(func(t *testing.T, data []byte, kind uint8) {
		if len(data) > maxFuzzFile {
			return
		}
		got := checkKind(kind, data, "名册.xlsx")
		maxLine := 0
		if got.err == nil { // an error has no rows to bound: spare the third reading
			maxLine = xlsxRows(data)
		}
		checkOutcome(t, kind, got, maxLine)
		sameOutcome(t, "the same file again", got, checkKind(kind, data, "名册.xlsx"))
	})
}

// xlsxRows is the number of rows of the file's longest sheet, as excelize reads them, or
// 0 if it cannot open the file.
func xlsxRows(data []byte) int {
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{RawCellValue: true})
	if err != nil {
		return 0
	}
	defer f.Close()
	n := 0
	for _, sheet := range f.GetSheetList() {
		rows, err := f.Rows(sheet)
		if err != nil {
			continue
		}
		line := 0
		for rows.Next() {
			line++
		}
		_ = rows.Close()
		n = max(n, line)
	}
	return n
}

// outcome is one check's answer, whatever the kind.
type outcome struct {
	lines    []int // the valid rows'
	records  []any // the valid rows' records
	problems []guangong.ImportProblem
	err      error
}

var fuzzKinds = []Kind{Volunteers, Youths, Events}

// fuzzDefaultOrg is the committee rows without a code belong to, by kind.
var fuzzDefaultOrg = map[Kind]string{Volunteers: "org-town", Youths: "org-village", Events: "org-town"}

func checkKind(kind uint8, data []byte, filename string) outcome {
	k := fuzzKinds[int(kind)%len(fuzzKinds)]
	r, org := bytes.NewReader(data), fuzzDefaultOrg[k]
	switch k {
	case Volunteers:
		return collect(CheckVolunteers(r, filename, org, orgs, testNow, nil))
	case Youths:
		return collect(CheckYouths(r, filename, org, orgs, testNow, nil))
	default:
		return collect(CheckEvents(r, filename, org, orgs, testNow, nil))
	}
}

func collect[T any](rows []Row[*T], problems []guangong.ImportProblem, err error) outcome {
	o := outcome{problems: problems, err: err}
	for _, r := range rows {
		o.lines = append(o.lines, r.Line)
		o.records = append(o.records, r.Record)
	}
	return o
}

func sameOutcome(t *testing.T, what string, want, got outcome) {
	t.Helper()
	if (want.err == nil) != (got.err == nil) || !slices.Equal(want.lines, got.lines) ||
		!slices.Equal(want.problems, got.problems) || !reflect.DeepEqual(want.records, got.records) {
		t.Fatalf("%s gives another answer:\nrows %v, error %v, problems:\n%s\nwant rows %v, error %v, problems:\n%s",
			what, got.lines, got.err, problemsText(got.problems), want.lines, want.err, problemsText(want.problems))
	}
}

// checkOutcome asserts what holds for every check's answer: an error is a clear message
// and nothing else; a report has at least one row, every row (valid or not) lies between
// the header and maxLine, in order, no row is both valid and refused, all text is valid
// UTF-8, every problem names a column of the template (or none) and says what is wrong in
// both languages, and the valid records pass the domain's validation and hold no two
// duplicates.
func checkOutcome(t *testing.T, kind uint8, o outcome, maxLine int) {
	t.Helper()
	k := fuzzKinds[int(kind)%len(fuzzKinds)]
	if o.err != nil {
		var e *guangong.Error
		if !errors.As(o.err, &e) || e.Code != guangong.EINVALID || e.Msg.Zh == "" || e.Msg.En == "" ||
			!utf8.ValidString(e.Msg.Zh) || !utf8.ValidString(e.Msg.En) {
			t.Fatalf("error %#v: want an invalid-input error with a message in both languages", o.err)
		}
		if o.lines != nil || o.problems != nil {
			t.Fatalf("error %v with rows %v and problems %v", o.err, o.lines, o.problems)
		}
		return
	}
	if len(o.lines) == 0 && len(o.problems) == 0 {
		t.Fatal("a report without rows: a file with no data rows is an error")
	}
	valid := map[int]bool{}
	for i, line := range o.lines {
		if line < 2 || line > maxLine || i > 0 && line <= o.lines[i-1] {
			t.Fatalf("valid rows %v: not in order between row 2 and row %d", o.lines, maxLine)
		}
		valid[line] = true
	}
	columns := append(Columns(k), "")
	for i, p := range o.problems {
		where := fmt.Sprintf("problem %d (row %d, %s)", i, p.Row, p.Column)
		if p.Row < 2 || p.Row > maxLine || i > 0 && p.Row < o.problems[i-1].Row {
			t.Fatalf("%s: not in order between row 2 and row %d:\n%s", where, maxLine, problemsText(o.problems))
		}
		if valid[p.Row] {
			t.Fatalf("%s: the row is also valid", where)
		}
		if !slices.Contains(columns, p.Column) {
			t.Fatalf("%s: no such column", where)
		}
		if p.Message.Zh == "" || p.Message.En == "" {
			t.Fatalf("%s: message %+v", where, p.Message)
		}
		for _, s := range []string{p.Column, p.Value, p.Message.Zh, p.Message.En} {
			if !utf8.ValidString(s) {
				t.Fatalf("%s: invalid UTF-8 %q", where, s)
			}
		}
	}
	known := map[string]bool{"org-town": true, "org-village": true, "org-school": true}
	seen := map[string]int{}
	unique := func(line int, key string) {
		if first, ok := seen[key]; ok {
			t.Fatalf("rows %d and %d are both valid with the same key %q", first, line, key)
		}
		seen[key] = line
	}
	for i, rec := range o.records {
		line := o.lines[i]
		if s, ok := invalidText(reflect.ValueOf(rec)); !ok {
			t.Fatalf("row %d: valid record holds invalid UTF-8 %q", line, s)
		}
		var err error
		switch r := rec.(type) {
		case *guangong.Volunteer:
			err = r.Validate(testNow)
			if !known[r.OrgID] {
				t.Fatalf("row %d: committee %q", line, r.OrgID)
			}
			if r.IDNumber != "" {
				unique(line, "id "+r.IDNumber)
			}
			unique(line, "name "+r.Name+"|"+r.BirthDate+"|"+r.OrgID)
		case *guangong.Youth:
			err = r.Validate(testNow)
			if !known[r.OrgID] {
				t.Fatalf("row %d: committee %q", line, r.OrgID)
			}
			if r.IDNumber != "" {
				unique(line, "id "+r.IDNumber)
			}
			unique(line, "name "+r.Name+"|"+r.BirthDate+"|"+r.OrgID)
		case *guangong.Event:
			err = validateEvent(r, testNow)
			if !known[r.OrgID] || slices.Contains(r.CoOrgIDs, r.OrgID) {
				t.Fatalf("row %d: host %q, co-organisers %v", line, r.OrgID, r.CoOrgIDs)
			}
			for _, c := range r.CoOrgIDs {
				if !known[c] {
					t.Fatalf("row %d: co-organiser %q", line, c)
				}
			}
			unique(line, r.OrgID+"|"+r.Title+"|"+r.StartsAt.In(guangong.Shanghai).Format(guangong.DateLayout))
		default:
			t.Fatalf("record %T", rec)
		}
		if err != nil {
			t.Fatalf("row %d is valid, but its record is not: %v %v", line, err, guangong.FieldErrors(err))
		}
	}
}

// invalidText finds a string in v that is not valid UTF-8.
func invalidText(v reflect.Value) (string, bool) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			return invalidText(v.Elem())
		}
	case reflect.String:
		return v.String(), utf8.ValidString(v.String())
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				if s, ok := invalidText(v.Field(i)); !ok {
					return s, false
				}
			}
		}
	case reflect.Slice:
		for i := range v.Len() {
			if s, ok := invalidText(v.Index(i)); !ok {
				return s, false
			}
		}
	}
	return "", true
}

type fuzzSeed struct {
	data []byte
	kind uint8
}

// Seed rows: the tests' sample sheets, good and bad rows of each kind.

var yHead = []string{"姓名", "性别", "出生日期", "身份证号", "所在村(社区)或学校代码", "监护人姓名", "与监护人关系",
	"监护人电话", "类别", "同意人", "同意人关系", "同意日期", "使用目的"}

func seedTables() []struct {
	kind uint8
	rows [][]string
} {
	good := id("1950-03-15", 11)
	youth := id("2014-09-01", 11)
	return []struct {
		kind uint8
		rows [][]string
	}{
		{0, [][]string{
			vHead,
			{"张三", "男", "1950-03-15", good, "13800001111", "老教师", "是", "宣讲、学业辅导", "在册", "2024-03-01", ""},
			{"李四", "男", "1951-04-01", withBadCheck(id("1951-04-01", 31)), "", "老干部", "", "", "", "2024-03-01", ""},
			{"赵六", "女", "1952-01-02", "", "1380000111", "老干部", "否", "", "", "2024-03-01", ""},
			{"钱七", "男", "1950-13-01", "", "", "老战士", "", "", "", "2024-03-01", ""},
			{"周九", "男", "1950-03-15", good, "13800001111", "老教师", "是", "宣讲", "在册", "2024-03-01", ""},
			{"张三", "男", "1950-03-15", "", "", "老模范", "", "", "", "2024-03-01", ""},
			{"郑一", "女", "1949/10/1", "", "", "老教师", "可能", "书法、宣讲", "退休", "", "C001"},
			{"陈三", "女", "19491001", "", "0745-3221234", "老教师", "N", "医疗 体育", "暂停", "2024-03-01", "C001"},
		}},
		{1, [][]string{
			yHead,
			{"李小明", "男", "2014-09-01", youth, "", "李大山", "祖父", "13900002222", "留守儿童、单亲", "李大山", "祖父", "2024-03-01", "关爱帮扶"},
			{"王小红", "女", "1990-01-01", "", "C002", "王母", "母亲", "", "家庭贫困", "王母", "母亲", "2024-03-01", "关爱帮扶"},
			{"陈小花", "女", "2016-06-06", "", "c002", "陈母", "母亲", "", "困境儿童（残疾） 孤儿", "陈母", "母亲", "2024-03-01", "关爱帮扶"},
			{"李小明", "男", "2014-09-01", youth, "", "李大山", "祖父", "1390000222", "", "李大山", "祖父", "2024-03-01", "关爱帮扶"},
		}},
		{2, [][]string{
			eHead,
			{"示例", "推进会", "", "", "示例：会议", "", "2022-06-07 09:00", "", "", "", "", "", "", "", "", "", ""},
			{"会议", "推进会", "", "", "2022年关工委工作推进会", "", "2022-06-07 07:00", "2022/6/7 9:30", "镇政府三楼会议室",
				"张某某", "已举行", "", "", "45", "", "部署下半年工作", ""},
			{"活动", "", "文艺汇演", "", "重阳文艺汇演", "C001", "44289.3541666667", "", "村文化广场", "", "已归档", "大型",
				"20", "30", "500", "演出12个节目", "C002、C001"},
			{"活动", "", "立德树人", "清明祭扫", "清明祭扫烈士墓", "C002", "2022-04-05", "", "", "", "", "", "60.0", "", "", "", ""},
			{"会议", "推进会", "", "", "2022年关工委工作推进会", "", "2022-06-07 08:00", "", "", "", "", "", "", "", "", "", ""},
		}},
	}
}

func csvSeeds(tb testing.TB) []fuzzSeed {
	var out []fuzzSeed
	gbk := func(s string) []byte {
		b, err := simplifiedchinese.GBK.NewEncoder().Bytes([]byte(s))
		if err != nil {
			tb.Fatal(err)
		}
		return b
	}
	gb18030 := func(s string) []byte {
		b, err := simplifiedchinese.GB18030.NewEncoder().Bytes([]byte(s))
		if err != nil {
			tb.Fatal(err)
		}
		return b
	}
	utf16 := func(s string) []byte {
		b, err := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder().Bytes([]byte(s))
		if err != nil {
			tb.Fatal(err)
		}
		return b
	}
	for _, table := range seedTables() {
		text := csvText(table.rows...)
		tabbed := strings.ReplaceAll(text, ",", "\t")
		out = append(out,
			fuzzSeed{[]byte(text), table.kind},
			fuzzSeed{append([]byte{0xEF, 0xBB, 0xBF}, text...), table.kind},
			fuzzSeed{gbk(text), table.kind},
			fuzzSeed{gb18030(strings.Replace(text, "张三", "欧阳𠮷", 1)), table.kind},
			fuzzSeed{utf16(tabbed), table.kind},
			// A title row above the header, and empty lines between rows.
			fuzzSeed{[]byte("低庄镇五老名册" + strings.Repeat(",", len(table.rows[0])-1) + "\r\n" + strings.Replace(text, "\r\n", "\r\n\r\n", 2)), table.kind},
			// Tab-separated with a title whose 上 is U+4E0A: in UTF-16 its low byte is '\n'.
			fuzzSeed{[]byte("关工委上报名册" + strings.Repeat("\t", len(table.rows[0])-1) + "\n" + strings.ReplaceAll(tabbed, "\r\n", "\n")), table.kind},
		)
	}
	return out
}

func xlsxSeeds(tb testing.TB) []fuzzSeed {
	var out []fuzzSeed
	for _, table := range seedTables() {
		rows := make([][]any, len(table.rows)-1)
		for i, r := range table.rows[1:] {
			rows[i] = make([]any, len(r))
			for j, c := range r {
				rows[i][j] = c
			}
		}
		out = append(out, fuzzSeed{sheet(tb, table.rows[0], rows...), table.kind})
	}
	// The downloadable templates: only the example row below the header.
	for kind, k := range fuzzKinds {
		var buf bytes.Buffer
		if err := Template(&buf, k); err != nil {
			tb.Fatal(err)
		}
		out = append(out, fuzzSeed{buf.Bytes(), uint8(kind)})
	}
	return out
}

// storedZip rewrites a zip with its entries stored (not deflated) and no CRC-32, which
// archive/zip then does not check: a fuzzer's byte changes in the XML still open.
func storedZip(tb testing.TB, data []byte) []byte {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		tb.Fatal(err)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			tb.Fatal(err)
		}
		body, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			tb.Fatal(err)
		}
		w, err := zw.CreateRaw(&zip.FileHeader{Name: f.Name, Method: zip.Store,
			CompressedSize64: uint64(len(body)), UncompressedSize64: uint64(len(body))})
		if err != nil {
			tb.Fatal(err)
		}
		if _, err := w.Write(body); err != nil {
			tb.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// The xlsx seeds stored without compression and checksums read as the originals do, so
// FuzzCheckXlsx's mutations of them reach the sheets.
func TestFuzzSeedsStored(t *testing.T) {
	for _, s := range xlsxSeeds(t) {
		stored := storedZip(t, s.data)
		got := checkKind(s.kind, stored, "名册.xlsx")
		checkOutcome(t, s.kind, got, xlsxRows(stored))
		sameOutcome(t, "the stored copy", checkKind(s.kind, s.data, "名册.xlsx"), got)
		if got.err == nil && len(got.lines)+len(got.problems) == 0 {
			t.Errorf("kind %d: nothing read", s.kind)
		}
	}
}
