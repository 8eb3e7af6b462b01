package tcpserver

import (
	"context"
	"errors"
	"os"
	"os/signal"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
)

// The environment through which a pre-fork parent tells a child what it
// is. The listening sockets are the child's fds from 3 on.
const (
	envTaskID    = "GOTORNADO_TASK_ID"
	envListenFDs = "GOTORNADO_LISTEN_FDS" // sockets per Bind call, e.g. "2" or "2,1"
)

// firstInheritedFd is where a child finds its listening sockets.
const firstInheritedFd = 3

// inheritance is what a pre-fork child was given by its parent.
type inheritance struct {
	mu     sync.Mutex
	id     int
	counts []int // sockets per Bind call, in order
	next   int   // the next Bind call's index in counts
	fd     int   // the next Bind call's first fd
}

// inherited reads (and removes, so that the child's own subprocesses do not
// see it) the environment a pre-fork parent set; nil outside a child.
var inherited = sync.OnceValue(func() *inheritance {
	idStr, ok := os.LookupEnv(envTaskID)
	if !ok {
		return nil
	}
	fdStr := os.Getenv(envListenFDs)
	os.Unsetenv(envTaskID)
	os.Unsetenv(envListenFDs)
	id, err := strconv.Atoi(idStr)
	if err != nil || id < 0 {
		return nil
	}
	in := &inheritance{id: id, fd: firstInheritedFd}
	for _, f := range strings.Split(fdStr, ",") {
		n, err := strconv.Atoi(f)
		if err != nil || n <= 0 {
			return nil
		}
		in.counts = append(in.counts, n)
	}
	return in
})

// take returns the sockets inherited for the next Bind call.
func (in *inheritance) take() ([]int, error) {
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.next >= len(in.counts) {
		return nil, errors.New("tcpserver: more Bind calls in the child than in the parent")
	}
	n := in.counts[in.next]
	in.next++
	var fds []int
	for i := range n {
		fd := in.fd + i
		if err := adoptSocket(fd); err != nil {
			closeFds(fds)
			return nil, err
		}
		fds = append(fds, fd)
	}
	in.fd += n
	return fds, nil
}

// TaskID reports, in a pre-fork child, its task id: a number from 0 to
// n-1 for Start(n), which a restarted child inherits from the one it
// replaces (tornado.process.task_id). Elsewhere it reports false.
// Safe for concurrent use.
func TaskID() (int, bool) {
	if in := inherited(); in != nil {
		return in.id, true
	}
	return 0, false
}

// Bind creates the listening sockets for addr (as Listen does, but without
// SO_REUSEPORT: the processes share them) for a later Start. In a pre-fork
// child it binds nothing: it takes the sockets its parent inherited to it
// for the same Bind call. It may be called more than once, with the same
// calls in the same order in parent and child. Safe for concurrent use.
func (s *Server) Bind(addr string) error {
	host, port, err := splitHostPort(addr)
	if err != nil {
		return err
	}
	if s.HandleStream == nil {
		return ErrNoHandler
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.state != stateNew && s.state != stateBound {
		return ErrBadState
	}
	var fds []int
	if in := inherited(); in != nil {
		fds, err = in.take()
	} else {
		fds, err = bindShared(port, host, s.Backlog)
	}
	if err != nil {
		return err
	}
	s.bound = append(s.bound, fds...)
	s.boundCounts = append(s.boundCounts, len(fds))
	if s.addr == nil {
		s.addr = listenerAddr(fds[0])
	}
	s.state = stateBound
	return nil
}

// Start serves on the sockets made by Bind, in Tornado's pre-fork model.
//
// With n other than 1 (0: one per CPU) the process becomes a parent: it
// starts n children by running its own executable again, with the same
// arguments and environment plus the listening sockets and a variable that
// makes TaskID report each its id. A Go program cannot fork itself, so a
// child runs main from the beginning: everything before Bind runs again in
// each child, and should be cheap and free of side effects. In the child,
// Bind takes the inherited sockets and Start serves them on one loop (each
// connection goes to whichever child accepts it first) until Stop, SIGTERM
// or SIGINT, which stop it gracefully (see ShutdownTimeout); then Start
// returns nil.
//
// The parent serves nothing: it restarts a child that exits with an error
// or is killed by a signal (up to MaxRestarts times), passes SIGINT and
// SIGTERM on to the children, and returns once every child has exited:
// nil if they exited cleanly or were asked to stop, ErrTooManyRestarts if
// they kept crashing. So the code after Start runs in the parent and in
// each child; TaskID tells them apart.
//
// With n == 1 the process serves on one loop itself, as a child would.
// Start must be called once, after Bind. Pre-fork mode needs a Unix
// system; elsewhere only Start(1) works.
func (s *Server) Start(n int) error {
	s.mu.Lock()
	switch s.state {
	case stateBound:
	case stateStopping, stateStopped:
		s.mu.Unlock()
		return ErrServerClosed
	default:
		s.mu.Unlock()
		return ErrNotListening
	}
	if inherited() != nil || n == 1 {
		err := s.ensureLoops(1)
		if err == nil {
			err = s.workers[0].addListeners(s.bound)
			s.bound = nil
		}
		if err != nil {
			s.mu.Unlock()
			return err
		}
		s.state = stateListening
		s.mu.Unlock()
		return s.ServeUntilSignal()
	}
	if n <= 0 {
		n = runtime.NumCPU()
	}
	f := &forkState{stopC: make(chan struct{}), killC: make(chan struct{}), done: make(chan struct{})}
	s.fork, s.state = f, stateForking
	fds, counts := s.bound, s.boundCounts
	s.mu.Unlock()

	err := s.runChildren(n, fds, counts, f)

	s.mu.Lock()
	closeFds(s.bound)
	s.bound, s.state = nil, stateStopped
	s.mu.Unlock()
	close(f.done)
	return err
}

// ServeUntilSignal is Serve, except that SIGTERM or SIGINT stops the
// server gracefully, as Stop does, waiting at most ShutdownTimeout; then
// it returns nil, so that the program can exit 0. It is how a server that
// runs under a process manager (systemd, Kubernetes) should serve.
func (s *Server) ServeUntilSignal() error {
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM, os.Interrupt)
	quit := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		select {
		case sig := <-sigs:
			s.logger().Info("tcpserver: stopping on signal", "signal", sig.String())
			d := s.ShutdownTimeout
			if d <= 0 {
				d = DefaultShutdownTimeout
			}
			ctx, cancel := context.WithTimeout(context.Background(), d)
			s.Stop(ctx)
			cancel()
		case <-quit:
		}
	}()
	err := s.Serve()
	signal.Stop(sigs)
	close(quit)
	wg.Wait()
	if errors.Is(err, ErrServerClosed) {
		return nil
	}
	return err
}

// forkState connects Stop to a running pre-fork parent.
type forkState struct {
	stopOnce, killOnce sync.Once
	stopC              chan struct{} // closed: send SIGTERM to the children
	killC              chan struct{} // closed: send SIGKILL to the children
	done               chan struct{} // closed when Start returns
}

func (f *forkState) stop(ctx context.Context) error {
	f.stopOnce.Do(func() { close(f.stopC) })
	select {
	case <-f.done:
		return nil
	case <-ctx.Done():
	}
	f.killOnce.Do(func() { close(f.killC) })
	<-f.done
	return ctx.Err()
}

func (s *Server) maxRestarts() int {
	switch {
	case s.MaxRestarts == 0:
		return DefaultMaxRestarts
	case s.MaxRestarts < 0:
		return 0
	}
	return s.MaxRestarts
}
