// Command chat is Tornado's chat demo in GoTornado: one room, where every
// message posted appears at once in every open page, through long
// polling.
//
//	go run ./examples/chat                           # one process, http://127.0.0.1:8888/
//	go run ./examples/chat -redis 127.0.0.1:6379     # one room across every process using this Redis
//
// GET / is the page with the recent messages; POST /a/message/new posts
// one (answering it as JSON, or redirecting to next); POST
// /a/message/updates waits until there are messages newer than its cursor
// and answers {"messages": [...]}. XSRF protection is on, as in the demo.
//
// Messages travel on a Bus: in this process's memory by default; with
// -redis, on Redis pub/sub, with the recent messages kept in a Redis list,
// so that several processes — on one machine, or many behind a load
// balancer — are one room (see RedisBus). A stop (SIGINT, SIGTERM) answers
// the waiting long polls and exits 0.
package main

import (
	"context"
	"errors"
	"flag"
	"log"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"

	"github.com/gotornado/tornado/httpserver"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8888", "address to listen on")
	redisAddr := flag.String("redis", "", "host:port of a Redis server shared by every process of the room (default: none, the room is this process)")
	debug := flag.Bool("debug", false, "debug mode: tracebacks in error pages, templates reloaded, autoreload")
	flag.Parse()
	if err := run(*addr, *redisAddr, *debug); err != nil {
		log.Fatal(err)
	}
}

// run serves the chat on addr until a signal stops it.
func run(addr, redisAddr string, debug bool) error {
	buf := NewMessageBuffer(cacheSize)
	var bus Bus = NewMemoryBus(buf)
	if redisAddr != "" {
		quietRedis(slog.Default())
		rb := NewRedisBus(buf, RedisConfig{Addr: redisAddr})
		ctx, cancel := context.WithTimeout(context.Background(), redisTimeout)
		if err := rb.Sync(ctx); err != nil { // the recent messages, for the first pages
			slog.Error("chat: redis at "+redisAddr+" is unreachable; serving from this process's cache until it answers", "err", err)
		}
		cancel()
		bus = rb
	}
	defer bus.Close()

	srv := &httpserver.Server{Handler: newApplication(Config{Buffer: buf, Bus: bus, Debug: debug, Root: resourceDir()})}
	srv.RegisterOnShutdown(buf.Close) // answer the waiting long polls, so the stop need not wait for them
	if err := srv.Listen(addr); err != nil {
		return err
	}
	log.Printf("chat listening on http://%s/", srv.Addr())
	if err := srv.ServeUntilSignal(); err != nil && !errors.Is(err, httpserver.ErrServerClosed) {
		return err
	}
	return nil
}

// resourceDir returns the folder holding templates/ and static/: beside
// the executable when they are there (an installed binary), else this
// source file's folder (go run, go test), else ./examples/chat or the
// working directory.
func resourceDir() string {
	var dirs []string
	if exe, err := os.Executable(); err == nil {
		dirs = append(dirs, filepath.Dir(exe))
	}
	if _, file, _, ok := runtime.Caller(0); ok {
		dirs = append(dirs, filepath.Dir(file))
	}
	dirs = append(dirs, "examples/chat")
	for _, d := range dirs {
		if st, err := os.Stat(filepath.Join(d, "templates", "index.html")); err == nil && !st.IsDir() {
			return d
		}
	}
	return "."
}
