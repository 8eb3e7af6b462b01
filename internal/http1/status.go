package http1

import (
	"strconv"

	"github.com/gotornado/tornado/httputil"
)

// AppendStatusLine appends "version code reason\r\n" to dst, where the
// reason written is httputil.Reason(code, reason): an empty reason becomes
// httputil.StatusText(code), or "Unknown" for a code without one, and a
// reason Tornado refuses (one with '<', CR, LF or another control
// character) becomes "Unknown", so a reason cannot split the response.
func AppendStatusLine(dst []byte, version string, code int, reason string) []byte {
	if version == "HTTP/1.1" && code >= 100 && code < 600 {
		// Known codes with their own reason phrase come from a table.
		if line := statusLines[code-100]; line != "" && (reason == "" || reason == line[13:len(line)-2]) {
			return append(dst, line...)
		}
	}
	dst = append(dst, version...)
	dst = append(dst, ' ')
	dst = strconv.AppendInt(dst, int64(code), 10)
	dst = append(dst, ' ')
	dst = append(dst, httputil.Reason(code, reason)...)
	return append(dst, "\r\n"...)
}

// statusLines holds "HTTP/1.1 <code> <reason>\r\n" for every code from 100
// to 599 that httputil.StatusText knows, indexed by code-100.
var statusLines = func() (t [500]string) {
	for code := 100; code < 600; code++ {
		if text := httputil.StatusText(code); text != "" {
			t[code-100] = "HTTP/1.1 " + strconv.Itoa(code) + " " + text + "\r\n"
		}
	}
	return t
}()
