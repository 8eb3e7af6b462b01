package web

import (
	"errors"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/gotornado/tornado/httputil"
)

// echoHandler writes its path groups.
type echoHandler struct{ RequestHandler }

func (h *echoHandler) Get() error {
	if kw := h.PathKwargs(); kw != nil {
		return h.WriteJSON(map[string]any{"kwargs": kw})
	}
	return h.WriteJSON(map[string]any{"args": h.PathArgs()})
}

// nameHandler writes its rule's "name" argument.
type nameHandler struct {
	RequestHandler
	name string
}

func (h *nameHandler) Initialize(args Args) error {
	h.name, _ = args["name"].(string)
	return nil
}

func (h *nameHandler) Get() error { return h.Finish(h.name) }

func TestRouting(t *testing.T) {
	app := NewApplication([]Rule{
		R[nameHandler](`/index`, Args{"name": "index"}),
		R[echoHandler](`/pos/([0-9]+)/([^/]*)`),
		R[echoHandler](`/named/(?P<day>[a-z0-9]+)/(?P<title>[a-z]+)`),
		R[echoHandler](`/opt/(?P<a>x)?(?P<b>y)?`),
		R[nameHandler](`/alt|/other`, Args{"name": "alt"}),
		R[nameHandler](`/prefix`, Args{"name": "prefix-only"}),
		R[nameHandler](`(?i)/CASE`, Args{"name": "case"}),
	}, Settings{})
	quiet, _ := quietSettings(t)
	app.settings.Logger = quiet.Logger
	base, c := serve(t, app)
	tests := []struct {
		path string
		code int
		body string
	}{
		{"/index", 200, "index"},
		{"/index?x=1", 200, "index"},
		{"/index/", 404, ""},
		{"/indexx", 404, ""},
		{"/pos/42/hello%20world", 200, `{"args":["42","hello world"]}`},
		{"/pos/42/a%2Fb", 200, `{"args":["42","a/b"]}`},
		{"/pos/42/a+b%7E", 200, `{"args":["42","a+b~"]}`},
		{"/pos/42/", 200, `{"args":["42",""]}`},
		{"/pos/x/y", 404, ""},
		{"/named/monday/tornado", 200, `{"kwargs":{"day":"monday","title":"tornado"}}`},
		{"/opt/x", 200, `{"kwargs":{"a":"x"}}`},
		{"/alt", 200, "alt"},
		{"/other", 200, "alt"},
		{"/alternative", 200, "alt"}, // like Python's re.match("/alt|/other$"): only the last branch is anchored
		{"/prefix/more", 404, ""},
		{"/case", 200, "case"},
		{"/pos/1/%ff", 400, ""},
		{"/nowhere", 404, ""},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			resp, body := fetch(t, c, "GET", base+tt.path, "")
			if resp.StatusCode != tt.code {
				t.Fatalf("GET %q = %d, want %d (%s)", tt.path, resp.StatusCode, tt.code, body)
			}
			if tt.code == 200 && body != tt.body {
				t.Errorf("GET %q body = %q, want %q", tt.path, body, tt.body)
			}
		})
	}
}

func TestLiteralPatterns(t *testing.T) {
	tests := []struct {
		pattern, literal string
	}{
		{`/index`, "/index"},
		{`/index$`, "/index"},
		{`^/index$`, "/index"},
		{`/favicon\.ico`, "/favicon.ico"},
		{`/a.b`, ""},
		{`/a/(.*)`, ""},
		{`(?i)/a`, ""},
		{`/a|/b`, ""},
	}
	for _, tt := range tests {
		s := compileRule(Rule{Pattern: tt.pattern, New: func() Handler { return new(RequestHandler) }})
		if s.literal != tt.literal || (s.re == nil) != (tt.literal != "") {
			t.Errorf("compileRule(%q).literal = %q (re %v), want %q", tt.pattern, s.literal, s.re != nil, tt.literal)
		}
	}
}

func TestBadRulesPanic(t *testing.T) {
	newH := func() Handler { return new(RequestHandler) }
	type byPointer struct{ *RequestHandler }
	tests := []struct {
		name string
		f    func()
	}{
		{"bad regexp", func() { compileRule(Rule{Pattern: `/(`, New: newH}) }},
		{"mixed groups", func() { compileRule(Rule{Pattern: `/(?P<a>x)/(y)`, New: newH}) }},
		{"no New", func() { compileRule(Rule{Pattern: `/x`}) }},
		{"lookahead", func() { compileRule(Rule{Pattern: `/(?=x)`, New: newH}) }},
		{"bad R argument", func() { R[echoHandler](`/x`, 42) }},
		{"embedded pointer", func() { R[byPointer](`/x`) }},
		{"bad host", func() { NewApplication(nil, Settings{}).AddHandlers(`(`, nil) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				v := recover()
				if v == nil {
					t.Fatalf("%s did not panic", tt.name)
				}
				if s, _ := v.(string); !strings.HasPrefix(s, "web: ") {
					t.Errorf("%s panicked with %v, want a \"web: \" message", tt.name, v)
				}
			}()
			tt.f()
		})
	}
}

func TestHosts(t *testing.T) {
	settings, _ := quietSettings(t)
	settings.DefaultHost = "www.example.com"
	app := NewApplication([]Rule{
		R[nameHandler](`/any`, Args{"name": "wildcard"}),
		R[nameHandler](`/shared`, Args{"name": "wildcard-shared"}),
	}, settings)
	app.AddHandlers(`.*`, []Rule{R[nameHandler](`/star`, Args{"name": "star"})})
	app.AddHandlers(`www\.example\.com`, []Rule{
		R[nameHandler](`/www`, Args{"name": "www"}),
		R[nameHandler](`/shared`, Args{"name": "www-shared"}),
	})
	app.AddHandlers(`(api|API)\.example\.com`, []Rule{R[nameHandler](`/star`, Args{"name": "api-star"})})
	base, c := serve(t, app)
	tests := []struct {
		name, host, path string
		header           []string
		want             string // "" for 404
	}{
		{"exact host", "www.example.com", "/www", nil, "www"},
		{"host with port", "www.example.com:8080", "/www", nil, "www"},
		{"host case", "WWW.Example.COM", "/www", nil, "www"},
		{"host before wildcard", "www.example.com", "/shared", nil, "www-shared"},
		{"other host falls to wildcard rules", "other.com", "/any", nil, "wildcard"},
		{"other host wildcard shared", "other.com", "/shared", nil, "wildcard-shared"},
		{"default host", "other.com", "/www", nil, "www"},
		{"no default host behind proxy", "other.com", "/www", []string{"X-Real-Ip", "10.0.0.1"}, ""},
		{"all matching hosts searched", "www.example.com", "/any", nil, "wildcard"},
		{".*$ stays after later hosts", "api.example.com", "/star", nil, "api-star"},
		{".*$ serves others", "foo.com", "/star", nil, "star"},
		{"host anchored", "www.example.com.evil", "/www", []string{"X-Real-Ip", "10.0.0.1"}, ""},
		{"unknown path", "www.example.com", "/nope", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := fetch(t, c, "GET", base+tt.path, "", append([]string{"Host", tt.host}, tt.header...)...)
			if tt.want == "" {
				if resp.StatusCode != 404 {
					t.Errorf("GET %s%s = %d %q, want 404", tt.host, tt.path, resp.StatusCode, body)
				}
				return
			}
			if resp.StatusCode != 200 || body != tt.want {
				t.Errorf("GET %s%s = %d %q, want 200 %q", tt.host, tt.path, resp.StatusCode, body, tt.want)
			}
		})
	}
}

func TestDefaultHandler(t *testing.T) {
	settings, _ := quietSettings(t)
	settings.DefaultHandler = R[nameHandler]("ignored", Args{"name": "default"})
	app := NewApplication([]Rule{R[nameHandler](`/x`, Args{"name": "x"})}, settings)
	base, c := serve(t, app)
	resp, body := fetch(t, c, "GET", base+"/elsewhere", "")
	if resp.StatusCode != 200 || body != "default" {
		t.Errorf("GET /elsewhere = %d %q, want 200 %q", resp.StatusCode, body, "default")
	}
}

func TestReverseURL(t *testing.T) {
	settings, rec := quietSettings(t)
	app := NewApplication([]Rule{
		R[echoHandler](`/index`, Name("index")),
		R[echoHandler](`/user/([0-9]+)`, Name("user")),
		R[echoHandler](`^/python/(?P<day>[a-z0-9]+)/(?P<title>[a-z]+)$`, Name("python")),
		R[echoHandler](`/files/(.*)`, Name("files")),
		R[echoHandler](`/dot\.html`, Name("dot")),
		R[echoHandler](`/a/(x|y)`, Name("altgroup")),
		R[echoHandler](`/alt|/other`, Name("alt")),
		R[echoHandler](`/nested/((a)b)`, Name("nested")),
		R[echoHandler](`/opt/?`, Name("optional")),
		R[echoHandler](`/class[0-9]/(x)`, Name("class")),
		R[echoHandler](`/dup1`, Name("dup")),
		R[echoHandler](`/dup2`, Name("dup")),
	}, settings)
	app.AddHandlers(`api\.example\.com`, []Rule{R[echoHandler](`/v1/(\d+)`, Name("api"))})
	tests := []struct {
		name string
		args []any
		want string
		err  error
	}{
		{"index", nil, "/index", nil},
		{"user", []any{42}, "/user/42", nil},
		{"python", []any{"monday", "tornado"}, "/python/monday/tornado", nil},
		{"files", []any{"a b/c?d&e=f"}, "/files/a%20b/c%3Fd%26e%3Df", nil},
		{"files", []any{[]byte("é")}, "/files/%C3%A9", nil},
		{"dot", nil, "/dot.html", nil},
		{"altgroup", []any{"x"}, "/a/x", nil},
		{"api", []any{7}, "/v1/7", nil},
		{"dup", nil, "/dup2", nil},
		{"alt", nil, "", ErrNotReversible},
		{"nested", []any{"ab"}, "", ErrNotReversible},
		{"optional", nil, "", ErrNotReversible},
		{"class", []any{"x"}, "", ErrNotReversible},
		{"missing", nil, "", ErrUnknownName},
		{"user", nil, "", errors.New("count")},
	}
	for _, tt := range tests {
		got, err := app.ReverseURL(tt.name, tt.args...)
		switch {
		case tt.err == nil && err != nil:
			t.Errorf("ReverseURL(%q, %v) error %v", tt.name, tt.args, err)
		case tt.err == nil && got != tt.want:
			t.Errorf("ReverseURL(%q, %v) = %q, want %q", tt.name, tt.args, got, tt.want)
		case tt.err != nil && err == nil:
			t.Errorf("ReverseURL(%q, %v) = %q, want error %v", tt.name, tt.args, got, tt.err)
		case tt.err == ErrNotReversible || tt.err == ErrUnknownName:
			if !errors.Is(err, tt.err) {
				t.Errorf("ReverseURL(%q, %v) error = %v, want %v", tt.name, tt.args, err, tt.err)
			}
		}
	}
	if _, ok := rec.find("Multiple handlers named dup"); !ok {
		t.Errorf("no warning for duplicate name; logs: %q", rec.messages())
	}
}

func TestQuoteUnquote(t *testing.T) {
	for _, tt := range []struct{ in, quoted string }{
		{"abc", "abc"},
		{"a b", "a%20b"},
		{"/x/y", "/x/y"},
		{"~_.-", "~_.-"},
		{"%", "%25"},
		{"é", "%C3%A9"},
	} {
		if got := quote(tt.in); got != tt.quoted {
			t.Errorf("quote(%q) = %q, want %q", tt.in, got, tt.quoted)
		}
		if got := httputil.Unquote(tt.quoted); got != tt.in {
			t.Errorf("unquote(%q) = %q, want %q", tt.quoted, got, tt.in)
		}
	}
	for _, tt := range []struct{ in, want string }{{"%zz", "%zz"}, {"%4", "%4"}, {"a+b", "a+b"}, {"%41%42", "AB"}} {
		if got := httputil.Unquote(tt.in); got != tt.want {
			t.Errorf("unquote(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestRouteDoesNotAllocateForLiterals(t *testing.T) {
	app := NewApplication([]Rule{
		R[echoHandler](`/a`),
		R[echoHandler](`/b`),
		R[echoHandler](`/index`),
	}, Settings{})
	req := newRequest("GET", "/index")
	var m routeMatch
	allocs := testing.AllocsPerRun(100, func() { app.route(req, &m) })
	if allocs != 0 {
		t.Errorf("route(/index) allocates %v times, want 0", allocs)
	}
	if m.spec.rule.Pattern != "/index" {
		t.Errorf("route(/index) matched %q", m.spec.rule.Pattern)
	}
}

func TestPathArgsDirect(t *testing.T) {
	app := NewApplication([]Rule{R[echoHandler](`/p/([a-z]+)/([a-z]+)?`)}, Settings{})
	var m routeMatch
	app.route(newRequest("GET", "/p/abc/"), &m)
	if want := []string{"abc", ""}; !reflect.DeepEqual(m.args, want) {
		t.Errorf("route(/p/abc/).args = %q, want %q", m.args, want)
	}
	_ = http.StatusOK
}
