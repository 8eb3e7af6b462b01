package httputil

import (
	"net/url"
	"strings"
)

// ParseQuery parses a URL query string (or an application/x-www-form-urlencoded
// body) the way Tornado's parse_qs_bytes does with keep_blank_values: fields
// are separated by '&', empty fields are skipped, a field without '=' has the
// value "", '+' means a space, and a '%' not followed by two hex digits is
// kept literally instead of failing the whole string. Values are raw bytes, not
// checked to be UTF-8.
func ParseQuery(query string) url.Values {
	v := make(url.Values)
	parseQuery(&form{args: v}, query, 0)
	return v
}

// parseQuery adds the fields of s to f's arguments. With maxFields > 0 it
// stops and returns ErrTooManyFields once more than maxFields fields are seen.
func parseQuery(f *form, s string, maxFields int) error {
	n := 0
	for s != "" {
		var field string
		field, s, _ = strings.Cut(s, "&")
		if field == "" {
			continue
		}
		if n++; maxFields > 0 && n > maxFields {
			return ErrTooManyFields
		}
		key, value, _ := strings.Cut(field, "=")
		f.addArg(unescape(key, true), unescape(value, true))
	}
	return nil
}

// Unquote decodes %XX escapes (not '+'), leaving malformed escapes as they
// are, like Python's urllib.parse.unquote (Tornado unquotes path groups with
// it). It returns s itself when there is nothing to decode.
func Unquote(s string) string { return unescape(s, false) }

// unescape decodes %XX escapes, and '+' as a space when plus is set, leaving
// malformed escapes as they are (Python's urllib.parse.unquote). It returns s
// itself when there is nothing to decode.
func unescape(s string, plus bool) string {
	i := strings.IndexByte(s, '%')
	if plus {
		i = strings.IndexAny(s, "%+")
	}
	if i < 0 {
		return s
	}
	b := make([]byte, 0, len(s))
	b = append(b, s[:i]...)
	for ; i < len(s); i++ {
		switch c := s[i]; {
		case c == '+' && plus:
			b = append(b, ' ')
		case c == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
			b = append(b, unhex(s[i+1])<<4|unhex(s[i+2]))
			i += 2
		default:
			b = append(b, c)
		}
	}
	return string(b)
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c >= 'a':
		return c - 'a' + 10
	default:
		return c - 'A' + 10
	}
}
