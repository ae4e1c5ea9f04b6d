package pgbroker_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chatwasm/chatwasm/host/broker"
	"github.com/chatwasm/chatwasm/host/broker/pgbroker"
	"github.com/chatwasm/chatwasm/host/store/storetest"
	"github.com/chatwasm/chatwasm/internal/proclog"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
)

// node is one simulated chatwasm node: its own pool, broker, registry and a
// handler that records what it is given.
type node struct {
	b    *pgbroker.Broker
	pool *pgxpool.Pool
	reg  *prometheus.Registry

	mu   sync.Mutex
	envs []broker.Envelope
}

func newNode(t testing.TB, url, id string, cfg pgbroker.Config) *node {
	t.Helper()
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	n := &node{pool: pool, reg: prometheus.NewRegistry()}
	cfg.Pool, cfg.NodeID, cfg.Registerer = pool, id, n.reg
	cfg.Handler = func(e broker.Envelope) {
		n.mu.Lock()
		n.envs = append(n.envs, e)
		n.mu.Unlock()
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(t.Output(), nil))
	}
	if cfg.IdleCheck == 0 {
		// Short, so that the tests also exercise the idle ping.
		cfg.IdleCheck = 30 * time.Millisecond
	}
	n.b, err = pgbroker.New(ctx, cfg)
	if err != nil {
		pool.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = n.b.Close()
		pool.Close()
	})
	return n
}

func (n *node) received() []broker.Envelope {
	n.mu.Lock()
	defer n.mu.Unlock()
	return slices.Clone(n.envs)
}

// waitFor waits until the node has received at least count envelopes and
// returns them.
func (n *node) waitFor(t testing.TB, count int) []broker.Envelope {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		got := n.received()
		if len(got) >= count {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("node %s received %d envelopes, want %d", n.b.NodeID(), len(got), count)
		}
		time.Sleep(time.Millisecond)
	}
}

// counter reads a counter of the node's registry; label, if given, is the
// value of its only label.
func (n *node) counter(t testing.TB, name string, label ...string) float64 {
	t.Helper()
	mfs, err := n.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			if len(label) == 0 || (len(m.GetLabel()) == 1 && m.GetLabel()[0].GetValue() == label[0]) {
				return m.GetCounter().GetValue()
			}
		}
	}
	t.Fatalf("no metric %s%v", name, label)
	return 0
}

func frame(s string) json.RawMessage {
	b, _ := json.Marshal(s)
	return b
}

func send(group, text string) broker.Envelope {
	return broker.Envelope{Kind: broker.KindSend, Group: group, Frame: frame(text)}
}

func publish(t testing.TB, n *node, envs ...broker.Envelope) {
	t.Helper()
	for _, e := range envs {
		if err := n.b.Publish(context.Background(), e); err != nil {
			t.Fatal(err)
		}
	}
}

func texts(envs []broker.Envelope) []string {
	out := make([]string, len(envs))
	for i, e := range envs {
		var s string
		if err := json.Unmarshal(e.Frame, &s); err != nil {
			out[i] = "!" + string(e.Frame)
			continue
		}
		out[i] = e.Origin + ":" + s
	}
	return out
}

func TestTwoNodesDeliverToEachOther(t *testing.T) {
	url := storetest.PostgresURL(t)
	a := newNode(t, url, "a", pgbroker.Config{})
	b := newNode(t, url, "b", pgbroker.Config{})

	// Idle for several ping intervals first: the pings must not disturb
	// the connection.
	time.Sleep(150 * time.Millisecond)
	publish(t, a, send("room.1", "from a"))
	a.waitFor(t, 1)
	b.waitFor(t, 1)
	publish(t, b, broker.Envelope{Kind: broker.KindSubscribe, Group: "room.2", UserID: 42})
	b.waitFor(t, 2)
	publish(t, a, broker.Envelope{Kind: broker.KindDisconnect, UserID: 42, Code: 4001, Reason: "user deleted"})
	want := []broker.Envelope{
		{Kind: broker.KindSend, Group: "room.1", Frame: frame("from a"), Origin: "a"},
		{Kind: broker.KindSubscribe, Group: "room.2", UserID: 42, Origin: "b"},
		{Kind: broker.KindDisconnect, UserID: 42, Code: 4001, Reason: "user deleted", Origin: "a"},
	}
	for _, n := range []*node{a, b} {
		n.waitFor(t, 3)
		// Give a duplicate the time to show up.
		time.Sleep(50 * time.Millisecond)
		got := n.received()
		if fmt.Sprint(got) != fmt.Sprint(want) || string(got[0].Frame) != `"from a"` {
			t.Errorf("node %s received %+v, want %+v", n.b.NodeID(), got, want)
		}
		if lost := n.counter(t, "chatwasm_broker_listen_connection_lost_total"); lost != 0 {
			t.Errorf("node %s lost its connection %v times while idle", n.b.NodeID(), lost)
		}
		if d := n.counter(t, "chatwasm_broker_delivered_total"); d != 3 {
			t.Errorf("node %s delivered_total = %v, want 3", n.b.NodeID(), d)
		}
	}
}

// Each node's envelopes arrive in the order published, and since they all
// come through PostgreSQL's one notification queue, every node sees the
// same interleaving of both nodes' envelopes.
func TestOrderIsPreservedAndShared(t *testing.T) {
	url := storetest.PostgresURL(t)
	a := newNode(t, url, "a", pgbroker.Config{})
	b := newNode(t, url, "b", pgbroker.Config{})
	const each = 300
	var wg sync.WaitGroup
	for _, n := range []*node{a, b} {
		wg.Go(func() {
			for i := range each {
				if err := n.b.Publish(context.Background(), send("g", fmt.Sprint(i))); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	gotA, gotB := texts(a.waitFor(t, 2*each)), texts(b.waitFor(t, 2*each))
	if !slices.Equal(gotA, gotB) {
		t.Error("the two nodes saw different orders")
	}
	for _, origin := range []string{"a", "b"} {
		var seq []string
		for _, s := range gotA {
			if strings.HasPrefix(s, origin+":") {
				seq = append(seq, s)
			}
		}
		if len(seq) != each {
			t.Fatalf("%d envelopes from %s, want %d", len(seq), origin, each)
		}
		for i, s := range seq {
			if s != fmt.Sprintf("%s:%d", origin, i) {
				t.Fatalf("envelope %d from %s is %q: out of order", i, origin, s)
			}
		}
	}
}

// Envelopes too large for NOTIFY go through broker_payloads; the boundary
// is exact, and large envelopes keep their place in the order.
func TestLargePayloads(t *testing.T) {
	url := storetest.PostgresURL(t)
	a := newNode(t, url, "a", pgbroker.Config{})
	b := newNode(t, url, "b", pgbroker.Config{})

	// sized returns an envelope whose JSON encoding is exactly size bytes.
	sized := func(size int) broker.Envelope {
		e := broker.Envelope{Kind: broker.KindSend, Group: "g", Origin: "a", Frame: frame("")}
		base, _ := json.Marshal(e)
		e.Frame = frame(strings.Repeat("x", size-len(base)))
		if enc, _ := json.Marshal(e); len(enc) != size {
			t.Fatalf("built a %d-byte envelope, want %d", len(enc), size)
		}
		return e
	}
	big := send("g", strings.Repeat("é", 50*1024)) // 100 KiB of UTF-8
	publish(t, a, sized(7999), send("g", "small"), sized(8000), big, send("g", "after"))

	want := []int{7999, 0, 8000, 0, 0}
	for _, n := range []*node{a, b} {
		got := n.waitFor(t, 5)
		for i, e := range got {
			enc, _ := json.Marshal(e)
			if want[i] != 0 && len(enc) != want[i] {
				t.Errorf("node %s envelope %d is %d bytes, want %d", n.b.NodeID(), i, len(enc), want[i])
			}
		}
		if string(got[3].Frame) != string(big.Frame) {
			t.Errorf("node %s: the 100 KiB frame arrived altered (%d bytes)", n.b.NodeID(), len(got[3].Frame))
		}
		if ts := texts(got[1:2]); ts[0] != "a:small" || texts(got[4:])[0] != "a:after" {
			t.Errorf("node %s: order broken around large envelopes: %v", n.b.NodeID(), texts(got))
		}
	}
	if inline, table := a.counter(t, "chatwasm_broker_published_total", "inline"), a.counter(t, "chatwasm_broker_published_total", "table"); inline != 3 || table != 2 {
		t.Errorf("published inline %v, via table %v; want 3 and 2", inline, table)
	}
	var rows int
	if err := a.pool.QueryRow(context.Background(), "SELECT COUNT(*) FROM broker_payloads").Scan(&rows); err != nil || rows != 2 {
		t.Errorf("broker_payloads holds %d rows (%v), want 2", rows, err)
	}
}

func TestStoredPayloadsArePruned(t *testing.T) {
	url := storetest.PostgresURL(t)
	const ttl = 100 * time.Millisecond
	a := newNode(t, url, "a", pgbroker.Config{PayloadTTL: ttl})
	big := send("g", strings.Repeat("x", 10_000))
	publish(t, a, big)
	a.waitFor(t, 1)
	time.Sleep(3 * ttl)
	publish(t, a, big)
	a.waitFor(t, 2)
	var rows int
	if err := a.pool.QueryRow(context.Background(), "SELECT COUNT(*) FROM broker_payloads").Scan(&rows); err != nil || rows != 1 {
		t.Errorf("broker_payloads holds %d rows (%v), want only the fresh one", rows, err)
	}
}

// Killing a node's listening backend: the node reconnects, counts and
// continues, tells Config.Missed once, and delivers nothing twice.
func TestListenerReconnects(t *testing.T) {
	url := storetest.PostgresURL(t)
	a := newNode(t, url, "a", pgbroker.Config{})
	logs := proclog.New()
	var missed atomic.Int32
	b := newNode(t, url, "b", pgbroker.Config{IdleCheck: time.Minute, Logger: slog.New(slog.NewTextHandler(logs, nil)),
		Missed: func() { missed.Add(1) }})
	ctx := context.Background()

	publish(t, a, send("g", "0"), send("g", "1"))
	b.waitFor(t, 2)

	var killed int
	if err := a.pool.QueryRow(ctx, "SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = $1",
		pgbroker.ListenerApplicationName("b")).Scan(&killed); err != nil || killed != 1 {
		t.Fatalf("terminated %d listeners (%v), want 1", killed, err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for b.counter(t, "chatwasm_broker_reconnects_total") < 1 {
		if time.Now().After(deadline) {
			t.Fatal("node b did not reconnect")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if lost := b.counter(t, "chatwasm_broker_listen_connection_lost_total"); lost != 1 {
		t.Errorf("lost counter = %v, want 1", lost)
	}
	if n := missed.Load(); n != 1 {
		t.Errorf("Missed called %d times after one reconnect, want 1", n)
	}

	if l := logs.String(); !strings.Contains(l, "listening connection lost") || !strings.Contains(l, "re-established") {
		t.Errorf("the loss and the reconnection were not logged: %q", l)
	}

	publish(t, a, send("g", "2"), send("g", "3"))
	want := []string{"a:0", "a:1", "a:2", "a:3"}
	b.waitFor(t, 4)
	time.Sleep(50 * time.Millisecond)
	if got := texts(b.received()); !slices.Equal(got, want) {
		t.Errorf("node b received %v, want %v", got, want)
	}
	if got := texts(a.received()); !slices.Equal(got, want) {
		t.Errorf("node a received %v, want %v", got, want)
	}
}

func TestClose(t *testing.T) {
	url := storetest.PostgresURL(t)
	a := newNode(t, url, "a", pgbroker.Config{})
	b := newNode(t, url, "b", pgbroker.Config{})
	if err := b.b.Close(); err != nil {
		t.Fatal(err)
	}
	if err := b.b.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if err := b.b.Publish(context.Background(), send("g", "late")); err == nil {
		t.Error("Publish on a closed broker succeeded")
	}
	publish(t, a, send("g", "x"))
	a.waitFor(t, 1)
	time.Sleep(50 * time.Millisecond)
	if got := b.received(); len(got) != 0 {
		t.Errorf("a closed broker delivered %v", got)
	}
	// The backend exits shortly after the connection's Terminate message.
	deadline := time.Now().Add(5 * time.Second)
	for {
		var listeners int
		if err := a.pool.QueryRow(context.Background(), "SELECT COUNT(*) FROM pg_stat_activity WHERE application_name = $1",
			pgbroker.ListenerApplicationName("b")).Scan(&listeners); err != nil {
			t.Fatal(err)
		}
		if listeners == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d listening connections left after Close", listeners)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestNewChecksConfig(t *testing.T) {
	if _, err := pgbroker.New(context.Background(), pgbroker.Config{}); err == nil {
		t.Error("New without a pool or handler succeeded")
	}
}
