package guangong

import (
	"context"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"
)

// User is an account. It belongs to one committee and sees that committee's subtree.
type User struct {
	ID                 string     `json:"id"`
	Username           string     `json:"username"`
	DisplayName        string     `json:"displayName"`
	OrgID              string     `json:"orgId"`
	OrgName            string     `json:"orgName,omitempty"` // filled on reads
	Role               Role       `json:"role"`
	Disabled           bool       `json:"disabled"`
	MustChangePassword bool       `json:"mustChangePassword"`
	FailedLogins       int        `json:"failedLogins"`
	LockedUntil        *time.Time `json:"lockedUntil,omitempty"`
	TOTPEnabled        bool       `json:"totpEnabled"`
	MinorAccess        bool       `json:"minorAccess"` // 未成年人信息: may open youths' records unmasked
	// VolunteerID links a volunteer account (RoleVolunteer) to its volunteer record; "" otherwise.
	VolunteerID   string     `json:"volunteerId,omitempty"`
	VolunteerName string     `json:"volunteerName,omitempty"` // filled on reads
	LargeText     bool       `json:"largeText"`
	Lang          string     `json:"lang"`
	LastLoginAt   *time.Time `json:"lastLoginAt,omitempty"`
	Version       int        `json:"version"`
	CreatedAt     time.Time  `json:"createdAt"`
	UpdatedAt     time.Time  `json:"updatedAt"`
}

// UserNoun names the object in messages.
var UserNoun = Msg{"账号", "Account"}

var usernamePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_.-]{2,31}$`)

// Validate checks the account's own fields; the store checks the committee and uniqueness.
func (u *User) Validate() error {
	var v Validation
	if !usernamePattern.MatchString(u.Username) {
		v.Add("username", "用户名为3到32位小写字母、数字、点、下划线或连字符，以字母或数字开头",
			"Username: 3-32 lower-case letters, digits, '.', '_' or '-', starting with a letter or digit")
	}
	v.Text("displayName", "姓名", "Display name", u.DisplayName, true, 50)
	if !u.Role.Valid() {
		v.Add("role", "请选择有效的角色", "Choose a valid role")
	}
	if u.OrgID == "" {
		v.Add("orgId", "请选择所属组织", "Choose the committee")
	}
	if u.Lang != "zh" && u.Lang != "en" {
		v.Add("lang", "语言只能是 zh 或 en", "Language must be zh or en")
	}
	if u.Role == RoleVolunteer && u.VolunteerID == "" {
		v.Add("volunteerId", "志愿者账号须关联一名志愿者", "A volunteer account must be linked to a volunteer")
	}
	return v.Err()
}

// passwordLabels name the password fields in messages.
var passwordLabels = map[string]Msg{
	"password":    {"密码", "Password"},
	"newPassword": {"新密码", "New password"},
}

// PasswordProblem returns what is wrong with pw as a new password for the account username,
// or nil; field (password, newPassword) names the field in the message. It follows NIST
// SP 800-63B: at least 8 characters and no rules on which kinds of character; not one of
// the most common passwords (CommonPassword); and not containing the username (of 3
// characters or more), in any case.
func PasswordProblem(field, pw, username string) *Msg {
	l, ok := passwordLabels[field]
	if !ok {
		l = passwordLabels["password"]
	}
	switch name := strings.ToLower(strings.TrimSpace(username)); {
	case utf8.RuneCountInString(pw) < 8:
		return &Msg{l.Zh + "至少8位", l.En + " must have at least 8 characters"}
	case len(pw) > 128:
		return &Msg{l.Zh + "不能超过128个字符", l.En + " must have at most 128 characters"}
	case CommonPassword(pw):
		return &Msg{l.Zh + "过于常见，容易被猜中，请换一个", l.En + " is too common and easily guessed; choose another"}
	case utf8.RuneCountInString(name) >= 3 && strings.Contains(strings.ToLower(pw), name):
		return &Msg{l.Zh + "不能包含用户名", l.En + " must not contain the username"}
	}
	return nil
}

// ValidatePassword is PasswordProblem as a field error on field.
func ValidatePassword(field, pw, username string) error {
	if m := PasswordProblem(field, pw, username); m != nil {
		var v Validation
		v.Add(field, m.Zh, m.En)
		return v.Err()
	}
	return nil
}

// UserFilter selects accounts within the caller's scope.
type UserFilter struct {
	OrgID    *string // accounts of this committee's subtree
	Query    *string // username or display name contains
	Role     *Role
	Disabled *bool
	Page
}

// UserUpdate holds the fields an administrator changes; nil means unchanged.
type UserUpdate struct {
	DisplayName *string `json:"displayName,omitempty"`
	Role        *Role   `json:"role,omitempty"`
	OrgID       *string `json:"orgId,omitempty"`
	Disabled    *bool   `json:"disabled,omitempty"`
	MinorAccess *bool   `json:"minorAccess,omitempty"`
	// VolunteerID links a volunteer account to a volunteer record; it is cleared when the
	// role is not volunteer.
	VolunteerID *string `json:"volunteerId,omitempty"`
	Version     int     `json:"version"`
}

// Prefs are what an account sets for itself.
type Prefs struct {
	LargeText *bool   `json:"largeText,omitempty"`
	Lang      *string `json:"lang,omitempty"`
}

// Lockout policy: 5 failed logins lock the account for 30 minutes.
const (
	MaxFailedLogins = 5
	LockoutDuration = 30 * time.Minute
)

// UserService keeps accounts. Administrators act within their scope; an organisation
// administrator cannot make or touch privileged (系统管理员, 安全审计员) accounts.
type UserService interface {
	FindUserByID(ctx context.Context, a *Actor, id string) (*User, error)
	FindUserByUsername(ctx context.Context, a *Actor, username string) (*User, error)
	FindUsers(ctx context.Context, a *Actor, f UserFilter) ([]*User, int, error)
	CreateUser(ctx context.Context, a *Actor, u *User, password string) error
	UpdateUser(ctx context.Context, a *Actor, id string, u UserUpdate) (*User, error)
	// ResetPassword sets a new password that must be changed at next login, clears the
	// lockout and ends the account's sessions.
	ResetPassword(ctx context.Context, a *Actor, id, password string) error
	// EndSessions ends every session of the account; it returns how many.
	EndSessions(ctx context.Context, a *Actor, id string) (int, error)

	// The actor's own account.
	ChangePassword(ctx context.Context, a *Actor, oldPassword, newPassword, keepSessionID string) error
	SetPrefs(ctx context.Context, a *Actor, p Prefs) (*User, error)
	// OfferTOTP records secret as the one the enrolment page issued to the actor; only it
	// can then be enrolled. The page makes the secret; the person never chooses it.
	OfferTOTP(ctx context.Context, a *Actor, secret string) error
	// SetTOTP enrols (secret != "") or removes (secret == "") the actor's second factor;
	// secret must be the one last offered (OfferTOTP) and code valid for it, and the code
	// is then used. Privileged roles cannot remove it.
	SetTOTP(ctx context.Context, a *Actor, secret, code string) error
}
