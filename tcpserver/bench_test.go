//go:build unix

package tcpserver

import (
	"fmt"
	"io"
	"net"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// BenchmarkEcho measures echo round trips of a 64-byte line over loopback
// with parallel clients, against this package's Server (one loop per
// core) and against a goroutine-per-connection net.Conn server, in the
// same run:
//
//	go test -run '^$' -bench Echo ./tcpserver/
func BenchmarkEcho(b *testing.B) {
	for _, clients := range []int{1, 64} {
		b.Run(fmt.Sprintf("loop/clients=%d", clients), func(b *testing.B) {
			s := &Server{Logger: quietLogger, HandleStream: echoLines}
			addr, _ := serve(b, s)
			benchEcho(b, addr, clients)
		})
		b.Run(fmt.Sprintf("netconn/clients=%d", clients), func(b *testing.B) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				b.Fatal(err)
			}
			var wg sync.WaitGroup
			wg.Add(1)
			go func() { defer wg.Done(); netConnEcho(ln) }()
			b.Cleanup(func() { ln.Close(); wg.Wait() })
			benchEcho(b, ln.Addr().String(), clients)
		})
	}
}

func benchEcho(b *testing.B, addr string, clients int) {
	p := max(1, clients/runtime.GOMAXPROCS(0))
	n := p * runtime.GOMAXPROCS(0) // goroutines RunParallel will start
	if clients == 1 {
		n = 1
	}
	pool := make(chan net.Conn, n)
	for range n {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			b.Fatal(err)
		}
		defer c.Close()
		pool <- c
	}
	msg := []byte(strings.Repeat("x", 63) + "\n")
	b.ResetTimer()
	start := time.Now()
	roundTrip := func(c net.Conn, buf []byte) {
		if _, err := c.Write(msg); err != nil {
			b.Error(err)
			return
		}
		if _, err := io.ReadFull(c, buf); err != nil {
			b.Error(err)
		}
	}
	if clients == 1 {
		c, buf := <-pool, make([]byte, len(msg))
		for range b.N {
			roundTrip(c, buf)
		}
	} else {
		b.SetParallelism(p)
		b.RunParallel(func(pb *testing.PB) {
			c, buf := <-pool, make([]byte, len(msg))
			for pb.Next() {
				roundTrip(c, buf)
			}
		})
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "roundtrips/s")
}
