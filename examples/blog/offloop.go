package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/gotornado/tornado/ioloop"
	"github.com/gotornado/tornado/web"
)

// offLoop runs blocking work — database calls, bcrypt — away from the
// handler's goroutine, and then done with its result back on that
// goroutine, where every handler method (Render, cookies, Redirect) may be
// called. Under httpserver work runs on the loop's executor
// (ioloop.RunInExecutor) and its result comes back on the loop; under
// net/http it runs on a goroutine of its own. Either way the result is
// handed to the handler with Run.
//
// offLoop makes the handler asynchronous, so the verb returns at once. An
// error from done is sent as the error page; when done returns nil the
// response is finished, unless done finished it already (Render,
// Redirect). ctx is the request's context, cancelled if the client goes
// away; work failing then with context.Canceled just ends the response.
// offLoop must be called on the handler's goroutine.
func offLoop[T any](h *web.RequestHandler, work func(ctx context.Context) (T, error), done func(v T, err error) error) {
	h.Asynchronous()
	ctx := h.Context()
	back := func(v T, err error) {
		h.Run(func() {
			if ctx.Err() != nil && errors.Is(err, context.Canceled) {
				h.Finish() // the client went away: nobody to answer, nothing to log
				return
			}
			if err := done(v, err); err != nil {
				sendError(h, err)
				return
			}
			h.Finish() // ErrFinished when done finished the response itself
		})
	}
	if loop := h.Loop(); loop != nil {
		f := ioloop.RunInExecutor(loop, func() (T, error) {
			if offLoopHook != nil {
				offLoopHook(loop)
			}
			return work(ctx)
		})
		f.AddDoneCallback(func(f *ioloop.Future[T]) { back(f.Result()) })
		return
	}
	go func() {
		v, err := recovered(ctx, work)
		back(v, err)
	}()
}

// offLoopHook, when set (by tests), is called where offLoop's work runs
// under httpserver, with the handler's loop, before the work.
var offLoopHook func(loop *ioloop.Loop)

// recovered runs work, turning a panic into an error.
func recovered[T any](ctx context.Context, work func(context.Context) (T, error)) (v T, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("blog: panic off the loop: %v", r)
		}
	}()
	return work(ctx)
}

// sendError sends the error page for err: its status when it is a
// *web.HTTPError or a *web.MissingArgumentError, else 500, which is
// logged. Must be called on the handler's goroutine.
func sendError(h *web.RequestHandler, err error) {
	var he *web.HTTPError
	var me *web.MissingArgumentError
	switch {
	case errors.As(err, &he):
		if he.LogMessage != "" {
			logger(h).Warn(fmt.Sprintf("%d %s %s: %s", he.Code, h.Request().Method, h.Request().URI, he.LogMessage))
		}
		h.SendError(he.Code, err)
	case errors.As(err, &me):
		h.SendError(http.StatusBadRequest, &web.HTTPError{Code: http.StatusBadRequest, LogMessage: "Missing argument " + me.Name})
	default:
		logger(h).Error("Uncaught exception "+h.Request().Method+" "+h.Request().URI, "err", err)
		h.SendError(http.StatusInternalServerError, err)
	}
}

func logger(h *web.RequestHandler) *slog.Logger {
	if l := h.Application().Settings().Logger; l != nil {
		return l
	}
	return slog.Default()
}
