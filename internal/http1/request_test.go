package http1

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/gotornado/tornado/httputil"
)

// parsed is everything Parse reports, for comparisons.
type parsed struct {
	n         int
	status    int // 0: no error
	method    string
	uri       string
	path      string
	query     string
	version   string
	header    []string // "Name: value" per field
	kind      BodyKind
	length    int64
	keepAlive bool
	expect    bool
}

func (r parsed) String() string {
	type plain parsed // without the String method
	return fmt.Sprintf("%+v", plain(r))
}

func snapshot(p *RequestParser, req *httputil.ServerRequest, n int, err error) parsed {
	r := parsed{n: n}
	if err != nil {
		var e *Error
		if !errors.As(err, &e) {
			return parsed{status: -1}
		}
		r.status = e.Status
		return r
	}
	if n == 0 {
		return r
	}
	r.method, r.uri, r.path, r.query, r.version = req.Method, req.URI, req.Path, req.Query, req.Version
	for k, v := range req.Header.All() {
		r.header = append(r.header, k+": "+v)
	}
	r.kind, r.length, r.keepAlive, r.expect = p.BodyKind(), p.ContentLength(), p.KeepAlive(), p.ExpectContinue()
	return r
}

// parseWhole parses data in one call on a fresh parser.
func parseWhole(data []byte) parsed {
	var p RequestParser
	var req httputil.ServerRequest
	n, err := p.Parse(data, &req)
	return snapshot(&p, &req, n, err)
}

// parseBytewise presents data one more byte at a time until Parse returns
// something other than "need more".
func parseBytewise(data []byte) parsed {
	var p RequestParser
	var req httputil.ServerRequest
	for i := 1; i <= len(data); i++ {
		n, err := p.Parse(data[:i], &req)
		if n > 0 || err != nil {
			return snapshot(&p, &req, n, err)
		}
	}
	return parsed{}
}

// parseSplit presents data[:k] and then all of data.
func parseSplit(data []byte, k int) parsed {
	var p RequestParser
	var req httputil.ServerRequest
	n, err := p.Parse(data[:k], &req)
	if n > 0 || err != nil {
		return snapshot(&p, &req, n, err)
	}
	n, err = p.Parse(data, &req)
	return snapshot(&p, &req, n, err)
}

var acceptedRequests = []struct {
	name string
	raw  string
	want parsed // n is len(raw) unless set; header and status are not compared here
}{
	{"simple", "GET / HTTP/1.1\r\nHost: a\r\n\r\n",
		parsed{method: "GET", uri: "/", path: "/", version: "HTTP/1.1", keepAlive: true}},
	{"wrk", "GET /plaintext HTTP/1.1\r\nHost: localhost:8080\r\n\r\n",
		parsed{method: "GET", uri: "/plaintext", path: "/plaintext", version: "HTTP/1.1", keepAlive: true}},
	{"http10 no host", "GET / HTTP/1.0\r\n\r\n",
		parsed{method: "GET", uri: "/", path: "/", version: "HTTP/1.0"}},
	{"http10 keep-alive", "GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n",
		parsed{method: "GET", uri: "/", path: "/", version: "HTTP/1.0", keepAlive: true}},
	{"http10 keep-alive and close", "GET / HTTP/1.0\r\nConnection: keep-alive, close\r\n\r\n",
		parsed{method: "GET", uri: "/", path: "/", version: "HTTP/1.0"}},
	{"connection close", "GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
		parsed{method: "GET", uri: "/", path: "/", version: "HTTP/1.1"}},
	{"connection list", "GET / HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nConnection: foo, CLOSE \r\n\r\n",
		parsed{method: "GET", uri: "/", path: "/", version: "HTTP/1.1"}},
	{"content-length", "POST /f HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello",
		parsed{n: 48, method: "POST", uri: "/f", path: "/f", version: "HTTP/1.1", kind: BodyLength, length: 5, keepAlive: true}},
	{"content-length zero", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n",
		parsed{method: "POST", uri: "/", path: "/", version: "HTTP/1.1", keepAlive: true}},
	{"content-length list", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5 , 5\r\n\r\n",
		parsed{method: "POST", uri: "/", path: "/", version: "HTTP/1.1", kind: BodyLength, length: 5, keepAlive: true}},
	{"content-length repeated", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n",
		parsed{method: "POST", uri: "/", path: "/", version: "HTTP/1.1", kind: BodyLength, length: 5, keepAlive: true}},
	{"content-length leading zeros", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 007\r\n\r\n",
		parsed{method: "POST", uri: "/", path: "/", version: "HTTP/1.1", kind: BodyLength, length: 7, keepAlive: true}},
	{"content-length max", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 9223372036854775807\r\n\r\n",
		parsed{method: "POST", uri: "/", path: "/", version: "HTTP/1.1", kind: BodyLength, length: 1<<63 - 1, keepAlive: true}},
	{"http10 content-length", "POST / HTTP/1.0\r\nContent-Length: 3\r\n\r\n",
		parsed{method: "POST", uri: "/", path: "/", version: "HTTP/1.0", kind: BodyLength, length: 3}},
	{"chunked", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n",
		parsed{method: "POST", uri: "/", path: "/", version: "HTTP/1.1", kind: BodyChunked, keepAlive: true}},
	{"chunked any case", "POST / HTTP/1.1\r\nHost: a\r\ntransfer-encoding: ChUnKeD\r\n\r\n",
		parsed{method: "POST", uri: "/", path: "/", version: "HTTP/1.1", kind: BodyChunked, keepAlive: true}},
	{"chunked empty elements", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: , chunked,\r\n\r\n",
		parsed{method: "POST", uri: "/", path: "/", version: "HTTP/1.1", kind: BodyChunked, keepAlive: true}},
	{"chunked close", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n",
		parsed{method: "POST", uri: "/", path: "/", version: "HTTP/1.1", kind: BodyChunked}},
	{"leading CRLF", "\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n",
		parsed{method: "GET", uri: "/", path: "/", version: "HTTP/1.1", keepAlive: true}},
	{"leading CRLFs", "\r\n\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n",
		parsed{method: "GET", uri: "/", path: "/", version: "HTTP/1.1", keepAlive: true}},
	{"query", "GET /a/b?x=1&y=%20 HTTP/1.1\r\nHost: a\r\n\r\n",
		parsed{method: "GET", uri: "/a/b?x=1&y=%20", path: "/a/b", query: "x=1&y=%20", version: "HTTP/1.1", keepAlive: true}},
	{"empty query", "GET /? HTTP/1.1\r\nHost: a\r\n\r\n",
		parsed{method: "GET", uri: "/?", path: "/", version: "HTTP/1.1", keepAlive: true}},
	{"target punctuation", "GET /a%20b;c=d,e!$&'()*+=@:~_.-?q=/? HTTP/1.1\r\nHost: a\r\n\r\n",
		parsed{method: "GET", uri: "/a%20b;c=d,e!$&'()*+=@:~_.-?q=/?", path: "/a%20b;c=d,e!$&'()*+=@:~_.-", query: "q=/?", version: "HTTP/1.1", keepAlive: true}},
	{"fragment", "GET /a#b HTTP/1.1\r\nHost: a\r\n\r\n",
		parsed{method: "GET", uri: "/a#b", path: "/a#b", version: "HTTP/1.1", keepAlive: true}},
	{"options asterisk", "OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n",
		parsed{method: "OPTIONS", uri: "*", path: "*", version: "HTTP/1.1", keepAlive: true}},
	{"absolute form", "GET http://example.com/x?y HTTP/1.1\r\nHost: example.com\r\n\r\n",
		parsed{method: "GET", uri: "http://example.com/x?y", path: "http://example.com/x", query: "y", version: "HTTP/1.1", keepAlive: true}},
	{"connect", "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n",
		parsed{method: "CONNECT", uri: "example.com:443", path: "example.com:443", version: "HTTP/1.1", keepAlive: true}},
	{"connect ipv6", "CONNECT [::1]:443 HTTP/1.1\r\nHost: [::1]:443\r\n\r\n",
		parsed{method: "CONNECT", uri: "[::1]:443", path: "[::1]:443", version: "HTTP/1.1", keepAlive: true}},
	{"extension method", "PROPFIND /d HTTP/1.1\r\nHost: a\r\n\r\n",
		parsed{method: "PROPFIND", uri: "/d", path: "/d", version: "HTTP/1.1", keepAlive: true}},
	{"token method", "M-!#$%&'*+.^_`|~9 / HTTP/1.1\r\nHost: a\r\n\r\n",
		parsed{method: "M-!#$%&'*+.^_`|~9", uri: "/", path: "/", version: "HTTP/1.1", keepAlive: true}},
	{"expect", "PUT / HTTP/1.1\r\nHost: a\r\nExpect: 100-Continue\r\nContent-Length: 1\r\n\r\n",
		parsed{method: "PUT", uri: "/", path: "/", version: "HTTP/1.1", kind: BodyLength, length: 1, keepAlive: true, expect: true}},
	{"expect http10", "PUT / HTTP/1.0\r\nExpect: 100-continue\r\n\r\n",
		parsed{method: "PUT", uri: "/", path: "/", version: "HTTP/1.0"}},
	{"host ipv6", "GET / HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n",
		parsed{method: "GET", uri: "/", path: "/", version: "HTTP/1.1", keepAlive: true}},
	{"host empty", "GET / HTTP/1.1\r\nHost:\r\n\r\n",
		parsed{method: "GET", uri: "/", path: "/", version: "HTTP/1.1", keepAlive: true}},
	{"host empty port", "GET / HTTP/1.1\r\nHost: a:\r\n\r\n",
		parsed{method: "GET", uri: "/", path: "/", version: "HTTP/1.1", keepAlive: true}},
	{"values trimmed", "GET / HTTP/1.1\r\nHost: \t a \t\r\nX-Empty:\r\nX-Tab: a\tb\r\nX-Obs: caf\xc3\xa9\r\n\r\n",
		parsed{method: "GET", uri: "/", path: "/", version: "HTTP/1.1", keepAlive: true}},
	{"pipelined", "GET /1 HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\n",
		parsed{n: 28, method: "GET", uri: "/1", path: "/1", version: "HTTP/1.1", keepAlive: true}},
}

func TestParseAccepted(t *testing.T) {
	for _, tt := range acceptedRequests {
		t.Run(tt.name, func(t *testing.T) {
			got := parseWhole([]byte(tt.raw))
			want := tt.want
			if want.n == 0 {
				want.n = len(tt.raw)
			}
			got.header = nil
			if got.String() != want.String() {
				t.Errorf("Parse(%q)\n got %v\nwant %v", tt.raw, got, want)
			}
		})
	}
}

func TestParseHeader(t *testing.T) {
	raw := "GET / HTTP/1.1\r\nhost: a\r\ncontent-TYPE:  text/plain \r\nX-Empty:\r\nx-custom-thing: 1\r\n" +
		"X-!#$%&'*+-.^_`|~: v\r\nCookie: a=1\r\nCookie: b=2\r\n\r\n"
	got := parseWhole([]byte(raw))
	want := []string{"Host: a", "Content-Type: text/plain", "X-Empty: ", "X-Custom-Thing: 1",
		"X-!#$%&'*+-.^_`|~: v", "Cookie: a=1", "Cookie: b=2"}
	if !slices.Equal(got.header, want) {
		t.Errorf("Parse(%q) header = %q, want %q", raw, got.header, want)
	}
}

var rejectedRequests = []struct {
	name   string
	raw    string
	status int
}{
	// Line endings.
	{"bare LF after request line", "GET / HTTP/1.1\nHost: a\r\n\r\n", 400},
	{"bare LF after header", "GET / HTTP/1.1\r\nHost: a\n\r\n", 400},
	{"bare LF at end", "GET / HTTP/1.1\r\nHost: a\r\n\n", 400},
	{"bare LF only", "GET / HTTP/1.1\n\n", 400},
	{"leading bare LF", "\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", 400},
	{"bare CR in value", "GET / HTTP/1.1\r\nHost: a\r\nX: a\rb\r\n\r\n", 400},
	{"bare CR in request line", "GET /\r HTTP/1.1\r\nHost: a\r\n\r\n", 400},
	{"bare CR after name", "GET / HTTP/1.1\r\nHost\r: a\r\n\r\n", 400},
	{"CR CR LF", "GET / HTTP/1.1\r\r\nHost: a\r\n\r\n", 400},
	{"leading CR garbage", "\r\rGET / HTTP/1.1\r\nHost: a\r\n\r\n", 400},
	// Folding and whitespace.
	{"obs-fold space", "GET / HTTP/1.1\r\nHost: a\r\nX: a\r\n b\r\n\r\n", 400},
	{"obs-fold tab", "GET / HTTP/1.1\r\nHost: a\r\nX: a\r\n\tb\r\n\r\n", 400},
	{"space before first header", "GET / HTTP/1.1\r\n Host: a\r\n\r\n", 400},
	{"space before colon", "GET / HTTP/1.1\r\nHost : a\r\n\r\n", 400},
	{"tab before colon", "GET / HTTP/1.1\r\nHost\t: a\r\n\r\n", 400},
	{"content-length space before colon", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length : 3\r\n\r\nabc", 400},
	{"transfer-encoding space before colon", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding : chunked\r\n\r\n", 400},
	// Field names.
	{"empty name", "GET / HTTP/1.1\r\nHost: a\r\n: b\r\n\r\n", 400},
	{"no colon", "GET / HTTP/1.1\r\nHost: a\r\nHost a\r\n\r\n", 400},
	{"space in name", "GET / HTTP/1.1\r\nHost: a\r\nFoo Bar: b\r\n\r\n", 400},
	{"at in name", "GET / HTTP/1.1\r\nHost: a\r\nX@Y: b\r\n\r\n", 400},
	{"paren in name", "GET / HTTP/1.1\r\nHost: a\r\nX(Y): b\r\n\r\n", 400},
	{"slash in name", "GET / HTTP/1.1\r\nHost: a\r\nX/Y: b\r\n\r\n", 400},
	{"non-ASCII name", "GET / HTTP/1.1\r\nHost: a\r\nX\xc3\xa9: b\r\n\r\n", 400},
	{"NUL in name", "GET / HTTP/1.1\r\nHost: a\r\nX\x00: b\r\n\r\n", 400},
	// Field values.
	{"NUL in value", "GET / HTTP/1.1\r\nHost: a\r\nX: a\x00b\r\n\r\n", 400},
	{"DEL in value", "GET / HTTP/1.1\r\nHost: a\r\nX: a\x7fb\r\n\r\n", 400},
	{"CTL in value", "GET / HTTP/1.1\r\nHost: a\r\nX: a\x01b\r\n\r\n", 400},
	{"VT in value", "GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: \x0bchunked\r\n\r\n", 400},
	{"ESC in value", "GET / HTTP/1.1\r\nHost: a\r\nX: \x1b[0m\r\n\r\n", 400},
	// Request line.
	{"bad method char", "G(ET / HTTP/1.1\r\nHost: a\r\n\r\n", 400},
	{"method with slash", "GET/ / HTTP/1.1\r\nHost: a\r\n\r\n", 400},
	{"empty method", " / HTTP/1.1\r\nHost: a\r\n\r\n", 400},
	{"double space", "GET  / HTTP/1.1\r\nHost: a\r\n\r\n", 400},
	{"double space before version", "GET /  HTTP/1.1\r\nHost: a\r\n\r\n", 400},
	{"trailing space", "GET / HTTP/1.1 \r\nHost: a\r\n\r\n", 400},
	{"tab separator", "GET\t/ HTTP/1.1\r\nHost: a\r\n\r\n", 400},
	{"missing version", "GET /\r\nHost: a\r\n\r\n", 400},
	{"method only", "GET\r\n\r\n", 400},
	{"space in target", "GET /a b HTTP/1.1\r\nHost: a\r\n\r\n", 400},
	{"obs-text in target", "GET /caf\xc3\xa9 HTTP/1.1\r\nHost: a\r\n\r\n", 400},
	{"DEL in target", "GET /a\x7f HTTP/1.1\r\nHost: a\r\n\r\n", 400},
	{"CTL in target", "GET /a\x01 HTTP/1.1\r\nHost: a\r\n\r\n", 400},
	{"NUL in target", "GET /\x00 HTTP/1.1\r\nHost: a\r\n\r\n", 400},
	{"relative target", "GET foo HTTP/1.1\r\nHost: a\r\n\r\n", 400},
	{"query-only target", "GET ?a=1 HTTP/1.1\r\nHost: a\r\n\r\n", 400},
	{"asterisk with GET", "GET * HTTP/1.1\r\nHost: a\r\n\r\n", 400},
	{"connect origin-form", "CONNECT / HTTP/1.1\r\nHost: a\r\n\r\n", 400},
	{"connect without port", "CONNECT example.com HTTP/1.1\r\nHost: a\r\n\r\n", 400},
	{"TLS handshake", "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n", 400},
	// Version.
	{"HTTP/2.0", "GET / HTTP/2.0\r\nHost: a\r\n\r\n", 505},
	{"HTTP/1.2", "GET / HTTP/1.2\r\nHost: a\r\n\r\n", 505},
	{"HTTP/0.9", "GET / HTTP/0.9\r\nHost: a\r\n\r\n", 505},
	{"HTTP/3.0", "GET / HTTP/3.0\r\n\r\n", 505},
	{"HTTP/1.10", "GET / HTTP/1.10\r\nHost: a\r\n\r\n", 400},
	{"HTTP/11", "GET / HTTP/11\r\nHost: a\r\n\r\n", 400},
	{"lower-case version", "GET / http/1.1\r\nHost: a\r\n\r\n", 400},
	{"HTTP/1", "GET / HTTP/1\r\nHost: a\r\n\r\n", 400},
	{"HTTP/a.b", "GET / HTTP/a.b\r\nHost: a\r\n\r\n", 400},
	{"not HTTP", "GET / FTP/1.1\r\nHost: a\r\n\r\n", 400},
	// Host.
	{"missing host", "GET / HTTP/1.1\r\n\r\n", 400},
	{"two hosts", "GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n", 400},
	{"two hosts any case", "GET / HTTP/1.1\r\nHost: a\r\nhost: b\r\n\r\n", 400},
	{"two hosts http10", "GET / HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n", 400},
	{"host with space", "GET / HTTP/1.1\r\nHost: a b\r\n\r\n", 400},
	{"host with slash", "GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", 400},
	{"host with at", "GET / HTTP/1.1\r\nHost: user@a\r\n\r\n", 400},
	{"host bad port", "GET / HTTP/1.1\r\nHost: a:8o\r\n\r\n", 400},
	{"host two ports", "GET / HTTP/1.1\r\nHost: a:1:2\r\n\r\n", 400},
	{"host unclosed bracket", "GET / HTTP/1.1\r\nHost: [::1\r\n\r\n", 400},
	{"host bracket inside", "GET / HTTP/1.1\r\nHost: a[b]\r\n\r\n", 400},
	{"host ipv6 bad char", "GET / HTTP/1.1\r\nHost: [::1/8]\r\n\r\n", 400},
	{"host ipv6 junk after", "GET / HTTP/1.1\r\nHost: [::1]x\r\n\r\n", 400},
	// Content-Length.
	{"content-length and chunked", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", 400},
	{"chunked and content-length", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n", 400},
	{"content-length letters", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: abc\r\n\r\n", 400},
	{"content-length negative", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n", 400},
	{"content-length plus", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +5\r\n\r\n", 400},
	{"content-length hex", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0x5\r\n\r\n", 400},
	{"content-length inner space", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1 2\r\n\r\n", 400},
	{"content-length decimal", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1.0\r\n\r\n", 400},
	{"content-length overflow", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 9223372036854775808\r\n\r\n", 400},
	{"content-length huge", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999999\r\n\r\n", 400},
	{"content-length empty", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length:\r\n\r\n", 400},
	{"content-length differing list", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 6\r\n\r\n", 400},
	{"content-length differing fields", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n", 400},
	{"content-length empty element", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5,\r\n\r\n", 400},
	// Transfer-Encoding.
	{"chunked not last", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", 400},
	{"chunked not last across fields", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: gzip\r\n\r\n", 400},
	{"gzip then chunked", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501},
	{"unknown then chunked", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: foo\r\nTransfer-Encoding: chunked\r\n\r\n", 501},
	{"gzip only", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n", 400},
	{"identity", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: identity\r\n\r\n", 400},
	{"chunked twice", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, chunked\r\n\r\n", 400},
	{"chunked with parameter", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked;q=1\r\n\r\n", 400},
	{"chunked prefix", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: xchunked\r\n\r\n", 400},
	{"transfer-encoding empty", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding:\r\n\r\n", 400},
	{"transfer-encoding bad token", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: g(zip, chunked\r\n\r\n", 400},
	{"chunked http10", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", 400},
	// Limits.
	{"request line too long", "GET /" + strings.Repeat("a", DefaultMaxRequestLineSize) + " HTTP/1.1\r\nHost: a\r\n\r\n", 414},
	{"request line too long, no CRLF yet", "GET /" + strings.Repeat("a", DefaultMaxRequestLineSize), 414},
	{"head too large", "GET / HTTP/1.1\r\nHost: a\r\nX: " + strings.Repeat("a", DefaultMaxHeaderSize) + "\r\n\r\n", 431},
	{"head too large, many fields", "GET / HTTP/1.1\r\nHost: a\r\n" + strings.Repeat("X-Y: z\r\n", DefaultMaxHeaderSize/8), 431},
	{"leading CRLFs too many", strings.Repeat("\r\n", DefaultMaxHeaderSize/2) + "GET / HTTP/1.1\r\nHost: a\r\n\r\n", 431},
}

func TestParseRejected(t *testing.T) {
	for _, tt := range rejectedRequests {
		t.Run(tt.name, func(t *testing.T) {
			got := parseWhole([]byte(tt.raw))
			if got.status != tt.status {
				t.Errorf("Parse(%.80q) = %v, want status %d", tt.raw, got, tt.status)
			}
		})
	}
}

func TestParseErrorsAs(t *testing.T) {
	var p RequestParser
	var req httputil.ServerRequest
	_, err := p.Parse([]byte("GET / HTTP/2.0\r\n\r\n"), &req)
	var e *Error
	if !errors.As(err, &e) || e.Status != 505 {
		t.Fatalf("Parse(HTTP/2.0) = %v, want *Error with status 505", err)
	}
	if !strings.Contains(err.Error(), "505") {
		t.Errorf("Error() = %q, want the status in it", err)
	}
}

// Every request, valid or not, must give the same result however its bytes
// are split across calls.
func TestParseSplitAgrees(t *testing.T) {
	var raws []string
	for _, tt := range acceptedRequests {
		raws = append(raws, tt.raw)
	}
	for _, tt := range rejectedRequests {
		if len(tt.raw) < 1024 {
			raws = append(raws, tt.raw)
		}
	}
	for _, raw := range raws {
		data := []byte(raw)
		whole := parseWhole(data)
		if got := parseBytewise(data); got.String() != whole.String() {
			t.Errorf("byte by byte %q\n got %v\nwant %v", raw, got, whole)
		}
		for k := 0; k <= len(data); k++ {
			if got := parseSplit(data, k); got.String() != whole.String() {
				t.Errorf("split at %d %q\n got %v\nwant %v", k, raw, got, whole)
				break
			}
		}
	}
}

func TestParseIncomplete(t *testing.T) {
	for _, raw := range []string{"", "\r", "\r\n", "\r\n\r", "G", "GET / HTTP/1.1", "GET / HTTP/1.1\r",
		"GET / HTTP/1.1\r\n", "GET / HTTP/1.1\r\nHost: a\r\n", "GET / HTTP/1.1\r\nHost: a\r\n\r"} {
		if got := parseWhole([]byte(raw)); got.n != 0 || got.status != 0 {
			t.Errorf("Parse(%q) = %v, want need-more", raw, got)
		}
	}
}

// Garbage is refused as soon as it is seen, before a whole head arrives.
func TestParseEarlyReject(t *testing.T) {
	for _, tt := range []struct {
		raw    string
		status int
	}{
		{"\x16\x03\x01", 400},
		{"GET / HTTP/2.0\r\n", 505},
		{"GET / HTTP/1.1\r\nHost: a\r\nBad Name: x\r\n", 400},
		{"GET / HTTP/1.1\r\nX: a\r\n folded", 400},
		{"GET /" + strings.Repeat("a", 9000), 414},
	} {
		if got := parseWhole([]byte(tt.raw)); got.status != tt.status {
			t.Errorf("Parse(%.40q) = %v, want status %d", tt.raw, got, tt.status)
		}
	}
}

func TestParseLimits(t *testing.T) {
	p := RequestParser{MaxRequestLineSize: 16, MaxHeaderSize: 64}
	var req httputil.ServerRequest
	check := func(raw string, wantN, wantStatus int) {
		t.Helper()
		p.Reset() // each raw is a new connection's bytes
		n, err := p.Parse([]byte(raw), &req)
		got := snapshot(&p, &req, n, err)
		if got.n != wantN || got.status != wantStatus {
			t.Errorf("Parse(%q) = %v, want n=%d status=%d", raw, got, wantN, wantStatus)
		}
	}
	check("GET /aaa HTTP/1.1\r\nHost: a\r\n\r\n", 0, 414) // 17-byte line
	check("GET /aa HTTP/1.1\r\nHost: a\r\n\r\n", 29, 0)   // 16-byte line
	check("GET /aaaaaaaaaaaa", 0, 414)
	check("GET /aaaaaaaaaaa\r", 0, 0) // 16 bytes and a CR: may still fit
	prefix := "GET / HTTP/1.1\r\nHost: a\r\nX: "
	head64 := prefix + strings.Repeat("b", 64-len(prefix)-4) + "\r\n\r\n"
	if len(head64) != 64 {
		t.Fatalf("len(head64) = %d", len(head64))
	}
	check(head64, 64, 0)
	check(head64[:60]+"b", 0, 0)      // 61 bytes, incomplete
	check(head64[:60]+"bbbb", 0, 431) // 64 bytes and no end yet
	check(head64[:60]+"b\r\n\r\n", 0, 431)
}

func TestParseReuse(t *testing.T) {
	var p RequestParser
	var req httputil.ServerRequest
	raws := []string{
		"GET /a?x HTTP/1.1\r\nHost: a\r\nX-Custom: 1\r\nCookie: c=1\r\n\r\n",
		"GET /a?x HTTP/1.1\r\nHost: a\r\nX-Custom: 2\r\nCookie: c=1\r\n\r\n",
		"POST /b HTTP/1.1\r\nCookie: c=1\r\nHost: a\r\nContent-Length: 2\r\n\r\n",
		"FOO /b HTTP/1.1\r\nHost: a\r\nx-custom: 1\r\n\r\n",
		"FOO /b HTTP/1.1\r\nHost: b\r\nX-CUSTOM: 1\r\n\r\n",
	}
	for i := 0; i < 3; i++ {
		for _, raw := range raws {
			n, err := p.Parse([]byte(raw), &req)
			got, want := snapshot(&p, &req, n, err), parseWhole([]byte(raw))
			if got.String() != want.String() {
				t.Errorf("reused parser, Parse(%q)\n got %v\nwant %v", raw, got, want)
			}
		}
	}
}

// TestParseZeroAllocs checks the steady state of a keep-alive connection.
func TestParseZeroAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are not meaningful under the race detector")
	}
	for _, raw := range [][]byte{wrkRequest, browserRequest} {
		var p RequestParser
		var req httputil.ServerRequest
		allocs := testing.AllocsPerRun(100, func() {
			if n, err := p.Parse(raw, &req); n != len(raw) || err != nil {
				t.Fatalf("Parse = %d, %v", n, err)
			}
		})
		if allocs != 0 {
			t.Errorf("Parse(%.30q) allocates %v times per request, want 0", raw, allocs)
		}
	}
}

// TestParseLinear feeds a 32 KiB head one byte at a time and checks, by
// the parser's own count of bytes examined, that the cost is linear.
func TestParseLinear(t *testing.T) {
	work := func(size int) int64 {
		var b strings.Builder
		b.WriteString("GET / HTTP/1.1\r\nHost: a\r\n")
		for i := 0; b.Len() < size-40; i++ {
			fmt.Fprintf(&b, "X-Field-%d: %s\r\n", i, strings.Repeat("v", 20))
		}
		b.WriteString("X-Last: " + strings.Repeat("w", size-b.Len()-12) + "\r\n\r\n")
		data := []byte(b.String())
		if len(data) != size {
			t.Fatalf("built %d bytes, want %d", len(data), size)
		}
		var p RequestParser
		var req httputil.ServerRequest
		for i := 1; i <= len(data); i++ {
			n, err := p.Parse(data[:i], &req)
			if err != nil || (n != 0) != (i == len(data)) {
				t.Fatalf("Parse(%d of %d bytes) = %d, %v", i, len(data), n, err)
			}
		}
		return p.s.work
	}
	w16, w32 := work(16<<10), work(32<<10)
	t.Logf("bytes examined: %d for 16 KiB, %d for 32 KiB", w16, w32)
	if w32 > 4*32<<10 {
		t.Errorf("32 KiB head fed byte by byte examined %d bytes, want at most %d", w32, 4*32<<10)
	}
	if ratio := float64(w32) / float64(w16); ratio > 2.2 {
		t.Errorf("work for 32 KiB / work for 16 KiB = %.2f, want about 2", ratio)
	}
}

func TestRequestHost(t *testing.T) {
	for _, tt := range []struct{ in, host, name string }{
		{"GET / HTTP/1.1\r\nHost: Example.COM:8080\r\n\r\n", "Example.COM:8080", "example.com"},
		{"GET / HTTP/1.1\r\nHost: [::1]:80\r\n\r\n", "[::1]:80", "::1"},
		{"GET / HTTP/1.1\r\nHost: a\r\n\r\n", "a", "a"},
		{"GET / HTTP/1.0\r\n\r\n", "", ""},
	} {
		var p RequestParser
		req := &httputil.ServerRequest{Host: "stale", HostName: "stale"}
		if n, err := p.Parse([]byte(tt.in), req); n != len(tt.in) || err != nil {
			t.Fatalf("Parse(%q) = %d, %v", tt.in, n, err)
		}
		if req.Host != tt.host || req.HostName != tt.name {
			t.Errorf("Parse(%q): Host %q, HostName %q; want %q, %q", tt.in, req.Host, req.HostName, tt.host, tt.name)
		}
	}
}

// TestParseFreshRequestSizesItsHeader: a request without header storage
// gets it in one allocation of the head's field count, not by growing.
func TestParseFreshRequestSizesItsHeader(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are not meaningful under the race detector")
	}
	raw := []byte("POST /a/message/updates HTTP/1.1\r\nHost: a\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 8\r\nX-A: 1\r\nX-B: 2\r\n\r\n")
	var p RequestParser
	if n, err := p.Parse(raw, new(httputil.ServerRequest)); n != len(raw) || err != nil { // warms the parser's string cache
		t.Fatalf("Parse = %d, %v", n, err)
	}
	var req *httputil.ServerRequest
	allocs := testing.AllocsPerRun(100, func() {
		req = new(httputil.ServerRequest)
		p.Parse(raw, req)
	})
	if allocs != 2 { // the ServerRequest and its header's fields
		t.Errorf("Parse on a fresh request allocates %v times, want 2", allocs)
	}
	if req.Header.Len() != 5 || req.Header.Cap() != 5 {
		t.Errorf("header: %d fields, room for %d; want 5 and 5", req.Header.Len(), req.Header.Cap())
	}
}
