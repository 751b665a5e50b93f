package guangong

import (
	"strings"
	"testing"
)

// NIST SP 800-63B: length only, no composition rules; common passwords and the username
// refused; messages name the field.
func TestPasswordProblem(t *testing.T) {
	for _, c := range []struct {
		field, pw, user, want string // want: the start of the Chinese message, "" for none
	}{
		{"password", "Test-Pass-123", "townclerk", ""},
		{"password", "correct horse battery", "zhangsan", ""}, // one class only: fine now
		{"password", "zhongguoguangong", "", ""},
		{"password", "short", "", "密码至少8位"},
		{"newPassword", "short", "", "新密码至少8位"},
		{"password", "Password1", "", "密码过于常见"}, // on the list in lower case
		{"password", "PASSWORD123", "", "密码过于常见"},
		{"password", "woaini1314", "", "密码过于常见"},
		{"password", "1qaz2wsx", "", "密码过于常见"},
		{"password", "88888888", "", "密码过于常见"},
		{"newPassword", "qq123456", "", "新密码过于常见"},
		{"password", "My-ZhangSan-pw", "zhangsan", "密码不能包含用户名"},
		{"newPassword", "xx-ab-yy-zz", "ab", ""}, // a username under 3 characters is not looked for
		{"password", strings.Repeat("x", 129), "", "密码不能超过128个字符"},
	} {
		m := PasswordProblem(c.field, c.pw, c.user)
		switch {
		case c.want == "" && m != nil:
			t.Errorf("%q refused: %v", c.pw, m.Zh)
		case c.want != "" && (m == nil || !strings.HasPrefix(m.Zh, c.want)):
			t.Errorf("%q: %v, want %q…", c.pw, m, c.want)
		}
	}
}

// The shipped list: about 10,000 passwords of 8 characters or more, and the added ones.
func TestCommonPasswordList(t *testing.T) {
	list := commonPasswords()
	if len(list) < 10000 || len(list) > 10200 {
		t.Fatalf("%d common passwords", len(list))
	}
	for pw := range list {
		if len([]rune(pw)) < 8 {
			t.Fatalf("%q is shorter than 8: the length rule refuses it anyway", pw)
		}
	}
	if !CommonPassword("WoAiNi1314") || CommonPassword("Test-Pass-123") {
		t.Fatal("lookup")
	}
}
