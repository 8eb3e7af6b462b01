package web

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"
)

// The secrets the live Tornado server of testdata/tornado_interop_server.py
// is started with.
const interopSecret = "interop secret, shared with Tornado"

var (
	interopSecrets    = map[int]string{1: "interop key one", 2: "interop key two", 9: "interop key nine"}
	interopKeyVersion = 2
)

// tornadoServer is a running testdata/tornado_interop_server.py.
type tornadoServer struct {
	single, keyed string // base URLs: the single secret's app, the key versions' app
	client        *http.Client
}

// requireTornado skips the test when /usr/bin/python3 cannot import
// tornado, unless GOTORNADO_CI=1, where it fails.
func requireTornado(t *testing.T) string {
	t.Helper()
	const python = "/usr/bin/python3"
	out, err := exec.Command(python, "-c", "import tornado.web; print(tornado.version)").CombinedOutput()
	if err != nil {
		msg := fmt.Sprintf("python3 with tornado is not available (%v: %s)", err, bytes.TrimSpace(out))
		if os.Getenv("GOTORNADO_CI") == "1" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return python
}

// lockedBuffer collects the server's stderr, written by exec's goroutine.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// startTornado runs the Tornado server until the test ends.
func startTornado(t *testing.T) *tornadoServer {
	t.Helper()
	python := requireTornado(t)
	secrets := map[string]string{}
	for k, v := range interopSecrets {
		secrets[fmt.Sprint(k)] = v
	}
	conf, _ := json.Marshal(map[string]any{"secret": interopSecret, "secrets": secrets, "key_version": interopKeyVersion})
	cmd := exec.Command(python, "-u", "testdata/tornado_interop_server.py", string(conf))
	stderr := new(lockedBuffer)
	cmd.Stderr = stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	client := &http.Client{
		Transport:     &http.Transport{},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	t.Cleanup(func() {
		client.CloseIdleConnections()
		cmd.Process.Kill()
		cmd.Wait()
		if t.Failed() {
			t.Logf("Tornado's stderr:\n%s", stderr.String())
		}
	})
	ready := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(stdout).ReadString('\n')
		ready <- line
	}()
	var line string
	select {
	case line = <-ready:
	case <-time.After(30 * time.Second):
		t.Fatalf("the Tornado server did not start; stderr:\n%s", stderr.String())
	}
	var p1, p2 int
	if _, err := fmt.Sscanf(line, "READY %d %d", &p1, &p2); err != nil {
		t.Fatalf("the Tornado server said %q (%v); stderr:\n%s", line, err, stderr.String())
	}
	return &tornadoServer{
		single: fmt.Sprintf("http://127.0.0.1:%d", p1),
		keyed:  fmt.Sprintf("http://127.0.0.1:%d", p2),
		client: client,
	}
}

// verify asks Tornado to verify signed under name (get_secure_cookie with
// a value): the value (nil for None) and the key version (nil for None).
func (ts *tornadoServer) verify(t *testing.T, base, name, signed string) ([]byte, *int) {
	t.Helper()
	form := url.Values{"name": {name}, "signed": {signed}}.Encode()
	resp, body := fetch(t, ts.client, "POST", base+"/verify", form, "Content-Type", "application/x-www-form-urlencoded")
	if resp.StatusCode != 200 {
		t.Fatalf("Tornado /verify = %d %q", resp.StatusCode, body)
	}
	return ts.decodeAnswer(t, body)
}

func (ts *tornadoServer) decodeAnswer(t *testing.T, body string) ([]byte, *int) {
	t.Helper()
	var out struct {
		ValueB64   *string `json:"value_b64"`
		KeyVersion *int    `json:"key_version"`
	}
	if err := json.Unmarshal([]byte(body), &out); err != nil {
		t.Fatalf("Tornado answered %q: %v", body, err)
	}
	if out.ValueB64 == nil {
		return nil, out.KeyVersion
	}
	return unb64(t, *out.ValueB64), out.KeyVersion
}

// sign asks Tornado's RequestHandler.create_signed_value to sign value.
func (ts *tornadoServer) sign(t *testing.T, base, name, value string, version int) string {
	t.Helper()
	form := url.Values{"name": {name}, "value_b64": {base64.StdEncoding.EncodeToString([]byte(value))}, "version": {fmt.Sprint(version)}}.Encode()
	resp, body := fetch(t, ts.client, "POST", base+"/sign", form, "Content-Type", "application/x-www-form-urlencoded")
	if resp.StatusCode != 200 {
		t.Fatalf("Tornado /sign = %d %q", resp.StatusCode, body)
	}
	return body
}

var interopValues = []string{"alice", "", "a|b|c", "héllo 世界", "\x00\xff binary", `{"id": 42, "name": "x=y; z"}`, strings.Repeat("long ", 300)}

// Values signed here verify in Tornado and the other way round, in both
// formats and with key versions.
func TestTornadoInteropSignedValues(t *testing.T) {
	ts := startTornado(t)
	for _, version := range []int{1, 2} {
		for _, v := range interopValues {
			s, err := CreateSignedValue(interopSecret, "user", v, SignedValueOptions{Version: version})
			if err != nil {
				t.Fatal(err)
			}
			got, kv := ts.verify(t, ts.single, "user", s)
			if got == nil || string(got) != v {
				t.Errorf("Tornado read Go's v%d value %q as %q", version, s, got)
			}
			if (version == 2) != (kv != nil && *kv == 0) {
				t.Errorf("Tornado reads key version %v in Go's v%d value %q", kv, version, s)
			}
			if got, _ := ts.verify(t, ts.single, "other", s); got != nil {
				t.Errorf("Tornado read Go's value under another name: %q", got)
			}
			tampered := s[:len(s)-1] + string("10"[s[len(s)-1]&1])
			if got, _ := ts.verify(t, ts.single, "user", tampered); got != nil {
				t.Errorf("Tornado read a tampered value %q as %q", tampered, got)
			}

			tv := ts.sign(t, ts.single, "user", v, version)
			back, err := DecodeSignedValue(interopSecret, "user", tv)
			if err != nil || string(back) != v {
				t.Errorf("Go read Tornado's v%d value %q as %q, %v; want %q", version, tv, back, err, v)
			}
			if _, err := DecodeSignedValue(interopSecret, "user", tv, SignedValueOptions{MinVersion: 2}); (version == 1) != (err != nil) {
				t.Errorf("MinVersion 2 on Tornado's v%d value: %v", version, err)
			}
		}
	}
	for kv := range interopSecrets {
		s, err := CreateSignedValue("", "user", "bob", SignedValueOptions{Secrets: interopSecrets, KeyVersion: kv})
		if err != nil {
			t.Fatal(err)
		}
		got, gotKV := ts.verify(t, ts.keyed, "user", s)
		if string(got) != "bob" || gotKV == nil || *gotKV != kv {
			t.Errorf("Tornado read Go's value of key %d as %q, key %v", kv, got, gotKV)
		}
	}
	tv := ts.sign(t, ts.keyed, "user", "carol", 2)
	if back, err := DecodeSignedValue("", "user", tv, SignedValueOptions{Secrets: interopSecrets}); err != nil || string(back) != "carol" {
		t.Errorf("Go read Tornado's keyed value %q as %q, %v", tv, back, err)
	}
	if k, ok := SignatureKeyVersion(tv); !ok || k != interopKeyVersion {
		t.Errorf("SignatureKeyVersion(%q) = %d, %v; want %d", tv, k, ok, interopKeyVersion)
	}
}

// rawSetCookie returns the "name=value" of the Set-Cookie for name, as
// sent (quotes included), ready for a Cookie header.
func rawSetCookie(t *testing.T, resp *http.Response, name string) string {
	t.Helper()
	for _, line := range resp.Header.Values("Set-Cookie") {
		if strings.HasPrefix(line, name+"=") {
			pair, _, _ := strings.Cut(line, ";")
			return pair
		}
	}
	t.Fatalf("no Set-Cookie for %s in %q", name, resp.Header.Values("Set-Cookie"))
	return ""
}

// Signed cookies set by one side, sent back by a client as a browser
// would, are read by the other side.
func TestTornadoInteropSignedCookies(t *testing.T) {
	ts := startTornado(t)
	for _, keyed := range []bool{false, true} {
		settings, _ := quietSettings(t)
		tornadoBase := ts.single
		if keyed {
			settings.CookieSecrets, settings.KeyVersion = interopSecrets, 9
			tornadoBase = ts.keyed
		} else {
			settings.CookieSecret = interopSecret
		}
		goBase := serveLoop(t, cookieApp(settings, SignedCookieOptions{}))
		for _, v := range interopValues {
			v64 := url.QueryEscape(base64.StdEncoding.EncodeToString([]byte(v)))
			resp, _ := fetch(t, ts.client, "GET", goBase+"/set?v64="+v64, "")
			cookie := rawSetCookie(t, resp, "user")
			resp, body := fetch(t, ts.client, "GET", tornadoBase+"/getcookie?name=user", "", "Cookie", cookie)
			got, kv := ts.decodeAnswer(t, body)
			if resp.StatusCode != 200 || got == nil || string(got) != v {
				t.Errorf("keyed %v: Tornado read Go's cookie %s as %q, want %q", keyed, cookie, got, v)
			}
			if keyed && (kv == nil || *kv != 9) {
				t.Errorf("Tornado reads key version %v in Go's cookie %s", kv, cookie)
			}

			resp, _ = fetch(t, ts.client, "GET", tornadoBase+"/setcookie?name=user&value_b64="+v64, "")
			cookie = rawSetCookie(t, resp, "user")
			if _, body := fetch(t, ts.client, "GET", goBase+"/get", "", "Cookie", cookie); body != "value "+v {
				t.Errorf("keyed %v: Go read Tornado's cookie %s as %q, want %q", keyed, cookie, body, "value "+v)
			}
		}
	}
}

// XSRF tokens and cookies made by one side are accepted by the other's
// check, in both versions; forged ones are refused by both.
func TestTornadoInteropXSRF(t *testing.T) {
	ts := startTornado(t)
	settings, _ := quietSettings(t)
	goBase := serveLoop(t, xsrfApp(settings))
	v1Settings, _ := quietSettings(t)
	v1Settings.XSRFCookieVersion = 1
	goV1Base := serveLoop(t, xsrfApp(v1Settings))
	const form = "application/x-www-form-urlencoded"

	post := func(base, path, cookie, token string) int {
		t.Helper()
		resp, _ := fetch(t, ts.client, "POST", base+path, url.Values{"_xsrf": {token}}.Encode(), "Content-Type", form, "Cookie", cookie)
		return resp.StatusCode
	}
	token := func(base, cookie string) (string, string) {
		t.Helper()
		var header []string
		if cookie != "" {
			header = []string{"Cookie", cookie}
		}
		resp, body := fetch(t, ts.client, "GET", base+"/token", "", header...)
		if resp.StatusCode != 200 {
			t.Fatalf("GET %s/token = %d", base, resp.StatusCode)
		}
		if cookie == "" {
			cookie = rawSetCookie(t, resp, "_xsrf")
		}
		return body, cookie
	}

	for _, tornadoBase := range []string{ts.single, ts.keyed} { // versions 2 and 1
		tTok, tCookie := token(tornadoBase, "")
		if code := post(goBase, "/", tCookie, tTok); code != 200 {
			t.Errorf("Go refused Tornado's token %q with its cookie %s: %d", tTok, tCookie, code)
		}
		resp, _ := fetch(t, ts.client, "POST", goBase+"/", "", "Cookie", tCookie, "X-Xsrftoken", tTok)
		if resp.StatusCode != 200 {
			t.Errorf("Go refused Tornado's token in X-Xsrftoken: %d", resp.StatusCode)
		}
		for _, base := range []string{goBase, goV1Base} {
			gTok, _ := token(base, tCookie) // Tornado's raw token, masked by Go
			if code := post(tornadoBase, "/form", tCookie, gTok); code != 200 {
				t.Errorf("Tornado refused Go's token %q for its own cookie %s: %d", gTok, tCookie, code)
			}
		}
	}
	for _, base := range []string{goBase, goV1Base} {
		gTok, gCookie := token(base, "")
		tTok, _ := token(ts.single, "")
		for _, tornadoBase := range []string{ts.single, ts.keyed} {
			if code := post(tornadoBase, "/form", gCookie, gTok); code != 200 {
				t.Errorf("Tornado refused Go's token %q with Go's cookie %s: %d", gTok, gCookie, code)
			}
			if code := post(tornadoBase, "/form", gCookie, tTok); code != 403 {
				t.Errorf("Tornado accepted another raw token with Go's cookie: %d", code)
			}
		}
		tTok2, tCookie2 := token(ts.keyed, gCookie) // Go's raw token, masked by Tornado
		if code := post(base, "/", gCookie, tTok2); code != 200 {
			t.Errorf("Go refused Tornado's token %q for Go's cookie %s: %d", tTok2, tCookie2, code)
		}
		if code := post(base, "/", gCookie, tTok); code != 403 {
			t.Errorf("Go accepted another raw token: %d", code)
		}
	}
}
