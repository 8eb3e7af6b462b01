package main

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/maintnotifications"
)

// defaultRedisName is the default name of the list of recent messages and
// of the pub/sub channel of new ones (a list's key and a channel do not
// share a namespace).
const defaultRedisName = "chat:messages"

// The RedisBus's timings.
const (
	redisTimeout        = 2 * time.Second        // dialing, and each command
	redisHealthInterval = 5 * time.Second        // a subscription silent this long is pinged
	retryMin            = 100 * time.Millisecond // first wait before trying again after a failure
	retryMax            = 2 * time.Second        // longest wait between tries
)

// ErrRedisDown is returned by RedisBus.Sync while the server is known to
// be unreachable: the local buffer answers meanwhile.
var ErrRedisDown = errors.New("chat: redis is unreachable")

// RedisConfig configures a RedisBus.
type RedisConfig struct {
	Addr    string       // host:port of the server
	Key     string       // the list of recent messages; "" means "chat:messages"
	Channel string       // the channel of new messages; "" means "chat:messages"
	Logger  *slog.Logger // nil means slog.Default()
}

// RedisBus makes every chat process using one Redis server one room.
//
// Each new message is pushed, in one MULTI/EXEC transaction, onto a list
// keeping the room's last messages, as many as the buffer holds (RPUSH,
// LTRIM), and published on a pub/sub channel. Every process subscribes to
// the channel and adds what arrives to its buffer, waking its long polls;
// a process gets its own messages that way too, so while Redis is up
// every process holds the messages in the order Redis took them, and a
// cursor means the same on each. The list is read when the subscription is made or made again, and
// by Sync when a long poll brings a cursor this process does not know: a
// process that starts late or missed messages catches up.
//
// When Redis goes away, the chat keeps serving from each process's buffer:
//
//   - a message that cannot be published is added to the local buffer at
//     once (the process's own long polls get it) and kept in an outbox as
//     large as the buffer, the oldest dropped first;
//   - the outbox is published, in order, as soon as Redis answers again,
//     and the other processes then receive those messages, after what
//     they have;
//   - each process reads the list again when its subscription comes back;
//   - what the outbox holds when the process exits is lost, and a Redis
//     restarted without persistence starts with an empty list, refilled
//     by new messages (each process keeps its own cache meanwhile).
//
// Failures are logged at most once per errorLogInterval, and the return of
// the server once. go-redis's PubSub redials on each receive; the bus
// waits between tries, from retryMin up to retryMax.
type RedisBus struct {
	buf             *MessageBuffer
	addr            string
	key, channel    string
	client          *redis.Client
	ctx             context.Context // ends at Close
	stop            context.CancelFunc
	wg              sync.WaitGroup // the publisher and the subscriber
	kick            chan struct{}  // the outbox has messages
	errs, malformed errorLog
	down            atomic.Bool // the last command or the subscription failed
	subscribed      atomic.Bool // the subscription is up: own messages come back on it

	mu     sync.Mutex
	outbox []Message     // not yet published, oldest first
	ps     *redis.PubSub // the subscription now
	closed bool
}

var (
	_ Bus    = (*RedisBus)(nil)
	_ Syncer = (*RedisBus)(nil)
)

// NewRedisBus returns a bus delivering the room's messages to buf, and
// starts its two goroutines: one publishes the outbox, one receives from
// the subscription. It does not wait for the server: a first failure is
// logged and tried again. Close stops them.
func NewRedisBus(buf *MessageBuffer, cfg RedisConfig) *RedisBus {
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	r := &RedisBus{
		buf:       buf,
		addr:      cfg.Addr,
		key:       cmp.Or(cfg.Key, defaultRedisName),
		channel:   cmp.Or(cfg.Channel, defaultRedisName),
		kick:      make(chan struct{}, 1),
		errs:      errorLog{log: log},
		malformed: errorLog{log: log},
		client: redis.NewClient(&redis.Options{
			Addr:                     cfg.Addr,
			Protocol:                 2,    // RESP2: plain pub/sub replies, any server version
			DisableIdentity:          true, // no CLIENT SETINFO
			MaintNotificationsConfig: &maintnotifications.Config{Mode: maintnotifications.ModeDisabled},
			DialTimeout:              redisTimeout,
			DialerRetries:            1,
			ReadTimeout:              redisTimeout,
			WriteTimeout:             redisTimeout,
			MaxRetries:               -1, // the bus tries again itself, and reports each failure at once
			PoolSize:                 4,
		}),
	}
	r.ctx, r.stop = context.WithCancel(context.Background())
	r.wg.Add(2)
	go r.publishLoop()
	go r.subscribeLoop()
	return r
}

// Publish queues m for Redis and returns at once. While Redis is known to
// be down m goes to the local buffer at once as well. Safe for concurrent
// use.
func (r *RedisBus) Publish(m Message) {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return
	}
	dropped := len(r.outbox) == r.buf.size
	if dropped {
		r.outbox = append(r.outbox[:0], r.outbox[1:]...)
	}
	r.outbox = append(r.outbox, m)
	r.mu.Unlock()
	if dropped {
		r.errs.failed(fmt.Sprintf("chat: redis at %s: outbox full; the oldest unpublished message stays in this process only", r.addr), ErrRedisDown)
	}
	if r.down.Load() {
		r.buf.Add(m)
	}
	select {
	case r.kick <- struct{}{}:
	default:
	}
}

// publishLoop publishes the outbox whenever it has messages, trying again
// after a failure. It runs on a goroutine of its own until Close.
func (r *RedisBus) publishLoop() {
	defer r.wg.Done()
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	timer.Stop()
	var retry time.Duration // 0: wait for a message
	for {
		var again <-chan time.Time
		if retry > 0 {
			timer.Reset(retry)
			again = timer.C
		}
		select {
		case <-r.ctx.Done():
			return
		case <-r.kick:
		case <-again:
		}
		timer.Stop()
		batch := r.pending()
		if len(batch) == 0 {
			retry = 0
			continue
		}
		if err := r.push(batch); err != nil {
			if r.ctx.Err() != nil {
				return
			}
			r.buf.Merge(batch) // this process's long polls need not wait for Redis
			r.fail("publishing", err)
			retry = nextRetry(retry)
			continue
		}
		r.published(batch)
		if !r.subscribed.Load() {
			r.buf.Merge(batch) // they will not come back on the subscription
		}
		r.ok()
		retry = 0
	}
}

// pending returns a copy of the outbox.
func (r *RedisBus) pending() []Message {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Message(nil), r.outbox...)
}

// published takes the messages of batch out of the outbox (Publish may
// have dropped some meanwhile, or added others).
func (r *RedisBus) published(batch []Message) {
	done := make(map[string]bool, len(batch))
	for _, m := range batch {
		done[m.ID] = true
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	kept := r.outbox[:0]
	for _, m := range r.outbox {
		if !done[m.ID] {
			kept = append(kept, m)
		}
	}
	clear(r.outbox[len(kept):])
	r.outbox = kept
}

// push appends batch to the list, trims it, and publishes each message, in
// one transaction: the list's order and the order every subscriber gets
// the messages in are the same.
func (r *RedisBus) push(batch []Message) error {
	ctx, cancel := context.WithTimeout(r.ctx, redisTimeout)
	defer cancel()
	_, err := r.client.TxPipelined(ctx, func(p redis.Pipeliner) error {
		for _, m := range batch {
			data, err := json.Marshal(m)
			if err != nil {
				return err
			}
			p.RPush(ctx, r.key, data)
			p.Publish(ctx, r.channel, data)
		}
		p.LTrim(ctx, r.key, -int64(r.buf.size), -1)
		return nil
	})
	return err
}

// Sync reads the list and merges into the buffer the messages it lacks.
// While Redis is known to be down it returns ErrRedisDown at once. Safe
// for concurrent use; it blocks for a round trip.
func (r *RedisBus) Sync(ctx context.Context) error {
	if r.down.Load() {
		return ErrRedisDown
	}
	return r.load(ctx)
}

// load is Sync without the check.
func (r *RedisBus) load(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, redisTimeout)
	defer cancel()
	vals, err := r.client.LRange(ctx, r.key, 0, -1).Result()
	if err != nil {
		return err
	}
	msgs := make([]Message, 0, len(vals))
	for _, v := range vals {
		if m, ok := r.decode(v); ok {
			msgs = append(msgs, m)
		}
	}
	r.buf.Merge(msgs)
	return nil
}

// decode parses a message from the list or the channel; a malformed one
// is logged (rate-limited) and skipped.
func (r *RedisBus) decode(s string) (Message, bool) {
	m, err := decodeMessage(s)
	if err != nil {
		r.malformed.failed(fmt.Sprintf("chat: redis at %s: skipping a malformed message of %s", r.addr, r.key), err)
		return Message{}, false
	}
	return m, true
}

// errNoID is decodeMessage's error for a message without an id.
var errNoID = errors.New("chat: message without an id")

// decodeMessage parses a message's JSON, as push writes it. Anyone who can
// write to the Redis server can write there, so it is checked: a JSON
// object whose id is not empty.
func decodeMessage(s string) (Message, error) {
	var m Message
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		return Message{}, fmt.Errorf("chat: malformed message: %w", err)
	}
	if m.ID == "" {
		return Message{}, errNoID
	}
	return m, nil
}

// subscribeLoop receives the channel's messages into the buffer, on a
// goroutine of its own until Close. Each (re)subscription reads the list
// and wakes the publisher; a subscription silent for redisHealthInterval
// is pinged, and one whose ping goes unanswered is replaced.
func (r *RedisBus) subscribeLoop() {
	defer r.wg.Done()
	ps := r.subscribe(nil)
	var retry time.Duration
	pinged := false
	for ps != nil {
		msg, err := ps.ReceiveTimeout(r.ctx, redisHealthInterval)
		if r.ctx.Err() != nil {
			break
		}
		if err != nil {
			if isTimeout(err) && !pinged && r.subscribed.Load() {
				pinged = true
				if ps.Ping(r.ctx) == nil {
					continue // the Pong comes next
				}
			}
			r.subscribed.Store(false)
			r.fail("the subscription to "+r.channel, err)
			if isTimeout(err) {
				ps = r.subscribe(ps) // a server that does not answer: a new connection
			}
			retry = nextRetry(retry)
			if !r.sleep(retry) {
				break
			}
			continue
		}
		pinged = false
		switch m := msg.(type) {
		case *redis.Subscription:
			if m.Kind == "subscribe" {
				retry = 0
				r.joined()
			}
		case *redis.Message:
			if m, ok := r.decode(m.Payload); ok {
				r.buf.Add(m)
			}
		}
	}
	if ps != nil {
		ps.Close()
	}
}

// subscribe closes old, if any, and subscribes anew; nil once the bus is
// closed. A failure to connect shows at the next receive, which dials
// again.
func (r *RedisBus) subscribe(old *redis.PubSub) *redis.PubSub {
	if old != nil {
		old.Close()
	}
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return nil
	}
	ps := r.client.Subscribe(r.ctx) // no channel yet: no connection
	r.ps = ps
	r.mu.Unlock()
	_ = ps.Subscribe(r.ctx, r.channel) // a failure is seen by the next receive
	return ps
}

// joined runs when the subscription is (again) in place: the list is read
// for what was missed, and the outbox published.
func (r *RedisBus) joined() {
	r.subscribed.Store(true)
	if err := r.load(r.ctx); err != nil {
		if r.ctx.Err() == nil {
			r.fail("reading the list "+r.key, err)
		}
		return
	}
	r.ok()
	select {
	case r.kick <- struct{}{}:
	default:
	}
}

// sleep waits d, or until Close; it reports false after Close.
func (r *RedisBus) sleep(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.ctx.Done():
		return false
	}
}

// fail records that Redis failed at what, and logs it (rate-limited).
func (r *RedisBus) fail(what string, err error) {
	r.down.Store(true)
	r.errs.failed(fmt.Sprintf("chat: redis at %s: %s failed; serving from this process's cache and trying again", r.addr, what), err)
}

// ok records that Redis answered, and logs it once after failures.
func (r *RedisBus) ok() {
	r.down.Store(false)
	r.errs.recovered(fmt.Sprintf("chat: redis at %s answers again", r.addr))
}

// Close stops the goroutines, waiting for them, and closes the client.
// What the outbox still holds is not published. Safe for concurrent use.
func (r *RedisBus) Close() error {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return nil
	}
	r.closed = true
	ps := r.ps
	r.mu.Unlock()
	r.stop()
	if ps != nil {
		ps.Close() // ends a receive in progress
	}
	r.wg.Wait()
	return r.client.Close()
}

// nextRetry doubles the wait before the next try, from retryMin to
// retryMax.
func nextRetry(d time.Duration) time.Duration {
	return min(max(2*d, retryMin), retryMax)
}

// isTimeout reports whether err is a network timeout.
func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// redisLogger hands go-redis's own log lines to a slog.Logger at Debug
// level: the bus logs Redis's failures itself, rate-limited, and
// go-redis would print one line per failed dial.
type redisLogger struct{ log *slog.Logger }

// Printf implements go-redis's internal.Logging.
func (l redisLogger) Printf(ctx context.Context, format string, v ...any) {
	l.log.DebugContext(ctx, "go-redis: "+fmt.Sprintf(format, v...))
}

// quietRedis sends go-redis's log, a process-wide setting, to log at
// Debug level.
func quietRedis(log *slog.Logger) { redis.SetLogger(redisLogger{log}) }
