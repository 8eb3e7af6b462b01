package web

import (
	"fmt"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/gotornado/tornado/httputil"
)

// GetArgument returns the last value of the argument name from the query
// string or the form body (Tornado's get_argument), with control characters
// replaced by spaces and surrounding white space stripped. When the argument
// is absent it returns def[0] if given, or else a *MissingArgumentError,
// which answers 400 when the verb returns it. A value that is not valid
// UTF-8 is an *HTTPError 400.
func (h *RequestHandler) GetArgument(name string, def ...string) (string, error) {
	return argumentAs(h.lastArgument(allArgs, name), name, def, cleanArgument)
}

// GetArguments returns the values of the argument name from the query
// string and the form body, cleaned as by GetArgument (invalid UTF-8 is
// replaced by U+FFFD), or nil.
func (h *RequestHandler) GetArguments(name string) []string {
	return h.argumentValues(allArgs, name)
}

// GetQueryArgument is GetArgument for the query string only.
func (h *RequestHandler) GetQueryArgument(name string, def ...string) (string, error) {
	return argumentAs(h.lastArgument(queryArgs, name), name, def, cleanArgument)
}

// GetQueryArguments is GetArguments for the query string only.
func (h *RequestHandler) GetQueryArguments(name string) []string {
	return h.argumentValues(queryArgs, name)
}

// GetBodyArgument is GetArgument for the form body only.
func (h *RequestHandler) GetBodyArgument(name string, def ...string) (string, error) {
	return argumentAs(h.lastArgument(bodyArgs, name), name, def, cleanArgument)
}

// GetBodyArguments is GetArguments for the form body only.
func (h *RequestHandler) GetBodyArguments(name string) []string {
	return h.argumentValues(bodyArgs, name)
}

// LookupArgument returns the last value of the argument name, cleaned as by
// GetArgument, and whether the argument was sent at all: it tells a missing
// argument from an empty one (Tornado's get_argument(name, None)). A value
// that is not valid UTF-8 is an *HTTPError 400.
func (h *RequestHandler) LookupArgument(name string) (string, bool, error) {
	last := h.lastArgument(allArgs, name)
	if !last.ok {
		return "", false, nil
	}
	v, err := argumentAs(last, name, nil, cleanArgument)
	return v, err == nil, err
}

// GetRawArgument is GetArgument without stripping surrounding white space
// (Tornado's strip=False); control characters are still replaced by
// spaces.
func (h *RequestHandler) GetRawArgument(name string, def ...string) (string, error) {
	return argumentAs(h.lastArgument(allArgs, name), name, def, replaceControls)
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

// argSource says where the argument accessors look.
type argSource uint8

const (
	allArgs   argSource = iota // the query string's, then the form body's
	queryArgs                  // the query string's only
	bodyArgs                   // the form body's only
)

// manyFields is the number of arguments past which lookups go through the
// url.Values the request makes once, rather than scanning its fields: a
// handler that reads every argument of a large form stays linear.
const manyFields = 32

// fields returns the request's arguments from src: the query's and the
// body's; and whether there are so many that the maps should be used.
func (h *RequestHandler) fields(src argSource) (q, b httputil.Fields, many bool) {
	r := h.req
	if src != bodyArgs && r.Query != "" {
		q = r.QueryFields()
	}
	if src != queryArgs {
		b = r.BodyFields()
	}
	return q, b, len(q)+len(b) > manyFields
}

// values returns the url.Values of src, for a request with many arguments.
func (h *RequestHandler) values(src argSource) url.Values {
	switch src {
	case queryArgs:
		return h.req.QueryArguments()
	case bodyArgs:
		return h.req.BodyArguments()
	}
	return h.req.Arguments()
}

// lastValue is an argument's last value, and whether it has one.
type lastValue struct {
	v  string
	ok bool
}

// lastArgument returns the last value of name from src: the body's last
// if it has one, as Tornado's request.arguments lists the query's values
// before the body's.
func (h *RequestHandler) lastArgument(src argSource, name string) lastValue {
	q, b, many := h.fields(src)
	if many {
		vs := h.values(src)[name]
		if len(vs) == 0 {
			return lastValue{}
		}
		return lastValue{vs[len(vs)-1], true}
	}
	if v, ok := b.Last(name); ok {
		return lastValue{v, true}
	}
	v, ok := q.Last(name)
	return lastValue{v, ok}
}

// argumentValues returns the values of name from src, in order, cleaned
// (invalid UTF-8 replaced by U+FFFD), or nil.
func (h *RequestHandler) argumentValues(src argSource, name string) []string {
	var out []string
	if q, b, many := h.fields(src); many {
		out = append(out, h.values(src)[name]...)
	} else {
		out = b.AppendValues(q.AppendValues(out, name), name)
	}
	for i, v := range out {
		out[i] = cleanArgument(strings.ToValidUTF8(v, "\uFFFD"))
	}
	return out
}

// argumentAs returns last's value, cleaned by clean, or def[0], or a
// *MissingArgumentError for name.
func argumentAs(last lastValue, name string, def []string, clean func(string) string) (string, error) {
	if !last.ok {
		if len(def) > 0 {
			return def[0], nil
		}
		return "", &MissingArgumentError{Name: name}
	}
	if !utf8.ValidString(last.v) {
		return "", invalidUnicode(name, last.v)
	}
	return clean(last.v), nil
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
