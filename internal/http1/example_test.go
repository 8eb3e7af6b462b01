package http1_test

import (
	"fmt"

	"github.com/gotornado/tornado/httputil"
	"github.com/gotornado/tornado/internal/http1"
)

// A connection feeds the parser all its unconsumed bytes; the head arrives
// here in two reads.
func ExampleRequestParser() {
	var p http1.RequestParser
	var req httputil.ServerRequest
	buf := []byte("POST /upload?x=1 HTTP/1.1\r\nHost: example.com\r\n")
	n, err := p.Parse(buf, &req)
	fmt.Println(n, err) // need more

	buf = append(buf, "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"...)
	n, err = p.Parse(buf, &req)
	fmt.Println(n, err, req.Method, req.Path, req.Query, req.Header.Get("Host"), p.BodyKind())

	var d http1.ChunkedDecoder
	_, done, err := d.Decode(buf[n:], func(chunk []byte) error {
		fmt.Printf("%s\n", chunk)
		return nil
	})
	fmt.Println(done, err)
	// Output:
	// 0 <nil>
	// 76 <nil> POST /upload x=1 example.com chunked
	// hello
	// true <nil>
}

func ExampleAppendStatusLine() {
	b := http1.AppendStatusLine(nil, "HTTP/1.1", 404, "")
	b = append(b, "Transfer-Encoding: chunked\r\n\r\n"...)
	b = http1.AppendChunk(b, []byte("not here"))
	b = append(b, http1.LastChunk...)
	fmt.Printf("%q\n", b)
	// Output:
	// "HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n8\r\nnot here\r\n0\r\n\r\n"
}
