package web_test

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/gotornado/tornado/web"
)

// PageHandler links to a static file with a versioned URL.
type PageHandler struct{ web.RequestHandler }

func (h *PageHandler) Get() error {
	url, err := h.StaticURL("hello.txt")
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(h, `<a href="%s">hello</a>`, url)
	return err
}

// With Settings.StaticPath, the Application serves the folder under
// /static/ (and /favicon.ico, /robots.txt from it); StaticURL adds the
// hash of the file's content, so the URL may be cached for ever.
// CompressResponse gzips large text responses for clients that accept it.
func ExampleStaticFileHandler() {
	app := web.NewApplication([]web.Rule{
		web.R[PageHandler](`/`),
	}, web.Settings{
		StaticPath:       "testdata/static",
		CompressResponse: true,
		Logger:           slog.New(slog.DiscardHandler),
	})
	srv := httptest.NewServer(app)
	defer srv.Close()

	resp, err := http.Get(srv.URL + "/")
	if err != nil {
		fmt.Println(err)
		return
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	link := strings.TrimSuffix(strings.TrimPrefix(string(page), `<a href="`), `">hello</a>`)
	fmt.Println(link[:len("/static/hello.txt?v=")+16] + "...")

	resp, err = http.Get(srv.URL + link)
	if err != nil {
		fmt.Println(err)
		return
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	fmt.Println(resp.Status, resp.Header.Get("Content-Type"), resp.Header.Get("Cache-Control"))
	fmt.Println(string(body))
	// Output:
	// /static/hello.txt?v=f986313ffca1a20c...
	// 200 OK text/plain; charset=utf-8 max-age=315360000
	// Hello, world
}
