package http1

import "github.com/gotornado/tornado/httputil"

// internMethod returns the constant string for a standard method. The switch
// on string(b) compares without converting, so it does not allocate.
func internMethod(b []byte) (string, bool) {
	switch string(b) {
	case "GET":
		return "GET", true
	case "POST":
		return "POST", true
	case "HEAD":
		return "HEAD", true
	case "PUT":
		return "PUT", true
	case "DELETE":
		return "DELETE", true
	case "OPTIONS":
		return "OPTIONS", true
	case "PATCH":
		return "PATCH", true
	case "CONNECT":
		return "CONNECT", true
	case "TRACE":
		return "TRACE", true
	}
	return "", false
}

// commonNames maps the canonical and the lower-case spelling of frequent
// header names to the canonical string, so that they cost no allocation.
var commonNames = func() map[string]string {
	names := []string{
		"Accept", "Accept-Charset", "Accept-Encoding", "Accept-Language", "Accept-Ranges",
		"Access-Control-Allow-Credentials", "Access-Control-Allow-Headers",
		"Access-Control-Allow-Methods", "Access-Control-Allow-Origin",
		"Access-Control-Expose-Headers", "Access-Control-Max-Age",
		"Access-Control-Request-Headers", "Access-Control-Request-Method",
		"Age", "Allow", "Alt-Svc", "Authorization", "Cache-Control", "Cdn-Loop",
		"Connection", "Content-Disposition", "Content-Encoding", "Content-Language",
		"Content-Length", "Content-Location", "Content-Range", "Content-Security-Policy",
		"Content-Type", "Cookie", "Date", "Dnt", "Etag", "Expect", "Expires",
		"Forwarded", "From", "Host", "If-Match", "If-Modified-Since", "If-None-Match",
		"If-Range", "If-Unmodified-Since", "Keep-Alive", "Last-Modified", "Link",
		"Location", "Max-Forwards", "Origin", "Pragma", "Priority", "Proxy-Authenticate",
		"Proxy-Authorization", "Proxy-Connection", "Range", "Referer", "Referrer-Policy",
		"Retry-After", "Sec-Ch-Ua", "Sec-Ch-Ua-Mobile", "Sec-Ch-Ua-Platform",
		"Sec-Fetch-Dest", "Sec-Fetch-Mode", "Sec-Fetch-Site", "Sec-Fetch-User",
		"Sec-Gpc", "Sec-Purpose", "Sec-Websocket-Accept", "Sec-Websocket-Extensions",
		"Sec-Websocket-Key", "Sec-Websocket-Protocol", "Sec-Websocket-Version",
		"Server", "Set-Cookie", "Strict-Transport-Security", "Te", "Trailer",
		"Transfer-Encoding", "Upgrade", "Upgrade-Insecure-Requests", "User-Agent",
		"Vary", "Via", "Warning", "Www-Authenticate", "X-Content-Type-Options",
		"X-Csrftoken", "X-Forwarded-For", "X-Forwarded-Host", "X-Forwarded-Port",
		"X-Forwarded-Proto", "X-Frame-Options", "X-Http-Method-Override", "X-Real-Ip",
		"X-Request-Id", "X-Requested-With", "X-Scheme", "X-Xsrftoken", "X-Xss-Protection",
	}
	m := make(map[string]string, 2*len(names))
	for _, n := range names {
		c := httputil.CanonicalKey(n)
		m[c] = c
		m[lowerASCII(c)] = c
	}
	return m
}()

func lowerASCII(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

const (
	maxCachedNames = 256 // distinct uncommon header names remembered per parser
	maxCachedLines = 64  // header lines remembered per parser, from the last head
)

// cachedLine is a header line of the previous head, validated.
type cachedLine struct {
	line  string // as received, without CRLF
	name  string // canonical
	value string // a substring of line
}

// stringCache turns the lines of a head into strings, reusing those of the
// previous head on the same connection when the bytes are equal: a
// keep-alive client repeats most of its request, so steady-state parsing
// neither allocates nor validates again. Comparing string(b) == s does not
// allocate.
type stringCache struct {
	names     map[string]string // uncommon names as sent → canonical
	prev, cur []cachedLine

	startLine string // the last request or status line, and its parts
	method    string
	target    string
	version   string
	code      int
	reason    string
}

// field returns the canonical name and the value of a header line,
// validating it unless it repeats a line of the previous head.
func (c *stringCache) field(line []byte) (name, value string, err *Error) {
	i := len(c.cur)
	var f cachedLine
	if i < len(c.prev) && c.prev[i].line == string(line) {
		f = c.prev[i]
	} else if j := c.find(line); j >= 0 {
		f = c.prev[j]
	} else {
		nb, vs, ve, err := splitField(line)
		if err != nil {
			return "", "", err
		}
		f.line = string(line)
		f.name = c.name(nb)
		f.value = f.line[vs:ve]
	}
	if i < maxCachedLines {
		c.cur = append(c.cur, f)
	}
	return f.name, f.value, nil
}

func (c *stringCache) find(line []byte) int {
	for j := range c.prev {
		if c.prev[j].line == string(line) {
			return j
		}
	}
	return -1
}

// name returns the canonical header name for b, a valid token.
func (c *stringCache) name(b []byte) string {
	if s, ok := commonNames[string(b)]; ok {
		return s
	}
	if s, ok := c.names[string(b)]; ok {
		return s
	}
	if c.names == nil || len(c.names) >= maxCachedNames {
		c.names = make(map[string]string)
	}
	raw := string(b)
	s := httputil.CanonicalKey(raw)
	c.names[raw] = s
	return s
}

// begin starts a new head, forgetting lines noted by an unfinished one.
func (c *stringCache) begin() { c.cur = c.cur[:0] }

// end makes the lines of the head just parsed the ones to reuse next time.
func (c *stringCache) end() {
	clear(c.prev)
	c.prev, c.cur = c.cur, c.prev[:0]
}

// requestLine returns the parts of a request line, validating it unless it
// repeats the previous one. Method and target share the line's string.
func (c *stringCache) requestLine(line []byte) (method, target, version string, err *Error) {
	if c.startLine != string(line) || c.version == "" {
		mb, tb, v, err := splitRequestLine(line)
		if err != nil {
			return "", "", "", err
		}
		c.startLine = string(line)
		var ok bool
		if c.method, ok = internMethod(mb); !ok {
			c.method = c.startLine[:len(mb)]
		}
		c.target = c.startLine[len(mb)+1 : len(mb)+1+len(tb)]
		c.version = v
	}
	return c.method, c.target, c.version, nil
}

// statusLine is requestLine for a response.
func (c *stringCache) statusLine(line []byte) (version string, code int, reason string, err *Error) {
	if c.startLine != string(line) || c.code == 0 {
		v, code, rb, err := splitStatusLine(line)
		if err != nil {
			return "", 0, "", err
		}
		c.startLine, c.version, c.code = string(line), v, code
		if c.reason = httputil.StatusText(code); c.reason != string(rb) {
			c.reason = c.startLine[len(line)-len(rb):]
		}
	}
	return c.version, c.code, c.reason, nil
}
