package api

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"sort"

	"guangong"
	"guangong/httpx"
)

// problemType is RFC 9457's default: the status and title say all there is; the
// guangong error code travels in the "code" extension member.
const problemType = "about:blank"

// Problem is the body of every error response (RFC 9457, application/problem+json).
type Problem struct {
	Type     string       `json:"type"`
	Title    string       `json:"title"`
	Status   int          `json:"status"`
	Detail   string       `json:"detail"`
	Instance string       `json:"instance"`
	Code     string       `json:"code"`
	Errors   []FieldError `json:"errors"`
}

// FieldError is one field's message, in the request's language.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// httpError gives a domain error a status its code alone does not imply (a malformed body
// is 400, not 422; an unknown path is 404 with its own message).
type httpError struct {
	status int
	err    *guangong.Error
}

func (e *httpError) Error() string { return e.err.Error() }
func (e *httpError) Unwrap() error { return e.err }

func statusError(status int, zh, en string) error {
	code := guangong.EINVALID
	switch status {
	case http.StatusNotFound:
		code = guangong.ENOTFOUND
	case http.StatusMethodNotAllowed:
		code = "method_not_allowed"
	case http.StatusRequestEntityTooLarge:
		code = "too_large"
	}
	return &httpError{status: status, err: &guangong.Error{Code: code, Msg: guangong.Msg{Zh: zh, En: en}}}
}

// statusFor is the one mapping from error codes to HTTP statuses.
func statusFor(err error) int {
	var he *httpError
	if errors.As(err, &he) {
		return he.status
	}
	return httpx.StatusOf(err)
}

// problem writes err as a problem response. Internal errors are logged in full with the
// request id; the client sees only 系统内部错误.
func (s *server) problem(w http.ResponseWriter, r *http.Request, err error) {
	status := statusFor(err)
	code := guangong.ErrorCode(err)
	if status == http.StatusInternalServerError {
		code = guangong.EINTERNAL
		s.log.LogAttrs(r.Context(), slog.LevelError, "api: internal error",
			slog.String("request_id", httpx.RequestID(r.Context())),
			slog.String("method", r.Method),
			slog.String("path", r.URL.Path),
			slog.String("error", err.Error()))
	}
	l := lang(r)
	p := Problem{
		Type:     problemType,
		Title:    http.StatusText(status),
		Status:   status,
		Detail:   guangong.ErrorMsg(err).In(l),
		Instance: r.URL.Path,
		Code:     code,
		Errors:   []FieldError{},
	}
	if status != http.StatusInternalServerError {
		for field, m := range guangong.FieldErrors(err) {
			p.Errors = append(p.Errors, FieldError{Field: field, Message: m.In(l)})
		}
		sort.Slice(p.Errors, func(i, j int) bool { return p.Errors[i].Field < p.Errors[j].Field })
	}
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="guangong"`)
	}
	b, _ := json.Marshal(p) // a Problem of strings and ints always encodes
	w.Header().Set("Content-Type", "application/problem+json; charset=utf-8")
	w.Header().Set("Content-Language", map[string]string{"en": "en", "zh": "zh-CN"}[l])
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}
