package main

import (
	"log/slog"
	"os"
	"path/filepath"

	"github.com/gotornado/tornado/web"
	"golang.org/x/crypto/bcrypt"
)

// blogTitle is the blog's name, in every page's title and header and in
// the feed (Tornado's blog_title setting).
const blogTitle = "Tornado Blog"

// Config is what the blog's Application is made from.
type Config struct {
	Store        *Store
	CookieSecret string       // signs the blogdemo_user cookie
	Debug        bool         // Settings.Debug
	Root         string       // the folder holding templates/ and static/
	BcryptCost   int          // 0: bcrypt.DefaultCost
	Logger       *slog.Logger // nil: slog.Default()
}

func (c *Config) bcryptCost() int {
	if c.BcryptCost == 0 {
		return bcrypt.DefaultCost
	}
	return c.BcryptCost
}

// blogHandler is implemented by the blog's handlers, which embed
// BaseHandler: route hands each one the Config.
type blogHandler interface {
	web.Handler
	base() *BaseHandler
}

// route is web.RWith for the blog's handlers: each gets cfg.
func route[T any, P interface {
	*T
	blogHandler
}](pattern string, cfg *Config) web.Rule {
	return web.RWith[T, P](pattern, func(h P) { h.base().cfg = cfg })
}

// newApplication returns the blog: Tornado's demo routes, with XSRF
// protection, the signed login cookie, the templates and the Entry UI
// module, and the CSS served from static/.
func newApplication(cfg Config) *web.Application {
	c := &cfg
	return web.NewApplication([]web.Rule{
		route[HomeHandler](`/`, c),
		route[ArchiveHandler](`/archive`, c),
		route[FeedHandler](`/feed`, c),
		route[EntryHandler](`/entry/([^/]+)`, c),
		web.Authenticated(route[ComposeHandler](`/compose`, c)),
		route[AuthCreateHandler](`/auth/create`, c),
		route[AuthLoginHandler](`/auth/login`, c),
		route[AuthLogoutHandler](`/auth/logout`, c),
	}, web.Settings{
		Debug:        cfg.Debug,
		Logger:       cfg.Logger,
		CookieSecret: cfg.CookieSecret,
		XSRFCookies:  true,
		LoginURL:     "/auth/login",
		TemplatePath: filepath.Join(cfg.Root, "templates"), // watched by Debug's autoreload
		TemplateFS:   squeezedFS{os.DirFS(filepath.Join(cfg.Root, "templates"))},
		StaticPath:   filepath.Join(cfg.Root, "static"),
		UIModules:    uiModules,
	})
}
