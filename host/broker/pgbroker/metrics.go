package pgbroker

import (
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the broker's Prometheus collectors.
type metrics struct {
	published     *prometheus.CounterVec
	notifications prometheus.Counter
	delivered     prometheus.Counter
	dropped       prometheus.Counter
	lost          prometheus.Counter
	reconnects    prometheus.Counter
	connectErrors prometheus.Counter
}

// newMetrics creates the collectors.
func newMetrics() *metrics {
	m := &metrics{
		published: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "chatwasm_broker_published_total",
			Help: "Envelopes published, by path: inline in the notification or stored in broker_payloads.",
		}, []string{"path"}),
		notifications: counter("chatwasm_broker_notifications_total", "Notifications committed; each carries one envelope or several packed together."),
		delivered:     counter("chatwasm_broker_delivered_total", "Envelopes received from the database and handed to this node's handler."),
		dropped:       counter("chatwasm_broker_dropped_total", "Notifications received that could not be decoded or whose stored envelope was gone."),
		lost:          counter("chatwasm_broker_listen_connection_lost_total", "Times the LISTEN connection failed; envelopes published until it is back are missed by this node."),
		reconnects:    counter("chatwasm_broker_reconnects_total", "Times the LISTEN connection was re-established after a loss."),
		connectErrors: counter("chatwasm_broker_reconnect_errors_total", "Failed attempts to re-establish the LISTEN connection."),
	}
	// Make the path label's series exist before the first publish.
	m.published.WithLabelValues("inline")
	m.published.WithLabelValues("table")
	return m
}

// counter is a plain counter; the broker's counters need nothing but a name
// and a help text.
func counter(name, help string) prometheus.Counter {
	return prometheus.NewCounter(prometheus.CounterOpts{Name: name, Help: help})
}

// register registers the collectors on reg, if not nil.
func (m *metrics) register(reg prometheus.Registerer) error {
	if reg == nil {
		return nil
	}
	for _, c := range []prometheus.Collector{m.published, m.notifications, m.delivered, m.dropped, m.lost, m.reconnects, m.connectErrors} {
		if err := reg.Register(c); err != nil {
			return fmt.Errorf("pgbroker: register metrics: %w", err)
		}
	}
	return nil
}
