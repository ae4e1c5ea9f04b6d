package natsbroker

import (
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the broker's Prometheus collectors. The names are pgbroker's
// where the meaning is the same: one node runs one broker.
type metrics struct {
	published  *prometheus.CounterVec
	delivered  prometheus.Counter
	duplicates prometheus.Counter
	dropped    prometheus.Counter
	lost       prometheus.Counter
	reconnects prometheus.Counter
}

// newMetrics creates the collectors.
func newMetrics() *metrics {
	m := &metrics{
		published: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "chatwasm_broker_published_total",
			Help: "Messages published to NATS, by path: on the envelope's own subject (group), or copied to a member this node added lately (joiner).",
		}, []string{"path"}),
		delivered:  counter("chatwasm_broker_delivered_total", "Envelopes received from the broker and handed to this node's handler."),
		duplicates: counter("chatwasm_broker_duplicates_total", "Envelopes received again (a copy to a new member, on a subject the node also watches) and not handled twice."),
		dropped:    counter("chatwasm_broker_dropped_total", "Messages received that could not be decoded, or dropped by the client because the node could not keep up."),
		lost:       counter("chatwasm_broker_connection_lost_total", "Times the NATS connection was lost; envelopes published until it is back are missed by this node."),
		reconnects: counter("chatwasm_broker_reconnects_total", "Times the NATS connection was re-established after a loss, counted once the server has the node's subscriptions again."),
	}
	m.published.WithLabelValues("group")
	m.published.WithLabelValues("joiner")
	return m
}

// counter is a plain counter.
func counter(name, help string) prometheus.Counter {
	return prometheus.NewCounter(prometheus.CounterOpts{Name: name, Help: help})
}

// register registers the collectors on reg, if not nil, with a gauge of the
// node's subscriptions read from subscriptions.
func (m *metrics) register(reg prometheus.Registerer, subscriptions func() float64) error {
	if reg == nil {
		return nil
	}
	subs := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "chatwasm_broker_subscriptions",
		Help: "Groups this node is subscribed to on NATS: those its local connections are in.",
	}, subscriptions)
	for _, c := range []prometheus.Collector{m.published, m.delivered, m.duplicates, m.dropped, m.lost, m.reconnects, subs} {
		if err := reg.Register(c); err != nil {
			return fmt.Errorf("natsbroker: register metrics: %w", err)
		}
	}
	return nil
}
