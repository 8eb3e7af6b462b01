package web

import (
	"net/http"
	"path/filepath"
	"strings"
	"testing"
)

// tracebackHandler fails in the ways an error page reports.
type tracebackHandler struct{ RequestHandler }

func (h *tracebackHandler) Get() error {
	if h.PathArgs()[0] == "panic" {
		explode()
	}
	return &HTTPError{Code: 403, LogMessage: "no entry"}
}

func explode() { panic("boom") }

// With ServeTraceback, or Debug, an error page is the error as text and,
// for a panic, the panicking goroutine's stack (Tornado's serve_traceback);
// without, it is the HTML page that shows neither.
func TestDebugServeTraceback(t *testing.T) {
	const page500 = "<html><title>500: Internal Server Error</title><body>500: Internal Server Error</body></html>"
	const page403 = "<html><title>403: Forbidden</title><body>403: Forbidden</body></html>"
	modes := []struct {
		name      string
		settings  func(*Settings)
		traceback bool
	}{
		{"ServeTraceback", func(s *Settings) { s.ServeTraceback = true }, true},
		{"Debug", func(s *Settings) { s.Debug = true }, true},
		{"neither", func(*Settings) {}, false},
	}
	for _, mode := range modes {
		t.Run(mode.name, func(t *testing.T) {
			app := func(t *testing.T) *Application {
				settings, _ := quietSettings(t, "Uncaught panic GET /panic", "500 GET /panic")
				mode.settings(&settings)
				return NewApplication([]Rule{R[tracebackHandler](`/(panic|forbidden)`)}, settings)
			}
			servers(t, app, func(t *testing.T, base string) {
				c := &http.Client{}
				defer c.CloseIdleConnections()
				resp, body := fetch(t, c, "GET", base+"/panic", "")
				ct := resp.Header.Get("Content-Type")
				if resp.StatusCode != 500 {
					t.Errorf("GET /panic = %d, want 500", resp.StatusCode)
				}
				switch {
				case mode.traceback && (ct != "text/plain; charset=UTF-8" || !strings.HasPrefix(body, "panic: boom\n") ||
					!strings.Contains(body, "goroutine ") || !strings.Contains(body, "web.explode(") ||
					!strings.Contains(body, "debug_test.go:")):
					t.Errorf("GET /panic = %s %q, want the panic and its stack as text", ct, body)
				case !mode.traceback && (strings.HasPrefix(ct, "text/plain") || body != page500):
					t.Errorf("GET /panic = %s %q, want the page", ct, body)
				}

				resp, body = fetch(t, c, "GET", base+"/forbidden", "")
				ct = resp.Header.Get("Content-Type")
				if resp.StatusCode != 403 {
					t.Errorf("GET /forbidden = %d, want 403", resp.StatusCode)
				}
				want, wantCT := page403, "text/html; charset=UTF-8"
				if mode.traceback {
					want, wantCT = "HTTP 403: Forbidden (no entry)\n", "text/plain; charset=UTF-8"
				}
				if body != want || ct != wantCT {
					t.Errorf("GET /forbidden = %s %q, want %s %q", ct, body, wantCT, want)
				}
			})
		})
	}
}

// Debug or Autoreload hands TemplatePath and StaticPath to autoreload,
// which does not start in a test binary: the Application serves as usual,
// and a path that cannot be watched is a warning, not a failure.
func TestDebugAutoreloadSettings(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name     string
		settings Settings
		warned   bool
	}{
		{"debug", Settings{Debug: true, TemplatePath: dir, StaticPath: dir}, false},
		{"autoreload", Settings{Autoreload: true, TemplatePath: dir}, false},
		{"missing path", Settings{Debug: true, StaticPath: filepath.Join(dir, "absent")}, true},
		{"off", Settings{StaticPath: filepath.Join(dir, "absent")}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			settings, rec := quietSettings(t)
			tt.settings.Logger = settings.Logger
			app := NewApplication([]Rule{fn(`/`, func(h *funcHandler) error { return h.Finish("ok") })}, tt.settings)
			if _, ok := rec.find("autoreload: cannot watch"); ok != tt.warned {
				t.Errorf("warning logged = %v, want %v: %q", ok, tt.warned, rec.messages())
			}
			base, c := serve(t, app)
			if resp, body := fetch(t, c, "GET", base+"/", ""); resp.StatusCode != 200 || body != "ok" {
				t.Errorf("GET / = %d %q", resp.StatusCode, body)
			}
		})
	}
}
