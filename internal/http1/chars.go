package http1

// Byte classes of RFC 9110 and RFC 9112, as lookup tables.
var (
	// tokenChars: tchar.
	tokenChars = makeTable(func(c byte) bool {
		return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
			contains("!#$%&'*+-.^_`|~", c)
	})
	// valueChars: field-vchar, SP and HTAB (field-content, plus the spaces inside it).
	valueChars = makeTable(func(c byte) bool { return c == '\t' || c >= ' ' && c != 0x7f })
	// targetChars: the visible ASCII characters allowed in a request-target.
	targetChars = makeTable(func(c byte) bool { return c > ' ' && c < 0x7f })
	// regNameChars: the characters of a reg-name (unreserved, pct-encoded, sub-delims).
	regNameChars = makeTable(func(c byte) bool {
		return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
			contains("!$%&'()*+,-.;=_~", c)
	})
	// regNameClass: 0 outside a reg-name, 2 for an upper-case letter, 1 for
	// the rest of it.
	regNameClass = func() (t [256]byte) {
		for c := range t {
			switch {
			case 'A' <= c && c <= 'Z':
				t[c] = 2
			case regNameChars[c]:
				t[c] = 1
			}
		}
		return t
	}()
	// ipLiteralChars: the characters inside the brackets of an IP-literal.
	ipLiteralChars = makeTable(func(c byte) bool { return regNameChars[c] || c == ':' })
	// qdtextChars: qdtext of a quoted-string.
	qdtextChars = makeTable(func(c byte) bool {
		return c == '\t' || c == ' ' || c == '!' || c >= '#' && c != '\\' && c != 0x7f
	})
	// escapedChars: what may follow a backslash in a quoted-string.
	escapedChars = makeTable(func(c byte) bool { return c == '\t' || c >= ' ' && c != 0x7f })
)

func makeTable(f func(c byte) bool) (t [256]bool) {
	for i := range t {
		t[i] = f(byte(i))
	}
	return t
}

func contains(s string, c byte) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			return true
		}
	}
	return false
}

// isToken reports whether b is a non-empty token.
func isToken(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		if !tokenChars[c] {
			return false
		}
	}
	return true
}

func validValue(b []byte) bool {
	for _, c := range b {
		if !valueChars[c] {
			return false
		}
	}
	return true
}

// trimOWS removes leading and trailing SP and HTAB.
func trimOWS(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t') {
		b = b[:len(b)-1]
	}
	return b
}

func trimOWSString(s string) string {
	for len(s) > 0 && (s[0] == ' ' || s[0] == '\t') {
		s = s[1:]
	}
	for len(s) > 0 && (s[len(s)-1] == ' ' || s[len(s)-1] == '\t') {
		s = s[:len(s)-1]
	}
	return s
}

// equalFold reports whether s equals the lower-case ASCII word lower, ignoring case.
func equalFold(s, lower string) bool {
	if len(s) != len(lower) {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lower[i] {
			return false
		}
	}
	return true
}

func unhex(c byte) int64 {
	switch {
	case '0' <= c && c <= '9':
		return int64(c - '0')
	case 'a' <= c && c <= 'f':
		return int64(c - 'a' + 10)
	case 'A' <= c && c <= 'F':
		return int64(c - 'A' + 10)
	}
	return -1
}
