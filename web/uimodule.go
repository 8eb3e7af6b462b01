package web

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"strings"
)

// ErrUnknownModule is wrapped by the error of a {{module}} call naming no
// UI module.
var ErrUnknownModule = errors.New("web: unknown UI module")

// ErrMissingTag is wrapped by Render's error when a UI module asked for
// CSS or JavaScript and the page lacks the </head> or </body> tag they go
// before.
var ErrMissingTag = errors.New("web: the page lacks the tag a UI module's resources go before")

// UIModule is a reusable piece of a page (Tornado's UIModule), called in a
// template as
//
//	{{module "Entry" .Entry}}
//
// for Tornado's {% module Entry(entry) %}. Settings.UIModules maps each
// name to a function that makes the module for one request, given the
// handler being served (Tornado's self.handler, from which come its
// request, CurrentUser and settings); it is called on the name's first
// {{module}} call of the request, and Render on every call, with the
// call's arguments, on the handler's goroutine. A module usually renders a
// template of its own with the handler's RenderString. A module that needs
// CSS or JavaScript on the page implements ResourceModule as well.
//
//	type EntryModule struct{ h *web.RequestHandler }
//
//	func (m EntryModule) Render(args ...any) (template.HTML, error) {
//		return m.h.RenderString("modules/entry.html", args[0])
//	}
//
//	web.Settings{UIModules: map[string]func(*web.RequestHandler) web.UIModule{
//		"Entry": func(h *web.RequestHandler) web.UIModule { return EntryModule{h} },
//	}}
//
// Three modules are built in, as in Tornado, unless UIModules replaces
// them: "Template" renders the template named by its first argument with
// its second as data ({{module "Template" "sidebar.html" .}}), "linkify"
// is the linkify func, and "xsrf_form_html" the xsrf_form_html func.
type UIModule interface {
	Render(args ...any) (template.HTML, error)
}

// ResourceModule is a UIModule that adds files or inline blocks to the
// page that uses it. Render calls Resources once per module used, after
// the page's template ran, and puts them in the page.
type ResourceModule interface {
	UIModule
	Resources() ModuleResources
}

// ModuleResources are what a UI module adds to the page (Tornado's
// UIModule methods of the same names). Render puts, in the order of each
// module's first call:
//
//   - before the page's first </head>: a <link> for each CSS file, each
//     file once, then the embedded CSS in one <style> element, then each
//     module's HTMLHead;
//   - before the page's last </body>: a <script src> for each JavaScript
//     file, each file once, then the embedded JavaScript in one <script>
//     element; each module's HTMLBody goes before the first </body>.
//
// A file path that does not start with "/", "http:" or "https:" is a
// static file, linked with StaticURL. The embedded blocks and HTML are
// put in as they are: they must be trusted.
type ModuleResources struct {
	JavaScriptFiles    []string
	EmbeddedJavaScript template.JS
	CSSFiles           []string
	EmbeddedCSS        template.CSS
	HTMLHead           template.HTML
	HTMLBody           template.HTML
}

// activeModule is a UI module made for this request.
type activeModule struct {
	name string
	m    UIModule
}

// module is the module template func: {{module "Entry" .Entry}}.
func (b *binding) module(name string, args ...any) (template.HTML, error) {
	if b.h == nil {
		return "", errUnbound
	}
	m, err := b.h.uiModule(name)
	if err != nil {
		return "", err
	}
	return m.Render(args...)
}

// uiModule returns this request's module name, made on its first call.
func (h *RequestHandler) uiModule(name string) (UIModule, error) {
	for _, am := range h.x().tmpl.modules {
		if am.name == name {
			return am.m, nil
		}
	}
	newModule := h.app.templates.modules[name]
	if newModule == nil {
		return nil, fmt.Errorf("%w: %q", ErrUnknownModule, name)
	}
	m := newModule(h)
	if m == nil {
		return nil, fmt.Errorf("web: Settings.UIModules[%q] made no module", name)
	}
	h.x().tmpl.modules = append(h.x().tmpl.modules, activeModule{name, m})
	return m, nil
}

// builtinModules returns Tornado's built-in UI modules.
func builtinModules() map[string]func(*RequestHandler) UIModule {
	return map[string]func(*RequestHandler) UIModule{
		"Template":       func(h *RequestHandler) UIModule { return templateModule{h} },
		"linkify":        func(*RequestHandler) UIModule { return linkifyModule{} },
		"xsrf_form_html": func(h *RequestHandler) UIModule { return xsrfModule{h} },
	}
}

// templateModule is Tornado's TemplateModule, without set_resources.
type templateModule struct{ h *RequestHandler }

func (m templateModule) Render(args ...any) (template.HTML, error) {
	if len(args) == 0 || len(args) > 2 {
		return "", fmt.Errorf(`web: {{module "Template"}} takes a template name and optional data; got %d arguments`, len(args))
	}
	name, ok := args[0].(string)
	if !ok {
		return "", fmt.Errorf(`web: {{module "Template"}}: the template name is a %T`, args[0])
	}
	var data any
	if len(args) == 2 {
		data = args[1]
	}
	return m.h.RenderString(name, data)
}

type linkifyModule struct{}

func (linkifyModule) Render(args ...any) (template.HTML, error) {
	if len(args) == 0 {
		return "", errors.New(`web: {{module "linkify"}} takes the text to linkify`)
	}
	return linkifyFunc(args[0], args[1:]...)
}

type xsrfModule struct{ h *RequestHandler }

func (m xsrfModule) Render(...any) (template.HTML, error) { return m.h.XSRFFormHTML(), nil }

// pageResources gathers the resources of a render's modules.
type pageResources struct {
	jsFiles, cssFiles []string
	jsEmbed, cssEmbed []string
	heads, bodies     []string
}

// placeResources puts the resources of the modules this request used into
// the page Render wrote at h.buf[start:], as Tornado's render does.
func (h *RequestHandler) placeResources(name string, start int) error {
	var r pageResources
	for _, am := range h.x().tmpl.modules {
		rm, ok := am.m.(ResourceModule)
		if !ok {
			continue
		}
		res := rm.Resources()
		r.jsFiles = append(r.jsFiles, res.JavaScriptFiles...)
		r.cssFiles = append(r.cssFiles, res.CSSFiles...)
		r.jsEmbed = appendNonEmpty(r.jsEmbed, string(res.EmbeddedJavaScript))
		r.cssEmbed = appendNonEmpty(r.cssEmbed, string(res.EmbeddedCSS))
		r.heads = appendNonEmpty(r.heads, string(res.HTMLHead))
		r.bodies = appendNonEmpty(r.bodies, string(res.HTMLBody))
	}
	if len(r.jsFiles)+len(r.cssFiles)+len(r.jsEmbed)+len(r.cssEmbed)+len(r.heads)+len(r.bodies) == 0 {
		return nil
	}
	page := bytes.Clone(h.buf[start:])
	var err error
	insert := func(tag string, last bool, s string) {
		if err == nil && s != "" {
			page, err = insertBefore(page, tag, last, s)
		}
	}
	var js, css string
	if js, err = h.linkedFiles(r.jsFiles, `<script src="`, `" type="text/javascript"></script>`); err != nil {
		return err
	}
	if css, err = h.linkedFiles(r.cssFiles, `<link href="`, `" type="text/css" rel="stylesheet"/>`); err != nil {
		return err
	}
	insert("</body>", true, js)
	if len(r.jsEmbed) > 0 {
		insert("</body>", true, "<script type=\"text/javascript\">\n//<![CDATA[\n"+strings.Join(r.jsEmbed, "\n")+"\n//]]>\n</script>")
	}
	insert("</head>", false, css)
	if len(r.cssEmbed) > 0 {
		insert("</head>", false, "<style type=\"text/css\">\n"+strings.Join(r.cssEmbed, "\n")+"\n</style>")
	}
	insert("</head>", false, strings.Join(r.heads, ""))
	insert("</body>", false, strings.Join(r.bodies, ""))
	if err != nil {
		return fmt.Errorf("%w: %s in %q", ErrMissingTag, err.Error(), name)
	}
	h.buf = append(h.buf[:start], page...)
	return nil
}

func appendNonEmpty(list []string, s string) []string {
	if s != "" {
		list = append(list, s)
	}
	return list
}

// linkedFiles returns the tags linking paths, each once, in order: before
// and after surround each URL, escaped.
func (h *RequestHandler) linkedFiles(paths []string, before, after string) (string, error) {
	var b strings.Builder
	seen := make(map[string]bool, len(paths))
	for _, p := range paths {
		if !strings.HasPrefix(p, "/") && !strings.HasPrefix(p, "http:") && !strings.HasPrefix(p, "https:") {
			u, err := h.StaticURL(p)
			if err != nil {
				return "", fmt.Errorf("web: UI module file %q: %w", p, err)
			}
			p = u
		}
		if seen[p] {
			continue
		}
		seen[p] = true
		b.WriteString(before)
		b.WriteString(xhtmlEscape(p))
		b.WriteString(after)
	}
	return b.String(), nil
}

// insertBefore returns page with s and a newline put before the first (or
// last) tag.
func insertBefore(page []byte, tag string, last bool, s string) ([]byte, error) {
	i := bytes.Index(page, []byte(tag))
	if last {
		i = bytes.LastIndex(page, []byte(tag))
	}
	if i < 0 {
		return nil, errors.New("no " + tag)
	}
	out := make([]byte, 0, len(page)+len(s)+1)
	out = append(out, page[:i]...)
	out = append(out, s...)
	out = append(out, '\n')
	return append(out, page[i:]...), nil
}
