package web

import (
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
)

// templateApp returns an Application whose rule /t/(.*) renders the
// template named by the rest of the path with data; Render's error, if
// errs is not nil, is sent there.
func templateApp(s Settings, data any, errs chan<- error) *Application {
	return NewApplication([]Rule{
		fn(`/t/(.*)`, func(h *funcHandler) error {
			err := h.Render(h.PathArgs()[0], data)
			if errs != nil {
				errs <- err
			}
			return err
		}),
	}, s)
}

// renderFake renders name through app on a fakeConn.
func renderFake(t *testing.T, app *Application, name string) (int, string) {
	t.Helper()
	c := serveFake(t, app, newRequest("GET", "/t/"+name), "")
	return c.code, c.body.String()
}

// entryModule renders modules/entry.html with its argument.
type entryModule struct{ h *RequestHandler }

func (m entryModule) Render(args ...any) (template.HTML, error) {
	return m.h.RenderString("modules/entry.html", args[0])
}

func entryModules() map[string]func(*RequestHandler) UIModule {
	return map[string]func(*RequestHandler) UIModule{
		"Entry": func(h *RequestHandler) UIModule { return entryModule{h} },
	}
}

var homeData = map[string]any{"title": "Home", "entries": []string{"a<b", "c"}, "footer": "f"}

const homeWant = `<!DOCTYPE html>
<html>
<head><title>Home - Site</title></head>
<body>
<ul><li class="entry">a&lt;b</li><li class="entry">c</li></ul>
<footer>f</footer>

</body>
</html>
`

// Layouts: a page extending a layout, a page extending a layout that
// extends another, and a layout rendered itself, with its blocks' defaults.
func TestRenderLayouts(t *testing.T) {
	for _, tc := range []struct {
		name string
		data any
		want string
	}{
		{"home.html", homeData, homeWant},
		{"post.html", map[string]any{"text": "hi", "footer": "f"}, "<!DOCTYPE html>\n<html>\n<head><title>Post</title></head>\n<body>\n<main><article>hi</article></main>\n<footer>f</footer>\n\n</body>\n</html>\n"},
		{"blog.html", map[string]any{"footer": "f"}, "<!DOCTYPE html>\n<html>\n<head><title>Site</title></head>\n<body>\n<main>no post</main>\n<footer>f</footer>\n\n</body>\n</html>\n"},
		{"base.html", map[string]any{"footer": "<&>"}, "<!DOCTYPE html>\n<html>\n<head><title>Site</title></head>\n<body>\n<p>empty</p>\n<footer>&lt;&amp;&gt;</footer>\n\n</body>\n</html>\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, _ := quietSettings(t)
			s.TemplatePath = "testdata/templates"
			s.UIModules = entryModules()
			code, body := renderFake(t, templateApp(s, tc.data, nil), tc.name)
			if code != 200 || body != tc.want {
				t.Errorf("Render(%q) = %d %q, want 200 %q", tc.name, code, body, tc.want)
			}
		})
	}
}

// Render over real sockets, under httpserver and net/http: the page, its
// headers, and a 500 for a template that is not there.
func TestRenderOverSockets(t *testing.T) {
	servers(t, func(t *testing.T) *Application {
		s, _ := quietSettings(t, "Uncaught exception GET /t/nothere.html")
		s.TemplatePath = "testdata/templates"
		s.UIModules = entryModules()
		return templateApp(s, homeData, nil)
	}, func(t *testing.T, base string) {
		client := &http.Client{Transport: &http.Transport{}}
		defer client.CloseIdleConnections()
		resp, body := fetch(t, client, "GET", base+"/t/home.html", "")
		if resp.StatusCode != 200 || body != homeWant {
			t.Errorf("GET /t/home.html = %d %q, want 200 %q", resp.StatusCode, body, homeWant)
		}
		if ct := resp.Header.Get("Content-Type"); ct != "text/html; charset=UTF-8" {
			t.Errorf("Content-Type = %q", ct)
		}
		if resp.Header.Get("Etag") == "" {
			t.Error("no Etag: Render should finish as Finish does")
		}
		resp, body = fetch(t, client, "GET", base+"/t/nothere.html", "")
		if resp.StatusCode != 500 || strings.Contains(body, "nothere") {
			t.Errorf("GET /t/nothere.html = %d %q, want 500 without the error", resp.StatusCode, body)
		}
	})
}

// testTemplates are the templates of TestTemplateFuncs.
var testTemplates = fstest.MapFS{
	"handler.html":       {Data: []byte(`{{printf "%T" handler}}`)},
	"request.html":       {Data: []byte(`{{request.Method}} {{request.Path}}`)},
	"user.html":          {Data: []byte(`{{with current_user}}user {{.}}{{else}}nobody{{end}}`)},
	"static.html":        {Data: []byte(`<link href="{{static_url "site.css"}}">`)},
	"xsrf.html":          {Data: []byte(`<form>{{xsrf_form_html}}</form>`)},
	"reverse.html":       {Data: []byte(`<a href="{{reverse_url "entry" "a b"}}">`)},
	"xhtml.html":         {Data: []byte(`<p title="{{xhtml_escape .s}}">{{xhtml_escape .s}}</p>`)},
	"url.html":           {Data: []byte(`<a href="/s?q={{url_escape .s}}">{{url_escape .s}}</a> <a href="/p/{{url_escape .s false}}">`)},
	"json.html":          {Data: []byte(`<script>var v = {{json_encode .v}};</script><p data-v="{{json_encode .v}}">`)},
	"squeeze.html":       {Data: []byte(`[{{squeeze .s}}]`)},
	"linkify.html":       {Data: []byte(`<p>{{linkify .s}}</p><p>{{linkify .s "extra_params" "rel=\"nofollow\""}}</p>`)},
	"method.html":        {Data: []byte(`{{shout "hi"}} {{args "a" "b" "c"}} {{self}}`)},
	"methoderr.html":     {Data: []byte(`{{fails}}`)},
	"funcs.html":         {Data: []byte(`{{upper "abc"}}`)},
	"modtmpl.html":       {Data: []byte(`{{module "Template" "modules/inner.html" .s}}|{{module "linkify" "see www.x.org"}}`)},
	"modules/inner.html": {Data: []byte(`<i>{{.}}</i>`)},
}

// Tornado's namespace as template funcs, and the UI methods, in their
// html/template contexts.
func TestTemplateFuncs(t *testing.T) {
	static := t.TempDir()
	if err := os.WriteFile(filepath.Join(static, "site.css"), []byte("body{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	s, _ := quietSettings(t, "Uncaught exception GET /t/methoderr.html")
	s.TemplateFS = testTemplates
	s.StaticPath = static
	s.TemplateFuncs = template.FuncMap{"upper": strings.ToUpper}
	s.UIMethods = map[string]any{
		"shout": func(h *RequestHandler, v string) string { return strings.ToUpper(v) + " " + h.Request().Path },
		"args":  func(h *RequestHandler, vs ...string) (string, error) { return strings.Join(vs, "+"), nil },
		"self":  func(h *funcHandler) string { return fmt.Sprintf("%T", h) },
		"fails": func(h *RequestHandler) (string, error) { return "", errors.New("ui method failed") },
	}
	data := map[string]any{"s": `a b&c<d>"'`, "v": map[string]any{"k": "</script>"}}
	app := NewApplication([]Rule{
		fn(`/t/(.*)`, func(h *funcHandler) error {
			if u, _ := h.GetQueryArgument("u", ""); u != "" {
				h.SetCurrentUser(u)
			}
			return h.Render(h.PathArgs()[0], data)
		}),
		R[ErrorHandler](`/entry/([^/]+)`, Name("entry")),
	}, s)
	entryURL, _ := app.ReverseURL("entry", "a b")
	for _, tc := range []struct {
		name string
		want string // or a pattern, when it starts with ^
	}{
		{"handler.html", "*web.funcHandler"},
		{"request.html", "GET /t/request.html"},
		{"user.html", "nobody"},
		{"user.html?u=ada", "user ada"},
		{"static.html", `^<link href="/static/site\.css\?v=[0-9a-f]+">$`},
		{"xsrf.html", `^<form><input type="hidden" name="_xsrf" value="[^"<>]+"/></form>$`},
		{"reverse.html", `<a href="` + entryURL + `">`},
		{"xhtml.html", `<p title="a b&amp;c&lt;d&gt;&quot;&#39;">a b&amp;c&lt;d&gt;&quot;&#39;</p>`},
		{"url.html", `<a href="/s?q=a&#43;b%26c%3Cd%3E%22%27">a&#43;b%26c%3Cd%3E%22%27</a> <a href="/p/a%20b%26c%3Cd%3E%22%27">`},
		{"json.html", `<script>var v = {"k": "<\/script>"};</script><p data-v="{&#34;k&#34;: &#34;&lt;\/script&gt;&#34;}">`},
		{"squeeze.html", `[a b&amp;c&lt;d&gt;&#34;&#39;]`},
		{"linkify.html", `<p>a b&amp;c&lt;d&gt;&quot;&#39;</p><p>a b&amp;c&lt;d&gt;&quot;&#39;</p>`},
		{"method.html", "HI /t/method.html a&#43;b&#43;c *web.funcHandler"},
		{"methoderr.html", "^<html><title>500: Internal Server Error</title>"},
		{"funcs.html", "ABC"},
		{"modtmpl.html", `<i>a b&amp;c&lt;d&gt;&#34;&#39;</i>|see <a href="http://www.x.org">www.x.org</a>`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := serveFake(t, app, newRequest("GET", "/t/"+tc.name), "")
			got := c.body.String()
			if strings.HasPrefix(tc.want, "^") {
				if !regexp.MustCompile(tc.want).MatchString(got) {
					t.Errorf("GET /t/%s = %q, want a match of %s", tc.name, got, tc.want)
				}
				return
			}
			if got != tc.want {
				t.Errorf("GET /t/%s = %q, want %q", tc.name, got, tc.want)
			}
		})
	}
}

// Each template is parsed once, with the files it extends and includes,
// however many renders run at once.
func TestTemplateParsedOnce(t *testing.T) {
	s, _ := quietSettings(t)
	s.TemplatePath = "testdata/templates"
	s.UIModules = entryModules()
	app := templateApp(s, homeData, nil)
	var mu sync.Mutex
	parses := map[string]int{}
	app.templates.onParse = func(file string) {
		mu.Lock()
		parses[file]++
		mu.Unlock()
	}
	base, client := serve(t, app)
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 5 {
				resp, err := client.Get(base + "/t/home.html")
				if err != nil {
					t.Error(err)
					return
				}
				resp.Body.Close()
				if resp.StatusCode != 200 {
					t.Errorf("status %d", resp.StatusCode)
				}
			}
		}()
	}
	wg.Wait()
	want := map[string]int{"home.html": 1, "base.html": 1, "footer.html": 1, "modules/entry.html": 1}
	mu.Lock()
	defer mu.Unlock()
	if fmt.Sprint(parses) != fmt.Sprint(want) {
		t.Errorf("parses = %v, want %v", parses, want)
	}
}

// With ReloadTemplates, or Debug, a change on disk shows at the next
// render; without, the first text stays.
func TestTemplateReload(t *testing.T) {
	for _, tc := range []struct {
		name     string
		settings func(*Settings)
		reload   bool
	}{
		{"cached", func(*Settings) {}, false},
		{"ReloadTemplates", func(s *Settings) { s.ReloadTemplates = true }, true},
		{"Debug", func(s *Settings) { s.Debug = true }, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			write := func(layout, page string) {
				t.Helper()
				for name, text := range map[string]string{"layout.html": layout, "page.html": page} {
					if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
						t.Fatal(err)
					}
				}
			}
			write(`<b>{{block "x" .}}{{end}}</b>`, `{{/* extends "layout.html" */}}{{define "x"}}one{{end}}`)
			s, _ := quietSettings(t)
			s.TemplatePath = dir
			tc.settings(&s)
			app := templateApp(s, nil, nil)
			if _, body := renderFake(t, app, "page.html"); body != "<b>one</b>" {
				t.Fatalf("first render = %q", body)
			}
			write(`<i>{{block "x" .}}{{end}}</i>`, `{{/* extends "layout.html" */}}{{define "x"}}two{{end}}`)
			want := "<b>one</b>"
			if tc.reload {
				want = "<i>two</i>"
			}
			if _, body := renderFake(t, app, "page.html"); body != want {
				t.Errorf("render after the change = %q, want %q", body, want)
			}
		})
	}
}

// Names that could leave the template folder are refused, in Render, in
// an extends comment and in a {{template}} call, and so is a symbolic
// link leading out of the folder.
func TestTemplateNameRefused(t *testing.T) {
	dir := t.TempDir()
	root := filepath.Join(dir, "templates")
	files := map[string]string{
		"secret.html":              "SECRET",
		"templates/ok.html":        "ok",
		"templates/extends.html":   `{{/* extends "../secret.html" */}}`,
		"templates/include.html":   `{{template "../secret.html"}}`,
		"templates/absolute.html":  `{{template "/etc/passwd"}}`,
		"templates/sub/inner.html": "inner",
	}
	for name, text := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	symlink := true
	if err := os.Symlink(filepath.Join(dir, "secret.html"), filepath.Join(root, "link.html")); err != nil {
		symlink = false
		t.Logf("no symbolic link: %v", err)
	}
	for _, tc := range []struct {
		name string
		want error // nil: another error, not found or refused
	}{
		{"../secret.html", ErrTemplateName},
		{"sub/../../secret.html", ErrTemplateName},
		{"/etc/passwd", ErrTemplateName},
		{dir + "/secret.html", ErrTemplateName},
		{"", ErrTemplateName},
		{".", ErrTemplateName},
		{"./ok.html", ErrTemplateName},
		{"sub//inner.html", ErrTemplateName},
		{"sub/", ErrTemplateName},
		{`sub\inner.html`, ErrTemplateName},
		{"ok.html\x00", ErrTemplateName},
		{"extends.html", ErrTemplateName},
		{"include.html", ErrTemplateName},
		{"absolute.html", ErrTemplateName},
		{"link.html", nil},
		{"missing.html", ErrTemplateNotFound},
	} {
		if tc.name == "link.html" && !symlink {
			continue
		}
		t.Run(tc.name, func(t *testing.T) {
			s, _ := quietSettings(t, "Uncaught exception GET /t/")
			s.TemplatePath = root
			errs := make(chan error, 1)
			code, body := renderFake(t, templateApp(s, nil, errs), tc.name)
			err := <-errs
			if code != 500 || err == nil || strings.Contains(body, "SECRET") {
				t.Fatalf("Render(%q) = %d %q, error %v; want 500 and an error", tc.name, code, body, err)
			}
			if tc.want != nil && !errors.Is(err, tc.want) {
				t.Errorf("Render(%q) error = %v, want %v", tc.name, err, tc.want)
			}
			if tc.want == ErrTemplateNotFound && !strings.Contains(err.Error(), `"missing.html"`) {
				t.Errorf("error %q does not name the template", err)
			}
		})
	}
	s, _ := quietSettings(t)
	s.TemplatePath = root
	for _, name := range []string{"ok.html", "sub/inner.html"} {
		if code, body := renderFake(t, templateApp(s, nil, nil), name); code != 200 {
			t.Errorf("Render(%q) = %d %q, want 200", name, code, body)
		}
	}
}

// A template that fails to parse, to execute or to load what it names
// fails Render with an error saying so, and the response with a 500.
func TestTemplateErrors(t *testing.T) {
	fsys := fstest.MapFS{
		"parse.html":    {Data: []byte(`{{if}}`)},
		"exec.html":     {Data: []byte(`{{index .list 5}}`)},
		"json.html":     {Data: []byte(`{{json_encode .ch}}`)},
		"include.html":  {Data: []byte(`a{{template "nothere.html"}}`)},
		"badext.html":   {Data: []byte(`{{/* extends base.html */}}`)},
		"missext.html":  {Data: []byte(`{{/* extends "gone.html" */}}`)},
		"cycle_a.html":  {Data: []byte(`{{/* extends "cycle_b.html" */}}`)},
		"cycle_b.html":  {Data: []byte(`{{/* extends "cycle_a.html" */}}`)},
		"badparse.html": {Data: []byte(`{{/* extends "parse.html" */}}`)},
		"module.html":   {Data: []byte(`{{module "Nope"}}`)},
		"escape.html":   {Data: []byte(`<a href="{{if .x}}/a{{else}}x" onclick="{{end}}">`)},
		"self.html":     {Data: []byte(`{{module "Self"}}`)},
		"method.html":   {Data: []byte(`{{other}}`)},
	}
	for _, tc := range []struct {
		name string
		want string // in the error
		is   error
	}{
		{"parse.html", `parse.html:1: missing value for if`, nil},
		{"exec.html", `error calling index`, nil},
		{"json.html", `json_encode`, nil},
		{"include.html", `"nothere.html"`, ErrTemplateNotFound},
		{"badext.html", `malformed extends comment`, nil},
		{"missext.html", `"gone.html"`, ErrTemplateNotFound},
		{"cycle_a.html", `extends "cycle_a.html", which extends it again`, nil},
		{"badparse.html", `missing value for if`, nil},
		{"module.html", `"Nope"`, ErrUnknownModule},
		{"escape.html", `escape.html`, nil},
		{"self.html", `nested more than 32 deep`, nil},
		{"method.html", `UI method other wants a *web.getOnly; the handler is a *web.funcHandler`, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, _ := quietSettings(t, "Uncaught exception GET /t/"+tc.name)
			s.TemplateFS = fsys
			s.UIModules = map[string]func(*RequestHandler) UIModule{
				"Self": func(h *RequestHandler) UIModule { return templateModule{h} },
			}
			s.UIMethods = map[string]any{"other": func(h *getOnly) string { return "" }}
			data := map[string]any{"list": []int{1}, "ch": make(chan int)}
			if tc.name == "self.html" {
				data = nil
				fsys["self.html"] = &fstest.MapFile{Data: []byte(`{{module "Self" "self.html"}}`)}
			}
			errs := make(chan error, 1)
			code, body := renderFake(t, templateApp(s, data, errs), tc.name)
			err := <-errs
			if code != 500 || err == nil {
				t.Fatalf("Render(%q) = %d %q, error %v; want 500 and an error", tc.name, code, body, err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Render(%q) error = %q, want it to contain %q", tc.name, err, tc.want)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("Render(%q) error = %v, want %v", tc.name, err, tc.is)
			}
		})
	}
}

// The defines of an included file do not replace the page's.
func TestTemplateIncludes(t *testing.T) {
	s, _ := quietSettings(t)
	s.TemplateFS = fstest.MapFS{
		"page.html":     {Data: []byte(`{{define "x"}}page{{end}}[{{template "x"}}]{{template "inc.html" "dot"}}`)},
		"inc.html":      {Data: []byte(`{{define "x"}}inc{{end}}{ {{- template "x"}} {{.}}}{{template "sub/inc2.html"}}`)},
		"sub/inc2.html": {Data: []byte(`{{define "y"}}y{{end}}({{template "y"}})`)},
	}
	if code, body := renderFake(t, templateApp(s, nil, nil), "page.html"); code != 200 || body != "[page]{page dot}(y)" {
		t.Errorf("Render(page.html) = %d %q, want 200 %q", code, body, "[page]{page dot}(y)")
	}
}

// Render writes after what was written before, and only once: after
// Finish it returns ErrFinished; RenderString returns the page.
func TestRenderAndRenderString(t *testing.T) {
	s, _ := quietSettings(t)
	s.TemplateFS = fstest.MapFS{"p.html": {Data: []byte(`<p>{{.}}</p>`)}}
	var second error
	app := NewApplication([]Rule{
		fn(`/`, func(h *funcHandler) error {
			part, err := h.RenderString("p.html", "part")
			if err != nil {
				return err
			}
			h.WriteString("before;")
			h.Write([]byte(part))
			if err := h.Render("p.html", "page"); err != nil {
				return err
			}
			second = h.Render("p.html", "again")
			return nil
		}),
	}, s)
	c := serveFake(t, app, newRequest("GET", "/"), "")
	if want := "before;<p>part</p><p>page</p>"; c.body.String() != want {
		t.Errorf("body = %q, want %q", c.body.String(), want)
	}
	if !errors.Is(second, ErrFinished) {
		t.Errorf("Render after Finish = %v, want ErrFinished", second)
	}
}

// An asynchronous handler may call Render from another goroutine.
func TestRenderAsynchronous(t *testing.T) {
	s, _ := quietSettings(t)
	s.TemplateFS = fstest.MapFS{"p.html": {Data: []byte(`<p>{{.}} {{request.Path}}</p>`)}}
	var wg sync.WaitGroup
	defer wg.Wait()
	servers(t, func(t *testing.T) *Application {
		return NewApplication([]Rule{
			fn(`/async`, func(h *funcHandler) error {
				h.Asynchronous()
				wg.Add(1)
				go func() {
					defer wg.Done()
					h.Render("p.html", "later")
				}()
				return nil
			}),
		}, s)
	}, func(t *testing.T, base string) {
		client := &http.Client{Transport: &http.Transport{}}
		defer client.CloseIdleConnections()
		if _, body := fetch(t, client, "GET", base+"/async", ""); body != "<p>later /async</p>" {
			t.Errorf("body = %q, want %q", body, "<p>later /async</p>")
		}
	})
}

func TestExtendsDirective(t *testing.T) {
	for _, tc := range []struct {
		text   string
		parent string
		ok     bool
		err    bool
	}{
		{`{{/* extends "base.html" */}}`, "base.html", true, false},
		{"\ufeff\n  {{- /* extends `a/b.html` */ -}}\n", "a/b.html", true, false},
		{"{{/*extends \"x.html\"*/}}", "x.html", true, false},
		{`{{/* extends base.html */}}`, "", false, true},
		{`{{/* extends */}}`, "", false, true},
		{`{{/* extensions "x" */}}`, "", false, false},
		{`{{/* a comment */}}`, "", false, false},
		{`<p>{{/* extends "base.html" */}}`, "", false, false},
		{`{{template "x"}}`, "", false, false},
		{`{{/* extends "never closed`, "", false, false},
		{``, "", false, false},
	} {
		parent, ok, err := extendsDirective(tc.text)
		if parent != tc.parent || ok != tc.ok || (err != nil) != tc.err {
			t.Errorf("extendsDirective(%q) = %q, %v, %v; want %q, %v, error %v", tc.text, parent, ok, err, tc.parent, tc.ok, tc.err)
		}
	}
}

// NewApplication refuses UI methods and template funcs it could not call.
func TestTemplateSettingsChecked(t *testing.T) {
	for _, tc := range []struct {
		name string
		s    Settings
	}{
		{"not a func", Settings{UIMethods: map[string]any{"x": 42}}},
		{"nil", Settings{UIMethods: map[string]any{"x": nil}}},
		{"no handler", Settings{UIMethods: map[string]any{"x": func() string { return "" }}}},
		{"wrong first", Settings{UIMethods: map[string]any{"x": func(s string) string { return s }}}},
		{"no result", Settings{UIMethods: map[string]any{"x": func(*RequestHandler) {}}}},
		{"second not error", Settings{UIMethods: map[string]any{"x": func(*RequestHandler) (string, string) { return "", "" }}}},
		{"variadic handler", Settings{UIMethods: map[string]any{"x": func(...*RequestHandler) string { return "" }}}},
		{"bad func", Settings{TemplateFuncs: template.FuncMap{"x": func() {}}}},
		{"nil module", Settings{UIModules: map[string]func(*RequestHandler) UIModule{"x": nil}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				v := recover()
				if s, _ := v.(string); !strings.HasPrefix(s, "web: ") {
					t.Errorf("NewApplication panicked with %v, want a web: message", v)
				}
			}()
			NewApplication(nil, tc.s)
		})
	}
}

// The names a template may use are exactly those that stay inside the
// folder, on every system.
func FuzzTemplateName(f *testing.F) {
	for _, s := range []string{"home.html", "modules/entry.html", "../x", "a/../../b", "/etc/passwd", "", ".", "a//b", `a\b`, "C:/x", "c:x", "a/./b", "…/x", "NUL", "a\x00"} {
		f.Add(s)
	}
	s := Settings{TemplatePath: "testdata/templates"}
	c := newTemplateCache(&s)
	f.Fuzz(func(t *testing.T, name string) {
		err := checkTemplateName(name)
		if err != nil {
			if !errors.Is(err, ErrTemplateName) {
				t.Fatalf("checkTemplateName(%q) = %v, want ErrTemplateName", name, err)
			}
			return
		}
		if !fs.ValidPath(name) || strings.HasPrefix(name, "/") || strings.Contains(name, `\`) || !filepath.IsLocal(name) {
			t.Fatalf("checkTemplateName(%q) accepted a name that may leave the folder", name)
		}
		for _, elem := range strings.Split(name, "/") {
			if elem == ".." || elem == "." || elem == "" {
				t.Fatalf("checkTemplateName(%q) accepted element %q", name, elem)
			}
		}
		text, err := c.readFile(name)
		if err == nil && strings.Contains(text, "SECRET") {
			t.Fatalf("readFile(%q) read the file outside the folder", name)
		}
	})
}

// BenchmarkRenderSmallPage renders a small page with a loop over ten
// items, through the whole request path.
func BenchmarkRenderSmallPage(b *testing.B) {
	type item struct {
		Name  string
		Count int
	}
	data := struct {
		Title string
		Items []item
	}{Title: "Small page"}
	for i := range 10 {
		data.Items = append(data.Items, item{fmt.Sprintf("item <%d>", i), i * 7})
	}
	s := Settings{Logger: slog.New(slog.DiscardHandler), TemplatePath: "testdata/templates"}
	app := NewApplication([]Rule{
		fn(`/small`, func(h *funcHandler) error { return h.Render("small.html", data) }),
	}, s)
	benchServe(b, app, "/small")
}
