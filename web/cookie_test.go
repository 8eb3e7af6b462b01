package web

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gotornado/tornado/httputil"
)

func TestCookies(t *testing.T) {
	settings, rec := quietSettings(t, "Uncaught exception GET /bad")
	app := NewApplication([]Rule{
		fn(`/get`, func(h *funcHandler) error {
			return h.Finish(h.GetCookie("a") + "|" + h.GetCookie("missing", "def") + "|" + h.GetCookie("b"))
		}),
		fn(`/set`, func(h *funcHandler) error {
			h.SetCookie("session", "old")
			h.SetCookie("session", "abc", CookieOptions{HTTPOnly: true, Secure: true, SameSite: "Lax"})
			h.SetCookie("pref", "1", CookieOptions{Path: "/app", Domain: "example.com", MaxAge: 60})
			h.SetCookie("days", "1", CookieOptions{ExpiresDays: 1})
			return nil
		}),
		fn(`/clear`, func(h *funcHandler) error { h.ClearCookie("session"); return nil }),
		fn(`/clearall`, func(h *funcHandler) error { h.ClearAllCookies(CookieOptions{Path: "/p"}); return nil }),
		fn(`/bad`, func(h *funcHandler) error { h.SetCookie("a", "x\x01y"); return nil }),
		fn(`/badname`, func(h *funcHandler) error { h.SetCookie("a b", "x"); return nil }),
	}, settings)
	base, c := serve(t, app)

	if _, body := fetch(t, c, "GET", base+"/get", "", "Cookie", `a=1; b="quoted"`); body != "1|def|quoted" {
		t.Errorf("GET /get = %q", body)
	}

	resp, _ := fetch(t, c, "GET", base+"/set", "")
	got := resp.Header.Values("Set-Cookie")
	if len(got) != 3 {
		t.Fatalf("Set-Cookie = %q, want 3", got)
	}
	if got[0] != "session=abc; Path=/; HttpOnly; Secure; SameSite=Lax" || got[1] != "pref=1; Path=/app; Domain=example.com; Max-Age=60" {
		t.Errorf("Set-Cookie = %q", got)
	}
	parsed := resp.Cookies()
	if len(parsed) != 3 || parsed[2].Name != "days" || parsed[2].Expires.Before(time.Now().Add(23*time.Hour)) {
		t.Errorf("cookies = %v, want days expiring in a day", parsed)
	}

	resp, _ = fetch(t, c, "GET", base+"/clear", "")
	cl := resp.Cookies()
	if len(cl) != 1 || cl[0].Value != "" || !cl[0].Expires.Before(time.Now()) || cl[0].Path != "/" {
		t.Errorf("ClearCookie sent %q", resp.Header.Values("Set-Cookie"))
	}

	resp, _ = fetch(t, c, "GET", base+"/clearall", "", "Cookie", "z=1; a=2")
	all := resp.Header.Values("Set-Cookie")
	if len(all) != 2 || !strings.HasPrefix(all[0], `a=""; Path=/p; Expires=`) || !strings.HasPrefix(all[1], `z=""; Path=/p`) {
		t.Errorf("ClearAllCookies sent %q", all)
	}

	for _, path := range []string{"/bad", "/badname"} {
		resp, _ = fetch(t, c, "GET", base+path, "")
		if resp.StatusCode != http.StatusInternalServerError || resp.Header.Get("Set-Cookie") != "" {
			t.Errorf("GET %s = %d Set-Cookie %q, want 500 and none", path, resp.StatusCode, resp.Header.Get("Set-Cookie"))
		}
	}
	r, ok := rec.find("Uncaught exception GET /bad")
	if !ok {
		t.Fatalf("bad cookie not logged: %q", rec.messages())
	}
	r.Attrs(func(a slogAttr) bool {
		if err, ok := a.Value.Any().(error); a.Key == "err" && (!ok || !errors.Is(err, httputil.ErrBadCookie)) {
			t.Errorf("logged error %v, want ErrBadCookie", a.Value)
		}
		return true
	})
}
