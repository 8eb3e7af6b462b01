package httputil_test

import (
	"fmt"
	"strings"
	"time"

	"github.com/gotornado/tornado/httputil"
)

func Example() {
	var r httputil.ServerRequest
	r.Method, r.URI, r.Path, r.Query = "POST", "/upload?dir=docs", "/upload", "dir=docs"
	r.Header.Add("content-type", "multipart/form-data; boundary=XyZ")
	r.Header.Add("Cookie", `user=alice; theme="dark"`)
	r.Body = []byte(strings.Join([]string{
		"--XyZ",
		`Content-Disposition: form-data; name="title"`,
		"",
		"Report",
		"--XyZ",
		`Content-Disposition: form-data; name="file"; filename="r.txt"`,
		"Content-Type: text/plain",
		"",
		"hello",
		"--XyZ--",
		"",
	}, "\r\n"))

	fmt.Println(r.Header.Get("Content-Type"))
	fmt.Println(r.Arguments())
	f := r.Files()["file"][0]
	fmt.Printf("%s (%s): %s\n", f.Filename, f.ContentType, f.Body)
	fmt.Println(r.Cookies()["theme"])

	c := httputil.Cookie{Name: "seen", Value: "1", Path: "/", Expires: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC), HTTPOnly: true}
	s, err := c.String()
	fmt.Println(s, err)
	// Output:
	// multipart/form-data; boundary=XyZ
	// map[dir:[docs] title:[Report]]
	// r.txt (text/plain): hello
	// dark
	// seen=1; Path=/; Expires=Tue, 01 Jan 2030 00:00:00 GMT; HttpOnly <nil>
}

func ExampleParseRange() {
	for _, h := range []string{"bytes=0-99", "bytes=-100", "bytes=0-", "bytes=5000-"} {
		ranges, err := httputil.ParseRange(h, 1000)
		switch {
		case err != nil:
			fmt.Printf("%s: 416 (%v)\n", h, err)
		case ranges == nil:
			fmt.Printf("%s: 200, whole file\n", h)
		default:
			fmt.Printf("%s: 206, Content-Range: %s\n", h, ranges[0].ContentRange(1000))
		}
	}
	// Output:
	// bytes=0-99: 206, Content-Range: bytes 0-99/1000
	// bytes=-100: 206, Content-Range: bytes 900-999/1000
	// bytes=0-: 200, whole file
	// bytes=5000-: 416 (httputil: range not satisfiable)
}

func ExampleCookie_String() {
	for _, v := range []string{"abc123", `a,b"c;d\e`, "", "x y"} {
		c := httputil.Cookie{Name: "k", Value: v}
		if s, err := c.String(); err != nil {
			fmt.Println(err)
		} else {
			fmt.Println(s)
		}
	}
	// Output:
	// k=abc123
	// k="a\054b\"c\073d\\e"
	// k=""
	// httputil: invalid cookie: value "x y"
}

func ExampleReason() {
	fmt.Println(httputil.Reason(404, ""))
	fmt.Println(httputil.Reason(599, ""))
	fmt.Println(httputil.Reason(299, "Custom"))
	fmt.Println(httputil.Reason(200, "OK\r\nX-Injected: 1"))
	// Output:
	// Not Found
	// Unknown
	// Custom
	// Unknown
}
