package web

import (
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/gotornado/tornado/ioloop"
)

// verbHandler answers every verb with its name.
type verbHandler struct{ RequestHandler }

func (h *verbHandler) Get() error     { return h.Finish("get") }
func (h *verbHandler) Head() error    { h.SetHeader("X-Head", "yes"); return nil }
func (h *verbHandler) Post() error    { return h.Finish("post " + string(h.Request().Body)) }
func (h *verbHandler) Delete() error  { return h.Finish("delete") }
func (h *verbHandler) Patch() error   { return h.Finish("patch") }
func (h *verbHandler) Put() error     { return h.Finish("put") }
func (h *verbHandler) Options() error { h.SetStatus(204); return nil }

// getOnly has only Get.
type getOnly struct{ RequestHandler }

func (h *getOnly) Get() error { return h.Finish("body of get") }

// postOnly has only Post.
type postOnly struct{ RequestHandler }

func (h *postOnly) Post() error { return nil }

func TestVerbs(t *testing.T) {
	settings, _ := quietSettings(t)
	app := NewApplication([]Rule{
		R[verbHandler](`/all`),
		R[getOnly](`/get`),
		R[postOnly](`/post`),
		R[RequestHandler](`/none`),
	}, settings)
	base, c := serve(t, app)
	tests := []struct {
		method, path string
		code         int
		body, allow  string
	}{
		{"GET", "/all", 200, "get", ""},
		{"POST", "/all", 200, "post data", ""},
		{"DELETE", "/all", 200, "delete", ""},
		{"PATCH", "/all", 200, "patch", ""},
		{"PUT", "/all", 200, "put", ""},
		{"OPTIONS", "/all", 204, "", ""},
		{"HEAD", "/all", 200, "", ""},
		{"HEAD", "/get", 200, "", ""},
		{"POST", "/get", 405, "", "GET, HEAD"},
		{"DELETE", "/get", 405, "", "GET, HEAD"},
		{"OPTIONS", "/get", 405, "", "GET, HEAD"},
		{"GET", "/post", 405, "", "POST"},
		{"GET", "/none", 405, "", ""},
		{"PROPFIND", "/all", 405, "", "GET, HEAD, POST, DELETE, PATCH, PUT, OPTIONS"},
	}
	for _, tt := range tests {
		t.Run(tt.method+tt.path, func(t *testing.T) {
			resp, body := fetch(t, c, tt.method, base+tt.path, "data")
			if resp.StatusCode != tt.code {
				t.Fatalf("%s %s = %d, want %d", tt.method, tt.path, resp.StatusCode, tt.code)
			}
			if tt.code == 200 && body != tt.body {
				t.Errorf("%s %s body = %q, want %q", tt.method, tt.path, body, tt.body)
			}
			if got := resp.Header.Get("Allow"); got != tt.allow {
				t.Errorf("%s %s Allow = %q, want %q", tt.method, tt.path, got, tt.allow)
			}
		})
	}
	t.Run("HEAD runs Head", func(t *testing.T) {
		resp, _ := fetch(t, c, "HEAD", base+"/all", "")
		if resp.Header.Get("X-Head") != "yes" {
			t.Errorf("HEAD /all did not run Head: headers %v", resp.Header)
		}
	})
	t.Run("HEAD through Get keeps Content-Length", func(t *testing.T) {
		resp, body := fetch(t, c, "HEAD", base+"/get", "")
		if resp.ContentLength != int64(len("body of get")) || body != "" {
			t.Errorf("HEAD /get: Content-Length %d body %q, want %d and no body", resp.ContentLength, body, len("body of get"))
		}
		get, _ := fetch(t, c, "GET", base+"/get", "")
		if resp.Header.Get("Etag") == "" || resp.Header.Get("Etag") != get.Header.Get("Etag") {
			t.Errorf("HEAD Etag %q, GET Etag %q: want equal", resp.Header.Get("Etag"), get.Header.Get("Etag"))
		}
	})
}

// lifecycleHandler records the order of its hooks.
type lifecycleHandler struct {
	RequestHandler
	log     *[]string
	finishP bool
	redirP  bool
}

func (h *lifecycleHandler) Initialize(args Args) error {
	h.log = args["log"].(*[]string)
	*h.log = append(*h.log, "initialize")
	h.finishP = h.Request().Query == "finish"
	h.redirP = h.Request().Query == "redirect"
	return nil
}

func (h *lifecycleHandler) SetDefaultHeaders() { h.SetHeader("Server", "Custom") }

func (h *lifecycleHandler) Prepare() error {
	*h.log = append(*h.log, "prepare")
	switch {
	case h.finishP:
		h.SetStatus(202)
		h.WriteString("early")
		return h.Finish()
	case h.redirP:
		return h.Redirect("/elsewhere")
	}
	return nil
}

func (h *lifecycleHandler) Get() error {
	*h.log = append(*h.log, "get")
	return h.Finish("got")
}

func (h *lifecycleHandler) OnFinish() {
	*h.log = append(*h.log, "on_finish")
	if _, err := h.WriteString("too late"); !errors.Is(err, ErrFinished) {
		*h.log = append(*h.log, "write after finish: "+errString(err))
	}
}

func errString(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}

func TestLifecycle(t *testing.T) {
	var log []string
	settings, _ := quietSettings(t)
	app := NewApplication([]Rule{R[lifecycleHandler](`/x`, Args{"log": &log})}, settings)
	tests := []struct {
		query string
		code  int
		body  string
		log   string
	}{
		{"", 200, "got", "initialize prepare get on_finish"},
		{"finish", 202, "early", "initialize prepare on_finish"},
		{"redirect", 302, "", "initialize prepare on_finish"},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			log = nil
			c := serveFake(t, app, newRequest("GET", "/x?"+tt.query), "")
			if c.code != tt.code || c.body.String() != tt.body {
				t.Errorf("GET /x?%s = %d %q, want %d %q", tt.query, c.code, c.body.String(), tt.code, tt.body)
			}
			if got := strings.Join(log, " "); got != tt.log {
				t.Errorf("GET /x?%s hooks = %q, want %q", tt.query, got, tt.log)
			}
			if got := c.header.Get("Server"); got != "Custom" {
				t.Errorf("Server = %q, want Custom (SetDefaultHeaders)", got)
			}
		})
	}
}

// failingInit fails in Initialize.
type failingInit struct{ RequestHandler }

func (h *failingInit) Initialize(Args) error { return errors.New("no database") }
func (h *failingInit) Get() error            { panic("not reached") }

func TestInitializeError(t *testing.T) {
	settings, rec := quietSettings(t, "Uncaught exception ", "500 ")
	app := NewApplication([]Rule{R[failingInit](`/x`)}, settings)
	c := serveFake(t, app, newRequest("GET", "/x"), "")
	if c.code != 500 {
		t.Errorf("GET /x = %d, want 500", c.code)
	}
	if _, ok := rec.find("Uncaught exception GET /x (127.0.0.1)"); !ok {
		t.Errorf("error not logged; logs: %q", rec.messages())
	}
}

func TestBadNew(t *testing.T) {
	settings, _ := quietSettings(t, "Uncaught exception ", "500 ")
	app := NewApplication([]Rule{
		{Pattern: `/nil`, New: func() Handler { return nil }},
		{Pattern: `/panic`, New: func() Handler { panic("boom") }},
		{Pattern: `/nilptr`, New: func() Handler { return (*getOnly)(nil) }},
	}, settings)
	for _, path := range []string{"/nil", "/panic", "/nilptr"} {
		if c := serveFake(t, app, newRequest("GET", path), ""); c.code != 500 {
			t.Errorf("GET %s = %d, want 500", path, c.code)
		}
	}
}

// countingHandler counts requests to check a fresh handler serves each.
type countingHandler struct {
	RequestHandler
	n int
}

var handlersMade atomic.Int32

func (h *countingHandler) Get() error {
	handlersMade.Add(1)
	h.n++
	if h.n != 1 {
		return errors.New("handler reused")
	}
	return nil
}

func TestFreshHandlerPerRequest(t *testing.T) {
	handlersMade.Store(0)
	settings, _ := quietSettings(t)
	app := NewApplication([]Rule{R[countingHandler](`/`)}, settings)
	base, c := serve(t, app)
	for i := 0; i < 3; i++ {
		if resp, _ := fetch(t, c, "GET", base+"/", ""); resp.StatusCode != http.StatusOK {
			t.Fatalf("GET / #%d = %d", i, resp.StatusCode)
		}
	}
	if n := handlersMade.Load(); n != 3 {
		t.Errorf("handlers made = %d, want 3", n)
	}
}

// loopFakeConn is a fakeConn that runs on a loop.
type loopFakeConn struct {
	*fakeConn
	loop *ioloop.Loop
}

func (c loopFakeConn) Loop() *ioloop.Loop { return c.loop }

func TestLoop(t *testing.T) {
	var got atomic.Pointer[ioloop.Loop]
	app := NewApplication([]Rule{fn(`/`, func(h *funcHandler) error { got.Store(h.Loop()); return nil })}, Settings{Logger: quietLogger(t)})
	loop := new(ioloop.Loop) // only compared, never started
	c := loopFakeConn{newFakeConn(), loop}
	d := app.StartRequest(c)
	d.HeadersReceived(newRequest("GET", "/"))
	d.Finish()
	c.run(t)
	if got.Load() != loop {
		t.Errorf("Loop() = %p, want the Connection's loop %p", got.Load(), loop)
	}
	base, client := serve(t, app)
	fetch(t, client, "GET", base+"/", "")
	if got.Load() != nil {
		t.Errorf("Loop() under net/http = %p, want nil", got.Load())
	}
}
