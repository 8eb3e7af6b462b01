package web

import (
	"fmt"
	"sync"
)

// Args are the arguments of a Rule, handed to the handler's Initialize method
// (the dictionary in the third element of a Tornado URL spec tuple).
type Args map[string]any

// Name names a Rule when passed to R, for Application.ReverseURL.
type Name string

// Rule maps a path pattern to the handler that serves it (Tornado's URLSpec).
//
// Pattern is a regular expression (RE2 syntax, with Python's (?P<name>...)
// groups) matched against the whole request path, still percent-encoded: it
// is anchored at the start, and at the end with "$" unless it already ends
// with one. Its groups become the handler's PathArgs, or PathKwargs when they
// are named; a pattern may not mix the two.
type Rule struct {
	Pattern string
	New     func() Handler // returns a fresh handler for each request
	Args    Args           // given to the handler's Initialize, if it has one
	Name    string         // for ReverseURL; may be empty

	// recycle takes back a handler from New once its request is over (set
	// by R, which pools handlers); nil means handlers are left to the GC.
	recycle func(Handler)

	// setup hands the handler its dependencies before Initialize (set by
	// RWith).
	setup func(Handler)

	// blocking runs the verbs on the loop's executor (set by Blocking).
	blocking bool
}

// R returns the Rule that serves pattern with a new T for each request. T is
// a struct type embedding RequestHandler. The handlers are pooled: one that
// has finished (and was not detached) is zeroed and reused, so a handler
// must not be used once its response is finished. The optional extra arguments are an
// Args value (Tornado's keyword arguments for initialize) and a Name:
//
//	web.R[ProfileHandler](`/user/([0-9]+)`, web.Args{"db": db}, web.Name("profile"))
//
// R panics on an argument of another type, or when T does not embed
// RequestHandler by value.
func R[T any, P interface {
	*T
	Handler
}](pattern string, args ...any) Rule {
	return rule[T, P](pattern, args)
}

// RWith is R with a typed way to hand each handler its dependencies (a
// database, a message buffer): init runs on every handler, fresh or
// pooled, before Initialize and Prepare, with the handler's own type, so
// the compiler checks it and no Args need unpacking.
//
//	web.RWith(`/chat`, func(h *ChatHandler) { h.buffer = buffer })
func RWith[T any, P interface {
	*T
	Handler
}](pattern string, init func(P), args ...any) Rule {
	r := rule[T, P](pattern, args)
	r.setup = func(h Handler) { init(h.(P)) }
	return r
}

func rule[T any, P interface {
	*T
	Handler
}](pattern string, args []any) Rule {
	// Handlers are pooled: a recycled one is zeroed, keeping only the
	// storage of its header and output buffer, so it is as fresh as new.
	pool := &sync.Pool{New: func() any { return P(new(T)) }}
	r := Rule{Pattern: pattern, New: func() Handler { return pool.Get().(P) }}
	r.recycle = func(h Handler) {
		if p, ok := h.(P); ok {
			k := p.requestHandler().storage()
			*(*T)(p) = *new(T) // zeroed: as fresh as new
			p.requestHandler().reuse(k)
			pool.Put(p)
		}
	}
	for _, a := range args {
		switch a := a.(type) {
		case Args:
			r.Args = a
		case map[string]any:
			r.Args = a
		case Name:
			r.Name = string(a)
		default:
			panic(fmt.Sprintf("web: R(%q): argument of type %T; want web.Args or web.Name", pattern, a))
		}
	}
	if P(new(T)).requestHandler() == nil {
		panic(fmt.Sprintf("web: R(%q): %T must embed web.RequestHandler by value, not by pointer", pattern, new(T)))
	}
	return r
}

// Blocking returns rule with its handlers' verbs run on the executor of
// the loop (ioloop.RunInExecutor's bounded pool) instead of the loop
// itself, so that existing blocking code — a database driver, a file
// read — can be served without stalling the other requests on the loop:
//
//	web.Blocking(web.R[ReportHandler](`/report`))
//
// Initialize and Prepare run on the loop as usual; then the handler goes
// asynchronous and the verb runs on an executor goroutine, where its
// output calls (Write, WriteString, WriteJSON, Flush, FlushWait, Render,
// Redirect, SendError, Finish) are queued to the loop in call order, as
// for any asynchronous handler. When the verb returns, its error is sent,
// or the response finished unless the verb finished it; calling
// Asynchronous there does not keep it open. Reading the request and its
// arguments is safe throughout the verb; headers, status and cookies are
// set before the first output call, or later in a function passed to Run.
// CallLater, Detach and RenderString must not be called from the verb
// (use Run; Render is queued). Under net/http, where each request has a
// goroutine of its own, Blocking changes nothing.
func Blocking(rule Rule) Rule {
	rule.blocking = true
	return rule
}
