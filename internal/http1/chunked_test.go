package http1

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
)

// decoded is everything Decode reports, for comparisons.
type decoded struct {
	body     string
	consumed int
	done     bool
	status   int // 0: no error
}

func decodeResult(d *ChunkedDecoder, body []byte, n int, done bool, err error) decoded {
	r := decoded{body: string(body), consumed: n, done: done}
	if err != nil {
		var e *Error
		if !errors.As(err, &e) {
			r.status = -1
		} else {
			r.status = e.Status
		}
	}
	return r
}

// decodeChunks feeds data to a decoder in pieces of the given sizes (the
// last piece gets the rest), as a connection would: each call gets only the
// bytes not consumed yet, plus new ones.
func decodeChunks(d ChunkedDecoder, data []byte, pieces ...int) decoded {
	var body []byte
	emit := func(b []byte) error { body = append(body, b...); return nil }
	consumed, avail := 0, 0
	for i := 0; ; i++ {
		if i < len(pieces) {
			avail = min(avail+pieces[i], len(data))
		} else {
			avail = len(data)
		}
		n, done, err := d.Decode(data[consumed:avail], emit)
		if n > avail-consumed {
			return decoded{status: -2}
		}
		consumed += n
		if done || err != nil || avail == len(data) {
			return decodeResult(&d, body, consumed, done, err)
		}
	}
}

func decodeWhole(d ChunkedDecoder, data []byte) decoded { return decodeChunks(d, data) }

func decodeBytewise(d ChunkedDecoder, data []byte) decoded {
	ones := make([]int, len(data))
	for i := range ones {
		ones[i] = 1
	}
	return decodeChunks(d, data, ones...)
}

var chunkedCases = []struct {
	name   string
	raw    string
	body   string
	rest   int // bytes left after the body
	status int
}{
	{"one chunk", "5\r\nhello\r\n0\r\n\r\n", "hello", 0, 0},
	{"several chunks", "5\r\nhello\r\n1\r\n \r\n5\r\nworld\r\n0\r\n\r\n", "hello world", 0, 0},
	{"upper-case hex", "A\r\n0123456789\r\n0\r\n\r\n", "0123456789", 0, 0},
	{"lower-case hex", "a\r\n0123456789\r\n0\r\n\r\n", "0123456789", 0, 0},
	{"leading zeros", "005\r\nhello\r\n000\r\n\r\n", "hello", 0, 0},
	{"empty body", "0\r\n\r\n", "", 0, 0},
	{"extension", "5;a\r\nhello\r\n0\r\n\r\n", "hello", 0, 0},
	{"extension value", "5;a=b\r\nhello\r\n0\r\n\r\n", "hello", 0, 0},
	{"extensions", "5;a=b;c;d=e\r\nhello\r\n0;last=1\r\n\r\n", "hello", 0, 0},
	{"quoted extension", "5;a=\"x y;\\\"z\\\\\"\r\nhello\r\n0\r\n\r\n", "hello", 0, 0},
	{"quoted then more", "5;a=\"\";b\r\nhello\r\n0\r\n\r\n", "hello", 0, 0},
	{"trailers", "5\r\nhello\r\n0\r\nX-Sum: abc\r\nEmpty:\r\nX: a b\tc\r\n\r\n", "hello", 0, 0},
	{"next message follows", "5\r\nhello\r\n0\r\n\r\nGET / HTTP/1.1\r\n", "hello", 16, 0},
	{"binary data", "4\r\n\r\n\x00\n\r\n0\r\n\r\n", "\r\n\x00\n", 0, 0},

	{"empty size", "\r\nhello\r\n0\r\n\r\n", "", 0, 400},
	{"not hex", "x\r\nhello\r\n0\r\n\r\n", "", 0, 400},
	{"0x prefix", "0x5\r\nhello\r\n0\r\n\r\n", "", 0, 400},
	{"negative", "-5\r\nhello\r\n0\r\n\r\n", "", 0, 400},
	{"plus", "+5\r\nhello\r\n0\r\n\r\n", "", 0, 400},
	{"leading space", " 5\r\nhello\r\n0\r\n\r\n", "", 0, 400},
	{"trailing space", "5 \r\nhello\r\n0\r\n\r\n", "", 0, 400},
	{"space before extension", "5 ;a\r\nhello\r\n0\r\n\r\n", "", 0, 400},
	{"trailing tab", "5\t\r\nhello\r\n0\r\n\r\n", "", 0, 400},
	{"trailing garbage", "5z\r\nhello\r\n0\r\n\r\n", "", 0, 400},
	{"overflow", "10000000000000000\r\n", "", 0, 400},
	{"overflow long", "ffffffffffffffffffff\r\n", "", 0, 400},
	{"bare LF after size", "5\nhello\r\n0\r\n\r\n", "", 0, 400},
	{"bare CR after size", "5\rhello\r\n0\r\n\r\n", "", 0, 400},
	{"bare LF after data", "5\r\nhello\n0\r\n\r\n", "hello", 0, 400},
	{"no CRLF after data", "5\r\nhello0\r\n\r\n", "hello", 0, 400},
	{"data longer than size", "5\r\nhello!\r\n0\r\n\r\n", "hello", 0, 400},
	{"CR only after data", "5\r\nhello\r0\r\n\r\n", "hello", 0, 400},
	{"empty extension", "5;\r\nhello\r\n0\r\n\r\n", "", 0, 400},
	{"extension without name", "5;=b\r\nhello\r\n0\r\n\r\n", "", 0, 400},
	{"extension empty value", "5;a=\r\nhello\r\n0\r\n\r\n", "", 0, 400},
	{"extension space", "5;a b\r\nhello\r\n0\r\n\r\n", "", 0, 400},
	{"extension space around =", "5;a = b\r\nhello\r\n0\r\n\r\n", "", 0, 400},
	{"extension bad char", "5;a=b@c\r\nhello\r\n0\r\n\r\n", "", 0, 400},
	{"extension unterminated quote", "5;a=\"b\r\nhello\r\n0\r\n\r\n", "", 0, 400},
	{"extension after quote", "5;a=\"b\"c\r\nhello\r\n0\r\n\r\n", "", 0, 400},
	{"extension CTL in quote", "5;a=\"\x01\"\r\nhello\r\n0\r\n\r\n", "", 0, 400},
	{"extension too long", "5;a=" + strings.Repeat("b", maxChunkLine) + "\r\nhello\r\n0\r\n\r\n", "", 0, 400},
	{"trailer fold", "0\r\nX: a\r\n b\r\n\r\n", "", 0, 400},
	{"trailer space before colon", "0\r\nX : a\r\n\r\n", "", 0, 400},
	{"trailer no colon", "0\r\nX\r\n\r\n", "", 0, 400},
	{"trailer empty name", "0\r\n: a\r\n\r\n", "", 0, 400},
	{"trailer bare LF", "0\r\nX: a\n\r\n", "", 0, 400},
	{"trailer CTL", "0\r\nX: a\x00\r\n\r\n", "", 0, 400},
	{"final bare LF", "0\r\n\n", "", 0, 400},
	{"final CR CR", "0\r\n\r\r", "", 0, 400},
	{"trailer too large", "0\r\nX: " + strings.Repeat("a", DefaultMaxTrailerSize) + "\r\n\r\n", "", 0, 431},
}

func TestChunkedDecoder(t *testing.T) {
	for _, tt := range chunkedCases {
		t.Run(tt.name, func(t *testing.T) {
			got := decodeWhole(ChunkedDecoder{}, []byte(tt.raw))
			want := decoded{body: tt.body, status: tt.status}
			if tt.status == 0 {
				want.consumed, want.done = len(tt.raw)-tt.rest, true
			} else {
				got.consumed = 0 // where an error stops is not specified
			}
			if got != want {
				t.Errorf("Decode(%.60q) = %+v, want %+v", tt.raw, got, want)
			}
		})
	}
}

func TestChunkedSplitAgrees(t *testing.T) {
	for _, tt := range chunkedCases {
		data := []byte(tt.raw)
		whole := decodeWhole(ChunkedDecoder{}, data)
		if got := decodeBytewise(ChunkedDecoder{}, data); got != whole {
			t.Errorf("byte by byte %.60q = %+v, want %+v", tt.raw, got, whole)
		}
		for k := 0; k <= len(data) && k < 200; k++ {
			if got := decodeChunks(ChunkedDecoder{}, data, k); got != whole {
				t.Errorf("split at %d %.60q = %+v, want %+v", k, tt.raw, got, whole)
				break
			}
		}
	}
}

func TestChunkedIncomplete(t *testing.T) {
	for _, raw := range []string{"", "5", "5\r", "5\r\n", "5\r\nhel", "5\r\nhello", "5\r\nhello\r",
		"5\r\nhello\r\n0", "5\r\nhello\r\n0\r\n", "5\r\nhello\r\n0\r\nX: y\r\n", "5\r\nhello\r\n0\r\n\r", "5;a=\"x"} {
		got := decodeWhole(ChunkedDecoder{}, []byte(raw))
		if got.done || got.status != 0 || got.consumed != len(raw) {
			t.Errorf("Decode(%q) = %+v, want all consumed, not done, no error", raw, got)
		}
	}
}

func TestChunkedLimits(t *testing.T) {
	for _, tt := range []struct {
		d      ChunkedDecoder
		raw    string
		status int
	}{
		{ChunkedDecoder{MaxBodySize: 5}, "5\r\nhello\r\n0\r\n\r\n", 0},
		{ChunkedDecoder{MaxBodySize: 4}, "5\r\n", 413},
		{ChunkedDecoder{MaxBodySize: 8}, "5\r\nhello\r\n4\r\n", 413},
		{ChunkedDecoder{}, fmt.Sprintf("%x\r\n", DefaultMaxBodySize+1), 413},
		{ChunkedDecoder{MaxBodySize: -1}, "7fffffffffffffff\r\n", 0},
		{ChunkedDecoder{MaxTrailerSize: 10}, "0\r\nX: 12345\r\n\r\n", 431},
		{ChunkedDecoder{MaxTrailerSize: 11}, "0\r\nX: 1234\r\n\r\n", 0},
	} {
		got := decodeWhole(tt.d, []byte(tt.raw))
		if got.status != tt.status {
			t.Errorf("%+v Decode(%q) = %+v, want status %d", tt.d, tt.raw, got, tt.status)
		}
	}
}

func TestChunkedSticky(t *testing.T) {
	var d ChunkedDecoder
	emit := func([]byte) error { return nil }
	if _, _, err := d.Decode([]byte("x"), emit); err == nil {
		t.Fatal("Decode(x) succeeded")
	}
	if n, _, err := d.Decode([]byte("5\r\nhello\r\n0\r\n\r\n"), emit); n != 0 || err == nil {
		t.Errorf("Decode after an error = %d, %v; want 0 and the error", n, err)
	}
	d.Reset()
	if n, done, err := d.Decode([]byte("0\r\n\r\nX"), emit); n != 5 || !done || err != nil {
		t.Errorf("Decode after Reset = %d, %v, %v; want 5, true, nil", n, done, err)
	}
	if n, done, err := d.Decode([]byte("X"), emit); n != 0 || !done || err != nil || !d.Done() {
		t.Errorf("Decode when done = %d, %v, %v; want 0, true, nil", n, done, err)
	}
}

func TestChunkedEmitError(t *testing.T) {
	stop := errors.New("stop")
	var d ChunkedDecoder
	n, done, err := d.Decode([]byte("5\r\nhello\r\n0\r\n\r\n"), func([]byte) error { return stop })
	if err != stop || done || n != 8 {
		t.Errorf("Decode with failing emit = %d, %v, %v; want 8, false, stop", n, done, err)
	}
}

func TestChunkRoundTrip(t *testing.T) {
	var enc []byte
	var want []byte
	for i, size := range []int{1, 15, 16, 255, 4096, 0, 70000} {
		data := bytes.Repeat([]byte{byte('a' + i)}, size)
		want = append(want, data...)
		enc = AppendChunk(enc, data)
	}
	enc = append(enc, LastChunk...)
	got := decodeWhole(ChunkedDecoder{}, enc)
	if got.body != string(want) || !got.done || got.consumed != len(enc) || got.status != 0 {
		t.Errorf("round trip: done=%v consumed=%d/%d status=%d, body equal: %v",
			got.done, got.consumed, len(enc), got.status, got.body == string(want))
	}
	if h := string(AppendChunkHeader(nil, 255)); h != "ff\r\n" {
		t.Errorf("AppendChunkHeader(255) = %q, want %q", h, "ff\r\n")
	}
	if c := AppendChunk([]byte("x"), nil); string(c) != "x" {
		t.Errorf("AppendChunk(x, nil) = %q, want %q", c, "x")
	}
}

// TestChunkedLinear checks that a body fed one byte at a time costs one
// step per byte: the decoder never looks back.
func TestChunkedLinear(t *testing.T) {
	data := []byte(strings.Repeat("1;a=\"b\"\r\nx\r\n", 3000) + "0\r\nT: v\r\n\r\n")
	var d ChunkedDecoder
	emit := func([]byte) error { return nil }
	calls := 0
	for i := range data {
		n, _, err := d.Decode(data[i:i+1], emit)
		calls++
		if n != 1 || err != nil {
			t.Fatalf("Decode(byte %d) = %d, %v", i, n, err)
		}
	}
	if !d.Done() || calls != len(data) {
		t.Errorf("done=%v after %d calls, want done after %d", d.Done(), calls, len(data))
	}
}
