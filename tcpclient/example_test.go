//go:build unix

package tcpclient_test

import (
	"fmt"
	"net"
	"time"

	"github.com/gotornado/tornado/ioloop"
	"github.com/gotornado/tornado/iostream"
	"github.com/gotornado/tornado/tcpclient"
)

func ExampleConnect() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err == nil {
			c.Write([]byte("hi from the server\n"))
			c.Close()
		}
	}()

	l, err := ioloop.New()
	if err != nil {
		panic(err)
	}
	defer l.Close()
	l.AddCallback(func() {
		tcpclient.Connect(l, "tcp", ln.Addr().String(), 5*time.Second, func(st *iostream.Stream, err error) {
			if err != nil {
				fmt.Println(err)
				l.Stop()
				return
			}
			st.ReadUntil([]byte("\n"), 1024, func(line []byte, err error) {
				fmt.Print(string(line))
				st.Close()
				l.Stop()
			})
		})
	})
	l.Start()
	// Output: hi from the server
}
