// Package queues holds Tornado's queues (tornado.queues) for GoTornado: a
// generic Queue that coordinates producers and consumers, taking items out
// first in first out (New), last in first out (NewLifo) or lowest first
// (NewPriority), with an optional maximum size that makes producers wait.
//
// # Several loops share a queue
//
// A Tornado program runs on one thread. GoTornado's servers (Serve, with
// Loops left at 0) run one loop per core, so a queue shared by handlers is
// used from several goroutines at once. A Queue is safe for concurrent use from any goroutine, and a
// getter or putter registered from a loop is woken on that loop (its
// callback is queued with that loop's AddCallback): the code after a Get
// runs where it would in Tornado — on the handler's own loop — and may
// touch that handler's per-connection state without locks. A goroutine
// that is not a loop (a worker, a handler under net/http) uses the
// blocking forms GetContext, PutContext and JoinContext.
//
// # Callbacks instead of futures
//
// Where Tornado returns a future, Get, Put and Join take the loop they are
// called on, a timeout (zero or less: none) and a callback f, and return
// cancel. f runs exactly once, on the loop, from its callback queue —
// never inside the call, even when the queue answers at once: with ok true
// on success, false after the timeout or cancel. The timeout's timer is
// set and removed on the loop. Get, Put and Join must be called on the
// loop's goroutine (or before the loop starts); every other method, cancel
// included, may be called from any goroutine. Cancel takes the waiter out
// at once; once an item was handed to a getter (or a putter's item was
// taken) it does nothing, and f still gets ok true — an item handed over is
// never lost to a timeout or a cancel.
//
// Getters are served in the order they asked, and so are putters waiting
// for room. A loop closed while it has callbacks queued drops them, with
// any items they carry.
package queues
