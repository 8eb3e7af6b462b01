package autoreload_test

import (
	"log"
	"log/slog"
	"net/http"
	"os"

	"github.com/gotornado/tornado/autoreload"
)

// A development server that restarts when its Go sources or its
// templates change. (web.Settings{Debug: true} does the same for an
// Application, watching its TemplatePath and StaticPath.)
func Example() {
	autoreload.SetLogger(slog.New(slog.NewTextHandler(os.Stderr, nil)))
	if err := autoreload.Watch("templates"); err != nil {
		log.Fatal(err)
	}
	autoreload.AddReloadHook(func() {
		slog.Info("restarting; flushing what needs flushing")
	})
	autoreload.Start()

	log.Fatal(http.ListenAndServe("127.0.0.1:8888", http.FileServer(http.Dir("templates"))))
}
