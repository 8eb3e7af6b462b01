package web

import (
	"errors"
	"net/url"
	"reflect"
	"strings"
)

// ErrNoLoginURL is returned when a request without a user must be sent to
// the login page and Settings.LoginURL is empty (Tornado raises the same
// complaint from get_login_url); the request answers 500.
var ErrNoLoginURL = errors.New("web: Settings.LoginURL must be set to use Authenticated")

// CurrentUserGetter is implemented by handlers that find the user of a
// request themselves (Tornado's get_current_user), typically from a signed
// cookie:
//
//	func (h *BaseHandler) GetCurrentUser() (any, error) {
//		name, err := h.GetSignedCookie("user")
//		if err != nil {
//			return nil, nil // no user
//		}
//		return name, nil
//	}
//
// GetCurrentUser runs at most once per request, the first time
// CurrentUser is called. A nil user (or a nil pointer, map or slice, or an
// empty string) means nobody is logged in; an error fails the request with
// a 500.
type CurrentUserGetter interface{ GetCurrentUser() (any, error) }

// LoginURLGetter is implemented by handlers that choose the login page per
// request (Tornado's get_login_url); without it the page is
// Settings.LoginURL.
type LoginURLGetter interface{ GetLoginURL() string }

// loginState is the per-request login state of a handler, zeroed with it.
type loginState struct {
	user   any
	err    error
	loaded bool // GetCurrentUser ran, or SetCurrentUser was called
}

// ruleChecks are the checks a wrapped rule runs after Prepare.
type ruleChecks uint8

const (
	checkAuthenticated ruleChecks = 1 << iota
	checkAddSlash
	checkRemoveSlash
)

// CurrentUser returns the user of this request, or nil when nobody is
// logged in (Tornado's current_user). It is the value given to
// SetCurrentUser, or else what the handler's GetCurrentUser returns,
// computed on the first call and kept for the rest of the request. An
// error from GetCurrentUser fails the response with a 500, and
// CurrentUser returns nil. Must be called on the handler's goroutine.
func (h *RequestHandler) CurrentUser() any {
	u, err := h.currentUser()
	if err != nil {
		h.fail(err)
		return nil
	}
	return u
}

// SetCurrentUser sets the user of this request (Tornado's assignment to
// current_user), typically from Prepare when finding the user needs more
// than GetCurrentUser can do; GetCurrentUser is then not called. nil
// logs nobody in. Must be called on the handler's goroutine.
func (h *RequestHandler) SetCurrentUser(u any) {
	x := h.x()
	x.login.user, x.login.err, x.login.loaded = u, nil, true
}

// currentUser is CurrentUser, returning GetCurrentUser's error.
func (h *RequestHandler) currentUser() (any, error) {
	x := h.x()
	if !x.login.loaded {
		x.login.loaded = true
		if g, ok := h.self.(CurrentUserGetter); ok {
			x.login.user, x.login.err = g.GetCurrentUser()
		}
	}
	return x.login.user, x.login.err
}

// isUser reports whether u names a user: not nil, not a nil pointer, map,
// slice, interface, function or channel, and not an empty string (Tornado
// tests current_user for truth).
func isUser(u any) bool {
	switch v := u.(type) {
	case nil:
		return false
	case string:
		return v != ""
	case []byte:
		return len(v) > 0
	}
	rv := reflect.ValueOf(u)
	switch rv.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Slice, reflect.Interface, reflect.Func, reflect.Chan:
		return !rv.IsNil()
	}
	return true
}

// RequireUser is Authenticated's check for use inside a verb (Tornado's
// @authenticated on a single method). With a user it returns true. Without
// one, a GET or HEAD is redirected to the login page with the request's
// URI in the next argument, and RequireUser returns false and nil; other
// methods get false and a 403 *HTTPError; a missing login page
// (ErrNoLoginURL) or GetCurrentUser's error is returned too. Return the
// error from the verb:
//
//	func (h *ComposeHandler) Get() error {
//		if ok, err := h.RequireUser(); !ok {
//			return err
//		}
//		...
//	}
//
// Must be called on the handler's goroutine.
func (h *RequestHandler) RequireUser() (bool, error) {
	u, err := h.currentUser()
	if err != nil {
		return false, err
	}
	if isUser(u) {
		return true, nil
	}
	if m := h.req.Method; m != "GET" && m != "HEAD" {
		return false, &HTTPError{Code: 403}
	}
	login := h.app.settings.LoginURL
	if g, ok := h.self.(LoginURLGetter); ok {
		login = g.GetLoginURL()
	}
	if login == "" {
		return false, ErrNoLoginURL
	}
	if !strings.Contains(login, "?") {
		next := localURI(h.req.Path, h.req.Query)
		if u, err := url.Parse(login); err == nil && u.Scheme != "" {
			// An absolute login page gets an absolute next, as in Tornado.
			next = h.req.Protocol + "://" + h.req.Host + next
		}
		login += "?next=" + url.QueryEscape(next)
	}
	return false, h.Redirect(login)
}

// localURI returns path and query as a URI of this site: leading slashes
// and backslashes collapse to one slash, so that a request for
// //evil.example/ never turns into a redirect off the site.
func localURI(path, query string) string {
	if !strings.HasPrefix(path, "/") {
		// An absolute-form request-target (http://host/path).
		if u, err := url.Parse(path); err == nil {
			path = u.EscapedPath()
		} else {
			path = ""
		}
	}
	path = "/" + strings.TrimLeft(path, `/\`)
	if query != "" {
		path += "?" + query
	}
	return path
}

// Authenticated returns rule with a login check (Tornado's
// @tornado.web.authenticated decorator on every verb): after Prepare,
// before the verb, a request without a CurrentUser is refused. A GET or
// HEAD is redirected (302) to Settings.LoginURL, or the handler's
// GetLoginURL, with ?next= the request's URI, percent-encoded (the full URL
// when the login page is absolute; nothing is added when it already has a
// query); other methods get 403. An empty login page answers 500 with
// ErrNoLoginURL logged. The next URI always names this site: see
// SafeNextURL for the login handler's side. RequireUser is the same check
// inside a single verb.
//
//	web.Authenticated(web.R[ComposeHandler](`/compose`))
func Authenticated(rule Rule) Rule { return withChecks(rule, checkAuthenticated) }

// AddSlash returns rule with Tornado's @addslash: a GET or HEAD for a path
// without a trailing slash is redirected (301) to the path with one,
// keeping the query; other methods get 404. The pattern should accept both,
// as in `/foo/?`. The redirect runs before an Authenticated check.
func AddSlash(rule Rule) Rule { return withChecks(rule, checkAddSlash) }

// RemoveSlash returns rule with Tornado's @removeslash: a GET or HEAD for a
// path with trailing slashes is redirected (301) to the path without them,
// keeping the query (but "/" is served as it is); other methods get 404.
// The pattern should accept both, as in `/foo/*`. The redirect runs before
// an Authenticated check.
func RemoveSlash(rule Rule) Rule { return withChecks(rule, checkRemoveSlash) }

// withChecks returns rule asking its handlers for checks, through the
// rule's setup hook: each request marks its handler, which runs the
// marked checks after its own Prepare. A plain rule is left as it is.
func withChecks(rule Rule, c ruleChecks) Rule {
	if rule.New == nil {
		return rule
	}
	prev := rule.setup
	rule.setup = func(self Handler) {
		if prev != nil {
			prev(self)
		}
		self.requestHandler().checks |= c
	}
	return rule
}

// runRuleChecks runs the checks of h.checks; it returns nil when the
// verb may run or the response was finished by a redirect.
func (h *RequestHandler) runRuleChecks() error {
	c := h.checks
	if c&(checkAddSlash|checkRemoveSlash) != 0 {
		if done, err := h.fixSlash(c); done || err != nil {
			return err
		}
	}
	if c&checkAuthenticated != 0 {
		if _, err := h.RequireUser(); err != nil {
			return err
		}
	}
	return nil
}

// fixSlash applies AddSlash or RemoveSlash; done reports a redirect.
func (h *RequestHandler) fixSlash(c ruleChecks) (done bool, err error) {
	path := h.req.Path
	get := h.req.Method == "GET" || h.req.Method == "HEAD"
	var target string
	switch {
	case c&checkRemoveSlash != 0 && strings.HasSuffix(path, "/"):
		if !get {
			return false, &HTTPError{Code: 404}
		}
		target = strings.TrimRight(path, "/")
		if target == "" {
			return false, nil // "/" is served as it is
		}
	case c&checkAddSlash != 0 && !strings.HasSuffix(path, "/"):
		if !get {
			return false, &HTTPError{Code: 404}
		}
		target = path + "/"
	default:
		return false, nil
	}
	return true, h.Redirect(localURI(target, h.req.Query), 301)
}

// SafeNextURL returns next if redirecting to it keeps the browser on this
// site, and fallback otherwise: the check a login handler makes on its
// next argument before redirecting to it (Tornado's demos redirect to next
// unchecked, an open redirect). Accepted are paths starting with a single
// "/" and, when hosts are given, absolute http and https URLs whose host
// (with its port, if any) is one of hosts, compared without regard to case.
// Refused are other hosts, scheme-relative URLs ("//host", "/\host"),
// backslashes anywhere, control characters and white space (which
// browsers strip or reinterpret), other schemes (javascript:, data:), URLs
// with user information, and relative paths. Safe for concurrent use.
func SafeNextURL(next, fallback string, hosts ...string) string {
	if safeNext(next, hosts) {
		return next
	}
	return fallback
}

func safeNext(next string, hosts []string) bool {
	if next == "" {
		return false
	}
	for i := 0; i < len(next); i++ {
		if c := next[i]; c <= ' ' || c == 0x7f || c == '\\' {
			return false
		}
	}
	if next[0] == '/' {
		return len(next) == 1 || next[1] != '/'
	}
	if len(hosts) == 0 {
		return false
	}
	u, err := url.Parse(next)
	if err != nil || u.Opaque != "" || u.User != nil || u.Host == "" {
		return false
	}
	if s := strings.ToLower(u.Scheme); s != "http" && s != "https" {
		return false
	}
	for _, h := range hosts {
		if h != "" && strings.EqualFold(u.Host, h) {
			return true
		}
	}
	return false
}

// NextURL returns the request's next argument if SafeNextURL accepts it,
// with the request's own host allowed in absolute URLs, and fallback
// otherwise: what a login handler redirects to once the user is in.
//
//	return h.Redirect(h.NextURL("/"))
//
// Must be called on the handler's goroutine.
func (h *RequestHandler) NextURL(fallback string) string {
	next, err := h.GetArgument("next", "")
	if err != nil {
		return fallback
	}
	return SafeNextURL(next, fallback, h.req.Host)
}
