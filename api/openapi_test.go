package api

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"regexp"
	"sort"
	"strings"
	"testing"
)

func loadDoc(t *testing.T) map[string]any {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal(openAPIDoc(), &doc); err != nil {
		t.Fatalf("openapi.json is not JSON: %v", err)
	}
	return doc
}

var httpMethods = map[string]bool{"get": true, "put": true, "post": true, "delete": true, "options": true, "head": true, "patch": true, "trace": true}

// TestOpenAPIMatchesRoutes keeps the document and routes.go in step, both ways.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	doc := loadDoc(t)
	if doc["openapi"] != "3.1.0" {
		t.Errorf("openapi = %v, want 3.1.0", doc["openapi"])
	}
	paths, _ := doc["paths"].(map[string]any)
	documented := map[string]bool{}
	for path, item := range paths {
		for key := range item.(map[string]any) {
			if httpMethods[key] {
				documented[strings.ToUpper(key)+" "+path] = true
			}
		}
	}
	registered := map[string]bool{}
	for _, rt := range (&server{}).routes() {
		key := rt.method + " " + rt.path
		if registered[key] {
			t.Errorf("route %s registered twice", key)
		}
		registered[key] = true
		if !documented[key] {
			t.Errorf("route %s is not in openapi.json", key)
		}
	}
	for key := range documented {
		if !registered[key] {
			t.Errorf("openapi.json documents %s, which routes.go does not register", key)
		}
	}
	if len(registered) < 23 {
		t.Errorf("only %d routes registered", len(registered))
	}
}

// TestOpenAPIOperations checks what a client generator relies on: unique operation ids,
// declared path parameters, error responses and the security of each operation.
func TestOpenAPIOperations(t *testing.T) {
	doc := loadDoc(t)
	public := map[string]bool{}
	for _, rt := range (&server{}).routes() {
		if rt.public {
			public[strings.ToLower(rt.method)+" "+rt.path] = true
		}
	}
	comps := doc["components"].(map[string]any)
	params := comps["parameters"].(map[string]any)
	resolveParam := func(p any) map[string]any {
		m := p.(map[string]any)
		if ref, ok := m["$ref"].(string); ok {
			return params[strings.TrimPrefix(ref, "#/components/parameters/")].(map[string]any)
		}
		return m
	}
	ids := map[string]string{}
	paramRe := regexp.MustCompile(`\{([^}]+)\}`)
	for path, item := range doc["paths"].(map[string]any) {
		item := item.(map[string]any)
		for method, op := range item {
			if !httpMethods[method] {
				continue
			}
			op := op.(map[string]any)
			where := method + " " + path
			id, _ := op["operationId"].(string)
			if id == "" {
				t.Errorf("%s: no operationId", where)
			} else if prev, dup := ids[id]; dup {
				t.Errorf("%s: operationId %s also used by %s", where, id, prev)
			}
			ids[id] = where
			declared := map[string]bool{}
			for _, list := range []any{item["parameters"], op["parameters"]} {
				ps, _ := list.([]any)
				for _, p := range ps {
					p := resolveParam(p)
					if p["in"] == "path" {
						declared[p["name"].(string)] = true
						if p["required"] != true {
							t.Errorf("%s: path parameter %v not required", where, p["name"])
						}
					}
				}
			}
			for _, m := range paramRe.FindAllStringSubmatch(path, -1) {
				if !declared[m[1]] {
					t.Errorf("%s: path parameter %s not declared", where, m[1])
				}
			}
			responses, _ := op["responses"].(map[string]any)
			if len(responses) == 0 {
				t.Errorf("%s: no responses", where)
			}
			sec, hasSec := op["security"].([]any)
			if public[where] {
				if !hasSec || len(sec) != 0 {
					t.Errorf("%s: public route must declare security: []", where)
				}
				continue
			}
			if hasSec {
				t.Errorf("%s: overrides the bearer security", where)
			}
			for _, code := range []string{"401", "500"} {
				if responses[code] == nil {
					t.Errorf("%s: no %s response", where, code)
				}
			}
			if _, hasBody := op["requestBody"]; hasBody {
				for _, code := range []string{"400", "413", "422"} {
					if responses[code] == nil {
						t.Errorf("%s: takes a body but documents no %s", where, code)
					}
				}
			}
		}
	}
	scheme := comps["securitySchemes"].(map[string]any)["bearer"].(map[string]any)
	if scheme["type"] != "http" || scheme["scheme"] != "bearer" {
		t.Errorf("bearer scheme = %v", scheme)
	}
	global, _ := doc["security"].([]any)
	if len(global) != 1 || global[0].(map[string]any)["bearer"] == nil {
		t.Errorf("global security = %v, want bearer", doc["security"])
	}
}

// TestOpenAPIRefsResolve walks every $ref, so a renamed schema cannot leave a dangling one,
// and checks that the schemas the brief names are there.
func TestOpenAPIRefsResolve(t *testing.T) {
	doc := loadDoc(t)
	var refs []string
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, x := range v {
				if k == "$ref" {
					refs = append(refs, x.(string))
				}
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	walk(doc)
	if len(refs) < 50 {
		t.Fatalf("only %d refs found; walker broken?", len(refs))
	}
	for _, ref := range refs {
		if !strings.HasPrefix(ref, "#/") {
			t.Errorf("non-local ref %s", ref)
			continue
		}
		var node any = doc
		for _, part := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
			m, ok := node.(map[string]any)
			if !ok || m[part] == nil {
				t.Errorf("dangling ref %s", ref)
				node = nil
				break
			}
			node = m[part]
		}
	}
	schemas := doc["components"].(map[string]any)["schemas"].(map[string]any)
	for _, name := range []string{"Org", "User", "Token", "AuditEntry", "AuditVerification", "Problem", "FieldError"} {
		if schemas[name] == nil {
			t.Errorf("schema %s missing", name)
		}
	}
	problem := schemas["Problem"].(map[string]any)["properties"].(map[string]any)
	var keys []string
	for k := range problem {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if got := strings.Join(keys, ","); got != "code,detail,errors,instance,status,title,type" {
		t.Errorf("Problem properties = %s", got)
	}
}

// TestOpenAPIServed checks the document is served without a token, as JSON, with the
// build's version.
func TestOpenAPIServed(t *testing.T) {
	h := New(Config{Version: "1.2.3-test"})
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/api/openapi.json", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d", rec.Code)
	}
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type %q", ct)
	}
	var doc struct {
		OpenAPI string `json:"openapi"`
		Info    struct {
			Version string `json:"version"`
		} `json:"info"`
		Paths map[string]any `json:"paths"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(rec.Body.String(), `\u003c`) {
		t.Error("served document escapes < as \\u003c")
	}
	if doc.OpenAPI != "3.1.0" || doc.Info.Version != "1.2.3-test" || doc.Paths["/api/v1/orgs/{id}"] == nil {
		t.Errorf("served document: openapi %q version %q, %d paths", doc.OpenAPI, doc.Info.Version, len(doc.Paths))
	}
}
