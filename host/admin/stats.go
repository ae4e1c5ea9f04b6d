package admin

import (
	"net/http"
	"time"

	dto "github.com/prometheus/client_model/go"
)

// counters are the live figures of GET /admin/stats. They are read from the
// server's Prometheus registry, so they always agree with GET /metrics.
type counters struct {
	// Connections are the WebSocket connections open on this node.
	Connections float64 `json:"connections"`
	// MessagesSent are the message.send requests received.
	MessagesSent float64 `json:"messages_sent"`
	// FramesIn are the frames received, FramesOut those sent (all but
	// each connection's first, chat.notifications), ErrorFrames the error
	// frames among them.
	FramesIn    float64 `json:"frames_in"`
	FramesOut   float64 `json:"frames_out"`
	ErrorFrames float64 `json:"error_frames"`
	// ModuleCalls and ModuleErrors are the module hook calls, and those
	// that failed (an error the module set, or a fault).
	ModuleCalls  float64 `json:"module_calls"`
	ModuleErrors float64 `json:"module_errors"`
	// Goroutines and ResidentBytes are the process's.
	Goroutines    float64 `json:"goroutines"`
	ResidentBytes float64 `json:"resident_bytes"`
	// UptimeSeconds is how long the server has been running.
	UptimeSeconds float64 `json:"uptime_seconds"`
}

// stats answers GET /admin/stats with the counters.
func (a *API) stats(w http.ResponseWriter, r *http.Request) {
	var c counters
	if a.d.Metrics != nil {
		mfs, err := a.d.Metrics.Gather()
		if err != nil {
			a.internal(w, r, err)
			return
		}
		fields := map[string]*float64{
			"chatwasm_connections_open":     &c.Connections,
			"chatwasm_frames_in_total":      &c.FramesIn,
			"chatwasm_frames_out_total":     &c.FramesOut,
			"chatwasm_errors_total":         &c.ErrorFrames,
			"chatwasm_module_calls_total":   &c.ModuleCalls,
			"chatwasm_module_errors_total":  &c.ModuleErrors,
			"go_goroutines":                 &c.Goroutines,
			"process_resident_memory_bytes": &c.ResidentBytes,
		}
		for _, mf := range mfs {
			if mf.GetName() == "chatwasm_frames_in_total" {
				c.MessagesSent = sum(mf, func(m *dto.Metric) bool { return label(m, "event_type") == "message.send" })
			}
			if f := fields[mf.GetName()]; f != nil {
				*f = sum(mf, func(*dto.Metric) bool { return true })
			}
		}
	}
	if !a.d.Started.IsZero() {
		c.UptimeSeconds = time.Since(a.d.Started).Seconds()
	}
	writeJSON(w, http.StatusOK, c)
}

// sum adds up the values of mf's series that keep says to.
func sum(mf *dto.MetricFamily, keep func(*dto.Metric) bool) float64 {
	total := 0.0
	for _, m := range mf.GetMetric() {
		if !keep(m) {
			continue
		}
		switch {
		case m.Counter != nil:
			total += m.GetCounter().GetValue()
		case m.Gauge != nil:
			total += m.GetGauge().GetValue()
		}
	}
	return total
}

// label is the value of m's label name, "" without it.
func label(m *dto.Metric, name string) string {
	for _, l := range m.GetLabel() {
		if l.GetName() == name {
			return l.GetValue()
		}
	}
	return ""
}
