package guangong

import (
	"regexp"
	"strings"
	"time"
	"unicode/utf8"
)

var idPattern = regexp.MustCompile(`^[1-9]\d{16}[\dX]$`)

// idWeights are GB 11643-1999's weights for the 17 leading digits.
var idWeights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

const idCheckChars = "10X98765432"

// NormalizeIDNumber upper-cases a trailing x and trims spaces.
func NormalizeIDNumber(s string) string { return strings.ToUpper(strings.TrimSpace(s)) }

// IDCheckChar computes the GB 11643 check character for the first 17 digits.
func IDCheckChar(first17 string) byte {
	sum := 0
	for i := 0; i < 17; i++ {
		sum += int(first17[i]-'0') * idWeights[i]
	}
	return idCheckChars[sum%11]
}

// IDNumberProblem says what is wrong with an 18-digit resident ID number, or nil.
// birth, if not empty (YYYY-MM-DD), must match the date embedded in the number.
func IDNumberProblem(id, birth string) *Msg {
	if !idPattern.MatchString(id) {
		return &Msg{"身份证号应为18位，前17位为数字，末位为数字或X", "An ID number has 18 characters: 17 digits, then a digit or X"}
	}
	if _, err := time.Parse("20060102", id[6:14]); err != nil {
		return &Msg{"身份证号中的出生日期无效", "The birth date inside the ID number is invalid"}
	}
	if IDCheckChar(id[:17]) != id[17] {
		return &Msg{"身份证号校验位不正确", "The ID number's check digit is wrong"}
	}
	if birth != "" && strings.ReplaceAll(birth, "-", "") != id[6:14] {
		return &Msg{"身份证号与出生日期不一致", "The ID number does not match the birth date"}
	}
	return nil
}

var phonePattern = regexp.MustCompile(`^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$`)

var phoneSeparators = strings.NewReplacer(" ", "", "-", "")

// NormalizePhone removes spaces and dashes between mobile digits.
func NormalizePhone(s string) string {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "1") {
		s = phoneSeparators.Replace(s)
	}
	return s
}

// PhoneProblem says what is wrong with a mainland mobile (11 digits) or landline number.
func PhoneProblem(p string) *Msg {
	if !phonePattern.MatchString(p) {
		return &Msg{"电话应为11位手机号或带区号的固定电话", "A phone is an 11-digit mobile or a landline with its area code"}
	}
	return nil
}

// MaskIDNumber shows the first 4 and last 4 characters: 4312**********123X.
func MaskIDNumber(id string) string { return maskMiddle(id, 4, 4) }

// MaskPhone shows the first 3 and last 4 digits: 138****5678.
func MaskPhone(p string) string { return maskMiddle(p, 3, 4) }

// maskMiddle keeps the first head and last tail characters of s and stars the rest, or
// stars all of a string too short to show any. It counts characters, not bytes: a value
// quoted from a sheet may be anything typed in the cell (全角数字, 汉字), and a mask must
// not cut a character in two (the import report is stored and shown as UTF-8 text).
func maskMiddle(s string, head, tail int) string {
	r := []rune(s)
	if len(r) <= head+tail {
		return strings.Repeat("*", len(r))
	}
	return string(r[:head]) + strings.Repeat("*", len(r)-head-tail) + string(r[len(r)-tail:])
}

// MaskName keeps the surname's first character: 张** .
func MaskName(name string) string {
	n := utf8.RuneCountInString(name)
	if n == 0 {
		return ""
	}
	r, size := utf8.DecodeRuneInString(name)
	_ = r
	return name[:size] + strings.Repeat("*", max(n-1, 1))
}

// AgeOn is the age in whole years on day (YYYY-MM-DD dates); -1 if birth is unknown.
func AgeOn(birth string, day time.Time) int {
	b, err := time.Parse(DateLayout, birth)
	if err != nil {
		return -1
	}
	y, m, d := day.Date()
	age := y - b.Year()
	if m < b.Month() || (m == b.Month() && d < b.Day()) {
		age--
	}
	return age
}
