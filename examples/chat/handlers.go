package main

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/gotornado/tornado/ioloop"
	"github.com/gotornado/tornado/web"
)

// syncTimeout bounds the Redis read a long poll may make for a cursor this
// process does not know.
const syncTimeout = 2 * time.Second

// errNoLoop is returned by the long poll under a server without loops
// (net/http): its wait is a locks.Condition callback, which needs one.
var errNoLoop = errors.New("chat: /a/message/updates must be served by httpserver (it waits on the handler's loop)")

// chatHandler is embedded by every handler of the chat: route hands each
// one the Config.
type chatHandler struct {
	web.RequestHandler
	cfg *Config
}

func (h *chatHandler) chat() *chatHandler { return h }

// roomHandler is implemented by the chat's handlers, which embed
// chatHandler.
type roomHandler interface {
	web.Handler
	chat() *chatHandler
}

// route is web.RWith for the chat's handlers: each gets cfg.
func route[T any, P interface {
	*T
	roomHandler
}](pattern string, cfg *Config) web.Rule {
	return web.RWith[T, P](pattern, func(h P) { h.chat().cfg = cfg })
}

var (
	_ web.Getter           = (*MainHandler)(nil)
	_ web.Poster           = (*MessageNewHandler)(nil)
	_ web.Poster           = (*MessageUpdatesHandler)(nil)
	_ web.ConnectionCloser = (*MessageUpdatesHandler)(nil)
)

// indexPage is the data of index.html.
type indexPage struct {
	Messages []Message
}

// MainHandler serves GET /: the page, with the room's recent messages.
type MainHandler struct{ chatHandler }

// Get implements web.Getter.
func (h *MainHandler) Get() error {
	return h.Render("index.html", indexPage{Messages: h.cfg.Buffer.Messages()})
}

// MessageNewHandler serves POST /a/message/new: the body argument becomes
// a message of the room. It answers the message as JSON, or redirects to
// the next argument when one is given (the page's form without
// JavaScript).
type MessageNewHandler struct{ chatHandler }

// Post implements web.Poster.
func (h *MessageNewHandler) Post() error {
	body, err := h.GetArgument("body")
	if err != nil {
		return err // missing: 400
	}
	m := Message{ID: newMessageID(), Body: body}
	html, err := h.RenderString("message.html", m)
	if err != nil {
		return err
	}
	m.HTML = string(html)
	next, err := h.GetArgument("next", "")
	if err != nil {
		return err
	}
	if next != "" {
		if !localPath(next) {
			return &web.HTTPError{Code: http.StatusBadRequest, LogMessage: "next is not a path of this site (an open redirect)"}
		}
		err = h.Redirect(next)
	} else {
		err = h.WriteJSON(m)
	}
	h.cfg.Bus.Publish(m)
	return err
}

// localPath reports whether next is a path on this site. As in the demo,
// "//host/..." and anything not starting with "/" are refused: following
// them would make an open redirect. So is a backslash after the first
// slash, which browsers read as "//".
func localPath(next string) bool {
	return strings.HasPrefix(next, "/") && !strings.HasPrefix(next, "//") && !strings.HasPrefix(next, `/\`)
}

// updatesAnswer is the JSON of /a/message/updates.
type updatesAnswer struct {
	Messages []Message `json:"messages"`
}

// MessageUpdatesHandler serves POST /a/message/updates, the long poll: it
// answers the messages newer than the cursor argument (the id of the
// last message the client has; every recent message without one) as soon
// as there are some. Waiting costs no goroutine: the handler goes
// asynchronous and waits on the buffer's Condition, woken on its loop.
// A client that leaves takes its wait with it (OnConnectionClose).
//
// With a bus that is a Syncer (Redis), a cursor this process does not
// know — one a client got from another process, whose message has not
// reached this one yet — first has the room's list read from Redis.
type MessageUpdatesHandler struct {
	chatHandler
	cursor string
	cancel func() // ends the wait in progress; nil when none
	synced bool   // the list was read for this request already
	gone   bool   // the client went away
}

// Post implements web.Poster.
func (h *MessageUpdatesHandler) Post() error {
	cursor, err := h.GetArgument("cursor", "")
	if err != nil {
		return err
	}
	if h.Loop() == nil {
		return errNoLoop
	}
	h.cursor = cursor
	h.Asynchronous()
	h.poll()
	return nil
}

// poll answers if there is something to answer, or waits. Called on the
// handler's loop.
func (h *MessageUpdatesHandler) poll() {
	if h.gone {
		h.Finish()
		return
	}
	if s, ok := h.cfg.Bus.(Syncer); ok && h.cursor != "" && !h.synced && !h.cfg.Buffer.Has(h.cursor) {
		h.sync(s)
		return
	}
	msgs, closed, cancel := h.cfg.Buffer.next(h.Loop(), h.cursor, h.woken)
	if cancel != nil {
		h.cancel = cancel
		return
	}
	if closed {
		// The server is stopping: the client will not get another
		// answer on this connection. (Saying so also has the server
		// close it only once the answer is out.)
		h.SetHeader("Connection", "close")
	}
	if msgs == nil {
		msgs = []Message{} // stopping with nothing new: {"messages": []}
	}
	if err := h.WriteJSON(updatesAnswer{Messages: msgs}); err == nil {
		h.Finish()
	}
}

// woken runs on the loop when the wait ends.
func (h *MessageUpdatesHandler) woken(changed bool) {
	h.cancel = nil
	if !changed { // cancelled: the client left
		h.Finish()
		return
	}
	h.poll()
}

// sync reads the room's list off the loop, then polls again on it. A
// failure leaves the local buffer to answer: the bus logs Redis's
// outages itself.
func (h *MessageUpdatesHandler) sync(s Syncer) {
	h.synced = true
	ctx := h.Context()
	f := ioloop.RunInExecutor(h.Loop(), func() (struct{}, error) {
		ctx, cancel := context.WithTimeout(ctx, syncTimeout)
		defer cancel()
		return struct{}{}, s.Sync(ctx)
	})
	f.AddDoneCallback(func(*ioloop.Future[struct{}]) { h.poll() })
}

// OnConnectionClose implements web.ConnectionCloser: the client went away,
// so its wait is cancelled at once (the waiter leaves the Condition) and
// the response ends when woken runs.
func (h *MessageUpdatesHandler) OnConnectionClose() {
	h.gone = true
	if h.cancel != nil {
		h.cancel()
	}
}
