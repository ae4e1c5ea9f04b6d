// Package otlptest is an OTLP/HTTP trace collector for tests: it receives
// the spans a tracer exports, as a real collector does, and keeps them.
package otlptest

import (
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"sync"
	"testing"

	coltrace "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	common "go.opentelemetry.io/proto/otlp/common/v1"
	"google.golang.org/protobuf/proto"
)

// Span is a span as received: its name and its attributes, as text.
type Span struct {
	Name  string
	Attrs map[string]string
	// Resource is the attributes of the resource that exported it.
	Resource map[string]string
}

// Collector is a running OTLP/HTTP endpoint.
type Collector struct {
	// URL is its base URL, an OTEL_EXPORTER_OTLP_ENDPOINT.
	URL string

	mu    sync.Mutex
	spans []Span
	paths []string
}

// New starts a collector, stopped when the test ends. A request it cannot
// decode fails the test.
func New(t testing.TB) *Collector {
	c := &Collector{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		var req coltrace.ExportTraceServiceRequest
		if err == nil {
			err = proto.Unmarshal(body, &req)
		}
		if err != nil {
			t.Errorf("otlptest: %s: %v", r.URL.Path, err)
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		c.mu.Lock()
		defer c.mu.Unlock()
		c.paths = append(c.paths, r.URL.Path)
		for _, rs := range req.ResourceSpans {
			res := map[string]string{}
			for _, kv := range rs.Resource.GetAttributes() {
				res[kv.Key] = text(kv.Value)
			}
			for _, ss := range rs.ScopeSpans {
				for _, sp := range ss.Spans {
					attrs := map[string]string{}
					for _, kv := range sp.Attributes {
						attrs[kv.Key] = text(kv.Value)
					}
					c.spans = append(c.spans, Span{Name: sp.Name, Attrs: attrs, Resource: res})
				}
			}
		}
		w.Header().Set("Content-Type", "application/x-protobuf")
	}))
	t.Cleanup(srv.Close)
	c.URL = srv.URL
	return c
}

// text is v as a string: a string as it is, an integer or a boolean as Go
// formats it.
func text(v *common.AnyValue) string {
	switch x := v.GetValue().(type) {
	case *common.AnyValue_IntValue:
		return strconv.FormatInt(x.IntValue, 10)
	case *common.AnyValue_BoolValue:
		return strconv.FormatBool(x.BoolValue)
	default:
		return v.GetStringValue()
	}
}

// Spans returns the spans received so far.
func (c *Collector) Spans() []Span {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.spans)
}

// Paths returns the paths of the requests received so far.
func (c *Collector) Paths() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.paths)
}

// Named returns the received spans called name.
func (c *Collector) Named(name string) []Span {
	var out []Span
	for _, sp := range c.Spans() {
		if sp.Name == name {
			out = append(out, sp)
		}
	}
	return out
}
