package main

import (
	"log/slog"
	"path/filepath"

	"github.com/gotornado/tornado/web"
)

// Config is what the chat's Application is made from.
type Config struct {
	Buffer *MessageBuffer // this process's recent messages and waiting long polls
	Bus    Bus            // carries new messages; nil means a MemoryBus on Buffer
	Debug  bool           // Settings.Debug: tracebacks, templates reloaded, autoreload
	Root   string         // the folder holding templates/ and static/
	Logger *slog.Logger   // nil means slog.Default()
}

// newApplication returns the chat: the demo's three routes, XSRF
// protection on, the templates, and chat.js and chat.css served from
// static/.
func newApplication(cfg Config) *web.Application {
	if cfg.Buffer == nil {
		cfg.Buffer = NewMessageBuffer(cacheSize)
	}
	if cfg.Bus == nil {
		cfg.Bus = NewMemoryBus(cfg.Buffer)
	}
	c := &cfg
	return web.NewApplication([]web.Rule{
		route[MainHandler](`/`, c),
		route[MessageNewHandler](`/a/message/new`, c),
		route[MessageUpdatesHandler](`/a/message/updates`, c),
	}, web.Settings{
		Debug:        cfg.Debug,
		Logger:       cfg.Logger,
		XSRFCookies:  true,
		TemplatePath: filepath.Join(cfg.Root, "templates"),
		StaticPath:   filepath.Join(cfg.Root, "static"),
	})
}
