// Package tornado is the root of GoTornado, Tornado's architecture built
// natively in Go: an event loop (ioloop) over epoll and kqueue, buffered
// non-blocking streams (iostream), TCP and HTTP/1.1 servers, and the web
// framework (web) on top. The packages below this one are the library;
// this one only holds module-wide checks.
package tornado
