// Command blog is Tornado's blog demo in GoTornado: one author writes
// posts in Markdown; readers see the latest on the home page, all of them
// in the archive, and an Atom feed.
//
//	go run ./examples/blog                  # SQLite in ./blog.db, http://127.0.0.1:8888/
//	go run ./examples/blog -db postgres://blog:blog@127.0.0.1/blog
//
// The first visit leads to /auth/create, where the author's account is
// made; after that /auth/login signs the author in and /compose writes and
// edits posts. The tables are created on first start. Database calls and
// bcrypt run off the loop (see offLoop).
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"log"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/gotornado/tornado/httpserver"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8888", "address to listen on")
	dsn := flag.String("db", "blog.db", "database: a postgres:// URL, or the path of an SQLite file")
	secret := flag.String("cookie-secret", "", "secret that signs the login cookie (default: a random one, printed at start)")
	debug := flag.Bool("debug", false, "debug mode: tracebacks in error pages, templates reloaded, autoreload")
	flag.Parse()

	if *secret == "" {
		*secret = randomSecret()
		log.Printf("cookie secret (pass -cookie-secret %s to keep logins across restarts)", *secret)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	store, err := OpenStore(ctx, *dsn)
	cancel()
	if err != nil {
		log.Fatal(err)
	}
	defer store.Close()

	app := newApplication(Config{Store: store, CookieSecret: *secret, Debug: *debug, Root: resourceDir()})
	srv := &httpserver.Server{Handler: app}
	if err := srv.Listen(*addr); err != nil {
		log.Fatal(err)
	}
	log.Printf("blog listening on http://%s/", srv.Addr())
	if err := srv.Serve(); err != nil && !errors.Is(err, httpserver.ErrServerClosed) {
		log.Fatal(err)
	}
}

// randomSecret returns 32 random bytes in hex.
func randomSecret() string {
	b := make([]byte, 32)
	rand.Read(b) // never fails (crypto/rand)
	return hex.EncodeToString(b)
}

// resourceDir returns the folder holding templates/ and static/: beside
// the executable when they are there (an installed binary), else this
// source file's folder (go run, go test), else ./examples/blog or the
// working directory.
func resourceDir() string {
	var dirs []string
	if exe, err := os.Executable(); err == nil {
		dirs = append(dirs, filepath.Dir(exe))
	}
	if _, file, _, ok := runtime.Caller(0); ok {
		dirs = append(dirs, filepath.Dir(file))
	}
	dirs = append(dirs, "examples/blog")
	for _, d := range dirs {
		if st, err := os.Stat(filepath.Join(d, "templates", "base.html")); err == nil && !st.IsDir() {
			return d
		}
	}
	return "."
}
