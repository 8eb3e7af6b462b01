package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
)

var (
	xsrfInput = regexp.MustCompile(`<input type="hidden" name="_xsrf" value="2\|[0-9a-f]{8}\|[0-9a-f]{32}\|[0-9]+"/>`)
	uuid4     = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
)

// The page holds the form with its XSRF token and next, the stylesheet
// and the script (served from static/), and the recent messages, as the
// demo renders them.
func TestPage(t *testing.T) {
	chat := startChat(t, 1, nil, nil, nil)
	c := newClient(t, chat.url)
	page := c.get("/", http.StatusOK)
	for _, want := range []string{
		"<title>Tornado Chat Demo</title>",
		`<form action="/a/message/new" method="post" id="messageform">`,
		`<input type="text" name="body" id="message" style="width:500px">`,
		`<input type="hidden" name="next" value="/">`,
		`<link rel="stylesheet" href="/static/chat.css?v=`,
		`<script src="/static/chat.js?v=`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %q:\n%s", want, page)
		}
	}
	if !xsrfInput.MatchString(page) {
		t.Errorf("the page has no _xsrf input:\n%s", page)
	}
	for _, f := range []struct{ path, ctype string }{{"/static/chat.js", "javascript"}, {"/static/chat.css", "text/css"}} {
		resp, body, err := c.do("GET", f.path, nil)
		if err != nil || resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Content-Type"), f.ctype) || len(body) == 0 {
			t.Errorf("GET %s = %v %v %q, %d bytes", f.path, resp.StatusCode, err, resp.Header.Get("Content-Type"), len(body))
		}
	}
	m := c.say("hello <b>there</b>, see www.example.com")
	page = c.get("/", http.StatusOK)
	// The white space is the demo's, after Tornado's squeezing.
	if want := "<div id=\"inbox\">\n\n" + m.HTML + "\n\n</div>\n"; !strings.Contains(page, want) {
		t.Errorf("the page does not show the message as %q:\n%s", want, page)
	}
}

// POST /a/message/new answers the message as the demo does: a version 4
// UUID, the body stripped of surrounding space, and message.html rendered
// with the body escaped and linkified; with next it redirects instead.
func TestNewMessage(t *testing.T) {
	chat := startChat(t, 1, nil, nil, nil)
	c := newClient(t, chat.url)

	resp, data, err := c.post("/a/message/new", url.Values{"body": {"  hello <b>x</b> www.example.com  "}})
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/json; charset=UTF-8" {
		t.Fatalf("POST /a/message/new = %d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	var m Message
	if err := jsonStrict(data, &m); err != nil {
		t.Fatalf("the answer %s: %v", data, err)
	}
	if !uuid4.MatchString(m.ID) {
		t.Errorf("id = %q, want a version 4 UUID", m.ID)
	}
	if m.Body != "hello <b>x</b> www.example.com" {
		t.Errorf("body = %q", m.Body)
	}
	wantHTML := `<div class="message" id="m` + m.ID + `">hello &lt;b&gt;x&lt;/b&gt; <a href="http://www.example.com">www.example.com</a></div>` + "\n"
	if m.HTML != wantHTML {
		t.Errorf("html = %q, want %q", m.HTML, wantHTML)
	}
	if got := chat.buf.Messages(); len(got) != 1 || got[0] != m {
		t.Errorf("the buffer holds %+v, want the message", got)
	}

	resp, _, err = c.post("/a/message/new", url.Values{"body": {"by the form"}, "next": {"/"}})
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "/" {
		t.Errorf("with next: %d to %q, want 302 to /", resp.StatusCode, resp.Header.Get("Location"))
	}
	if got := chat.buf.Messages(); len(got) != 2 || got[1].Body != "by the form" {
		t.Errorf("after the form's post the buffer holds %+v", got)
	}

	for _, tc := range []struct {
		name string
		form url.Values
		want int
	}{
		{"no body", url.Values{}, 400},
		{"next to another host", url.Values{"body": {"x"}, "next": {"//evil.example/"}}, 400},
		{"next as a URL", url.Values{"body": {"x"}, "next": {"http://evil.example/"}}, 400},
		{"next relative", url.Values{"body": {"x"}, "next": {"elsewhere"}}, 400},
		{"next with a backslash", url.Values{"body": {"x"}, "next": {`/\evil.example`}}, 400},
		{"body not UTF-8", url.Values{"body": {"\xff"}}, 400},
	} {
		resp, data, err := c.post("/a/message/new", tc.form)
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != tc.want {
			t.Errorf("%s: %d, want %d; body:\n%s", tc.name, resp.StatusCode, tc.want, data)
		}
	}
	if n := len(chat.buf.Messages()); n != 2 {
		t.Errorf("refused posts added messages: %d in the buffer, want 2", n)
	}
}

// jsonStrict decodes data into v, refusing unknown fields.
func jsonStrict(data string, v any) error {
	dec := json.NewDecoder(strings.NewReader(data))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}

// Both POSTs need the _xsrf argument matching the cookie: 403 otherwise.
func TestXSRF(t *testing.T) {
	chat := startChat(t, 1, nil, nil, nil)
	c := newClient(t, chat.url)
	for _, path := range []string{"/a/message/new", "/a/message/updates"} {
		for _, tc := range []struct {
			name string
			xsrf []string
		}{
			{"without _xsrf", nil},
			{"with a wrong _xsrf", []string{"2|00000000|0123456789abcdef0123456789abcdef|1700000000"}},
			{"with a malformed _xsrf", []string{"nonsense"}},
		} {
			form := url.Values{"body": {"x"}}
			if tc.xsrf != nil {
				form["_xsrf"] = tc.xsrf
			}
			resp, _, err := c.do("POST", path, form)
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != http.StatusForbidden {
				t.Errorf("POST %s %s = %d, want 403", path, tc.name, resp.StatusCode)
			}
		}
	}
	if n := len(chat.buf.Messages()); n != 0 {
		t.Errorf("%d messages added without a valid token", n)
	}
}

// The cursor is the id of the last message the client has: the answer is
// what follows it, everything when it is absent or unknown, and a cursor
// at the newest message waits for the next one.
func TestUpdatesCursor(t *testing.T) {
	chat := startChat(t, 1, nil, nil, nil)
	c := newClient(t, chat.url)
	a, b, cc := c.say("a"), c.say("b"), c.say("c")
	for _, tc := range []struct {
		cursor string
		want   []string
	}{
		{"", []string{a.ID, b.ID, cc.ID}},
		{a.ID, []string{b.ID, cc.ID}},
		{b.ID, []string{cc.ID}},
		{"not-a-message", []string{a.ID, b.ID, cc.ID}},
	} {
		msgs, err := c.updates(tc.cursor)
		if err != nil {
			t.Fatal(err)
		}
		if got := ids(msgs); !slices.Equal(got, tc.want) {
			t.Errorf("updates(%q) = %v, want %v", tc.cursor, got, tc.want)
		}
	}
	msgs, err := c.updates(a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if msgs[0] != b {
		t.Errorf("updates answered %+v, want the message as posted, %+v", msgs[0], b)
	}

	poll := c.pollAsync(cc.ID)
	waitFor(t, 10*time.Second, "the poll at the newest cursor waiting", func() bool { return chat.buf.Waiting() == 1 })
	d := c.say("d")
	if got := ids(receive(t, poll, 10*time.Second, "the waiting poll")); !slices.Equal(got, []string{d.ID}) {
		t.Errorf("the waiting poll got %v, want [%s]", got, d.ID)
	}
}

// A long poll is answered when another client posts; with two loops,
// polls on both loops are all answered by one post.
func TestLongPollAnsweredByAnotherClient(t *testing.T) {
	const polls = 20
	chat := startChat(t, 2, nil, nil, nil)
	alice, bob := newClient(t, chat.url), newClient(t, chat.url)
	first := alice.say("first")
	results := make([]<-chan pollResult, polls)
	for i := range results {
		results[i] = bob.pollAsync(first.ID) // each on a connection of its own, spread over the loops
	}
	waitFor(t, 10*time.Second, fmt.Sprintf("%d polls waiting", polls), func() bool { return chat.buf.Waiting() == polls })
	m := alice.say("hello, bob")
	for i, r := range results {
		got := receive(t, r, 10*time.Second, fmt.Sprintf("poll %d", i))
		if len(got) != 1 || got[0] != m {
			t.Errorf("poll %d got %+v, want [%+v]", i, got, m)
		}
	}
	if n := chat.buf.Waiting(); n != 0 {
		t.Errorf("%d polls still waiting", n)
	}
}

// Long polls whose clients close their sockets are dropped at once: the
// waiters are gone within a second (OnConnectionClose cancels each wait),
// and the process has the goroutines it had before the polls.
func TestClientsThatLeaveAreDropped(t *testing.T) {
	const n = 100
	chat := startChat(t, 2, nil, nil, nil)
	c := newClient(t, chat.url)
	last := c.say("the newest").ID
	req := pollRequest(c.xsrf(), last)

	before := runtime.NumGoroutine()
	conns := make([]net.Conn, 0, n)
	defer func() {
		for _, cn := range conns {
			cn.Close()
		}
	}()
	for i := range n {
		cn, err := net.Dial("tcp", strings.TrimPrefix(chat.url, "http://"))
		if err != nil {
			t.Fatalf("dial %d: %v", i, err)
		}
		conns = append(conns, cn)
		if _, err := io.WriteString(cn, req); err != nil {
			t.Fatalf("poll %d: %v", i, err)
		}
	}
	waitFor(t, 10*time.Second, fmt.Sprintf("%d polls waiting", n), func() bool { return chat.buf.Waiting() == n })
	for _, cn := range conns {
		cn.Close()
	}
	conns = nil
	closed := time.Now()
	waitFor(t, time.Second, "the waiters of the closed polls dropped", func() bool { return chat.buf.Waiting() == 0 })
	t.Logf("%d waiters dropped %v after their clients closed", n, time.Since(closed).Round(time.Millisecond))
	waitFor(t, time.Second, "the goroutines back to where they were", func() bool { return runtime.NumGoroutine() <= before })

	// Nothing is left behind: the room goes on, and a new poll gets the
	// next message.
	poll := c.pollAsync(last)
	waitFor(t, 10*time.Second, "a new poll waiting", func() bool { return chat.buf.Waiting() == 1 })
	m := c.say("after they left")
	if got := receive(t, poll, 10*time.Second, "the new poll"); len(got) != 1 || got[0].ID != m.ID {
		t.Errorf("the new poll got %v, want [%s]", ids(got), m.ID)
	}
}

// pollRequest is a raw long poll at cursor, with the XSRF cookie and
// argument.
func pollRequest(xsrf, cursor string) string {
	body := url.Values{"_xsrf": {xsrf}, "cursor": {cursor}}.Encode()
	return "POST /a/message/updates HTTP/1.1\r\nHost: 127.0.0.1\r\n" +
		"Cookie: _xsrf=" + xsrf + "\r\n" +
		"Content-Type: application/x-www-form-urlencoded\r\n" +
		fmt.Sprintf("Content-Length: %d\r\n\r\n", len(body)) + body
}

// A graceful stop answers the waiting long polls with what they have — no
// message — and Connection: close, so that Shutdown returns without
// waiting for its deadline.
func TestShutdownAnswersLongPolls(t *testing.T) {
	chat := startChat(t, 2, nil, nil, nil)
	c := newClient(t, chat.url)
	last := c.say("before the stop").ID
	const polls = 5
	answers := make(chan string, polls)
	for range polls {
		cn, err := net.Dial("tcp", strings.TrimPrefix(chat.url, "http://"))
		if err != nil {
			t.Fatal(err)
		}
		defer cn.Close()
		cn.SetDeadline(time.Now().Add(20 * time.Second))
		if _, err := io.WriteString(cn, pollRequest(c.xsrf(), last)); err != nil {
			t.Fatal(err)
		}
		go func() { // the client reads its answer and closes, as a browser would
			defer cn.Close()
			resp, err := http.ReadResponse(bufio.NewReader(cn), nil)
			if err != nil {
				answers <- err.Error()
				return
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			answers <- fmt.Sprintf("%d close=%v %s", resp.StatusCode, resp.Close, body)
		}()
	}
	waitFor(t, 10*time.Second, "the polls waiting", func() bool { return chat.buf.Waiting() == polls })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := chat.srv.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown = %v: the long polls held it up", err)
	}
	for i := range polls {
		if got := <-answers; got != `200 close=true {"messages":[]}` {
			t.Errorf("poll %d answered %q, want 200 with Connection: close and {\"messages\":[]}", i, got)
		}
	}
}
