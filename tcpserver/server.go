// Package tcpserver accepts TCP (or Unix-domain) connections and hands each
// one, as an iostream.Stream, to a function running on the stream's loop
// (Tornado's TCPServer). It scales over cores in one of two ways:
//
//   - One process, one ioloop.Loop per core, each loop with its own
//     SO_REUSEPORT listener on the same address: Listen and Serve, or
//     ListenAndServe.
//   - Tornado's pre-fork model: Bind, then Start(n) runs n child processes
//     that share the listening socket, each serving on one loop; the parent
//     restarts children that crash.
//
// Stop shuts a server down gracefully in either model.
package tcpserver

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/gotornado/tornado/internal/poll"
	"github.com/gotornado/tornado/ioloop"
	"github.com/gotornado/tornado/iostream"
	"github.com/gotornado/tornado/netutil"
)

// Errors returned by Server methods.
var (
	ErrServerClosed    = errors.New("tcpserver: server closed")
	ErrNoHandler       = errors.New("tcpserver: HandleStream is nil")
	ErrNotListening    = errors.New("tcpserver: no listening socket")
	ErrBadState        = errors.New("tcpserver: method not allowed in the server's current state")
	ErrTooManyRestarts = errors.New("tcpserver: too many child restarts, giving up")
)

// Defaults for the zero values of Server's fields.
const (
	DefaultMaxRestarts     = 100
	DefaultShutdownTimeout = 10 * time.Second
)

// Server is a TCP server. Set its fields, then either Listen and Serve
// (one process, one loop per core) or Bind and Start (pre-fork). The
// fields must not change once the server is listening.
type Server struct {
	// HandleStream is called, on the stream's loop, for each accepted
	// connection; it owns the stream and should start reading or writing
	// without blocking. A panic in it is logged and closes the stream.
	HandleStream func(s *iostream.Stream, addr net.Addr)

	// Loops is the number of loops for Listen and Serve; 0 means one per
	// GOMAXPROCS. A pre-fork child always runs one loop.
	Loops int
	// Backlog is the listen backlog; 0 means netutil.DefaultBacklog().
	Backlog int
	// MaxBufferSize and MaxWriteBufferSize, when not 0, are set on every
	// accepted stream (see iostream.Stream).
	MaxBufferSize      int
	MaxWriteBufferSize int

	// Logger receives the server's and its loops' messages; nil means
	// slog.Default().
	Logger *slog.Logger

	// OnStop, if set, is called on each loop, on that loop's goroutine,
	// when Stop begins (after the listeners are closed). A protocol server
	// uses it to close its idle connections (keep-alive HTTP) so that the
	// graceful wait ends sooner.
	OnStop func(l *ioloop.Loop)

	// MaxRestarts bounds how many times the pre-fork parent restarts
	// crashed children in all; 0 means DefaultMaxRestarts, negative none.
	MaxRestarts int
	// ShutdownTimeout bounds the graceful stop that SIGTERM or SIGINT
	// starts in a process that runs Start; 0 means DefaultShutdownTimeout.
	ShutdownTimeout time.Duration

	mu          sync.Mutex
	state       state
	group       *ioloop.Group
	workers     []*worker
	addr        net.Addr
	done        chan struct{} // closed when Serve has stopped and closed its loops
	bound       []int         // sockets from Bind, for Start
	boundCounts []int         // sockets per Bind call
	fork        *forkState    // the pre-fork parent's state while Start runs
}

type state int

const (
	stateNew       state = iota
	stateListening       // Listen or AddSockets done; Serve not yet called
	stateBound           // Bind done; Start not yet called
	stateServing         // Serve (or a child's Start) running
	stateForking         // the pre-fork parent's Start running
	stateStopping
	stateStopped
)

func (s *Server) logger() *slog.Logger {
	if s.Logger != nil {
		return s.Logger
	}
	return slog.Default()
}

// Listen binds addr ("host:port"; an empty host means all interfaces,
// "localhost" both loopbacks, port 0 a free port) with one SO_REUSEPORT
// listener per loop, all on one port. It may be called more than once, for
// several addresses, before Serve. Safe for concurrent use.
func (s *Server) Listen(addr string) error {
	host, port, err := splitHostPort(addr)
	if err != nil {
		return err
	}
	if s.HandleStream == nil {
		return ErrNoHandler
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.state != stateNew && s.state != stateListening {
		return ErrBadState
	}
	if err := s.ensureLoops(s.Loops); err != nil {
		return err
	}
	var all [][]int
	for range s.workers {
		fds, err := netutil.BindSockets(port, host, s.Backlog, true)
		if err != nil {
			for _, fds := range all {
				closeFds(fds)
			}
			s.dropLoopsIfUnused()
			return err
		}
		if port == 0 {
			if a, ok := listenerAddr(fds[0]).(*net.TCPAddr); ok {
				port = a.Port
			}
		}
		all = append(all, fds)
	}
	first := s.addr == nil
	if first {
		s.addr = listenerAddr(all[0][0])
	}
	for i, w := range s.workers {
		if err := w.addListeners(all[i]); err != nil {
			for _, fds := range all[i+1:] {
				closeFds(fds)
			}
			if i > 0 {
				s.state = stateListening // Stop closes what was added
			} else if first {
				s.addr = nil
				s.dropLoopsIfUnused()
			}
			return err
		}
	}
	s.state = stateListening
	return nil
}

// AddSockets makes the server accept on listening sockets the caller
// created (with netutil.BindSockets or netutil.BindUnixSocket, say),
// spread over the loops in turn; the server owns them from then on. Call
// it before Serve. Safe for concurrent use.
func (s *Server) AddSockets(fds ...int) error {
	if s.HandleStream == nil {
		return ErrNoHandler
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.state != stateNew && s.state != stateListening {
		return ErrBadState
	}
	if err := s.ensureLoops(s.Loops); err != nil {
		return err
	}
	for i, fd := range fds {
		w := s.workers[i%len(s.workers)]
		if err := w.addListeners([]int{fd}); err != nil {
			closeFds(fds[i+1:])
			return err
		}
		if s.addr == nil {
			s.addr = listenerAddr(fd)
		}
	}
	if len(fds) > 0 {
		s.state = stateListening
	}
	return nil
}

// Addr returns the address of the first listening socket, or nil before
// Listen (or Bind). Safe for concurrent use.
func (s *Server) Addr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addr
}

// ListenAndServe is Listen then Serve.
func (s *Server) ListenAndServe(addr string) error {
	if err := s.Listen(addr); err != nil {
		return err
	}
	return s.Serve()
}

// Serve runs the loops, each on a goroutine of its own, accepting on the
// sockets given to Listen or AddSockets, and blocks until Stop has stopped
// them; then it returns ErrServerClosed (or a loop's error). Call it once.
func (s *Server) Serve() error {
	s.mu.Lock()
	switch s.state {
	case stateListening:
	case stateStopping, stateStopped:
		s.mu.Unlock()
		return ErrServerClosed
	default:
		s.mu.Unlock()
		return ErrNotListening
	}
	s.state = stateServing
	s.done = make(chan struct{})
	g := s.group
	s.mu.Unlock()

	err := runLoops(g)
	g.Close()
	close(s.done)
	if err != nil {
		return err
	}
	return ErrServerClosed
}

// runLoops runs every loop of g until all have returned; if one fails,
// it stops the others.
func runLoops(g *ioloop.Group) error {
	errs := make([]error, len(g.Loops))
	var wg sync.WaitGroup
	for i, l := range g.Loops {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if errs[i] = l.Start(); errs[i] != nil {
				g.Stop()
			}
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// Stop shuts the server down gracefully: it closes the listeners, calls
// OnStop on each loop, and waits for the open streams to close. When ctx
// ends first, it closes the streams left and returns ctx.Err(). Either way
// it then stops and closes the loops, and Serve returns. In a pre-fork
// parent it sends SIGTERM to the children, and SIGKILL when ctx ends, and
// waits for them to exit. Safe for concurrent use, but it must not be
// called on one of the server's loops, which it waits for.
func (s *Server) Stop(ctx context.Context) error {
	s.mu.Lock()
	switch s.state {
	case stateNew, stateBound, stateListening:
		err := s.closeUnstarted()
		s.state = stateStopped
		s.mu.Unlock()
		return err
	case stateForking:
		f := s.fork
		s.mu.Unlock()
		return f.stop(ctx)
	case stateStopping, stateStopped:
		done := s.done
		s.mu.Unlock()
		if done != nil {
			<-done
		}
		return nil
	}
	s.state = stateStopping
	workers := s.workers
	done := s.done
	s.mu.Unlock()

	drained := make(chan struct{}, len(workers))
	for _, w := range workers {
		w.loop.AddCallback(func() { w.beginStop(drained) })
	}
	var err error
	for n := 0; n < len(workers); n++ {
		select {
		case <-drained:
			continue
		case <-ctx.Done():
		}
		if err == nil {
			err = ctx.Err()
			for _, w := range workers {
				w.loop.AddCallback(w.forceClose)
			}
		}
		<-drained
	}
	s.group.Stop()
	<-done
	s.mu.Lock()
	s.state = stateStopped
	s.mu.Unlock()
	return err
}

// closeUnstarted releases the sockets and loops of a server that never
// served. s.mu is held.
func (s *Server) closeUnstarted() error {
	for _, w := range s.workers {
		w.closeListeners()
	}
	closeFds(s.bound)
	s.bound = nil
	if s.group != nil {
		return s.group.Close()
	}
	return nil
}

// ensureLoops creates the loops and their workers once. s.mu is held.
func (s *Server) ensureLoops(n int) error {
	if s.group != nil {
		return nil
	}
	g, err := ioloop.NewGroup(n)
	if err != nil {
		return err
	}
	s.group = g
	for _, l := range g.Loops {
		l.Logger = s.Logger
		s.workers = append(s.workers, &worker{srv: s, loop: l})
	}
	return nil
}

// dropLoopsIfUnused closes the loops when no socket was ever added, so
// that a failed first Listen leaves nothing open. s.mu is held.
func (s *Server) dropLoopsIfUnused() {
	if s.state != stateNew || s.group == nil {
		return
	}
	for _, w := range s.workers {
		w.closeListeners()
	}
	s.group.Close()
	s.group, s.workers = nil, nil
}

func splitHostPort(addr string) (string, int, error) {
	host, ps, err := net.SplitHostPort(addr)
	if err != nil {
		return "", 0, err
	}
	port, err := strconv.Atoi(ps)
	if err != nil {
		p, lerr := net.LookupPort("tcp", ps)
		if lerr != nil {
			return "", 0, fmt.Errorf("tcpserver: bad port in %q: %w", addr, lerr)
		}
		port = p
	}
	if port < 0 || port > 65535 {
		return "", 0, fmt.Errorf("tcpserver: bad port in %q", addr)
	}
	return host, port, nil
}

func listenerAddr(fd int) net.Addr {
	a, _ := netutil.ListenerAddr(fd)
	return a
}

func closeFds(fds []int) {
	for _, fd := range fds {
		poll.Close(fd)
	}
}
