package web

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"mime"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/gotornado/tornado/httputil"
	"github.com/gotornado/tornado/ioloop"
)

// staticChunk is the most of a file a StaticFileHandler reads at once: a
// smaller file is read whole and sent as one response; a larger one is
// streamed, one chunk in flight at a time.
const staticChunk = 64 << 10

// staticCacheAge is how long a versioned static URL may be cached: ten
// years (Tornado's CACHE_MAX_AGE).
const staticCacheAge = 10 * 365 * 24 * time.Hour

// StaticFileHandler serves the files of a folder (Tornado's
// StaticFileHandler). NewApplication adds it for Settings.StaticPath; to
// serve another folder, give it a rule with one group, the file's path,
// and the folder as Args "path":
//
//	web.R[web.StaticFileHandler](`/content/(.*)`, web.Args{"path": "/var/www"})
//
// Args "default_filename" (such as "index.html") is served for a
// directory; a request for a directory without its final slash is
// redirected (301) to add it.
//
// It sends Etag (the quoted hex SHA-512 of the file, as StaticURL's
// version), Last-Modified, Content-Type from the file's extension
// (application/gzip for .gz, application/octet-stream when unknown) and
// Accept-Ranges; a request with a "v" argument (a URL from StaticURL) may
// be cached for ten years (Expires, Cache-Control: max-age). It answers 304
// to a matching If-None-Match, or, without one, to an If-Modified-Since
// not before the file's time; a single byte range with 206 and
// Content-Range, or 416 with "Content-Range: bytes */size"; HEAD with the
// headers alone.
//
// A path that leads out of the folder — "..", an absolute path, a
// backslash, a symbolic link to elsewhere — gets 403, a missing file 404,
// a directory or special file 403. Files are opened through an os.Root, so
// nothing outside the folder is ever read.
//
// A file up to 64 KiB is read whole on the handler's goroutine; a larger
// one is streamed 64 KiB at a time, the next chunk read once the last has
// reached the kernel, so a slow client costs one chunk of memory however
// large the file. The first request for a large file hashes it on the
// loop's executor (ioloop.RunInExecutor) rather than on the loop; under
// net/http it is hashed on the request's goroutine. Reads of 64 KiB from
// the page cache take microseconds, which the loop can afford; a file on
// a slow disk that is not cached delays the loop for the time of a read.
//
// A handler embedding StaticFileHandler may implement StaticCacheTimer and
// StaticHeaderSetter; one with an Initialize of its own must call
// StaticFileHandler's.
type StaticFileHandler struct {
	RequestHandler
	root            string // Args "path"
	defaultFilename string // Args "default_filename"

	// A streamed response: the file, the next offset, the bytes left to
	// send, and the callback of each Flush (made once per response).
	file   *os.File
	offset int64
	left   int64
	next   func(error)
	queued int // bytes flushed whose callback has not run yet
	peak   int // the most queued, for staticPeakQueued
}

// StaticCacheTimer is implemented by handlers embedding StaticFileHandler
// that choose how long a file may be cached (Tornado's get_cache_time): a
// positive duration sends Expires and Cache-Control max-age, zero leaves it
// to the client. path is the URL path below the rule's prefix. Without it,
// a request with a "v" argument may be cached for ten years, and other
// requests get no caching headers.
type StaticCacheTimer interface {
	CacheTime(path string, modified time.Time, contentType string) time.Duration
}

// StaticHeaderSetter is implemented by handlers embedding
// StaticFileHandler that add headers to every file they serve (Tornado's
// set_extra_headers).
type StaticHeaderSetter interface{ SetExtraHeaders(path string) }

var (
	_ Initializer = (*StaticFileHandler)(nil)
	_ Getter      = (*StaticFileHandler)(nil)
)

// Initialize takes the rule's Args: "path", the folder to serve (required),
// and "default_filename" (optional).
func (h *StaticFileHandler) Initialize(args Args) error {
	root, ok := args["path"].(string)
	if !ok || root == "" {
		return errors.New(`web: StaticFileHandler needs the folder to serve as Args "path", a string`)
	}
	h.root = root
	if v, ok := args["default_filename"]; ok && v != nil {
		name, ok := v.(string)
		if !ok {
			return fmt.Errorf(`web: StaticFileHandler Args "default_filename" is a %T, not a string`, v)
		}
		h.defaultFilename = name
	}
	return nil
}

// Get serves the file named by the rule's first group; HEAD is served by
// Get too, without the body.
func (h *StaticFileHandler) Get() error {
	p, err := h.urlPath()
	if err != nil {
		return err
	}
	name, err := cleanStaticPath(p)
	if err != nil {
		return staticError(p, err)
	}
	root, err := os.OpenRoot(h.root)
	if err != nil {
		return &HTTPError{Code: 404, LogMessage: "static root", Err: err}
	}
	defer root.Close() // the open file does not need it
	f, fi, err := openStatic(root, name)
	if errors.Is(err, errNotFile) && fi != nil && fi.IsDir() && h.defaultFilename != "" {
		if !strings.HasSuffix(h.req.Path, "/") {
			if strings.HasPrefix(h.req.Path, "//") {
				// "//host/" would redirect to another site.
				return &HTTPError{Code: 403, LogMessage: "cannot redirect path with two initial slashes"}
			}
			return h.Redirect(h.req.Path+"/", 301)
		}
		name = path.Join(name, h.defaultFilename)
		f, fi, err = openStatic(root, name)
	}
	if err != nil {
		return staticError(p, err)
	}
	return h.serveFile(f, fi, name, p)
}

// urlPath returns the rule's first group, the file's path in the URL.
func (h *StaticFileHandler) urlPath() (string, error) {
	if args := h.PathArgs(); len(args) > 0 {
		return args[0], nil
	}
	if groups := h.PathGroups(); len(groups) > 0 {
		return groups[0].Value, nil
	}
	return "", fmt.Errorf("web: the pattern %q of a StaticFileHandler has no group for the file's path", h.route.spec.rule.Pattern)
}

// serveFile answers with the open file f, which it closes when done.
func (h *StaticFileHandler) serveFile(f *os.File, fi fs.FileInfo, name, p string) error {
	key := filepath.Join(h.root, name)
	reload := h.app.reloadStaticHashes()
	ver := h.app.static.lookup(key, fi, reload)
	whole := false // h.buf holds the whole file
	if ver == nil {
		switch loop := h.Loop(); {
		case fi.Size() <= staticChunk:
			if err := h.readAt(f, 0, fi.Size()); err != nil {
				f.Close()
				return err
			}
			whole = true
			ver = h.app.static.store(key, fi, hashContent(h.buf), reload)
		case loop != nil:
			h.hashLater(loop, f, fi, key, name, p)
			return nil
		default: // under net/http this goroutine is the request's own
			sum, err := hashFile(f, fi.Size())
			if err != nil {
				f.Close()
				return fmt.Errorf("web: hashing static file %s: %w", key, err)
			}
			ver = h.app.static.store(key, fi, sum, reload)
		}
	}
	streaming, err := h.respond(f, fi, ver, name, p, whole)
	if !streaming {
		f.Close()
	}
	return err
}

// hashLater hashes a large file on the loop's executor, then responds.
func (h *StaticFileHandler) hashLater(loop *ioloop.Loop, f *os.File, fi fs.FileInfo, key, name, p string) {
	h.Asynchronous()
	reload := h.app.reloadStaticHashes()
	fut := ioloop.RunInExecutor(loop, func() (string, error) { return hashFile(f, fi.Size()) })
	h.hold() // until the result is back on the loop
	fut.AddDoneCallback(func(fut *ioloop.Future[string]) {
		defer h.drop()
		h.guard(func() {
			streaming := false
			defer func() {
				if !streaming {
					f.Close()
				}
			}()
			sum, err := fut.Result()
			if err == nil {
				ver := h.app.static.store(key, fi, sum, reload)
				streaming, err = h.respond(f, fi, ver, name, p, false)
			}
			switch {
			case err != nil:
				h.handleError(err)
			case !streaming:
				h.finishOnce()
			}
		})
	})
}

// finishOnce finishes the response unless something else did (on the
// handler's goroutine, without Finish's owner check).
func (h *StaticFileHandler) finishOnce() {
	if h.finishCalled.CompareAndSwap(false, true) {
		h.finishNow()
	}
}

// respond sets the headers and the body of the response for f, or starts
// streaming it, which it reports. whole says h.buf holds the whole file.
func (h *StaticFileHandler) respond(f *os.File, fi fs.FileInfo, ver *staticVersion, name, p string, whole bool) (streaming bool, err error) {
	if err := h.setStaticHeaders(fi, ver, name, p); err != nil {
		return false, err
	}
	if h.notModified(fi, ver) {
		h.buf = h.buf[:0]
		h.setStatus(304, "")
		return false, nil
	}
	size := fi.Size()
	start, end := int64(0), size
	if rh := h.req.Header.Get("Range"); rh != "" {
		ranges, err := httputil.ParseRange(rh, size)
		if errors.Is(err, httputil.ErrRangeNotSatisfiable) {
			h.buf = h.buf[:0]
			h.setStatus(416, "")
			h.hdr().SetFrom(&textPlain)
			return false, h.SetHeader("Content-Range", "bytes */"+strconv.FormatInt(size, 10))
		}
		if len(ranges) == 1 {
			start, end = ranges[0].Start, ranges[0].End
			h.setStatus(206, "")
			if err := h.SetHeader("Content-Range", ranges[0].ContentRange(size)); err != nil {
				return false, err
			}
		}
	}
	n := end - start
	h.setContentLength(n)
	switch {
	case h.req.Method == "HEAD":
		h.buf = h.buf[:0]
	case whole:
		h.buf = h.buf[:copy(h.buf, h.buf[start:end])]
	case n <= staticChunk:
		return false, h.readAt(f, start, n)
	default:
		h.stream(f, start, n)
		return true, nil
	}
	return false, nil
}

// setContentLength sets Content-Length to n, in the handler's storage
// when it fits an int.
func (h *StaticFileHandler) setContentLength(n int64) {
	var v string
	if int64(int(n)) == n {
		v = h.etags().contentLength(int(n)) // no allocation
	} else {
		v = strconv.FormatInt(n, 10)
	}
	h.hdr().SetChecked("Content-Length", v) // digits: always valid
}

// textPlain is the Content-Type of a 416, checked once here.
var textPlain = checkedField("Content-Type", "text/plain")

// acceptRanges is the Accept-Ranges field, checked once here.
var acceptRanges = checkedField("Accept-Ranges", "bytes")

// setStaticHeaders sets the content and caching headers (Tornado's
// set_headers).
func (h *StaticFileHandler) setStaticHeaders(fi fs.FileInfo, ver *staticVersion, name, p string) error {
	h.hdr().SetFrom(&acceptRanges)
	h.hdr().SetFrom(&ver.fields) // Etag and Last-Modified
	ct := staticContentType(name)
	if err := h.SetHeader("Content-Type", ct); err != nil {
		return err
	}
	var age time.Duration
	if t, ok := h.self.(StaticCacheTimer); ok {
		age = t.CacheTime(p, lastModified(fi), ct)
	} else if versioned(h.req) {
		age = staticCacheAge
	}
	if age > 0 {
		h.SetHeader("Expires", httputil.FormatHTTPDate(time.Now().Add(age)))
		h.SetHeader("Cache-Control", "max-age="+strconv.FormatInt(int64(age/time.Second), 10))
	}
	if s, ok := h.self.(StaticHeaderSetter); ok {
		s.SetExtraHeaders(p)
	}
	return nil
}

// notModified reports whether the request's validators match the file
// (Tornado's should_return_304): If-None-Match when it is sent, else
// If-Modified-Since.
func (h *StaticFileHandler) notModified(fi fs.FileInfo, ver *staticVersion) bool {
	if inm := h.req.Header.Get("If-None-Match"); inm != "" {
		if vs := h.req.Header.Values("If-None-Match"); len(vs) > 1 {
			inm = strings.Join(vs, ",")
		}
		_, etag := ver.fields.At(0)
		return etagMatches(inm, etag)
	}
	ims := h.req.Header.Get("If-Modified-Since")
	if ims == "" {
		return false
	}
	since, err := httputil.ParseHTTPDate(ims)
	return err == nil && !since.Before(lastModified(fi))
}

// versioned reports whether the request has a "v" argument (a URL made by
// StaticURL). The query is scanned without parsing it when it has no
// escapes.
func versioned(req *httputil.ServerRequest) bool {
	if len(req.Body) > 0 || strings.ContainsAny(req.Query, "%+") {
		return req.QueryFields().Has("v") || req.BodyFields().Has("v")
	}
	for q := req.Query; q != ""; {
		var field string
		field, q, _ = strings.Cut(q, "&")
		if key, _, _ := strings.Cut(field, "="); key == "v" {
			return true
		}
	}
	return false
}

// readAt reads n bytes of f at off into h.buf, replacing its content.
func (h *StaticFileHandler) readAt(f *os.File, off, n int64) error {
	h.buf = slices.Grow(h.buf[:0], int(n))[:n]
	m, err := f.ReadAt(h.buf, off)
	if int64(m) == n {
		return nil // ReadAt may report io.EOF with the last byte
	}
	h.buf = h.buf[:0]
	return fmt.Errorf("web: reading static file: %w", err)
}

// stream sends n bytes of f from start, one chunk per Flush: the
// handler goes asynchronous and reads the next chunk in the callback of
// the last one's Flush.
func (h *StaticFileHandler) stream(f *os.File, start, n int64) {
	h.file, h.offset, h.left = f, start, n
	h.next = h.sendNext
	h.Asynchronous()
	h.sendNext(nil)
}

// sendNext flushes the next chunk, or ends the response when the file is
// sent, the client went away (err) or the file cannot be read.
func (h *StaticFileHandler) sendNext(err error) {
	h.queued = 0 // the last chunk reached the kernel
	if err == nil && h.left > 0 && !h.closed {
		n := min(h.left, staticChunk)
		if err = h.readAt(h.file, h.offset, n); err != nil {
			h.fail(err) // a 500 before the headers; logged after them
		} else {
			h.offset, h.left = h.offset+n, h.left-n
			h.queued += int(n)
			h.peak = max(h.peak, h.queued)
			if err = h.flushNow(h.next); err == nil {
				return // sendNext runs again once the chunk is sent
			}
		}
	}
	notePeak(h.peak)
	h.file.Close()
	h.file = nil
	h.finishOnce()
}

// staticPeakQueued is the most output any streamed static response has
// had queued at once, for the tests.
var staticPeakQueued atomic.Int64

func notePeak(n int) {
	for {
		old := staticPeakQueued.Load()
		if int64(n) <= old || staticPeakQueued.CompareAndSwap(old, int64(n)) {
			return
		}
	}
}

// staticContentType returns the Content-Type of the file name, by its
// extension (Tornado's get_content_type): application/gzip for a gzipped
// file (RFC 6713), application/octet-stream for another compression or an
// unknown type.
func staticContentType(name string) string {
	ext := path.Ext(name)
	switch ext {
	case ".gz", ".tgz", ".taz", ".tz", ".svgz":
		return "application/gzip"
	case ".Z", ".bz2", ".xz", ".br", ".tbz2", ".txz":
		return "application/octet-stream"
	}
	if t := mime.TypeByExtension(ext); t != "" {
		return t
	}
	if t, ok := fallbackTypes[strings.ToLower(ext)]; ok {
		return t
	}
	return "application/octet-stream"
}

// fallbackTypes are common types that the mime package knows only from
// the system's tables, which a machine may lack.
var fallbackTypes = map[string]string{
	".txt":   "text/plain; charset=utf-8",
	".csv":   "text/csv; charset=utf-8",
	".md":    "text/markdown; charset=utf-8",
	".ico":   "image/vnd.microsoft.icon",
	".woff":  "font/woff",
	".woff2": "font/woff2",
	".ttf":   "font/ttf",
	".mp3":   "audio/mpeg",
	".mp4":   "video/mp4",
	".webm":  "video/webm",
	".zip":   "application/zip",
	".tar":   "application/x-tar",
}

// withStaticRules returns rules with the rules serving Settings.StaticPath
// in front, as Tornado's Application adds them: <prefix>(.*),
// /(favicon\.ico) and /(robots\.txt), served by Settings.StaticHandler or
// StaticFileHandler with its Args and "path". Without StaticPath it
// returns rules.
func withStaticRules(rules []Rule, s *Settings) []Rule {
	if s.StaticPath == "" {
		return rules
	}
	base := s.StaticHandler
	if base.New == nil {
		base = R[StaticFileHandler]("")
	}
	args := maps.Clone(base.Args)
	if args == nil {
		args = Args{}
	}
	args["path"] = s.StaticPath
	base.Args, base.Name = args, ""
	out := make([]Rule, 0, len(rules)+3)
	for _, pattern := range []string{`/(robots\.txt)`, `/(favicon\.ico)`, regexp.QuoteMeta(s.staticURLPrefix()) + `(.*)`} {
		r := base
		r.Pattern = pattern
		out = append(out, r)
	}
	return append(out, rules...)
}
