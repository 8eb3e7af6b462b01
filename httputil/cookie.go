package httputil

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// ErrBadCookie is returned (wrapped) by Cookie.String for a cookie that cannot
// be sent safely.
var ErrBadCookie = errors.New("httputil: invalid cookie")

// ParseCookies parses a Cookie header value the way Tornado's parse_cookie
// does: the value is split on ';', each chunk into key=value at the first '=',
// both sides trimmed of white space, and a double-quoted value unquoted with
// Python's http.cookies rules (\" and \ooo octal escapes). A chunk without
// '=' is stored under the key "" (as browsers do); an empty chunk is skipped;
// a later key replaces an earlier one. It never fails.
func ParseCookies(header string) map[string]string {
	m := make(map[string]string)
	parseCookies(header, func(k, v string) { m[k] = v })
	return m
}

// parseCookies calls add for each cookie in header, in order. It is linear in len(header).
func parseCookies(header string, add func(k, v string)) {
	for header != "" {
		var chunk string
		chunk, header, _ = strings.Cut(header, ";")
		key, val, ok := strings.Cut(chunk, "=")
		if !ok {
			key, val = "", chunk
		}
		key, val = strings.TrimSpace(key), strings.TrimSpace(val)
		if key != "" || val != "" {
			add(key, unquoteCookie(val))
		}
	}
}

// unquoteCookie is Python's http.cookies._unquote: a value in double quotes
// loses them, and inside, \ooo (octal, first digit 0-3) becomes that code
// point and \X becomes X.
func unquoteCookie(s string) string {
	if len(s) < 2 || s[0] != '"' || s[len(s)-1] != '"' {
		return s
	}
	s = s[1 : len(s)-1]
	i := strings.IndexByte(s, '\\')
	if i < 0 {
		return s
	}
	b := make([]byte, 0, len(s))
	b = append(b, s[:i]...)
	for ; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 == len(s) || s[i+1] == '\n' {
			b = append(b, c)
			continue
		}
		if i+3 < len(s) && '0' <= s[i+1] && s[i+1] <= '3' && isOctal(s[i+2]) && isOctal(s[i+3]) {
			r := rune(s[i+1]-'0')<<6 | rune(s[i+2]-'0')<<3 | rune(s[i+3]-'0')
			b = utf8.AppendRune(b, r)
			i += 3
			continue
		}
		b = append(b, s[i+1])
		i++
	}
	return string(b)
}

func isOctal(c byte) bool { return '0' <= c && c <= '7' }

// legalCookieKey reports whether Python's http.cookies would accept k as a
// cookie name: non-empty, made of its legal characters, and not a reserved
// attribute name.
func legalCookieKey(k string) bool {
	if k == "" {
		return false
	}
	for i := 0; i < len(k); i++ {
		if cookieClass[k[i]] != cookieLegal {
			return false
		}
	}
	for _, r := range reservedCookieKeys {
		if equalFold(k, r) {
			return false
		}
	}
	return true
}

var reservedCookieKeys = [...]string{
	"expires", "path", "comment", "domain", "max-age", "secure", "httponly", "version", "samesite",
}

// Classes of cookieClass, the bytes of Python's http.cookies quoting.
const (
	cookieEscaped   = iota // written as \ooo inside quotes ('"' and '\\' as \" and \\)
	cookieUnescaped        // _UnescapedChars: written as they are inside quotes
	cookieLegal            // _LegalChars: a value made only of these is not quoted
)

// cookieClass maps each byte below 0x80 to its class; the rest are escaped.
var cookieClass = func() (t [256]uint8) {
	for c := range t {
		if tokenTable[c] || c == ':' { // _LegalChars is tchar plus ':'
			t[c] = cookieLegal
		}
	}
	for _, c := range " ()/<=>?@[]{}" {
		t[c] = cookieUnescaped
	}
	return t
}()

// quoteCookieValue appends v to dst as Python's http.cookies._quote writes
// it, and reports false (appending nothing) for a value Tornado's
// set_cookie refuses. Tornado refuses a control character or SPACE
// (U+0000 to U+0020). A value made only of _LegalChars (letters, digits and
// "!#$%&'*+-.^_`|~:") is written as it is; any other, the empty value
// included, goes in double quotes with '"' and '\\' escaped by a backslash
// and every character outside _LegalChars + " ()/<=>?@[]{}" written as
// \ooo, the octal of its code point: ',' is \054, ';' \073, DEL \177, 'é'
// \351. Python escapes only the code points below 256 so; any other is left
// as it is, and Tornado's HTTP/1 writer then fails to encode the header as
// latin-1. So v is read as UTF-8 (the code points unquoteCookie gives back
// for \ooo), and a code point above U+00FF, or invalid UTF-8 (which a
// Python str cannot hold), is refused. What it writes is ASCII, and
// unquoteCookie reads it back as v.
func quoteCookieValue(dst []byte, v string) ([]byte, bool) {
	legal := v != ""
	for i := 0; i < len(v); i++ {
		if c := v[i]; c <= ' ' {
			return dst, false
		} else if cookieClass[c] != cookieLegal {
			legal = false
		}
	}
	if legal {
		return append(dst, v...), true
	}
	start := len(dst)
	dst = append(dst, '"')
	for _, r := range v {
		switch {
		case r > 0xff: // utf8.RuneError, what invalid UTF-8 decodes to, among them
			return dst[:start], false
		case r == '"' || r == '\\':
			dst = append(dst, '\\', byte(r))
		case r < utf8.RuneSelf && cookieClass[r] != cookieEscaped:
			dst = append(dst, byte(r))
		default:
			dst = append(dst, '\\', '0'+byte(r>>6), '0'+byte(r>>3&7), '0'+byte(r&7))
		}
	}
	return append(dst, '"'), true
}

// Cookie is a cookie to send in a Set-Cookie header.
type Cookie struct {
	Name   string
	Value  string
	Domain string
	Path   string

	Expires time.Time // the zero time omits Expires
	// MaxAge > 0 sends Max-Age=MaxAge; MaxAge < 0 sends Max-Age=0 (delete
	// now); 0 omits it.
	MaxAge int

	Secure      bool
	HTTPOnly    bool
	SameSite    string // "", "Lax", "Strict" or "None" (any case)
	Partitioned bool
}

// String returns the Set-Cookie header value for c, with the value quoted as
// Tornado's set_cookie does through Python's http.cookies (see
// quoteCookieValue: `a,b"c` is sent as `"a\054b\"c"`, the empty value as
// `""`). It returns an error wrapping ErrBadCookie if the name is not one
// Python's http.cookies accepts (a token, ':' allowed, and not an attribute
// name such as "path"), the value holds a control character or SPACE, a
// code point above U+00FF or invalid UTF-8, the Domain or Path holds a
// control character or ';', or SameSite is unknown.
func (c *Cookie) String() (string, error) {
	b, err := c.AppendTo(make([]byte, 0, 64+len(c.Name)+len(c.Value)+len(c.Domain)+len(c.Path)))
	if err != nil {
		return "", err
	}
	return string(b), nil
}

// AppendTo appends the Set-Cookie header value for c to dst; it fails as String does.
func (c *Cookie) AppendTo(dst []byte) ([]byte, error) {
	if !legalCookieKey(c.Name) {
		return dst, fmt.Errorf("%w: name %q", ErrBadCookie, c.Name)
	}
	if !validCookieAttr(c.Domain) || strings.ContainsAny(c.Domain, " ,") {
		return dst, fmt.Errorf("%w: domain %q", ErrBadCookie, c.Domain)
	}
	if !validCookieAttr(c.Path) {
		return dst, fmt.Errorf("%w: path %q", ErrBadCookie, c.Path)
	}
	var sameSite string
	switch {
	case c.SameSite == "":
	case equalFold(c.SameSite, "Lax"):
		sameSite = "Lax"
	case equalFold(c.SameSite, "Strict"):
		sameSite = "Strict"
	case equalFold(c.SameSite, "None"):
		sameSite = "None"
	default:
		return dst, fmt.Errorf("%w: SameSite %q", ErrBadCookie, c.SameSite)
	}
	start := len(dst)
	dst = append(dst, c.Name...)
	dst = append(dst, '=')
	dst, ok := quoteCookieValue(dst, c.Value)
	if !ok {
		return dst[:start], fmt.Errorf("%w: value %q", ErrBadCookie, c.Value)
	}
	if c.Path != "" {
		dst = append(append(dst, "; Path="...), c.Path...)
	}
	if c.Domain != "" {
		dst = append(append(dst, "; Domain="...), c.Domain...)
	}
	if !c.Expires.IsZero() {
		dst = AppendHTTPDate(append(dst, "; Expires="...), c.Expires)
	}
	if c.MaxAge > 0 {
		dst = strconv.AppendInt(append(dst, "; Max-Age="...), int64(c.MaxAge), 10)
	} else if c.MaxAge < 0 {
		dst = append(dst, "; Max-Age=0"...)
	}
	if c.HTTPOnly {
		dst = append(dst, "; HttpOnly"...)
	}
	if c.Secure {
		dst = append(dst, "; Secure"...)
	}
	if sameSite != "" {
		dst = append(append(dst, "; SameSite="...), sameSite...)
	}
	if c.Partitioned {
		dst = append(dst, "; Partitioned"...)
	}
	return dst, nil
}

// validCookieAttr reports whether v may be a Domain or Path attribute value:
// printable ASCII without ';'.
func validCookieAttr(v string) bool {
	for i := 0; i < len(v); i++ {
		if c := v[i]; c < ' ' || c >= 0x7f || c == ';' {
			return false
		}
	}
	return true
}
