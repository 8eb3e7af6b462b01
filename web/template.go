// # Templates
//
// Render and RenderString run html/template templates (Tornado's render
// and render_string), auto-escaped by context. A template is named by its
// slash-separated path in the Settings.TemplatePath folder, or in
// Settings.TemplateFS: "home.html", "modules/entry.html". Names that could
// leave the folder — absolute, with a ".." element — are refused with
// ErrTemplateName, and a symbolic link leading out of the folder is not
// followed. The data given to Render is dot; Tornado's namespace is there
// as template funcs:
//
//	handler, request, current_user  the handler (the struct embedding RequestHandler), Request, CurrentUser
//	static_url "site.css"           StaticURL
//	xsrf_form_html                  XSRFFormHTML
//	reverse_url "entry" .Slug       ReverseURL
//	module "Entry" .Entry           a UIModule from Settings.UIModules
//	xhtml_escape, url_escape, json_encode, squeeze, linkify
//	                                tornado.escape's, returning the html/template
//	                                types that keep them from being escaped twice
//
// with Settings.UIMethods (funcs that receive the handler first) and
// Settings.TemplateFuncs.
//
// Layouts take the place of Tornado's {% extends %} and {% block %}. A
// page whose text opens with the comment {{/* extends "base.html" */}}
// is parsed after base.html into one set, and renders as base.html does,
// with the page's {{define}}s in place of the layout's {{block}}s:
//
//	base.html:
//	<html><head><title>{{block "title" .}}My blog{{end}}</title></head>
//	<body>{{block "body" .}}{{end}}</body></html>
//
//	entry.html:
//	{{/* extends "base.html" */}}
//	{{define "title"}}{{.Entry.Title}} - My blog{{end}}
//	{{define "body"}}{{module "Entry" .Entry}}{{end}}
//
// A layout may extend another; the page's text outside its defines is
// ignored, as in Tornado. Includes take the place of {% include %}: a
// {{template "footer.html" .}} naming a template that the set does not
// define loads that file into it (its own defines do not replace the
// page's). Every name is relative to the template folder, also in an
// extends comment.
//
// Each name is read and parsed once per Application and kept, with the
// files it extends and includes; renders on any loop or goroutine share
// it. With Settings.ReloadTemplates or Debug every render reads its files
// again, so an edit shows at the next request. A template that fails to
// parse or to execute makes Render return the error (a verb returning it
// answers 500 and logs it); a missing one gives an error wrapping
// ErrTemplateNotFound that names it.
package web

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"io"
	"sync"
)

// errOffOwner is returned by RenderString when it is called from another
// goroutine than the handler's.
var errOffOwner = errors.New("web: RenderString must be called on the handler's goroutine (in a verb, or in a function given to Run)")

// maxRenderDepth bounds renders started from within a render (a UI module
// rendering its template, which calls a module...), against a module that
// renders itself.
const maxRenderDepth = 32

// renderState is what one request's renders keep: the UI modules its
// templates called, in the order of their first call, and how deep
// renders are nested now. It is zeroed with the handler.
type renderState struct {
	modules []activeModule
	depth   int
}

// Render runs the template name with data and finishes the response with
// its output (Tornado's render), after putting in the page the files and
// blocks that the UI modules it called asked for (see ModuleResources).
// On failure nothing is added to the response, the error is returned and
// the response fails with a 500 as well, as when a verb returns it. After
// Finish it returns ErrFinished. On an asynchronous handler Render may be
// called from any goroutine: off the handler's goroutine it is queued to
// it, and an error there answers 500 and is logged instead of being
// returned.
func (h *RequestHandler) Render(name string, data any) error {
	if h.finishCalled.Load() {
		return ErrFinished
	}
	if !h.onOwner() {
		h.Run(func() {
			if err := h.Render(name, data); err != nil && !errors.Is(err, ErrFinished) {
				h.handleError(err)
			}
		})
		return nil
	}
	start := len(h.buf)
	err := h.render((*outputBuffer)(h), name, data)
	if err == nil {
		err = h.placeResources(name, start)
	}
	if err != nil {
		h.buf = h.buf[:min(start, len(h.buf))]
		h.fail(err)
		return err
	}
	return h.Finish()
}

// RenderString runs the template name with data and returns its output
// (Tornado's render_string), for a page built in parts, or a UI module's
// Render. The UI modules it calls join the ones the response's Render
// places. Must be called on the handler's goroutine.
func (h *RequestHandler) RenderString(name string, data any) (template.HTML, error) {
	if !h.onOwner() {
		return "", errOffOwner
	}
	buf := renderBuffers.Get().(*bytes.Buffer)
	buf.Reset()
	err := h.render(buf, name, data)
	s := buf.String()
	if buf.Cap() <= maxKeptBuffer {
		renderBuffers.Put(buf)
	}
	if err != nil {
		return "", err
	}
	return template.HTML(s), nil
}

// renderBuffers holds RenderString's buffers.
var renderBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// render runs the template name with data for h into w.
func (h *RequestHandler) render(w io.Writer, name string, data any) error {
	if h.app == nil || h.app.templates == nil {
		return fmt.Errorf("web: rendering %q: the handler serves no request of an Application", name)
	}
	if h.x().tmpl.depth >= maxRenderDepth {
		return fmt.Errorf("web: rendering %q: renders nested more than %d deep", name, maxRenderDepth)
	}
	h.x().tmpl.depth++
	defer func() { h.x().tmpl.depth-- }()
	return h.app.templates.execute(w, name, data, h)
}

// outputBuffer is a RequestHandler seen as an io.Writer that appends to
// its output buffer, for the template Render runs on the handler's
// goroutine: converting the pointer spares allocating a writer, and
// Write's checks are done once by Render.
type outputBuffer RequestHandler

func (b *outputBuffer) Write(p []byte) (int, error) {
	b.buf = append(b.buf, p...)
	return len(p), nil
}
