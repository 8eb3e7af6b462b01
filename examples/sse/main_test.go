package main

import (
	"bufio"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gotornado/tornado/httpserver"
	"github.com/gotornado/tornado/internal/leakcheck"
)

func TestMain(m *testing.M) { leakcheck.Main(m) }

// serve runs the application on 127.0.0.1 as main does, ticking every
// 5ms, and returns its base URL and server.
func serve(t *testing.T) (string, *httpserver.Server) {
	t.Helper()
	app, open := newApplication(5*time.Millisecond, slog.New(slog.DiscardHandler))
	srv := &httpserver.Server{Handler: app, Loops: 1, Logger: slog.New(slog.DiscardHandler)}
	srv.RegisterOnShutdown(open.closeAll)
	if err := srv.Listen("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve() }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
		if err := <-done; !errors.Is(err, httpserver.ErrServerClosed) {
			t.Errorf("Serve() = %v", err)
		}
	})
	return "http://" + srv.Addr().String(), srv
}

// event is an event as EventSource dispatches it.
type event struct{ id, typ, data string }

// events reads a text/event-stream (as this server writes it: LF line
// ends) and returns its events, the retry it set, or -1, and the error
// that ended it, nil at its end.
func events(r io.Reader, max int) (out []event, retry int, err error) {
	br := bufio.NewReader(r)
	retry = -1
	var id, typ string
	var data []string
	for len(out) < max {
		line, err := br.ReadString('\n')
		if err != nil {
			if err == io.EOF {
				err = nil
			}
			return out, retry, err
		}
		line = strings.TrimSuffix(line, "\n")
		if line == "" {
			if data != nil {
				out = append(out, event{id, typ, strings.Join(data, "\n")})
			}
			typ, data = "", nil
			continue
		}
		field, value, _ := strings.Cut(line, ":")
		value = strings.TrimPrefix(value, " ")
		switch field {
		case "id":
			id = value
		case "event":
			typ = value
		case "data":
			data = append(data, value)
		case "retry":
			retry, _ = strconv.Atoi(value)
		}
	}
	return out, retry, nil
}

func get(t *testing.T, c *http.Client, url string, header ...string) *http.Response {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

// The clock's events arrive numbered, as an event stream; a client
// coming back with Last-Event-ID resumes after it.
func TestClockStream(t *testing.T) {
	base, _ := serve(t)
	c := &http.Client{Transport: &http.Transport{}, Timeout: 10 * time.Second}
	defer c.CloseIdleConnections()
	for _, tc := range []struct {
		lastID string
		count  int
		ids    []string
	}{
		{"", 3, []string{"1", "2", "3"}},
		{"2", 2, []string{"3", "4"}},
		{"41", 1, []string{"42"}},
		{"not a number", 1, []string{"1"}},
	} {
		resp := get(t, c, base+"/events?count="+strconv.Itoa(tc.count), "Last-Event-ID", tc.lastID)
		if ct := resp.Header.Get("Content-Type"); resp.StatusCode != 200 || ct != "text/event-stream" {
			t.Errorf("GET /events = %d, Content-Type %q", resp.StatusCode, ct)
		}
		evs, retry, err := events(resp.Body, 100)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, ev := range evs {
			if _, err := time.Parse(time.TimeOnly, ev.data); ev.typ != "tick" || err != nil {
				t.Errorf("event %+v, want a tick with the time", ev)
			}
			ids = append(ids, ev.id)
		}
		if strings.Join(ids, ",") != strings.Join(tc.ids, ",") || retry != 2000 {
			t.Errorf("Last-Event-ID %q, count %d: ids %q, retry %d; want %q, retry 2000", tc.lastID, tc.count, ids, retry, tc.ids)
		}
	}
	resp := get(t, c, base+"/events?count=many")
	resp.Body.Close()
	if resp.StatusCode != 400 {
		t.Errorf("GET /events?count=many = %d, want 400", resp.StatusCode)
	}
}

// A client that reads part of the stream, leaves, and comes back with
// the last ID it saw misses nothing and sees nothing twice.
func TestClockResume(t *testing.T) {
	base, _ := serve(t)
	c := &http.Client{Transport: &http.Transport{}, Timeout: 10 * time.Second}
	defer c.CloseIdleConnections()
	resp := get(t, c, base+"/events")
	first, _, err := events(resp.Body, 4)
	resp.Body.Close() // leaves mid-stream
	if err != nil || len(first) != 4 {
		t.Fatalf("first connection: %+v, %v", first, err)
	}
	resp = get(t, c, base+"/events?count=3", "Last-Event-ID", first[len(first)-1].id)
	second, _, err := events(resp.Body, 100)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, ev := range append(first, second...) {
		ids = append(ids, ev.id)
	}
	if got := strings.Join(ids, ","); got != "1,2,3,4,5,6,7" {
		t.Errorf("ids across the reconnection: %s, want 1,...,7", got)
	}
}

// The page subscribes to the stream.
func TestIndexPage(t *testing.T) {
	base, _ := serve(t)
	c := &http.Client{Transport: &http.Transport{}, Timeout: 10 * time.Second}
	defer c.CloseIdleConnections()
	resp := get(t, c, base+"/")
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), `new EventSource("/events")`) {
		t.Errorf("GET / = %d %q", resp.StatusCode, body)
	}
}

// A graceful stop ends the open streams at once rather than waiting for
// its deadline.
func TestShutdownEndsStreams(t *testing.T) {
	base, srv := serve(t)
	c := &http.Client{Transport: &http.Transport{}}
	defer c.CloseIdleConnections()
	resp := get(t, c, base+"/events")
	defer resp.Body.Close()
	if evs, _, err := events(resp.Body, 1); err != nil || len(evs) != 1 {
		t.Fatalf("before the stop: %+v, %v", evs, err)
	}
	read := make(chan error, 1)
	go func() { // the client reads on, as EventSource does
		_, err := io.ReadAll(resp.Body)
		read <- err
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		t.Errorf("Shutdown = %v", err)
	}
	if ctx.Err() != nil {
		t.Error("Shutdown waited for its deadline")
	}
	if err := <-read; err != nil {
		t.Errorf("the stream did not end cleanly: %v", err)
	}
}
