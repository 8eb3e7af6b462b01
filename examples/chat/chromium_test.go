package main

import (
	"context"
	"os"
	"os/exec"
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

// tab is one page of a headless Chromium.
type tab struct {
	t    *testing.T
	name string
	ctx  context.Context
}

// do runs steps in the tab.
func (p *tab) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	if err := chromedp.Do(p.ctx, steps...); err != nil {
		p.t.Fatalf("%s: %s: %v", p.name, what, err)
	}
}

// eval evaluates a JavaScript expression whose value is a string.
func (p *tab) eval(js string) string {
	p.t.Helper()
	s, err := chromedp.Run(p.ctx, chromedp.Evaluate[string](js))
	if err != nil {
		p.t.Fatalf("%s: evaluating %s: %v", p.name, js, err)
	}
	return s
}

// waitJS waits until the JavaScript expression is true, for at most 10s.
func (p *tab) waitJS(what, js string) {
	p.t.Helper()
	if _, err := chromedp.Run(p.ctx, chromedp.Poll[bool](js, chromedp.WithPollingTimeout(10*time.Second))); err != nil {
		p.t.Fatalf("%s: waiting for %s (%s): %v", p.name, what, js, err)
	}
}

// messages is the expression counting the inbox's messages whose text is
// exactly s (a JavaScript string literal).
func messages(s string) string {
	return `Array.from(document.querySelectorAll("#inbox .message")).filter(e => e.textContent === ` + s + `).length`
}

// TestChromium has two pages of headless Chromium chat through the demo's
// page and script: what one sends, the other shows, and back; each shows
// every message once; a message's HTML is escaped and its URL linked; a
// page loaded afterwards shows the history.
func TestChromium(t *testing.T) {
	chromium := chromiumPath(t)
	chat := startChat(t, 2, nil, nil, nil)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium),
		chromedp.Headless,
		chromedp.DisableGPU,
		// Every host name but the loopback address fails to resolve: the
		// pages reach nothing outside the machine.
		chromedp.Flag("host-resolver-rules", "MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"),
	)
	if os.Geteuid() == 0 {
		opts = append(opts, chromedp.NoSandbox) // Chromium's sandbox refuses to run as root
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	defer cancelAlloc()
	ctxA, cancelA := chromedp.NewContext(allocCtx)
	defer cancelA()
	a := &tab{t: t, name: "page A", ctx: ctxA}
	a.do("loading the page", chromedp.Navigate(chat.url+"/"))
	ctxB, cancelB := chromedp.NewContext(ctxA) // a second tab of the same browser
	defer cancelB()
	b := &tab{t: t, name: "page B", ctx: ctxB}
	b.do("loading the page", chromedp.Navigate(chat.url+"/"))

	if pos := a.eval(`getComputedStyle(document.querySelector("#body")).position`); pos != "absolute" {
		t.Errorf("#body's position is %q: chat.css not applied", pos)
	}
	waitFor(t, 10*time.Second, "both pages' long polls waiting", func() bool { return chat.buf.Waiting() == 2 })

	a.do("sending", chromedp.SendKeys("#message", "hello from A"), chromedp.Click(`input[type="submit"]`))
	b.waitJS("A's message", messages(`"hello from A"`)+` === 1`)
	a.waitJS("its own message", messages(`"hello from A"`)+` === 1`)
	a.waitJS("the input emptied", `document.querySelector("#message").value === ""`)

	b.do("sending with Enter", chromedp.SendKeys("#message", "hello from B\r"))
	a.waitJS("B's message", messages(`"hello from B"`)+` === 1`)
	b.waitJS("its own message", messages(`"hello from B"`)+` === 1`)

	a.do("sending HTML and a URL", chromedp.SendKeys("#message", "<b>bold</b> see www.example.com"), chromedp.Click(`input[type="submit"]`))
	b.waitJS("the escaped message", messages(`"<b>bold</b> see www.example.com"`)+` === 1`)
	if got := b.eval(`document.querySelector("#inbox").querySelectorAll("b").length + " " + document.querySelector("#inbox .message:last-child a").href`); got != "0 http://www.example.com/" {
		t.Errorf("the last message has %q <b> elements and link; want 0 and http://www.example.com/", got)
	}

	// Each page shows each message once, after its long poll has come
	// back with them (both wait again).
	waitFor(t, 10*time.Second, "both pages' long polls waiting again", func() bool { return chat.buf.Waiting() == 2 })
	for _, p := range []*tab{a, b} {
		if n := p.eval(`String(document.querySelectorAll("#inbox .message").length)`); n != "3" {
			t.Errorf("%s shows %s messages, want 3", p.name, n)
		}
	}

	// A page loaded now shows the history, rendered by the server, and
	// its first poll (without a cursor, answered with everything) adds
	// nothing twice.
	b.do("reloading", chromedp.Navigate(chat.url+"/"))
	b.waitJS("the first poll answered", `updater.cursor !== null`)
	if n := b.eval(`String(document.querySelectorAll("#inbox .message").length)`); n != "3" {
		t.Errorf("the reloaded page shows %s messages, want 3", n)
	}
	a.do("sending after B's reload", chromedp.SendKeys("#message", "welcome back"), chromedp.Click(`input[type="submit"]`))
	b.waitJS("the message after the reload", messages(`"welcome back"`)+` === 1`)
}
