package gateway

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/chatwasm/chatwasm/host/broker"
	"github.com/chatwasm/chatwasm/host/chat/wire"
	"github.com/chatwasm/chatwasm/host/store"
	"github.com/gorilla/websocket"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// groupSize returns how many local connections are in a group.
func (h *Hub) groupSize(group string) int {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return len(h.groups[group])
}

// bareConn is a connection without a socket, enough for the hub.
func bareConn(t *testing.T, userID int64, queue int) *conn {
	t.Helper()
	return bareConnWith(t, userID, Config{QueueSize: queue})
}

// bareConnWith is bareConn with the gateway settings of cfg (defaults for
// its zero fields).
func bareConnWith(t *testing.T, userID int64, cfg Config) *conn {
	t.Helper()
	m, err := NewMetrics(prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	gw := &Gateway{cfg: cfg.withDefaults(), log: slog.New(slog.DiscardHandler), metrics: m}
	return newConn(gw, store.User{ID: userID}, fmt.Sprintf("test.%d", userID))
}

// queued takes the frames queued on a connection without a writer.
func queued(c *conn) []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []string
	for _, f := range c.pending {
		out = append(out, string(f))
	}
	c.pending, c.counted, c.queued = nil, 0, 0
	return out
}

func TestHubActivateKeepsNewerChanges(t *testing.T) {
	h := NewHub(nil)
	c := bareConn(t, 1, 8)
	h.add(c)
	// While Connect runs: the user leaves room a and joins room c.
	h.Apply(broker.Envelope{Kind: broker.KindUnsubscribe, Group: "group-a", UserID: 1})
	h.Apply(broker.Envelope{Kind: broker.KindSubscribe, Group: "group-c", UserID: 1})
	// Connect's snapshot still had a, not c.
	h.activate(c, []string{"group-a", "group-b"})
	for g, want := range map[string]int{"group-a": 0, "group-b": 1, "group-c": 1, "user-1": 1} {
		if got := h.groupSize(g); got != want {
			t.Errorf("%s has %d connections, want %d", g, got, want)
		}
	}
	// After activation, changes apply directly.
	h.Apply(broker.Envelope{Kind: broker.KindSubscribe, Group: "group-a", UserID: 1})
	if got := h.groupSize("group-a"); got != 1 {
		t.Errorf("group-a has %d connections after subscribe, want 1", got)
	}
	h.remove(c)
	for _, g := range []string{"group-a", "group-b", "group-c", "user-1"} {
		if got := h.groupSize(g); got != 0 {
			t.Errorf("%s has %d connections after remove, want 0", g, got)
		}
	}
	if len(h.users) != 0 || len(h.groups) != 0 {
		t.Errorf("hub not empty after remove: %d users, %d groups", len(h.users), len(h.groups))
	}
}

func TestHubSendOncePerConnection(t *testing.T) {
	h := NewHub(nil)
	a1, a2, b := bareConn(t, 1, 8), bareConn(t, 1, 8), bareConn(t, 2, 8)
	for _, c := range []*conn{a1, a2, b} {
		h.add(c)
		h.activate(c, nil)
	}
	sub := broker.Envelope{Kind: broker.KindSubscribe, Group: "group-r", UserID: 1}
	h.Apply(sub)
	h.Apply(sub) // twice: still one membership
	h.Apply(broker.Envelope{Kind: broker.KindSend, Group: "group-r", Frame: []byte("r1")})
	h.Apply(broker.Envelope{Kind: broker.KindSend, Group: "user-2", Frame: []byte("u2")})
	for c, want := range map[*conn]string{a1: "r1", a2: "r1", b: "u2"} {
		if got := strings.Join(queued(c), ","); got != want {
			t.Errorf("conn of user %d got %q, want %q", c.user.ID, got, want)
		}
	}
}

func TestHubDisconnectsSlowConsumer(t *testing.T) {
	h := NewHub(nil)
	slow, fast := bareConn(t, 1, 2), bareConn(t, 2, 16)
	for _, c := range []*conn{slow, fast} {
		h.add(c)
		h.activate(c, []string{"group-r"})
	}
	for i := range 5 {
		h.Apply(broker.Envelope{Kind: broker.KindSend, Group: "group-r", Frame: fmt.Appendf(nil, "%d", i)})
	}
	if closed, code := closedWith(slow); !closed || code != 1008 {
		t.Fatalf("slow connection: closed %v with %d, want 1008", closed, code)
	}
	if got := len(queued(fast)); got != 5 {
		t.Errorf("fast connection got %d frames, want 5", got)
	}
}

// TestQueueBytes: a connection whose pending frames would pass QueueBytes
// is disconnected as a slow consumer, counted; a frame larger than the
// budget is still taken into an empty queue.
func TestQueueBytes(t *testing.T) {
	c := bareConnWith(t, 1, Config{QueueSize: 100, QueueBytes: 10})
	c.enqueue([]byte("0123456789abcdef")) // 16 bytes into an empty queue: taken
	c.enqueue([]byte("x"))                // past the budget
	if closed, code := closedWith(c); !closed || code != 1008 {
		t.Fatalf("past its queue bytes: closed %v with %d, want 1008", closed, code)
	}
	if c.queued != 16 {
		t.Errorf("%d bytes counted as queued, want 16", c.queued)
	}
	if got := queued(c); len(got) != 1 || got[0] != "0123456789abcdef" {
		t.Errorf("queued %q, want only the first frame", got)
	}
	if got := testutil.ToFloat64(c.gw.metrics.slowClosed); got != 1 {
		t.Errorf("slow consumer disconnects = %v, want 1", got)
	}
}

// TestOversizedFrameNotSent: an operation's frame over MaxOutFrameBytes goes
// to no group; the requester gets a 4003 saying why.
func TestOversizedFrameNotSent(t *testing.T) {
	c := bareConnWith(t, 1, Config{MaxOutFrameBytes: 8})
	c.apply(context.Background(), []wire.Effect{{Kind: wire.Send, Frame: []byte("0123456789")}})
	got := queued(c)
	if len(got) != 1 || !strings.Contains(got[0], `"code":4003`) || !strings.Contains(got[0], "too large (10 bytes, at most 8)") {
		t.Fatalf("queued %q, want one 4003 about the size", got)
	}
	if n := testutil.ToFloat64(c.gw.metrics.oversized); n != 1 {
		t.Errorf("oversized frames = %v, want 1", n)
	}
}

// TestHubFanOutOverWebSockets drives group traffic through the broker to
// real connections.
func TestHubFanOutOverWebSockets(t *testing.T) {
	e := newEnv(t, Config{})
	alice, bob, carol := e.user("alice"), e.user("bob"), e.user("carol")
	a1, a2, b, c := e.connect(alice), e.connect(alice), e.connect(bob), e.connect(carol)
	ctx := context.Background()
	room := wire.RoomGroup("8f2d1d7e-52c5-4b0e-9d55-7c1f0b2a1e11")
	publish := func(env broker.Envelope) {
		t.Helper()
		if err := e.br.Publish(ctx, env); err != nil {
			t.Fatal(err)
		}
	}
	for _, u := range []store.User{alice, bob} {
		publish(broker.Envelope{Kind: broker.KindSubscribe, Group: room, UserID: u.ID})
	}
	frame, err := wire.SendTo(room, "messagetyping.dispatch", map[string]string{"username": "alice"})
	if err != nil {
		t.Fatal(err)
	}
	publish(broker.Envelope{Kind: broker.KindSend, Group: room, Frame: frame.Frame})
	want := `{"type":"broadcast_group","eventType":"messagetyping.dispatch","data":{"username":"alice"}}`
	for _, ws := range []*websocketConn{{"alice 1", a1}, {"alice 2", a2}, {"bob", b}} {
		if got := string(readRaw(t, ws.c)); got != want {
			t.Fatalf("%s got %s", ws.name, got)
		}
	}
	expectSilence(t, c)

	publish(broker.Envelope{Kind: broker.KindUnsubscribe, Group: room, UserID: bob.ID})
	publish(broker.Envelope{Kind: broker.KindSend, Group: room, Frame: frame.Frame})
	readRaw(t, a1)
	readRaw(t, a2)
	expectSilence(t, b)

	publish(broker.Envelope{Kind: broker.KindSend, Group: wire.UserGroup(carol.ID), Frame: []byte(`{"x":1}`)})
	if got := string(readRaw(t, c)); got != `{"x":1}` {
		t.Fatalf("carol got %s", got)
	}

	// Closing a connection takes it out of every group.
	a1.Close()
	eventually(t, "closed connection to leave the room", func() bool { return e.hub.groupSize(room) == 1 })
	eventually(t, "closed connection to leave its user group", func() bool {
		return e.hub.groupSize(wire.UserGroup(alice.ID)) == 1
	})
	publish(broker.Envelope{Kind: broker.KindSend, Group: room, Frame: frame.Frame})
	if got := string(readRaw(t, a2)); got != want {
		t.Fatalf("remaining connection got %s", got)
	}
}

type websocketConn struct {
	name string
	c    *websocket.Conn
}

// TestSlowClientDisconnected fills a real connection that never reads: the
// publisher never waits for it, the connection is dropped, the others keep
// receiving.
func TestSlowClientDisconnected(t *testing.T) {
	e := newEnv(t, Config{QueueSize: 32, WriteTimeout: 200 * time.Millisecond})
	slowUser, fastUser := e.user("slow"), e.user("fast")
	slow, fast := e.connect(slowUser), e.connect(fastUser)
	_ = slow // never read again
	room := wire.RoomGroup("0b0e5f9e-3c55-4a7d-9a43-5a0cbd1f7c20")
	ctx := context.Background()
	for _, u := range []store.User{slowUser, fastUser} {
		if err := e.br.Publish(ctx, broker.Envelope{Kind: broker.KindSubscribe, Group: room, UserID: u.ID}); err != nil {
			t.Fatal(err)
		}
	}
	big := []byte(`"` + strings.Repeat("x", 64<<10) + `"`)
	const frames = 400 // 25 MiB: more than the socket buffers hold
	// The publisher sends the next frame once the fast client has read the
	// last one, so that the fast client's queue never fills however slow
	// the machine: only the client that never reads can be dropped.
	received := make(chan int, 1)
	got := make(chan struct{}, 1)
	go func() {
		n := 0
		for n < frames {
			_ = fast.SetReadDeadline(time.Now().Add(time.Minute))
			if _, _, err := fast.ReadMessage(); err != nil {
				break
			}
			n++
			got <- struct{}{}
		}
		received <- n
		close(got)
	}()
	for range frames {
		if err := e.br.Publish(ctx, broker.Envelope{Kind: broker.KindSend, Group: room, Frame: big}); err != nil {
			t.Fatal(err)
		}
		if _, ok := <-got; !ok {
			break // the fast client stopped reading: reported below
		}
	}
	eventually(t, "the slow client to be dropped", func() bool { return len(e.hub.userConns(slowUser.ID)) == 0 })
	if got := e.counter("chatwasm_slow_consumer_disconnects_total", nil); got != 1 {
		t.Fatalf("slow consumer disconnects = %v, want 1", got)
	}
	if n := <-received; n != frames {
		t.Fatalf("fast client received %d frames, want %d", n, frames)
	}
}
