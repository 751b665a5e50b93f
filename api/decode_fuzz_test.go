package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"guangong"
)

// decodeTargets are request bodies the fuzzer decodes into: plain fields, an embedded
// struct with integers and lists (the updates), pointers (the org update).
var decodeTargets = []func() any{
	func() any { return new(volunteerUpdate) },
	func() any { return new(eventUpdate) },
	func() any { return new(guangong.OrgUpdate) },
	func() any { return new(orgCreate) },
}

// FuzzDecode sends any body to the request decoder and, when it refuses one, answers
// through problem as every handler does. A body is accepted exactly when it is one JSON
// object of the target's fields and types, and then decodes as encoding/json would; a
// refusal is a 4xx problem+json answer, valid JSON of the Problem shape, whose field
// errors name a field as the client wrote it: a field of the target for a wrong type, a
// key the target lacks for an unknown field.
//
// Run: go test -run '^$' -fuzz '^FuzzDecode$' -fuzztime 20s ./api
func FuzzDecode(f *testing.F) {
	for _, body := range []string{
		// TestDecodeErrors' bodies.
		"", `{"name": "x",`, `{name: "x"}`, `[1,2]`, `{"name":"x"} {"name":"y"}`, `{"name": 5}`,
		`{"level": ["town"]}`, `{"name":"x","colour":"red"}`, `{"id":"x","name":"x"}`, `{"version":"3"}`,
		// Good bodies and near misses.
		`{"name":"张三","gender":"male","birthDate":"1950-03-15","skills":["lecture"],"partyMember":true,"version":2}`,
		`{"type":"meeting","title":"推进会","startsAt":"2022-06-07T07:00:00+08:00","coOrgIds":["o2"],"youthsServed":3,"version":1}`,
		`{"name":null,"version":1}`, `{"skills":[1]}`, `{"version":1.5}`, `{"version":1e400}`, `{"youthsServed":-1}`,
		`null`, ` {} `, `"x"`, `5`, `true`, `{"":1}`, `{"a\u00ff":1}`, "{\"\xff\":1}", "\xef\xbb\xbf{}",
		`{"name":"x"}null`, `{"Name":"x"}`, `{"volunteerFields":{}}`, `{"name":"\ud800"}`,
	} {
		for which := range decodeTargets {
			f.Add([]byte(body), uint8(which), false)
		}
	}
	f.Add([]byte(`{"version":"3"}`), uint8(0), true)
	f.Fuzz(func(t *testing.T, body []byte, which uint8, english bool) {
		if len(body) > 1<<16 {
			return
		}
		target := decodeTargets[int(which)%len(decodeTargets)]
		req := httptest.NewRequest("POST", "/api/v1/fuzz", bytes.NewReader(body))
		if english {
			req.Header.Set("Accept-Language", "en")
		}
		rec := httptest.NewRecorder()
		dst := target()
		err := decode(rec, req, dst)

		// The oracle: one JSON object whose keys and types encoding/json accepts.
		want := target()
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.DisallowUnknownFields()
		trimmed := bytes.TrimLeft(body, " \t\r\n")
		good := len(trimmed) > 0 && trimmed[0] == '{' && dec.Decode(want) == nil && errors.Is(dec.Decode(new(json.RawMessage)), io.EOF)
		if err == nil {
			if !good {
				t.Fatalf("decode accepted %q, which is not one JSON object of %T's fields", body, dst)
			}
			if !reflect.DeepEqual(dst, want) {
				t.Fatalf("decode(%q) = %+v, encoding/json gives %+v", body, dst, want)
			}
			return
		}
		if good {
			t.Fatalf("decode refused %q, one JSON object of %T's fields: %v", body, dst, err)
		}

		s := &server{log: slog.New(slog.DiscardHandler)}
		s.problem(rec, req, err)
		if rec.Code < 400 || rec.Code > 499 {
			t.Fatalf("body %q: status %d, want 4xx: %s", body, rec.Code, rec.Body)
		}
		if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
			t.Fatalf("body %q: Content-Type %q", body, ct)
		}
		if !json.Valid(rec.Body.Bytes()) || !utf8.Valid(rec.Body.Bytes()) {
			t.Fatalf("body %q: the problem is not valid JSON: %q", body, rec.Body)
		}
		var p Problem
		pd := json.NewDecoder(bytes.NewReader(rec.Body.Bytes()))
		pd.DisallowUnknownFields()
		if err := pd.Decode(&p); err != nil {
			t.Fatalf("body %q: problem %s: %v", body, rec.Body, err)
		}
		if p.Status != rec.Code || p.Type != problemType || p.Title != http.StatusText(rec.Code) || p.Errors == nil ||
			p.Detail == "" || p.Instance != "/api/v1/fuzz" || p.Code == "" || p.Code == guangong.EINTERNAL {
			t.Fatalf("body %q: problem %+v does not match status %d", body, p, rec.Code)
		}
		if english == (rec.Header().Get("Content-Language") != "en") {
			t.Fatalf("body %q: Content-Language %q for english=%v", body, rec.Header().Get("Content-Language"), english)
		}
		if len(p.Errors) > 0 && rec.Code != http.StatusUnprocessableEntity {
			t.Fatalf("body %q: field errors with status %d", body, rec.Code)
		}
		fields := jsonFields(reflect.TypeOf(dst).Elem())
		for _, fe := range p.Errors {
			unknown := fe.Message == "不支持的字段" || fe.Message == "Unknown field"
			if fe.Message == "" || unknown == fields[strings.ToLower(fe.Field)] {
				t.Fatalf("body %q: field error %+v: %T's fields are %v", body, fe, dst, fields)
			}
		}
	})
}

// jsonFields is the set of keys (lower case, as encoding/json matches them) a struct reads,
// its embedded structs' included.
func jsonFields(t reflect.Type) map[string]bool {
	out := map[string]bool{}
	for _, f := range reflect.VisibleFields(t) {
		if !f.IsExported() || f.Anonymous {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out[strings.ToLower(name)] = true
	}
	return out
}
