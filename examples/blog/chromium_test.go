package main

import (
	"context"
	"encoding/xml"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// chromiumPath returns the Chromium to drive, or skips the test when there
// is none (failing it instead under GOTORNADO_CI=1).
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("GOTORNADO_CI") == "1" {
		t.Fatal("chromium not found (GOTORNADO_CI=1)")
	}
	t.Skip("chromium not found")
	return ""
}

// browser drives one headless Chromium tab against a test blog.
type browser struct {
	t    *testing.T
	ctx  context.Context
	base string
}

// newBrowser starts headless Chromium for the test, stopped when parent
// is done. Every host name but the loopback address fails to resolve, so
// the pages can reach nothing outside the machine.
func newBrowser(t *testing.T, parent context.Context, base string) *browser {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.Headless,
		chromedp.DisableGPU,
		chromedp.Flag("host-resolver-rules", "MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"),
	)
	if os.Geteuid() == 0 {
		opts = append(opts, chromedp.NoSandbox) // Chromium's sandbox refuses to run as root
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(parent, opts...)
	t.Cleanup(cancelAlloc)
	tabCtx, cancelTab := chromedp.NewContext(allocCtx)
	t.Cleanup(cancelTab)
	return &browser{t: t, ctx: tabCtx, base: base}
}

// do runs actions that do not navigate.
func (b *browser) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, steps...); err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
}

// navigating runs actions that load a page (a click on a link or a
// submit button) and checks that the page they end on, after any
// redirects, is wantPath (with its query) and answered 200.
func (b *browser) navigating(what, wantPath string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	resp, err := chromedp.RunResponse(b.ctx, steps...)
	if err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
	loc, err := chromedp.Run(b.ctx, chromedp.Location())
	if err != nil {
		b.t.Fatalf("%s: location: %v", what, err)
	}
	u, err := url.Parse(loc)
	if err != nil {
		b.t.Fatalf("%s: location %q: %v", what, loc, err)
	}
	if got := u.RequestURI(); got != wantPath || resp.Status != 200 {
		b.t.Fatalf("%s: ended on %s with status %d, want %s with 200", what, got, resp.Status, wantPath)
	}
}

// text returns the text of the first element matching sel.
func (b *browser) text(sel string) string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Text(sel))
	if err != nil {
		b.t.Fatalf("text of %s: %v", sel, err)
	}
	return s
}

// eval evaluates a JavaScript expression whose value is a string,
// awaiting it if it is a promise.
func (b *browser) eval(js string) string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](js, chromedp.EvalAwaitPromise))
	if err != nil {
		b.t.Fatalf("evaluating %s: %v", js, err)
	}
	return s
}

// TestChromium walks the blog in headless Chromium as its author would:
// create the account, log out and in again (a wrong password first),
// publish a post written in Markdown, find it on the home page, in the
// archive and in the feed, edit it, and log out.
// Everything runs within one minute.
func TestChromium(t *testing.T) {
	chromiumPath(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for _, db := range testDatabases() {
		t.Run(db.name, func(t *testing.T) {
			blog := startBlog(t, db.dsn(t), "httpserver")
			chromiumJourney(t, newBrowser(t, ctx, blog.url))
		})
	}
}

func chromiumJourney(t *testing.T, b *browser) {
	b.navigating("the first visit", "/auth/create", chromedp.Navigate(b.base+"/"))
	if bg := b.eval(`getComputedStyle(document.querySelector("#header")).backgroundColor`); bg != "rgb(59, 89, 152)" {
		t.Errorf("the header's background is %q: blog.css not applied", bg)
	}
	b.do("filling in the sign-up form",
		chromedp.SendKeys(`input[name="email"]`, "ada@example.com"),
		chromedp.SendKeys(`input[name="name"]`, "Ada"),
		chromedp.SendKeys(`input[name="password"]`, "correct horse"))
	// No entries yet: "/" sends to /compose.
	b.navigating("signing up", "/compose", chromedp.Click(`input[type="submit"]`))

	b.navigating("signing out", "/auth/login?next=%2Fcompose", chromedp.Click(`a[href^="/auth/logout"]`))
	b.do("a wrong password",
		chromedp.SendKeys(`input[name="email"]`, "ada@example.com"),
		chromedp.SendKeys(`input[name="password"]`, "wrong horse"))
	b.navigating("logging in with a wrong password", "/auth/login", chromedp.Click(`input[type="submit"]`))
	if got := b.text(`#content span`); got != "Error: incorrect password" {
		t.Errorf("the login error is %q", got)
	}
	b.do("the right password",
		chromedp.SendKeys(`input[name="email"]`, "ada@example.com"),
		chromedp.SendKeys(`input[name="password"]`, "correct horse"))
	b.navigating("logging in", "/compose", chromedp.Click(`input[type="submit"]`))

	b.do("writing a post",
		chromedp.SendKeys(`input[name="title"]`, "Hello from Chromium"),
		chromedp.SendKeys(`textarea[name="markdown"]`, "Some *Markdown* with a [link](/archive)."))
	b.navigating("publishing", "/entry/hello-from-chromium", chromedp.Click(`input[type="submit"]`))
	if got := b.text(`.entry .body em`); got != "Markdown" {
		t.Errorf("the post's <em> is %q", got)
	}

	b.navigating("the home page", "/", chromedp.Navigate(b.base+"/"))
	if got := b.text(`.entry h1 a`); got != "Hello from Chromium" {
		t.Errorf("the home page's first title is %q", got)
	}
	b.navigating("the archive", "/archive", chromedp.Click(`a[href="/archive"]`))
	if got := b.text(`ul.archive .title a`); got != "Hello from Chromium" {
		t.Errorf("the archive's first title is %q", got)
	}
	var f atomFeed
	if err := xml.Unmarshal([]byte(b.eval(`fetch("/feed").then(r => r.text())`)), &f); err != nil {
		t.Fatalf("the feed: %v", err)
	}
	if len(f.Entries) != 1 || f.Entries[0].Title != "Hello from Chromium" || !strings.Contains(f.Entries[0].Content.Div.Inner, "<em>Markdown</em>") {
		t.Errorf("the feed's entries are %+v", f.Entries)
	}

	b.navigating("the post", "/entry/hello-from-chromium", chromedp.Click(`a[href="/entry/hello-from-chromium"]`))
	edit := b.eval(`document.querySelector(".admin a").getAttribute("href")`)
	if !strings.HasPrefix(edit, "/compose?id=") {
		t.Fatalf("the edit link is %q", edit)
	}
	b.navigating("editing", edit, chromedp.Click(`.admin a`))
	if got := b.eval(`document.querySelector('input[name="title"]').value`); got != "Hello from Chromium" {
		t.Errorf("the edit form's title is %q", got)
	}
	if got := b.eval(`document.querySelector('textarea[name="markdown"]').value`); got != "Some *Markdown* with a [link](/archive)." {
		t.Errorf("the edit form's Markdown is %q", got)
	}
	b.do("changing the title", chromedp.SetValue(`input[name="title"]`, "Edited in Chromium"))
	b.navigating("saving", "/entry/hello-from-chromium", chromedp.Click(`input[type="submit"]`))
	if got := b.text(`.entry h1 a`); got != "Edited in Chromium" {
		t.Errorf("the edited post's title is %q", got)
	}

	b.navigating("signing out", "/entry/hello-from-chromium", chromedp.Click(`a[href^="/auth/logout"]`))
	if got := b.eval(`String(document.querySelectorAll(".admin").length)`); got != "0" {
		t.Errorf("%s edit links after signing out", got)
	}
	if got := b.text(`#header div`); !strings.Contains(got, "Sign in") {
		t.Errorf("the header after signing out says %q", got)
	}
}
