package web

import (
	"log/slog"
	"regexp"
	"strconv"
	"testing"
)

func TestAccessLog(t *testing.T) {
	settings, rec := quietSettings(t, "502 GET /boom")
	app := NewApplication([]Rule{
		fn(`/index`, func(h *funcHandler) error { return h.Finish("ok") }),
		fn(`/teapot`, func(h *funcHandler) error { return &HTTPError{Code: 418} }),
		fn(`/boom`, func(h *funcHandler) error { return &HTTPError{Code: 502} }),
	}, settings)
	base, c := serve(t, app)
	fetch(t, c, "GET", base+"/index?a=1", "")
	fetch(t, c, "POST", base+"/teapot", "")
	fetch(t, c, "GET", base+"/boom", "")
	fetch(t, c, "GET", base+"/missing", "")
	want := []struct {
		level slog.Level
		re    string
	}{
		{slog.LevelInfo, `^200 GET /index\?a=1 \(127\.0\.0\.1\) \d+\.\d\dms$`},
		{slog.LevelWarn, `^418 POST /teapot \(127\.0\.0\.1\) \d+\.\d\dms$`},
		{slog.LevelError, `^502 GET /boom \(127\.0\.0\.1\) \d+\.\d\dms$`},
		{slog.LevelWarn, `^404 GET /missing \(127\.0\.0\.1\) \d+\.\d\dms$`},
	}
	rec.mu.Lock()
	records := rec.records
	rec.mu.Unlock()
	if len(records) != len(want) {
		t.Fatalf("log = %q, want %d lines", rec.messages(), len(want))
	}
	for i, w := range want {
		if records[i].Level != w.level || !regexp.MustCompile(w.re).MatchString(records[i].Message) {
			t.Errorf("log line %d = %v %q, want %v matching %s", i, records[i].Level, records[i].Message, w.level, w.re)
		}
	}
}

func TestLogFunction(t *testing.T) {
	settings, rec := quietSettings(t)
	var got []string
	settings.LogFunction = func(h *RequestHandler) {
		got = append(got, h.Request().Method+" "+h.Request().Path+" "+strconv.Itoa(h.Status()))
	}
	app := NewApplication([]Rule{fn(`/`, func(h *funcHandler) error { return nil })}, settings)
	serveFake(t, app, newRequest("GET", "/"), "")
	serveFake(t, app, newRequest("GET", "/x"), "")
	if len(got) != 2 || got[0] != "GET / 200" || got[1] != "GET /x 404" {
		t.Errorf("LogFunction saw %q", got)
	}
	if len(rec.messages()) != 0 {
		t.Errorf("default access log written too: %q", rec.messages())
	}
}

func TestAccessLogDisabledDoesNotFormat(t *testing.T) {
	app := NewApplication([]Rule{fn(`/`, func(h *funcHandler) error { return nil })},
		Settings{Logger: slog.New(slog.DiscardHandler)})
	c := serveFake(t, app, newRequest("GET", "/"), "")
	if c.code != 200 {
		t.Errorf("GET / = %d", c.code)
	}
}

func TestLogFunctionPanic(t *testing.T) {
	settings, rec := quietSettings(t, "Uncaught panic GET /")
	settings.LogFunction = func(*RequestHandler) { panic("bad logger") }
	app := NewApplication([]Rule{fn(`/`, func(h *funcHandler) error { return h.Finish("x") })}, settings)
	c := serveFake(t, app, newRequest("GET", "/"), "") // run fails the test unless the response finishes
	if c.code != 200 || !c.finished {
		t.Errorf("GET / = %d, finished %v", c.code, c.finished)
	}
	if _, ok := rec.find("Uncaught panic GET /"); !ok {
		t.Errorf("panic in LogFunction not logged: %q", rec.messages())
	}
}
