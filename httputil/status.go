package httputil

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

// Reason returns the reason phrase to send with code: reason itself when it
// is safe, StatusText(code) when reason is empty, and "Unknown" for an
// unknown code without reason, or for a reason Tornado refuses (one with
// '<' or a character not allowed in a reason-phrase; Tornado's fix for
// CVE-2025-67724), so that no reason can split a response or carry markup
// into an error page.
func Reason(code int, reason string) string {
	if reason == "" {
		if reason = StatusText(code); reason == "" {
			return "Unknown"
		}
		return reason
	}
	for i := 0; i < len(reason); i++ {
		if c := reason[i]; c == '<' || c < ' ' && c != '\t' || c == 0x7f {
			return "Unknown"
		}
	}
	return reason
}
