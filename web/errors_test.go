package web

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
)

func TestErrors(t *testing.T) {
	settings, rec := quietSettings(t, "Uncaught ", "Cannot send error response after headers written GET /afterflush")
	app := NewApplication([]Rule{
		fn(`/send`, func(h *funcHandler) error {
			h.WriteString("discarded")
			h.SetHeader("X-Discarded", "1")
			h.SendError(503, nil)
			return nil
		}),
		fn(`/httperror`, func(h *funcHandler) error { return &HTTPError{Code: 403} }),
		fn(`/reason`, func(h *funcHandler) error { return &HTTPError{Code: 418, Reason: "Short & Stout"} }),
		fn(`/unknown`, func(h *funcHandler) error { return &HTTPError{Code: 599} }),
		fn(`/logged`, func(h *funcHandler) error {
			return &HTTPError{Code: 400, LogMessage: "bad widget", Err: io.ErrUnexpectedEOF}
		}),
		fn(`/wrapped`, func(h *funcHandler) error { return fmt.Errorf("loading: %w", &HTTPError{Code: 404}) }),
		fn(`/plain`, func(h *funcHandler) error { return errors.New("database down") }),
		fn(`/panic`, func(h *funcHandler) error { panic("kaboom") }),
		fn(`/nilmap`, func(h *funcHandler) error {
			var m map[string]int
			m["x"] = 1
			return nil
		}),
		fn(`/afterflush`, func(h *funcHandler) error {
			h.WriteString("partial")
			h.Flush(nil)
			return errors.New("late failure")
		}),
		fn(`/errorafterfinish`, func(h *funcHandler) error {
			h.WriteString("done")
			h.Finish()
			return errors.New("after finish")
		}),
	}, settings)
	base, c := serve(t, app)
	page := func(code int, msg string) string {
		return fmt.Sprintf("<html><title>%d: %s</title><body>%d: %s</body></html>", code, msg, code, msg)
	}
	tests := []struct {
		path string
		code int
		body string
		log  string
	}{
		{"/send", 503, page(503, "Service Unavailable"), "ERROR 503 GET /send (127.0.0.1)"},
		{"/httperror", 403, page(403, "Forbidden"), "WARN 403 GET /httperror (127.0.0.1)"},
		{"/reason", 418, page(418, "Short &amp; Stout"), ""},
		{"/unknown", 599, page(599, "Unknown"), ""},
		{"/logged", 400, page(400, "Bad Request"), "WARN 400 GET /logged (127.0.0.1): bad widget: unexpected EOF"},
		{"/wrapped", 404, page(404, "Not Found"), ""},
		{"/plain", 500, page(500, "Internal Server Error"), "ERROR Uncaught exception GET /plain (127.0.0.1)"},
		{"/panic", 500, page(500, "Internal Server Error"), "ERROR Uncaught panic GET /panic (127.0.0.1)"},
		{"/nilmap", 500, page(500, "Internal Server Error"), "ERROR Uncaught panic GET /nilmap (127.0.0.1)"},
		{"/afterflush", 200, "partial", "ERROR Cannot send error response after headers written GET /afterflush (127.0.0.1)"},
		{"/errorafterfinish", 200, "done", "ERROR Uncaught exception GET /errorafterfinish (127.0.0.1)"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			resp, body := fetch(t, c, "GET", base+tt.path, "")
			if resp.StatusCode != tt.code || body != tt.body {
				t.Errorf("GET %s = %d %q, want %d %q", tt.path, resp.StatusCode, body, tt.code, tt.body)
			}
			if resp.Header.Get("X-Discarded") != "" {
				t.Errorf("GET %s kept a header set before the error", tt.path)
			}
			if tt.log != "" && !rec.await(tt.log) { // the response may arrive before the verb returns
				t.Errorf("GET %s: no log %q in %q", tt.path, tt.log, rec.messages())
			}
		})
	}
	// The server lives on after the panics.
	for i := 0; i < 3; i++ {
		if resp, _ := fetch(t, c, "GET", base+"/httperror", ""); resp.StatusCode != 403 {
			t.Fatalf("GET /httperror after panics = %d", resp.StatusCode)
		}
	}
	r, ok := rec.find("Uncaught panic GET /panic")
	if !ok {
		t.Fatal("panic not logged")
	}
	var stack string
	r.Attrs(func(a slogAttr) bool {
		if a.Key == "stack" {
			stack = a.Value.String()
		}
		return true
	})
	if !strings.Contains(stack, "errors_test.go") {
		t.Errorf("panic log has no stack: %q", stack)
	}
}

func contains(list []string, prefix string) bool {
	for _, s := range list {
		if strings.HasPrefix(s, prefix) {
			return true
		}
	}
	return false
}

func TestServeTraceback(t *testing.T) {
	settings, _ := quietSettings(t, "Uncaught ")
	settings.Debug = true
	app := NewApplication([]Rule{
		fn(`/panic`, func(h *funcHandler) error { panic("kaboom") }),
		fn(`/err`, func(h *funcHandler) error { return errors.New("database down") }),
		fn(`/send`, func(h *funcHandler) error { h.SendError(404, nil); return nil }),
	}, settings)
	base, c := serve(t, app)
	resp, body := fetch(t, c, "GET", base+"/panic", "")
	if resp.StatusCode != 500 || !strings.HasPrefix(body, "panic: kaboom\n") || !strings.Contains(body, "goroutine") ||
		!strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") {
		t.Errorf("GET /panic in debug = %d %s %q", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	if _, body := fetch(t, c, "GET", base+"/err", ""); body != "database down\n" {
		t.Errorf("GET /err in debug body = %q", body)
	}
	if _, body := fetch(t, c, "GET", base+"/send", ""); !strings.HasPrefix(body, "<html>") {
		t.Errorf("SendError(404, nil) in debug body = %q, want the page", body)
	}
}

// customError overrides WriteError.
type customError struct{ RequestHandler }

func (h *customError) Get() error  { return &HTTPError{Code: 404} }
func (h *customError) Post() error { return errors.New("x") }
func (h *customError) Put() error  { panic("in put") }
func (h *customError) WriteError(code int, err error) {
	if code == 500 {
		h.RequestHandler.WriteError(code, err)
		return
	}
	h.WriteJSON(map[string]any{"code": code, "error": err.Error()})
	h.Finish()
}

// panickyError panics in WriteError.
type panickyError struct{ RequestHandler }

func (h *panickyError) Get() error                   { return &HTTPError{Code: 409} }
func (h *panickyError) WriteError(code int, _ error) { panic("no page") }

func TestWriteErrorOverride(t *testing.T) {
	settings, rec := quietSettings(t, "Uncaught ")
	app := NewApplication([]Rule{R[customError](`/`), R[panickyError](`/p`)}, settings)
	base, c := serve(t, app)
	resp, body := fetch(t, c, "GET", base+"/", "")
	if resp.StatusCode != 404 || body != `{"code":404,"error":"HTTP 404: Not Found"}` {
		t.Errorf("GET / = %d %q", resp.StatusCode, body)
	}
	if resp, body := fetch(t, c, "POST", base+"/", ""); resp.StatusCode != 500 || !strings.Contains(body, "500: Internal Server Error") {
		t.Errorf("POST / = %d %q, want the default page", resp.StatusCode, body)
	}
	if resp, _ := fetch(t, c, "PUT", base+"/", ""); resp.StatusCode != 500 {
		t.Errorf("PUT / = %d", resp.StatusCode)
	}
	if resp, body := fetch(t, c, "GET", base+"/p", ""); resp.StatusCode != 409 || body != "" {
		t.Errorf("GET /p = %d %q, want 409 and no body", resp.StatusCode, body)
	}
	if _, ok := rec.find("Uncaught panic in WriteError GET /p"); !ok {
		t.Errorf("panic in WriteError not logged: %q", rec.messages())
	}
}

func TestHTTPErrorString(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{&HTTPError{Code: 404}, "HTTP 404: Not Found"},
		{&HTTPError{Code: 599}, "HTTP 599: Unknown"},
		{&HTTPError{Code: 400, Reason: "Nope", LogMessage: "x=1"}, "HTTP 400: Nope (x=1)"},
		{&HTTPError{Code: 500, Err: io.EOF}, "HTTP 500: Internal Server Error: EOF"},
		{&MissingArgumentError{Name: "q"}, "HTTP 400: Bad Request (Missing argument q)"},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
	if !errors.Is(&HTTPError{Code: 500, Err: io.EOF}, io.EOF) {
		t.Error("HTTPError does not unwrap to Err")
	}
}
