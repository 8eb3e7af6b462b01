package web

import (
	"errors"
	"fmt"
	"html/template"
	"reflect"

	"github.com/gotornado/tornado/httputil"
)

// errUnbound is returned by a template func called outside a render,
// which only a template kept past its render could do.
var errUnbound = errors.New("web: template func called outside a render")

// binding ties the funcs of one template set to the handler whose render
// is running it; nil between renders. It is set and read on that
// handler's goroutine.
type binding struct{ h *RequestHandler }

// funcs returns Tornado's template namespace bound to b, with the UI
// methods and Settings.TemplateFuncs.
func (c *templateCache) funcs(b *binding) template.FuncMap {
	fm := template.FuncMap{
		"handler":        b.handler,
		"request":        b.request,
		"current_user":   b.currentUser,
		"static_url":     b.staticURL,
		"xsrf_form_html": b.xsrfFormHTML,
		"reverse_url":    b.reverseURL,
		"module":         b.module,
		"xhtml_escape":   xhtmlEscapeFunc,
		"url_escape":     urlEscapeFunc,
		"json_encode":    jsonEncode,
		"squeeze":        squeeze,
		"linkify":        linkifyFunc,
	}
	for _, m := range c.methods {
		fm[m.name] = m.bind(b)
	}
	for name, f := range c.settings.TemplateFuncs {
		fm[name] = f
	}
	return fm
}

// handler is the handler template func (Tornado's handler): the handler
// being served, the struct that embeds RequestHandler, whose exported
// fields and methods templates may use.
func (b *binding) handler() Handler {
	if b.h == nil {
		return nil
	}
	return b.h.self
}

// request is the request template func (Tornado's request).
func (b *binding) request() *httputil.ServerRequest {
	if b.h == nil {
		return nil
	}
	return b.h.req
}

// currentUser is the current_user template func (Tornado's current_user).
func (b *binding) currentUser() any {
	if b.h == nil {
		return nil
	}
	return b.h.CurrentUser()
}

// staticURL is the static_url template func: {{static_url "site.css"}}.
func (b *binding) staticURL(path string) (string, error) {
	if b.h == nil {
		return "", errUnbound
	}
	return b.h.StaticURL(path)
}

// xsrfFormHTML is the xsrf_form_html template func.
func (b *binding) xsrfFormHTML() (template.HTML, error) {
	if b.h == nil {
		return "", errUnbound
	}
	return b.h.XSRFFormHTML(), nil
}

// reverseURL is the reverse_url template func: {{reverse_url "entry" .slug}}.
func (b *binding) reverseURL(name string, args ...any) (string, error) {
	if b.h == nil {
		return "", errUnbound
	}
	return b.h.app.ReverseURL(name, args...)
}

// uiMethod is one of Settings.UIMethods, checked.
type uiMethod struct {
	name  string
	fn    reflect.Value
	first reflect.Type // its first parameter: *RequestHandler, or a type the embedding handler may have
	bound reflect.Type // its type without the first parameter
}

var (
	requestHandlerType = reflect.TypeFor[*RequestHandler]()
	handlerType        = reflect.TypeFor[Handler]()
	errorType          = reflect.TypeFor[error]()
)

// checkUIMethods checks Settings.UIMethods; it panics on a value that is
// not a function taking the handler first and returning one value, or a
// value and an error.
func checkUIMethods(methods map[string]any) []uiMethod {
	var out []uiMethod
	for name, f := range methods {
		v := reflect.ValueOf(f)
		if v.Kind() != reflect.Func || v.IsNil() {
			panic(fmt.Sprintf("web: Settings.UIMethods[%q] is a %T: want a function", name, f))
		}
		t := v.Type()
		bad := func(why string) {
			panic(fmt.Sprintf("web: Settings.UIMethods[%q] is a %v: %s", name, t, why))
		}
		switch {
		case t.NumIn() == 0 || t.IsVariadic() && t.NumIn() == 1:
			bad("its first parameter must be the handler")
		case t.In(0) != requestHandlerType && !t.In(0).Implements(handlerType):
			bad("its first parameter must be *web.RequestHandler or a handler type")
		case t.NumOut() == 0 || t.NumOut() > 2 || t.NumOut() == 2 && t.Out(1) != errorType:
			bad("want one result, or a result and an error")
		}
		in := make([]reflect.Type, t.NumIn()-1)
		for i := range in {
			in[i] = t.In(i + 1)
		}
		outs := make([]reflect.Type, t.NumOut())
		for i := range outs {
			outs[i] = t.Out(i)
		}
		out = append(out, uiMethod{name: name, fn: v, first: t.In(0), bound: reflect.FuncOf(in, outs, t.IsVariadic())})
	}
	return out
}

// bind returns m as a template func without its first parameter: it
// passes the handler b is bound to (Tornado's ui_methods receive the
// handler as self).
func (m uiMethod) bind(b *binding) any {
	variadic := m.bound.IsVariadic()
	return reflect.MakeFunc(m.bound, func(args []reflect.Value) []reflect.Value {
		h, err := m.handlerArg(b)
		if err != nil {
			panic(err) // text/template turns a func's panic into the render's error
		}
		all := append([]reflect.Value{h}, args...)
		if variadic {
			return m.fn.CallSlice(all)
		}
		return m.fn.Call(all)
	}).Interface()
}

// handlerArg is the first argument of m: the RequestHandler, or the
// handler embedding it when m asks for a handler type.
func (m uiMethod) handlerArg(b *binding) (reflect.Value, error) {
	if b.h == nil {
		return reflect.Value{}, errUnbound
	}
	if m.first == requestHandlerType {
		return reflect.ValueOf(b.h), nil
	}
	self := reflect.ValueOf(b.h.self)
	if !self.Type().AssignableTo(m.first) {
		return reflect.Value{}, fmt.Errorf("web: UI method %s wants a %v; the handler is a %v", m.name, m.first, self.Type())
	}
	return self, nil
}
