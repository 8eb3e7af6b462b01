package web

import (
	"errors"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"text/template/parse"
)

var (
	// ErrTemplateNotFound is wrapped by the error for a template name that
	// names no file in the template folder.
	ErrTemplateNotFound = errors.New("web: template not found")

	// ErrTemplateName is wrapped by the error for a template name that
	// could leave the template folder, or is not a file name: an absolute
	// name, one with a ".." or "." element, an empty element, a backslash
	// or a NUL byte.
	ErrTemplateName = errors.New("web: invalid template name (want a slash-separated path inside the template folder)")
)

// Limits on what one template may pull in, against cycles and mistakes.
const (
	maxExtends  = 16  // layouts above one page
	maxIncludes = 256 // files one page's set includes
)

// checkTemplateName returns nil when name is a valid template name: a
// slash-separated path relative to the template folder that cannot leave
// it (fs.ValidPath, and filepath.IsLocal for the running system), without
// a backslash or a NUL byte.
func checkTemplateName(name string) error {
	if !fs.ValidPath(name) || name == "." || strings.ContainsAny(name, "\\\x00") || !filepath.IsLocal(filepath.FromSlash(name)) {
		return fmt.Errorf("%w: %q", ErrTemplateName, name)
	}
	return nil
}

// templateCache holds an Application's templates (Tornado's template
// loader). A name is parsed once, with the layouts it extends and the
// files it includes, into a set that is never executed itself: each render
// runs a clone of it from a pool, whose template funcs are bound to the
// handler being served, so that renders on several loops or goroutines do
// not share one. With Settings.ReloadTemplates (or Debug) nothing is kept
// and every render parses afresh. Safe for concurrent use.
type templateCache struct {
	settings *Settings
	modules  map[string]func(h *RequestHandler) UIModule // the built-in modules and Settings.UIModules
	methods  []uiMethod                                  // Settings.UIMethods, checked
	parsing  template.FuncMap                            // the funcs a master set is parsed with, bound to no handler
	entries  sync.Map                                    // name → *templateEntry

	onParse func(file string) // a test hook: called for each file parsed
}

// templateEntry is one cached name: its parsed set, or the error parsing
// it gave, and the pool of its bound clones.
type templateEntry struct {
	once   sync.Once
	master *template.Template // the root of the set; never executed, so it can be cloned
	err    error
	pool   sync.Pool // of *boundTemplate
}

// boundTemplate is a clone of a master set with its funcs bound to b. One
// render uses it at a time.
type boundTemplate struct {
	t *template.Template
	b *binding
}

// newTemplateCache checks the template settings; it panics on a bad
// UIMethods or TemplateFuncs value, from NewApplication.
func newTemplateCache(s *Settings) *templateCache {
	c := &templateCache{settings: s, modules: builtinModules()}
	for name, f := range s.UIModules {
		if f == nil {
			panic(fmt.Sprintf("web: Settings.UIModules[%q] is nil", name))
		}
		c.modules[name] = f
	}
	c.methods = checkUIMethods(s.UIMethods)
	c.parsing = c.funcs(new(binding))
	func() {
		defer func() {
			if v := recover(); v != nil {
				panic(fmt.Sprintf("web: Settings.TemplateFuncs: %v", v))
			}
		}()
		template.New("").Funcs(c.parsing) // html/template checks each func here
	}()
	return c
}

func (c *templateCache) reload() bool { return c.settings.ReloadTemplates || c.settings.Debug }

// execute renders the template name with data for h into w.
func (c *templateCache) execute(w io.Writer, name string, data any, h *RequestHandler) error {
	if c.reload() {
		t, err := c.parse(name, c.funcs(&binding{h: h}))
		if err != nil {
			return err
		}
		return wrapExec(name, t.Execute(w, data))
	}
	e, err := c.entry(name)
	if err != nil {
		return err
	}
	bt, err := e.get(c)
	if err != nil {
		return err
	}
	bt.b.h = h
	defer e.put(bt)
	return wrapExec(name, bt.t.Execute(w, data))
}

func wrapExec(name string, err error) error {
	if err != nil {
		return fmt.Errorf("web: rendering %q: %w", name, err)
	}
	return nil
}

// entry returns name's cache entry, parsed. A failed parse is not kept:
// the next render tries again.
func (c *templateCache) entry(name string) (*templateEntry, error) {
	v, ok := c.entries.Load(name)
	if !ok {
		v, _ = c.entries.LoadOrStore(name, new(templateEntry))
	}
	e := v.(*templateEntry)
	e.once.Do(func() { e.master, e.err = c.parse(name, c.parsing) })
	if e.err != nil {
		c.entries.CompareAndDelete(name, e)
		return nil, e.err
	}
	return e, nil
}

// get returns a bound clone of e's set, from its pool or new.
func (e *templateEntry) get(c *templateCache) (*boundTemplate, error) {
	if bt, ok := e.pool.Get().(*boundTemplate); ok {
		return bt, nil
	}
	t, err := e.master.Clone()
	if err != nil {
		return nil, fmt.Errorf("web: %w", err)
	}
	b := new(binding)
	t.Funcs(c.funcs(b))
	return &boundTemplate{t: t, b: b}, nil
}

// put gives bt back to e's pool, bound to no handler.
func (e *templateEntry) put(bt *boundTemplate) {
	bt.b.h = nil
	e.pool.Put(bt)
}

// templateFile is one template's name and text.
type templateFile struct{ name, text string }

// parse reads and parses the template name with the layouts it extends,
// root first, then the files its set includes, all with funcs fm. It
// returns the root layout's template, which renders the page.
func (c *templateCache) parse(name string, fm template.FuncMap) (*template.Template, error) {
	var chain []templateFile // the page, then each layout it extends
	for cur := name; ; {
		text, err := c.readFile(cur)
		if err != nil {
			if len(chain) > 0 {
				return nil, fmt.Errorf("%w (extended by %q)", err, chain[len(chain)-1].name)
			}
			return nil, err
		}
		chain = append(chain, templateFile{cur, text})
		parent, ok, err := extendsDirective(text)
		if err != nil {
			return nil, fmt.Errorf("web: template %q: %w", cur, err)
		}
		if !ok {
			break
		}
		if slices.ContainsFunc(chain, func(f templateFile) bool { return f.name == parent }) {
			return nil, fmt.Errorf("web: template %q extends %q, which extends it again", cur, parent)
		}
		if len(chain) > maxExtends {
			return nil, fmt.Errorf("web: template %q: more than %d layouts above it", name, maxExtends)
		}
		cur = parent
	}
	root := chain[len(chain)-1]
	set := template.New(root.name).Funcs(fm)
	for i := len(chain) - 1; i >= 0; i-- {
		t := set
		if i < len(chain)-1 {
			t = set.New(chain[i].name)
		}
		if _, err := t.Parse(chain[i].text); err != nil {
			return nil, fmt.Errorf("web: %w", err)
		}
		c.parsed(chain[i].name)
	}
	if err := c.addIncludes(set, fm); err != nil {
		return nil, err
	}
	return set, nil
}

func (c *templateCache) parsed(file string) {
	if c.onParse != nil {
		c.onParse(file)
	}
}

// addIncludes parses into set each file that a {{template "name"}} in it
// names and that it does not define, until none is missing. The names an
// included file defines join the set unless the set has them already: the
// page and its layouts win.
func (c *templateCache) addIncludes(set *template.Template, fm template.FuncMap) error {
	for n := 0; ; {
		missing := undefinedTemplates(set)
		if len(missing) == 0 {
			return nil
		}
		for _, ref := range missing {
			if n++; n > maxIncludes {
				return fmt.Errorf("web: template %q: more than %d included files", set.Name(), maxIncludes)
			}
			text, err := c.readFile(ref.name)
			if err != nil {
				return fmt.Errorf("%w ({{template %q}} in %q names no defined template, so a file)", err, ref.name, ref.from)
			}
			inc, err := template.New(ref.name).Funcs(fm).Parse(text)
			if err != nil {
				return fmt.Errorf("web: %w", err)
			}
			c.parsed(ref.name)
			for _, t := range inc.Templates() {
				if t.Tree == nil || t.Name() != ref.name && set.Lookup(t.Name()) != nil {
					continue
				}
				if _, err := set.AddParseTree(t.Name(), t.Tree); err != nil {
					return fmt.Errorf("web: %w", err)
				}
			}
		}
	}
}

// templateRef is a {{template}} call: the name it calls, and the template
// it is in.
type templateRef struct{ name, from string }

// undefinedTemplates returns the names that {{template}} calls in set
// name and set does not define, sorted.
func undefinedTemplates(set *template.Template) []templateRef {
	var refs []templateRef
	for _, t := range set.Templates() {
		if t.Tree == nil {
			continue
		}
		walkTemplateCalls(t.Tree.Root, func(name string) {
			if set.Lookup(name) == nil && !slices.ContainsFunc(refs, func(r templateRef) bool { return r.name == name }) {
				refs = append(refs, templateRef{name, t.Name()})
			}
		})
	}
	slices.SortFunc(refs, func(a, b templateRef) int { return strings.Compare(a.name, b.name) })
	return refs
}

// walkTemplateCalls calls f with the name of each {{template}} call under n.
func walkTemplateCalls(n parse.Node, f func(name string)) {
	switch n := n.(type) {
	case *parse.ListNode:
		if n == nil {
			return
		}
		for _, c := range n.Nodes {
			walkTemplateCalls(c, f)
		}
	case *parse.TemplateNode:
		f(n.Name)
	case *parse.IfNode:
		walkTemplateCalls(n.List, f)
		walkTemplateCalls(n.ElseList, f)
	case *parse.RangeNode:
		walkTemplateCalls(n.List, f)
		walkTemplateCalls(n.ElseList, f)
	case *parse.WithNode:
		walkTemplateCalls(n.List, f)
		walkTemplateCalls(n.ElseList, f)
	}
}

// readFile returns the text of the template name: from Settings.TemplateFS
// if set, else from the TemplatePath folder through an os.Root, which
// refuses symbolic links that lead out of it as well.
func (c *templateCache) readFile(name string) (string, error) {
	if err := checkTemplateName(name); err != nil {
		return "", err
	}
	var b []byte
	var err error
	where := "Settings.TemplateFS"
	if fsys := c.settings.TemplateFS; fsys != nil {
		b, err = fs.ReadFile(fsys, name)
	} else {
		dir := c.settings.TemplatePath
		if dir == "" {
			dir = "."
		}
		where = dir
		b, err = readInRoot(dir, name)
	}
	if errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("%w: %q in %s", ErrTemplateNotFound, name, where)
	}
	if err != nil {
		return "", fmt.Errorf("web: reading template %q: %w", name, err)
	}
	return string(b), nil
}

func readInRoot(dir, name string) ([]byte, error) {
	f, err := os.OpenInRoot(dir, filepath.FromSlash(name))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(f)
}

// extendsDirective returns the name of the layout text extends, given by
// a comment that opens it, after white space only:
//
//	{{/* extends "base.html" */}}
//
// A comment there whose first word is "extends" but that is not of this
// form is an error.
func extendsDirective(text string) (parent string, ok bool, err error) {
	s := strings.TrimLeft(strings.TrimPrefix(text, "\ufeff"), " \t\r\n")
	s, found := strings.CutPrefix(s, "{{")
	if !found {
		return "", false, nil
	}
	if len(s) > 1 && s[0] == '-' && strings.IndexByte(" \t\r\n", s[1]) >= 0 {
		s = s[2:]
	}
	s, found = strings.CutPrefix(s, "/*")
	if !found {
		return "", false, nil
	}
	body, _, found := strings.Cut(s, "*/")
	if !found {
		return "", false, nil // the parser reports the unclosed comment
	}
	body = strings.TrimSpace(body)
	rest, found := strings.CutPrefix(body, "extends")
	if !found || rest != "" && strings.IndexByte(" \t\r\n", rest[0]) < 0 {
		return "", false, nil // another comment
	}
	parent, err = strconv.Unquote(strings.TrimSpace(rest))
	if err != nil {
		return "", false, fmt.Errorf(`malformed extends comment %q; want {{/* extends "base.html" */}}`, body)
	}
	return parent, true, nil
}
