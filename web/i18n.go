package web

import (
	"fmt"
	"html/template"
	"io/fs"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"guangong"
)

// tr looks a key up in the catalog; a missing key shows itself, and a test walks the
// templates so that none is missing.
func tr(lang, key string) string {
	m, ok := catalog[key]
	if !ok {
		return "??" + key
	}
	return m.In(lang)
}

func (s *server) funcs(lang string) template.FuncMap {
	return template.FuncMap{
		"t":      func(key string) string { return tr(lang, key) },
		"static": s.assets.url,
		"msg":    func(m guangong.Msg) string { return m.In(lang) },
		"count":  func(n int, unit guangong.Msg) string { return countOf(lang, n, unit) },
		"level":  func(l guangong.Level) string { return l.Label().In(lang) },
		"role":   func(r guangong.Role) string { return r.Label().In(lang) },
		"action": func(a string) string {
			if m, ok := catalog["action."+a]; ok {
				return m.In(lang)
			}
			return a
		},
		"object": func(o string) string {
			if m, ok := catalog["object."+o]; ok {
				return m.In(lang)
			}
			return o
		},
		// A name search counts no further than the cap (see guangong.SearchCountCap).
		"total": func(n int) string {
			if n > guangong.SearchCountCap {
				return strconv.Itoa(guangong.SearchCountCap) + "+"
			}
			return strconv.Itoa(n)
		},
		"result": func(r string) string {
			if m, ok := catalog["result."+r]; ok {
				return m.In(lang)
			}
			return r
		},
		"datetime": func(v any) string { return formatTime(v, "2006-01-02 15:04:05") },
		"date":     func(v any) string { return formatTime(v, guangong.DateLayout) },
		"add":      func(a, b int) int { return a + b },
		"field": func(v *view, name, labelKey, typ string, required bool) fieldView {
			f := fieldView{ID: "f-" + name, Name: name, Label: tr(lang, labelKey), Type: typ, Required: required,
				Error: v.Errors[name]}
			if typ != "password" {
				f.Value = v.Form.Get(name)
			}
			return f
		},
		"lang": func() string { return lang },
		// Punctuation that follows the page: full-width on Chinese pages, ASCII on English ones.
		"colon":   func() string { return punct(lang, "：", ": ") },
		"lp":      func() string { return punct(lang, "（", " (") },
		"rp":      func() string { return punct(lang, "）", ")") },
		"comma":   func() string { return punct(lang, "，", ", ") },
		"listsep": func() string { return punct(lang, "、", ", ") },
		// The people pages: coded values in words, ages, checkbox lists, reveal links.
		"label": func(code any) string { return guangong.Label(fmt.Sprint(code)).In(lang) },
		"has":   func(list []string, v any) bool { return slices.Contains(list, fmt.Sprint(v)) },
		"age": func(birth string) string {
			if n := guangong.AgeOn(birth, time.Now().In(guangong.Shanghai)); n >= 0 {
				return strconv.Itoa(n)
			}
			return ""
		},
		"today":     today,
		"hasPrefix": strings.HasPrefix,
		"revealLink": func(id, field string) struct{ ID, Field string } {
			return struct{ ID, Field string }{id, field}
		},
		"node": func(o *guangong.Org, dissolved bool) treeNode { return treeNode{o, dissolved} },
		"otherLang": func() string {
			if lang == "en" {
				return "zh"
			}
			return "en"
		},
	}
}

func punct(lang, zh, en string) string {
	if lang == "en" {
		return en
	}
	return zh
}

// fieldView is one labelled input with its error, for the "input" template.
type fieldView struct {
	ID, Name, Label, Type, Value, Error string
	Required                            bool
}

// treeNode is one committee in the tree, with whether dissolved ones are shown.
type treeNode struct {
	Org       *guangong.Org
	Dissolved bool
}

// formatTime shows a time in Asia/Shanghai; nil and zero times show nothing.
func formatTime(v any, layout string) string {
	switch t := v.(type) {
	case time.Time:
		if t.IsZero() {
			return ""
		}
		return t.In(guangong.Shanghai).Format(layout)
	case *time.Time:
		if t == nil || t.IsZero() {
			return ""
		}
		return t.In(guangong.Shanghai).Format(layout)
	}
	return ""
}

// tCall finds the catalog keys a template uses: {{t "key"}} and (field . "name" "key" …).
var tCall = regexp.MustCompile(`(?:\bt|\bfield \S+ "[^"]+") "([^"]+)"`)

// checkCatalog fails (in a test) if a template uses a key the catalog lacks, or if an entry
// lacks one of its two languages.
func checkCatalog() error {
	var missing []string
	err := fs.WalkDir(templateFS, "templates", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := templateFS.ReadFile(p)
		if err != nil {
			return err
		}
		for _, m := range tCall.FindAllStringSubmatch(string(b), -1) {
			if _, ok := catalog[m[1]]; !ok {
				missing = append(missing, p+": "+m[1])
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	for k, m := range catalog {
		if m.Zh == "" || m.En == "" {
			missing = append(missing, "catalog: "+k+" lacks a language")
		}
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		return fmt.Errorf("web: i18n catalog: %s", strings.Join(missing, "; "))
	}
	return nil
}

// countOf is a number with its unit: "3 次", "3 events", "1 event", "1 person".
func countOf(lang string, n int, unit guangong.Msg) string {
	u := unit.In(lang)
	if lang == "en" && n == 1 {
		switch {
		case u == "people":
			u = "person"
		case strings.HasSuffix(u, "s"):
			u = strings.TrimSuffix(u, "s")
		}
	}
	return strconv.Itoa(n) + " " + u
}
