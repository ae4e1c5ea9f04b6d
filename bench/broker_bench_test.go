package bench

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chatwasm/chatwasm/host/broker"
	"github.com/chatwasm/chatwasm/host/broker/natsbroker"
	"github.com/chatwasm/chatwasm/host/broker/pgbroker"
	"github.com/chatwasm/chatwasm/host/store/storetest"
	"github.com/chatwasm/chatwasm/internal/natstest"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Broker cluster ceiling: each of the nodes (brokers in this process, one
// connection each to PostgreSQL or NATS, as chatwasm serve holds) publishes
// from brokerPublishers goroutines to brokerRooms rooms, every node watching
// every room, so that every envelope reaches every node: the worst case of
// NATS's interest-based routing and pgbroker's only case. Publishers keep at
// most brokerWindow envelopes in flight ahead of the slowest node, so that
// the ceiling is what is delivered, not what queues up.
const (
	brokerPublishers = 4
	brokerRooms      = 64
	brokerWindow     = 4096
)

// BenchmarkBrokerCluster measures the broker alone, PostgreSQL
// LISTEN/NOTIFY against NATS, with 2 and 3 nodes, in one run: events/s is
// envelopes published per second, each delivered to every node;
// nodes-µs/msg is this process's CPU (every node's broker: publishing,
// receiving, decoding) and server-µs/msg the broker server's (the
// PostgreSQL backends of the database, or nats-server), both per delivered
// envelope.
func BenchmarkBrokerCluster(b *testing.B) {
	for _, nodes := range []int{2, 3} {
		for _, kind := range []string{"postgres", "nats"} {
			b.Run(fmt.Sprintf("nodes=%d/%s", nodes, kind), func(b *testing.B) { brokerCeiling(b, kind, nodes) })
		}
	}
}

// clusterNode is one node of brokerCeiling: a broker and what it received.
type clusterNode struct {
	br        broker.Broker
	delivered atomic.Int64
}

func brokerCeiling(b *testing.B, kind string, nodes int) {
	ctx := context.Background()
	log := slog.New(slog.DiscardHandler)
	ns := make([]*clusterNode, nodes)
	var server func() []string // the broker server's processes, as /proc names
	switch kind {
	case "postgres":
		db := storetest.PostgresURL(b)
		probe := newPGProbe(b, db)
		server = probe.backends
		for i := range ns {
			pool, err := pgxpool.New(ctx, db)
			if err != nil {
				b.Fatal(err)
			}
			n := &clusterNode{}
			br, err := pgbroker.New(ctx, pgbroker.Config{Pool: pool, NodeID: "n" + strconv.Itoa(i), Logger: log,
				Handler: func(broker.Envelope) { n.delivered.Add(1) }})
			if err != nil {
				b.Fatal(err)
			}
			n.br = br
			b.Cleanup(func() {
				_ = br.Close()
				pool.Close()
			})
			ns[i] = n
		}
	case "nats":
		srv := natstest.Start(b)
		server = func() []string { return []string{strconv.Itoa(srv.PID())} }
		for i := range ns {
			n := &clusterNode{}
			br, err := natsbroker.New(ctx, natsbroker.Config{URL: srv.URL(), NodeID: "n" + strconv.Itoa(i), Logger: log,
				Handler: func(broker.Envelope) { n.delivered.Add(1) }})
			if err != nil {
				b.Fatal(err)
			}
			for r := range brokerRooms {
				br.Watch(brokerRoom(r))
			}
			if err := br.Flush(ctx); err != nil {
				b.Fatal(err)
			}
			n.br = br
			b.Cleanup(func() { _ = br.Close() })
			ns[i] = n
		}
	}
	frame := []byte(`{"type":"broadcast_group","eventType":"messagetyping.dispatch","data":{"username":"` +
		strings.Repeat("x", 150) + `"}}`)
	var published atomic.Int64
	minDelivered := func() int64 {
		m := ns[0].delivered.Load()
		for _, n := range ns[1:] {
			m = min(m, n.delivered.Load())
		}
		return m
	}
	total := int64(b.N)
	cpu := startCPU(func() map[string][]string { return map[string][]string{"nodes": {"self"}, "server": server()} })
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	for i, n := range ns {
		for p := range brokerPublishers {
			wg.Go(func() {
				for k := 0; ; k++ {
					if published.Add(1) > total {
						return
					}
					for published.Load()-minDelivered() > brokerWindow {
						time.Sleep(100 * time.Microsecond)
					}
					env := broker.Envelope{Kind: broker.KindSend, Group: brokerRoom((i*brokerPublishers + p + k) % brokerRooms), Frame: frame}
					if err := n.br.Publish(ctx, env); err != nil {
						b.Error(err)
						return
					}
				}
			})
		}
	}
	wg.Wait()
	deadline := time.Now().Add(waitTimeout)
	for minDelivered() < total {
		if time.Now().After(deadline) {
			b.Fatalf("delivered %d of %d envelopes to the slowest node", minDelivered(), total)
		}
		time.Sleep(100 * time.Microsecond)
	}
	elapsed := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(total)/elapsed.Seconds(), "events/s")
	cpu.report(b, total*int64(nodes))
}

func brokerRoom(i int) string { return "group-bench-" + strconv.Itoa(i) }
