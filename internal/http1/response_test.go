package http1

import (
	"errors"
	"fmt"
	"slices"
	"testing"
)

type parsedResponse struct {
	n         int
	status    int
	version   string
	code      int
	reason    string
	header    []string
	kind      BodyKind
	length    int64
	keepAlive bool
}

func parseResponse(p *ResponseParser, data []byte) parsedResponse {
	var head ResponseHead
	n, err := p.Parse(data, &head)
	r := parsedResponse{n: n}
	if err != nil {
		var e *Error
		if errors.As(err, &e) {
			r.status = e.Status
		} else {
			r.status = -1
		}
		return r
	}
	if n == 0 {
		return r
	}
	r.version, r.code, r.reason = head.Version, head.Code, head.Reason
	for k, v := range head.Header.All() {
		r.header = append(r.header, k+": "+v)
	}
	r.kind, r.length, r.keepAlive = p.BodyKind(), p.ContentLength(), p.KeepAlive()
	return r
}

func TestResponseParser(t *testing.T) {
	for _, tt := range []struct {
		raw       string
		code      int
		reason    string
		kind      BodyKind
		length    int64
		keepAlive bool
	}{
		{"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n", 200, "OK", BodyLength, 5, true},
		{"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", 200, "OK", BodyNone, 0, true},
		{"HTTP/1.1 200 OK\r\n\r\n", 200, "OK", BodyUntilClose, 0, false},
		{"HTTP/1.1 204 No Content\r\n\r\n", 204, "No Content", BodyNone, 0, true},
		{"HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n", 304, "Not Modified", BodyNone, 0, true},
		{"HTTP/1.1 100 Continue\r\n\r\n", 100, "Continue", BodyNone, 0, true},
		{"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", 200, "OK", BodyChunked, 0, true},
		{"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n", 200, "OK", BodyChunked, 0, false},
		{"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", 200, "OK", BodyUntilClose, 0, false},
		{"HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", 200, "OK", BodyUntilClose, 0, false},
		{"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\n", 200, "OK", BodyLength, 2, false},
		{"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\n", 200, "OK", BodyLength, 2, true},
		{"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\n", 200, "OK", BodyLength, 2, false},
		{"HTTP/1.1 200\r\nContent-Length: 1\r\n\r\n", 200, "", BodyLength, 1, true},
		{"HTTP/1.1 200 \r\nContent-Length: 1\r\n\r\n", 200, "", BodyLength, 1, true},
		{"HTTP/1.1 499 Client Went Away\r\nContent-Length: 1\r\n\r\n", 499, "Client Went Away", BodyLength, 1, true},
		{"\r\nHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n", 200, "OK", BodyLength, 1, true},
	} {
		var p ResponseParser
		got := parseResponse(&p, []byte(tt.raw))
		if got.n != len(tt.raw) || got.code != tt.code || got.reason != tt.reason || got.kind != tt.kind ||
			got.length != tt.length || got.keepAlive != tt.keepAlive {
			t.Errorf("Parse(%q) = %+v, want code %d reason %q kind %v length %d keepAlive %v",
				tt.raw, got, tt.code, tt.reason, tt.kind, tt.length, tt.keepAlive)
		}
	}
}

func TestResponseFold(t *testing.T) {
	raw := "HTTP/1.1 200 OK\r\nX: a\r\n  b\r\n\tc \r\nY:\r\n d\r\nContent-Length: 0\r\n\r\n"
	var p ResponseParser
	got := parseResponse(&p, []byte(raw))
	want := []string{"X: a b c", "Y: d", "Content-Length: 0"}
	if !slices.Equal(got.header, want) {
		t.Errorf("Parse(%q) header = %q, want %q", raw, got.header, want)
	}
}

func TestResponseRejected(t *testing.T) {
	for _, raw := range []string{
		"HTTP/1.1 20 OK\r\n\r\n",
		"HTTP/1.1 2000 OK\r\n\r\n",
		"HTTP/1.1 099 OK\r\n\r\n",
		"HTTP/1.1 abc OK\r\n\r\n",
		"HTTP/1.1 200OK\r\n\r\n",
		"HTTP/1.1  200 OK\r\n\r\n",
		"HTTP/2 200 OK\r\n\r\n",
		"HTTP/2.0 200 OK\r\n\r\n",
		"ICY 200 OK\r\n\r\n",
		"http/1.1 200 OK\r\n\r\n",
		"HTTP/1.1 200 O\x01K\r\n\r\n",
		"HTTP/1.1 200 OK\nContent-Length: 0\r\n\r\n",
		"HTTP/1.1 200 OK\r\n X: a\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
		"HTTP/1.1 200 OK\r\nX : a\r\n\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
		"HTTP/1.1 200 OK\r\nX: a\r\n b\x00\r\n\r\n",
	} {
		var p ResponseParser
		if got := parseResponse(&p, []byte(raw)); got.status == 0 {
			t.Errorf("Parse(%q) = %+v, want an error", raw, got)
		}
	}
}

func TestResponseSplitAgrees(t *testing.T) {
	raws := []string{
		"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\n\r\nhello",
		"HTTP/1.1 200 OK\r\nX: a\r\n b\r\n\r\n",
		"HTTP/1.1 200 OK\r\n X: a\r\n\r\n",
		"HTTP/1.1 2x0 OK\r\n\r\n",
		"HTTX/1.1 200 OK\r\n\r\n",
	}
	for _, raw := range raws {
		data := []byte(raw)
		var p ResponseParser
		whole := fmt.Sprintf("%+v", parseResponse(&p, data))
		for k := 0; k <= len(data); k++ {
			var p ResponseParser
			got := parseResponse(&p, data[:k])
			if got.n == 0 && got.status == 0 {
				got = parseResponse(&p, data)
			}
			if s := fmt.Sprintf("%+v", got); s != whole {
				t.Errorf("split at %d %q = %s, want %s", k, raw, s, whole)
			}
		}
	}
}

func TestResponseZeroAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are not meaningful under the race detector")
	}
	raw := []byte("HTTP/1.1 200 OK\r\nServer: TornadoServer/6.4\r\nContent-Type: text/plain\r\nContent-Length: 13\r\nDate: Mon, 01 Jan 2024 00:00:00 GMT\r\n\r\n")
	var p ResponseParser
	var head ResponseHead
	allocs := testing.AllocsPerRun(100, func() {
		if n, err := p.Parse(raw, &head); n != len(raw) || err != nil {
			t.Fatalf("Parse = %d, %v", n, err)
		}
	})
	if allocs != 0 {
		t.Errorf("ResponseParser.Parse allocates %v times per response, want 0", allocs)
	}
}
