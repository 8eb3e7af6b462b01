package web

import (
	"bytes"
	"encoding/hex"
	"html/template"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gotornado/tornado/httputil"
)

// xsrfHandler answers every verb with "ok", or with f when its rule
// gives one.
type xsrfHandler struct {
	RequestHandler
	f        func(h *xsrfHandler) error
	prepared bool
}

func (h *xsrfHandler) Initialize(args Args) error {
	h.f, _ = args["f"].(func(h *xsrfHandler) error)
	return nil
}

func (h *xsrfHandler) Prepare() error { h.prepared = true; return nil }

func (h *xsrfHandler) serve() error {
	if h.f != nil {
		return h.f(h)
	}
	_, err := h.WriteString("ok")
	return err
}

func (h *xsrfHandler) Get() error     { return h.serve() }
func (h *xsrfHandler) Post() error    { return h.serve() }
func (h *xsrfHandler) Put() error     { return h.serve() }
func (h *xsrfHandler) Delete() error  { return h.serve() }
func (h *xsrfHandler) Patch() error   { return h.serve() }
func (h *xsrfHandler) Options() error { return h.serve() }

// xsrfApp serves /, /token (writes XSRFToken) and /form (XSRFFormHTML).
func xsrfApp(s Settings) *Application {
	s.XSRFCookies = true
	return NewApplication([]Rule{
		R[xsrfHandler](`/`),
		R[xsrfHandler](`/token`, Args{"f": func(h *xsrfHandler) error {
			_, err := h.WriteString(h.XSRFToken())
			return err
		}}),
		R[xsrfHandler](`/form`, Args{"f": func(h *xsrfHandler) error {
			_, err := h.WriteString(string(h.XSRFFormHTML()))
			return err
		}}),
		R[xsrfHandler](`/path/(.*)`),
	}, s)
}

// setCookies returns the Set-Cookie values of a fake response, by name.
func setCookies(c *fakeConn) map[string]string {
	out := map[string]string{}
	for _, v := range c.header.Values("Set-Cookie") {
		name, _, _ := strings.Cut(v, "=")
		out[name] = v
	}
	return out
}

// cookieValue returns the value of a Set-Cookie line.
func cookieValue(line string) string {
	_, v, _ := strings.Cut(line, "=")
	v, _, _ = strings.Cut(v, ";")
	return v
}

var xsrfV2 = regexp.MustCompile(`^2\|[0-9a-f]{8}\|[0-9a-f]{32}\|[0-9]+$`)

// Tornado's own check, on the inputs of testdata/gen_tornado_vectors.py:
// the same requests pass, and the others fail with the same reasons.
func TestXSRFCheckTornadoVectors(t *testing.T) {
	v := loadTornadoVectors(t)
	for i, c := range v.XSRFCheck {
		settings, rec := quietSettings(t)
		app := xsrfApp(settings)
		var header []string
		if c.Cookie != nil {
			header = append(header, "Cookie", "_xsrf="+*c.Cookie)
		}
		for _, h := range c.Headers {
			header = append(header, h[0], h[1])
		}
		body := ""
		if c.Argument != nil {
			body = url.Values{"_xsrf": {*c.Argument}}.Encode()
			header = append(header, "Content-Type", "application/x-www-form-urlencoded")
		}
		conn := serveFake(t, app, newRequest("POST", "/", header...), body)
		if conn.code != c.Status {
			t.Errorf("case %d (cookie %v, argument %v, headers %v) = %d; Tornado answers %d %s", i, deref(c.Cookie), deref(c.Argument), c.Headers, conn.code, c.Status, c.LogMessage)
			continue
		}
		if c.Status == 403 {
			want := "WARN 403 POST / (127.0.0.1): " + c.LogMessage
			if !slicesContains(rec.messages(), want) {
				t.Errorf("case %d: logs %q, want %q", i, rec.messages(), want)
			}
			if got := conn.body.String(); got != "<html><title>403: Forbidden</title><body>403: Forbidden</body></html>" {
				t.Errorf("case %d: body %q", i, got)
			}
		}
	}
}

func slicesContains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// Tornado's _decode_xsrf_token, on testdata's inputs.
func TestDecodeXSRFTokenTornadoVectors(t *testing.T) {
	v := loadTornadoVectors(t)
	now := func() time.Time { return time.Unix(1500000000, 0) }
	for _, c := range v.XSRFDecode {
		version, token, ts, ok := decodeXSRFToken(c.Input, now)
		if c.Version == nil {
			if ok || token != nil {
				t.Errorf("decodeXSRFToken(%q) = %d, %x, %v; Tornado refuses it", c.Input, version, token, ok)
			}
			continue
		}
		if !ok || version != *c.Version || hex.EncodeToString(token) != *c.TokenHex {
			t.Errorf("decodeXSRFToken(%q) = %d, %x, %v; Tornado reads %d, %s", c.Input, version, token, ok, *c.Version, *c.TokenHex)
		}
		if c.Timestamp != nil && ts != *c.Timestamp {
			t.Errorf("decodeXSRFToken(%q) timestamp %d, Tornado reads %d", c.Input, ts, *c.Timestamp)
		}
	}
}

// A request without the cookie gets a new token and the cookie; one with
// it gets a freshly masked token of the same raw token, and no cookie.
func TestXSRFTokenCookie(t *testing.T) {
	settings, _ := quietSettings(t)
	settings.XSRFCookieOptions = CookieOptions{SameSite: "Lax", Secure: true}
	app := xsrfApp(settings)
	c := serveFake(t, app, newRequest("GET", "/token"), "")
	token := c.body.String()
	if !xsrfV2.MatchString(token) {
		t.Fatalf("XSRFToken() = %q, want Tornado's version 2 form", token)
	}
	line := setCookies(c)["_xsrf"]
	if cookieValue(line) != token {
		t.Fatalf("Set-Cookie %q, want the token %q", line, token)
	}
	for _, attr := range []string{"; Path=/", "; Secure", "; SameSite=Lax"} {
		if !strings.Contains(line, attr) {
			t.Errorf("Set-Cookie %q lacks %q", line, attr)
		}
	}
	for _, attr := range []string{"HttpOnly", "Expires"} {
		if strings.Contains(line, attr) {
			t.Errorf("Set-Cookie %q has %s", line, attr)
		}
	}
	_, raw, _, _ := decodeXSRFToken(token, time.Now)
	for i := 0; i < 2; i++ {
		c2 := serveFake(t, app, newRequest("GET", "/token", "Cookie", "_xsrf="+token), "")
		again := c2.body.String()
		if _, ok := setCookies(c2)["_xsrf"]; ok {
			t.Errorf("the cookie was set again: %q", c2.header.Values("Set-Cookie"))
		}
		if again == token {
			t.Errorf("token %q not masked anew", again)
		}
		if _, raw2, _, _ := decodeXSRFToken(again, time.Now); !bytes.Equal(raw, raw2) {
			t.Errorf("raw token changed: %x, then %x", raw, raw2)
		}
		if strings.Split(again, "|")[3] != strings.Split(token, "|")[3] {
			t.Errorf("timestamp changed: %q, then %q", token, again)
		}
	}
	// The pooled handler that served the cookie's request keeps nothing:
	// a request without the cookie gets another token.
	c3 := serveFake(t, app, newRequest("GET", "/token"), "")
	if _, raw3, _, _ := decodeXSRFToken(c3.body.String(), time.Now); bytes.Equal(raw, raw3) {
		t.Error("a new visitor got the previous raw token")
	}
	if _, ok := setCookies(c3)["_xsrf"]; !ok {
		t.Error("a new visitor got no cookie")
	}
}

func TestXSRFTokenVersion1AndName(t *testing.T) {
	settings, _ := quietSettings(t)
	settings.XSRFCookieVersion = 1
	settings.XSRFCookieName = "csrf"
	app := xsrfApp(settings)
	c := serveFake(t, app, newRequest("GET", "/token"), "")
	token := c.body.String()
	if len(token) != 32 || strings.Trim(token, "0123456789abcdef") != "" {
		t.Fatalf("XSRFToken() = %q, want 32 hex digits", token)
	}
	if got := cookieValue(setCookies(c)["csrf"]); got != token {
		t.Fatalf("cookie csrf = %q, want %q", got, token)
	}
	// Version 1 tokens are the same on every request, and check.
	c2 := serveFake(t, app, newRequest("GET", "/token", "Cookie", "csrf="+token), "")
	if c2.body.String() != token {
		t.Errorf("second token %q, want %q", c2.body.String(), token)
	}
	c3 := serveFake(t, app, newRequest("POST", "/", "Cookie", "csrf="+token, "X-Xsrftoken", token), "")
	if c3.code != 200 {
		t.Errorf("POST with the token = %d", c3.code)
	}
}

func TestXSRFFormHTML(t *testing.T) {
	settings, _ := quietSettings(t)
	app := xsrfApp(settings)
	const cookie = "2|0a1b2c3d|0a0a0e0e4e4e4a4a82828686c6c6c2c2|1300000000"
	c := serveFake(t, app, newRequest("GET", "/form", "Cookie", "_xsrf="+cookie), "")
	m := regexp.MustCompile(`^<input type="hidden" name="_xsrf" value="(2\|[0-9a-f]{8}\|[0-9a-f]{32}\|1300000000)"/>$`).FindStringSubmatch(c.body.String())
	if m == nil {
		t.Fatalf("XSRFFormHTML() = %q", c.body.String())
	}
	if _, raw, _, _ := decodeXSRFToken(m[1], time.Now); hex.EncodeToString(raw) != "00112233445566778899aabbccddeeff" {
		t.Errorf("form token %q carries %x", m[1], raw)
	}
}

var _ func(*RequestHandler) template.HTML = (*RequestHandler).XSRFFormHTML

// The check covers every method but GET, HEAD and OPTIONS, runs before
// Prepare and after the path is decoded, and takes the token from the
// query, the body or either header.
func TestXSRFCheckMethods(t *testing.T) {
	settings, rec := quietSettings(t)
	app := xsrfApp(settings)
	get := serveFake(t, app, newRequest("GET", "/token"), "")
	token := get.body.String()
	cookie := "_xsrf=" + cookieValue(setCookies(get)["_xsrf"])
	for _, m := range []string{"GET", "HEAD", "OPTIONS"} {
		if c := serveFake(t, app, newRequest(m, "/"), ""); c.code != 200 {
			t.Errorf("%s without a token = %d, want 200", m, c.code)
		}
	}
	for _, m := range []string{"POST", "PUT", "DELETE", "PATCH"} {
		if c := serveFake(t, app, newRequest(m, "/"), ""); c.code != 403 {
			t.Errorf("%s without a token = %d, want 403", m, c.code)
		}
		if c := serveFake(t, app, newRequest(m, "/?_xsrf="+url.QueryEscape(token), "Cookie", cookie), ""); c.code != 200 {
			t.Errorf("%s with the token in the query = %d, want 200", m, c.code)
		}
		if c := serveFake(t, app, newRequest(m, "/", "Cookie", cookie, "X-Csrftoken", token), ""); c.code != 200 {
			t.Errorf("%s with X-Csrftoken = %d, want 200", m, c.code)
		}
	}
	if !slicesContains(rec.messages(), "WARN 403 PUT / (127.0.0.1): '_xsrf' argument missing from POST") {
		t.Errorf("logs %q", rec.messages())
	}
	// Prepare does not run for a refused request.
	prep := &prepareRecorder{}
	spy := NewApplication([]Rule{RWith(`/`, func(h *prepareSpy) { h.rec = prep })}, Settings{XSRFCookies: true, Logger: settings.Logger})
	if c := serveFake(t, spy, newRequest("POST", "/"), ""); c.code != 403 || prep.prepared {
		t.Errorf("refused POST = %d, Prepare ran %v", c.code, prep.prepared)
	}
	// The path is decoded first: bad UTF-8 in it is a 400, not a 403.
	if c := serveFake(t, app, newRequest("POST", "/path/%ff"), ""); c.code != 400 {
		t.Errorf("POST with a bad path = %d, want 400", c.code)
	}
	// A token that is not UTF-8 is a 400, as Tornado's get_argument says.
	if c := serveFake(t, app, newRequest("POST", "/?_xsrf=%ff", "Cookie", cookie), ""); c.code != 400 {
		t.Errorf("POST with a non-UTF-8 token = %d, want 400", c.code)
	}
}

type prepareRecorder struct{ prepared bool }

type prepareSpy struct {
	RequestHandler
	rec *prepareRecorder
}

func (h *prepareSpy) Prepare() error { h.rec.prepared = true; return nil }
func (h *prepareSpy) Post() error    { return nil }

// customChecker replaces the XSRF check with a header check.
type customChecker struct{ RequestHandler }

func (h *customChecker) CheckXSRFCookie() error {
	if h.Request().Header.Get("X-Requested-By") == "app" {
		return nil
	}
	return &HTTPError{Code: 403, LogMessage: "custom check"}
}

func (h *customChecker) Post() error { _, err := h.WriteString("ok"); return err }

var _ XSRFChecker = (*customChecker)(nil)

func TestXSRFCheckerOverride(t *testing.T) {
	settings, rec := quietSettings(t)
	settings.XSRFCookies = true
	app := NewApplication([]Rule{R[customChecker](`/`)}, settings)
	if c := serveFake(t, app, newRequest("POST", "/", "X-Requested-By", "app"), ""); c.code != 200 {
		t.Errorf("POST accepted by the custom check = %d", c.code)
	}
	if c := serveFake(t, app, newRequest("POST", "/"), ""); c.code != 403 {
		t.Errorf("POST refused by the custom check = %d", c.code)
	}
	if !slicesContains(rec.messages(), "WARN 403 POST / (127.0.0.1): custom check") {
		t.Errorf("logs %q", rec.messages())
	}
}

// The XSRF cookie of a logged-in user lasts 30 days, unless the options
// say otherwise; an unknown version is a 500.
func TestXSRFCookieExpiry(t *testing.T) {
	settings, _ := quietSettings(t, "Uncaught exception GET /token")
	settings.XSRFCookies = true
	app := NewApplication([]Rule{
		R[xsrfHandler](`/token`, Args{"f": func(h *xsrfHandler) error {
			h.SetCurrentUser("alice")
			_, err := h.WriteString(h.XSRFToken())
			return err
		}}),
	}, settings)
	c := serveFake(t, app, newRequest("GET", "/token"), "")
	line := setCookies(c)["_xsrf"]
	_, exp, ok := strings.Cut(line, "Expires=")
	if !ok {
		t.Fatalf("Set-Cookie %q has no Expires", line)
	}
	exp, _, _ = strings.Cut(exp, ";")
	when, err := httputil.ParseHTTPDate(exp)
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Until(when); d < 29*24*time.Hour || d > 31*24*time.Hour {
		t.Errorf("the XSRF cookie expires in %v, want 30 days", d)
	}

	settings.XSRFCookieVersion = 3
	app = NewApplication([]Rule{R[xsrfHandler](`/token`, Args{"f": func(h *xsrfHandler) error {
		_, err := h.WriteString(h.XSRFToken())
		return err
	}})}, settings)
	if c := serveFake(t, app, newRequest("GET", "/token"), ""); c.code != 500 {
		t.Errorf("XSRFCookieVersion 3 = %d, want 500", c.code)
	}
}

// Under both servers, over real sockets: a form posted with its token
// passes, a forged one does not.
func TestXSRFOverSockets(t *testing.T) {
	servers(t, func(t *testing.T) *Application {
		settings, _ := quietSettings(t)
		return xsrfApp(settings)
	}, func(t *testing.T, base string) {
		client := &http.Client{Transport: &http.Transport{}}
		defer client.CloseIdleConnections()
		resp, token := fetch(t, client, "GET", base+"/token", "")
		var cookie string
		for _, c := range resp.Cookies() {
			if c.Name == "_xsrf" {
				cookie = c.Value
			}
		}
		if cookie == "" || !xsrfV2.MatchString(token) {
			t.Fatalf("GET /token = %q, cookie %q", token, cookie)
		}
		form := url.Values{"_xsrf": {token}}.Encode()
		ct := "application/x-www-form-urlencoded"
		if resp, body := fetch(t, client, "POST", base+"/", form, "Content-Type", ct, "Cookie", "_xsrf="+cookie); resp.StatusCode != 200 || body != "ok" {
			t.Errorf("POST with the token = %d %q", resp.StatusCode, body)
		}
		forged := url.Values{"_xsrf": {"2|00000000|00112233445566778899aabbccddeeff|1"}}.Encode()
		if resp, _ := fetch(t, client, "POST", base+"/", forged, "Content-Type", ct, "Cookie", "_xsrf="+cookie); resp.StatusCode != 403 {
			t.Errorf("POST with a forged token = %d, want 403", resp.StatusCode)
		}
	})
}

// FuzzDecodeXSRFToken: no input panics, and a token made from any raw
// token reads back in both versions.
func FuzzDecodeXSRFToken(f *testing.F) {
	now := func() time.Time { return time.Unix(1300000000, 0) }
	f.Fuzz(func(t *testing.T, s string) {
		version, token, _, ok := decodeXSRFToken(s, now)
		if !ok && (token != nil || version != 0) {
			t.Fatalf("decodeXSRFToken(%q) = %d, %x, false", s, version, token)
		}
		if ok && version != 1 && version != 2 {
			t.Fatalf("decodeXSRFToken(%q) version %d", s, version)
		}
		raw := []byte(s)
		if len(raw) == 0 {
			return
		}
		mask := []byte{1, 2, 3, 4}
		v2 := "2|" + hex.EncodeToString(mask) + "|" + hex.EncodeToString(xsrfMask(mask, raw)) + "|1300000000"
		if _, back, _, ok := decodeXSRFToken(v2, now); !ok || !bytes.Equal(back, raw) {
			t.Fatalf("version 2 round trip of %x = %x, %v", raw, back, ok)
		}
		if _, back, _, ok := decodeXSRFToken(hex.EncodeToString(raw), now); !ok || !bytes.Equal(back, raw) {
			t.Fatalf("version 1 round trip of %x = %x, %v", raw, back, ok)
		}
	})
}
