package web

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gotornado/tornado/httputil"
)

// streamConfig steers streamHandler; one is shared by every request of
// a test.
type streamConfig struct {
	max            int64         // SetMaxBodySize in Prepare
	timeout        time.Duration // SetBodyTimeout in Prepare
	pause          time.Duration // pause after each piece, resumed from a goroutine after this; 0: none
	pauseInPrepare time.Duration // pause in Prepare, resumed after this
	redirect       bool          // Prepare redirects
	failAfter      int64         // DataReceived returns failErr once this many bytes arrived
	failErr        error
	verbDelay      time.Duration // the verb answers from another goroutine after this

	prepared   atomic.Int64 // Prepare calls
	pieces     atomic.Int64 // DataReceived calls
	early      atomic.Int64 // pieces before Prepare, or while paused
	closes     atomic.Int64 // OnConnectionClose calls
	verbs      atomic.Int64 // verb calls
	events     chan string  // "close" and "verb", as they happen
	maxPiece   atomic.Int64
	bodyInVerb atomic.Int64 // len(Request().Body) seen by the verb
}

func newStreamConfig() *streamConfig { return &streamConfig{events: make(chan string, 16)} }

type streamHandler struct {
	RequestHandler
	cfg      *streamConfig
	n        int64
	sum      hash.Hash
	prepared bool
	paused   atomic.Bool
}

func (h *streamHandler) Prepare() error {
	c := h.cfg
	c.prepared.Add(1)
	h.prepared = true
	h.sum = sha256.New()
	if c.max > 0 {
		h.SetMaxBodySize(c.max)
	}
	if c.timeout != 0 {
		h.SetBodyTimeout(c.timeout)
	}
	if c.redirect {
		return h.Redirect("/elsewhere")
	}
	if c.pauseInPrepare > 0 {
		h.pauseFor(c.pauseInPrepare)
	}
	return nil
}

// pauseFor pauses the body and resumes it from another goroutine after d.
func (h *streamHandler) pauseFor(d time.Duration) {
	h.paused.Store(true)
	h.PauseBody()
	go func() {
		time.Sleep(d)
		h.paused.Store(false)
		h.ResumeBody()
	}()
}

func (h *streamHandler) DataReceived(b []byte) error {
	c := h.cfg
	c.pieces.Add(1)
	if !h.prepared || h.paused.Load() {
		c.early.Add(1)
	}
	if int64(len(b)) > c.maxPiece.Load() {
		c.maxPiece.Store(int64(len(b)))
	}
	h.n += int64(len(b))
	h.sum.Write(b)
	if c.failAfter > 0 && h.n >= c.failAfter {
		return c.failErr
	}
	if c.pause > 0 {
		h.pauseFor(c.pause)
	}
	return nil
}

func (h *streamHandler) answer() error {
	h.cfg.verbs.Add(1)
	h.cfg.bodyInVerb.Store(int64(len(h.Request().Body)))
	h.cfg.event("verb")
	answer := map[string]any{"bytes": h.n, "sha256": hex.EncodeToString(h.sum.Sum(nil))}
	if d := h.cfg.verbDelay; d > 0 {
		h.Asynchronous()
		go func() {
			time.Sleep(d)
			h.Finish(answer)
		}()
		return nil
	}
	return h.WriteJSON(answer)
}

func (h *streamHandler) Put() error  { return h.answer() }
func (h *streamHandler) Post() error { return h.answer() }

func (h *streamHandler) OnConnectionClose() {
	h.cfg.closes.Add(1)
	h.cfg.event("close")
}

func (c *streamConfig) event(ev string) {
	select {
	case c.events <- ev:
	default:
	}
}

var _ BodyStreamer = (*streamHandler)(nil)

func streamApp(cfg *streamConfig, settings Settings) *Application {
	return NewApplication([]Rule{
		RWith(`/stream`, func(h *streamHandler) { h.cfg = cfg }),
	}, settings)
}

// genReader yields n pseudo-random bytes, made as they are read, and
// hashes them.
type genReader struct {
	n   int64
	rng *rand.ChaCha8
	sum hash.Hash
}

func newGenReader(n int64, seed byte) *genReader {
	return &genReader{n: n, rng: rand.NewChaCha8([32]byte{seed}), sum: sha256.New()}
}

func (g *genReader) Read(b []byte) (int, error) {
	if g.n == 0 {
		return 0, io.EOF
	}
	if int64(len(b)) > g.n {
		b = b[:g.n]
	}
	g.rng.Read(b)
	g.sum.Write(b)
	g.n -= int64(len(b))
	return len(b), nil
}

// upload sends body as a PUT to /stream and decodes the answer.
func upload(t *testing.T, base string, body io.Reader, size int64) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest("PUT", base+"/stream", body)
	if err != nil {
		t.Fatal(err)
	}
	req.ContentLength = size
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	resp, err := (&http.Client{Transport: tr, Timeout: 2 * time.Minute}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var got map[string]any
	b, _ := io.ReadAll(resp.Body)
	json.Unmarshal(b, &got)
	return resp.StatusCode, got
}

// TestStreamBody: a streaming handler gets its body in pieces after
// Prepare, and its verb once all has arrived, with a declared length and
// chunked, under both servers; the request's Body stays empty.
func TestStreamBody(t *testing.T) {
	var cfg *streamConfig
	servers(t, func(t *testing.T) *Application {
		cfg = newStreamConfig()
		settings, _ := quietSettings(t)
		return streamApp(cfg, settings)
	}, func(t *testing.T, base string) {
		for _, size := range []int64{0, 1, 100 << 10, 3<<20 + 17} {
			for _, chunked := range []bool{false, true} {
				g := newGenReader(size, 1)
				declared := size
				var body io.Reader = g
				if chunked {
					declared, body = -1, io.MultiReader(g) // hides the length
				}
				code, got := upload(t, base, body, declared)
				want := hex.EncodeToString(g.sum.Sum(nil))
				if code != 200 || got["bytes"] != float64(size) || got["sha256"] != want {
					t.Errorf("PUT %d bytes (chunked %v) = %d %v, want 200 %d bytes %s", size, chunked, code, got, size, want)
				}
			}
		}
		if n := cfg.early.Load(); n > 0 {
			t.Errorf("%d pieces arrived before Prepare", n)
		}
		if n := cfg.bodyInVerb.Load(); n != 0 {
			t.Errorf("the verb saw a Body of %d bytes, want none", n)
		}
		if n := cfg.maxPiece.Load(); n > 128<<10 {
			t.Errorf("a piece of %d bytes: pieces should be about 64 KiB", n)
		}
	})
}

// TestStreamPause: a handler that pauses after every piece, resumed from
// another goroutine, sees no piece while paused and gets the whole body.
func TestStreamPause(t *testing.T) {
	var cfg *streamConfig
	servers(t, func(t *testing.T) *Application {
		cfg = newStreamConfig()
		cfg.pause = 200 * time.Microsecond
		settings, _ := quietSettings(t)
		return streamApp(cfg, settings)
	}, func(t *testing.T, base string) {
		const size = 4 << 20
		g := newGenReader(size, 2)
		code, got := upload(t, base, g, size)
		if want := hex.EncodeToString(g.sum.Sum(nil)); code != 200 || got["sha256"] != want {
			t.Fatalf("PUT = %d %v, want 200 with sha256 %s", code, got, want)
		}
		if n := cfg.early.Load(); n > 0 {
			t.Errorf("%d of %d pieces arrived while paused", n, cfg.pieces.Load())
		}
		if cfg.pieces.Load() < 8 {
			t.Errorf("only %d pieces for 4 MiB", cfg.pieces.Load())
		}
		if n := cfg.maxPiece.Load(); n > 128<<10 {
			// Pieces were gathered while paused instead of left unread.
			t.Errorf("a piece of %d bytes, want about 64 KiB", n)
		}
	})
}

// TestStreamPauseInPrepare: a body paused from Prepare is held back, a
// piece the server had read already included, until ResumeBody; an empty
// body's verb waits too.
func TestStreamPauseInPrepare(t *testing.T) {
	var cfg *streamConfig
	servers(t, func(t *testing.T) *Application {
		cfg = newStreamConfig()
		cfg.pauseInPrepare = 50 * time.Millisecond
		settings, _ := quietSettings(t)
		return streamApp(cfg, settings)
	}, func(t *testing.T, base string) {
		for _, size := range []int64{0, 10, 1 << 20} {
			g := newGenReader(size, 3)
			code, got := upload(t, base, g, size)
			if want := hex.EncodeToString(g.sum.Sum(nil)); code != 200 || got["sha256"] != want {
				t.Fatalf("PUT %d bytes = %d %v, want 200 with sha256 %s", size, code, got, want)
			}
		}
		if n := cfg.early.Load(); n > 0 {
			t.Errorf("%d pieces arrived while paused", n)
		}
	})
}

// rssBytes returns the resident set size of the process.
func rssBytes(t *testing.T) int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Skip("no /proc/self/status:", err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return kb << 10
		}
	}
	t.Skip("no VmRSS in /proc/self/status")
	return 0
}

// TestStreamSlowConsumerMemory: 256 MiB, made as they are sent and never
// stored, through a handler that pauses on every piece for a moment,
// leave the process's RSS within 64 MiB of where it started.
func TestStreamSlowConsumerMemory(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector's shadow memory makes RSS meaningless")
	}
	if testing.Short() {
		t.Skip("256 MiB upload")
	}
	var cfg *streamConfig
	servers(t, func(t *testing.T) *Application {
		cfg = newStreamConfig()
		cfg.pause = 50 * time.Microsecond
		cfg.max = 1 << 30
		settings, _ := quietSettings(t)
		return streamApp(cfg, settings)
	}, func(t *testing.T, base string) {
		runtime.GC()
		start := rssBytes(t)
		var peak atomic.Int64
		stop := make(chan struct{})
		done := make(chan struct{})
		go func() {
			defer close(done)
			for {
				if r := rssBytes(t); r > peak.Load() {
					peak.Store(r)
				}
				select {
				case <-stop:
					return
				case <-time.After(10 * time.Millisecond):
				}
			}
		}()
		const size = 256 << 20
		g := newGenReader(size, 4)
		began := time.Now()
		code, got := upload(t, base, g, size)
		close(stop)
		<-done
		if want := hex.EncodeToString(g.sum.Sum(nil)); code != 200 || got["sha256"] != want {
			t.Fatalf("PUT = %d %v, want 200 with sha256 %s", code, got, want)
		}
		grew := peak.Load() - start
		t.Logf("256 MiB in %d pieces, %v; RSS %d MiB at the start, peak +%d MiB", cfg.pieces.Load(), time.Since(began).Round(time.Millisecond), start>>20, grew>>20)
		if grew > 64<<20 {
			t.Errorf("RSS grew by %d MiB during the upload, want at most 64", grew>>20)
		}
		if n := cfg.early.Load(); n > 0 {
			t.Errorf("%d pieces arrived while paused", n)
		}
	})
}

// rawResponse sends raw on a new connection to base and reads one
// response; it reports whether the server closed the connection after it.
func rawResponse(t *testing.T, base, raw string) (*http.Response, string, bool) {
	t.Helper()
	conn := dialSend(t, base, raw, 10*time.Second)
	defer conn.Close()
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("reading the response: %v", err)
	}
	b, _ := io.ReadAll(resp.Body)
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, err = br.ReadByte()
	return resp, string(b), err == io.EOF
}

// TestStreamMaxBodySize: a limit set in Prepare answers a larger declared
// body with 413 before any of it is read, and a chunked one once it
// passes the limit; a body within it is read.
func TestStreamMaxBodySize(t *testing.T) {
	var cfg *streamConfig
	servers(t, func(t *testing.T) *Application {
		cfg = newStreamConfig()
		cfg.max = 100
		settings, _ := quietSettings(t)
		return streamApp(cfg, settings)
	}, func(t *testing.T, base string) {
		resp, _, _ := rawResponse(t, base, "PUT /stream HTTP/1.1\r\nHost: x\r\nContent-Length: 101\r\n\r\n")
		if resp.StatusCode != 413 {
			t.Errorf("declared 101 bytes: status %d, want 413", resp.StatusCode)
		}
		if n := cfg.pieces.Load(); n != 0 {
			t.Errorf("declared 101 bytes: %d pieces handed over, want none", n)
		}
		resp, _, _ = rawResponse(t, base, "PUT /stream HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"+
			"40\r\n"+strings.Repeat("a", 64)+"\r\n40\r\n"+strings.Repeat("b", 64)+"\r\n0\r\n\r\n")
		if resp.StatusCode != 413 {
			t.Errorf("chunked 128 bytes: status %d, want 413", resp.StatusCode)
		}
		if cfg.verbs.Load() != 0 {
			t.Errorf("the verb ran for a body over the limit")
		}
		resp, body, _ := rawResponse(t, base, "PUT /stream HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 100\r\n\r\n"+strings.Repeat("c", 100))
		if resp.StatusCode != 200 || !strings.Contains(body, `"bytes":100`) {
			t.Errorf("100 bytes: %d %q, want 200 with 100 bytes", resp.StatusCode, body)
		}
	})
}

// TestStreamPrepareAnswers: a Prepare that redirects stops the body from
// being read: the answer comes though the client sends none of its
// declared body, and the connection closes after it.
func TestStreamPrepareAnswers(t *testing.T) {
	var cfg *streamConfig
	servers(t, func(t *testing.T) *Application {
		cfg = newStreamConfig()
		cfg.redirect = true
		settings, _ := quietSettings(t)
		return streamApp(cfg, settings)
	}, func(t *testing.T, base string) {
		resp, _, closed := rawResponse(t, base, "PUT /stream HTTP/1.1\r\nHost: x\r\nContent-Length: 10000000\r\n\r\nsome")
		if resp.StatusCode != 302 || resp.Header.Get("Location") != "/elsewhere" {
			t.Errorf("status %d Location %q, want 302 /elsewhere", resp.StatusCode, resp.Header.Get("Location"))
		}
		if !closed {
			t.Error("the connection stayed open after an answer that left the body unread")
		}
		if n := cfg.pieces.Load(); n != 0 {
			t.Errorf("%d pieces handed to a handler that answered in Prepare", n)
		}
	})
}

// TestStreamDataReceivedError: an error from DataReceived ends the
// request with its status, or 500, and the rest of the body is not read.
func TestStreamDataReceivedError(t *testing.T) {
	for _, tt := range []struct {
		err  error
		code int
	}{
		{&HTTPError{Code: 422, LogMessage: "bad piece"}, 422},
		{errors.New("disk full"), 500},
	} {
		t.Run(strconv.Itoa(tt.code), func(t *testing.T) {
			var cfg *streamConfig
			servers(t, func(t *testing.T) *Application {
				cfg = newStreamConfig()
				cfg.failAfter, cfg.failErr = 1, tt.err
				settings, _ := quietSettings(t, "Uncaught exception PUT /stream")
				return streamApp(cfg, settings)
			}, func(t *testing.T, base string) {
				resp, _, closed := rawResponse(t, base, "PUT /stream HTTP/1.1\r\nHost: x\r\nContent-Length: 10000000\r\n\r\n"+strings.Repeat("x", 1000))
				if resp.StatusCode != tt.code {
					t.Errorf("status %d, want %d", resp.StatusCode, tt.code)
				}
				if !closed {
					t.Error("the connection stayed open with the body unread")
				}
				if cfg.verbs.Load() != 0 {
					t.Error("the verb ran after DataReceived failed")
				}
			})
		})
	}
}

// TestStreamClientLeaves: a client that goes away in the middle of its
// body: the handler's OnConnectionClose runs, its verb does not.
func TestStreamClientLeaves(t *testing.T) {
	for _, pause := range []time.Duration{0, time.Millisecond} {
		t.Run(fmt.Sprint("pause=", pause), func(t *testing.T) {
			var cfg *streamConfig
			servers(t, func(t *testing.T) *Application {
				cfg = newStreamConfig()
				cfg.pause = pause
				settings, _ := quietSettings(t)
				return streamApp(cfg, settings)
			}, func(t *testing.T, base string) {
				conn := dialSend(t, base, "PUT /stream HTTP/1.1\r\nHost: x\r\nContent-Length: 10000000\r\n\r\n"+strings.Repeat("x", 300<<10), 10*time.Second)
				for deadline := time.Now().Add(5 * time.Second); cfg.pieces.Load() == 0; time.Sleep(time.Millisecond) {
					if time.Now().After(deadline) {
						t.Fatal("no piece arrived")
					}
				}
				conn.Close()
				select {
				case ev := <-cfg.events:
					if ev != "close" {
						t.Fatalf("event %q, want close", ev)
					}
				case <-time.After(5 * time.Second):
					t.Fatal("OnConnectionClose did not run")
				}
				if cfg.verbs.Load() != 0 || cfg.closes.Load() != 1 {
					t.Errorf("%d verbs and %d OnConnectionClose, want 0 and 1", cfg.verbs.Load(), cfg.closes.Load())
				}
			})
		})
	}
}

// TestStreamBodyTimeout: a client that stops sending is answered 408
// once the body timeout Prepare set has passed.
func TestStreamBodyTimeout(t *testing.T) {
	var cfg *streamConfig
	servers(t, func(t *testing.T) *Application {
		cfg = newStreamConfig()
		cfg.timeout = 300 * time.Millisecond
		settings, _ := quietSettings(t)
		return streamApp(cfg, settings)
	}, func(t *testing.T, base string) {
		resp, _, closed := rawResponse(t, base, "PUT /stream HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\nonly a few bytes")
		if resp.StatusCode != 408 {
			t.Errorf("status %d, want 408", resp.StatusCode)
		}
		if !closed {
			t.Error("the connection stayed open after the timeout")
		}
		if cfg.verbs.Load() != 0 {
			t.Error("the verb ran without the body")
		}
	})
}

// TestStreamBodyTimeoutEndsWithBody: the body timeout stops once the body
// has arrived: a verb that answers later than it is not cut short.
func TestStreamBodyTimeoutEndsWithBody(t *testing.T) {
	var cfg *streamConfig
	servers(t, func(t *testing.T) *Application {
		cfg = newStreamConfig()
		cfg.timeout = 100 * time.Millisecond
		cfg.verbDelay = 400 * time.Millisecond
		settings, _ := quietSettings(t)
		return streamApp(cfg, settings)
	}, func(t *testing.T, base string) {
		g := newGenReader(1000, 6)
		code, got := upload(t, base, g, 1000)
		if want := hex.EncodeToString(g.sum.Sum(nil)); code != 200 || got["sha256"] != want {
			t.Errorf("PUT = %d %v, want 200 with sha256 %s", code, got, want)
		}
		if n := cfg.closes.Load(); n != 0 {
			t.Errorf("OnConnectionClose ran %d times for a client that waited", n)
		}
	})
}

// TestStreamMethodNotAllowed: a streaming handler without the request's
// verb answers 405 before the body is read.
func TestStreamMethodNotAllowed(t *testing.T) {
	servers(t, func(t *testing.T) *Application {
		settings, _ := quietSettings(t)
		return streamApp(newStreamConfig(), settings)
	}, func(t *testing.T, base string) {
		resp, _, _ := rawResponse(t, base, "PATCH /stream HTTP/1.1\r\nHost: x\r\nContent-Length: 10000000\r\n\r\n")
		if resp.StatusCode != 405 || resp.Header.Get("Allow") != "POST, PUT" {
			t.Errorf("status %d Allow %q, want 405 %q", resp.StatusCode, resp.Header.Get("Allow"), "POST, PUT")
		}
	})
}

// TestStreamXSRF: with XSRFCookies, a streamed POST is checked before
// Prepare; its token can come from the header or the query, not from the
// body, which is not parsed.
func TestStreamXSRF(t *testing.T) {
	servers(t, func(t *testing.T) *Application {
		settings, _ := quietSettings(t)
		settings.XSRFCookies = true
		cfg := newStreamConfig()
		return NewApplication([]Rule{
			RWith(`/stream`, func(h *streamHandler) { h.cfg = cfg }),
			fn(`/token`, func(h *funcHandler) error { return h.Finish(h.XSRFToken()) }),
		}, settings)
	}, func(t *testing.T, base string) {
		// A fresh connection for each request: after an answer that
		// leaves the body unread the server closes the connection.
		client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
		resp, token := fetch(t, client, "GET", base+"/token", "")
		cookie := resp.Header.Get("Set-Cookie")
		cookie, _, _ = strings.Cut(cookie, ";")
		form := url.Values{"_xsrf": {token}}.Encode()
		for _, tt := range []struct {
			name, query string
			header      []string
			want        int
		}{
			{"token in the body only", "", []string{"Content-Type", "application/x-www-form-urlencoded"}, 403},
			{"token in the header", "", []string{"X-Xsrftoken", token}, 200},
			{"token in the query", "?_xsrf=" + url.QueryEscape(token), nil, 200},
		} {
			resp, _ := fetch(t, client, "POST", base+"/stream"+tt.query, form, append([]string{"Cookie", cookie}, tt.header...)...)
			if resp.StatusCode != tt.want {
				t.Errorf("%s: status %d, want %d", tt.name, resp.StatusCode, tt.want)
			}
		}
	})
}

// TestStreamResumeFromStrangerIgnored: ResumeBody from another goroutine
// on a handler that never paused is refused with a log line, not run.
func TestStreamResumeFromStrangerIgnored(t *testing.T) {
	settings, rec := quietSettings(t, "web: ResumeBody called from another goroutine")
	var kept *RequestHandler
	f := func(h *funcHandler) error {
		kept = &h.RequestHandler
		return nil
	}
	// Not pooled, so that the handler still knows its Application.
	app := NewApplication([]Rule{{Pattern: `/`, New: func() Handler { return new(funcHandler) }, Args: Args{"f": f}}}, settings)
	serveFake(t, app, newRequest("GET", "/"), "")
	done := make(chan struct{})
	go func() {
		defer close(done)
		kept.ResumeBody()
	}()
	<-done
	if !rec.await("ERROR web: ResumeBody called from another goroutine") {
		t.Errorf("no error logged: %q", rec.messages())
	}
}

// BenchmarkStreamBody measures a streamed 1 MiB PUT over a socket.
func BenchmarkStreamBody(b *testing.B) {
	cfg := newStreamConfig()
	app := streamApp(cfg, Settings{Logger: quietLogger(b)})
	base := serveLoop(b, app)
	body := bytes.Repeat([]byte("x"), 1<<20)
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		resp, err := client.Post(base+"/stream", "application/octet-stream", bytes.NewReader(body))
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			b.Fatalf("status %d", resp.StatusCode)
		}
	}
}

// TestBodyLimitsNetHTTP: under net/http a body past
// httputil.DefaultMaxBodySize, or past http.MaxBytesHandler's limit, is
// answered 413, streamed or not.
func TestBodyLimitsNetHTTP(t *testing.T) {
	settings, _ := quietSettings(t)
	cfg := newStreamConfig()
	app := NewApplication([]Rule{
		RWith(`/stream`, func(h *streamHandler) { h.cfg = cfg }),
		fn(`/whole`, func(h *funcHandler) error { return h.Finish(strconv.Itoa(len(h.Request().Body))) }),
	}, settings)
	for _, tt := range []struct {
		name    string
		handler http.Handler
		size    int64
		want    int
	}{
		{"MaxBytesHandler", http.MaxBytesHandler(app, 1000), 1001, 413},
		{"MaxBytesHandler within", http.MaxBytesHandler(app, 1000), 1000, 200},
		{"default limit", app, httputil.DefaultMaxBodySize + 1, 413},
	} {
		srv := httptest.NewServer(tt.handler)
		for _, path := range []string{"/stream", "/whole"} {
			req, _ := http.NewRequest("PUT", srv.URL+path, newGenReader(tt.size, 5))
			req.ContentLength = -1 // chunked: the limit is found while reading
			if path == "/whole" {
				req.Method = "POST"
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatalf("%s %s: %v", tt.name, path, err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tt.want {
				t.Errorf("%s %s: %d bytes answered %d, want %d", tt.name, path, tt.size, resp.StatusCode, tt.want)
			}
		}
		http.DefaultClient.CloseIdleConnections()
		srv.Close()
	}
}
