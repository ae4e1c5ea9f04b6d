package hooks

import (
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the per-module Prometheus metrics. They outlive Sets: a
// Manager creates them once and every Set it loads reports to them.
type Metrics struct {
	calls    *prometheus.CounterVec
	errors   *prometheus.CounterVec
	timeouts *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	disabled *prometheus.GaugeVec
	// queueWait and overloaded are the admission's: requests that waited
	// for a turn to run module code, and those that waited in vain.
	queueWait  prometheus.Histogram
	overloaded prometheus.Counter
	// limited counts what a per-call limit refused (emit) or dropped (log).
	limited *prometheus.CounterVec
	// stats are the per-module totals Status reports, by module name
	// (*moduleStats), kept here so that they outlive reloads.
	stats sync.Map
}

// moduleStats are a module's call totals over its hooks, for Status (the
// admin API), counted next to the Prometheus metrics.
type moduleStats struct {
	calls, errors, timeouts, nanos atomic.Int64
	// lastFault is the message of its last fault (trap, timeout, broken
	// limit), for an operator looking at why its errors climb.
	lastFault atomic.Pointer[string]
}

// statsOf returns the totals of the module named name.
func (m *Metrics) statsOf(name string) *moduleStats {
	if st, ok := m.stats.Load(name); ok {
		return st.(*moduleStats)
	}
	st, _ := m.stats.LoadOrStore(name, &moduleStats{})
	return st.(*moduleStats)
}

// NewMetrics registers the module metrics on reg; a nil reg keeps them
// unregistered (still counted, never exported).
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	m := &Metrics{
		calls:    moduleCounterVec("calls_total", "Calls of a module's hook export.", "module", "hook"),
		errors:   moduleCounterVec("errors_total", "Failed hook calls, by kind: error (the module set an error) or fault (trap, timeout, limit).", "module", "hook", "kind"),
		timeouts: moduleCounterVec("timeouts_total", "Hook calls stopped at their deadline (also counted as faults).", "module", "hook"),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: "chatwasm", Subsystem: "module", Name: "call_duration_seconds",
			Help:    "Duration of a hook call, including the rest of the chain it called through next.",
			Buckets: prometheus.ExponentialBuckets(10e-6, 4, 10),
		}, []string{"module", "hook"}),
		disabled: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Namespace: "chatwasm", Subsystem: "module", Name: "disabled",
			Help: "How many tenants a module is disabled for after repeated faults (until a trial call succeeds, or reload).",
		}, []string{"module"}),
		queueWait: prometheus.NewHistogram(prometheus.HistogramOpts{
			Namespace: "chatwasm", Subsystem: "module", Name: "queue_wait_seconds",
			Help:    "Time a request waited for its turn to run module code, when it had to wait.",
			Buckets: prometheus.ExponentialBuckets(100e-6, 4, 10),
		}),
		limited: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "chatwasm", Subsystem: "module", Name: "limited_total",
			Help: "Emits refused and log lines dropped by the per-call limits, by module and import.",
		}, []string{"module", "import"}),
		overloaded: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: "chatwasm", Subsystem: "module", Name: "overloaded_total",
			Help: "Requests refused because they waited the queue timeout for a turn to run module code.",
		}),
	}
	if reg == nil {
		return m, nil
	}
	for _, c := range []prometheus.Collector{m.calls, m.errors, m.timeouts, m.latency, m.disabled,
		m.queueWait, m.overloaded, m.limited} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("hooks: register module metrics: %w", err)
		}
	}
	return m, nil
}

// moduleCounterVec is a chatwasm_module_* counter with the given labels.
func moduleCounterVec(name, help string, labels ...string) *prometheus.CounterVec {
	return prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: "chatwasm", Subsystem: "module", Name: name, Help: help,
	}, labels)
}

// hookMetrics are one (module, hook)'s children, resolved once per Set so
// that a call does no label lookup.
type hookMetrics struct {
	calls, errs, faults, timeouts prometheus.Counter
	latency                       prometheus.Observer
	stats                         *moduleStats
}

func (m *Metrics) forHook(module, hook string) *hookMetrics {
	return &hookMetrics{
		calls:    m.calls.WithLabelValues(module, hook),
		errs:     m.errors.WithLabelValues(module, hook, "error"),
		faults:   m.errors.WithLabelValues(module, hook, "fault"),
		timeouts: m.timeouts.WithLabelValues(module, hook),
		latency:  m.latency.WithLabelValues(module, hook),
		stats:    m.statsOf(module),
	}
}
