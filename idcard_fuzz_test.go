package guangong

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// FuzzIDNumber checks the ID-number validator and the masks on any text: it never panics,
// normalising is idempotent, an accepted number is 18 characters whose GB 11643 check
// character recomputes and whose embedded birth date is real, a birth date only ever adds
// a condition, any one wrong digit or two swapped neighbours are caught, and the masks keep
// the length in characters and stay valid UTF-8.
//
// Run: go test -run '^$' -fuzz '^FuzzIDNumber$' -fuzztime 20s .
func FuzzIDNumber(f *testing.F) {
	for _, id := range []string{
		"11010519491231002X", " 11010519491231002x ", "110105194912310021", "11010519491331002X",
		"1101051949123100", "01010519491231002X", "43122419491231123X", "431224195003150000",
		"431224195003151000", "431224195203150013", "431224201409010014", "110105195102030011",
		"4.31224E+17", "", "张三", "４３１２２４１９５２０３１５００１３",
	} {
		f.Add(id, "")
		f.Add(id, "1949-12-31")
	}
	f.Add("431224195203150013", "1952-03-15")
	f.Add("431224195203150013", "1952-03-16")
	f.Add("11010519000229002X", "")
	f.Fuzz(func(t *testing.T, s, birth string) {
		if len(s) > 256 || len(birth) > 64 {
			return
		}
		n := NormalizeIDNumber(s)
		if again := NormalizeIDNumber(n); again != n {
			t.Fatalf("NormalizeIDNumber not idempotent: %q → %q → %q", s, n, again)
		}
		for _, m := range []string{MaskIDNumber(s), MaskIDNumber(n), MaskPhone(s), MaskName(s)} {
			if utf8.ValidString(s) && !utf8.ValidString(m) {
				t.Fatalf("a mask of valid UTF-8 %q is not: %q", s, m)
			}
		}
		if utf8.ValidString(n) {
			if m := MaskIDNumber(n); utf8.RuneCountInString(m) != utf8.RuneCountInString(n) {
				t.Fatalf("MaskIDNumber(%q) = %q: length changed", n, m)
			}
		}

		bad := IDNumberProblem(n, "")
		withBirth := IDNumberProblem(n, birth)
		if bad != nil && withBirth != nil && birth != "" && *withBirth != *bad {
			// A birth date only adds a condition: the number's own problem comes first.
			t.Fatalf("IDNumberProblem(%q, %q) = %v, but without the birth date %v", n, birth, withBirth, bad)
		}
		if bad != nil {
			if withBirth == nil {
				t.Fatalf("IDNumberProblem(%q, %q) accepts a number refused without a birth date (%v)", n, birth, bad)
			}
			return
		}

		// Accepted: 18 characters, 17 digits then the check character that recomputes.
		if len(n) != 18 {
			t.Fatalf("accepted %q (from %q): %d bytes, want 18", n, s, len(n))
		}
		if n[0] == '0' || strings.Trim(n[:17], "0123456789") != "" {
			t.Fatalf("accepted %q: the first 17 are not digits starting 1-9", n)
		}
		if c := IDCheckChar(n[:17]); c != n[17] {
			t.Fatalf("accepted %q: check character recomputes as %c", n, c)
		}
		day, err := time.Parse("20060102", n[6:14])
		if err != nil || day.Format("20060102") != n[6:14] {
			t.Fatalf("accepted %q: embedded birth date %s is not a day (%v)", n, n[6:14], err)
		}
		if m := MaskIDNumber(n); m != n[:4]+"**********"+n[14:] {
			t.Fatalf("MaskIDNumber(%q) = %q", n, m)
		}
		// The embedded date as a birth date agrees; any other day does not.
		if p := IDNumberProblem(n, day.Format(DateLayout)); p != nil {
			t.Fatalf("IDNumberProblem(%q, %s) = %v", n, day.Format(DateLayout), p)
		}
		if p := IDNumberProblem(n, day.AddDate(0, 0, 1).Format(DateLayout)); p == nil {
			t.Fatalf("IDNumberProblem(%q) accepts the next day as its birth date", n)
		}
		if withBirth == nil && birth != "" && strings.ReplaceAll(birth, "-", "") != n[6:14] {
			t.Fatalf("IDNumberProblem(%q, %q) accepts a birth date that is not the embedded one", n, birth)
		}
		// The lower-case x people type normalises to an accepted number.
		if n[17] == 'X' {
			if p := IDNumberProblem(NormalizeIDNumber(" "+n[:17]+"x\t"), ""); p != nil {
				t.Fatalf("lower-case x of %q refused: %v", n, p)
			}
		}
		// MOD 11-2 catches any single wrong digit and any swap of two different neighbours
		// among the 17 (the weights are non-zero and pairwise different mod 11).
		b := []byte(n)
		for i := range 17 {
			for d := byte('0'); d <= '9'; d++ {
				if d == n[i] {
					continue
				}
				b[i] = d
				if IDNumberProblem(string(b), "") == nil {
					t.Fatalf("%q accepted: one digit changed from %q", b, n)
				}
			}
			b[i] = n[i]
			if i < 16 && n[i] != n[i+1] {
				b[i], b[i+1] = n[i+1], n[i]
				if IDNumberProblem(string(b), "") == nil {
					t.Fatalf("%q accepted: neighbours swapped in %q", b, n)
				}
				b[i], b[i+1] = n[i], n[i+1]
			}
		}
	})
}
