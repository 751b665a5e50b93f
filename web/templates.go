package web

import (
	"errors"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"path"
	"slices"
	"strings"
	"sync"
	"text/template/parse"
)

// templates are the site's pages. Every file is parsed once, at start-up; the parsed trees
// then serve both languages, each through a namespace whose functions (`t`, `msg`, …) know
// their language. Before, each page and language parsed a clone of the layouts: 132 copies
// of the same trees, 25 MB of heap.
//
// One namespace holds every page, so a page's own templates ("content", a "head", its
// fragments) are renamed "page:name", and the layouts that call them ("layout", a thin frame)
// are copied under the page's prefix with those calls renamed.
//
// html/template escapes a template at its first execution by rewriting its tree in place.
// The trees being shared by both languages, that rewriting must never meet a render in the
// other language: every render holds mu for reading, and escaping holds it for writing.
// Escaping a tree a second time (the other language) adds nothing, which html/template
// provides for trees shared through AddParseTree. Escaping at the first render rather than at
// start-up keeps a start fast (escaping all costs more than parsing all).
type templates struct {
	*Parsed
	sets    map[string]*template.Template // language → namespace
	escaped map[string]bool               // language + " " + name in the namespace, under mu
}

// Parsed is every template file parsed, before a site uses the trees: New may be given one
// parsed beforehand (while the database opens) or parse its own.
type Parsed struct {
	trees []*parse.Tree
	names map[string]map[string]string // page → its own names → their names in the namespace
	mu    sync.RWMutex                 // read by every render, written by escaping (above)
}

// lookup gives the namespace of lang and the name under which page knows name.
func (ts *templates) lookup(lang, page, name string) (*template.Template, string, bool) {
	own, ok := ts.names[page]
	if !ok {
		return nil, "", false
	}
	if n, ok := own[name]; ok {
		name = n
	}
	return ts.sets[lang], name, true
}

// execute renders the named template of page in lang.
func (ts *templates) execute(w io.Writer, lang, page, name string, data any) error {
	set, full, ok := ts.lookup(lang, page, name)
	if !ok {
		return fmt.Errorf("no template %q", page)
	}
	if err := ts.escape(set, lang, full); err != nil {
		return err
	}
	ts.mu.RLock()
	defer ts.mu.RUnlock()
	return set.ExecuteTemplate(w, full, data)
}

// escape has html/template escape the named template, and those it calls, unless done.
func (ts *templates) escape(set *template.Template, lang, name string) error {
	key := lang + " " + name
	ts.mu.RLock()
	done := ts.escaped[key]
	ts.mu.RUnlock()
	if done {
		return nil
	}
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if ts.escaped[key] {
		return nil
	}
	// Executing on nil data into a writer that refuses stops at once, once escaped; only an
	// escaping error is an error here.
	err := set.ExecuteTemplate(refuseWriter{}, name, nil)
	var escErr *template.Error
	if errors.As(err, &escErr) {
		return err
	}
	ts.escaped[key] = true
	return nil
}

// parseTemplates builds the site's namespaces on the parsed trees, parsing them first unless
// the configuration brings them.
func (s *server) parseTemplates() error {
	p := s.cfg.Templates
	if p == nil {
		var err error
		if p, err = ParseTemplates(); err != nil {
			return err
		}
	}
	ts := &templates{Parsed: p, sets: map[string]*template.Template{}, escaped: map[string]bool{}}
	for _, lang := range []string{"zh", "en"} {
		set := template.New("").Funcs(s.funcs(lang))
		for _, tree := range p.trees {
			if _, err := set.AddParseTree(tree.Name, tree); err != nil {
				return fmt.Errorf("web: %s: %w", tree.Name, err)
			}
		}
		ts.sets[lang] = set
	}
	s.tmpl = ts
	return nil
}

// ParseTemplates parses every template file of the site.
func ParseTemplates() (*Parsed, error) {
	layoutFiles, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	pageFiles, err := fs.Glob(templateFS, "templates/*/*.html")
	if err != nil {
		return nil, err
	}
	funcs := (&server{}).funcs("zh") // at parsing, only the functions' names count
	layouts, err := parseTrees(funcs, layoutFiles...)
	if err != nil {
		return nil, fmt.Errorf("web: parse layouts: %w", err)
	}
	p := &Parsed{trees: shared(layouts), names: map[string]map[string]string{}}
	for _, f := range pageFiles {
		page := strings.TrimSuffix(strings.TrimPrefix(f, "templates/"), ".html")
		own, err := parseTrees(funcs, f)
		if err != nil {
			return nil, fmt.Errorf("web: parse %s: %w", f, err)
		}
		renamed := pageNames(page, own, layouts)
		start := len(p.trees)
		for name := range renamed {
			if tree, ok := own[name]; ok {
				p.trees = append(p.trees, tree)
			} else {
				p.trees = append(p.trees, layouts[name].Copy())
			}
		}
		for _, tree := range p.trees[start:] {
			renameCalls(tree.Root, renamed)
			tree.Name = renamed[tree.Name]
			tree.ParseName = tree.Name
		}
		p.names[page] = renamed
	}
	return p, nil
}

// shared gives the layouts that stand on their own: the others call a page's templates
// ("layout" calls "content"), and each page has its own copy of them.
func shared(layouts map[string]*parse.Tree) []*parse.Tree {
	open := map[string]string{} // names called but defined by the pages
	for grew := true; grew; {
		grew = false
		for name, tree := range layouts {
			if _, done := open[name]; done {
				continue
			}
			walkCalls(tree.Root, func(t *parse.TemplateNode) {
				if _, ok := layouts[t.Name]; !ok {
					open[t.Name] = ""
				}
			})
			if callsAny(tree.Root, open) {
				open[name] = ""
				grew = true
			}
		}
	}
	var trees []*parse.Tree
	for name, tree := range layouts {
		if _, ok := open[name]; !ok {
			trees = append(trees, tree)
		}
	}
	return trees
}

// pageNames renames the templates a page defines, and the layouts that call them (directly or
// through another layout), to the page's own: "content" → "org/tree:content".
func pageNames(page string, own, layouts map[string]*parse.Tree) map[string]string {
	renamed := map[string]string{}
	for name := range own {
		renamed[name] = page + ":" + name
	}
	for grew := true; grew; {
		grew = false
		for name, tree := range layouts {
			if _, done := renamed[name]; !done && callsAny(tree.Root, renamed) {
				renamed[name] = page + ":" + name
				grew = true
			}
		}
	}
	return renamed
}

// walkCalls visits every {{template}} call under n.
func walkCalls(n parse.Node, visit func(*parse.TemplateNode)) {
	switch n := n.(type) {
	case *parse.ListNode:
		if n == nil {
			return
		}
		for _, c := range n.Nodes {
			walkCalls(c, visit)
		}
	case *parse.TemplateNode:
		visit(n)
	case *parse.IfNode:
		walkCalls(n.List, visit)
		walkCalls(n.ElseList, visit)
	case *parse.RangeNode:
		walkCalls(n.List, visit)
		walkCalls(n.ElseList, visit)
	case *parse.WithNode:
		walkCalls(n.List, visit)
		walkCalls(n.ElseList, visit)
	}
}

func callsAny(root *parse.ListNode, names map[string]string) bool {
	found := false
	walkCalls(root, func(t *parse.TemplateNode) { _, ok := names[t.Name]; found = found || ok })
	return found
}

func renameCalls(root *parse.ListNode, names map[string]string) {
	walkCalls(root, func(t *parse.TemplateNode) {
		if n, ok := names[t.Name]; ok {
			t.Name = n
		}
	})
}

// parseTrees parses files into one throwaway set and returns its trees by name, leaving out
// each file's own template (what lies outside its {{define}}s: blank lines and comments).
func parseTrees(funcs template.FuncMap, files ...string) (map[string]*parse.Tree, error) {
	set, err := template.New("").Funcs(funcs).ParseFS(templateFS, files...)
	if err != nil {
		return nil, err
	}
	trees := map[string]*parse.Tree{}
	for _, t := range set.Templates() {
		if t.Tree != nil && !slices.ContainsFunc(files, func(f string) bool { return path.Base(f) == t.Name() }) {
			trees[t.Name()] = t.Tree
		}
	}
	return trees, nil
}

// escapeAll escapes every template now, for the tests: an escaping error otherwise shows
// only when the page is first rendered.
func (ts *templates) escapeAll() error {
	for lang, set := range ts.sets {
		for _, t := range set.Templates() {
			if t.Tree != nil {
				if err := ts.escape(set, lang, t.Name()); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

type refuseWriter struct{}

func (refuseWriter) Write([]byte) (int, error) { return 0, errors.New("escaping only") }
