package web

import (
	"github.com/gotornado/tornado/httputil"
)

// OutputTransform changes a response on its way to the client (Tornado's
// OutputTransform), as GZipContentEncoding compresses it. The Application
// makes one for each response from the factories in Settings.Transforms
// (after GZipContentEncoding when Settings.CompressResponse is on), when the
// headers are first flushed, and calls it on the handler's goroutine.
//
// TransformFirstChunk gets the status, the headers, which it may change in
// place, and the first chunk of the body; finishing reports whether that
// chunk is the whole body (the response is being finished). It returns the
// status to send and the chunk. TransformChunk gets every later chunk, and
// the last one, possibly empty, with finishing true.
//
// The chunk passed in is the handler's buffer: a transform must not keep
// it past the call. The chunk returned may be the transform's own storage;
// it must stay valid until the next call, as the Connection copies it.
// A HEAD response goes through the transforms with the body a GET would
// have, which is dropped afterwards.
type OutputTransform interface {
	TransformFirstChunk(status int, header *httputil.Header, chunk []byte, finishing bool) (int, []byte)
	TransformChunk(chunk []byte, finishing bool) []byte
}

// outTransforms is the per-response state of the transforms. The list
// lives in inline for up to two transforms, which saves an allocation per
// response; a pooled handler is zeroed, so nothing outlives the response.
type outTransforms struct {
	list      []OutputTransform
	inline    [2]OutputTransform
	made      bool // list holds this response's transforms
	finishing bool // the flush in progress is the last one (set by finishNow)
}

// transformsOn reports whether responses go through output transforms; it
// costs three loads, so the path without transforms pays nothing more.
func (a *Application) transformsOn() bool {
	s := &a.settings
	return s.CompressResponse || s.Gzip || len(s.Transforms) > 0
}

// makeTransforms fills h.tr.list for the response, once.
func (h *RequestHandler) makeTransforms() {
	t := &h.x().tr
	if t.made {
		return
	}
	t.made = true
	t.list = t.inline[:0]
	s := &h.app.settings
	if s.CompressResponse || s.Gzip {
		t.list = append(t.list, GZipContentEncoding(h.req))
	}
	for _, f := range s.Transforms {
		if f == nil {
			continue
		}
		if x := f(h.req); x != nil {
			t.list = append(t.list, x)
		}
	}
}

// transformFirst runs the first chunk through the transforms, which may
// change the status and the headers.
func (h *RequestHandler) transformFirst(chunk []byte) []byte {
	h.makeTransforms()
	t := &h.x().tr
	status := h.status
	for _, x := range t.list {
		status, chunk = x.TransformFirstChunk(status, h.hdr(), chunk, t.finishing)
	}
	if status != h.status {
		h.setStatus(status, "")
	}
	if t.finishing {
		t.list = nil // done: nothing may reach a transform that has finished
	}
	return chunk
}

// transformChunk runs a later chunk through the transforms.
func (h *RequestHandler) transformChunk(chunk []byte) []byte {
	t := &h.x().tr
	for _, x := range t.list {
		chunk = x.TransformChunk(chunk, t.finishing)
	}
	if t.finishing {
		t.list = nil
	}
	return chunk
}

// discardTransforms forgets the transforms after the Connection refused
// the head: the error page that follows gets fresh ones.
func (h *RequestHandler) discardTransforms() {
	if x := h.ex; x != nil {
		clear(x.tr.inline[:])
		x.tr.list, x.tr.made = nil, false
	}
}
