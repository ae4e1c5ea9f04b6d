package natsbroker_test

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chatwasm/chatwasm/host/broker"
	"github.com/chatwasm/chatwasm/host/broker/natsbroker"
	"github.com/chatwasm/chatwasm/host/chat/wire"
	"github.com/chatwasm/chatwasm/internal/natstest"
	"github.com/prometheus/client_golang/prometheus"
)

// node is one simulated chatwasm node: a broker, its registry, and a handler
// that records what it is given and, like the hub, watches a group when a
// KindSubscribe reaches it for a user it holds.
type node struct {
	b   *natsbroker.Broker
	reg *prometheus.Registry

	mu    sync.Mutex
	users map[int64]bool
	envs  []broker.Envelope
	// missed counts the calls of Config.Missed.
	missed atomic.Int32
}

func newNode(t testing.TB, url, id string) *node {
	t.Helper()
	n := &node{reg: prometheus.NewRegistry(), users: map[int64]bool{}}
	b, err := natsbroker.New(context.Background(), natsbroker.Config{
		URL: url, NodeID: id, Registerer: n.reg,
		Logger: slog.New(slog.NewTextHandler(t.Output(), nil)),
		Missed: func() { n.missed.Add(1) },
		Handler: func(e broker.Envelope) {
			n.mu.Lock()
			n.envs = append(n.envs, e)
			holds := n.users[e.UserID]
			n.mu.Unlock()
			if e.Kind == broker.KindSubscribe && holds {
				n.b.Watch(e.Group)
			}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	n.b = b
	t.Cleanup(func() { _ = b.Close() })
	return n
}

// hold makes the node hold a connection of user: it watches the user's group.
func (n *node) hold(user int64) {
	n.mu.Lock()
	n.users[user] = true
	n.mu.Unlock()
	n.b.Watch(wire.UserGroup(user))
}

func (n *node) received() []broker.Envelope {
	n.mu.Lock()
	defer n.mu.Unlock()
	return slices.Clone(n.envs)
}

func (n *node) counter(t testing.TB, name string) float64 {
	t.Helper()
	mfs, err := n.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name {
			v := 0.0
			for _, m := range mf.GetMetric() {
				v += m.GetCounter().GetValue() + m.GetGauge().GetValue()
			}
			return v
		}
	}
	t.Fatalf("no metric %s", name)
	return 0
}

// barrier makes sure every node has handled everything published so far by
// from: it publishes a marker to a group all of them watch and waits for it.
func barrier(t testing.TB, from *node, nodes ...*node) {
	t.Helper()
	marker := fmt.Sprintf(`"barrier %d"`, time.Now().UnixNano())
	for _, n := range nodes {
		n.b.Watch("barrier")
		flush(t, n)
	}
	if err := from.b.Publish(context.Background(), broker.Envelope{Kind: broker.KindSend, Group: "barrier", Frame: []byte(marker)}); err != nil {
		t.Fatal(err)
	}
	for _, n := range nodes {
		deadline := time.Now().Add(30 * time.Second)
		for !slices.ContainsFunc(n.received(), func(e broker.Envelope) bool { return string(e.Frame) == marker }) {
			if time.Now().After(deadline) {
				t.Fatal("barrier not reached")
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
}

// flush waits until the server has n's subscriptions.
func flush(t testing.TB, n *node) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := n.b.Flush(ctx); err != nil {
		t.Fatal(err)
	}
}

func frames(envs []broker.Envelope, group string) []string {
	var out []string
	for _, e := range envs {
		if e.Kind == broker.KindSend && e.Group == group {
			out = append(out, string(e.Frame))
		}
	}
	return out
}

// TestOrderAndInterest: three nodes publish to two rooms concurrently; each
// node watches some of them. Every node handles, of each room it watches,
// every envelope once, each publisher's in the order published, and nothing
// of the rooms it does not watch: its delivered counter says so.
func TestOrderAndInterest(t *testing.T) {
	srv := natstest.Start(t)
	a, b, c := newNode(t, srv.URL(), "a"), newNode(t, srv.URL(), "b"), newNode(t, srv.URL(), "c")
	a.b.Watch("group-r1")
	b.b.Watch("group-r1")
	b.b.Watch("group-r2")
	// c watches neither room.
	flush(t, a)
	flush(t, b)
	const per = 500
	var wg sync.WaitGroup
	for _, n := range []*node{a, b, c} {
		for _, room := range []string{"group-r1", "group-r2"} {
			wg.Go(func() {
				for i := range per {
					f := fmt.Sprintf(`"%s %s %d"`, n.b.NodeID(), room, i)
					if err := n.b.Publish(context.Background(), broker.Envelope{Kind: broker.KindSend, Group: room, Frame: []byte(f)}); err != nil {
						t.Error(err)
						return
					}
				}
			})
		}
	}
	wg.Wait()
	barrier(t, c, a, b, c)
	check := func(n *node, room string, want bool) {
		got := frames(n.received(), room)
		if !want {
			if len(got) != 0 {
				t.Errorf("node %s received %d envelopes of %s, which it does not watch", n.b.NodeID(), len(got), room)
			}
			return
		}
		for _, pub := range []string{"a", "b", "c"} {
			var seq []string
			for _, f := range got {
				if strings.HasPrefix(f, `"`+pub+" ") {
					seq = append(seq, f)
				}
			}
			if len(seq) != per {
				t.Errorf("node %s: %d envelopes of %s from %s, want %d", n.b.NodeID(), len(seq), room, pub, per)
				continue
			}
			for i, f := range seq {
				if want := fmt.Sprintf(`"%s %s %d"`, pub, room, i); f != want {
					t.Fatalf("node %s: envelope %d of %s from %s is %s, want %s", n.b.NodeID(), i, room, pub, f, want)
				}
			}
		}
	}
	check(a, "group-r1", true)
	check(a, "group-r2", false)
	check(b, "group-r1", true)
	check(b, "group-r2", true)
	check(c, "group-r1", false)
	check(c, "group-r2", false)
	// c handled only the barrier: nothing of the 3000 room envelopes.
	if got := c.counter(t, "chatwasm_broker_delivered_total"); got != 1 {
		t.Errorf("node c: chatwasm_broker_delivered_total = %v, want 1 (the barrier)", got)
	}
	if got := b.counter(t, "chatwasm_broker_delivered_total"); got != 6*per+1 {
		t.Errorf("node b: chatwasm_broker_delivered_total = %v, want %d", got, 6*per+1)
	}
	if got := c.counter(t, "chatwasm_broker_subscriptions"); got != 2 {
		t.Errorf("node c: chatwasm_broker_subscriptions = %v, want 2 (the barrier, the control group)", got)
	}
}

// TestControlReachesEveryNode: a KindModules envelope reaches every node,
// the publisher included, though none watches any group.
func TestControlReachesEveryNode(t *testing.T) {
	srv := natstest.Start(t)
	a, b := newNode(t, srv.URL(), "a"), newNode(t, srv.URL(), "b")
	flush(t, a)
	flush(t, b)
	if err := a.b.Publish(context.Background(), broker.Envelope{Kind: broker.KindModules, Group: broker.ControlGroup}); err != nil {
		t.Fatal(err)
	}
	for _, n := range []*node{a, b} {
		deadline := time.Now().Add(30 * time.Second)
		for !slices.ContainsFunc(n.received(), func(e broker.Envelope) bool { return e.Kind == broker.KindModules && e.Origin == "a" }) {
			if time.Now().After(deadline) {
				t.Fatalf("node %s never received the modules envelope", n.b.NodeID())
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
}

// TestJoinThenSend: node a adds user 7, held by node b, to a room b does not
// watch yet, and sends to the room at once. b handles the send once, after
// the subscription: through the copy to user 7's subject, or through the
// room's subject if its subscription was there first. Node c, which already
// watched the room and holds user 7 too, gets it once as well: the copy is a
// duplicate there, counted and not handled.
func TestJoinThenSend(t *testing.T) {
	srv := natstest.Start(t)
	a, b, c := newNode(t, srv.URL(), "a"), newNode(t, srv.URL(), "b"), newNode(t, srv.URL(), "c")
	b.hold(7)
	c.hold(7)
	c.b.Watch("group-new")
	barrier(t, a, a, b, c) // flushes the watches too
	ctx := context.Background()
	const sends = 50
	if err := a.b.Publish(ctx, broker.Envelope{Kind: broker.KindSubscribe, Group: "group-new", UserID: 7}); err != nil {
		t.Fatal(err)
	}
	for i := range sends {
		if err := a.b.Publish(ctx, broker.Envelope{Kind: broker.KindSend, Group: "group-new", Frame: fmt.Appendf(nil, "%d", i)}); err != nil {
			t.Fatal(err)
		}
	}
	// A change of the room is copied like a send (chat.AccessCache).
	if err := a.b.Publish(ctx, broker.Envelope{Kind: broker.KindChanged, Group: "group-new"}); err != nil {
		t.Fatal(err)
	}
	barrier(t, a, a, b, c)
	for _, n := range []*node{b, c} {
		changed := 0
		for _, e := range n.received() {
			if e.Kind == broker.KindChanged && e.Group == "group-new" {
				changed++
			}
		}
		if changed != 1 {
			t.Errorf("node %s handled the room's change %d times, want 1", n.b.NodeID(), changed)
		}
	}
	for _, n := range []*node{b, c} {
		got := frames(n.received(), "group-new")
		if len(got) != sends {
			t.Fatalf("node %s handled %d sends, want %d: %v", n.b.NodeID(), len(got), sends, got)
		}
		for i, f := range got {
			if f != fmt.Sprint(i) {
				t.Fatalf("node %s: send %d is %s", n.b.NodeID(), i, f)
			}
		}
	}
	if got := c.counter(t, "chatwasm_broker_duplicates_total"); got != sends+1 {
		t.Errorf("node c: chatwasm_broker_duplicates_total = %v, want %d (the sends and the change)", got, sends+1)
	}
	if got := a.counter(t, "chatwasm_broker_published_total"); got < 2*sends+1 {
		t.Errorf("node a: chatwasm_broker_published_total = %v, want at least %d", got, 2*sends+1)
	}
}

// TestServerRestart: the NATS server is killed and started again. Every
// node reconnects (logged, counted), subscribes again, and an envelope
// published once all are connected again reaches every watching node once.
func TestServerRestart(t *testing.T) {
	srv := natstest.Start(t)
	a, b := newNode(t, srv.URL(), "a"), newNode(t, srv.URL(), "b")
	for _, n := range []*node{a, b} {
		n.b.Watch("group-r")
		flush(t, n)
	}
	ctx := context.Background()
	send := func(n *node, f string) {
		if err := n.b.Publish(ctx, broker.Envelope{Kind: broker.KindSend, Group: "group-r", Frame: []byte(f)}); err != nil {
			t.Fatal(err)
		}
	}
	send(a, `"before"`)
	barrier(t, a, a, b)
	srv.Restart()
	for _, n := range []*node{a, b} {
		deadline := time.Now().Add(60 * time.Second)
		for n.counter(t, "chatwasm_broker_reconnects_total") < 1 {
			if time.Now().After(deadline) {
				t.Fatalf("node %s did not reconnect", n.b.NodeID())
			}
			time.Sleep(10 * time.Millisecond)
		}
		if got := n.counter(t, "chatwasm_broker_connection_lost_total"); got != 1 {
			t.Errorf("node %s: connection_lost_total = %v, want 1", n.b.NodeID(), got)
		}
		if got := n.missed.Load(); got != 1 {
			t.Errorf("node %s: Config.Missed called %d times after one reconnect, want 1", n.b.NodeID(), got)
		}
	}
	send(b, `"after"`)
	barrier(t, b, a, b)
	for _, n := range []*node{a, b} {
		got := frames(n.received(), "group-r")
		if !slices.Equal(got, []string{`"before"`, `"after"`}) {
			t.Errorf("node %s handled %v", n.b.NodeID(), got)
		}
	}
}

// TestCredentials: a server that requires a user and password accepts the
// broker with them in the URL and refuses it without.
func TestCredentials(t *testing.T) {
	srv := natstest.Start(t, "--user", "chat", "--pass", "s3cret")
	url := "nats://chat:s3cret@" + srv.Addr()
	a, b := newNode(t, url, "a"), newNode(t, url, "b")
	b.b.Watch("group-r")
	barrier(t, a, a, b)
	_, err := natsbroker.New(context.Background(), natsbroker.Config{URL: srv.URL(), Handler: func(broker.Envelope) {}})
	if err == nil {
		t.Fatal("connected without credentials")
	}
}

// TestSubject: group names chatwasm makes are subject tokens as they are;
// anything else is encoded, so that no group can reach another's subject.
func TestSubject(t *testing.T) {
	for group, want := range map[string]string{
		"group-3f0e2a1c-0000-4000-8000-000000000001": "p.g.group-3f0e2a1c-0000-4000-8000-000000000001",
		"user-42": "p.g.user-42",
		"a.b":     "p.x.YS5i",
		"*":       "p.x.Kg",
		">":       "p.x.Pg",
		"":        "p.x.",
	} {
		if got := natsbroker.Subject("p", group); got != want {
			t.Errorf("Subject(%q) = %q, want %q", group, got, want)
		}
	}
}
