package web

import (
	"errors"
	"log/slog"
	"net/url"
	"testing"

	"github.com/gotornado/tornado/httputil"
)

// userHandler finds its user in the "user" query argument (counting the
// calls), or takes it from its rule's Prepare hook; its verbs answer
// "hello <user>".
type userHandler struct {
	RequestHandler
	calls   *int
	prepare func(h *userHandler)
	fail    bool
}

func (h *userHandler) Initialize(args Args) error {
	h.calls, _ = args["calls"].(*int)
	h.prepare, _ = args["prepare"].(func(h *userHandler))
	h.fail, _ = args["fail"].(bool)
	return nil
}

func (h *userHandler) Prepare() error {
	if h.prepare != nil {
		h.prepare(h)
	}
	return nil
}

func (h *userHandler) GetCurrentUser() (any, error) {
	if h.calls != nil {
		*h.calls++
	}
	if h.fail {
		return nil, errors.New("user store down")
	}
	u, _ := h.GetArgument("user", "")
	if u == "" {
		return nil, nil
	}
	return u, nil
}

func (h *userHandler) answer() error {
	u := h.CurrentUser()
	h.CurrentUser() // computed once
	_, err := h.WriteString("hello " + asString(u))
	return err
}

func asString(u any) string {
	if s, ok := u.(string); ok {
		return s
	}
	if u == nil {
		return "<nil>"
	}
	return "?"
}

func (h *userHandler) Get() error  { return h.answer() }
func (h *userHandler) Post() error { return h.answer() }

var _ CurrentUserGetter = (*userHandler)(nil)

func TestCurrentUser(t *testing.T) {
	settings, _ := quietSettings(t, "Uncaught exception GET /fail")
	calls := 0
	app := NewApplication([]Rule{
		R[userHandler](`/`, Args{"calls": &calls}),
		R[userHandler](`/set`, Args{"calls": &calls, "prepare": func(h *userHandler) { h.SetCurrentUser("bob") }}),
		R[userHandler](`/fail`, Args{"fail": true}),
	}, settings)
	tests := []struct {
		uri, body string
		code      int
		calls     int
	}{
		{"/?user=alice", "hello alice", 200, 1},
		{"/", "hello <nil>", 200, 1},
		{"/?user=carol", "hello carol", 200, 1}, // the pooled handler forgot alice
		{"/set?user=alice", "hello bob", 200, 0},
		{"/fail", "", 500, 0},
	}
	for _, tt := range tests {
		calls = 0
		c := serveFake(t, app, newRequest("GET", tt.uri), "")
		if c.code != tt.code || tt.code == 200 && c.body.String() != tt.body || calls != tt.calls {
			t.Errorf("GET %s = %d %q, GetCurrentUser called %d times; want %d %q, %d", tt.uri, c.code, c.body.String(), calls, tt.code, tt.body, tt.calls)
		}
	}
}

func TestIsUser(t *testing.T) {
	type user struct{ name string }
	var nilUser *user
	for _, tt := range []struct {
		u    any
		want bool
	}{
		{nil, false}, {"", false}, {"a", true}, {[]byte{}, false}, {[]byte("a"), true}, {nilUser, false},
		{&user{}, true}, {user{}, true}, {map[string]int(nil), false}, {map[string]int{}, true}, {0, true},
	} {
		if got := isUser(tt.u); got != tt.want {
			t.Errorf("isUser(%#v) = %v, want %v", tt.u, got, tt.want)
		}
	}
}

func TestAuthenticated(t *testing.T) {
	settings, rec := quietSettings(t, "Uncaught exception GET /nologin")
	settings.LoginURL = "/login"
	noLogin := settings
	noLogin.LoginURL = ""
	plain := R[userHandler](`/plain`)
	app := NewApplication([]Rule{
		Authenticated(R[userHandler](`/compose`)),
		Authenticated(R[userHandler](`/prepared`, Args{"prepare": func(h *userHandler) { h.SetCurrentUser("dave") }})),
		Authenticated(R[userHandler](`.*/open`)),
		plain,
		Authenticated(plain), // shares plain's pool
	}, settings)
	abs := settings
	abs.LoginURL = "https://login.example.com/in"
	absApp := NewApplication([]Rule{Authenticated(R[userHandler](`/compose`))}, abs)
	query := settings
	query.LoginURL = "/login?from=app"
	queryApp := NewApplication([]Rule{Authenticated(R[userHandler](`/compose`))}, query)
	noApp := NewApplication([]Rule{Authenticated(R[userHandler](`/nologin`))}, noLogin)

	tests := []struct {
		app            *Application
		method, uri    string
		code           int
		location, body string
	}{
		{app, "GET", "/compose?a=b&c=d", 302, "/login?next=%2Fcompose%3Fa%3Db%26c%3Dd", ""},
		{app, "HEAD", "/compose", 302, "/login?next=%2Fcompose", ""},
		{app, "POST", "/compose", 403, "", "<html><title>403: Forbidden</title><body>403: Forbidden</body></html>"},
		{app, "GET", "/compose?user=alice", 200, "", "hello alice"},
		{app, "POST", "/compose?user=alice", 200, "", "hello alice"},
		{app, "GET", "/prepared", 200, "", "hello dave"},
		{app, "GET", "//evil.example/open", 302, "/login?next=%2Fevil.example%2Fopen", ""},
		{app, "GET", `/\evil.example/open`, 302, "/login?next=%2Fevil.example%2Fopen", ""},
		{app, "GET", "/plain", 200, "", "hello <nil>"},
		{absApp, "GET", "/compose?x=1", 302, "https://login.example.com/in?next=http%3A%2F%2Fexample.com%2Fcompose%3Fx%3D1", ""},
		{queryApp, "GET", "/compose", 302, "/login?from=app", ""},
		{noApp, "GET", "/nologin", 500, "", ""},
	}
	for i := 0; i < 2; i++ { // twice: pooled handlers keep working
		for _, tt := range tests {
			c := serveFake(t, tt.app, newRequest(tt.method, tt.uri), "")
			if c.code != tt.code || c.header.Get("Location") != tt.location || tt.body != "" && c.body.String() != tt.body {
				t.Errorf("%s %s = %d %q %q; want %d %q %q", tt.method, tt.uri, c.code, c.header.Get("Location"), c.body.String(), tt.code, tt.location, tt.body)
			}
		}
	}
	if _, ok := rec.find("Uncaught exception GET /nologin"); !ok {
		t.Errorf("no log for the missing LoginURL: %q", rec.messages())
	} else if r, _ := rec.find("Uncaught exception GET /nologin"); !recordHas(r, ErrNoLoginURL.Error()) {
		t.Errorf("the log does not name the setting")
	}
}

func recordHas(r slog.Record, s string) bool {
	found := false
	r.Attrs(func(a slog.Attr) bool {
		if a.Value.String() == s {
			found = true
		}
		return true
	})
	return found
}

// loginPage chooses its login URL itself, and checks inside the verb.
type loginPage struct{ RequestHandler }

func (h *loginPage) GetLoginURL() string { return "/signin" }
func (h *loginPage) Get() error {
	if ok, err := h.RequireUser(); !ok {
		return err
	}
	_, err := h.WriteString("secret")
	return err
}
func (h *loginPage) Post() error {
	if ok, err := h.RequireUser(); !ok {
		return err
	}
	return nil
}

var _ LoginURLGetter = (*loginPage)(nil)

func TestRequireUser(t *testing.T) {
	settings, _ := quietSettings(t)
	app := NewApplication([]Rule{R[loginPage](`/p`)}, settings)
	if c := serveFake(t, app, newRequest("GET", "/p"), ""); c.code != 302 || c.header.Get("Location") != "/signin?next=%2Fp" {
		t.Errorf("GET = %d %q", c.code, c.header.Get("Location"))
	}
	if c := serveFake(t, app, newRequest("POST", "/p"), ""); c.code != 403 {
		t.Errorf("POST = %d", c.code)
	}
}

func TestSlashRules(t *testing.T) {
	settings, _ := quietSettings(t)
	settings.LoginURL = "/login"
	app := NewApplication([]Rule{
		AddSlash(R[userHandler](`/add/?`)),
		RemoveSlash(R[userHandler](`/remove/*`)),
		RemoveSlash(R[userHandler](`/`)),
		AddSlash(R[userHandler](`.*/evil`)),
		RemoveSlash(R[userHandler](`.*/evil2/+`)),
		Authenticated(AddSlash(R[userHandler](`/both/?`))),
	}, settings)
	tests := []struct {
		method, uri    string
		code           int
		location, body string
	}{
		{"GET", "/add?x=1", 301, "/add/?x=1", ""},
		{"HEAD", "/add", 301, "/add/", ""},
		{"GET", "/add/", 200, "", "hello <nil>"},
		{"POST", "/add", 404, "", ""},
		{"POST", "/add/", 200, "", "hello <nil>"},
		{"GET", "/remove///?x=1", 301, "/remove?x=1", ""},
		{"GET", "/remove", 200, "", "hello <nil>"},
		{"POST", "/remove/", 404, "", ""},
		{"GET", "/", 200, "", "hello <nil>"},
		{"POST", "/", 404, "", ""},
		{"GET", "//evil.example/evil", 301, "/evil.example/evil/", ""},
		{"GET", "//evil.example/evil2//", 301, "/evil.example/evil2", ""},
		{"GET", "/both", 301, "/both/", ""},
		{"GET", "/both/", 302, "/login?next=%2Fboth%2F", ""},
	}
	for _, tt := range tests {
		c := serveFake(t, app, newRequest(tt.method, tt.uri), "")
		if c.code != tt.code || c.header.Get("Location") != tt.location || tt.body != "" && c.body.String() != tt.body {
			t.Errorf("%s %s = %d %q %q; want %d %q %q", tt.method, tt.uri, c.code, c.header.Get("Location"), c.body.String(), tt.code, tt.location, tt.body)
		}
	}
}

func TestSafeNextURL(t *testing.T) {
	tests := []struct {
		next  string
		hosts []string
		want  string
	}{
		{"/", nil, "/"},
		{"/compose?a=b", nil, "/compose?a=b"},
		{"/a//b", nil, "/a//b"},
		{"/%2F%2Fevil.example", nil, "/%2F%2Fevil.example"},
		{"", nil, "FALLBACK"},
		{"//evil.example", nil, "FALLBACK"},
		{"///evil.example", nil, "FALLBACK"},
		{`/\evil.example`, nil, "FALLBACK"},
		{`\\evil.example`, nil, "FALLBACK"},
		{`/a\b`, nil, "FALLBACK"},
		{"/\t/evil.example", nil, "FALLBACK"},
		{"/\n/evil.example", nil, "FALLBACK"},
		{" /x", nil, "FALLBACK"},
		{"/x y", nil, "FALLBACK"},
		{"http://evil.example/", nil, "FALLBACK"},
		{"https://site.example/x", nil, "FALLBACK"},
		{"https://site.example/x", []string{"site.example"}, "https://site.example/x"},
		{"HTTP://SITE.example/x", []string{"site.example"}, "HTTP://SITE.example/x"},
		{"https://site.example:8443/x", []string{"site.example"}, "FALLBACK"},
		{"https://site.example:8443/x", []string{"site.example:8443"}, "https://site.example:8443/x"},
		{"https://evil.example/x", []string{"site.example"}, "FALLBACK"},
		{"https://site.example@evil.example/", []string{"site.example"}, "FALLBACK"},
		{"https://user@site.example/", []string{"site.example"}, "FALLBACK"},
		{"javascript:alert(1)", []string{"site.example"}, "FALLBACK"},
		{"data:text/html,x", []string{"site.example"}, "FALLBACK"},
		{"ftp://site.example/", []string{"site.example"}, "FALLBACK"},
		{"https:site.example", []string{"site.example"}, "FALLBACK"},
		{"compose", []string{"site.example"}, "FALLBACK"},
		{"https://site.example/x", []string{""}, "FALLBACK"},
	}
	for _, tt := range tests {
		if got := SafeNextURL(tt.next, "FALLBACK", tt.hosts...); got != tt.want {
			t.Errorf("SafeNextURL(%q, %q) = %q, want %q", tt.next, tt.hosts, got, tt.want)
		}
	}
}

// loginHandler logs in and redirects to next, safely.
type loginHandler struct{ RequestHandler }

func (h *loginHandler) Get() error { return h.Redirect(h.NextURL("/home")) }

func TestNextURL(t *testing.T) {
	settings, _ := quietSettings(t)
	app := NewApplication([]Rule{R[loginHandler](`/login`)}, settings)
	for next, want := range map[string]string{
		"/compose":                   "/compose",
		"//evil.example/":            "/home",
		"http://example.com/x":       "http://example.com/x", // the request's own host
		"http://evil.example.com/x":  "/home",
		"":                           "/home",
		"javascript:alert(document)": "/home",
	} {
		c := serveFake(t, app, newRequest("GET", "/login?next="+url.QueryEscape(next)), "")
		if got := c.header.Get("Location"); c.code != 302 || got != want {
			t.Errorf("next=%q: %d %q, want %q", next, c.code, got, want)
		}
	}
}

// constUser is always logged in.
type constUser struct{ RequestHandler }

func (h *constUser) GetCurrentUser() (any, error) { return "alice", nil }
func (h *constUser) Get() error {
	_, err := h.WriteString("hi")
	return err
}

// A GET on a site with XSRF cookies, and an Authenticated GET with a
// user, allocate nothing per request once their handler is pooled.
func TestLoginAndXSRFZeroAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector makes sync.Pool drop items; .ci/run runs this test without it")
	}
	app := NewApplication([]Rule{
		R[plainHandler](`/plaintext`),
		Authenticated(R[constUser](`/user`)),
	}, Settings{Logger: slog.New(slog.DiscardHandler), XSRFCookies: true, LoginURL: "/login"})
	for _, uri := range []string{"/plaintext", "/user"} {
		req := new(httputil.ServerRequest)
		conn := new(benchConn)
		serveOnce := func() {
			req.Reset()
			req.Method, req.URI, req.Path, req.Version = "GET", uri, uri, "HTTP/1.1"
			req.RemoteIP, req.Host, req.HostName, req.Protocol = "127.0.0.1", "localhost", "localhost", "http"
			req.Header.Add("Host", "localhost")
			*conn = benchConn{}
			d := app.StartRequest(conn)
			d.HeadersReceived(req)
			d.Finish()
		}
		serveOnce()
		if allocs := testing.AllocsPerRun(200, serveOnce); allocs != 0 {
			t.Errorf("GET %s: %v allocations per request, want 0", uri, allocs)
		}
		if conn.code != 200 || !conn.finished {
			t.Errorf("GET %s = %d, finished %v", uri, conn.code, conn.finished)
		}
	}
}
