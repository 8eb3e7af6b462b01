// Command upload is Tornado's file_upload demo in GoTornado: a server that
// takes files two ways. PUT /stream/<name> streams the raw body through a
// handler that hashes it as it arrives, never holding more than one piece
// of it, so a file of any size costs constant memory (Tornado's
// @stream_request_body); it answers {"bytes": N, "sha256": "..."}. POST
// /post takes a multipart/form-data form, whose files above -spill bytes
// go to temporary files as they arrive, removed once the request has
// ended; it answers {"files": [...]} with the same summary for every file. The client in
// ./client uploads files either way.
//
//	go run ./examples/upload -addr 127.0.0.1:8888
//	go run ./examples/upload/client -put big.iso
//	go run ./examples/upload/client a.txt b.png
//	curl -T big.iso http://127.0.0.1:8888/stream/big.iso
package main

import (
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"hash"
	"io"
	"log"
	"log/slog"
	"net/url"
	"time"

	"github.com/gotornado/tornado/httpserver"
	"github.com/gotornado/tornado/httputil"
	"github.com/gotornado/tornado/ioloop"
	"github.com/gotornado/tornado/web"
)

// limits are the server's settings for uploads.
type limits struct {
	maxStream   int64         // the largest streamed PUT
	bodyTimeout time.Duration // the time a client has to send a streamed body
}

// StreamHandler receives PUT /stream/<name>: each piece of the body is
// hashed on the loop's executor while the body is paused, so the loop
// never waits for the hash and the server reads no faster than it hashes.
type StreamHandler struct {
	web.RequestHandler
	limits *limits
	log    *slog.Logger
	n      int64
	sum    hash.Hash
	piece  []byte // the piece being hashed, copied: DataReceived's is valid only during the call
}

var _ web.BodyStreamer = (*StreamHandler)(nil)

// Prepare implements web.Preparer: it runs when the request's head has
// arrived, before any of the body.
func (h *StreamHandler) Prepare() error {
	h.SetMaxBodySize(h.limits.maxStream)
	h.SetBodyTimeout(h.limits.bodyTimeout)
	h.sum = sha256.New()
	return nil
}

// DataReceived implements web.BodyStreamer.
func (h *StreamHandler) DataReceived(chunk []byte) error {
	h.n += int64(len(chunk))
	loop := h.Loop()
	if loop == nil {
		h.sum.Write(chunk) // under net/http this is the request's own goroutine
		return nil
	}
	h.piece = append(h.piece[:0], chunk...)
	h.PauseBody()
	ioloop.RunInExecutor(loop, func() (struct{}, error) {
		h.sum.Write(h.piece)
		return struct{}{}, nil
	}).AddDoneCallback(func(*ioloop.Future[struct{}]) { h.ResumeBody() })
	return nil
}

// Put implements web.Putter: it runs once the whole body has arrived.
func (h *StreamHandler) Put() error {
	name := h.PathArg("name")
	if n, err := url.PathUnescape(name); err == nil {
		name = n
	}
	h.log.Info("PUT", "name", name, "type", h.Request().Header.Get("Content-Type"), "bytes", h.n)
	return h.WriteJSON(fileSummary{Bytes: h.n, SHA256: hex.EncodeToString(h.sum.Sum(nil))})
}

// OnConnectionClose implements web.ConnectionCloser.
func (h *StreamHandler) OnConnectionClose() {
	h.log.Info("PUT abandoned by the client", "name", h.PathArg("name"), "bytes", h.n)
}

// fileSummary is what the server says of each file it received.
type fileSummary struct {
	Field       string `json:"field,omitempty"`
	Filename    string `json:"filename,omitempty"`
	ContentType string `json:"content_type,omitempty"`
	Bytes       int64  `json:"bytes"`
	SHA256      string `json:"sha256"`
}

// postAnswer is the answer to POST /post (an object: WriteJSON sends no
// bare array, as Tornado's write sends no list).
type postAnswer struct {
	Files []fileSummary `json:"files"`
}

// PostHandler receives POST /post, a multipart/form-data form: it
// answers with a summary of each file, hashed on the executor, reading
// the files that were spilled to disk from there.
type PostHandler struct {
	web.RequestHandler
	log *slog.Logger
}

// Post implements web.Poster.
func (h *PostHandler) Post() error {
	req := h.Request()
	var files []fileSummary
	var opened []*httputil.File
	for _, field := range req.FileNames() {
		for _, f := range req.Files()[field] {
			files = append(files, fileSummary{Field: field, Filename: f.Filename, ContentType: f.ContentType, Bytes: f.Size()})
			opened = append(opened, f)
		}
	}
	hashAll := func() error {
		for i, f := range opened {
			r, err := f.Open()
			if err != nil {
				return err
			}
			sum := sha256.New()
			_, err = io.Copy(sum, r)
			r.Close()
			if err != nil {
				return err
			}
			files[i].SHA256 = hex.EncodeToString(sum.Sum(nil))
			h.log.Info("POST", "filename", f.Filename, "type", f.ContentType, "bytes", f.Size(), "spilled", f.Path != "")
		}
		return nil
	}
	loop := h.Loop()
	if loop == nil {
		if err := hashAll(); err != nil {
			return err
		}
		return h.WriteJSON(postAnswer{files})
	}
	h.Asynchronous() // the files stay until Finish
	ioloop.RunInExecutor(loop, func() (struct{}, error) {
		return struct{}{}, hashAll()
	}).AddDoneCallback(func(f *ioloop.Future[struct{}]) {
		if _, err := f.Result(); err != nil {
			h.SendError(500, err)
			return
		}
		h.WriteJSON(postAnswer{files})
		h.Finish()
	})
	return nil
}

// newApplication returns the upload application, logging to logger (nil:
// slog.Default()). spill is the size past which a posted file goes to a
// temporary file.
func newApplication(lim *limits, spill int64, logger *slog.Logger) *web.Application {
	if logger == nil {
		logger = slog.Default()
	}
	return web.NewApplication([]web.Rule{
		web.RWith(`/post`, func(h *PostHandler) { h.log = logger }),
		web.RWith(`/stream/(?P<name>[^/]+)`, func(h *StreamHandler) { h.limits, h.log = lim, logger }),
	}, web.Settings{Logger: logger, SpillThreshold: spill})
}

func main() {
	addr := flag.String("addr", "127.0.0.1:8888", "address to listen on")
	maxStream := flag.Int64("max-stream", 64<<30, "the largest file PUT to /stream/, in bytes")
	maxPost := flag.Int64("max-post", 1<<30, "the largest form POSTed to /post, in bytes")
	spill := flag.Int64("spill", 1<<20, "posted files larger than this many bytes go to temporary files")
	bodyTimeout := flag.Duration("body-timeout", time.Hour, "the time a client has to send the body of a PUT")
	flag.Parse()
	lim := &limits{maxStream: *maxStream, bodyTimeout: *bodyTimeout}
	srv := &httpserver.Server{Handler: newApplication(lim, *spill, nil), MaxBodySize: *maxPost, BodyTimeout: *bodyTimeout}
	if err := srv.Listen(*addr); err != nil {
		log.Fatal(err)
	}
	log.Printf("listening on http://%s/", srv.Addr())
	if err := srv.ServeUntilSignal(); err != nil {
		log.Fatal(err)
	}
}
