package httputil

import "unicode/utf8"

// StatusText returns the reason phrase Tornado sends for an HTTP status code
// (Tornado's httputil.responses, which is Python's http.HTTPStatus as of
// Python 3.11: 413 is "Request Entity Too Large", 418 "I'm a Teapot"), or ""
// for a code it does not know. It is the one table of phrases: the server's
// own error responses and the application's both use it.
func StatusText(code int) string {
	if code >= 100 && code < 600 {
		return statusText[code-100]
	}
	return ""
}

// statusText is indexed by code-100.
var statusText = [500]string{
	100 - 100: "Continue",
	101 - 100: "Switching Protocols",
	102 - 100: "Processing",
	103 - 100: "Early Hints",
	200 - 100: "OK",
	201 - 100: "Created",
	202 - 100: "Accepted",
	203 - 100: "Non-Authoritative Information",
	204 - 100: "No Content",
	205 - 100: "Reset Content",
	206 - 100: "Partial Content",
	207 - 100: "Multi-Status",
	208 - 100: "Already Reported",
	226 - 100: "IM Used",
	300 - 100: "Multiple Choices",
	301 - 100: "Moved Permanently",
	302 - 100: "Found",
	303 - 100: "See Other",
	304 - 100: "Not Modified",
	305 - 100: "Use Proxy",
	307 - 100: "Temporary Redirect",
	308 - 100: "Permanent Redirect",
	400 - 100: "Bad Request",
	401 - 100: "Unauthorized",
	402 - 100: "Payment Required",
	403 - 100: "Forbidden",
	404 - 100: "Not Found",
	405 - 100: "Method Not Allowed",
	406 - 100: "Not Acceptable",
	407 - 100: "Proxy Authentication Required",
	408 - 100: "Request Timeout",
	409 - 100: "Conflict",
	410 - 100: "Gone",
	411 - 100: "Length Required",
	412 - 100: "Precondition Failed",
	413 - 100: "Request Entity Too Large",
	414 - 100: "Request-URI Too Long",
	415 - 100: "Unsupported Media Type",
	416 - 100: "Requested Range Not Satisfiable",
	417 - 100: "Expectation Failed",
	418 - 100: "I'm a Teapot",
	421 - 100: "Misdirected Request",
	422 - 100: "Unprocessable Entity",
	423 - 100: "Locked",
	424 - 100: "Failed Dependency",
	425 - 100: "Too Early",
	426 - 100: "Upgrade Required",
	428 - 100: "Precondition Required",
	429 - 100: "Too Many Requests",
	431 - 100: "Request Header Fields Too Large",
	451 - 100: "Unavailable For Legal Reasons",
	500 - 100: "Internal Server Error",
	501 - 100: "Not Implemented",
	502 - 100: "Bad Gateway",
	503 - 100: "Service Unavailable",
	504 - 100: "Gateway Timeout",
	505 - 100: "HTTP Version Not Supported",
	506 - 100: "Variant Also Negotiates",
	507 - 100: "Insufficient Storage",
	508 - 100: "Loop Detected",
	510 - 100: "Not Extended",
	511 - 100: "Network Authentication Required",
}

// Reason returns the reason phrase to send with code. An empty reason (Go's
// spelling of Tornado's reason=None) gives StatusText(code), or "Unknown"
// for a code without one. Any other reason is returned as it is when it
// passes Tornado's check in RequestHandler.set_status (Tornado 6.5.3, the
// fix for CVE-2025-67724), and is "Unknown" when it does not: it must hold
// no '<', and every character must be HTAB, SP, VCHAR or obs-text (RFC 9112
// reason-phrase). Like Tornado, which checks a str, Reason reads reason as
// UTF-8 and takes obs-text to be the code points U+0080 to U+00FF, so "Café"
// passes while CJK text, U+FFFD and invalid UTF-8 do not (U+0080 to U+009F
// pass, as in Tornado). The result never holds CR, LF, another ASCII control
// character or '<'. Safe for concurrent use.
func Reason(code int, reason string) string {
	if reason == "" {
		if reason = StatusText(code); reason == "" {
			return "Unknown"
		}
		return reason
	}
	if !validReason(reason) {
		return "Unknown"
	}
	return reason
}

// validReason reports whether s passes Tornado's reason check (see Reason).
func validReason(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r > 0xff { // beyond obs-text; utf8.RuneError (invalid UTF-8) among them
				return false
			}
			i += size - 1
			continue
		}
		if c == '<' || c < ' ' && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}
