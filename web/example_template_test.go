package web_test

import (
	"fmt"
	"html/template"
	"io"
	"net/http"
	"net/http/httptest"
	"testing/fstest"

	"github.com/gotornado/tornado/web"
)

// EntryModule is a UI module: it renders an entry with its own template,
// and asks for its CSS in the page's head.
type EntryModule struct{ h *web.RequestHandler }

func (m EntryModule) Render(args ...any) (template.HTML, error) {
	return m.h.RenderString("modules/entry.html", args[0])
}

func (m EntryModule) Resources() web.ModuleResources {
	return web.ModuleResources{CSSFiles: []string{"/css/entry.css"}}
}

type Entry struct{ Title, Body string }

type HomeHandler struct{ web.RequestHandler }

func (h *HomeHandler) Get() error {
	return h.Render("home.html", map[string]any{
		"Entries": []Entry{{"Hello", "First <post>"}, {"Again", "Second"}},
	})
}

// A page extends a layout and calls a UI module for each entry; Render
// puts the module's CSS before </head>. The templates come from an
// fs.FS here; Settings.TemplatePath names a folder instead.
func ExampleRequestHandler_Render() {
	templates := fstest.MapFS{
		"base.html": {Data: []byte(`<html><head><title>{{block "title" .}}Blog{{end}}</title></head>
<body>{{block "body" .}}{{end}}</body></html>`)},
		"home.html": {Data: []byte(`{{/* extends "base.html" */}}
{{define "title"}}Home - Blog{{end}}
{{define "body"}}{{range .Entries}}{{module "Entry" .}}{{end}}{{end}}`)},
		"modules/entry.html": {Data: []byte(`<h2>{{.Title}}</h2><p>{{.Body}}</p>`)},
	}
	app := web.NewApplication([]web.Rule{web.R[HomeHandler](`/`)}, web.Settings{
		TemplateFS: templates,
		UIModules: map[string]func(*web.RequestHandler) web.UIModule{
			"Entry": func(h *web.RequestHandler) web.UIModule { return EntryModule{h} },
		},
	})
	srv := httptest.NewServer(app)
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err != nil {
		panic(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	http.DefaultClient.CloseIdleConnections()
	fmt.Println(string(body))
	// Output:
	// <html><head><title>Home - Blog</title><link href="/css/entry.css" type="text/css" rel="stylesheet"/>
	// </head>
	// <body><h2>Hello</h2><p>First &lt;post&gt;</p><h2>Again</h2><p>Second</p></body></html>
}
