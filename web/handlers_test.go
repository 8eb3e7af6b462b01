package web

import (
	"testing"
)

func TestRedirectHandler(t *testing.T) {
	settings, _ := quietSettings(t, "Uncaught exception ", "500 ")
	app := NewApplication([]Rule{
		R[RedirectHandler](`/python/(?P<day>[a-zA-Z0-9]+)/(?P<title>[a-zA-Z]+)`, Args{"url": "/index"}),
		R[RedirectHandler](`/swap/(.*?)/(.*?)/(.*)`, Args{"url": "/{1}/{0}/{2}"}),
		R[RedirectHandler](`/auto/(.*)/(.*)`, Args{"url": "/{}-{}"}),
		R[RedirectHandler](`/named/(?P<id>\d+)`, Args{"url": "/items/{id}?from={{named}}", "permanent": false}),
		R[RedirectHandler](`/bad/(.*)`, Args{"url": "/{5}"}),
		R[RedirectHandler](`/noargs`),
		R[RedirectHandler](`/badperm`, Args{"url": "/", "permanent": "yes"}),
	}, settings)
	base, c := serve(t, app)
	tests := []struct {
		method, path string
		code         int
		location     string
	}{
		{"GET", "/python/monday/tornado", 301, "/index"},
		{"HEAD", "/python/monday/tornado", 301, "/index"},
		{"POST", "/python/monday/tornado", 405, ""},
		{"GET", "/swap/a/b/c/d", 301, "/b/a/c/d"},
		{"GET", "/swap/a/b/c?x=1&y=2", 301, "/b/a/c?x=1&y=2"},
		{"GET", "/auto/a/b", 301, "/a-b"},
		{"GET", "/named/7", 302, "/items/7?from={named}"},
		{"GET", "/named/7?q=1", 302, "/items/7?from={named}&q=1"},
		{"GET", "/bad/x", 500, ""},
		{"GET", "/noargs", 500, ""},
		{"GET", "/badperm", 500, ""},
	}
	for _, tt := range tests {
		resp, _ := fetch(t, c, tt.method, base+tt.path, "")
		if resp.StatusCode != tt.code || resp.Header.Get("Location") != tt.location {
			t.Errorf("%s %s = %d %q, want %d %q", tt.method, tt.path, resp.StatusCode, resp.Header.Get("Location"), tt.code, tt.location)
		}
	}
}

func TestFormatURL(t *testing.T) {
	args := []string{"a", "b"}
	kwargs := map[string]string{"x": "X"}
	tests := []struct {
		tmpl, want string
		ok         bool
	}{
		{"/plain", "/plain", true},
		{"/{0}/{1}/{0}", "/a/b/a", true},
		{"/{}{}", "/ab", true},
		{"/{x}", "/X", true},
		{"/{{0}}", "/{0}", true},
		{"/{2}", "", false},
		{"/{y}", "", false},
		{"/{0", "", false},
		{"/}", "", false},
		{"/{-1}", "", false},
	}
	for _, tt := range tests {
		got, err := formatURL(tt.tmpl, args, kwargs)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("formatURL(%q) = %q, %v; want %q, ok %v", tt.tmpl, got, err, tt.want, tt.ok)
		}
	}
}

func TestErrorHandler(t *testing.T) {
	settings, _ := quietSettings(t, "Uncaught exception ", "500 ")
	app := NewApplication([]Rule{
		R[ErrorHandler](`/gone`, Args{"status_code": 410}),
		R[ErrorHandler](`/bad`),
	}, settings)
	for path, code := range map[string]int{"/gone": 410, "/bad": 500} {
		for _, method := range []string{"GET", "POST"} {
			if c := serveFake(t, app, newRequest(method, path), ""); c.code != code {
				t.Errorf("%s %s = %d, want %d", method, path, c.code, code)
			}
		}
	}
}
