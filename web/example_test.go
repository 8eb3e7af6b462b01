package web_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"

	"github.com/gotornado/tornado/web"
)

type MainHandler struct{ web.RequestHandler }

func (h *MainHandler) Get() error {
	h.WriteString("Hello, world")
	return nil
}

type UserHandler struct{ web.RequestHandler }

func (h *UserHandler) Get() error {
	name, err := h.GetArgument("greeting", "Hi")
	if err != nil {
		return err
	}
	return h.WriteJSON(map[string]string{"id": h.PathArg("id"), "greeting": name})
}

// Example is Tornado's hello-world application, served here through
// net/http.
func Example() {
	app := web.NewApplication([]web.Rule{
		web.R[MainHandler](`/index`),
		web.R[UserHandler](`/user/(?P<id>[0-9]+)`, web.Name("user")),
		web.R[web.RedirectHandler](`/python/(?P<day>[a-zA-Z0-9]+)/(?P<title>[a-zA-Z]+)`, web.Args{"url": "/index"}),
	}, web.Settings{})

	srv := httptest.NewServer(app)
	defer srv.Close()

	resp, err := http.Get(srv.URL + "/python/monday/tornado") // follows the 301
	if err != nil {
		panic(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	fmt.Println(resp.StatusCode, string(body))

	path, _ := app.ReverseURL("user", 42)
	resp, err = http.Get(srv.URL + path + "?greeting=Hello")
	if err != nil {
		panic(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	fmt.Println(path, resp.Header.Get("Content-Type"), string(body))
	http.DefaultClient.CloseIdleConnections()
	// Output:
	// 200 Hello, world
	// /user/42 application/json; charset=UTF-8 {"greeting":"Hello","id":"42"}
}

// LaterHandler answers from another goroutine; its dependency comes from
// RWith, checked by the compiler.
type LaterHandler struct {
	web.RequestHandler
	greeting string
}

func (h *LaterHandler) Get() error {
	h.Asynchronous() // the response stays open when Get returns
	go func() {
		fmt.Fprintf(h, "%s, later", h.greeting) // the handler is an io.Writer
		h.Finish()                              // queued to the handler's goroutine
	}()
	return nil
}

// An asynchronous handler (Tornado's @asynchronous) finishes from another
// goroutine.
func ExampleRequestHandler_Asynchronous() {
	app := web.NewApplication([]web.Rule{
		web.RWith(`/later`, func(h *LaterHandler) { h.greeting = "Hello" }),
	}, web.Settings{})
	srv := httptest.NewServer(app)
	defer srv.Close()

	resp, err := http.Get(srv.URL + "/later")
	if err != nil {
		panic(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	http.DefaultClient.CloseIdleConnections()
	fmt.Println(resp.StatusCode, string(body))
	// Output:
	// 200 Hello, later
}
