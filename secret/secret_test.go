package secret

import (
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/argon2"
	"guangong"
)

func TestPasswordHash(t *testing.T) {
	h, err := HashPassword("Test-Pass-123")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("hash %q not in PHC format", h)
	}
	if ok, err := CheckPassword(h, "Test-Pass-123"); err != nil || !ok {
		t.Fatalf("right password: ok=%v err=%v", ok, err)
	}
	if ok, _ := CheckPassword(h, "Test-Pass-124"); ok {
		t.Fatal("wrong password accepted")
	}
	h2, _ := HashPassword("Test-Pass-123")
	if h == h2 {
		t.Fatal("two hashes of one password are equal: salt not random")
	}
	if NeedsRehash(h) {
		t.Fatal("fresh hash needs rehash")
	}
}

func TestPasswordHashOtherParams(t *testing.T) {
	// A hash made with other parameters must still check: they are read from the string.
	salt := "c29tZXNhbHRzb21lc2FsdA"
	// computed once with m=8192,t=1,p=1
	h := "$argon2id$v=19$m=8192,t=1,p=1$" + salt + "$"
	key := argonKeyForTest(t, "pw", salt, 8192, 1, 1)
	h += key
	if ok, err := CheckPassword(h, "pw"); err != nil || !ok {
		t.Fatalf("other params: ok=%v err=%v", ok, err)
	}
	if !NeedsRehash(h) {
		t.Fatal("weaker params should need rehash")
	}
}

func TestPasswordHashMalformed(t *testing.T) {
	for _, h := range []string{"", "plain", "$argon2i$v=19$m=1,t=1,p=1$aa$bb", "$argon2id$v=18$m=1,t=1,p=1$aa$bb",
		"$argon2id$v=19$m=x,t=1,p=1$aa$bb", "$argon2id$v=19$m=8,t=1,p=1$!!$bb", "$argon2id$v=19$m=8,t=1,p=1$aa$"} {
		if ok, err := CheckPassword(h, "pw"); ok || err == nil {
			t.Errorf("%q: ok=%v err=%v, want error", h, ok, err)
		}
	}
}

func TestRandomIDs(t *testing.T) {
	a, b := NewSessionID(), NewSessionID()
	if len(a) != 32 || a == b {
		t.Fatalf("session ids %q %q", a, b)
	}
	tok := NewToken()
	if !strings.HasPrefix(tok, "gg_") || len(tok) != 3+52 || tok == NewToken() {
		t.Fatalf("token %q", tok)
	}
	if h := HashToken("abc"); h != "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" {
		t.Fatalf("HashToken(abc) = %s", h)
	}
	seen := map[string]bool{}
	for range 200 {
		pw := NewPassword()
		if len(pw) != 16 || guangong.PasswordProblem("password", pw, "") != nil || seen[pw] {
			t.Fatalf("password %q", pw)
		}
		seen[pw] = true
	}
}

func TestTOTP(t *testing.T) {
	sec, url, err := NewTOTPKey("关工台账", "admin")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(url, "otpauth://totp/") || !strings.Contains(url, "secret="+sec) || !ValidTOTPSecret(sec) {
		t.Fatalf("url %q secret %q", url, sec)
	}
	now := time.Date(2026, 5, 1, 8, 0, 15, 0, time.UTC)
	code, err := TOTPCode(sec, now)
	if err != nil {
		t.Fatal(err)
	}
	if !CheckTOTP(sec, code, now) {
		t.Fatal("current code refused")
	}
	if !CheckTOTP(sec, code, now.Add(30*time.Second)) || !CheckTOTP(sec, code, now.Add(-30*time.Second)) {
		t.Fatal("one step of skew refused")
	}
	if CheckTOTP(sec, code, now.Add(90*time.Second)) || CheckTOTP(sec, code, now.Add(-90*time.Second)) {
		t.Fatal("three steps away accepted")
	}
	if CheckTOTP(sec, "", now) || CheckTOTP("", code, now) || CheckTOTP(sec, "12345", now) {
		t.Fatal("empty or short input accepted")
	}
	if ValidTOTPSecret("not base32!") {
		t.Fatal("bad secret accepted")
	}
}
func argonKeyForTest(t *testing.T, pw, salt string, m, tm uint32, p uint8) string {
	t.Helper()
	s, err := b64.DecodeString(salt)
	if err != nil {
		t.Fatal(err)
	}
	return b64.EncodeToString(argon2.IDKey([]byte(pw), s, tm, m, p, 32))
}

// MatchTOTP says which step a code belongs to, so that a used step can be refused.
func TestMatchTOTPStep(t *testing.T) {
	const sec = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
	now := time.Date(2026, 5, 1, 8, 0, 15, 0, time.UTC)
	for _, d := range []int64{-1, 0, 1} {
		at := now.Add(time.Duration(d) * 30 * time.Second)
		code, err := TOTPCode(sec, at)
		if err != nil {
			t.Fatal(err)
		}
		step, ok := MatchTOTP(sec, code, now)
		if !ok || step != TOTPStep(now)+d {
			t.Fatalf("step %+d: got %d %v, want %d", d, step, ok, TOTPStep(now)+d)
		}
	}
	far, _ := TOTPCode(sec, now.Add(2*time.Minute))
	if _, ok := MatchTOTP(sec, far, now); ok {
		t.Fatal("a code four steps away matched")
	}
}
