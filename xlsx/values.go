package xlsx

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/xuri/excelize/v2"

	"guangong"
)

// fieldEn names each field in English messages (the headers are the Chinese names).
var fieldEn = map[string]string{
	"name": "Name", "gender": "Gender", "birthDate": "Birth date", "idNumber": "ID number",
	"phone": "Phone", "category": "Category", "formerUnit": "Former unit", "formerPost": "Former post",
	"partyMember": "Party member", "partyBranch": "Party branch", "skills": "Skills",
	"skillsOther": "Other skills", "health": "Health", "availability": "Availability",
	"status": "Status", "joinedDate": "Joined date", "consentDate": "Consent date",
	"consentNote": "Consent note", "notes": "Notes", "orgId": "Committee code",
	"school": "School", "grade": "Grade", "guardianName": "Guardian's name",
	"guardianRelation": "Relation to guardian", "guardianPhone": "Guardian's phone",
	"parentsWork": "Where the parents work", "categories": "Categories", "needs": "Needs",
	"consentBy": "Consent given by", "consentRelation": "Consenting person's relation",
	"consentPurpose": "Purpose",
	// Meetings and activities.
	"type": "Type", "kind": "Meeting kind", "subcategory": "Subcategory", "title": "Title",
	"startsAt": "Start", "endsAt": "End", "place": "Place", "host": "Host", "scale": "Scale",
	"youthsServed": "Youths served", "othersCount": "Other participants", "audience": "Audience",
	"minutes": "Minutes or outcome", "coOrgIds": "Co-organiser codes",
}

// clean trims the spaces people and spreadsheets leave around values, including the
// ideographic space, no-break space, zero-width space and a stray byte-order mark.
func clean(s string) string {
	return strings.TrimFunc(s, func(r rune) bool {
		return unicode.IsSpace(r) || r == '\u200b' || r == '\ufeff' || r == '\u00a0'
	})
}

var widthFolder = strings.NewReplacer("（", "(", "）", ")", "＊", "*", "：", ":")

// key folds a header or a coded word for comparison: no spaces anywhere, half-width
// parentheses, lower case.
func key(s string) string {
	s = widthFolder.Replace(s)
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		if unicode.IsSpace(r) || r == '\u200b' || r == '\ufeff' {
			continue
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

// headerKey also drops the marks people add to required headers: 姓名*, 姓名(必填).
func headerKey(s string) string {
	k := key(s)
	k = strings.TrimSuffix(k, "(必填)")
	k = strings.TrimSuffix(k, "(选填)")
	return strings.Trim(k, "*")
}

// codeLookup maps every accepted spelling of a coded value to its code: the Chinese word,
// the English word, the code itself, and for 困境儿童（家庭贫困） the words in parentheses.
func codeLookup(codes []string) map[string]string {
	m := map[string]string{}
	for _, c := range codes {
		l := guangong.Label(c)
		m[key(c)] = c
		m[key(l.En)] = c
		m[key(l.Zh)] = c
		if i, j := strings.Index(l.Zh, "（"), strings.Index(l.Zh, "）"); i >= 0 && j > i {
			m[key(l.Zh[i+len("（"):j])] = c
		}
	}
	if _, ok := m["male"]; ok {
		for _, a := range []string{"男性", "m"} {
			m[a] = "male"
		}
		for _, a := range []string{"女性", "f"} {
			m[a] = "female"
		}
	}
	return m
}

// accepted lists the Chinese words of codes, for messages.
func accepted(codes []string) (zh, en string) {
	z := make([]string, len(codes))
	e := make([]string, len(codes))
	for i, c := range codes {
		z[i], e[i] = guangong.Label(c).Zh, guangong.Label(c).En
	}
	return strings.Join(z, "、"), strings.Join(e, ", ")
}

func codeProblem(header, field string, codes []string) guangong.Msg {
	zh, en := accepted(codes)
	return guangong.Msg{Zh: header + "只能填：" + zh, En: fieldEn[field] + " must be one of: " + en}
}

func codesProblem(header, field, word string, codes []string) guangong.Msg {
	zh, en := accepted(codes)
	return guangong.Msg{
		Zh: fmt.Sprintf("%s中的「%s」不在可选范围内，可选：%s（其他内容请写在备注或其他特长中）", header, word, zh),
		En: fmt.Sprintf("%s: %q is not one of: %s", fieldEn[field], word, en),
	}
}

// splitList splits a multi-valued cell on 、，,；; and spaces.
func splitList(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool {
		return unicode.IsSpace(r) || strings.ContainsRune("、，,；;/|", r)
	})
}

var boolWords = map[string]bool{
	"是": true, "否": false, "y": true, "n": false, "yes": true, "no": false, "1": true, "0": false,
	"true": true, "false": false, "党员": true, "中共党员": true, "非党员": false, "√": true, "×": false,
}

func boolProblem(header, field string) guangong.Msg {
	return guangong.Msg{Zh: header + "只能填 是 或 否", En: fieldEn[field] + " must be 是 (yes) or 否 (no)"}
}

// parseDate reads the spellings of a date people use, and Excel's date serial numbers
// (what a date-formatted cell holds), into YYYY-MM-DD.
func parseDate(s string) (string, bool) {
	if len(s) == 10 && s[4] == '-' && s[7] == '-' && allDigits(s[:4]) && allDigits(s[5:7]) && allDigits(s[8:]) {
		if _, ok := validDate(atoi(s[:4]), atoi(s[5:7]), atoi(s[8:])); ok {
			return s, true // already YYYY-MM-DD: keep the string, allocate nothing
		}
		return "", false
	}
	if i := strings.IndexAny(s, " T"); i > 0 { // 2019/5/1 0:00 from a CSV saved by Excel
		s = s[:i]
	}
	if len(s) == 8 && allDigits(s) {
		return validDate(atoi(s[:4]), atoi(s[4:6]), atoi(s[6:]))
	}
	if allDigits(s) || isSerial(s) {
		// Below 2100 (1905-09-30) a number is more likely a bare year than a date; up to
		// 2958465 (9999-12-31) it is Excel's day count.
		v, err := strconv.ParseFloat(s, 64)
		if err != nil || v < 2100 || v >= 2958466 {
			return "", false
		}
		t, err := excelize.ExcelDateToTime(v, false)
		if err != nil || t.Year() > 9999 { // excelize rounds 2958465.99999… into the year 10000
			return "", false
		}
		return t.Format(guangong.DateLayout), true
	}
	var parts [3]int
	n, cur, digits := 0, 0, 0
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			cur = cur*10 + int(r-'0')
			digits++
			if digits > 4 {
				return "", false
			}
		case strings.ContainsRune("-/.年月日", r):
			if digits == 0 || n == 3 {
				return "", false
			}
			parts[n], n, cur, digits = cur, n+1, 0, 0
			if r == '日' {
				digits = -100 // nothing may follow 日
			}
		default:
			return "", false
		}
	}
	if digits > 0 {
		if n == 3 {
			return "", false
		}
		parts[n], n = cur, n+1
	}
	if n != 3 || parts[0] < 1000 {
		return "", false
	}
	return validDate(parts[0], parts[1], parts[2])
}

// isSerial reports whether s is a decimal number such as 43586.5 (a date-time serial).
func isSerial(s string) bool {
	i := strings.IndexByte(s, '.')
	return i > 0 && allDigits(s[:i]) && allDigits(s[i+1:]) && i+1 < len(s) && i <= 7
}

func validDate(y, m, d int) (string, bool) {
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if y < 1000 || t.Year() != y || int(t.Month()) != m || t.Day() != d {
		return "", false
	}
	return t.Format(guangong.DateLayout), true
}

func dateProblem(header, field string) guangong.Msg {
	return guangong.Msg{Zh: header + "格式应为 年-月-日，如 2019-05-01", En: fieldEn[field] + " must be a date like 2019-05-01"}
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func atoi(s string) int { n, _ := strconv.Atoi(s); return n }

// excelIDProblem is what Excel does to an ID number typed into a number cell: it keeps 15
// significant digits, shows 4.31224E+17 and stores the rest as zeros. The number cannot be
// recovered, so the row is refused with a message that says how to fix the sheet.
var excelIDProblem = guangong.Msg{
	Zh: "身份证号被Excel转成了数字，请将该列设为文本后重新填写",
	En: "Excel turned the ID number into a number; format the column as text and enter it again",
}

// parseID returns the ID as typed, or false when Excel has visibly turned it into a number:
// scientific notation, or 18 digits ending in 000 whose check digit fails (the zeros are
// what is left after the 15th digit).
func parseID(s string) (string, bool) {
	s = strings.ReplaceAll(s, " ", "")
	if strings.ContainsAny(s, "eE") {
		if _, err := strconv.ParseFloat(s, 64); err == nil {
			return "", false
		}
	}
	if len(s) == 18 && allDigits(s) && strings.HasSuffix(s, "000") && guangong.IDCheckChar(s[:17]) != s[17] {
		return "", false
	}
	return s, true
}

// parsePhone accepts a mobile number that Excel stored as a number (13800001111 or
// 1.3800001111E10); anything else is left for the domain's check.
func parsePhone(s string) string {
	if strings.ContainsAny(s, "eE.") {
		if v, err := strconv.ParseFloat(s, 64); err == nil && v == math.Trunc(v) && v >= 1e9 && v < 1e12 {
			return strconv.FormatFloat(v, 'f', 0, 64)
		}
	}
	return s
}

func orgProblem(code string) guangong.Msg {
	return guangong.Msg{
		Zh: fmt.Sprintf("组织代码「%s」不存在或不在您的管辖范围内", code),
		En: fmt.Sprintf("No committee with code %s in your scope", code),
	}
}
