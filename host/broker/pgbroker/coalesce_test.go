package pgbroker_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chatwasm/chatwasm/host/broker/pgbroker"
	"github.com/chatwasm/chatwasm/host/store/storetest"
	"github.com/jackc/pgx/v5"
)

// holdPayloads locks broker_payloads until the returned function is called:
// a publishing transaction that stores a large envelope waits on it, and the
// envelopes published meanwhile queue behind it.
func holdPayloads(t *testing.T, url string) (release func()) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	tx, err := conn.Begin(ctx)
	if err == nil {
		_, err = tx.Exec(ctx, "LOCK TABLE broker_payloads IN ACCESS EXCLUSIVE MODE")
	}
	if err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	release = func() {
		once.Do(func() {
			_ = tx.Rollback(ctx)
			_ = conn.Close(ctx)
		})
	}
	t.Cleanup(release)
	return release
}

// waitUntil polls cond for up to 10 seconds.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// lockWaiters counts the backends waiting for a lock (the blocked INSERT of
// a publishing transaction).
func lockWaiters(t *testing.T, n *node) int {
	t.Helper()
	var c int
	if err := n.pool.QueryRow(context.Background(),
		"SELECT COUNT(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE 'INSERT INTO broker_payloads%'").Scan(&c); err != nil {
		t.Fatal(err)
	}
	return c
}

// blockPublisher starts publishing a large envelope on n and returns once
// its transaction waits on the held broker_payloads, with its outcome to
// come on the channel.
func blockPublisher(t *testing.T, n *node, text string) <-chan error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- n.b.Publish(context.Background(), send("g", text+strings.Repeat("x", 9000))) }()
	waitUntil(t, "the first publisher waits on broker_payloads", func() bool { return lockWaiters(t, n) == 1 })
	return done
}

// checkSequences checks that every node received each envelope once, in the
// same order, each publisher's in the order published (texts "p<k>-<i>",
// large ones padded after the text).
func checkSequences(t *testing.T, total int, nodes ...*node) []string {
	t.Helper()
	var first []string
	for _, n := range nodes {
		n.waitFor(t, total)
		time.Sleep(50 * time.Millisecond) // time for a duplicate to show up
		got := texts(n.received())
		for i, s := range got {
			got[i] = strings.TrimRight(s, "x")
		}
		if len(got) != total {
			t.Fatalf("node %s received %d envelopes, want %d", n.b.NodeID(), len(got), total)
		}
		if first == nil {
			first = got
		} else if !slices.Equal(got, first) {
			t.Errorf("node %s saw another order than node %s", n.b.NodeID(), nodes[0].b.NodeID())
		}
	}
	next := map[string]int{}
	for _, s := range first {
		origin, text, _ := strings.Cut(s, ":")
		pub, i, ok := strings.Cut(text, "-")
		if !ok {
			continue
		}
		key := origin + ":" + pub
		if want := fmt.Sprint(next[key]); i != want {
			t.Fatalf("publisher %s: envelope %s arrived where %s was due (lost, repeated or out of order)", key, i, want)
		}
		next[key]++
	}
	return first
}

// Envelopes published while a publishing transaction runs share the next
// one, large envelopes among them, and still reach every node once, in each
// publisher's order; so do envelopes from many publishers on two nodes.
func TestConcurrentPublishersShareTransactions(t *testing.T) {
	url := storetest.PostgresURL(t)
	a := newNode(t, url, "a", pgbroker.Config{})
	b := newNode(t, url, "b", pgbroker.Config{})

	release := holdPayloads(t, url)
	blocked := blockPublisher(t, a, "first")
	const pubs, each = 20, 10
	var wg sync.WaitGroup
	for _, n := range []*node{a, b} {
		for k := range pubs {
			wg.Go(func() {
				for i := range each {
					text := fmt.Sprintf("p%d-%d", k, i)
					if (k+i)%5 == 0 {
						text += strings.Repeat("x", 9000) // stored in broker_payloads
					}
					if err := n.b.Publish(context.Background(), send("g", text)); err != nil {
						t.Error(err)
						return
					}
				}
			})
		}
	}
	waitUntil(t, "node a's publishers queue", func() bool { return pgbroker.Queued(a.b) == pubs })
	release()
	if err := <-blocked; err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	checkSequences(t, 1+2*pubs*each, a, b)

	published := a.counter(t, "chatwasm_broker_published_total", "inline") + a.counter(t, "chatwasm_broker_published_total", "table")
	if published != 1+pubs*each {
		t.Errorf("node a counted %v envelopes published, want %d", published, 1+pubs*each)
	}
	// The first envelope went alone; the 20 queued behind it, 4 of them
	// large, in one notification.
	if notes := a.counter(t, "chatwasm_broker_notifications_total"); notes > published-(pubs-1) {
		t.Errorf("node a sent %v notifications for %v envelopes: the queued ones did not share one", notes, published)
	}
}

// Two equal envelopes of one batch, each too large to share a notification:
// PostgreSQL would deliver one transaction's two equal notifications once.
func TestEqualEnvelopesInOneBatchBothArrive(t *testing.T) {
	url := storetest.PostgresURL(t)
	a := newNode(t, url, "a", pgbroker.Config{})
	b := newNode(t, url, "b", pgbroker.Config{})
	release := holdPayloads(t, url)
	blocked := blockPublisher(t, a, "first")
	twin := send("g", "twin"+strings.Repeat("x", 5000))
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() {
			if err := a.b.Publish(context.Background(), twin); err != nil {
				t.Error(err)
			}
		})
	}
	waitUntil(t, "both twins queue", func() bool { return pgbroker.Queued(a.b) == 2 })
	release()
	if err := <-blocked; err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	got := checkSequences(t, 3, a, b)
	if want := []string{"a:first", "a:twin", "a:twin"}; !slices.Equal(got, want) {
		t.Errorf("received %v, want %v", got, want)
	}
}

// When a batch's transaction fails, every caller in it gets the error and
// none of its envelopes is delivered; the broker then goes on.
func TestFailedBatchFailsEveryCaller(t *testing.T) {
	url := storetest.PostgresURL(t)
	a := newNode(t, url, "a", pgbroker.Config{})
	b := newNode(t, url, "b", pgbroker.Config{})
	release := holdPayloads(t, url)
	blocked := blockPublisher(t, a, "first")
	const queued = 10
	errs := make([]error, queued)
	var wg sync.WaitGroup
	for k := range queued {
		wg.Go(func() {
			text := fmt.Sprintf("p%d-0", k)
			if k == queued/2 {
				text += strings.Repeat("x", 9000) // the batch stores one, so waits on the lock too
			}
			errs[k] = a.b.Publish(context.Background(), send("g", text))
		})
	}
	waitUntil(t, "the batch queues", func() bool { return pgbroker.Queued(a.b) == queued })
	cancelInsert := func() {
		t.Helper()
		if _, err := b.pool.Exec(context.Background(),
			"SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE 'INSERT INTO broker_payloads%'"); err != nil {
			t.Fatal(err)
		}
	}
	cancelInsert()
	if err := <-blocked; err == nil {
		t.Error("the first publish succeeded though its transaction was cancelled")
	}
	waitUntil(t, "the queued batch waits on broker_payloads", func() bool { return lockWaiters(t, a) == 1 })
	cancelInsert()
	wg.Wait()
	for k, err := range errs {
		if err == nil || !strings.Contains(err.Error(), "canceling statement") {
			t.Errorf("publisher %d: err = %v, want the cancelled transaction's", k, err)
		}
	}
	release()
	publish(t, a, send("g", "after"))
	if got := checkSequences(t, 1, a, b); !slices.Equal(got, []string{"a:after"}) {
		t.Errorf("received %v, want only the envelope published after the failures", got)
	}
}

// Close while many publish: every Publish returns, those that succeeded are
// delivered to the other node once and in order, and later ones fail.
func TestCloseWhilePublishing(t *testing.T) {
	url := storetest.PostgresURL(t)
	a := newNode(t, url, "a", pgbroker.Config{})
	b := newNode(t, url, "b", pgbroker.Config{})
	const pubs = 16
	var mu sync.Mutex
	ok := 0
	var wg sync.WaitGroup
	for k := range pubs {
		wg.Go(func() {
			for i := 0; ; i++ {
				if err := a.b.Publish(context.Background(), send("g", fmt.Sprintf("p%d-%d", k, i))); err != nil {
					return
				}
				mu.Lock()
				ok++
				mu.Unlock()
			}
		})
	}
	waitUntil(t, "some envelopes arrive", func() bool { return len(b.received()) >= 100 })
	if err := a.b.Close(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("publishers still blocked 30 s after Close")
	}
	checkSequences(t, ok, b)
	if err := a.b.Publish(context.Background(), send("g", "late")); err == nil {
		t.Error("Publish after Close succeeded")
	}
}

// A node reads every form a notification takes: one envelope inline or
// stored (what nodes that predate packing send, and what a lone envelope
// still travels as), and a packed list of both; an element it cannot read is
// dropped without losing the rest of its list.
func TestListenerReadsEveryForm(t *testing.T) {
	url := storetest.PostgresURL(t)
	b := newNode(t, url, "b", pgbroker.Config{})
	ctx := context.Background()
	var id int64
	if err := b.pool.QueryRow(ctx, `INSERT INTO broker_payloads (payload) VALUES ('{"k":"send","g":"g","f":"stored","o":"old"}') RETURNING id`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{
		`{"k":"send","g":"g","f":"inline","o":"old"}`,
		fmt.Sprintf("@%d", id),
		fmt.Sprintf(`[{"k":"send","g":"g","f":"p0","o":"new"},%d,"bogus",{"k":"send","g":"g","f":"p2","o":"new"}]`, id),
	} {
		if _, err := b.pool.Exec(ctx, "SELECT pg_notify($1, $2)", pgbroker.DefaultChannel, p); err != nil {
			t.Fatal(err)
		}
	}
	got := texts(b.waitFor(t, 5))
	if want := []string{"old:inline", "old:stored", "new:p0", "old:stored", "new:p2"}; !slices.Equal(got, want) {
		t.Errorf("received %v, want %v", got, want)
	}
	if d := b.counter(t, "chatwasm_broker_dropped_total"); d != 1 {
		t.Errorf("dropped_total = %v, want 1 (the bogus element)", d)
	}
}
