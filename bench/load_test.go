package bench

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// kind is the client action a load sends.
type kind string

const (
	// messageKind sends message.send: a transaction that stores the message
	// and its notifications, then a broadcast of message.dispatch.
	messageKind kind = "message"
	// typingKind sends message.typing: a read-only permission check, then a
	// broadcast of messagetyping.dispatch. It isolates the fan-out path.
	typingKind kind = "typing"
)

// senderPrefix starts the username of every sending user: receivers find
// the sender of a frame by the first "username" in it.
const senderPrefix = "snd"

func senderName(i int) string { return fmt.Sprintf("%s%04d", senderPrefix, i) }

var usernameMark = []byte(`"username":"` + senderPrefix)

// senderOf returns the index of the sender of a dispatched frame, or -1.
func senderOf(raw []byte) int {
	i := bytes.Index(raw, usernameMark)
	if i < 0 || len(raw) < i+len(usernameMark)+4 {
		return -1
	}
	n, err := strconv.Atoi(string(raw[i+len(usernameMark) : i+len(usernameMark)+4]))
	if err != nil {
		return -1
	}
	return n
}

// sender is one sending connection and the room it sends to.
type sender struct {
	c    *client
	room string
	// recipients is how many connections (its own included) receive each
	// of its events.
	recipients int32

	sentAt    atomic.Int64 // unix nanoseconds of the event in flight
	remaining atomic.Int32 // recipients that have not received it yet
	done      chan struct{}
}

// load is a closed-loop load: every sender has one event in flight at a
// time and sends the next once every recipient has received it. Each
// iteration of b.Loop hands one event to the next free sender.
type load struct {
	kind       kind
	senders    []*sender
	recipients []*client
	// measured are the connections whose delivery latencies are recorded;
	// every other recipient only counts down.
	measured []*client

	mu   sync.Mutex
	lats []time.Duration
	err  error
}

// newLoad prepares a load; every connection of recipients must receive the
// events of every sender (each sender's own connection included).
func newLoad(k kind, senders []*sender, recipients, measured []*client) *load {
	l := &load{kind: k, senders: senders, recipients: recipients, measured: measured}
	event := []byte(`"eventType":"message.dispatch"`)
	if k == typingKind {
		event = []byte(`"eventType":"messagetyping.dispatch"`)
	}
	for _, c := range recipients {
		record := slices.Contains(measured, c)
		c.Handle(func(raw []byte) {
			now := time.Now().UnixNano()
			if !bytes.Contains(raw, event) {
				if bytes.HasPrefix(raw, []byte(`{"error"`)) {
					l.fail(fmt.Errorf("%s got an error frame: %s", c.u.Username, raw))
				}
				return
			}
			i := senderOf(raw)
			if i < 0 || i >= len(senders) {
				l.fail(fmt.Errorf("%s got a frame of no sender: %.200s", c.u.Username, raw))
				return
			}
			s := senders[i]
			if record {
				d := time.Duration(now - s.sentAt.Load())
				l.mu.Lock()
				l.lats = append(l.lats, d)
				l.mu.Unlock()
			}
			if s.remaining.Add(-1) == 0 {
				s.done <- struct{}{}
			}
		})
	}
	return l
}

func (l *load) fail(err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.err == nil {
		l.err = err
	}
}

func (l *load) failed() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.err
}

// request is the frame a sender sends.
func (l *load) request(s *sender) (string, any) {
	if l.kind == typingKind {
		return "message.typing", map[string]any{"room_id": s.room}
	}
	return "message.send", map[string]any{"room_id": s.room, "content": "benchmark message"}
}

// run drives the load for b.Loop and reports events/s (deliveries to the
// measured connections), msgs/s (events sent) and the delivery latency
// percentiles of the measured connections; start starts the benchmark's
// other measurements and returns the function that reports them, given the
// number of events sent.
func (l *load) run(b *testing.B, start func() (report func(b *testing.B, msgs int64))) {
	tokens := make(chan struct{})
	abort := make(chan struct{})
	var abortOnce sync.Once
	stop := func(err error) {
		l.fail(err)
		abortOnce.Do(func() { close(abort) })
	}
	var sent atomic.Int64
	var wg sync.WaitGroup
	for _, s := range l.senders {
		s.done = make(chan struct{}, 1)
		wg.Add(1)
		go func() {
			defer wg.Done()
			timer := time.NewTimer(waitTimeout)
			defer timer.Stop()
			for range tokens {
				s.remaining.Store(s.recipients)
				s.sentAt.Store(time.Now().UnixNano())
				if err := s.c.Send(l.request(s)); err != nil {
					stop(fmt.Errorf("%s: send: %w", s.c.u.Username, err))
					return
				}
				timer.Reset(waitTimeout)
				select {
				case <-s.done:
					sent.Add(1)
				case <-timer.C:
					stop(fmt.Errorf("%s: an event did not reach its %d recipients within %v (%d missing)",
						s.c.u.Username, s.recipients, waitTimeout, s.remaining.Load()))
					return
				case <-abort:
					return
				}
			}
		}()
	}
	report := start()
	began := time.Now()
loop:
	for b.Loop() {
		select {
		case tokens <- struct{}{}:
		case <-abort:
			break loop
		}
	}
	close(tokens)
	wg.Wait()
	elapsed := time.Since(began)
	for _, c := range l.recipients {
		c.Handle(nil)
	}
	if err := l.failed(); err != nil {
		b.Fatal(err)
	}
	n := sent.Load()
	b.ReportMetric(float64(n)/elapsed.Seconds(), "msgs/s")
	l.mu.Lock()
	lats := l.lats
	l.mu.Unlock()
	b.ReportMetric(float64(len(lats))/elapsed.Seconds(), "events/s")
	reportLatency(b, lats)
	report(b, n)
}

// reportLatency reports the median and 99th percentile of ds.
func reportLatency(b *testing.B, ds []time.Duration) {
	if len(ds) == 0 {
		b.Fatal(errors.New("no delivery was measured"))
	}
	slices.Sort(ds)
	q := func(p float64) float64 { return float64(ds[int(p*float64(len(ds)-1))].Microseconds()) }
	b.ReportMetric(q(0.50), "p50-µs")
	b.ReportMetric(q(0.99), "p99-µs")
}
