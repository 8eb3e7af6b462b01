package httputil

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// ErrBadForm is matched (with errors.Is) by every error about a malformed
// form body; the more specific errors below all match it too.
var ErrBadForm = errors.New("httputil: malformed form body")

// Specific form errors. Each matches ErrBadForm with errors.Is.
var (
	ErrNoBoundary          error = &formError{"httputil: multipart boundary not found"}
	ErrTooManyParts        error = &formError{"httputil: too many multipart parts"}
	ErrPartHeaderTooLarge  error = &formError{"httputil: multipart part header too large"}
	ErrTooManyFields       error = &formError{"httputil: too many form fields"}
	ErrUnsupportedEncoding error = &formError{"httputil: unsupported Content-Encoding for form body"}
)

// formError is the type of the form sentinels; every one of them is also ErrBadForm.
type formError struct{ msg string }

func (e *formError) Error() string { return e.msg }

func (e *formError) Is(target error) bool { return target == ErrBadForm }

// Default limits used when a FormLimits field is zero: the parts and part
// header size are Tornado 6.5's (ParseMultipartConfig).
const (
	DefaultMaxParts          = 100
	DefaultMaxPartHeaderSize = 10 << 10
	DefaultMaxFields         = 10000
)

// FormLimits bounds the work and memory spent parsing a form body. The zero
// value uses the defaults; a negative field means no limit. A FormLimits is
// read-only while parsing and safe for concurrent use.
type FormLimits struct {
	MaxParts          int // multipart parts; default DefaultMaxParts
	MaxPartHeaderSize int // bytes of one part's header block; default DefaultMaxPartHeaderSize
	MaxFields         int // application/x-www-form-urlencoded fields; default DefaultMaxFields
}

func limit(v, def int) int {
	switch {
	case v == 0:
		return def
	case v < 0:
		return 0 // no limit
	}
	return v
}

// ParseBodyArguments parses body by its Content-Type with the default
// FormLimits; see FormLimits.ParseBodyArguments.
func ParseBodyArguments(contentType string, body []byte, args url.Values, files map[string][]*File) error {
	var l FormLimits
	return l.ParseBodyArguments(contentType, body, args, files)
}

// ParseBodyArguments adds the fields of an application/x-www-form-urlencoded
// or multipart/form-data body to args, and the uploaded files to files
// (Tornado's parse_body_arguments). Another Content-Type adds nothing and is
// not an error. On error args and files may hold the fields parsed before it.
func (l *FormLimits) ParseBodyArguments(contentType string, body []byte, args url.Values, files map[string][]*File) error {
	return l.parseBodyArguments(contentType, body, &form{args: args, files: files})
}

func (l *FormLimits) parseBodyArguments(contentType string, body []byte, f *form) error {
	mediaType, params, _ := strings.Cut(contentType, ";")
	switch mediaType = strings.TrimSpace(mediaType); {
	case equalFold(mediaType, "application/x-www-form-urlencoded"):
		// body is converted once; values are substrings of it.
		return parseQuery(f, string(body), limit(l.MaxFields, DefaultMaxFields))
	case equalFold(mediaType, "multipart/form-data"):
		boundary, ok := boundaryParam(params)
		if !ok {
			return ErrNoBoundary
		}
		return l.parseMultipartFormData(boundary, body, f)
	}
	return nil
}

// form is where a parser puts what it finds: the arguments, in a map
// (the exported parse functions) or in fields, in order (a request's
// own), and the files with, when fileNames is set, their names in the
// order they first appear (Tornado's files are dicts, which keep that
// order).
type form struct {
	args      url.Values
	fields    *Fields
	files     map[string][]*File
	fileNames *[]string
}

func (f *form) addArg(name, value string) {
	if f.fields != nil {
		*f.fields = append(*f.fields, Field{name, value})
		return
	}
	f.args[name] = append(f.args[name], value)
}

func (f *form) addFile(name string, file *File) {
	if f.files == nil {
		f.files = make(map[string][]*File) // only bodies with files need one
	}
	fs, seen := f.files[name]
	if !seen && f.fileNames != nil {
		*f.fileNames = append(*f.fileNames, name)
	}
	f.files[name] = append(fs, file)
}

// Field is one name=value argument of a query string or form body.
type Field struct{ Name, Value string }

// Fields are the arguments of a query string or form body in the order
// they came, repeated names included: a request keeps its arguments so,
// at 32 bytes each, and makes a url.Values only when one is asked for.
// Its lookups are linear in its length.
type Fields []Field

// Last returns the last value of name, and whether there is one.
func (fs Fields) Last(name string) (string, bool) {
	for i := len(fs) - 1; i >= 0; i-- {
		if fs[i].Name == name {
			return fs[i].Value, true
		}
	}
	return "", false
}

// Has reports whether name is among fs.
func (fs Fields) Has(name string) bool {
	_, ok := fs.Last(name)
	return ok
}

// AppendValues appends the values of name to dst, in order, and returns
// the extended slice.
func (fs Fields) AppendValues(dst []string, name string) []string {
	for i := range fs {
		if fs[i].Name == name {
			dst = append(dst, fs[i].Value)
		}
	}
	return dst
}

// Values returns fs as a url.Values and the names in the order they first
// appear; nil and nil when fs is empty.
func (fs Fields) Values() (url.Values, []string) {
	if len(fs) == 0 {
		return nil, nil
	}
	v := make(url.Values)
	var names []string
	for _, f := range fs {
		vs, seen := v[f.Name]
		if !seen {
			names = append(names, f.Name)
		}
		v[f.Name] = append(vs, f.Value)
	}
	return v, names
}

// isFormContentType reports whether ParseBodyArguments would parse a body of
// the given Content-Type.
func isFormContentType(ct string) bool {
	mt, _, _ := strings.Cut(ct, ";")
	mt = strings.TrimSpace(mt)
	return equalFold(mt, "application/x-www-form-urlencoded") || equalFold(mt, "multipart/form-data")
}

// boundaryParam finds the boundary parameter among the ';'-separated params of
// a Content-Type, as Tornado does (the quotes, if any, are removed later).
func boundaryParam(params string) (string, bool) {
	for params != "" {
		var p string
		p, params, _ = strings.Cut(params, ";")
		k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
		if equalFold(strings.TrimSpace(k), "boundary") && v != "" {
			return strings.TrimSpace(v), true
		}
	}
	return "", false
}

// wrapForm returns an error matching ErrBadForm with a detail message.
func wrapForm(format string, a ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrBadForm}, a...)...)
}
