// Package httpserver is GoTornado's HTTP/1.1 server (Tornado's HTTPServer
// and HTTP1ServerConnection): it reads requests from iostreams with a
// strict incremental parser and hands them to an
// httputil.ServerConnectionDelegate, such as a web.Application.
//
// Keep-alive and pipelining are supported: requests on a connection are
// answered in order, and the responses produced by one read leave in one
// write. Limits and timeouts are struct fields with useful defaults.
package httpserver

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"runtime"
	"sync"
	"time"

	"github.com/gotornado/tornado/httputil"
	"github.com/gotornado/tornado/ioloop"
	"github.com/gotornado/tornado/iostream"
	"github.com/gotornado/tornado/tcpserver"
)

// Defaults for the Server's limits and timeouts.
const (
	DefaultMaxHeaderSize = 64 << 10
	DefaultMaxBodySize   = httputil.DefaultMaxBodySize // 100 MiB, as in every server
	DefaultHeaderTimeout = 30 * time.Second
	DefaultIdleTimeout   = 5 * time.Minute
	// DefaultBodyTimeout is the time a client has to send a request body
	// once its head has arrived: 10 minutes, in which a body of the
	// default maximum size needs about 170 KiB/s.
	DefaultBodyTimeout = 10 * time.Minute
	// DefaultMinBodyRate is the slowest a request body may arrive, in
	// bytes per second, measured over each BodyRateWindow.
	DefaultMinBodyRate = 1024
	// DefaultWriteTimeout is how long a client may take none of the output
	// waiting for it before its connection is closed.
	DefaultWriteTimeout = time.Minute
	// DefaultMaxOutputBuffer bounds the output queued for all of a
	// server's connections in one process.
	DefaultMaxOutputBuffer = 128 << 20
)

// BodyRateWindow is the period over which MinBodyRate is measured.
const BodyRateWindow = 10 * time.Second

// ErrServerClosed is returned by Serve and Start once Shutdown has run.
var ErrServerClosed = tcpserver.ErrServerClosed

// Server serves HTTP/1.x on one loop per core, or in pre-forked processes.
// Set its fields before serving; the zero value of each is a useful
// default. A timeout of 0 means its default, and a negative one means
// none.
type Server struct {
	// Handler receives the requests.
	Handler httputil.ServerConnectionDelegate

	// XHeaders trusts X-Real-Ip / X-Forwarded-For for RemoteIP and
	// X-Scheme / X-Forwarded-Proto for Protocol (set it behind a proxy).
	XHeaders bool
	// NoKeepAlive closes every connection after one response.
	NoKeepAlive bool

	// MaxRequestLineSize limits the request line (default 8 KiB, 414 past it).
	MaxRequestLineSize int
	// MaxHeaderSize limits the request head (default 64 KiB, 431 past it).
	MaxHeaderSize int
	// MaxBodySize limits a request body (0 or negative: the default,
	// DefaultMaxBodySize, 100 MiB; 413 past it).
	MaxBodySize int64

	// HeaderTimeout bounds the time from a head's first byte to its end
	// (0: DefaultHeaderTimeout, 30s; negative: none). It stops slowloris
	// clients with a 408.
	HeaderTimeout time.Duration
	// IdleTimeout bounds the wait for the next request on a keep-alive
	// connection (0: DefaultIdleTimeout, 5m; negative: none).
	IdleTimeout time.Duration
	// BodyTimeout bounds the time from the end of a request's head to the
	// end of its body (0: DefaultBodyTimeout, 10m; negative: none); a
	// body still arriving then is answered with a 408.
	BodyTimeout time.Duration
	// MinBodyRate is the slowest a request body may arrive while the
	// server is reading it, in bytes per second over each BodyRateWindow
	// (0: DefaultMinBodyRate, 1 KiB/s; negative: none); a slower body is
	// answered with a 408.
	MinBodyRate int64
	// WriteTimeout bounds the time a client may take none of the output
	// waiting for it (0: DefaultWriteTimeout, 1m; negative: none); then
	// the connection is closed, with a log line. While output waits and
	// the client takes it, however slowly, no other timeout runs: the
	// header, body and idle clocks run only while the server is the one
	// waiting for the client.
	WriteTimeout time.Duration

	// MaxOutputBuffer bounds the output queued for all connections in this
	// process (0: DefaultMaxOutputBuffer, 128 MiB; negative: none), shared
	// out evenly among the loops. Past a loop's share, its connections
	// stop reading new requests until the output falls back to three
	// quarters of it; connections whose clients took nothing meanwhile are
	// closed, the largest first, with a log line. After a burst of output
	// the memory it took is given back to the operating system.
	MaxOutputBuffer int64
	// Loops is the number of loops for ListenAndServe (0: one per GOMAXPROCS).
	Loops int
	// ShutdownTimeout bounds the graceful stop that SIGTERM or SIGINT
	// starts under ServeUntilSignal or Start (0: 10 seconds).
	ShutdownTimeout time.Duration
	// Logger receives the server's errors; nil means slog.Default().
	Logger *slog.Logger

	rateWindow time.Duration // BodyRateWindow, unless a test shortens it

	tcp    tcpserver.Server
	once   sync.Once
	mu     sync.Mutex
	states map[*ioloop.Loop]*loopState

	onShutdown   []func()
	shutdownOnce sync.Once
}

func (s *Server) logger() *slog.Logger {
	if s.Logger != nil {
		return s.Logger
	}
	return slog.Default()
}

func (s *Server) maxHeaderSize() int {
	if s.MaxHeaderSize > 0 {
		return s.MaxHeaderSize
	}
	return DefaultMaxHeaderSize
}

func (s *Server) maxBodySize() int64 {
	if s.MaxBodySize > 0 {
		return s.MaxBodySize
	}
	return DefaultMaxBodySize
}

func (s *Server) headerTimeout() time.Duration {
	if s.HeaderTimeout == 0 {
		return DefaultHeaderTimeout
	}
	return s.HeaderTimeout
}

func (s *Server) idleTimeout() time.Duration {
	if s.IdleTimeout == 0 {
		return DefaultIdleTimeout
	}
	return s.IdleTimeout
}

func (s *Server) bodyTimeout() time.Duration {
	if s.BodyTimeout == 0 {
		return DefaultBodyTimeout
	}
	return s.BodyTimeout
}

func (s *Server) minBodyRate() int64 {
	if s.MinBodyRate == 0 {
		return DefaultMinBodyRate
	}
	return s.MinBodyRate
}

func (s *Server) bodyRateWindow() time.Duration {
	if s.rateWindow > 0 {
		return s.rateWindow
	}
	return BodyRateWindow
}

func (s *Server) writeTimeout() time.Duration {
	if s.WriteTimeout == 0 {
		return DefaultWriteTimeout
	}
	return s.WriteTimeout
}

// loopOutputLimit returns a loop's share of MaxOutputBuffer, or 0 for none.
func (s *Server) loopOutputLimit() int64 {
	total := s.MaxOutputBuffer
	switch {
	case total < 0:
		return 0
	case total == 0:
		total = DefaultMaxOutputBuffer
	}
	n := s.Loops
	if n <= 0 {
		n = runtime.GOMAXPROCS(0)
	}
	return max(total/int64(n), 1<<20)
}

func (s *Server) setup() {
	s.once.Do(func() {
		s.tcp.HandleStream = s.HandleStream
		s.tcp.Loops = s.Loops
		s.tcp.Logger = s.Logger
		s.tcp.OnStop = s.closeIdle
		s.tcp.ShutdownTimeout = s.ShutdownTimeout
	})
}

// RegisterOnShutdown registers f to be called, on a goroutine of its own,
// when a graceful stop begins (Shutdown, or a signal under ServeUntilSignal
// or Start): long polls and streams use it to answer their waiting
// clients, so that the stop need not wait for them until its deadline.
// Safe for concurrent use.
func (s *Server) RegisterOnShutdown(f func()) {
	s.mu.Lock()
	s.onShutdown = append(s.onShutdown, f)
	s.mu.Unlock()
}

// runShutdownHooks starts the functions of RegisterOnShutdown, once.
func (s *Server) runShutdownHooks() {
	s.shutdownOnce.Do(func() {
		s.mu.Lock()
		hooks := append([]func(){}, s.onShutdown...)
		s.mu.Unlock()
		for _, f := range hooks {
			go f()
		}
	})
}

// ListenAndServe listens on addr with one loop per core (each with its own
// SO_REUSEPORT listener) and serves until Shutdown.
func (s *Server) ListenAndServe(addr string) error {
	if err := s.Listen(addr); err != nil {
		return err
	}
	return s.Serve()
}

// Listen binds addr; Serve then serves on it.
func (s *Server) Listen(addr string) error {
	s.setup()
	return s.tcp.Listen(addr)
}

// Serve serves what Listen bound until Shutdown, then returns
// ErrServerClosed.
func (s *Server) Serve() error {
	s.setup()
	return s.tcp.Serve()
}

// ServeUntilSignal serves what Listen bound until Shutdown, or until
// SIGTERM or SIGINT begins a graceful stop: no new connections, idle
// keep-alive connections closed, the RegisterOnShutdown functions called,
// requests in flight finished, for at most ShutdownTimeout. After a
// signal it returns nil, so that main can exit 0.
func (s *Server) ServeUntilSignal() error {
	s.setup()
	return s.tcp.ServeUntilSignal()
}

// Addr returns the listening address once Listen or Bind has returned.
func (s *Server) Addr() net.Addr { return s.tcp.Addr() }

// Bind binds addr for the pre-fork model; see tcpserver.Server.Bind.
func (s *Server) Bind(addr string) error {
	s.setup()
	return s.tcp.Bind(addr)
}

// Start runs n pre-forked processes serving what Bind bound (0: one per
// CPU); see tcpserver.Server.Start. It returns in the parent when every
// child has exited cleanly, and in a child when it is shut down.
func (s *Server) Start(n int) error {
	s.setup()
	return s.tcp.Start(n)
}

// Shutdown stops accepting, closes idle connections, starts the
// RegisterOnShutdown functions, lets requests in flight finish (their connections close after the response), and returns
// when all connections are closed or ctx ends (then it closes the rest).
// Detached connections count: their owners should close them.
func (s *Server) Shutdown(ctx context.Context) error {
	s.setup()
	s.runShutdownHooks()
	return s.tcp.Stop(ctx)
}

// HandleStream serves HTTP on a new connection. It is the hook given to
// the TCP server; call it on the stream's loop to serve a stream obtained
// some other way.
func (s *Server) HandleStream(st *iostream.Stream, addr net.Addr) {
	if s.Handler == nil {
		st.Close()
		return
	}
	newConn(s, s.state(st.Loop()), st, addr)
}

// state returns the per-loop state of l, creating it on first use (on l's
// goroutine).
func (s *Server) state(l *ioloop.Loop) *loopState {
	s.mu.Lock()
	defer s.mu.Unlock()
	if ls := s.states[l]; ls != nil {
		return ls
	}
	if s.states == nil {
		s.states = map[*ioloop.Loop]*loopState{}
	}
	ls := &loopState{loop: l, srv: s}
	ls.budget.Limit = s.loopOutputLimit()
	ls.budget.OnRelief = ls.relieved
	ls.sweeper = ioloop.NewPeriodicCallback(l, ls.sweep, sweepInterval)
	ls.sweeper.Start()
	s.states[l] = ls
	return ls
}

// closeIdle runs on each loop when shutdown begins: idle connections close
// now, busy ones after their response.
func (s *Server) closeIdle(l *ioloop.Loop) {
	s.runShutdownHooks() // a stop that a signal began did not pass Shutdown
	s.mu.Lock()
	ls := s.states[l]
	s.mu.Unlock()
	if ls == nil {
		return
	}
	for _, c := range append([]*conn(nil), ls.conns...) {
		c.keepAlive = false
		if c.state == stateHead && !c.headBegun {
			if c.stream.Writing() {
				// The last answer is still going out: close after it.
				c.closeAfterWrite()
				continue
			}
			c.stream.Close()
		}
	}
	// The sweep goes on: it ends the lingering closes of busy connections.
}

const sweepInterval = time.Second

// loopState is what the connections of one loop share: scratch space for
// building responses, the Date header (formatted once per second), and the
// list of connections that the timeout sweep walks. Owned by the loop.
type loopState struct {
	loop    *ioloop.Loop
	srv     *Server
	scratch []byte
	dateBuf []byte
	dateSec int64
	conns   []*conn
	sweeper *ioloop.PeriodicCallback
	free    []*reqState   // request states of idle connections, for reuse
	parsers []*parseState // parse states, for the next request read on the loop

	budget  iostream.OutputBudget // the output queued for the loop's connections
	waiters []*conn               // connections waiting for the output to fall
	checkOn bool                  // a budget check is scheduled

	queuedAtSweep int64 // budget.Queued at the last sweep
	busy          bool  // a burst of output has not been released yet
	connsPeak     int   // the most connections since the last release
	connsLast     int   // len(conns) at the last sweep
	releaseAgain  int64 // UnixNano after which a release follows the last one; 0: none
}

// maxFreeStates bounds a loop's free list of request states.
const maxFreeStates = 1024

// getState returns a request state, from the free list when it can.
func (ls *loopState) getState() *reqState {
	var rs *reqState
	if n := len(ls.free); n > 0 {
		rs = ls.free[n-1]
		ls.free[n-1] = nil
		ls.free = ls.free[:n-1]
	} else {
		rs = new(reqState)
	}
	return rs
}

// getParser returns a parse state for c, from the free list when it can.
func (ls *loopState) getParser(c *conn) *parseState {
	var ps *parseState
	if n := len(ls.parsers); n > 0 {
		ps = ls.parsers[n-1]
		ls.parsers[n-1] = nil
		ls.parsers = ls.parsers[:n-1]
	} else {
		ps = new(parseState)
		ps.emitFn = ps.emit
	}
	ps.c, ps.remaining = c, 0
	ps.parser.MaxHeaderSize = c.srv.maxHeaderSize()
	ps.parser.MaxRequestLineSize = c.srv.MaxRequestLineSize
	return ps
}

// putParser takes back a parse state whose request has been read.
func (ls *loopState) putParser(ps *parseState) {
	ps.c = nil
	if len(ls.parsers) < maxFreeStates {
		ls.parsers = append(ls.parsers, ps)
	}
}

// putState takes back a finished request's state.
func (ls *loopState) putState(rs *reqState) {
	rs.req.Reset() // keeps the header's storage
	rs.delegate = nil
	if len(ls.free) < maxFreeStates {
		ls.free = append(ls.free, rs)
	}
}

// date returns the current Date header value.
func (ls *loopState) date() []byte {
	now := ls.loop.Now()
	if sec := now.Unix(); sec != ls.dateSec || ls.dateBuf == nil {
		ls.dateSec = sec
		ls.dateBuf = httputil.AppendHTTPDate(ls.dateBuf[:0], now)
	}
	return ls.dateBuf
}

func (ls *loopState) add(c *conn) {
	c.idx = len(ls.conns)
	ls.conns = append(ls.conns, c)
}

func (ls *loopState) remove(c *conn) {
	i := c.idx
	if i < 0 || i >= len(ls.conns) || ls.conns[i] != c {
		return
	}
	last := len(ls.conns) - 1
	ls.conns[i] = ls.conns[last]
	ls.conns[i].idx = i
	ls.conns[last] = nil
	ls.conns = ls.conns[:last]
	c.idx = -1
}

// sweep closes connections whose deadline has passed. One pass a second
// over the loop's connections replaces a timer per request. A connection
// with output waiting is timed by its client's progress instead (see
// conn.checkWriting): no other clock runs against a client while the
// server has not finished sending.
func (ls *loopState) sweep() {
	now := time.Now().UnixNano()
	stalled := 0
	for i := 0; i < len(ls.conns); i++ {
		c := ls.conns[i]
		switch {
		case c.stream.Writing():
			if c.checkWriting(now) {
				stalled++
			}
		case c.bodyPaused:
			// The application holds the body back: no clock runs
			// against the client.
			c.stallAt = 0
			if c.deadline != 0 {
				c.deadline = max(c.deadline, now+int64(c.timeoutOf))
			}
		case c.deadline != 0 && now > c.deadline:
			c.stallAt = 0
			c.timeout()
		case c.state == stateBody || c.state == stateChunked:
			c.stallAt = 0
			c.checkBodyRate(now)
		default:
			c.stallAt = 0
		}
		if i < len(ls.conns) && ls.conns[i] != c {
			i-- // c was removed and another moved into its place
		}
	}
	if stalled > 0 {
		ls.srv.logger().Warn(fmt.Sprintf("httpserver: closed %d connections whose clients took no output for %v", stalled, ls.srv.writeTimeout()))
	}
	if ls.budget.Over() {
		ls.armCheck()
	}
	ls.releaseAfterBurst()
}
