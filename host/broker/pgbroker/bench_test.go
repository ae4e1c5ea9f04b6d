package pgbroker_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chatwasm/chatwasm/host/broker"
	"github.com/chatwasm/chatwasm/host/broker/pgbroker"
	"github.com/chatwasm/chatwasm/host/store/storetest"
	"github.com/jackc/pgx/v5/pgxpool"
)

// stamped is a benchmark frame: the publish time, and padding for size.
type stamped struct {
	At  int64  `json:"at"`
	Pad string `json:"pad,omitempty"`
}

// benchPair starts a publishing node and a receiving node; the receiver
// records, per envelope, publish→deliver latency.
func benchPair(b *testing.B) (pub *pgbroker.Broker, lat chan time.Duration) {
	b.Helper()
	url := storetest.PostgresURL(b)
	ctx := context.Background()
	lat = make(chan time.Duration, 1<<20)
	mk := func(id string, h broker.Handler) *pgbroker.Broker {
		pool, err := pgxpool.New(ctx, url)
		if err != nil {
			b.Fatal(err)
		}
		br, err := pgbroker.New(ctx, pgbroker.Config{Pool: pool, NodeID: id, Handler: h})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() {
			_ = br.Close()
			pool.Close()
		})
		return br
	}
	mk("receiver", func(e broker.Envelope) {
		var s stamped
		if err := json.Unmarshal(e.Frame, &s); err != nil {
			b.Error(err)
		}
		lat <- time.Since(time.Unix(0, s.At))
	})
	return mk("publisher", func(broker.Envelope) {}), lat
}

func envelope(b *testing.B, pad string) broker.Envelope {
	f, err := json.Marshal(stamped{At: time.Now().UnixNano(), Pad: pad})
	if err != nil {
		b.Fatal(err)
	}
	return broker.Envelope{Kind: broker.KindSend, Group: "room.bench", Frame: f}
}

func reportLatency(b *testing.B, ds []time.Duration) {
	if len(ds) == 0 {
		return
	}
	slices.Sort(ds)
	q := func(p float64) float64 { return float64(ds[int(p*float64(len(ds)-1))].Microseconds()) }
	b.ReportMetric(q(0.50), "p50-µs")
	b.ReportMetric(q(0.99), "p99-µs")
}

// BenchmarkLatency publishes one envelope at a time and waits for the other
// node to handle it: the unloaded publish→deliver latency.
func BenchmarkLatency(b *testing.B) {
	for _, size := range []struct {
		name string
		pad  int
	}{{"200B", 150}, {"100KB", 100 << 10}} {
		b.Run(size.name, func(b *testing.B) {
			pub, lat := benchPair(b)
			pad := strings.Repeat("x", size.pad)
			ds := make([]time.Duration, 0, b.N)
			ctx := context.Background()
			for b.Loop() {
				if err := pub.Publish(ctx, envelope(b, pad)); err != nil {
					b.Fatal(err)
				}
				ds = append(ds, <-lat)
			}
			reportLatency(b, ds)
		})
	}
}

// BenchmarkThroughput publishes from parallel goroutines (as a node's many
// connections do) and reports how many envelopes per second reach the other
// node, and their latency under that load.
func BenchmarkThroughput(b *testing.B) {
	pub, lat := benchPair(b)
	pad := strings.Repeat("x", 150)
	ctx := context.Background()
	var published atomic.Int64
	start := time.Now()
	b.SetParallelism(4)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := pub.Publish(ctx, envelope(b, pad)); err != nil {
				b.Error(err)
				return
			}
			published.Add(1)
		}
	})
	n := int(published.Load())
	ds := make([]time.Duration, 0, n)
	timeout := time.After(30 * time.Second)
	for len(ds) < n {
		select {
		case d := <-lat:
			ds = append(ds, d)
		case <-timeout:
			b.Fatalf("received %d of %d envelopes", len(ds), n)
		}
	}
	elapsed := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(n)/elapsed.Seconds(), "events/s")
	reportLatency(b, ds)
}
