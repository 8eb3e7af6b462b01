//go:build unix

package tcpserver_test

import (
	"bufio"
	"context"
	"fmt"
	"net"

	"github.com/gotornado/tornado/iostream"
	"github.com/gotornado/tornado/tcpserver"
)

// An echo server: every line a client sends comes back.
func ExampleServer() {
	s := &tcpserver.Server{
		Loops: 1,
		HandleStream: func(st *iostream.Stream, _ net.Addr) {
			var next func()
			next = func() {
				st.ReadUntil([]byte("\n"), 4096, func(line []byte, err error) {
					if err == nil {
						st.Write(line, nil)
						next()
					}
				})
			}
			next()
		},
	}
	if err := s.Listen("127.0.0.1:0"); err != nil {
		panic(err)
	}
	served := make(chan error, 1)
	go func() { served <- s.Serve() }()

	c, err := net.Dial("tcp", s.Addr().String())
	if err != nil {
		panic(err)
	}
	fmt.Fprintf(c, "hello\n")
	line, _ := bufio.NewReader(c).ReadString('\n')
	fmt.Print(line)
	c.Close()

	s.Stop(context.Background()) // waits for the connection to close
	fmt.Println(<-served)
	// Output:
	// hello
	// tcpserver: server closed
}
