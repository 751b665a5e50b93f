// Package guangong holds the domain of the 关工委 ledger: its types, their validation and
// the services the storage layer implements. It imports no SQL and no HTTP.
package guangong

import (
	"errors"
	"fmt"
)

// Error codes, mapped to HTTP statuses in one place by the web layer.
const (
	EINVALID      = "invalid"      // bad input; Fields says which
	ENOTFOUND     = "not_found"    // missing or outside the caller's scope
	ECONFLICT     = "conflict"     // duplicate or stale version
	EUNAUTHORIZED = "unauthorized" // not logged in, or bad credentials
	EFORBIDDEN    = "forbidden"    // logged in, but the role may not
	ELOCKED       = "locked"       // account locked after failed logins
	EINTERNAL     = "internal"
)

// Msg is a user-facing message in both UI languages.
type Msg struct {
	Zh string `json:"zh"`
	En string `json:"en"`
}

// In returns the message in lang ("en" or anything else for Chinese).
func (m Msg) In(lang string) string {
	if lang == "en" && m.En != "" {
		return m.En
	}
	return m.Zh
}

// Error is the one error type the domain and the store return to callers. Its message is
// safe to show; Err (the cause) is logged but never shown.
type Error struct {
	Code   string
	Msg    Msg
	Fields map[string]Msg
	Err    error
}

func (e *Error) Error() string {
	s := e.Code + ": " + e.Msg.En
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf makes an Error with a bilingual message.
func Errorf(code, zh, en string, args ...any) *Error {
	return &Error{Code: code, Msg: Msg{Zh: fmt.Sprintf(zh, args...), En: fmt.Sprintf(en, args...)}}
}

// Internal wraps an unexpected error; users see only 系统内部错误.
func Internal(err error) *Error {
	return &Error{Code: EINTERNAL, Msg: Msg{Zh: "系统内部错误", En: "Internal error"}, Err: err}
}

// NotFound is the answer for a missing object and for one outside the caller's scope alike.
func NotFound(what Msg) *Error {
	return &Error{Code: ENOTFOUND, Msg: Msg{Zh: what.Zh + "不存在", En: what.En + " not found"}}
}

// Forbidden is the answer when the role may not do something.
func Forbidden() *Error {
	return &Error{Code: EFORBIDDEN, Msg: Msg{Zh: "您的角色无权执行此操作", En: "Your role may not do this"}}
}

// MinorAccessNeeded refuses writing a youth's record to an account without 未成年人信息
// access: it sees the record masked, so it would write blind.
func MinorAccessNeeded() error {
	return Errorf(EFORBIDDEN, "录入和修改青少年信息须有“未成年人信息”权限，请联系单位管理员",
		"Entering and editing youths needs 未成年人信息 access; ask your administrator")
}

// ErrReauth is the cause of ReauthRequired, for errors.Is.
var ErrReauth = errors.New("a recent password check is needed")

// ReauthRequired is the answer to an act (minting an API token) that needs the password
// checked again in the session (see ReauthWindow).
func ReauthRequired() *Error {
	return &Error{Code: EFORBIDDEN, Msg: Msg{Zh: "创建令牌前请重新输入密码确认身份", En: "Enter your password again before creating a token"},
		Err: ErrReauth}
}

// Stale is the answer to an edit made against an old version of a record.
func Stale() *Error {
	return &Error{Code: ECONFLICT, Msg: Msg{
		Zh: "该记录已被他人修改，请刷新后重新编辑",
		En: "Someone else changed this record; reload it and edit again"}}
}

// ErrorCode returns the code of err, EINTERNAL for foreign errors and "" for nil.
func ErrorCode(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMsg returns the safe message of err; foreign errors become 系统内部错误.
func ErrorMsg(err error) Msg {
	var e *Error
	if errors.As(err, &e) && e.Code != EINTERNAL {
		return e.Msg
	}
	return Msg{Zh: "系统内部错误", En: "Internal error"}
}

// FieldErrors returns the per-field messages of err, if any.
func FieldErrors(err error) map[string]Msg {
	var e *Error
	if errors.As(err, &e) {
		return e.Fields
	}
	return nil
}

// Validation collects per-field errors; Err returns nil when there are none.
type Validation struct {
	fields map[string]Msg
}

// Add records a message for field unless one is already there (the first problem wins).
func (v *Validation) Add(field, zh, en string) {
	if v.fields == nil {
		v.fields = map[string]Msg{}
	}
	if _, ok := v.fields[field]; !ok {
		v.fields[field] = Msg{Zh: zh, En: en}
	}
}

// Err returns an EINVALID error carrying the fields, or nil.
func (v *Validation) Err() error {
	if len(v.fields) == 0 {
		return nil
	}
	return &Error{Code: EINVALID, Msg: Msg{Zh: "输入有误，请按提示修改", En: "Please correct the marked fields"}, Fields: v.fields}
}

// auditedError marks an error whose denial is already in the audit trail.
type auditedError struct{ error }

func (e auditedError) Unwrap() error { return e.error }

// Audited wraps err to say its denial has been audited, so that no outer layer records
// it a second time.
func Audited(err error) error { return auditedError{err} }

// IsAudited reports whether err's denial is already in the audit trail.
func IsAudited(err error) bool {
	var a auditedError
	return errors.As(err, &a)
}
