package web

import (
	"fmt"
	"net/url"
	"strings"
	"unicode/utf8"
)

// GetArgument returns the last value of the argument name from the query
// string or the form body (Tornado's get_argument), with control characters
// replaced by spaces and surrounding white space stripped. When the argument
// is absent it returns def[0] if given, or else a *MissingArgumentError,
// which answers 400 when the verb returns it. A value that is not valid
// UTF-8 is an *HTTPError 400.
func (h *RequestHandler) GetArgument(name string, def ...string) (string, error) {
	return argument(h.req.Arguments(), name, def)
}

// GetArguments returns the values of the argument name from the query
// string and the form body, cleaned as by GetArgument (invalid UTF-8 is
// replaced by U+FFFD), or nil.
func (h *RequestHandler) GetArguments(name string) []string {
	return arguments(h.req.Arguments(), name)
}

// GetQueryArgument is GetArgument for the query string only.
func (h *RequestHandler) GetQueryArgument(name string, def ...string) (string, error) {
	return argument(h.req.QueryArguments(), name, def)
}

// GetQueryArguments is GetArguments for the query string only.
func (h *RequestHandler) GetQueryArguments(name string) []string {
	return arguments(h.req.QueryArguments(), name)
}

// GetBodyArgument is GetArgument for the form body only.
func (h *RequestHandler) GetBodyArgument(name string, def ...string) (string, error) {
	return argument(h.req.BodyArguments(), name, def)
}

// GetBodyArguments is GetArguments for the form body only.
func (h *RequestHandler) GetBodyArguments(name string) []string {
	return arguments(h.req.BodyArguments(), name)
}

// LookupArgument returns the last value of the argument name, cleaned as by
// GetArgument, and whether the argument was sent at all: it tells a missing
// argument from an empty one (Tornado's get_argument(name, None)). A value
// that is not valid UTF-8 is an *HTTPError 400.
func (h *RequestHandler) LookupArgument(name string) (string, bool, error) {
	if vs := h.req.Arguments()[name]; len(vs) == 0 {
		return "", false, nil
	}
	v, err := argument(h.req.Arguments(), name, nil)
	return v, err == nil, err
}

// GetRawArgument is GetArgument without stripping surrounding white space
// (Tornado's strip=False); control characters are still replaced by
// spaces.
func (h *RequestHandler) GetRawArgument(name string, def ...string) (string, error) {
	return argumentAs(h.req.Arguments(), name, def, replaceControls)
}

// ArgumentNames returns the names of the query and body arguments in the
// order they first came (Tornado's request.arguments is ordered).
func (h *RequestHandler) ArgumentNames() []string { return h.req.ArgumentNames() }

func invalidUnicode(name, v string) error {
	if len(v) > 40 {
		v = v[:40]
	}
	return &HTTPError{Code: 400, LogMessage: fmt.Sprintf("Invalid unicode in %s: %q", name, v)}
}

func argument(src url.Values, name string, def []string) (string, error) {
	return argumentAs(src, name, def, cleanArgument)
}

// argumentAs returns the last value of name in src, cleaned by clean, or
// def[0], or a *MissingArgumentError.
func argumentAs(src url.Values, name string, def []string, clean func(string) string) (string, error) {
	vs := src[name]
	if len(vs) == 0 {
		if len(def) > 0 {
			return def[0], nil
		}
		return "", &MissingArgumentError{Name: name}
	}
	v := vs[len(vs)-1]
	if !utf8.ValidString(v) {
		return "", invalidUnicode(name, v)
	}
	return clean(v), nil
}

func arguments(src url.Values, name string) []string {
	vs := src[name]
	if len(vs) == 0 {
		return nil
	}
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = cleanArgument(strings.ToValidUTF8(v, "\uFFFD"))
	}
	return out
}

// cleanArgument replaces the control characters \x00-\x08 and \x0e-\x1f by
// spaces and strips surrounding white space, as Tornado does. It does not
// allocate for a value without control characters.
func cleanArgument(v string) string { return strings.TrimSpace(replaceControls(v)) }

// replaceControls replaces the control characters \x00-\x08 and \x0e-\x1f
// by spaces.
func replaceControls(v string) string {
	for i := 0; i < len(v); i++ {
		if isArgControl(v[i]) {
			b := []byte(v)
			for j := i; j < len(b); j++ {
				if isArgControl(b[j]) {
					b[j] = ' '
				}
			}
			return string(b)
		}
	}
	return v
}

func isArgControl(c byte) bool { return c <= 0x08 || 0x0e <= c && c <= 0x1f }
