package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gotornado/tornado/httpserver"
	"github.com/gotornado/tornado/ioloop"
	"github.com/gotornado/tornado/web"
	"golang.org/x/crypto/bcrypt"
)

// postgresEnv names a postgres:// URL of a database the tests may create
// schemas in; without it the tests run on SQLite only.
const postgresEnv = "BLOG_TEST_POSTGRES_URL"

// testDB is a fresh, empty database for one test.
type testDB struct {
	name string
	dsn  func(t *testing.T) string
}

// testDatabases returns SQLite and PostgreSQL. A test on PostgreSQL is
// skipped when postgresEnv is not set, and fails then under
// GOTORNADO_CI=1.
func testDatabases() []testDB {
	return []testDB{
		{"sqlite", func(t *testing.T) string { return filepath.Join(t.TempDir(), "blog.db") }},
		{"postgres", func(t *testing.T) string {
			base := os.Getenv(postgresEnv)
			if base == "" {
				if os.Getenv("GOTORNADO_CI") == "1" {
					t.Fatal(postgresEnv + " is not set (GOTORNADO_CI=1)")
				}
				t.Skip(postgresEnv + " is not set")
			}
			return postgresSchema(t, base)
		}},
	}
}

// postgresSchema creates a schema of its own for the test in the database
// at base, dropped when the test ends, and returns a URL whose connections
// use it.
func postgresSchema(t *testing.T, base string) string {
	t.Helper()
	db, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	b := make([]byte, 6)
	rand.Read(b)
	schema := "blogtest_" + hex.EncodeToString(b)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := db.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("%s: %v", postgresEnv, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if _, err := db.ExecContext(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("dropping schema %s: %v", schema, err)
		}
	})
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	return base + sep + "search_path=" + schema
}

const testSecret = "a secret for the tests"

// testServers are the two ways an Application is served.
var testServers = []string{"httpserver", "net/http"}

// testBlog is a blog running on 127.0.0.1 for one test, with a client
// that keeps cookies and does not follow redirects.
type testBlog struct {
	t      *testing.T
	url    string
	client *http.Client
}

// errorLogger fails the test on every log record at Error level (an
// uncaught error or a 500), and drops the others.
type errorLogger struct{ t *testing.T }

func (l errorLogger) Enabled(_ context.Context, lv slog.Level) bool { return lv >= slog.LevelError }
func (l errorLogger) Handle(_ context.Context, r slog.Record) error {
	l.t.Errorf("error logged: %s", r.Message)
	return nil
}
func (l errorLogger) WithAttrs([]slog.Attr) slog.Handler { return l }
func (l errorLogger) WithGroup(string) slog.Handler      { return l }

// startBlog serves a blog on dsn with the server named (see testServers).
func startBlog(t *testing.T, dsn, server string) *testBlog {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	store, err := OpenStore(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	app := newApplication(Config{
		Store:        store,
		CookieSecret: testSecret,
		Root:         resourceDir(),
		BcryptCost:   bcrypt.MinCost,
		Logger:       slog.New(errorLogger{t}),
	})
	var base string
	switch server {
	case "httpserver":
		srv := &httpserver.Server{Handler: app, Loops: 1, Logger: slog.New(errorLogger{t})}
		if err := srv.Listen("127.0.0.1:0"); err != nil {
			t.Fatal(err)
		}
		served := make(chan error, 1)
		go func() { served <- srv.Serve() }()
		t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			srv.Shutdown(ctx)
			if err := <-served; !errors.Is(err, httpserver.ErrServerClosed) {
				t.Errorf("Serve: %v", err)
			}
		})
		base = "http://" + srv.Addr().String()
	case "net/http":
		srv := httptest.NewServer(app)
		t.Cleanup(srv.Close)
		base = srv.URL
	}
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{
		Jar:           jar,
		Timeout:       20 * time.Second,
		Transport:     &http.Transport{},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	t.Cleanup(client.CloseIdleConnections)
	return &testBlog{t: t, url: base, client: client}
}

// do sends a request and returns the response with its body read.
func (b *testBlog) do(method, path string, form url.Values) (*http.Response, string) {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, b.url+path, body)
	if err != nil {
		b.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := b.client.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		b.t.Fatalf("%s %s: reading the body: %v", method, path, err)
	}
	return resp, string(data)
}

// get fetches path and checks the status.
func (b *testBlog) get(path string, want int) (*http.Response, string) {
	b.t.Helper()
	resp, body := b.do("GET", path, nil)
	if resp.StatusCode != want {
		b.t.Fatalf("GET %s = %d, want %d; body:\n%s", path, resp.StatusCode, want, body)
	}
	return resp, body
}

// post posts form to path and checks the status.
func (b *testBlog) post(path string, form url.Values, want int) (*http.Response, string) {
	b.t.Helper()
	resp, body := b.do("POST", path, form)
	if resp.StatusCode != want {
		b.t.Fatalf("POST %s = %d, want %d; body:\n%s", path, resp.StatusCode, want, body)
	}
	return resp, body
}

// redirect checks that path answers a 302 to location.
func (b *testBlog) redirect(method, path string, form url.Values, location string) {
	b.t.Helper()
	resp, body := b.do(method, path, form)
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != location {
		b.t.Fatalf("%s %s = %d to %q, want 302 to %q; body:\n%s", method, path, resp.StatusCode, resp.Header.Get("Location"), location, body)
	}
}

var xsrfInput = regexp.MustCompile(`<input type="hidden" name="_xsrf" value="([^"]+)"/>`)

// formXSRF returns the _xsrf value of the form on page.
func formXSRF(t *testing.T, page string) string {
	t.Helper()
	m := xsrfInput.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no _xsrf input in the page:\n%s", page)
	}
	return m[1]
}

// mustContain checks that page holds each of want.
func mustContain(t *testing.T, what, page string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(page, w) {
			t.Errorf("%s does not contain %q:\n%s", what, w, page)
		}
	}
}

// TestJourney walks the blog as its author would, with each database and
// each server: the first visits lead to the sign-up, then login (with a
// wrong password first), writing and editing a post, reading it on every
// page and in the feed, and logging out.
//
// Under httpserver it checks as well that the blocking work — every
// database call and bcrypt, all done in offLoop's work functions — runs
// off the loop.
func TestJourney(t *testing.T) {
	var offLoop, onLoop atomic.Int64
	offLoopHook = func(loop *ioloop.Loop) {
		if loop.OnLoop() {
			onLoop.Add(1)
		} else {
			offLoop.Add(1)
		}
	}
	t.Cleanup(func() { offLoopHook = nil })
	for _, db := range testDatabases() {
		for _, server := range testServers {
			t.Run(db.name+"/"+server, func(t *testing.T) {
				before := offLoop.Load()
				journey(t, startBlog(t, db.dsn(t), server))
				if server != "httpserver" {
					return
				}
				if n := onLoop.Load(); n != 0 {
					t.Errorf("%d blocking calls ran on the loop", n)
				}
				if offLoop.Load() == before {
					t.Errorf("no work went off the loop")
				}
			})
		}
	}
}

// TestStaleLoginCookie checks that a login cookie naming an author the
// database does not have counts as nobody logged in.
func TestStaleLoginCookie(t *testing.T) {
	b := startBlog(t, filepath.Join(t.TempDir(), "blog.db"), "httpserver")
	v, err := web.CreateSignedValue(testSecret, userCookie, "4242")
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(b.url)
	b.client.Jar.SetCookies(u, []*http.Cookie{{Name: userCookie, Value: v}})
	_, page := b.get("/auth/create", http.StatusOK)
	mustContain(t, "/auth/create", page, `<a href="/auth/login?next=%2Fauth%2Fcreate">Sign in</a>`)
	b.redirect("GET", "/compose", nil, "/auth/login?next=%2Fcompose")
	b.post("/compose", url.Values{"_xsrf": {formXSRF(t, page)}, "title": {"t"}, "markdown": {"m"}}, http.StatusForbidden)
	b.redirect("GET", "/", nil, "/compose")
}

func journey(t *testing.T, b *testBlog) {
	// An empty blog sends readers to /compose, which wants a login, which
	// wants an author first.
	b.redirect("GET", "/", nil, "/compose")
	b.redirect("GET", "/compose", nil, "/auth/login?next=%2Fcompose")
	b.redirect("GET", "/auth/login", nil, "/auth/create")

	_, page := b.get("/auth/create", http.StatusOK)
	mustContain(t, "/auth/create", page, `<form action="/auth/create" method="POST">`,
		`name="email"`, `name="name"`, `name="password"`, `href="/auth/login?next=%2Fauth%2Fcreate"`)
	xsrf := formXSRF(t, page)
	author := url.Values{"email": {"ada@example.com"}, "name": {"Ada"}, "password": {"s3cret pass"}}
	b.post("/auth/create", author, http.StatusForbidden) // no _xsrf
	author.Set("_xsrf", xsrf)
	b.redirect("POST", "/auth/create", author, "/")
	b.post("/auth/create", author, http.StatusBadRequest) // one author only

	// Logged in: the header offers a new post and the sign-out.
	_, page = b.get("/compose", http.StatusOK)
	mustContain(t, "/compose", page, `<form action="/compose" method="post" class="compose">`,
		`name="title"`, `name="markdown"`, `value="Publish post"`, `href="/auth/logout?next=%2Fcompose"`)
	b.redirect("GET", "/auth/logout", nil, "/")
	b.redirect("GET", "/compose", nil, "/auth/login?next=%2Fcompose")

	// Login: the wrong password and an unknown email show the form again.
	_, page = b.get("/auth/login", http.StatusOK)
	mustContain(t, "/auth/login", page, `<form action="/auth/login" method="POST">`, `name="email"`, `name="password"`)
	xsrf = formXSRF(t, page)
	_, page = b.post("/auth/login", url.Values{"_xsrf": {xsrf}, "email": {"ada@example.com"}, "password": {"wrong"}}, http.StatusOK)
	mustContain(t, "the wrong password's page", page, `Error: incorrect password`, `<form action="/auth/login" method="POST">`)
	_, page = b.post("/auth/login", url.Values{"_xsrf": {xsrf}, "email": {"bob@example.com"}, "password": {"x"}}, http.StatusOK)
	mustContain(t, "the unknown email's page", page, `Error: email not found`)
	b.redirect("POST", "/auth/login?next=%2Fcompose", url.Values{"_xsrf": {xsrf}, "email": {"ada@example.com"}, "password": {"s3cret pass"}}, "/compose")

	// Compose two posts with the same title: the second slug gets "-2".
	_, page = b.get("/compose", http.StatusOK)
	xsrf = formXSRF(t, page)
	post := url.Values{"_xsrf": {xsrf}, "title": {"Hello, Wörld & <friends>"}, "markdown": {"# Greetings\n\nSome *emphasis* and `code`."}}
	b.post("/compose", url.Values{"_xsrf": {xsrf}, "title": {"no text"}}, http.StatusBadRequest)
	b.redirect("POST", "/compose", post, "/entry/hello-wo-rld-friends")
	b.redirect("POST", "/compose", post, "/entry/hello-wo-rld-friends-2")

	_, page = b.get("/entry/hello-wo-rld-friends", http.StatusOK)
	mustContain(t, "the entry", page, `<h1><a href="/entry/hello-wo-rld-friends">Hello, Wörld &amp; &lt;friends&gt;</a></h1>`,
		`<div class="body"><h1>Greetings</h1>`, `<em>emphasis</em>`, `<code>code</code>`,
		`<div class="admin"><a href="/compose?id=`)
	m := regexp.MustCompile(`href="/compose\?id=([0-9]+)"`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no edit link in the entry page")
	}
	id := m[1]
	b.get("/entry/no-such-entry", http.StatusNotFound)

	_, page = b.get("/", http.StatusOK)
	mustContain(t, "the home page", page, `href="/entry/hello-wo-rld-friends"`, `href="/entry/hello-wo-rld-friends-2"`,
		`<em>emphasis</em>`, `<a href="/archive">Archive</a>`, `/static/blog.css?v=`)
	_, page = b.get("/archive", http.StatusOK)
	mustContain(t, "the archive", page, `<ul class="archive">`, `<div class="title"><a href="/entry/hello-wo-rld-friends">`)
	checkFeed(t, b, []string{"hello-wo-rld-friends-2", "hello-wo-rld-friends"}, "Hello, Wörld & <friends>")

	// Edit the first post: its slug stays.
	_, page = b.get("/compose?id="+id, http.StatusOK)
	mustContain(t, "the edit form", page, `value="Hello, Wörld &amp; &lt;friends&gt;"`, `# Greetings`,
		`<input type="hidden" name="id" value="`+id+`"/>`, `value="Save changes"`)
	edit := url.Values{"_xsrf": {formXSRF(t, page)}, "id": {id}, "title": {"Edited title"}, "markdown": {"Now **bold**."}}
	b.redirect("POST", "/compose", edit, "/entry/hello-wo-rld-friends")
	_, page = b.get("/entry/hello-wo-rld-friends", http.StatusOK)
	mustContain(t, "the edited entry", page, `>Edited title</a></h1>`, `<p>Now <strong>bold</strong>.</p>`)
	edit.Set("id", "999999")
	b.post("/compose", edit, http.StatusNotFound)
	b.get("/compose?id=999999", http.StatusNotFound)
	b.get("/compose?id=abc", http.StatusBadRequest)

	// Log out: the next argument must stay on the site.
	b.get("/auth/logout?next=//evil.example/", http.StatusBadRequest)
	b.get("/auth/logout?next=http://evil.example/", http.StatusBadRequest)
	b.redirect("GET", "/auth/logout?next=%2Farchive", nil, "/archive")
	_, page = b.get("/entry/hello-wo-rld-friends", http.StatusOK)
	if strings.Contains(page, "/compose?id=") {
		t.Errorf("the entry page offers editing after logout:\n%s", page)
	}
	mustContain(t, "the entry page after logout", page, `<a href="/auth/login?next=%2Fentry%2Fhello-wo-rld-friends">Sign in</a> to compose/edit`)
	b.redirect("GET", "/compose", nil, "/auth/login?next=%2Fcompose")
	b.post("/compose", post, http.StatusForbidden)                       // with _xsrf, no login
	b.post("/compose", url.Values{"title": {"x"}}, http.StatusForbidden) // no _xsrf
}

// atomFeed is the part of an Atom feed the tests read.
type atomFeed struct {
	XMLName xml.Name `xml:"http://www.w3.org/2005/Atom feed"`
	Title   string   `xml:"title"`
	Updated string   `xml:"updated"`
	ID      string   `xml:"id"`
	Links   []struct {
		Rel  string `xml:"rel,attr"`
		Href string `xml:"href,attr"`
	} `xml:"link"`
	Author  string `xml:"author>name"`
	Entries []struct {
		ID   string `xml:"id"`
		Link struct {
			Href string `xml:"href,attr"`
		} `xml:"link"`
		Title     string `xml:"title"`
		Updated   string `xml:"updated"`
		Published string `xml:"published"`
		Content   struct {
			Type string `xml:"type,attr"`
			Div  struct {
				XMLName xml.Name `xml:"http://www.w3.org/1999/xhtml div"`
				Inner   string   `xml:",innerxml"`
			} `xml:"div"`
		} `xml:"content"`
	} `xml:"entry"`
}

// checkFeed parses /feed and checks its entries' slugs, in order, and the
// first entry's title.
func checkFeed(t *testing.T, b *testBlog, slugs []string, title string) {
	t.Helper()
	resp, body := b.get("/feed", http.StatusOK)
	if ct := resp.Header.Get("Content-Type"); ct != "application/atom+xml" {
		t.Errorf("feed Content-Type = %q, want application/atom+xml", ct)
	}
	if !strings.HasPrefix(body, `<?xml version="1.0" encoding="utf-8"?>`) {
		t.Errorf("feed does not start with the XML declaration:\n%s", body)
	}
	var f atomFeed
	if err := xml.Unmarshal([]byte(body), &f); err != nil {
		t.Fatalf("feed: %v\n%s", err, body)
	}
	host := strings.TrimPrefix(b.url, "http://")
	if f.Title != blogTitle || f.Author != blogTitle || f.ID != "http://"+host+"/" {
		t.Errorf("feed title, author, id = %q, %q, %q", f.Title, f.Author, f.ID)
	}
	if len(f.Links) != 2 || f.Links[1].Rel != "self" || f.Links[1].Href != b.url+"/feed" {
		t.Errorf("feed links = %+v", f.Links)
	}
	if _, err := time.Parse(atomTime, f.Updated); err != nil {
		t.Errorf("feed updated: %v", err)
	}
	if len(f.Entries) != len(slugs) {
		t.Fatalf("feed has %d entries, want %d:\n%s", len(f.Entries), len(slugs), body)
	}
	for i, e := range f.Entries {
		want := "http://" + host + "/entry/" + slugs[i]
		if e.ID != want || e.Link.Href != want {
			t.Errorf("feed entry %d id, link = %q, %q, want %q", i, e.ID, e.Link.Href, want)
		}
		for _, ts := range []string{e.Updated, e.Published} {
			if _, err := time.Parse(atomTime, ts); err != nil {
				t.Errorf("feed entry %d: %v", i, err)
			}
		}
		if e.Content.Type != "xhtml" || !strings.Contains(e.Content.Div.Inner, "<em>emphasis</em>") {
			t.Errorf("feed entry %d content = %+v", i, e.Content)
		}
	}
	if f.Entries[0].Title != title {
		t.Errorf("feed entry title = %q, want %q", f.Entries[0].Title, title)
	}
}
