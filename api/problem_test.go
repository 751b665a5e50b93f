package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"guangong"
	"guangong/httpx"
)

// fakeStore answers the few calls these tests make; any other call panics through the
// nil embedded interface, so a test cannot pass by reaching the store unexpectedly.
type fakeStore struct {
	guangong.Store
	findOrgErr error
	creates    int
}

func (f *fakeStore) TokenUser(_ context.Context, raw string) (*guangong.User, error) {
	switch raw {
	case "good":
		return &guangong.User{ID: "u1", Username: "clerk", Role: guangong.RoleClerk, OrgID: "o1"}, nil
	case "disabled":
		return &guangong.User{ID: "u2", Username: "gone", Role: guangong.RoleClerk, OrgID: "o1", Disabled: true}, nil
	}
	return nil, guangong.Errorf(guangong.EUNAUTHORIZED, "访问令牌无效", "Invalid token")
}

func (f *fakeStore) FindOrgByID(context.Context, *guangong.Actor, string) (*guangong.Org, error) {
	return nil, f.findOrgErr
}

func (f *fakeStore) CreateOrg(context.Context, *guangong.Actor, *guangong.Org) error {
	f.creates++
	return errors.New("must not be reached")
}

func decodeProblem(t *testing.T, rec *httptest.ResponseRecorder) Problem {
	t.Helper()
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
		t.Fatalf("Content-Type %q, body %s", ct, rec.Body)
	}
	var p Problem
	dec := json.NewDecoder(bytes.NewReader(rec.Body.Bytes()))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		t.Fatalf("problem body %s: %v", rec.Body, err)
	}
	if p.Status != rec.Code || p.Type != problemType || p.Title != http.StatusText(rec.Code) || p.Errors == nil {
		t.Errorf("problem %+v does not match status %d", p, rec.Code)
	}
	return p
}

func fieldMsg(p Problem, field string) string {
	for _, e := range p.Errors {
		if e.Field == field {
			return e.Message
		}
	}
	return ""
}

// TestDecodeErrors covers each way a body can be bad before the store sees it.
func TestDecodeErrors(t *testing.T) {
	huge := `{"name":"` + strings.Repeat("关", maxBody/3+10) + `"}`
	for _, tc := range []struct {
		name, body string
		status     int
		field      string // the field error expected, if any
		want       string // text in the detail or the field's message
	}{
		{"empty", "", 400, "", "请求体不能为空"},
		{"malformed", `{"name": "x",`, 400, "", "不是有效的 JSON"},
		{"syntax", `{name: "x"}`, 400, "", "不是有效的 JSON"},
		{"array", `[1,2]`, 400, "", "应为 JSON 对象"},
		{"null", ` null `, 400, "", "应为 JSON 对象"}, // encoding/json would take it for an empty object
		{"trailing", `{"name":"x"} {"name":"y"}`, 400, "", "只能包含一个"},
		{"wrong type string", `{"name": 5}`, 422, "name", "类型错误"},
		{"wrong type level", `{"level": ["town"]}`, 422, "level", "类型错误，应为字符串"},
		{"unknown field", `{"name":"x","colour":"red"}`, 422, "colour", "不支持的字段"},
		{"client sets id", `{"id":"x","name":"x"}`, 422, "id", "不支持的字段"},
		{"too large", huge, 413, "", "1 MiB"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			store := &fakeStore{}
			h := New(Config{Store: store})
			req := httptest.NewRequest("POST", "/api/v1/orgs", strings.NewReader(tc.body))
			req.Header.Set("Authorization", "Bearer good")
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != tc.status {
				t.Fatalf("status %d, want %d: %s", rec.Code, tc.status, rec.Body)
			}
			p := decodeProblem(t, rec)
			got := p.Detail
			if tc.field != "" {
				got = fieldMsg(p, tc.field)
				if len(p.Errors) != 1 {
					t.Errorf("errors %+v, want one for %s", p.Errors, tc.field)
				}
			}
			if !strings.Contains(got, tc.want) {
				t.Errorf("got %q, want it to contain %q (body %s)", got, tc.want, rec.Body)
			}
			if p.Instance != "/api/v1/orgs" {
				t.Errorf("instance %q", p.Instance)
			}
			if store.creates != 0 {
				t.Error("the store was called with a bad body")
			}
		})
	}
}

// A wrong type in a record sent in full (an update embeds the create's fields) names the
// field as the client wrote it, not through the Go struct that holds it.
func TestDecodeTypeErrorEmbeddedField(t *testing.T) {
	h := New(Config{Store: &fakeStore{}})
	for _, tc := range []struct{ path, body, field string }{
		{"/api/v1/volunteers/x", `{"name":5,"version":1}`, "name"},
		{"/api/v1/volunteers/x", `{"skills":["lecture",1],"version":1}`, "skills"},
		{"/api/v1/events/x", `{"youthsServed":"3","version":1}`, "youthsServed"},
		{"/api/v1/events/x", `{"version":"1"}`, "version"},
	} {
		req := httptest.NewRequest("PUT", tc.path, strings.NewReader(tc.body))
		req.Header.Set("Authorization", "Bearer good")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		p := decodeProblem(t, rec)
		if rec.Code != 422 || len(p.Errors) != 1 || p.Errors[0].Field != tc.field || !strings.Contains(p.Errors[0].Message, "类型错误") {
			t.Errorf("%s %s: %d %+v, want a type error on %s", tc.path, tc.body, rec.Code, p.Errors, tc.field)
		}
	}
}

func TestDecodeTypeErrorEnglish(t *testing.T) {
	h := New(Config{Store: &fakeStore{}})
	req := httptest.NewRequest("PATCH", "/api/v1/orgs/x", strings.NewReader(`{"version":"3"}`))
	req.Header.Set("Authorization", "Bearer good")
	req.Header.Set("Accept-Language", "en-GB,en;q=0.9")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	p := decodeProblem(t, rec)
	if rec.Code != 422 || fieldMsg(p, "version") != "Wrong type: expected an integer" || p.Detail != "Please correct the marked fields" {
		t.Errorf("got %d %+v", rec.Code, p)
	}
	if rec.Header().Get("Content-Language") != "en" {
		t.Errorf("Content-Language %q", rec.Header().Get("Content-Language"))
	}
}

// TestInternalErrorHidden: a driver's text never reaches the client; the log has it with
// the request id.
func TestInternalErrorHidden(t *testing.T) {
	var logs bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&logs, nil))
	h := httpx.Observe(slog.New(slog.DiscardHandler), nil,
		New(Config{Store: &fakeStore{findOrgErr: errors.New("pq: relation orgs secret detail")}, Log: log}))
	req := httptest.NewRequest("GET", "/api/v1/orgs/abc", nil)
	req.Header.Set("Authorization", "Bearer good")
	req.Header.Set("X-Request-Id", "req-42")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	p := decodeProblem(t, rec)
	if rec.Code != 500 || p.Detail != "系统内部错误" || p.Code != guangong.EINTERNAL {
		t.Errorf("got %d %+v", rec.Code, p)
	}
	if strings.Contains(rec.Body.String(), "secret") {
		t.Errorf("driver text leaked: %s", rec.Body)
	}
	if !strings.Contains(logs.String(), "secret detail") || !strings.Contains(logs.String(), "req-42") {
		t.Errorf("log lacks the cause or the request id: %s", logs.String())
	}
}

func TestAuthAndRouting(t *testing.T) {
	h := New(Config{Store: &fakeStore{findOrgErr: guangong.NotFound(guangong.OrgNoun)}})
	for _, tc := range []struct {
		method, path, auth string
		status             int
		want               string
	}{
		{"GET", "/api/v1/me", "", 401, "缺少访问令牌"},
		{"GET", "/api/v1/me", "Basic dXNlcjpwdw==", 401, "缺少访问令牌"},
		{"GET", "/api/v1/me", "Bearer ", 401, "缺少访问令牌"},
		{"GET", "/api/v1/me", "Bearer wrong", 401, "访问令牌无效"},
		{"GET", "/api/v1/me", "Bearer disabled", 401, "访问令牌无效"},
		{"GET", "/api/v1/nothing", "", 401, "缺少访问令牌"},
		{"GET", "/api/v1/nothing", "Bearer good", 404, "接口不存在"},
		{"GET", "/api/v2/orgs", "", 404, "接口不存在"},
		{"PUT", "/api/v1/orgs/abc", "Bearer good", 405, "不支持该请求方法"},
		{"GET", "/api/v1/orgs/abc", "Bearer good", 404, "组织不存在"},
	} {
		req := httptest.NewRequest(tc.method, tc.path, nil)
		if tc.auth != "" {
			req.Header.Set("Authorization", tc.auth)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != tc.status {
			t.Errorf("%s %s (%s): status %d, want %d: %s", tc.method, tc.path, tc.auth, rec.Code, tc.status, rec.Body)
			continue
		}
		p := decodeProblem(t, rec)
		if !strings.Contains(p.Detail, tc.want) {
			t.Errorf("%s %s: detail %q, want %q", tc.method, tc.path, p.Detail, tc.want)
		}
		if tc.status == 401 && !strings.HasPrefix(rec.Header().Get("WWW-Authenticate"), "Bearer") {
			t.Errorf("%s %s: no WWW-Authenticate", tc.method, tc.path)
		}
		if tc.status == 405 && rec.Header().Get("Allow") != "GET, PATCH" {
			t.Errorf("Allow %q", rec.Header().Get("Allow"))
		}
	}
}

func TestQueryErrors(t *testing.T) {
	h := New(Config{Store: &fakeStore{}})
	for _, tc := range []struct{ path, field, want string }{
		{"/api/v1/orgs?limit=x", "limit", "非负整数"},
		{"/api/v1/orgs?offset=-1", "offset", "非负整数"},
		{"/api/v1/orgs?level=galaxy", "level", "有效的层级"},
		{"/api/v1/orgs?includeDissolved=maybe", "includeDissolved", "true 或 false"},
		{"/api/v1/orgs?parent_id=x", "parent_id", "不支持的查询参数"},
		{"/api/v1/users?role=king", "role", "有效的角色"},
		{"/api/v1/audit?from=yesterday", "from", "RFC 3339"},
		{"/api/v1/audit?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z", "to", "晚于"},
	} {
		req := httptest.NewRequest("GET", tc.path, nil)
		req.Header.Set("Authorization", "Bearer good")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != 422 {
			t.Errorf("%s: status %d: %s", tc.path, rec.Code, rec.Body)
			continue
		}
		if got := fieldMsg(decodeProblem(t, rec), tc.field); !strings.Contains(got, tc.want) {
			t.Errorf("%s: %s = %q, want %q", tc.path, tc.field, got, tc.want)
		}
	}
}
