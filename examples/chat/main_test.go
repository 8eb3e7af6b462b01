package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gotornado/tornado/httpserver"
	"github.com/gotornado/tornado/internal/leakcheck"
)

// runMainEnv makes the test binary run main with the arguments in
// chatArgsEnv (space-separated): TestCommand runs the chat that way.
const (
	runMainEnv  = "CHAT_TEST_RUN_MAIN"
	chatArgsEnv = "CHAT_TEST_ARGS"
)

func TestMain(m *testing.M) {
	if os.Getenv(runMainEnv) == "1" {
		os.Args = append([]string{"chat"}, strings.Fields(os.Getenv(chatArgsEnv))...)
		main()
		os.Exit(0)
	}
	quietRedis(slog.New(slog.DiscardHandler))
	leakcheck.Main(m)
}

// logRecorder is a slog.Handler keeping the records at Info level and
// above. With failOnError set, a record at Error level fails the test.
type logRecorder struct {
	t           *testing.T
	failOnError bool

	mu      sync.Mutex
	records []slog.Record
}

func (l *logRecorder) Enabled(_ context.Context, lv slog.Level) bool { return lv >= slog.LevelInfo }
func (l *logRecorder) Handle(_ context.Context, r slog.Record) error {
	if l.failOnError && r.Level >= slog.LevelError {
		l.t.Errorf("error logged: %s", r.Message)
	}
	l.mu.Lock()
	l.records = append(l.records, r.Clone())
	l.mu.Unlock()
	return nil
}
func (l *logRecorder) WithAttrs([]slog.Attr) slog.Handler { return l }
func (l *logRecorder) WithGroup(string) slog.Handler      { return l }

// count returns how many records at level lv hold substr in their
// message.
func (l *logRecorder) count(lv slog.Level, substr string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, r := range l.records {
		if r.Level == lv && strings.Contains(r.Message, substr) {
			n++
		}
	}
	return n
}

// testChat is a chat served by httpserver on 127.0.0.1 for one test.
type testChat struct {
	t   *testing.T
	url string
	buf *MessageBuffer
	srv *httpserver.Server
	log *logRecorder
}

// startChat serves a chat on loops loops, with bus (nil: in memory) on
// buf (nil: a new one). Error logs fail the test unless the bus is a
// RedisBus, whose outages the tests cause.
func startChat(t *testing.T, loops int, buf *MessageBuffer, bus Bus, log *logRecorder) *testChat {
	t.Helper()
	if buf == nil {
		buf = NewMessageBuffer(cacheSize)
	}
	if log == nil {
		log = &logRecorder{t: t, failOnError: true}
	}
	logger := slog.New(log)
	app := newApplication(Config{Buffer: buf, Bus: bus, Root: resourceDir(), Logger: logger})
	srv := &httpserver.Server{Handler: app, Loops: loops, Logger: logger}
	srv.RegisterOnShutdown(buf.Close)
	if err := srv.Listen("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve() }()
	c := &testChat{t: t, url: "http://" + srv.Addr().String(), buf: buf, srv: srv, log: log}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		c.srv.Shutdown(ctx)
		if err := <-served; !errors.Is(err, httpserver.ErrServerClosed) {
			t.Errorf("Serve: %v", err)
		}
	})
	return c
}

// chatClient is a browser-like client of one chat: it keeps cookies,
// does not follow redirects, and sends the _xsrf cookie's value back in
// each post, as chat.js does.
type chatClient struct {
	t      *testing.T
	base   string
	jar    *cookiejar.Jar
	client *http.Client
}

// newClient returns a client of c that has loaded the page (and so holds
// an _xsrf cookie).
func newClient(t *testing.T, base string) *chatClient {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	tr := &http.Transport{}
	cl := &chatClient{t: t, base: base, jar: jar, client: &http.Client{
		Jar:           jar,
		Timeout:       20 * time.Second,
		Transport:     tr,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
	t.Cleanup(tr.CloseIdleConnections)
	cl.get("/", http.StatusOK)
	if cl.xsrf() == "" {
		t.Fatal("GET / set no _xsrf cookie")
	}
	return cl
}

// xsrf returns the _xsrf cookie's value.
func (c *chatClient) xsrf() string {
	u, _ := url.Parse(c.base)
	for _, ck := range c.jar.Cookies(u) {
		if ck.Name == "_xsrf" {
			return ck.Value
		}
	}
	return ""
}

// do sends a request and returns the response with its body read.
func (c *chatClient) do(method, path string, form url.Values) (*http.Response, string, error) {
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, c.base+path, body)
	if err != nil {
		return nil, "", err
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := c.client.Do(req)
	if err != nil {
		return nil, "", err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	return resp, string(data), err
}

// get fetches path and checks the status.
func (c *chatClient) get(path string, want int) string {
	c.t.Helper()
	resp, body, err := c.do("GET", path, nil)
	if err != nil {
		c.t.Fatalf("GET %s: %v", path, err)
	}
	if resp.StatusCode != want {
		c.t.Fatalf("GET %s = %d, want %d; body:\n%s", path, resp.StatusCode, want, body)
	}
	return body
}

// post posts form with the XSRF token added and returns the response.
// It may be called from any goroutine: it reports errors instead of
// failing the test.
func (c *chatClient) post(path string, form url.Values) (*http.Response, string, error) {
	f := url.Values{}
	for k, v := range form {
		f[k] = v
	}
	f.Set("_xsrf", c.xsrf())
	return c.do("POST", path, f)
}

// say posts body to the room and returns the message answered.
func (c *chatClient) say(body string) Message {
	c.t.Helper()
	resp, data, err := c.post("/a/message/new", url.Values{"body": {body}})
	if err != nil {
		c.t.Fatalf("posting %q: %v", body, err)
	}
	if resp.StatusCode != http.StatusOK {
		c.t.Fatalf("posting %q = %d; body:\n%s", body, resp.StatusCode, data)
	}
	var m Message
	if err := json.Unmarshal([]byte(data), &m); err != nil {
		c.t.Fatalf("posting %q answered %q: %v", body, data, err)
	}
	return m
}

// updates long-polls with cursor ("": none) and returns the messages
// answered. It may be called from any goroutine.
func (c *chatClient) updates(cursor string) ([]Message, error) {
	form := url.Values{}
	if cursor != "" {
		form.Set("cursor", cursor)
	}
	resp, data, err := c.post("/a/message/updates", form)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, errors.New("updates: " + resp.Status + ": " + data)
	}
	var a struct {
		Messages []Message `json:"messages"`
	}
	dec := json.NewDecoder(strings.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&a); err != nil {
		return nil, errors.New("updates answered " + data + ": " + err.Error())
	}
	if a.Messages == nil {
		return nil, errors.New("updates answered " + data + ": no messages array")
	}
	return a.Messages, nil
}

// pollResult is what a long poll run in the background got.
type pollResult struct {
	msgs []Message
	err  error
}

// pollAsync starts a long poll on its own goroutine.
func (c *chatClient) pollAsync(cursor string) <-chan pollResult {
	ch := make(chan pollResult, 1)
	go func() {
		msgs, err := c.updates(cursor)
		ch <- pollResult{msgs, err}
	}()
	return ch
}

// waitFor polls cond every few milliseconds until it holds, failing the
// test with what after d.
func waitFor(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(d); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, d)
		}
	}
}

// receive returns the result of a background poll, failing the test after
// d.
func receive(t *testing.T, ch <-chan pollResult, d time.Duration, what string) []Message {
	t.Helper()
	select {
	case r := <-ch:
		if r.err != nil {
			t.Fatalf("%s: %v", what, r.err)
		}
		return r.msgs
	case <-time.After(d):
		t.Fatalf("%s: no answer within %v", what, d)
		return nil
	}
}

// ids returns the ids of msgs.
func ids(msgs []Message) []string {
	out := make([]string, len(msgs))
	for i, m := range msgs {
		out[i] = m.ID
	}
	return out
}
