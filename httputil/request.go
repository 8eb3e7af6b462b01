package httputil

import (
	"fmt"
	"net/url"
	"strings"
	"time"
)

// ServerRequest is one HTTP request as the server saw it (Tornado's
// HTTPServerRequest). It is owned by the connection's goroutine and is not
// safe for concurrent use; the lazily parsed accessors cache their results.
type ServerRequest struct {
	Method  string
	URI     string // the request-target as sent
	Path    string // URI before '?', still escaped
	Query   string // URI after '?', without the '?'
	Version string // "HTTP/1.1" or "HTTP/1.0"

	Header Header
	Body   []byte // the whole body, once it has arrived

	RemoteIP string // peer IP, or X-Real-Ip/X-Forwarded-For when the server trusts them
	Protocol string // "http" or "https"
	Host     string // Host header, or "127.0.0.1" when absent
	HostName string // Host without the port (IPv6 brackets stripped), in lower case

	// Connection is the response side; nil in unit tests that do not need it.
	Connection Connection

	StartTime time.Time

	elapsed time.Duration // from StartTime to MarkFinished's time, once finished

	query       Fields // the query's arguments, once parsedQuery
	body        Fields // the form body's arguments, once parsedBody
	ex          *requestExtra
	parsedQuery bool
	parsedBody  bool
	parsedCook  bool
	finished    bool // MarkFinished was called
}

// requestExtra is what not every request needs: files, cookies, a form
// error or limits, the arguments as url.Values. It is made on first use
// and kept, emptied, by Reset, so that a request that waits (a long
// poll) holds none, and one on a reused ServerRequest costs no allocation.
type requestExtra struct {
	files       map[string][]*File
	fileNames   []string
	cookies     map[string]string
	cookieNames []string
	bodyErr     error
	limits      FormLimits // for parsing the body; see SetFormLimits

	// The arguments as url.Values, with their names in order: made only
	// for the accessors that return them, so that a request read only
	// through Fields (web's GetArgument) keeps no map.
	query, bodyArgs, args           url.Values
	queryNames, bodyNames, argNames []string
	madeQuery, madeBody, madeArgs   bool
}

// Share readies r to be read on another goroutine while its own goroutine
// goes on using it, as web's Blocking verbs are: the state that the
// accessors make on first use is made now, so that two accessors of
// different data (Cookies on one goroutine, QueryArguments on the other)
// do not race to make it. The same accessor must still not be called on
// two goroutines at once.
func (r *ServerRequest) Share() { r.x() }

// x returns r's requestExtra, made on first use.
func (r *ServerRequest) x() *requestExtra {
	if r.ex == nil {
		r.ex = new(requestExtra)
	}
	return r.ex
}

// File is one uploaded file from a multipart/form-data body.
type File struct {
	Filename    string
	ContentType string
	Body        []byte // the content, unless it was spilled to Path
	// Path is the temporary file holding the content when a
	// MultipartParser spilled it (Body is then nil); the application that
	// owns the request removes it when the request ends, so move it
	// (os.Rename) or copy it to keep it. Open reads either kind.
	Path string

	size int64 // the length of the spilled content
}

// Size returns the length of the file's content.
func (f *File) Size() int64 {
	if f.Path == "" {
		return int64(len(f.Body))
	}
	return f.size
}

// QueryFields returns the arguments of the query string in the order
// they came, parsed once and cached: do not modify it. Parsing is lenient
// like Tornado's parse_qs_bytes with keep_blank_values: blank values are
// kept and malformed escapes are left as they are.
func (r *ServerRequest) QueryFields() Fields {
	if !r.parsedQuery {
		r.parsedQuery = true
		parseQuery(&form{fields: &r.query}, r.Query, 0)
	}
	return r.query
}

// QueryArguments returns the arguments of the query string as
// QueryFields parses them, by name, cached: do not modify it.
func (r *ServerRequest) QueryArguments() url.Values {
	v := r.x()
	if !v.madeQuery {
		v.madeQuery = true
		v.query, v.queryNames = r.QueryFields().Values()
		if v.query == nil {
			v.query = make(url.Values)
		}
	}
	return v.query
}

// QueryArgumentNames returns the names of QueryArguments in the order they
// first appear in the query string. The slice is cached: do not modify it.
func (r *ServerRequest) QueryArgumentNames() []string {
	r.QueryArguments()
	return r.ex.queryNames
}

// BodyFields returns the arguments of an application/x-www-form-urlencoded
// or multipart/form-data body, chosen by the Content-Type header, in the
// order they came, parsed once and cached: do not modify it. It must be
// called after the whole body has arrived. A malformed body yields no
// arguments; ParseBody reports why.
func (r *ServerRequest) BodyFields() Fields {
	r.parseBody()
	return r.body
}

// BodyArguments returns the arguments of BodyFields by name, cached: do
// not modify it.
func (r *ServerRequest) BodyArguments() url.Values {
	v := r.x()
	if !v.madeBody {
		v.madeBody = true
		v.bodyArgs, v.bodyNames = r.BodyFields().Values()
		if v.bodyArgs == nil {
			v.bodyArgs = make(url.Values)
		}
	}
	return v.bodyArgs
}

// BodyArgumentNames returns the names of BodyArguments in the order they
// first appear in the body. The slice is cached: do not modify it.
func (r *ServerRequest) BodyArgumentNames() []string {
	r.BodyArguments()
	return r.ex.bodyNames
}

// Files returns the files uploaded in a multipart/form-data body, by field
// name. Their bodies alias r.Body, unless they were parsed as the body
// arrived (SetBodyForm).
func (r *ServerRequest) Files() map[string][]*File {
	r.parseBody()
	x := r.x()
	if x.files == nil {
		x.files = make(map[string][]*File)
	}
	return x.files
}

// FileNames returns the field names of Files in the order they first appear
// in the body. The slice is cached: do not modify it.
func (r *ServerRequest) FileNames() []string {
	r.parseBody()
	if r.ex == nil {
		return nil
	}
	return r.ex.fileNames
}

// ParseBody parses the body arguments and files, if not done yet, and returns
// the error found in a malformed body, or nil. Like Tornado 6.5's
// parse_body_arguments (CVE-2025-47287) it refuses, with an error wrapping
// ErrBadForm, a form body (urlencoded or multipart Content-Type) sent with a
// Content-Encoding other than identity (ErrUnsupportedEncoding), a
// multipart body without its final boundary, and a part without a
// form-data Content-Disposition or without a name. A request without a form
// Content-Type costs no allocation.
func (r *ServerRequest) ParseBody() error {
	r.parseBody()
	if r.ex == nil {
		return nil
	}
	return r.ex.bodyErr
}

func (r *ServerRequest) parseBody() {
	if r.parsedBody {
		return
	}
	r.parsedBody = true
	ct := r.Header.Get("Content-Type")
	if !isFormContentType(ct) {
		return // nothing to parse: the maps stay nil until asked for
	}
	if ce, ok := r.contentEncoding(); ok {
		r.x().bodyErr = fmt.Errorf("%w: %q", ErrUnsupportedEncoding, ce)
		return
	}
	var limits FormLimits
	if r.ex != nil {
		limits = r.ex.limits
	}
	var fileNames []string
	f := form{fields: &r.body, fileNames: &fileNames}
	err := limits.parseBodyArguments(ct, r.Body, &f)
	switch {
	case err != nil:
		r.x().bodyErr = err // like Tornado: a malformed body contributes nothing
		r.body = nil
	case f.files != nil: // made by the first file only
		x := r.x()
		x.files, x.fileNames = f.files, fileNames
	}
}

// SetFormLimits sets the limits ParseBody and the body accessors parse the
// body with (the zero FormLimits: the defaults). Call it before the body is
// first parsed.
func (r *ServerRequest) SetFormLimits(l FormLimits) { r.x().limits = l }

// SetBodyForm makes what p found in a multipart/form-data body read as it
// arrived the request's body arguments and files, in place of parsing
// Body (which may then be empty), with err as ParseBody's error: p's
// Close error, or another. As with a malformed Body, an error leaves no
// arguments and no files.
func (r *ServerRequest) SetBodyForm(p *MultipartParser, err error) {
	r.parsedBody = true
	x := r.x()
	x.files, x.fileNames, x.bodyErr = nil, nil, err
	x.bodyArgs, x.bodyNames, x.madeBody = nil, nil, false
	x.args, x.argNames, x.madeArgs = nil, nil, false
	r.body = nil
	if err == nil {
		r.body, x.files, x.fileNames = p.Fields(), p.f.files, *p.f.fileNames
	}
}

// contentEncoding returns the first Content-Encoding other than identity
// (or empty) among the request's Content-Encoding fields, if any.
func (r *ServerRequest) contentEncoding() (string, bool) {
	for i := range r.Header.fields {
		f := &r.Header.fields[i]
		if !equalFold(f.name, "Content-Encoding") {
			continue
		}
		if ce := strings.TrimSpace(f.value); ce != "" && !equalFold(ce, "identity") {
			return ce, true
		}
	}
	return "", false
}

// Arguments returns the query arguments followed by the body arguments,
// merged per name, cached after the first call: do not modify it. When only
// one of the two has arguments it is that one's map itself. It must be
// called after the whole body has arrived. (To look up a few names,
// QueryFields and BodyFields cost no map.)
func (r *ServerRequest) Arguments() url.Values {
	v := r.x()
	if v.madeArgs {
		return v.args
	}
	v.madeArgs = true
	var q url.Values
	if r.Query != "" {
		q = r.QueryArguments()
	}
	var b url.Values
	if len(r.BodyFields()) > 0 {
		b = r.BodyArguments()
	}
	switch {
	case len(q) == 0 && len(b) > 0:
		// No merge, no copy: a form POST to a bare path.
		v.args, v.argNames = b, v.bodyNames
		return v.args
	case len(b) == 0 && len(q) > 0:
		v.args, v.argNames = q, v.queryNames
		return v.args
	}
	v.args = make(url.Values, len(q)+len(b))
	for k, vs := range q {
		v.args[k] = append([]string(nil), vs...)
	}
	for k, vs := range b {
		v.args[k] = append(v.args[k], vs...)
	}
	v.argNames = append(v.argNames, v.queryNames...)
	for _, k := range v.bodyNames {
		if _, inQuery := q[k]; !inQuery {
			v.argNames = append(v.argNames, k)
		}
	}
	return v.args
}

// ArgumentNames returns the names of Arguments in the order they first
// appear: those of the query string, then those only in the body (the order
// of Tornado's request.arguments). The slice is cached: do not modify it.
func (r *ServerRequest) ArgumentNames() []string {
	r.Arguments()
	return r.ex.argNames
}

// Cookies returns the cookies sent in the Cookie headers, parsed once and
// cached. Parsing follows Tornado: ParseCookies for each header, then names
// that Python's http.cookies would refuse (empty, non-token, or a reserved
// attribute name such as "path") are dropped.
func (r *ServerRequest) Cookies() map[string]string {
	x := r.x()
	if !r.parsedCook {
		r.parsedCook = true
		x.cookies = make(map[string]string)
		for i := range r.Header.fields {
			f := &r.Header.fields[i]
			if !equalFold(f.name, "Cookie") {
				continue
			}
			parseCookies(f.value, func(k, v string) {
				if !legalCookieKey(k) {
					return
				}
				if _, seen := x.cookies[k]; !seen {
					x.cookieNames = append(x.cookieNames, k)
				}
				x.cookies[k] = v
			})
		}
	}
	return x.cookies
}

// CookieNames returns the names of Cookies in the order they first appear
// in the Cookie headers; a later cookie of the same name replaces the value
// but keeps the place, as in Python's dict. The slice is cached: do not
// modify it.
func (r *ServerRequest) CookieNames() []string {
	r.Cookies()
	return r.ex.cookieNames
}

// FullURL returns the reconstructed URL: Protocol + "://" + Host + URI.
func (r *ServerRequest) FullURL() string {
	return r.Protocol + "://" + r.Host + r.URI
}

// RequestTime returns the time from StartTime until MarkFinished's time, or
// until now if the request has not finished.
func (r *ServerRequest) RequestTime() time.Duration {
	if !r.finished {
		return time.Since(r.StartTime)
	}
	return r.elapsed
}

// MarkFinished records t as the time the response finished.
func (r *ServerRequest) MarkFinished(t time.Time) {
	r.elapsed, r.finished = t.Sub(r.StartTime), true
}

// Reset clears r for reuse by the next request on the connection, keeping the
// Header's storage. It does not allocate. Maps and slices returned earlier
// by the accessors are dropped, not reused, so a handler that kept one is
// not affected.
func (r *ServerRequest) Reset() {
	h := r.Header
	h.Reset()
	x := r.ex
	if x != nil {
		*x = requestExtra{}
	}
	*r = ServerRequest{Header: h, ex: x}
}

// HostName returns host (a Host header value) without its port, and an
// IPv6 address without its brackets, in lower case as in Tornado's
// host_name: "[::1]:8080" gives "::1", "Example.COM:80" "example.com". A
// bare IPv6 address (more than one colon, no brackets) keeps its colons.
func HostName(host string) string {
	return strings.ToLower(hostPart(host)) // returns it as it is when it can
}

func hostPart(host string) string {
	if strings.HasPrefix(host, "[") {
		if end := strings.IndexByte(host, ']'); end > 0 {
			return host[1:end]
		}
		return host
	}
	colon := -1
	for i := 0; i < len(host); i++ {
		if host[i] == ':' {
			if colon >= 0 {
				return host // a second colon: a bare IPv6 address
			}
			colon = i
		}
	}
	if colon >= 0 {
		return host[:colon]
	}
	return host
}
