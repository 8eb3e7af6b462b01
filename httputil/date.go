package httputil

import (
	"errors"
	"time"
)

// TimeFormat is the IMF-fixdate layout of RFC 9110, always in GMT.
const TimeFormat = "Mon, 02 Jan 2006 15:04:05 GMT"

// ErrBadDate is returned by ParseHTTPDate for a value in none of the HTTP date formats.
var ErrBadDate = errors.New("httputil: malformed HTTP date")

// FormatHTTPDate formats t, converted to UTC, as an IMF-fixdate
// ("Sun, 06 Nov 1994 08:49:37 GMT").
func FormatHTTPDate(t time.Time) string {
	return string(AppendHTTPDate(make([]byte, 0, len(TimeFormat)), t))
}

// AppendHTTPDate appends t as an IMF-fixdate to dst. It does not allocate when
// dst has room.
func AppendHTTPDate(dst []byte, t time.Time) []byte {
	return t.UTC().AppendFormat(dst, TimeFormat)
}

// ParseHTTPDate parses an HTTP date in any of the three formats a recipient
// must accept (RFC 9110 section 5.6.7): IMF-fixdate, the obsolete RFC 850
// format and ANSI C's asctime format. The result is in UTC.
func ParseHTTPDate(s string) (time.Time, error) {
	for _, layout := range [...]string{
		TimeFormat,
		"Monday, 02-Jan-06 15:04:05 GMT",
		"Mon Jan _2 15:04:05 2006",
	} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, ErrBadDate
}
