package api

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"time"

	"guangong"
)

// maxBody caps request bodies; nothing the API accepts comes near it.
const maxBody = 1 << 20

// decode reads exactly one JSON object into dst, refusing unknown fields, wrong types and
// oversized bodies with a problem that names the field where it can.
func decode(w http.ResponseWriter, r *http.Request, dst any) error {
	body := &firstByte{r: http.MaxBytesReader(w, r.Body, maxBody)}
	dec := json.NewDecoder(body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return decodeError(err, dst)
	}
	var extra json.RawMessage
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return decodeError(err, dst)
		}
		return statusError(http.StatusBadRequest, "请求体只能包含一个 JSON 对象", "The body must hold exactly one JSON object")
	}
	if body.first != '{' {
		// encoding/json takes null for an object left as it was; the body must be one.
		return notObject()
	}
	return nil
}

func notObject() error {
	return statusError(http.StatusBadRequest, "请求体应为 JSON 对象", "The body must be a JSON object")
}

// firstByte passes a body through and remembers its first byte after white space.
type firstByte struct {
	r     io.Reader
	first byte
}

func (b *firstByte) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	for i := 0; b.first == 0 && i < n; i++ {
		if c := p[i]; c != ' ' && c != '\t' && c != '\r' && c != '\n' {
			b.first = c
		}
	}
	return n, err
}

func decodeError(err error, dst any) error {
	var (
		syntax    *json.SyntaxError
		typ       *json.UnmarshalTypeError
		tooLarge  *http.MaxBytesError
		validated guangong.Validation
	)
	switch {
	case errors.Is(err, io.EOF):
		return statusError(http.StatusBadRequest, "请求体不能为空，应为 JSON 对象", "The body is empty; send a JSON object")
	case errors.As(err, &syntax), errors.Is(err, io.ErrUnexpectedEOF):
		return statusError(http.StatusBadRequest, "请求体不是有效的 JSON", "The body is not valid JSON")
	case errors.As(err, &tooLarge):
		return statusError(http.StatusRequestEntityTooLarge, "请求体不能超过 1 MiB", "The body must be at most 1 MiB")
	case errors.As(err, &typ):
		if typ.Field == "" {
			return notObject()
		}
		zh, en := kindName(typ.Type)
		validated.Add(jsonPath(reflect.TypeOf(dst), typ.Field), "类型错误，应为"+zh, "Wrong type: expected "+en)
		return validated.Err()
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		// encoding/json has no typed error for this; its text is stable and documented.
		field, _ := strconv.Unquote(strings.TrimPrefix(err.Error(), "json: unknown field "))
		validated.Add(field, "不支持的字段", "Unknown field")
		return validated.Err()
	}
	return statusError(http.StatusBadRequest, "请求体无法读取", "The body could not be read")
}

// jsonPath is the field's path as the client wrote it. encoding/json's path names a field
// of an embedded struct through the struct's Go name (volunteerFields.skills for the
// skills of a volunteerUpdate); those names are dropped.
func jsonPath(t reflect.Type, path string) string {
	var out []string
	for _, name := range strings.Split(path, ".") {
		for t != nil && (t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Array || t.Kind() == reflect.Map) {
			t = t.Elem()
		}
		if t == nil || t.Kind() != reflect.Struct {
			out, t = append(out, name), nil
			continue
		}
		if f, ok := t.FieldByName(name); ok && f.Anonymous && f.Tag.Get("json") == "" {
			t = f.Type // an embedded struct: its fields are the outer object's
			continue
		}
		out = append(out, name)
		t = jsonFieldType(t, name)
	}
	return strings.Join(out, ".")
}

// jsonFieldType is the type of the struct's field that encoding/json fills from key, or nil.
func jsonFieldType(t reflect.Type, key string) reflect.Type {
	for _, f := range reflect.VisibleFields(t) {
		if !f.IsExported() || f.Anonymous {
			continue
		}
		tag, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if tag == "-" {
			continue
		}
		if tag == "" {
			tag = f.Name
		}
		if strings.EqualFold(tag, key) {
			return f.Type
		}
	}
	return nil
}

func kindName(t reflect.Type) (zh, en string) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "字符串", "a string"
	case reflect.Bool:
		return "布尔值（true 或 false）", "a boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "整数", "an integer"
	case reflect.Float32, reflect.Float64:
		return "数字", "a number"
	case reflect.Slice, reflect.Array:
		return "数组", "an array"
	}
	return "对象", "an object"
}

// query reads a list's query parameters, collecting every problem as a field error.
// Unknown parameters are refused: a misspelt filter must not silently list everything.
type query struct {
	values url.Values
	v      guangong.Validation
}

func newQuery(r *http.Request, allowed ...string) *query {
	q := &query{values: r.URL.Query()}
	ok := map[string]bool{"offset": true, "limit": true, "skipTotal": true, "fields": true}
	for _, name := range allowed {
		ok[name] = true
	}
	for name := range q.values {
		if !ok[name] {
			q.v.Add(name, "不支持的查询参数", "Unknown query parameter")
		}
	}
	return q
}

// str is nil when the parameter is absent or empty.
func (q *query) str(name string) *string {
	s := strings.TrimSpace(q.values.Get(name))
	if s == "" {
		return nil
	}
	return &s
}

func (q *query) integer(name string) int {
	s := q.str(name)
	if s == nil {
		return 0
	}
	n, err := strconv.Atoi(*s)
	if err != nil || n < 0 {
		q.v.Add(name, "应为非负整数", "Must be a non-negative integer")
		return 0
	}
	return n
}

func (q *query) boolean(name string) *bool {
	s := q.str(name)
	if s == nil {
		return nil
	}
	b, err := strconv.ParseBool(*s)
	if err != nil {
		q.v.Add(name, "应为 true 或 false", "Must be true or false")
		return nil
	}
	return &b
}

func (q *query) time(name string) *time.Time {
	s := q.str(name)
	if s == nil {
		return nil
	}
	t, err := time.Parse(time.RFC3339, *s)
	if err != nil {
		q.v.Add(name, "时间格式应为 RFC 3339，如 2026-01-02T15:04:05+08:00",
			"Must be an RFC 3339 time like 2026-01-02T15:04:05+08:00")
		return nil
	}
	t = t.UTC()
	return &t
}

func (q *query) page() guangong.Page {
	skip := q.boolean("skipTotal")
	return guangong.Page{Offset: q.integer("offset"), Limit: q.integer("limit"), SkipTotal: skip != nil && *skip,
		Fields: q.fields()}
}

func (q *query) err() error { return q.v.Err() }

// requireVersion refuses an edit that does not say which version it was made against:
// version 0 would otherwise read as a stale edit, a misleading answer.
func requireVersion(version int) error {
	if version <= 0 {
		var v guangong.Validation
		v.Add("version", "缺少版本号：请先读取记录，并提交其 version", "Missing version: read the record first and send its version")
		return v.Err()
	}
	return nil
}
