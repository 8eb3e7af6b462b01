// Package locks holds Tornado's coordination tools (tornado.locks) for
// GoTornado: Condition, Event, Semaphore, BoundedSemaphore and Lock.
//
// # Several loops share your state
//
// A Tornado program runs its handlers on one thread, so they share state
// without locks. GoTornado's servers (Serve, with Loops left at 0) run one
// loop per core: handlers on different loops run at the same moment on
// different goroutines, and
// state they share (a chat's message buffer, a cache) is touched from
// several goroutines at once. Guard such state with a sync.Mutex, and
// coordinate with the tools of this package, which are safe for
// concurrent use from any goroutine.
//
// A waiter registered from a loop is woken on that loop: its callback is
// queued with that loop's AddCallback. So the code after a wait runs where
// it would in Tornado — on the handler's own loop — and may touch that
// handler's per-connection state without locks. A goroutine that is not a
// loop (a worker, a handler under net/http) uses the blocking forms
// instead: WaitContext, AcquireContext.
//
// # Callbacks instead of futures
//
// Where Tornado returns a future, a method here takes the loop it is called
// on, a timeout (zero or less: none) and a callback f, and returns cancel:
//
//	cancel := cond.Wait(h.Loop(), 30*time.Second, func(notified bool) { ... })
//
// f runs exactly once, on the loop, from its callback queue — never inside
// the call that registered it, even when the wait is satisfied at once:
// with true on success, with false after the timeout or cancel. The
// timeout's timer is set and removed on the loop. These registering
// methods must be called on the loop's goroutine (or before the loop
// starts); every other method, cancel included, may be called from any
// goroutine. Cancel takes the waiter off the list at once (a long poll
// whose client went away leaves nothing behind); once the waiter has
// succeeded it does nothing, and f still gets true.
//
// Apart from the blocking Context forms, no method waits or runs a
// callback of yours inline, so each may be called with a mutex of yours
// held. That is how shared state and a Condition go together: check the
// state and call Wait under the mutex that the notifier holds while it
// changes the state, and no notification falls between the check and the
// wait.
//
// Waiters are served in the order they waited (Tornado's order). Waiters
// woken together run on each loop in that order; loops run side by side.
// Waking many waiters costs one AddCallback per loop, not one per waiter.
// A loop closed while it has wake-ups queued drops them.
package locks
