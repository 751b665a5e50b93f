package api

import (
	"bytes"
	"encoding/json"
	"reflect"
	"regexp"
	"strings"
	"sync"

	"guangong"
)

// fields=a,b on a list keeps only those members of each item, in that order: a phone or a
// script that shows two columns need not carry twenty. The names are checked against the
// item's type, so a misspelt one is refused, not silently dropped.

var fieldName = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9]*$`)

// fields reads the fields= parameter: nil when absent.
func (q *query) fields() []string {
	s := q.str("fields")
	if s == nil {
		return nil
	}
	var out []string
	for _, f := range strings.Split(*s, ",") {
		f = strings.TrimSpace(f)
		if !fieldName.MatchString(f) {
			q.v.Add("fields", "应为以逗号分隔的字段名，如 id,title", "Must be field names separated by commas, like id,title")
			return nil
		}
		out = append(out, f)
	}
	return out
}

// jsonNames are the JSON member names of struct type t (through pointers and embedded
// structs).
var jsonNamesCache sync.Map // reflect.Type → map[string]bool

func jsonNames(t reflect.Type) map[string]bool {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if v, ok := jsonNamesCache.Load(t); ok {
		return v.(map[string]bool)
	}
	names := map[string]bool{}
	if t.Kind() == reflect.Struct {
		for i := range t.NumField() {
			f := t.Field(i)
			tag := f.Tag.Get("json")
			name, _, _ := strings.Cut(tag, ",")
			switch {
			case name == "-":
			case f.Anonymous && name == "":
				for n := range jsonNames(f.Type) {
					names[n] = true
				}
			case f.IsExported():
				if name == "" {
					name = f.Name
				}
				names[name] = true
			}
		}
	}
	jsonNamesCache.Store(t, names)
	return names
}

// selectFields returns items with only the named members of each, or items as they are
// when no fields were asked for.
func selectFields[T any](items []T, fields []string) (any, error) {
	if len(fields) == 0 {
		return items, nil
	}
	known := jsonNames(reflect.TypeFor[T]())
	var v guangong.Validation
	for _, f := range fields {
		if !known[f] {
			v.Add("fields", "没有这个字段："+f, "No such field: "+f)
		}
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	out := make([]json.RawMessage, len(items))
	for i, item := range items {
		b, err := json.Marshal(item)
		if err != nil {
			return nil, err
		}
		var members map[string]json.RawMessage
		if err := json.Unmarshal(b, &members); err != nil {
			return nil, err
		}
		var buf bytes.Buffer
		buf.WriteByte('{')
		for _, f := range fields {
			m, ok := members[f]
			if !ok {
				continue // left out of this item (omitempty)
			}
			if buf.Len() > 1 {
				buf.WriteByte(',')
			}
			key, _ := json.Marshal(f)
			buf.Write(key)
			buf.WriteByte(':')
			buf.Write(m)
		}
		buf.WriteByte('}')
		out[i] = buf.Bytes()
	}
	return out, nil
}
