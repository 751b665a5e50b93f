package api

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"guangong/sqlstore"
	"guangong/sqlstore/storetest"
)

// conform checks v against the JSON Schema subset openapi.json uses ($ref, type,
// properties, required, additionalProperties, items, enum, propertyNames, date-time),
// returning every mismatch.
func conform(doc map[string]any, schema map[string]any, v any, at string) []string {
	if ref, ok := schema["$ref"].(string); ok {
		node := any(doc)
		for _, part := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
			node = node.(map[string]any)[part]
		}
		return conform(doc, node.(map[string]any), v, at)
	}
	var errs []string
	bad := func(format string, args ...any) { errs = append(errs, at+": "+fmt.Sprintf(format, args...)) }
	if typ, ok := schema["type"].(string); ok {
		okType := false
		switch x := v.(type) {
		case map[string]any:
			okType = typ == "object"
		case []any:
			okType = typ == "array"
		case string:
			okType = typ == "string"
		case bool:
			okType = typ == "boolean"
		case float64:
			okType = typ == "number" || (typ == "integer" && x == float64(int64(x)))
		case nil:
			okType = typ == "null"
		}
		if !okType {
			bad("%v is not of type %s", v, typ)
			return errs
		}
	}
	if enum, ok := schema["enum"].([]any); ok {
		found := false
		for _, e := range enum {
			found = found || e == v
		}
		if !found {
			bad("%v not in enum %v", v, enum)
		}
	}
	if schema["format"] == "date-time" {
		if s, _ := v.(string); s != "" {
			if _, err := time.Parse(time.RFC3339, s); err != nil || !strings.HasSuffix(s, "Z") {
				bad("%q is not an RFC 3339 UTC time", s)
			}
		}
	}
	switch x := v.(type) {
	case map[string]any:
		props, _ := schema["properties"].(map[string]any)
		for _, r := range asSlice(schema["required"]) {
			if _, ok := x[r.(string)]; !ok {
				bad("required %s missing", r)
			}
		}
		for k, val := range x {
			if names, ok := schema["propertyNames"].(map[string]any); ok {
				errs = append(errs, conform(doc, names, k, at+"{"+k+"}")...)
			}
			if p, ok := props[k]; ok {
				errs = append(errs, conform(doc, p.(map[string]any), val, at+"."+k)...)
				continue
			}
			switch extra := schema["additionalProperties"].(type) {
			case bool:
				if !extra {
					bad("undocumented property %s", k)
				}
			case map[string]any:
				errs = append(errs, conform(doc, extra, val, at+"."+k)...)
			}
		}
	case []any:
		if items, ok := schema["items"].(map[string]any); ok {
			for i, val := range x {
				errs = append(errs, conform(doc, items, val, at+"["+strconv.Itoa(i)+"]")...)
			}
		}
	}
	return errs
}

func asSlice(v any) []any { s, _ := v.([]any); return s }

// TestResponsesMatchDocument sends one request of each kind and checks the answer, success
// or problem, against the schema openapi.json gives for that operation and status.
func TestResponsesMatchDocument(t *testing.T) {
	doc := loadDoc(t)
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		e := newEnv(t, db)
		// Writing youths needs 未成年人信息 access: the town clerk has it, the village clerk not.
		e.fx.GrantMinorAccess(t, "townclerk")
		covered := map[string]bool{}
		check := func(method, pattern, path, user, body string, status int, header ...string) *json.RawMessage {
			t.Helper()
			rec := e.do(method, path, user, body, header...)
			if rec.Code != status {
				t.Fatalf("%s %s: status %d, want %d: %s", method, path, rec.Code, status, rec.Body)
			}
			op, _ := doc["paths"].(map[string]any)[pattern].(map[string]any)[strings.ToLower(method)].(map[string]any)
			if op == nil {
				t.Fatalf("%s %s not documented", method, pattern)
			}
			covered[method+" "+pattern] = true
			resp, _ := op["responses"].(map[string]any)[strconv.Itoa(status)].(map[string]any)
			if resp == nil {
				t.Errorf("%s %s: status %d not documented", method, pattern, status)
				return nil
			}
			if ref, ok := resp["$ref"].(string); ok {
				resp = doc["components"].(map[string]any)["responses"].(map[string]any)[strings.TrimPrefix(ref, "#/components/responses/")].(map[string]any)
			}
			content, _ := resp["content"].(map[string]any)
			if len(content) == 0 {
				if rec.Body.Len() != 0 {
					t.Errorf("%s %s: documented without a body, got %s", method, pattern, rec.Body)
				}
				return nil
			}
			ct, _, _ := strings.Cut(rec.Header().Get("Content-Type"), ";")
			media, _ := content[ct].(map[string]any)
			if media == nil {
				t.Errorf("%s %s: content type %s not documented", method, pattern, ct)
				return nil
			}
			if !strings.HasSuffix(ct, "json") {
				return nil // a file (xlsx): its type is documented, its content is no JSON
			}
			var v any
			if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil {
				t.Fatalf("%s %s: %v", method, pattern, err)
			}
			for _, err := range conform(doc, media["schema"].(map[string]any), v, method+" "+pattern) {
				t.Error(err)
			}
			raw := json.RawMessage(rec.Body.Bytes())
			return &raw
		}
		check("GET", "/api/v1/me", "/api/v1/me", "villageclerk", "", 200)
		check("GET", "/api/v1/me", "/api/v1/me", "", "", 401)
		check("PATCH", "/api/v1/me/prefs", "/api/v1/me/prefs", "villageclerk", `{"largeText":true}`, 200)
		check("POST", "/api/v1/me/password", "/api/v1/me/password", "villageclerk", `{"oldPassword":"x","newPassword":"y"}`, 422)
		check("GET", "/api/v1/orgs", "/api/v1/orgs?includeDissolved=true", "admin", "", 200)
		check("GET", "/api/v1/orgs", "/api/v1/orgs", "auditor", "", 403)
		created := check("POST", "/api/v1/orgs", "/api/v1/orgs", "townadmin",
			`{"parentId":"{Town}","name":"文档村","level":"village","code":"doc-1","established":"2020-01-01"}`, 201)
		var o struct{ ID string }
		_ = json.Unmarshal(*created, &o)
		e.alias("Doc", o.ID)
		check("POST", "/api/v1/orgs", "/api/v1/orgs", "townadmin", `{"parentId":"{Town}","name":"文档村","level":"village","code":"doc-1"}`, 409)
		check("POST", "/api/v1/orgs", "/api/v1/orgs", "townadmin", `{"name":`, 400)
		check("GET", "/api/v1/orgs/{id}", "/api/v1/orgs/{Doc}", "townadmin", "", 200)
		check("GET", "/api/v1/orgs/{id}", "/api/v1/orgs/{Missing}", "townadmin", "", 404)
		check("PATCH", "/api/v1/orgs/{id}", "/api/v1/orgs/{Doc}", "townadmin", `{"contact":"123","version":1}`, 200)
		check("POST", "/api/v1/orgs/{id}/move", "/api/v1/orgs/{Doc}/move", "admin", `{"parentId":"{OtherTown}","version":2}`, 200)
		check("POST", "/api/v1/orgs/{id}/dissolve", "/api/v1/orgs/{Doc}/dissolve", "admin", `{"version":3}`, 200)
		check("GET", "/api/v1/orgs/{id}/summary", "/api/v1/orgs/{Town}/summary", "townadmin", "", 200)
		check("GET", "/api/v1/orgs/{id}/ancestors", "/api/v1/orgs/{VillageA}/ancestors", "admin", "", 200)
		check("GET", "/api/v1/users", "/api/v1/users", "admin", "", 200)
		du := check("POST", "/api/v1/users", "/api/v1/users", "townadmin",
			`{"username":"docuser","displayName":"文档","orgId":"{Town}","role":"viewer","password":"Doc-2026-pass"}`, 201)
		var docUser struct{ ID string }
		_ = json.Unmarshal(*du, &docUser)
		e.alias("DocUser", docUser.ID)
		check("GET", "/api/v1/users/{id}", "/api/v1/users/{u:townclerk}", "townadmin", "", 200)
		check("PATCH", "/api/v1/users/{id}", "/api/v1/users/{u:townclerk}", "townadmin",
			fmt.Sprintf(`{"displayName":"镇录入员甲","version":%d}`, e.fx.Users["townclerk"].Version), 200)
		// On an account of its own: a reset and "end all sessions" revoke the account's tokens,
		// and the fixture accounts' tokens serve the checks below.
		check("POST", "/api/v1/users/{id}/reset-password", "/api/v1/users/{DocUser}/reset-password", "townadmin", `{"password":"Doc-2026-reset"}`, 204)
		check("POST", "/api/v1/users/{id}/end-sessions", "/api/v1/users/{DocUser}/end-sessions", "townadmin", "", 200)
		// A token mints no token (tokens are made in a session, on the pages).
		check("POST", "/api/v1/users/{id}/tokens", "/api/v1/users/{u:townclerk}/tokens", "townclerk", `{"name":"文档","expireDays":90}`, 403)
		_, tk, err := e.db.CreateToken(context.Background(), e.fx.Actor("townclerk"), e.fx.Users["townclerk"].ID, "文档", 90)
		if err != nil {
			t.Fatal(err)
		}
		e.alias("DocToken", tk.ID)
		check("DELETE", "/api/v1/tokens/{id}", "/api/v1/tokens/{DocToken}", "townclerk", "", 204)
		check("GET", "/api/v1/users/{id}/tokens", "/api/v1/users/{u:townclerk}/tokens", "townclerk", "", 200)
		check("GET", "/api/v1/audit", "/api/v1/audit?limit=200", "auditor", "", 200)
		check("GET", "/api/v1/audit", "/api/v1/audit", "admin", "", 403)
		check("GET", "/api/v1/audit/verify", "/api/v1/audit/verify", "auditor", "", 200)
		check("GET", "/api/v1/audit/head", "/api/v1/audit/head", "auditor", "", 200)
		check("POST", "/api/v1/audit/anchors", "/api/v1/audit/anchors", "auditor", `{"orgId":"{Town}","head":"7:`+strings.Repeat("ab", 32)+`"}`, 201)
		check("GET", "/api/openapi.json", "/api/openapi.json", "", "", 200)
		checkPeople(t, e, check)
		checkEvents(t, e, check)
		checkDuty(t, e, check)
		checkHours(t, e, check)
		checkProgress(t, e, check)
		for _, rt := range (&server{}).routes() {
			if !covered[rt.method+" "+rt.path] {
				t.Errorf("%s %s not checked against the document", rt.method, rt.path)
			}
		}
	})
}
