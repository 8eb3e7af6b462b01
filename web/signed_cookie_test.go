package web

import (
	"encoding/base64"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gotornado/tornado/httputil"
)

// cookieHandler sets the signed cookie "user" on GET /set?v=... (or
// v64=<base64>), and
// answers GET /get with the cookie's value or the error's text.
type cookieHandler struct {
	RequestHandler
	opts SignedCookieOptions
}

func (h *cookieHandler) Get() error {
	switch h.Request().Path {
	case "/set":
		v, _ := h.GetArgument("v", "alice")
		if v64 := h.GetQueryArguments("v64"); len(v64) > 0 {
			b, err := base64.StdEncoding.DecodeString(v64[0])
			if err != nil {
				return err
			}
			v = string(b) // any bytes, which an argument cannot carry
		}
		if err := h.SetSignedCookie("user", v, h.opts); err != nil {
			return nil // failed the response already
		}
		_, err := h.WriteString("set")
		return err
	case "/keyversion":
		k, ok := h.SignedCookieKeyVersion("user")
		_, err := h.WriteString(strconv.Itoa(k) + " " + strconv.FormatBool(ok))
		return err
	}
	v, err := h.GetSignedCookie("user")
	switch {
	case errors.Is(err, ErrNoSecret):
		return nil // failed the response already
	case errors.Is(err, ErrNoCookie):
		_, err = h.WriteString("no cookie")
	case errors.Is(err, ErrInvalidSignedValue):
		_, err = h.WriteString("invalid")
	case errors.Is(err, ErrExpiredSignedValue):
		_, err = h.WriteString("expired")
	case err != nil:
		return err
	default:
		_, err = h.WriteString("value " + string(v))
	}
	return err
}

func cookieApp(s Settings, opts SignedCookieOptions) *Application {
	return NewApplication([]Rule{
		RWith(`/(?:set|get|keyversion)`, func(h *cookieHandler) { h.opts = opts }),
	}, s)
}

// expiresIn returns how far ahead a Set-Cookie line's Expires is, or -1.
func expiresIn(t *testing.T, line string) time.Duration {
	t.Helper()
	_, exp, ok := strings.Cut(line, "Expires=")
	if !ok {
		return -1
	}
	exp, _, _ = strings.Cut(exp, ";")
	when, err := httputil.ParseHTTPDate(exp)
	if err != nil {
		t.Fatal(err)
	}
	return time.Until(when)
}

func TestSignedCookie(t *testing.T) {
	settings, _ := quietSettings(t)
	settings.CookieSecret = "0123456789abcdef-the-test-secret"
	for _, tt := range []struct {
		name    string
		opts    SignedCookieOptions
		prefix  string
		expires time.Duration // about; -1 for none
	}{
		{"default", SignedCookieOptions{}, "2|1:0|", 30 * 24 * time.Hour},
		{"version 1", SignedCookieOptions{Version: 1}, "YWxpY2U=|", 30 * 24 * time.Hour},
		{"session", SignedCookieOptions{Session: true}, "2|", -1},
		{"7 days", SignedCookieOptions{CookieOptions: CookieOptions{ExpiresDays: 7, HTTPOnly: true}}, "2|", 7 * 24 * time.Hour},
	} {
		t.Run(tt.name, func(t *testing.T) {
			app := cookieApp(settings, tt.opts)
			c := serveFake(t, app, newRequest("GET", "/set?v=alice"), "")
			line := setCookies(c)["user"]
			value := cookieValue(line)
			if c.code != 200 || !strings.HasPrefix(strings.Trim(value, `"`), tt.prefix) { // quoted for its "=", as Python quotes it
				t.Fatalf("GET /set = %d, Set-Cookie %q", c.code, line)
			}
			if d := expiresIn(t, line); tt.expires < 0 && d != -1 || tt.expires > 0 && (d < tt.expires-time.Hour || d > tt.expires+time.Hour) {
				t.Errorf("Set-Cookie %q expires in %v, want %v", line, d, tt.expires)
			}
			if tt.opts.HTTPOnly != strings.Contains(line, "HttpOnly") {
				t.Errorf("Set-Cookie %q: HttpOnly should be %v", line, tt.opts.HTTPOnly)
			}
			got := serveFake(t, app, newRequest("GET", "/get", "Cookie", "user="+value), "")
			if body := got.body.String(); body != "value alice" {
				t.Errorf("GET /get = %q", body)
			}
		})
	}
	app := cookieApp(settings, SignedCookieOptions{})
	for cookie, want := range map[string]string{
		"":                               "no cookie",
		"user=2|1:0|10:1|4:user|4:eA==|": "invalid",
		"user=YWxpY2U=|1|x":              "invalid",
		"other=1":                        "no cookie",
	} {
		var header []string
		if cookie != "" {
			header = []string{"Cookie", cookie}
		}
		if got := serveFake(t, app, newRequest("GET", "/get", header...), "").body.String(); got != want {
			t.Errorf("GET /get with %q = %q, want %q", cookie, got, want)
		}
	}
	old, err := CreateSignedValue(settings.CookieSecret, "user", "alice", SignedValueOptions{Clock: func() time.Time { return time.Now().Add(-40 * 24 * time.Hour) }})
	if err != nil {
		t.Fatal(err)
	}
	if got := serveFake(t, app, newRequest("GET", "/get", "Cookie", "user="+old), "").body.String(); got != "expired" {
		t.Errorf("GET /get with a 40-day-old value = %q", got)
	}
}

// Settings.CookieSecrets: new cookies are signed with KeyVersion, cookies
// of every listed version verify.
func TestSignedCookieKeyRotation(t *testing.T) {
	settings, _ := quietSettings(t)
	settings.CookieSecrets = map[int]string{1: "old secret"}
	settings.KeyVersion = 1
	oldApp := cookieApp(settings, SignedCookieOptions{})
	oldCookie := cookieValue(setCookies(serveFake(t, oldApp, newRequest("GET", "/set?v=alice"), ""))["user"])

	settings.CookieSecrets = map[int]string{1: "old secret", 2: "new secret"}
	settings.KeyVersion = 2
	app := cookieApp(settings, SignedCookieOptions{})
	newCookie := cookieValue(setCookies(serveFake(t, app, newRequest("GET", "/set?v=bob"), ""))["user"])
	for cookie, want := range map[string][2]string{oldCookie: {"value alice", "1 true"}, newCookie: {"value bob", "2 true"}} {
		if got := serveFake(t, app, newRequest("GET", "/get", "Cookie", "user="+cookie), "").body.String(); got != want[0] {
			t.Errorf("GET /get with %q = %q, want %q", cookie, got, want[0])
		}
		if got := serveFake(t, app, newRequest("GET", "/keyversion", "Cookie", "user="+cookie), "").body.String(); got != want[1] {
			t.Errorf("GET /keyversion with %q = %q, want %q", cookie, got, want[1])
		}
	}
	if got := serveFake(t, app, newRequest("GET", "/keyversion"), "").body.String(); got != "0 false" {
		t.Errorf("GET /keyversion without the cookie = %q", got)
	}
	settings.KeyVersion = 3
	settings.Logger = quietLogger(t, "Uncaught exception GET /set")
	bad := cookieApp(settings, SignedCookieOptions{})
	if c := serveFake(t, bad, newRequest("GET", "/set"), ""); c.code != 500 {
		t.Errorf("KeyVersion without a secret: GET /set = %d, want 500", c.code)
	}
}

// Without a secret, signing and reading signed cookies fail the request
// with a 500 and a log line naming the setting, as Tornado raises.
func TestSignedCookieNoSecret(t *testing.T) {
	settings, rec := quietSettings(t, "Uncaught exception GET /set", "Uncaught exception GET /get")
	app := cookieApp(settings, SignedCookieOptions{})
	for _, uri := range []string{"/set", "/get"} {
		if c := serveFake(t, app, newRequest("GET", uri, "Cookie", "user=x"), ""); c.code != 500 {
			t.Errorf("GET %s without a secret = %d, want 500", uri, c.code)
		}
		r, ok := rec.find("Uncaught exception GET " + uri)
		if !ok || !recordContains(r, "Settings.CookieSecret") {
			t.Errorf("GET %s: no log naming the setting: %q", uri, rec.messages())
		}
	}
}

func recordContains(r slog.Record, s string) bool {
	found := false
	r.Attrs(func(a slog.Attr) bool {
		found = found || strings.Contains(a.Value.String(), s)
		return true
	})
	return found
}

// Over real sockets, under both servers, a signed cookie goes out and
// comes back.
func TestSignedCookieOverSockets(t *testing.T) {
	servers(t, func(t *testing.T) *Application {
		settings, _ := quietSettings(t)
		settings.CookieSecret = "socket secret"
		return cookieApp(settings, SignedCookieOptions{})
	}, func(t *testing.T, base string) {
		client := &http.Client{Transport: &http.Transport{}}
		defer client.CloseIdleConnections()
		resp, _ := fetch(t, client, "GET", base+"/set?v=h%C3%A9llo+%7C+world", "")
		var raw string
		for _, line := range resp.Header.Values("Set-Cookie") {
			if strings.HasPrefix(line, "user=") {
				raw = cookieValue(line)
			}
		}
		if raw == "" {
			t.Fatalf("no cookie: %q", resp.Header.Values("Set-Cookie"))
		}
		if _, body := fetch(t, client, "GET", base+"/get", "", "Cookie", "user="+raw); body != "value héllo | world" {
			t.Errorf("GET /get = %q", body)
		}
	})
}
