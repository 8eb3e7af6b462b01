package web

import (
	"context"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/gotornado/tornado/httputil"
)

// Settings configures an Application (Tornado's application settings). The
// zero value is ready to use.
type Settings struct {
	// Debug turns on development conveniences (Tornado's debug): it implies
	// ServeTraceback, ReloadTemplates, ReloadStaticHashes and Autoreload.
	Debug bool

	// ServeTraceback puts the error, and the stack of a panic, in the body of
	// error responses instead of the plain error page.
	ServeTraceback bool

	// DefaultHost is tried when no host table added with AddHandlers matches
	// the request's host, the rules given to NewApplication do not match
	// either, and the request has no X-Real-Ip header (it did not come
	// through a proxy): then the tables whose host pattern matches
	// DefaultHost are searched.
	DefaultHost string

	// DefaultHandler serves requests that no rule matches (Tornado's
	// default_handler_class and default_handler_args); its Pattern and Name
	// are ignored. The zero Rule answers 404 with ErrorHandler.
	DefaultHandler Rule

	// Logger receives the access log and the errors; nil means slog.Default().
	Logger *slog.Logger

	// LogFunction, if set, replaces the access log line written when each
	// request finishes (Tornado's log_function).
	LogFunction func(h *RequestHandler)

	// MaxMultipartParts bounds the parts of a multipart/form-data body, and
	// MaxPartHeaderSize the header block of each (Tornado 6.5's
	// ParseMultipartConfig): a body past either is answered 400. 0 means
	// Tornado's defaults, 100 parts and 10 KiB; a negative value, no limit.
	MaxMultipartParts int
	MaxPartHeaderSize int

	// SpillThreshold, when positive, has multipart/form-data bodies parsed
	// as they arrive, instead of gathered whole first: fields stay in
	// memory, and a file longer than SpillThreshold bytes is written to a
	// temporary file in os.TempDir (see httputil.File's Path), removed when
	// the request ends. The request's Body is then empty. 0 keeps the
	// whole body in memory, as Tornado does.
	SpillThreshold int64

	// CookieSecret signs the values of SetSignedCookie (Tornado's
	// cookie_secret as a single string).
	CookieSecret string

	// CookieSecrets, when not empty, replaces CookieSecret with a secret per
	// key version, for key rotation (Tornado's cookie_secret as a dict);
	// KeyVersion names the one new values are signed with. Values signed
	// with any listed version verify.
	CookieSecrets map[int]string
	KeyVersion    int

	// XSRFCookies turns on the cross-site request forgery check for every
	// method but GET, HEAD and OPTIONS (Tornado's xsrf_cookies).
	XSRFCookies bool

	// XSRFCookieName names the XSRF cookie; "" means "_xsrf".
	XSRFCookieName string

	// XSRFCookieVersion is the format of new XSRF tokens, 1 or 2; 0 means 2
	// (Tornado's xsrf_cookie_version).
	XSRFCookieVersion int

	// XSRFCookieOptions are the attributes of the XSRF cookie (Tornado's
	// xsrf_cookie_kwargs). HTTPOnly should stay off, so that scripts can
	// read the token.
	XSRFCookieOptions CookieOptions

	// LoginURL is where Authenticated sends a GET or HEAD request without
	// a current user (Tornado's login_url).
	LoginURL string

	// TemplatePath is the folder Render loads templates from (Tornado's
	// template_path); "" means the working directory.
	TemplatePath string

	// ReloadTemplates re-reads templates on every Render instead of keeping
	// them compiled (Tornado's compiled_template_cache=False). Debug
	// implies it.
	ReloadTemplates bool

	// TemplateFS, if not nil, is read for templates instead of the
	// TemplatePath folder: an embed.FS, say, or an fs.Sub of one.
	TemplateFS fs.FS

	// UIModules are the UI modules templates call as {{module "Name" args...}}
	// (Tornado's ui_modules): each name maps to a function making the
	// module for one request, given its handler. They join the built-in
	// "Template", "linkify" and "xsrf_form_html", replacing one of the
	// same name. See UIModule.
	UIModules map[string]func(h *RequestHandler) UIModule

	// UIMethods are template funcs that receive the handler first
	// (Tornado's ui_methods): each is a function whose first parameter is
	// *RequestHandler, or a handler type (the handler being served is
	// passed), returning one value, or a value and an error; templates
	// call it without that parameter. NewApplication panics on another
	// kind of value.
	UIMethods map[string]any

	// TemplateFuncs are more template funcs, which do not need the
	// handler; they may replace the names of Tornado's namespace.
	TemplateFuncs template.FuncMap

	// StaticPath is the folder StaticFileHandler serves under
	// StaticURLPrefix, with /favicon.ico and /robots.txt from the same
	// folder (Tornado's static_path).
	StaticPath string

	// StaticURLPrefix is the path static files are served under; "" means
	// "/static/" (Tornado's static_url_prefix).
	StaticURLPrefix string

	// StaticHandler, if its New is set, serves static files instead of
	// StaticFileHandler; its Args are passed as well (Tornado's
	// static_handler_class and static_handler_args). Its Pattern and Name
	// are ignored.
	StaticHandler Rule

	// ReloadStaticHashes recomputes the content hash of StaticURL on every
	// call instead of caching it per file (Tornado's
	// static_hash_cache=False). Debug implies it.
	ReloadStaticHashes bool

	// CompressResponse compresses responses with gzip for clients that
	// accept it (Tornado's compress_response); Gzip is its old name.
	CompressResponse bool
	Gzip             bool

	// Transforms make the output transforms of each response (Tornado's
	// transforms), applied in order after GZipContentEncoding when
	// CompressResponse is on; a factory is called once per response, on
	// the handler's goroutine, when its headers are flushed. A nil factory,
	// or one returning nil, is skipped.
	Transforms []func(req *httputil.ServerRequest) OutputTransform

	// Autoreload re-executes the process when one of its Go source files,
	// a template or a static file changes (Tornado's autoreload). Debug
	// implies it. NewApplication starts package autoreload, watching
	// TemplatePath and StaticPath when they are set, and makes it log to
	// Logger when that is set; Go sources are rebuilt with the go
	// command. Only for a single process: it does not start in a
	// pre-fork child (and must not be used with a pre-fork parent), nor
	// in a test binary, nor on Windows.
	Autoreload bool
}

// Application is a collection of rules that make up a web application
// (Tornado's tornado.web.Application). It serves requests in two ways: as an
// httputil.ServerConnectionDelegate for httpserver, on a loop, and as a
// net/http Handler (see ServeHTTP).
//
// NewApplication and AddHandlers must be called before the Application
// serves its first request; after that it is safe for concurrent use.
type Application struct {
	settings     Settings
	hosts        []*hostRules // from AddHandlers, in order; ".*$" tables kept last
	wildcard     *hostRules   // the rules given to NewApplication, for every host
	defaultHosts []*hostRules // the AddHandlers tables whose pattern matches DefaultHost
	notFound     *urlSpec     // Settings.DefaultHandler, or a 404 ErrorHandler

	delegates sync.Pool      // of *requestDelegate
	templates *templateCache // compiled templates and UI modules (template_load.go)

	static staticHashes // content hashes of static files (static_url.go)
}

var (
	_ httputil.ServerConnectionDelegate = (*Application)(nil)
	_ http.Handler                      = (*Application)(nil)
)

// NewApplication returns an Application serving rules for any host. It
// panics on a bad rule pattern.
func NewApplication(rules []Rule, settings Settings) *Application {
	a := &Application{settings: settings}
	a.delegates.New = func() any { return new(requestDelegate) }
	a.templates = newTemplateCache(&a.settings)
	a.wildcard = newHostRules(".*$", nil)
	a.warnReplaced(a.wildcard.add(withStaticRules(rules, &a.settings)))
	def := settings.DefaultHandler
	if def.New == nil {
		def = R[ErrorHandler](".*", Args{"status_code": 404})
	}
	def.Pattern, def.Name = ".*", ""
	a.notFound = compileRule(def)
	a.startAutoreload()
	return a
}

// AddHandlers adds rules served for the hosts matching hostPattern, a
// regular expression matched against the whole host name (without port).
// Host tables are tried in the order they were added, before the rules
// given to NewApplication, except that a ".*$" table stays after the
// others. Every matching table is searched until a rule matches the path.
// It panics on a bad pattern. It must not be called while the Application
// serves requests.
func (a *Application) AddHandlers(hostPattern string, rules []Rule) {
	h := newHostRules(hostPattern, nil)
	a.warnReplaced(h.add(rules))
	i := len(a.hosts)
	if h.re != nil {
		for i > 0 && a.hosts[i-1].re == nil {
			i--
		}
	}
	a.hosts = slices.Insert(a.hosts, i, h)
	if a.settings.DefaultHost != "" && h.matchHost(a.settings.DefaultHost) {
		a.defaultHosts = append(a.defaultHosts, h)
	}
}

func (a *Application) warnReplaced(names []string) {
	for _, n := range names {
		a.logger().Warn(fmt.Sprintf("Multiple handlers named %s; replacing previous value", n))
	}
}

// Settings returns the Application's settings. They must not be modified.
func (a *Application) Settings() *Settings { return &a.settings }

// ReverseURL returns the path of the rule named name, with args (converted
// with fmt.Sprint if they are not strings, then percent-encoded) in place of
// its groups (Tornado's reverse_url). It fails with ErrUnknownName, with
// ErrNotReversible, or when the number of args differs from the number of
// groups.
func (a *Application) ReverseURL(name string, args ...any) (string, error) {
	for _, h := range a.hosts {
		if s, ok := h.names[name]; ok {
			return s.reverse(args)
		}
	}
	if s, ok := a.wildcard.names[name]; ok {
		return s.reverse(args)
	}
	return "", fmt.Errorf("%w: %q", ErrUnknownName, name)
}

// route finds the rule for req (Tornado's find_handler), filling m; with no
// match, m names the default handler.
func (a *Application) route(req *httputil.ServerRequest, m *routeMatch) {
	var host string
	if len(a.hosts) > 0 {
		host = strings.ToLower(req.HostName) // returns HostName itself when already lower case
	}
	for _, h := range a.hosts {
		if h.matchHost(host) && h.find(req.Path, m) {
			return
		}
	}
	if a.wildcard.find(req.Path, m) {
		return
	}
	if len(a.defaultHosts) > 0 && !req.Header.Has("X-Real-Ip") {
		for _, h := range a.defaultHosts {
			if h.find(req.Path, m) {
				return
			}
		}
	}
	*m = routeMatch{spec: a.notFound}
}

func (a *Application) logger() *slog.Logger {
	if a.settings.Logger != nil {
		return a.settings.Logger
	}
	return slog.Default()
}

func (a *Application) serveTraceback() bool {
	return a.settings.ServeTraceback || a.settings.Debug
}

// logRequest writes the access log line for a finished request, in
// Tornado's form "200 GET /index (127.0.0.1) 0.52ms": Info below 400, Warn
// below 500, Error from 500.
func (a *Application) logRequest(h *RequestHandler) {
	if a.settings.LogFunction != nil {
		a.settings.LogFunction(h)
		return
	}
	level := slog.LevelInfo
	switch {
	case h.status >= 500:
		level = slog.LevelError
	case h.status >= 400:
		level = slog.LevelWarn
	}
	l := a.logger()
	ctx := context.Background()
	if !l.Enabled(ctx, level) {
		return
	}
	b := make([]byte, 0, 64+len(h.req.URI))
	b = strconv.AppendInt(b, int64(h.status), 10)
	b = append(b, ' ')
	b = h.appendSummary(b)
	b = append(b, ' ')
	b = strconv.AppendFloat(b, float64(h.req.RequestTime().Nanoseconds())/1e6, 'f', 2, 64)
	b = append(b, "ms"...)
	l.Log(ctx, level, string(b))
}
