package httpserver

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"strings"
	"testing"
	"time"
)

func TestGoClientKeepAlive(t *testing.T) {
	addr := serve(t, &Server{Handler: &testApp{}})
	client := &http.Client{Transport: &http.Transport{}}
	defer client.CloseIdleConnections()
	reused := 0
	for i := range 3 {
		trace := &httptrace.ClientTrace{GotConn: func(info httptrace.GotConnInfo) {
			if info.Reused {
				reused++
			}
		}}
		req, _ := http.NewRequest("GET", "http://"+addr+"/", nil)
		req = req.WithContext(httptrace.WithClientTrace(req.Context(), trace))
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || string(b) != "Hello, World!" {
			t.Fatalf("request %d: %d %q", i, resp.StatusCode, b)
		}
		if resp.Header.Get("Date") == "" {
			t.Error("no Date header")
		}
	}
	if reused != 2 {
		t.Fatalf("connection reused %d times, want 2", reused)
	}
}

func TestPostBodyAndChunkedResponse(t *testing.T) {
	addr := serve(t, &Server{Handler: &testApp{}})
	resp, err := http.Post("http://"+addr+"/echo", "text/plain", strings.NewReader("ping body"))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(b) != "ping body" {
		t.Fatalf("echo = %q", b)
	}
	resp, err = http.Get("http://" + addr + "/chunked")
	if err != nil {
		t.Fatal(err)
	}
	b, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(b) != "one,two,three" || len(resp.TransferEncoding) != 1 || resp.TransferEncoding[0] != "chunked" {
		t.Fatalf("chunked = %q, TE %v", b, resp.TransferEncoding)
	}
}

func TestPipelinedResponsesInOrderInOneWrite(t *testing.T) {
	addr := serve(t, &Server{Handler: &testApp{}})
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var reqs strings.Builder
	for i := range 10 {
		fmt.Fprintf(&reqs, "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n%02d", i)
	}
	c.Write([]byte(reqs.String()))
	// All ten responses come from one read, so they leave in one write and
	// arrive together on loopback.
	c.SetReadDeadline(time.Now().Add(3 * time.Second))
	buf := make([]byte, 64<<10)
	n, err := c.Read(buf)
	if err != nil {
		t.Fatal(err)
	}
	got := string(buf[:n])
	if cnt := strings.Count(got, "HTTP/1.1 200 OK"); cnt != 10 {
		t.Fatalf("first read held %d responses, want all 10:\n%s", cnt, got)
	}
	br := bufio.NewReader(strings.NewReader(got))
	for i := range 10 {
		_, body := readResponse(t, br, "POST")
		if want := fmt.Sprintf("%02d", i); body != want {
			t.Fatalf("response %d = %q, want %q", i, body, want)
		}
	}
}

func TestChunkedRequestBody(t *testing.T) {
	addr := serve(t, &Server{Handler: &testApp{}})
	got := rawExchange(t, addr, "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"+
		"4\r\nWiki\r\n5;ext=1\r\npedia\r\n0\r\nTrailer: x\r\n\r\n")
	if !strings.HasSuffix(got, "\r\n\r\nWikipedia") || statusOf(got) != "HTTP/1.1 200 OK" {
		t.Fatalf("response = %q", got)
	}
}

func TestExpectContinue(t *testing.T) {
	addr := serve(t, &Server{Handler: &testApp{}})
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.Write([]byte("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n"))
	br := bufio.NewReader(c)
	c.SetReadDeadline(time.Now().Add(3 * time.Second))
	line, err := br.ReadString('\n')
	if err != nil || line != "HTTP/1.1 100 Continue\r\n" {
		t.Fatalf("interim line = %q, %v", line, err)
	}
	br.ReadString('\n')
	c.Write([]byte("hello"))
	_, body := readResponse(t, br, "POST")
	if body != "hello" {
		t.Fatalf("body = %q", body)
	}
}

func TestHeadAndNoContentHaveNoBody(t *testing.T) {
	addr := serve(t, &Server{Handler: &testApp{}})
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.Write([]byte("HEAD / HTTP/1.1\r\nHost: x\r\n\r\nGET /nocontent HTTP/1.1\r\nHost: x\r\n\r\nHEAD /chunked HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n"))
	br := bufio.NewReader(c)
	c.SetReadDeadline(time.Now().Add(3 * time.Second))
	resp, body := readResponse(t, br, "HEAD")
	if body != "" || resp.ContentLength != 13 {
		t.Fatalf("HEAD: body %q, Content-Length %d", body, resp.ContentLength)
	}
	resp, body = readResponse(t, br, "GET")
	if resp.StatusCode != 204 || body != "" {
		t.Fatalf("204: %d %q", resp.StatusCode, body)
	}
	resp, body = readResponse(t, br, "HEAD")
	if body != "" || resp.Header.Get("Transfer-Encoding") != "" {
		t.Fatalf("HEAD of a streamed response: body %q, TE %q", body, resp.Header.Get("Transfer-Encoding"))
	}
	_, body = readResponse(t, br, "GET")
	if body != "Hello, World!" {
		t.Fatalf("after HEAD and 204: %q", body)
	}
}

func TestHTTP10(t *testing.T) {
	addr := serve(t, &Server{Handler: &testApp{}})
	got := rawExchange(t, addr, "GET / HTTP/1.0\r\n\r\n")
	if !strings.Contains(got, "Connection: close") || !strings.HasSuffix(got, "Hello, World!") {
		t.Fatalf("HTTP/1.0 response = %q", got)
	}
	// Streamed without Content-Length: delimited by the close, not chunked.
	got = rawExchange(t, addr, "GET /chunked HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
	if strings.Contains(got, "chunked") || !strings.HasSuffix(got, "\r\n\r\none,two,three") {
		t.Fatalf("HTTP/1.0 streamed response = %q", got)
	}
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.Write([]byte("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"))
	br := bufio.NewReader(c)
	c.SetReadDeadline(time.Now().Add(3 * time.Second))
	for range 2 {
		resp, _ := readResponse(t, br, "GET")
		if resp.Header.Get("Connection") != "keep-alive" {
			t.Fatalf("HTTP/1.0 keep-alive answered Connection %q", resp.Header.Get("Connection"))
		}
	}
}

func TestRejections(t *testing.T) {
	addr := serve(t, &Server{Handler: &testApp{}, MaxBodySize: 100, MaxHeaderSize: 1024, MaxRequestLineSize: 256})
	long := strings.Repeat("a", 300)
	for _, tc := range []struct {
		name, raw, status string
	}{
		{"CL and TE", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", "400"},
		{"non-numeric CL", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n", "400"},
		{"conflicting CL", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd", "400"},
		{"TE without chunked last", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", "400"},
		{"unknown TE", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: foo, chunked\r\n\r\n", "501"},
		{"bad chunk size", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", "400"},
		{"bad header name", "GET / HTTP/1.1\r\nHost: x\r\nBad Name: v\r\n\r\n", "400"},
		{"bad header value", "GET / HTTP/1.1\r\nHost: x\r\nX: a\x01b\r\n\r\n", "400"},
		{"missing Host", "GET / HTTP/1.1\r\n\r\n", "400"},
		{"obs-fold", "GET / HTTP/1.1\r\nHost: x\r\nX: a\r\n b\r\n\r\n", "400"},
		{"space before colon", "GET / HTTP/1.1\r\nHost : x\r\n\r\n", "400"},
		{"bare CR", "GET / HTTP/1.1\r\nHost: x\rY: z\r\n\r\n", "400"},
		{"bare LF", "GET / HTTP/1.1\nHost: x\n\n", "400"},
		{"garbage", "\x16\x03\x01\x00\xa5\x01\x00\x00\r\n\r\n", "400"},
		{"body too large", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 101\r\n\r\n", "413"},
		{"chunked body too large", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n65\r\n" + strings.Repeat("x", 101) + "\r\n0\r\n\r\n", "413"},
		{"request line too long", "GET /" + long + " HTTP/1.1\r\nHost: x\r\n\r\n", "414"},
		{"headers too large", "GET / HTTP/1.1\r\nHost: x\r\nX: " + strings.Repeat("v", 1100) + "\r\n\r\n", "431"},
		{"HTTP/2.0", "GET / HTTP/2.0\r\nHost: x\r\n\r\n", "505"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := rawExchange(t, addr, tc.raw)
			want := "HTTP/1.1 " + tc.status + " "
			if !strings.HasPrefix(got, want) {
				t.Fatalf("response = %q, want status %s", got, tc.status)
			}
			if !strings.Contains(got, "Connection: close") {
				t.Errorf("response does not announce the close: %q", got)
			}
			// rawExchange read until EOF: the server closed the connection.
		})
	}
}

func TestPanicBecomes500AndServerLives(t *testing.T) {
	addr := serve(t, &Server{Handler: &testApp{}, Logger: newTestLogger(t, "httpserver: panic in handler")})
	got := rawExchange(t, addr, "GET /panic HTTP/1.1\r\nHost: x\r\n\r\n")
	if statusOf(got) != "HTTP/1.1 500 Internal Server Error" {
		t.Fatalf("panic response = %q", got)
	}
	got = rawExchange(t, addr, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
	if !strings.HasSuffix(got, "Hello, World!") {
		t.Fatalf("after a panic = %q", got)
	}
}

func TestDetachedResponseKeepsOrder(t *testing.T) {
	addr := serve(t, &Server{Handler: &testApp{}})
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.Write([]byte("GET /detach HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n"))
	br := bufio.NewReader(c)
	c.SetReadDeadline(time.Now().Add(3 * time.Second))
	if _, body := readResponse(t, br, "GET"); body != "later" {
		t.Fatalf("first = %q, want later", body)
	}
	if _, body := readResponse(t, br, "GET"); body != "Hello, World!" {
		t.Fatalf("second = %q", body)
	}
}

func TestClientLeavesMidRequest(t *testing.T) {
	app := &testApp{}
	addr := serve(t, &Server{Handler: app})
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	c.Write([]byte("GET /hang HTTP/1.1\r\nHost: x\r\n\r\n"))
	time.Sleep(50 * time.Millisecond)
	c.Close()
	deadline := time.Now().Add(3 * time.Second)
	for time.Now().Before(deadline) {
		app.mu.Lock()
		n := len(app.closed)
		app.mu.Unlock()
		if n == 1 {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("OnConnectionClose was not called")
}

func TestXHeaders(t *testing.T) {
	addr := serve(t, &Server{Handler: &testApp{}, XHeaders: true})
	for _, tc := range []struct{ headers, want string }{
		{"", "127.0.0.1 http x:80 x"},
		{"X-Real-Ip: 10.1.2.3\r\n", "10.1.2.3 http x:80 x"},
		{"X-Forwarded-For: 1.1.1.1, 2.2.2.2\r\nX-Forwarded-Proto: https\r\n", "2.2.2.2 https x:80 x"},
		{"X-Real-Ip: not-an-ip\r\nX-Scheme: gopher\r\n", "127.0.0.1 http x:80 x"},
	} {
		got := rawExchange(t, addr, "GET /info HTTP/1.1\r\nHost: x:80\r\nConnection: close\r\n"+tc.headers+"\r\n")
		if !strings.HasSuffix(got, "\r\n\r\n"+tc.want) {
			t.Errorf("with %q: %q, want body %q", tc.headers, got, tc.want)
		}
	}
	// Without XHeaders the headers are not trusted.
	addr2 := serve(t, &Server{Handler: &testApp{}})
	got := rawExchange(t, addr2, "GET /info HTTP/1.1\r\nHost: [::1]:8080\r\nConnection: close\r\nX-Real-Ip: 10.1.2.3\r\n\r\n")
	if !strings.HasSuffix(got, "127.0.0.1 http [::1]:8080 ::1") {
		t.Errorf("untrusted X-Real-Ip: %q", got)
	}
	// Without a Host field (HTTP/1.0), Host is Tornado's default; the
	// host name is lower case.
	got = rawExchange(t, addr2, "GET /info HTTP/1.0\r\n\r\n")
	if !strings.HasSuffix(got, "127.0.0.1 http 127.0.0.1 127.0.0.1") {
		t.Errorf("without Host: %q", got)
	}
	got = rawExchange(t, addr2, "GET /info HTTP/1.1\r\nHost: WWW.Example.com\r\nConnection: close\r\n\r\n")
	if !strings.HasSuffix(got, "127.0.0.1 http WWW.Example.com www.example.com") {
		t.Errorf("mixed-case Host: %q", got)
	}
}

func TestHeaderTimeoutStopsSlowloris(t *testing.T) {
	addr := serve(t, &Server{Handler: &testApp{}, HeaderTimeout: 100 * time.Millisecond})
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.Write([]byte("GET / HTTP/1.1\r\nHost: x\r\n"))
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	b, err := io.ReadAll(c)
	if err != nil {
		t.Fatalf("connection not closed: %v", err)
	}
	if statusOf(string(b)) != "HTTP/1.1 408 Request Timeout" {
		t.Fatalf("response = %q, want 408", b)
	}
}

func TestIdleTimeoutClosesKeepAlive(t *testing.T) {
	addr := serve(t, &Server{Handler: &testApp{}, IdleTimeout: 100 * time.Millisecond})
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.Write([]byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"))
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	b, err := io.ReadAll(c)
	if err != nil {
		t.Fatalf("idle connection not closed: %v", err)
	}
	if !strings.HasSuffix(string(b), "Hello, World!") {
		t.Fatalf("response = %q", b)
	}
}

func TestNoKeepAlive(t *testing.T) {
	addr := serve(t, &Server{Handler: &testApp{}, NoKeepAlive: true})
	got := rawExchange(t, addr, "GET / HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n")
	if n := strings.Count(got, "HTTP/1.1 200"); n != 1 || !strings.Contains(got, "Connection: close") {
		t.Fatalf("NoKeepAlive answered %d requests: %q", n, got)
	}
}

// TestLargeResponsesPipelined mixes responses whose head and first chunk
// do not fit in the output queue's free space with small ones, pipelined
// on one connection, and checks every byte arrives in order.
func TestLargeResponsesPipelined(t *testing.T) {
	addr := serve(t, &Server{Handler: &testApp{}})
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	paths := []string{"/", "/big", "/", "/big", "/big", "/"}
	var req strings.Builder
	for _, p := range paths {
		req.WriteString("GET " + p + " HTTP/1.1\r\nHost: x\r\n\r\n")
	}
	c.Write([]byte(req.String()))
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	br := bufio.NewReader(c)
	want := strings.Repeat("a", 100<<10) + "b" + strings.Repeat("c", 40<<10)
	for i, p := range paths {
		resp, body := readResponse(t, br, "GET")
		switch {
		case resp.StatusCode != 200:
			t.Fatalf("response %d (%s): status %d", i, p, resp.StatusCode)
		case p == "/" && body != "Hello, World!":
			t.Fatalf("response %d (/): body %q", i, body)
		case p == "/big" && (body != want || len(resp.Header.Get("X-Big")) != 20<<10):
			t.Fatalf("response %d (/big): body %d bytes, X-Big %d bytes; want %d and %d",
				i, len(body), len(resp.Header.Get("X-Big")), len(want), 20<<10)
		}
	}
}
