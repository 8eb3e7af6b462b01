package web

import (
	"strconv"
	"strings"
	"sync"

	"github.com/gotornado/tornado/httputil"
	"github.com/klauspost/compress/gzip"
)

const (
	// gzipLevel is the compression level: gzip's own default, a better
	// trade of CPU for size than the maximum (Tornado's GZIP_LEVEL).
	gzipLevel = 6

	// gzipMinLength is the shortest whole body worth compressing, given
	// the header and trailer gzip adds (Tornado's MIN_LENGTH). A body sent
	// in several flushes is compressed whatever its length.
	gzipMinLength = 1024
)

// Header fields the transform adds, checked once here.
var (
	gzipEncoding       = checkedField("Content-Encoding", "gzip")
	varyAcceptEncoding = checkedField("Vary", "Accept-Encoding")
)

// checkedField returns a Header holding one field, checked (it panics on a
// bad one: the callers pass constants).
func checkedField(name, value string) (h httputil.Header) {
	if err := h.AddChecked(name, value); err != nil {
		panic("web: " + err.Error())
	}
	return h
}

// GZipContentEncoding returns the transform that compresses a response
// with gzip (Tornado's GZipContentEncoding); Settings.CompressResponse puts
// it first in every response's transforms. It compresses when the request
// accepts gzip (an Accept-Encoding that lists it, without q=0), the
// Content-Type is compressible (text/*, JavaScript, JSON, XML, Atom, XHTML,
// SVG), the response has no Content-Encoding, no Content-Range and a body
// (not 1xx, 204 or 304), and the body is at least 1024 bytes or is sent in
// several flushes; each flush then goes out as a compressed piece the
// client can decode at once. It always adds "Vary: Accept-Encoding". The
// Etag, added before the transforms run, is the uncompressed body's.
func GZipContentEncoding(req *httputil.ServerRequest) OutputTransform {
	g := gzipPool.Get().(*gzipTransform)
	g.gzipping = acceptsGzip(&req.Header)
	return g
}

// gzipPool keeps gzipTransforms with their gzip.Writer, whose compressor
// costs far more to make than to reset.
var gzipPool = sync.Pool{New: func() any { return new(gzipTransform) }}

// gzipTransform is the OutputTransform of GZipContentEncoding. It goes
// back to gzipPool once it has finished, keeping its writer; the output
// of its last call stays with the caller.
type gzipTransform struct {
	zw       *gzip.Writer // writes into out
	out      []byte       // compressed output of the current call
	gzipping bool
}

// Write collects the compressed output (for zw).
func (g *gzipTransform) Write(p []byte) (int, error) {
	g.out = append(g.out, p...)
	return len(p), nil
}

func (g *gzipTransform) TransformFirstChunk(status int, header *httputil.Header, chunk []byte, finishing bool) (int, []byte) {
	addVary(header)
	if g.gzipping {
		g.gzipping = !bodyless(status) &&
			compressible(header.Get("Content-Type")) &&
			(!finishing || len(chunk) >= gzipMinLength) &&
			!header.Has("Content-Encoding") &&
			!header.Has("Content-Range") // a range counts bytes of the uncompressed file
	}
	if !g.gzipping {
		if finishing {
			g.release(nil)
		}
		return status, chunk
	}
	header.SetFrom(&gzipEncoding)
	if g.zw == nil {
		g.zw, _ = gzip.NewWriterLevel(g, gzipLevel) // a valid level: no error
	} else {
		g.zw.Reset(g)
	}
	chunk = g.compress(chunk, finishing)
	if header.Has("Content-Length") {
		// The length was the uncompressed body's: the last chunk gets its
		// own; otherwise the Connection frames the body itself.
		if finishing {
			header.SetChecked("Content-Length", strconv.Itoa(len(chunk)))
		} else {
			header.Del("Content-Length")
		}
	}
	return status, chunk
}

func (g *gzipTransform) TransformChunk(chunk []byte, finishing bool) []byte {
	if !g.gzipping {
		if finishing {
			g.release(nil)
		}
		return chunk
	}
	return g.compress(chunk, finishing)
}

// compress compresses chunk, ending the stream when finishing and flushing
// it otherwise, so that the client can decode what it has so far. An empty
// chunk before the last adds nothing.
func (g *gzipTransform) compress(chunk []byte, finishing bool) []byte {
	if g.out == nil {
		// One allocation where text usually fits, rather than several
		// as the output grows.
		g.out = make([]byte, 0, min(len(chunk)/2+256, staticChunk))
	}
	g.out = g.out[:0]
	if len(chunk) > 0 {
		g.zw.Write(chunk) // writing into g.out cannot fail
	}
	if !finishing {
		if len(chunk) > 0 {
			g.zw.Flush()
		}
		return g.out
	}
	g.zw.Close()
	out := g.out
	g.release(out)
	return out
}

// release puts g back in the pool. out, the storage of the last chunk
// returned, stays with the caller: the Connection has yet to copy it.
func (g *gzipTransform) release(out []byte) {
	if out != nil {
		g.out = nil
	}
	g.gzipping = false
	gzipPool.Put(g)
}

// addVary adds Accept-Encoding to the Vary header, unless it lists it.
func addVary(h *httputil.Header) {
	if !h.Has("Vary") {
		h.AddFrom(&varyAcceptEncoding)
		return
	}
	v := strings.Join(h.Values("Vary"), ", ")
	for _, f := range strings.Split(v, ",") {
		if f = strings.TrimSpace(f); strings.EqualFold(f, "Accept-Encoding") || f == "*" {
			return
		}
	}
	h.SetChecked("Vary", v+", Accept-Encoding") // a checked value, joined: still safe
}

// compressibleTypes are the media types outside text/* worth compressing
// (Tornado's GZipContentEncoding.CONTENT_TYPES).
var compressibleTypes = []string{
	"application/javascript",
	"application/x-javascript",
	"application/xml",
	"application/atom+xml",
	"application/json",
	"application/xhtml+xml",
	"image/svg+xml",
}

// compressible reports whether a Content-Type is worth compressing.
func compressible(ct string) bool {
	ct, _, _ = strings.Cut(ct, ";")
	ct = strings.TrimSpace(ct)
	if len(ct) > 5 && strings.EqualFold(ct[:5], "text/") {
		return true
	}
	for _, t := range compressibleTypes {
		if strings.EqualFold(ct, t) {
			return true
		}
	}
	return false
}

// acceptsGzip reports whether a request's Accept-Encoding lists gzip (or
// x-gzip) with a quality above zero. It loops over the fields by index,
// which allocates nothing.
func acceptsGzip(h *httputil.Header) bool {
	for i := range h.Len() {
		if name, value := h.At(i); name == "Accept-Encoding" && listsGzip(value) {
			return true
		}
	}
	return false
}

// listsGzip parses one Accept-Encoding value, a comma-separated list of
// codings with optional parameters ("gzip;q=0.8, br").
func listsGzip(v string) bool {
	for v != "" {
		var item string
		item, v, _ = strings.Cut(v, ",")
		coding, params, _ := strings.Cut(item, ";")
		coding = strings.TrimSpace(coding)
		if !strings.EqualFold(coding, "gzip") && !strings.EqualFold(coding, "x-gzip") {
			continue
		}
		if !zeroQuality(params) {
			return true
		}
	}
	return false
}

// zeroQuality reports whether the parameters of a coding include q=0
// (RFC 9110 12.4.2: "not acceptable"): "0", "0.", "0.0", up to three
// zero decimals.
func zeroQuality(params string) bool {
	for params != "" {
		var p string
		p, params, _ = strings.Cut(params, ";")
		name, value, ok := strings.Cut(p, "=")
		if !ok || !strings.EqualFold(strings.TrimSpace(name), "q") {
			continue
		}
		value = strings.TrimSpace(value)
		if value == "" || value[0] != '0' || len(value) > 5 {
			return false
		}
		if len(value) == 1 {
			return true
		}
		if value[1] != '.' {
			return false
		}
		return strings.Trim(value[2:], "0") == ""
	}
	return false
}
