package web

import (
	"errors"
	"html/template"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"testing/fstest"
)

// resModule is a UI module with fixed output and resources, counting the
// modules made and their calls.
type resModule struct {
	out   template.HTML
	res   ModuleResources
	calls *atomic.Int32
}

func (m resModule) Render(...any) (template.HTML, error) {
	m.calls.Add(1)
	return m.out, nil
}

func (m resModule) Resources() ModuleResources { return m.res }

// resModules returns modules A and B of the Tornado comparison, and the
// counters of modules made and Render calls.
func resModules() (map[string]func(*RequestHandler) UIModule, *atomic.Int32, *atomic.Int32) {
	made, calls := new(atomic.Int32), new(atomic.Int32)
	a := ModuleResources{
		JavaScriptFiles:    []string{"/js/a.js", "http://cdn.example.com/x.js"},
		EmbeddedJavaScript: "var a = 1;",
		CSSFiles:           []string{"/css/a.css"},
		EmbeddedCSS:        ".a{color:red}",
		HTMLHead:           `<meta name="a">`,
		HTMLBody:           "<div>a-body</div>",
	}
	b := ModuleResources{
		JavaScriptFiles:    []string{"/js/b.js", "/js/a.js"},
		EmbeddedJavaScript: "var b = 2;",
		CSSFiles:           []string{"/css/b.css"},
		EmbeddedCSS:        ".b{}",
		HTMLBody:           "<div>b</div>",
	}
	return map[string]func(*RequestHandler) UIModule{
		"A": func(*RequestHandler) UIModule { made.Add(1); return resModule{"<p>A</p>", a, calls} },
		"B": func(*RequestHandler) UIModule { made.Add(1); return resModule{"<p>B</p>", b, calls} },
	}, made, calls
}

// resourcesWant is what Tornado 6.2's render writes for
// testdata/templates/resources.html with modules A and B, in Tornado's
// template syntax: made with /usr/bin/python3, a tornado.web.Application
// with ui_modules {"A": A, "B": B} (UIModule subclasses returning the
// values of resModules, B's css_files as the string "/css/b.css"), and
// RequestHandler.render on a mock connection, printing the chunk given
// to write_headers.
const resourcesWant = "<html><head><title>t</title><link href=\"/css/a.css\" type=\"text/css\" rel=\"stylesheet\"/><link href=\"/css/b.css\" type=\"text/css\" rel=\"stylesheet\"/>\n<style type=\"text/css\">\n.a{color:red}\n.b{}\n</style>\n<meta name=\"a\">\n</head><body><p>A</p>|<p>B</p>|<p>A</p><script src=\"/js/a.js\" type=\"text/javascript\"></script><script src=\"http://cdn.example.com/x.js\" type=\"text/javascript\"></script><script src=\"/js/b.js\" type=\"text/javascript\"></script>\n<script type=\"text/javascript\">\n//<![CDATA[\nvar a = 1;\nvar b = 2;\n//]]>\n</script>\n<div>a-body</div><div>b</div>\n</body></html>\n"

// The CSS, JavaScript and HTML the modules ask for land where Tornado's
// render puts them, each file once; each module is made once per request
// and rendered at each call.
func TestUIModuleResources(t *testing.T) {
	modules, made, calls := resModules()
	servers(t, func(t *testing.T) *Application {
		s, _ := quietSettings(t)
		s.TemplatePath = "testdata/templates"
		s.UIModules = modules
		return templateApp(s, nil, nil)
	}, func(t *testing.T, base string) {
		made.Store(0)
		calls.Store(0)
		client := &http.Client{Transport: &http.Transport{}}
		defer client.CloseIdleConnections()
		resp, body := fetch(t, client, "GET", base+"/t/resources.html", "")
		if resp.StatusCode != 200 || body != resourcesWant {
			t.Errorf("GET /t/resources.html = %d\n%s\nwant\n%s", resp.StatusCode, body, resourcesWant)
		}
		if made.Load() != 2 || calls.Load() != 3 {
			t.Errorf("%d modules made, %d calls; want 2 and 3", made.Load(), calls.Load())
		}
	})
}

// Relative file names are static files, linked with static_url; a page
// without the tag resources go before fails with ErrMissingTag.
func TestUIModuleStaticFilesAndMissingTag(t *testing.T) {
	static := t.TempDir()
	for _, name := range []string{"m.js", "m.css"} {
		if err := os.WriteFile(filepath.Join(static, name), []byte(name), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	s, _ := quietSettings(t, "Uncaught exception GET /t/nohead.html")
	s.TemplatePath = "testdata/templates"
	s.StaticPath = static
	s.UIModules = map[string]func(*RequestHandler) UIModule{
		"A": func(*RequestHandler) UIModule {
			return resModule{"a", ModuleResources{JavaScriptFiles: []string{"m.js", "m.js"}, CSSFiles: []string{"m.css"}}, new(atomic.Int32)}
		},
		"B": func(*RequestHandler) UIModule { return resModule{"b", ModuleResources{}, new(atomic.Int32)} },
	}
	errs := make(chan error, 1)
	app := templateApp(s, nil, errs)
	code, body := renderFake(t, app, "resources.html")
	<-errs
	want := regexp.MustCompile(`^<html><head><title>t</title><link href="/static/m\.css\?v=[0-9a-f]+" type="text/css" rel="stylesheet"/>\n</head><body>a\|b\|a<script src="/static/m\.js\?v=[0-9a-f]+" type="text/javascript"></script>\n</body></html>\n$`)
	if code != 200 || !want.MatchString(body) {
		t.Errorf("GET /t/resources.html = %d %q, want a match of %s", code, body, want)
	}
	code, body = renderFake(t, app, "nohead.html")
	if err := <-errs; code != 500 || !errors.Is(err, ErrMissingTag) || !strings.Contains(err.Error(), "</head>") {
		t.Errorf("GET /t/nohead.html = %d %q, error %v; want 500 and ErrMissingTag naming </head>", code, body, err)
	}
}

// A pooled handler forgets the modules of its last request: a page
// without modules, served after one with, gets no resources.
func TestUIModuleStateNotKept(t *testing.T) {
	modules, _, _ := resModules()
	s, _ := quietSettings(t)
	s.UIModules = modules
	s.TemplateFS = fstest.MapFS{
		"with.html":    {Data: []byte(`<head></head><body>{{module "A"}}</body>`)},
		"without.html": {Data: []byte(`<head></head><body>plain</body>`)},
	}
	app := templateApp(s, nil, nil)
	loop := serveLoop(t, app)
	client := &http.Client{Transport: &http.Transport{}}
	defer client.CloseIdleConnections()
	for range 5 {
		if _, body := fetch(t, client, "GET", loop+"/t/with.html", ""); !strings.Contains(body, "a.css") {
			t.Fatalf("with.html = %q, want the module's CSS", body)
		}
		if _, body := fetch(t, client, "GET", loop+"/t/without.html", ""); body != "<head></head><body>plain</body>" {
			t.Fatalf("without.html = %q: resources kept from the request before", body)
		}
	}
}

// The built-in modules, and one replaced by Settings.UIModules.
func TestBuiltinModules(t *testing.T) {
	s, _ := quietSettings(t, "Uncaught exception GET /t/")
	s.TemplateFS = fstest.MapFS{
		"tmpl.html":    {Data: []byte(`{{module "Template" "inner.html" "x"}}{{module "Template" "inner.html"}}`)},
		"inner.html":   {Data: []byte(`<i>{{.}}</i>`)},
		"linkify.html": {Data: []byte(`{{module "linkify" "go to http://x.org/a" "extra_params" "rel=\"nofollow\""}}`)},
		"xsrf.html":    {Data: []byte(`{{module "xsrf_form_html"}}`)},
		"bad.html":     {Data: []byte(`{{module "Template" 1}}`)},
	}
	for _, tc := range []struct{ name, want string }{
		{"tmpl.html", "<i>x</i><i></i>"},
		{"linkify.html", `go to <a href="http://x.org/a" rel="nofollow">http://x.org/a</a>`},
		{"xsrf.html", `^<input type="hidden" name="_xsrf" value="[^"]+"/>$`},
		{"bad.html", `^<html><title>500`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, body := renderFake(t, templateApp(s, nil, nil), tc.name)
			if strings.HasPrefix(tc.want, "^") && !regexp.MustCompile(tc.want).MatchString(body) || !strings.HasPrefix(tc.want, "^") && body != tc.want {
				t.Errorf("GET /t/%s = %q, want %q", tc.name, body, tc.want)
			}
		})
	}
	s.UIModules = map[string]func(*RequestHandler) UIModule{
		"linkify": func(*RequestHandler) UIModule { return resModule{"replaced", ModuleResources{}, new(atomic.Int32)} },
	}
	if _, body := renderFake(t, templateApp(s, nil, nil), "linkify.html"); body != "replaced" {
		t.Errorf("linkify replaced: %q, want %q", body, "replaced")
	}
}
