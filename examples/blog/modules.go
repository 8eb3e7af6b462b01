package main

import (
	"fmt"
	"html/template"

	"github.com/gotornado/tornado/web"
)

// uiModules are the blog's UI modules (Tornado's ui_modules setting).
var uiModules = map[string]func(*web.RequestHandler) web.UIModule{
	"Entry": func(h *web.RequestHandler) web.UIModule { return EntryModule{h} },
}

// EntryModule shows one entry, on the home page and the entry's own page:
// {{module "Entry" .Entry}} renders modules/entry.html with the entry.
type EntryModule struct{ h *web.RequestHandler }

// Render implements web.UIModule. Its one argument is an *Entry.
func (m EntryModule) Render(args ...any) (template.HTML, error) {
	if len(args) != 1 {
		return "", fmt.Errorf("blog: module Entry takes one entry, got %d arguments", len(args))
	}
	e, ok := args[0].(*Entry)
	if !ok {
		return "", fmt.Errorf("blog: module Entry takes an *Entry, got %T", args[0])
	}
	return m.h.RenderString("modules/entry.html", e)
}
