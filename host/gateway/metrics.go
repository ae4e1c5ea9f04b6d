package gateway

import (
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the gateway's Prometheus collectors. They live on a registry
// the caller owns, so several servers (tests, benchmarks) never share state.
type Metrics struct {
	conns        prometheus.Gauge
	framesIn     *prometheus.CounterVec
	errors       *prometheus.CounterVec
	opLatency    *prometheus.HistogramVec
	slowClosed   prometheus.Counter
	authFailures prometheus.Counter
	throttled    prometheus.Counter
	connLimited  prometheus.Counter
	oversized    prometheus.Counter
	notifsCut    prometheus.Counter
	framesOut    prometheus.Counter
	writes       prometheus.Counter
}

// Label values for frames that never reach an operation.
const (
	labelInvalidFrame = "invalid"
	labelUnknownEvent = "unknown"
	labelInvalidEvent = "invalid_event_type"
)

// NewMetrics creates the gateway's collectors and registers them on reg.
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	m := &Metrics{
		conns: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "chatwasm_connections_open",
			Help: "WebSocket connections currently open.",
		}),
		framesIn: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "chatwasm_frames_in_total",
			Help: "Frames received from clients, by event type (\"invalid\" for frames that are not a JSON object, \"unknown\" for unknown event types).",
		}, []string{"event_type"}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "chatwasm_errors_total",
			Help: "Error frames sent to clients, by error code.",
		}, []string{"code"}),
		opLatency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "chatwasm_operation_duration_seconds",
			Help:    "Time to run one client action, from decoded frame to effects applied.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}, []string{"event_type"}),
		slowClosed:   counter("chatwasm_slow_consumer_disconnects_total", "Connections closed because the client did not drain its outbound queue (full, over its bytes, or a write to it timed out)."),
		authFailures: counter("chatwasm_auth_failures_total", "WebSocket connections closed with 4001 (missing, invalid or expired token, or unknown user)."),
		throttled:    counter("chatwasm_frames_throttled_total", "Client frames read late because their connection was over its frame rate."),
		connLimited:  counter("chatwasm_connections_over_user_limit_total", "WebSocket connections closed with 1008 because their user had the maximum number open on this node."),
		oversized:    counter("chatwasm_frames_oversized_total", "Frames an operation produced over the outbound frame limit, answered with a 4003 and sent to no one."),
		notifsCut: counter("chatwasm_connect_notifications_truncated_total",
			"Connect-time chat.notifications frames that held only the newest pending notifications because all of them were over the outbound frame limit."),
		framesOut: counter("chatwasm_frames_out_total", "Frames the connections' writers sent to clients (all but the connect's chat.notifications)."),
		writes: counter("chatwasm_outbound_writes_total",
			"Writes of queued frames to client sockets: a writer sends all the frames it finds queued with one write (more only past 64 KiB), so chatwasm_frames_out_total over this is the frames per write."),
	}
	for _, c := range []prometheus.Collector{m.conns, m.framesIn, m.errors, m.opLatency, m.slowClosed, m.authFailures,
		m.throttled, m.connLimited, m.oversized, m.notifsCut, m.framesOut, m.writes} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("gateway: register metrics: %w", err)
		}
	}
	return m, nil
}

// counter is a plain counter; most of the gateway's need nothing but a name
// and a help text.
func counter(name, help string) prometheus.Counter {
	return prometheus.NewCounter(prometheus.CounterOpts{Name: name, Help: help})
}
