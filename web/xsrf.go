package web

import (
	"crypto/hmac"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"html/template"
	"strconv"
	"strings"
	"time"
)

// xsrfArgument is the form argument (and the input of XSRFFormHTML) that
// carries the token, "_xsrf" as in Tornado.
const xsrfArgument = "_xsrf"

// The reasons the XSRF check refuses a request, logged with the 403 in
// Tornado's words (which name POST whatever the method).
const (
	xsrfMissing  = "'_xsrf' argument missing from POST"
	xsrfBadToken = "'_xsrf' argument has invalid format"
	xsrfMismatch = "XSRF cookie does not match POST argument"
)

// XSRFChecker is implemented by handlers that replace the XSRF check
// (Tornado's check_xsrf_cookie). RequestHandler implements it with
// Tornado's check; a handler overrides it by defining its own
// CheckXSRFCookie, returning nil to accept the request or an error (an
// *HTTPError 403, typically) to refuse it, and may call
// h.RequestHandler.CheckXSRFCookie for the default.
type XSRFChecker interface{ CheckXSRFCookie() error }

var _ XSRFChecker = (*RequestHandler)(nil)

// xsrfState is the XSRF token of one request, zeroed with its handler.
type xsrfState struct {
	loaded     bool   // raw holds the request's raw token
	fromCookie bool   // raw came from the cookie (false: generated now)
	raw        []byte // the unmasked token
	timestamp  int64  // when raw was made (now, for a version 1 cookie)
	token      string // XSRFToken's result, once computed
}

// XSRFToken returns the XSRF token of this request (Tornado's xsrf_token),
// to send back in the _xsrf argument of a form (see XSRFFormHTML) or in an
// X-Xsrftoken header. The raw token lives in the XSRF cookie
// (Settings.XSRFCookieName, "_xsrf" by default): read from it, or made
// from 16 random bytes and the cookie set when the request has none, so it
// stays the same across requests. With Settings.XSRFCookieVersion 2 (the
// default) each request masks it anew, "2|mask|masked token|timestamp" in
// hex, so a compressed page does not leak it (BREACH); version 1 is the
// raw token in hex. The cookie takes Settings.XSRFCookieOptions, and
// expires in 30 days when a user is logged in and no ExpiresDays is set,
// as in Tornado. An unknown XSRFCookieVersion fails the response with a
// 500 and returns "". Must be called on the handler's goroutine.
func (h *RequestHandler) XSRFToken() string {
	if h.x().xsrf.token != "" {
		return h.x().xsrf.token
	}
	raw, ts, fromCookie := h.rawXSRFToken()
	var token string
	switch v := h.app.settings.XSRFCookieVersion; v {
	case 1:
		token = hex.EncodeToString(raw)
	case 0, 2:
		var mask [4]byte
		rand.Read(mask[:]) // never fails (crypto/rand crashes the program instead)
		b := make([]byte, 0, 2+8+1+2*len(raw)+1+20)
		b = append(b, "2|"...)
		b = hex.AppendEncode(b, mask[:])
		b = append(b, '|')
		b = hex.AppendEncode(b, xsrfMask(mask[:], raw))
		b = append(b, '|')
		b = strconv.AppendInt(b, ts, 10)
		token = string(b)
	default:
		h.fail(fmt.Errorf("web: unknown XSRFCookieVersion %d", v))
		return ""
	}
	if !fromCookie {
		o := h.app.settings.XSRFCookieOptions
		if o.ExpiresDays == 0 && isUser(h.CurrentUser()) {
			o.ExpiresDays = 30
		}
		h.SetCookie(h.xsrfCookieName(), token, o)
	}
	h.x().xsrf.token = token
	return token
}

// XSRFFormHTML returns the hidden form input carrying XSRFToken (Tornado's
// xsrf_form_html), to put in every form that is posted to a site with
// Settings.XSRFCookies:
//
//	<input type="hidden" name="_xsrf" value="2|..."/>
//
// Templates call it as xsrf_form_html. Must be called on the handler's
// goroutine.
func (h *RequestHandler) XSRFFormHTML() template.HTML {
	return template.HTML(`<input type="hidden" name="_xsrf" value="` + xsrfEscaper.Replace(h.XSRFToken()) + `"/>`)
}

// xsrfEscaper escapes as Tornado's xhtml_escape does.
var xsrfEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", "'", "&#39;")

// CheckXSRFCookie is Tornado's check_xsrf_cookie, run before Prepare on
// every request but GET, HEAD and OPTIONS when Settings.XSRFCookies is
// set: the token in the _xsrf argument, or else in the X-Xsrftoken or
// X-Csrftoken header, must carry the raw token of the XSRF cookie (masked
// or not: versions 1 and 2 are both read). Otherwise it returns an
// *HTTPError 403 whose LogMessage is Tornado's reason ("'_xsrf' argument
// missing from POST", "'_xsrf' argument has invalid format", "XSRF cookie
// does not match POST argument"); the client sees the plain 403 page. It
// implements XSRFChecker. Must be called on the handler's goroutine.
func (h *RequestHandler) CheckXSRFCookie() error {
	arg, err := h.GetArgument(xsrfArgument, "")
	if err != nil {
		return err // not UTF-8: 400, as Tornado's get_argument answers
	}
	if arg == "" {
		arg = h.xsrfHeader("X-Xsrftoken")
	}
	if arg == "" {
		arg = h.xsrfHeader("X-Csrftoken")
	}
	if arg == "" {
		return &HTTPError{Code: 403, LogMessage: xsrfMissing}
	}
	_, token, _, _ := decodeXSRFToken(arg, time.Now)
	expected, _, _ := h.rawXSRFToken()
	if len(token) == 0 {
		return &HTTPError{Code: 403, LogMessage: xsrfBadToken}
	}
	if !hmac.Equal(token, expected) {
		return &HTTPError{Code: 403, LogMessage: xsrfMismatch}
	}
	return nil
}

// xsrfHeader returns the header name, its values joined with "," as
// Tornado's HTTPHeaders gives them.
func (h *RequestHandler) xsrfHeader(name string) string {
	vs := h.req.Header.Values(name)
	if len(vs) <= 1 {
		return h.req.Header.Get(name)
	}
	return strings.Join(vs, ",")
}

// checkXSRF runs the handler's XSRF check for the methods that change
// state; it is called before Prepare when Settings.XSRFCookies is set.
func (h *RequestHandler) checkXSRF() error {
	switch h.req.Method {
	case "GET", "HEAD", "OPTIONS":
		return nil
	}
	if c, ok := h.self.(XSRFChecker); ok {
		return c.CheckXSRFCookie()
	}
	return h.CheckXSRFCookie()
}

func (h *RequestHandler) xsrfCookieName() string {
	if n := h.app.settings.XSRFCookieName; n != "" {
		return n
	}
	return "_xsrf"
}

// rawXSRFToken returns the request's raw token and its timestamp, read
// from the XSRF cookie or made now (Tornado's _get_raw_xsrf_token). A
// cookie that yields no token — an unknown version, a malformed or empty
// version 2 — is replaced by a new one; Tornado keeps an empty token,
// which no request could then match.
func (h *RequestHandler) rawXSRFToken() (raw []byte, timestamp int64, fromCookie bool) {
	x := &h.x().xsrf
	if !x.loaded {
		x.loaded = true
		if c := h.GetCookie(h.xsrfCookieName()); c != "" {
			_, x.raw, x.timestamp, x.fromCookie = decodeXSRFToken(c, time.Now)
		}
		if len(x.raw) == 0 {
			x.raw = make([]byte, 16)
			rand.Read(x.raw) // never fails (crypto/rand crashes the program instead)
			x.timestamp, x.fromCookie = time.Now().Unix(), false
		}
	}
	return x.raw, x.timestamp, x.fromCookie
}

// decodeXSRFToken reads a token or cookie in either of Tornado's formats
// (Tornado's _decode_xsrf_token): version 2 is "2|mask|masked|timestamp"
// with the mask and the masked token in hex; anything else without a
// version prefix is version 1, the token in hex, or the text itself when
// it is not hex, with now as its timestamp. A value with another version,
// or a malformed version 2, gives ok false and a nil token.
func decodeXSRFToken(s string, now func() time.Time) (version int, token []byte, timestamp int64, ok bool) {
	digits, _, matched := signedVersionPrefix(s)
	if !matched {
		token, err := hex.DecodeString(s)
		if err != nil {
			token = []byte(s)
		}
		return 1, token, now().Unix(), true
	}
	if digits != "2" {
		return 0, nil, 0, false // an unknown version counts as no token
	}
	if strings.Count(s, "|") != 3 {
		return 0, nil, 0, false // before Split, which would allocate for every '|'
	}
	parts := strings.Split(s, "|")
	mask, err1 := hex.DecodeString(parts[1])
	masked, err2 := hex.DecodeString(parts[2])
	ts, ok := pyInt(parts[3], true)
	if err1 != nil || err2 != nil || !ok {
		return 0, nil, 0, false
	}
	return 2, xsrfMask(mask, masked), ts, true
}

// xsrfMask returns data XORed with the first four bytes of mask, repeated
// (the WebSocket masking of RFC 6455 that Tornado's tokens use). A shorter
// mask is padded with zero bytes, as Tornado's C masking reads a
// three-byte one.
func xsrfMask(mask, data []byte) []byte {
	var m [4]byte
	copy(m[:], mask)
	out := make([]byte, len(data))
	for i, c := range data {
		out[i] = c ^ m[i%4]
	}
	return out
}
