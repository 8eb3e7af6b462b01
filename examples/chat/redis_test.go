package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// redisServer is a redis-server of the test's own on a loopback port,
// without persistence.
type redisServer struct {
	t    *testing.T
	path string
	port int
	dir  string // its working folder, though it writes nothing there
	cmd  *exec.Cmd
}

// startRedis starts redis-server on a free loopback port, or skips the
// test when there is none (failing it instead under GOTORNADO_CI=1). It
// is stopped when the test ends.
func startRedis(t *testing.T) *redisServer {
	t.Helper()
	path, err := exec.LookPath("redis-server")
	if err != nil {
		if os.Getenv("GOTORNADO_CI") == "1" {
			t.Fatal("redis-server not found (GOTORNADO_CI=1)")
		}
		t.Skip("redis-server not found")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	r := &redisServer{t: t, path: path, port: port, dir: t.TempDir()}
	r.start()
	t.Cleanup(r.stop)
	return r
}

func (r *redisServer) addr() string { return "127.0.0.1:" + strconv.Itoa(r.port) }

// start runs the server and waits until it answers PING.
func (r *redisServer) start() {
	r.t.Helper()
	r.cmd = exec.Command(r.path, "--port", strconv.Itoa(r.port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--daemonize", "no", "--loglevel", "warning", "--dir", r.dir)
	if err := r.cmd.Start(); err != nil {
		r.t.Fatal(err)
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if r.ping() == nil {
			return
		}
		if time.Now().After(deadline) {
			r.t.Fatalf("redis-server on %s: no PONG within 10s", r.addr())
		}
	}
}

// ping sends PING on a connection of its own.
func (r *redisServer) ping() error {
	c, err := net.DialTimeout("tcp", r.addr(), time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(time.Second))
	if _, err := c.Write([]byte("PING\r\n")); err != nil {
		return err
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return err
	}
	if line != "+PONG\r\n" {
		return fmt.Errorf("PING answered %q", line)
	}
	return nil
}

// stop kills the server (SIGKILL: it goes away as a crash would) and
// waits for it.
func (r *redisServer) stop() {
	if r.cmd == nil {
		return
	}
	r.cmd.Process.Kill()
	r.cmd.Wait()
	r.cmd = nil
}

// startRedisChat serves a chat on Redis at addr, its bus closed when the
// test ends; its logs are recorded, not failed on.
func startRedisChat(t *testing.T, addr string) (*testChat, *RedisBus) {
	t.Helper()
	buf := NewMessageBuffer(cacheSize)
	log := &logRecorder{t: t}
	bus := NewRedisBus(buf, RedisConfig{Addr: addr, Logger: slog.New(log)})
	t.Cleanup(func() { bus.Close() })
	return startChat(t, 2, buf, bus, log), bus
}

// Two chat processes on one Redis are one room: a message posted on
// either reaches the long polls of the other, a cursor from one is known
// to the other, and a process started later finds the room's history. When
// Redis dies, posting still works in each process (its long polls get the
// message) with one error logged however often it tries again, and both
// keep serving; when it comes
// back on the same port the processes reconnect by themselves, the
// message posted during the outage reaches the other process, and
// messages cross again.
func TestRedisScaleOut(t *testing.T) {
	srv := startRedis(t)
	a, busA := startRedisChat(t, srv.addr())
	b, busB := startRedisChat(t, srv.addr())
	subscribed := func() bool { return busA.subscribed.Load() && busB.subscribed.Load() }
	waitFor(t, 10*time.Second, "both processes subscribed", subscribed)
	alice, bob := newClient(t, a.url), newClient(t, b.url)

	// A → B.
	poll := bob.pollAsync("")
	waitFor(t, 10*time.Second, "bob's poll waiting on B", func() bool { return b.buf.Waiting() == 1 })
	m1 := alice.say("hello from A")
	if got := receive(t, poll, 10*time.Second, "bob's poll on B"); len(got) != 1 || got[0] != m1 {
		t.Fatalf("bob's poll on B got %+v, want [%+v]", got, m1)
	}
	// B → A, with a cursor B gave.
	waitFor(t, 10*time.Second, "A holding its own message", func() bool { return a.buf.Has(m1.ID) })
	poll = alice.pollAsync(m1.ID)
	waitFor(t, 10*time.Second, "alice's poll waiting on A", func() bool { return a.buf.Waiting() == 1 })
	m2 := bob.say("hello from B")
	if got := receive(t, poll, 10*time.Second, "alice's poll on A"); len(got) != 1 || got[0] != m2 {
		t.Fatalf("alice's poll on A got %+v, want [%+v]", got, m2)
	}
	waitFor(t, 10*time.Second, "both processes holding both messages", func() bool {
		return slices.Equal(ids(a.buf.Messages()), []string{m1.ID, m2.ID}) && slices.Equal(ids(b.buf.Messages()), []string{m1.ID, m2.ID})
	})

	// The list in Redis holds the room.
	rc := redis.NewClient(&redis.Options{Addr: srv.addr(), Protocol: 2, DisableIdentity: true})
	defer rc.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if vals, err := rc.LRange(ctx, defaultRedisName, 0, -1).Result(); err != nil || len(vals) != 2 {
		t.Errorf("LRANGE %s = %d entries, %v; want 2", defaultRedisName, len(vals), err)
	}
	rc.Close()

	// A process started later has the history on its page.
	c, _ := startRedisChat(t, srv.addr())
	waitFor(t, 10*time.Second, "C loading the history", func() bool { return len(c.buf.Messages()) == 2 })
	if page := newClient(t, c.url).get("/", http.StatusOK); !strings.Contains(page, m1.HTML) || !strings.Contains(page, m2.HTML) {
		t.Errorf("C's page lacks the history:\n%s", page)
	}

	// Redis dies: A still takes messages, and its own long polls get them.
	srv.stop()
	poll = alice.pollAsync(m2.ID)
	waitFor(t, 10*time.Second, "alice's poll waiting on A", func() bool { return a.buf.Waiting() == 1 })
	m3 := alice.say("while redis is down")
	if got := receive(t, poll, 10*time.Second, "alice's poll on A with redis down"); len(got) != 1 || got[0] != m3 {
		t.Fatalf("alice's poll on A with redis down got %+v, want [%+v]", got, m3)
	}
	waitFor(t, 10*time.Second, "an error logged on A", func() bool { return a.log.count(slog.LevelError, "chat: redis at "+srv.addr()) > 0 })
	waitFor(t, 10*time.Second, "an error logged on B", func() bool { return b.log.count(slog.LevelError, "chat: redis at "+srv.addr()) > 0 })
	// The processes try again while Redis is away, logging no more.
	heldBack := func(bus *RedisBus) int {
		bus.errs.mu.Lock()
		defer bus.errs.mu.Unlock()
		return bus.errs.held
	}
	waitFor(t, 10*time.Second, "A trying again", func() bool { return heldBack(busA) >= 2 })
	if n := a.log.count(slog.LevelError, "chat: redis at "+srv.addr()); n != 1 {
		t.Errorf("A logged %d errors for the outage, want 1 (rate-limited)", n)
	}
	alice.get("/", http.StatusOK)
	bob.get("/", http.StatusOK)
	if b.buf.Has(m3.ID) {
		t.Fatalf("B holds %s, posted on A while redis was down", m3.ID)
	}
	waitFor(t, 10*time.Second, "both processes noticing the lost subscription", func() bool {
		return !busA.subscribed.Load() && !busB.subscribed.Load()
	})

	// Redis comes back on the same port: the processes reconnect, A's
	// outbox reaches B, and messages cross again.
	srv.start()
	waitFor(t, 20*time.Second, "both processes subscribed again", subscribed)
	waitFor(t, 10*time.Second, "the message posted during the outage reaching B", func() bool { return b.buf.Has(m3.ID) })
	poll = alice.pollAsync(m3.ID)
	waitFor(t, 10*time.Second, "alice's poll waiting on A", func() bool { return a.buf.Waiting() == 1 })
	m4 := bob.say("redis is back")
	if got := receive(t, poll, 10*time.Second, "alice's poll on A after the restart"); len(got) != 1 || got[0] != m4 {
		t.Fatalf("alice's poll on A after the restart got %+v, want [%+v]", got, m4)
	}
	for name, chat := range map[string]*testChat{"A": a, "B": b} {
		if chat.log.count(slog.LevelInfo, "answers again") == 0 {
			t.Errorf("%s did not log that redis answers again", name)
		}
	}
}

// A cursor this process has not seen yet — its message is in Redis, not
// yet here — is looked up in Redis's list rather than answered with the
// whole cache.
func TestRedisCursorFromAnotherProcess(t *testing.T) {
	srv := startRedis(t)
	a, bus := startRedisChat(t, srv.addr())
	waitFor(t, 10*time.Second, "subscribed", bus.subscribed.Load)
	c := newClient(t, a.url)
	m1 := c.say("one")
	waitFor(t, 10*time.Second, "A holding its message", func() bool { return a.buf.Has(m1.ID) })

	// Another process's message, written to the list without being
	// published: only Sync can find it.
	other := Message{ID: newMessageID(), Body: "from elsewhere", HTML: "<div>from elsewhere</div>"}
	rc := redis.NewClient(&redis.Options{Addr: srv.addr(), Protocol: 2, DisableIdentity: true})
	defer rc.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	data, err := json.Marshal(other)
	if err != nil {
		t.Fatal(err)
	}
	if err := rc.RPush(ctx, defaultRedisName, data).Err(); err != nil {
		t.Fatal(err)
	}
	rc.Close()

	poll := c.pollAsync(other.ID)
	waitFor(t, 10*time.Second, "the poll at the other process's cursor waiting", func() bool { return a.buf.Waiting() == 1 })
	if !a.buf.Has(other.ID) {
		t.Fatal("the cursor's message was not read from redis")
	}
	m2 := c.say("two")
	if got := receive(t, poll, 10*time.Second, "the poll"); !slices.Equal(ids(got), []string{m2.ID}) {
		t.Errorf("the poll got %v, want [%s]", ids(got), m2.ID)
	}
}
