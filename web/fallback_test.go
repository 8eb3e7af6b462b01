package web

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

func fallbackMux(cancelled chan struct{}) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/legacy/echo", func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("X-Legacy", "yes")
		w.WriteHeader(http.StatusAccepted)
		fmt.Fprintf(w, "%s %s %s host=%s q=%s hdr=%s", r.Method, r.URL.Path, body, r.Host, r.URL.Query().Get("q"), r.Header.Get("X-In"))
	})
	mux.HandleFunc("/legacy/big", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		for i := 0; i < 3; i++ {
			w.Write([]byte(strings.Repeat(string(rune('a'+i)), 3000)))
		}
		w.(http.Flusher).Flush()
		w.Write([]byte("end"))
	})
	mux.HandleFunc("/legacy/sniff", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("<html><body>hi</body></html>"))
	})
	mux.HandleFunc("/legacy/panic", func(w http.ResponseWriter, r *http.Request) { panic("legacy boom") })
	mux.HandleFunc("/legacy/wait", func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
		close(cancelled)
	})
	return mux
}

func TestFallbackNetHTTP(t *testing.T) {
	settings, rec := quietSettings(t, "Uncaught ")
	app := NewApplication([]Rule{
		R[getOnly](`/native`),
		R[FallbackHandler](`/legacy/.*`, Args{"fallback": fallbackMux(nil)}),
		R[FallbackHandler](`/nofallback`),
	}, settings)
	base, c := serve(t, app)
	resp, body := fetch(t, c, "PUT", base+"/legacy/echo?q=1", "payload", "X-In", "in")
	if resp.StatusCode != 202 || resp.Header.Get("X-Legacy") != "yes" || !strings.HasPrefix(body, "PUT /legacy/echo payload host=127.0.0.1:") ||
		!strings.HasSuffix(body, "q=1 hdr=in") {
		t.Errorf("PUT /legacy/echo = %d %v %q", resp.StatusCode, resp.Header, body)
	}
	if resp, _ := fetch(t, c, "PROPFIND", base+"/legacy/echo", ""); resp.StatusCode != 202 {
		t.Errorf("PROPFIND /legacy/echo = %d, want 202", resp.StatusCode)
	}
	if resp, body := fetch(t, c, "GET", base+"/legacy/big", ""); resp.StatusCode != 200 || len(body) != 9003 {
		t.Errorf("GET /legacy/big = %d, %d bytes", resp.StatusCode, len(body))
	}
	if resp, _ := fetch(t, c, "GET", base+"/legacy/panic", ""); resp.StatusCode != 500 {
		t.Errorf("GET /legacy/panic = %d, want 500", resp.StatusCode)
	}
	if resp, _ := fetch(t, c, "GET", base+"/nofallback", ""); resp.StatusCode != 500 {
		t.Errorf("GET /nofallback = %d, want 500", resp.StatusCode)
	}
	if resp, body := fetch(t, c, "GET", base+"/native", ""); resp.StatusCode != 200 || body != "body of get" {
		t.Errorf("GET /native after fallbacks = %d %q", resp.StatusCode, body)
	}
	if !contains(rec.messages(), "INFO 202 PUT /legacy/echo?q=1 (127.0.0.1)") {
		t.Errorf("fallback request not logged with its status: %q", rec.messages())
	}
}

func TestFallbackLoop(t *testing.T) {
	settings, rec := quietSettings(t, "Uncaught ")
	cancelled := make(chan struct{})
	app := NewApplication([]Rule{R[FallbackHandler](`/legacy/.*`, Args{"fallback": fallbackMux(cancelled)})}, settings)

	c := serveFake(t, app, newRequest("POST", "/legacy/echo?q=2", "Host", "example.com:81", "X-In", "v"), "data")
	if c.code != 202 || c.header.Get("X-Legacy") != "yes" || c.header.Get("Content-Length") != fmt.Sprint(c.body.Len()) ||
		c.body.String() != "POST /legacy/echo data host=example.com:81 q=2 hdr=v" {
		t.Errorf("POST /legacy/echo = %d %v %q", c.code, c.header, c.body.String())
	}

	c = serveFake(t, app, newRequest("GET", "/legacy/big"), "")
	if c.code != 200 || c.body.Len() != 9003 || c.header.Has("Content-Length") || c.writes < 3 {
		t.Errorf("GET /legacy/big = %d, %d bytes in %d writes, Content-Length %q; want streamed",
			c.code, c.body.Len(), c.writes, c.header.Get("Content-Length"))
	}

	c = serveFake(t, app, newRequest("HEAD", "/legacy/sniff"), "")
	if c.code != 200 || c.body.Len() != 0 || c.header.Get("Content-Type") != "text/html; charset=utf-8" || c.header.Get("Content-Length") != "28" {
		t.Errorf("HEAD /legacy/sniff = %d %v %q", c.code, c.header, c.body.String())
	}

	c = serveFake(t, app, newRequest("GET", "/legacy/panic"), "")
	if c.code != 500 || !strings.Contains(c.body.String(), "500: Internal Server Error") {
		t.Errorf("GET /legacy/panic = %d %q", c.code, c.body.String())
	}
	if _, ok := rec.find("Uncaught panic in fallback GET /legacy/panic"); !ok {
		t.Errorf("fallback panic not logged: %q", rec.messages())
	}

	// The client goes away: the fallback's context is cancelled.
	fc := newFakeConn()
	d := app.StartRequest(fc)
	d.HeadersReceived(newRequest("GET", "/legacy/wait"))
	d.Finish()
	fc.onClose()
	select {
	case <-cancelled:
	case <-time.After(5 * time.Second):
		t.Fatal("fallback context not cancelled when the client left")
	}
	fc.run(t)
}
