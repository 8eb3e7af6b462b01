//go:build linux

package iostream_test

import (
	"fmt"
	"net"
	"os"

	"golang.org/x/sys/unix"

	"github.com/gotornado/tornado/ioloop"
	"github.com/gotornado/tornado/iostream"
)

// A line is read from a socket with ReadUntil and answered with Write.
func Example() {
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_NONBLOCK, 0)
	if err != nil {
		panic(err)
	}
	peer, _ := net.FileConn(os.NewFile(uintptr(fds[1]), "socket"))
	defer peer.Close()

	l, _ := ioloop.New()
	defer l.Close()
	s, _ := iostream.New(l, fds[0])
	s.ReadUntil([]byte("\n"), 1024, func(line []byte, err error) {
		fmt.Printf("read %q\n", line)
		s.Write([]byte("pong\n"), func(error) { s.Close(); l.Stop() })
	})
	peer.Write([]byte("ping\nextra"))
	l.Start()

	buf := make([]byte, 16)
	n, _ := peer.Read(buf)
	fmt.Printf("peer got %q\n", buf[:n])
	// Output:
	// read "ping\n"
	// peer got "pong\n"
}
