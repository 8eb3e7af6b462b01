package web

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// ErrorHandler answers every request with an error status (Tornado's
// ErrorHandler). Its Args: "status_code" (int, required).
type ErrorHandler struct {
	RequestHandler
	code int
}

// Initialize implements Initializer.
func (h *ErrorHandler) Initialize(args Args) error {
	code, ok := args["status_code"].(int)
	if !ok {
		return errors.New(`web: ErrorHandler needs an int "status_code" argument`)
	}
	h.code = code
	return nil
}

// Prepare implements Preparer: it returns the error.
func (h *ErrorHandler) Prepare() error { return &HTTPError{Code: h.code} }

// RedirectHandler redirects every GET (and HEAD) request (Tornado's
// RedirectHandler). Its Args: "url" (string, required), and "permanent"
// (bool, default true: 301; false: 302). The url may refer to the rule's
// groups as Python's str.format does: "{0}" for the first positional group,
// "{name}" for a named one ("{{" and "}}" stand for braces). The request's
// query string is appended.
//
//	web.R[web.RedirectHandler](`/(.*?)/(.*?)/(.*)`, web.Args{"url": "/{1}/{0}/{2}"})
type RedirectHandler struct {
	RequestHandler
	url       string
	permanent bool
}

// Initialize implements Initializer.
func (h *RedirectHandler) Initialize(args Args) error {
	u, ok := args["url"].(string)
	if !ok {
		return errors.New(`web: RedirectHandler needs a string "url" argument`)
	}
	h.url, h.permanent = u, true
	if p, ok := args["permanent"]; ok {
		if h.permanent, ok = p.(bool); !ok {
			return errors.New(`web: RedirectHandler's "permanent" argument must be a bool`)
		}
	}
	return nil
}

// Get implements Getter.
func (h *RedirectHandler) Get() error {
	to, err := formatURL(h.url, h.PathArgs(), h.PathKwargs())
	if err != nil {
		return err
	}
	if q := h.Request().Query; q != "" {
		if strings.Contains(to, "?") {
			to += "&" + q
		} else {
			to += "?" + q
		}
	}
	code := http.StatusFound
	if h.permanent {
		code = http.StatusMovedPermanently
	}
	return h.Redirect(to, code)
}

// formatURL substitutes {N}, {} and {name} in tmpl like Python's str.format.
func formatURL(tmpl string, args []string, kwargs map[string]string) (string, error) {
	if !strings.ContainsAny(tmpl, "{}") {
		return tmpl, nil
	}
	var b strings.Builder
	auto := 0
	for i := 0; i < len(tmpl); i++ {
		c := tmpl[i]
		switch {
		case c == '{' && i+1 < len(tmpl) && tmpl[i+1] == '{', c == '}' && i+1 < len(tmpl) && tmpl[i+1] == '}':
			b.WriteByte(c)
			i++
		case c == '{':
			end := strings.IndexByte(tmpl[i:], '}')
			if end < 0 {
				return "", fmt.Errorf("web: unmatched '{' in redirect url %q", tmpl)
			}
			field := tmpl[i+1 : i+end]
			i += end
			v, err := formatField(field, &auto, args, kwargs)
			if err != nil {
				return "", fmt.Errorf("web: redirect url %q: %w", tmpl, err)
			}
			b.WriteString(v)
		case c == '}':
			return "", fmt.Errorf("web: single '}' in redirect url %q", tmpl)
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), nil
}

func formatField(field string, auto *int, args []string, kwargs map[string]string) (string, error) {
	if field == "" {
		field = strconv.Itoa(*auto)
		*auto++
	}
	if n, err := strconv.Atoi(field); err == nil {
		if n < 0 || n >= len(args) {
			return "", fmt.Errorf("no positional group %d", n)
		}
		return args[n], nil
	}
	v, ok := kwargs[field]
	if !ok {
		return "", fmt.Errorf("no group named %q", field)
	}
	return v, nil
}

var (
	_ Initializer = (*ErrorHandler)(nil)
	_ Preparer    = (*ErrorHandler)(nil)
	_ Initializer = (*RedirectHandler)(nil)
	_ Getter      = (*RedirectHandler)(nil)
)
