package tcpserver

import (
	"net"
	"runtime/debug"
	"time"

	"github.com/gotornado/tornado/internal/poll"
	"github.com/gotornado/tornado/ioloop"
	"github.com/gotornado/tornado/iostream"
	"github.com/gotornado/tornado/netutil"
)

// drainPoll is how often a stopping loop looks for its streams to have
// closed.
const drainPoll = 20 * time.Millisecond

// worker is a server's state on one loop. Once the loop runs, it is
// touched only on the loop goroutine, so it needs no locks.
type worker struct {
	srv       *Server
	loop      *ioloop.Loop
	listeners []int
	removes   []func()

	// streams holds the accepted streams, closed ones included until the
	// next sweep; sweeping when it has doubled keeps the cost per accept
	// constant without needing the stream's (single) close callback.
	streams []*iostream.Stream
	live    int

	stopping bool
	drained  chan<- struct{} // told once, when stopping and no stream is open
	told     bool
	timer    *ioloop.Timeout
}

// addListeners starts accepting on fds, which the worker then owns (they
// are closed on error too). Call it before the loop starts.
func (w *worker) addListeners(fds []int) error {
	for i, fd := range fds {
		remove, err := netutil.AddAcceptHandler(w.loop, fd, w.accept)
		if err != nil {
			closeFds(fds[i:])
			return err
		}
		w.listeners = append(w.listeners, fd)
		w.removes = append(w.removes, remove)
	}
	return nil
}

func (w *worker) closeListeners() {
	for _, rm := range w.removes {
		rm()
	}
	closeFds(w.listeners)
	w.listeners, w.removes = nil, nil
}

// accept wraps a new connection in a stream and hands it to HandleStream.
func (w *worker) accept(conn int, addr net.Addr) {
	if w.stopping {
		poll.Close(conn)
		return
	}
	if _, ok := addr.(*net.TCPAddr); ok {
		// Small responses go out at once, as Go's net package does for
		// every TCP connection; Nagle's algorithm with delayed ACKs stalls
		// request/response traffic.
		netutil.SetNoDelay(conn)
	}
	st, err := iostream.New(w.loop, conn)
	if err != nil {
		poll.Close(conn)
		w.srv.logger().Error("tcpserver: cannot register connection", "err", err)
		return
	}
	if w.srv.MaxBufferSize > 0 {
		st.MaxBufferSize = w.srv.MaxBufferSize
	}
	if w.srv.MaxWriteBufferSize > 0 {
		st.MaxWriteBufferSize = w.srv.MaxWriteBufferSize
	}
	w.track(st)
	w.handle(st, addr)
}

func (w *worker) handle(st *iostream.Stream, addr net.Addr) {
	defer func() {
		if r := recover(); r != nil {
			w.srv.logger().Error("tcpserver: panic in HandleStream", "panic", r, "remote", addr, "stack", string(debug.Stack()))
			st.Close()
		}
	}()
	w.srv.HandleStream(st, addr)
}

func (w *worker) track(st *iostream.Stream) {
	if len(w.streams) >= 2*w.live+64 {
		w.sweep()
	}
	w.streams = append(w.streams, st)
}

// sweep drops the closed streams.
func (w *worker) sweep() {
	open := w.streams[:0]
	for _, st := range w.streams {
		if !st.Closed() {
			open = append(open, st)
		}
	}
	clear(w.streams[len(open):])
	w.streams = open
	w.live = len(open)
}

// beginStop closes the listeners, runs OnStop and starts waiting for the
// streams to close. Runs on the loop.
func (w *worker) beginStop(drained chan<- struct{}) {
	w.stopping = true
	w.drained = drained
	w.closeListeners()
	if f := w.srv.OnStop; f != nil {
		func() {
			defer func() {
				if r := recover(); r != nil {
					w.srv.logger().Error("tcpserver: panic in OnStop", "panic", r, "stack", string(debug.Stack()))
				}
			}()
			f(w.loop)
		}()
	}
	w.checkDrained()
}

func (w *worker) checkDrained() {
	w.timer = nil
	w.sweep()
	if len(w.streams) == 0 {
		w.tell()
		return
	}
	w.timer = w.loop.CallLater(drainPoll, w.checkDrained)
}

// forceClose closes every stream still open. Runs on the loop.
func (w *worker) forceClose() {
	w.loop.RemoveTimeout(w.timer)
	w.timer = nil
	for _, st := range w.streams {
		st.Close()
	}
	clear(w.streams)
	w.streams, w.live = nil, 0
	w.tell()
}

// tell reports the worker drained, once, after the callbacks already
// queued (the streams' close callbacks) have run.
func (w *worker) tell() {
	if w.told {
		return
	}
	w.told = true
	w.loop.AddCallback(func() { w.drained <- struct{}{} })
}
