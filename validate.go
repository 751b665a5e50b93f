package guangong

import (
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
)

// NewID makes an application-side id (UUIDv7: time-ordered, so inserts stay local in
// indexes, and ids from separate installations never clash).
func NewID() string { return uuid.Must(uuid.NewV7()).String() }

// DateLayout is how calendar dates are written and stored.
const DateLayout = "2006-01-02"

// Shanghai is the zone every time is shown in; times are stored in UTC.
var Shanghai = mustZone("Asia/Shanghai")

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		return time.FixedZone("CST", 8*3600) // no tzdata on the host: China has no DST
	}
	return loc
}

// Text checks a text field: trimmed by the caller, required or not, at most max characters.
func (v *Validation) Text(field, label, labelEn, value string, required bool, max int) {
	switch {
	case required && strings.TrimSpace(value) == "":
		v.Add(field, label+"不能为空", labelEn+" is required")
	case utf8.RuneCountInString(value) > max:
		v.Add(field, label+"不能超过"+itoa(max)+"个字", labelEn+" must be at most "+itoa(max)+" characters")
	case !utf8.ValidString(value) || strings.ContainsAny(value, "\x00"):
		v.Add(field, label+"含有无效字符", labelEn+" contains invalid characters")
	}
}

// Date checks an optional YYYY-MM-DD date that must not lie in the future.
func (v *Validation) Date(field, label, labelEn, value string, now time.Time) {
	if value == "" {
		return
	}
	d, err := time.ParseInLocation(DateLayout, value, Shanghai)
	if err != nil {
		v.Add(field, label+"格式应为 年-月-日，如 2019-05-01", labelEn+" must be a date like 2019-05-01")
		return
	}
	if d.After(now.In(Shanghai)) {
		v.Add(field, label+"不能晚于今天", labelEn+" cannot be in the future")
	}
	if d.Year() < 1900 {
		v.Add(field, label+"年份不合理", labelEn+" has an implausible year")
	}
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b[i:])
}

// Page is the paging part of every list filter. Limit is capped so no list is unbounded.
type Page struct {
	Offset int `json:"offset"`
	Limit  int `json:"limit"`
	// SkipTotal spares a list its count when the caller shows no total (the next page is
	// there while a page comes back full): the list's total is then -1.
	SkipTotal bool `json:"-"`
	// Fields names the members of each item an API list answers with (nil: all of them).
	Fields []string `json:"-"`
}

// MaxPageSize caps every list.
const MaxPageSize = 200

// Normalize applies the default (50) and the cap.
func (p Page) Normalize() Page {
	if p.Offset < 0 {
		p.Offset = 0
	}
	if p.Limit <= 0 {
		p.Limit = 50
	}
	if p.Limit > MaxPageSize {
		p.Limit = MaxPageSize
	}
	return p
}
