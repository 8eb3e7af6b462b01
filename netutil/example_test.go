//go:build unix

package netutil_test

import (
	"fmt"
	"net"
	"syscall"

	"github.com/gotornado/tornado/ioloop"
	"github.com/gotornado/tornado/netutil"
)

// Accept connections on a loop, as tcpserver does.
func ExampleAddAcceptHandler() {
	fds, err := netutil.BindSockets(0, "127.0.0.1", 0, false)
	if err != nil {
		panic(err)
	}
	defer syscall.Close(fds[0])
	addr, _ := netutil.ListenerAddr(fds[0])

	l, err := ioloop.New()
	if err != nil {
		panic(err)
	}
	defer l.Close()
	var remove func()
	remove, err = netutil.AddAcceptHandler(l, fds[0], func(conn int, peer net.Addr) {
		fmt.Println("accepted a connection from", peer.(*net.TCPAddr).IP)
		syscall.Close(conn) // or wrap it: iostream.New(l, conn)
		remove()
		l.Stop()
	})
	if err != nil {
		panic(err)
	}
	c, err := net.Dial("tcp", addr.String())
	if err != nil {
		panic(err)
	}
	defer c.Close()
	l.Start()
	// Output: accepted a connection from 127.0.0.1
}
