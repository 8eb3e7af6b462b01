// Command tcpecho is a line echo server on GoTornado's TCP layer: every
// line a client sends comes back to it.
//
//	tcpecho -addr 127.0.0.1:8888           one process, one loop per core
//	tcpecho -addr 127.0.0.1:8888 -procs 4  four pre-forked processes
//
// SIGINT or SIGTERM stops it gracefully.
package main

import (
	"context"
	"errors"
	"flag"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/gotornado/tornado/iostream"
	"github.com/gotornado/tornado/tcpserver"
)

const maxLine = 64 << 10

func main() {
	addr := flag.String("addr", "127.0.0.1:8888", "address to listen on")
	procs := flag.Int("procs", 0, "pre-fork this many processes (0: one process, one loop per core; -1: one process per CPU)")
	flag.Parse()

	srv := &tcpserver.Server{HandleStream: echo}
	var err error
	if *procs != 0 {
		err = prefork(srv, *addr, *procs)
	} else {
		err = serve(srv, *addr)
	}
	if err != nil {
		slog.Error("tcpecho", "err", err)
		os.Exit(1)
	}
}

// echo sends every line back, until the client goes away.
func echo(s *iostream.Stream, addr net.Addr) {
	var readLine func()
	readLine = func() {
		err := s.ReadUntil([]byte("\n"), maxLine, func(line []byte, err error) {
			if err != nil {
				return // the stream is closed
			}
			if err := s.Write(line, nil); err != nil {
				s.Close()
				return
			}
			readLine()
		})
		if err != nil {
			s.Close()
		}
	}
	readLine()
}

func serve(srv *tcpserver.Server, addr string) error {
	if err := srv.Listen(addr); err != nil {
		return err
	}
	slog.Info("tcpecho: listening", "addr", srv.Addr().String())
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-sigs
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Stop(ctx)
	}()
	if err := srv.Serve(); !errors.Is(err, tcpserver.ErrServerClosed) {
		return err
	}
	return nil
}

func prefork(srv *tcpserver.Server, addr string, procs int) error {
	if procs < 0 {
		procs = 0
	}
	if err := srv.Bind(addr); err != nil {
		return err
	}
	if _, child := tcpserver.TaskID(); !child {
		slog.Info("tcpecho: listening", "addr", srv.Addr().String(), "procs", procs)
	}
	return srv.Start(procs)
}
