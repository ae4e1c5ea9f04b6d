package hooks_test

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/chatwasm/chatwasm/abi"
	"github.com/chatwasm/chatwasm/host/hooks"
	"github.com/chatwasm/chatwasm/internal/modkit"
	"github.com/prometheus/client_golang/prometheus"
)

// TestAdmissionNestedChain: with one request admitted at a time, a chain of
// two modules (the outer one's next reaching the inner one) and a replace
// chain nested inside it still run: nested calls ride on the request's turn.
func TestAdmissionNestedChain(t *testing.T) {
	s := guestSet(t, hooks.Options{MaxConcurrent: 1, QueueTimeout: time.Minute},
		guestModule{name: "a", hooks: "create_message, _create_message", config: "mode: wrap, tag: a", more: []string{"instances: 1"}},
		guestModule{name: "b", hooks: "create_message", config: "mode: wrap, tag: b", more: []string{"instances: 1"}},
	)
	replace := func(ctx context.Context, in []byte) ([]byte, error) {
		return s.Run(ctx, "_create_message", alice, in, (&core{}).next)
	}
	out, err := s.Run(context.Background(), "create_message", alice, []byte(`{"trail":[]}`), replace)
	if err != nil {
		t.Fatal(err)
	}
	var tr trail
	if err := json.Unmarshal(out, &tr); err != nil {
		t.Fatal(err)
	}
	if want := []string{"a:in", "b:in", "a:in", "core", "a:out", "b:out", "a:out"}; !slices.Equal(tr.Trail, want) {
		t.Fatalf("trail %v, want %v", tr.Trail, want)
	}
}

// TestAdmissionOverloaded: a request that waits past the queue timeout for
// its turn fails with the busy 4006, is counted as overloaded, is no fault
// of the module's (nothing counted, the module stays enabled) and does not
// fall back to on_failure: open (the module is not skipped).
func TestAdmissionOverloaded(t *testing.T) {
	m, reg, logs := observedModule(t, "wrap", hooks.Options{MaxConcurrent: 1, QueueTimeout: 50 * time.Millisecond,
		FaultLimit: 1})
	s := acquire(t, m)

	// The first request holds the only turn inside its Go default.
	inside, release := make(chan struct{}), make(chan struct{})
	held := make(chan error, 1)
	go func() {
		_, err := s.Run(context.Background(), "create_message", alice, []byte(`{"trail":[]}`),
			func(ctx context.Context, in []byte) ([]byte, error) {
				close(inside)
				<-release
				return in, nil
			})
		held <- err
	}()
	<-inside
	c := &core{}
	for range 3 {
		_, err := run(t, s, "create_message", alice, c)
		if !errors.Is(err, hooks.ErrOverloaded) {
			t.Fatalf("want ErrOverloaded, got %v", err)
		}
		if w := modkit.WireError(t, err); w.Code != abi.CodeInternal || w.Detail != hooks.BusyDetail {
			t.Fatalf("wire error %+v", w)
		}
	}
	if c.calls.Load() != 0 {
		t.Error("an overloaded request ran the rest of the chain (on_failure: open applied)")
	}
	close(release)
	if err := <-held; err != nil {
		t.Fatal(err)
	}
	if got := counter(t, reg, "chatwasm_module_overloaded_total"); got != 3 {
		t.Errorf("overloaded_total = %v, want 3", got)
	}
	if got := counter(t, reg, "chatwasm_module_errors_total", "a", "create_message", "fault"); got != 0 {
		t.Errorf("overload counted as %v faults", got)
	}
	if got := gauge(t, reg, "chatwasm_module_disabled", "a"); got != 0 {
		t.Error("overload disabled the module")
	}
	if len(logs.Find("module fault")) != 0 {
		t.Errorf("overload logged as a module fault: %v", logs.Find("module fault"))
	}
	// With the turn free again, requests run.
	if got, err := run(t, s, "create_message", alice, &core{}); err != nil ||
		!slices.Equal(got, []string{"a:in", "core", "a:out"}) {
		t.Fatalf("after the overload: %v, %v", got, err)
	}
	if histogramCount(t, reg, "chatwasm_module_queue_wait_seconds") != 0 {
		t.Error("a request that did not wait was observed as waiting")
	}
}

// observedModule is a manager of one module, "a", on create_message with
// on_failure: open, in the test guest's mode, whose metrics and logs are
// kept in the returned registry and sink.
func observedModule(t *testing.T, mode string, opts hooks.Options) (*hooks.Manager, *prometheus.Registry, *modkit.LogSink) {
	t.Helper()
	reg, logs := prometheus.NewRegistry(), &modkit.LogSink{}
	opts.Registerer, opts.Logger = reg, slog.New(logs)
	m := newManager(t, `
modules:
  - name: a
    path: {{guest}}
    hooks: [create_message]
    on_failure: open
    config: {mode: `+mode+`, tag: a}
`, opts)
	return m, reg, logs
}
