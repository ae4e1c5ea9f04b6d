package hooks_test

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/chatwasm/chatwasm/abi"
	"github.com/chatwasm/chatwasm/host/hooks"
	"github.com/chatwasm/chatwasm/internal/modkit"
	"github.com/prometheus/client_golang/prometheus"
)

// trail is the test operation's payload: each layer appends to it.
type trail struct {
	Trail []string `json:"trail"`
}

// core is a Go default that records the trail it got and appends "core".
type core struct {
	calls atomic.Int32
	seen  []string
	err   error
}

func (c *core) next(_ context.Context, in []byte) ([]byte, error) {
	c.calls.Add(1)
	var tr trail
	if err := json.Unmarshal(in, &tr); err != nil {
		return nil, err
	}
	c.seen = tr.Trail
	if c.err != nil {
		return nil, c.err
	}
	tr.Trail = append(tr.Trail, "core")
	return json.Marshal(tr)
}

func run(t *testing.T, s *hooks.Set, hook string, call hooks.CallInfo, c *core) ([]string, error) {
	t.Helper()
	out, err := s.Run(context.Background(), hook, call, []byte(`{"trail":[]}`), c.next)
	if err != nil {
		return nil, err
	}
	var tr trail
	if err := json.Unmarshal(out, &tr); err != nil {
		t.Fatalf("output %s: %v", out, err)
	}
	return tr.Trail, nil
}

var alice = hooks.CallInfo{Tenant: "default", Caller: abi.Caller{UserID: 1, Username: "alice", SessionID: 7}}

func TestChainOrder(t *testing.T) {
	s := guestSet(t, hooks.Options{},
		guestModule{name: "a", hooks: "create_message", config: "mode: wrap, tag: a"},
		guestModule{name: "b", hooks: "create_message", config: "mode: wrap, tag: b"},
	)
	if !s.Has("default", "create_message") || s.Has("default", "_create_message") || s.Has("default", "join_room") {
		t.Fatal("Has does not match the hooks listed")
	}
	c := &core{}
	got, err := run(t, s, "create_message", alice, c)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"a:in", "b:in"}; !slices.Equal(c.seen, want) {
		t.Errorf("the default got %v, want %v", c.seen, want)
	}
	if want := []string{"a:in", "b:in", "core", "b:out", "a:out"}; !slices.Equal(got, want) {
		t.Errorf("output %v, want %v", got, want)
	}
	if c.calls.Load() != 1 {
		t.Errorf("default ran %d times", c.calls.Load())
	}
}

func TestReplaceWholeOperation(t *testing.T) {
	m := newManager(t, modulesYAML(
		guestModule{name: "a", hooks: "create_message", config: "mode: replace, tag: a"},
		guestModule{name: "b", hooks: "create_message", config: "mode: wrap, tag: b"},
	), hooks.Options{})
	c := &core{}
	got, err := run(t, acquire(t, m), "create_message", alice, c)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"a:replaced"}; !slices.Equal(got, want) {
		t.Errorf("output %v, want %v", got, want)
	}
	if c.calls.Load() != 0 {
		t.Error("the default ran although the module did not call next")
	}
}

func TestNextTwice(t *testing.T) {
	m := newManager(t, modulesYAML(guestModule{name: "a", hooks: "create_message", config: "mode: twice, tag: a"}), hooks.Options{})
	c := &core{}
	out, err := acquire(t, m).Run(context.Background(), "create_message", alice, []byte(`{"trail":["x"]}`), c.next)
	if err != nil {
		t.Fatal(err)
	}
	var res struct {
		First       trail  `json:"first"`
		FirstError  string `json:"first_error"`
		SecondError string `json:"second_error"`
	}
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatal(err)
	}
	if res.FirstError != "" || !slices.Equal(res.First.Trail, []string{"x", "core"}) {
		t.Errorf("first next: %+v", res)
	}
	if want := `{"code":4006,"detail":"next may be called only once per hook call"}`; res.SecondError != want {
		t.Errorf("second next error %q, want %q", res.SecondError, want)
	}
	if c.calls.Load() != 1 {
		t.Errorf("default ran %d times", c.calls.Load())
	}
}

func TestEnvelope(t *testing.T) {
	m := newManager(t, modulesYAML(guestModule{name: "a", hooks: "_join_room", config: "mode: envelope"}), hooks.Options{})
	out, err := acquire(t, m).Run(context.Background(), "_join_room", alice, []byte(`{"room_id":"r1"}`), nil)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"abi":1,"hook":"_join_room","tenant":"default","caller":{"user_id":1,"username":"alice","session_id":7},"args":{"room_id":"r1"}}`
	if string(out) != want {
		t.Errorf("envelope\n got %s\nwant %s", out, want)
	}
}

func TestTenantFilter(t *testing.T) {
	s := guestSet(t, hooks.Options{}, guestModule{name: "a", hooks: "create_message", config: "mode: wrap, tag: a", more: []string{"tenants: [acme]"}})
	if s.Has("default", "create_message") || !s.Has("acme", "create_message") {
		t.Fatal("Has ignores the module's tenants")
	}
	got, err := run(t, s, "create_message", alice, &core{})
	if err != nil || !slices.Equal(got, []string{"core"}) {
		t.Errorf("tenant default: %v, %v; want the default alone", got, err)
	}
	acme := alice
	acme.Tenant = "acme"
	got, err = run(t, s, "create_message", acme, &core{})
	if err != nil || !slices.Equal(got, []string{"a:in", "core", "a:out"}) {
		t.Errorf("tenant acme: %v, %v", got, err)
	}
}

func TestModuleErrors(t *testing.T) {
	sentinel := errors.New("default failed")
	for _, tc := range []struct {
		mode    string
		coreErr error
		code    int
		detail  string
		is      error
	}{
		{mode: "error_json", code: 4007, detail: `"custom"`},
		{mode: "error_text", code: 4003, detail: `["banned word"]`},
		{mode: "error_bad_code", code: 4006, detail: `"Internal server error."`},
		// A module that passes next's error on unchanged returns the
		// default's own error, cause included.
		{mode: "pass_error", coreErr: &wrapped{&abi.Error{Code: 4004, Detail: "Resource not found."}, sentinel},
			code: 4004, detail: `"Resource not found."`, is: sentinel},
		// A module that changes it returns its own.
		{mode: "wrap", coreErr: &abi.Error{Code: 4002, Detail: "no"}, code: 4003,
			detail: `["a saw: {\"code\":4002,\"detail\":\"no\"}"]`},
	} {
		t.Run(tc.mode, func(t *testing.T) {
			m := newManager(t, modulesYAML(guestModule{name: "a", hooks: "create_message", config: "mode: " + tc.mode + ", tag: a"}),
				hooks.Options{})
			_, err := run(t, acquire(t, m), "create_message", alice, &core{err: tc.coreErr})
			ae := modkit.WireError(t, err)
			detail, _ := json.Marshal(ae.Detail)
			if ae.Code != tc.code || string(detail) != tc.detail {
				t.Errorf("error %d %s, want %d %s", ae.Code, detail, tc.code, tc.detail)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("error %v lost its cause", err)
			}
		})
	}
}

// wrapped is a Go default's error: a wire error with a cause.
type wrapped struct {
	wire  *abi.Error
	cause error
}

func (w *wrapped) Error() string   { return w.wire.Error() + ": " + w.cause.Error() }
func (w *wrapped) Unwrap() []error { return []error{w.wire, w.cause} }

func TestFailurePolicy(t *testing.T) {
	for _, tc := range []struct {
		name, mode, policy string
		wantTrail          []string
		wantCode           int
		coreCalls          int32
	}{
		{name: "trap closed", mode: "trap", policy: "closed", wantCode: 4006},
		{name: "trap open", mode: "trap", policy: "open", wantTrail: []string{"b:in", "core", "b:out"}, coreCalls: 1},
		{name: "timeout closed", mode: "loop", policy: "closed", wantCode: 4006},
		{name: "timeout open", mode: "loop", policy: "open", wantTrail: []string{"b:in", "core", "b:out"}, coreCalls: 1},
		// The rest of the chain already ran through next: its result stands
		// and it is not run again.
		{name: "trap after next open", mode: "trap_after_next", policy: "open",
			wantTrail: []string{"b:in", "core", "b:out"}, coreCalls: 1},
		{name: "trap after next closed", mode: "trap_after_next", policy: "closed", wantCode: 4006, coreCalls: 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			logs := &modkit.LogSink{}
			s := guestSet(t, hooks.Options{Logger: slog.New(logs)},
				guestModule{name: "a", hooks: "create_message", config: "mode: " + tc.mode + ", tag: a",
					more: []string{"timeout: 100ms", "on_failure: " + tc.policy}},
				guestModule{name: "b", hooks: "create_message", config: "mode: wrap, tag: b"},
			)
			for i := range 2 { // the faulted instance is replaced: the second call behaves the same
				c := &core{}
				got, err := run(t, s, "create_message", alice, c)
				if tc.wantCode != 0 {
					if ae := modkit.WireError(t, err); ae.Code != tc.wantCode {
						t.Errorf("call %d: code %d, want %d", i, ae.Code, tc.wantCode)
					}
				} else if err != nil || !slices.Equal(got, tc.wantTrail) {
					t.Errorf("call %d: %v, %v; want %v", i, got, err, tc.wantTrail)
				}
				if c.calls.Load() != tc.coreCalls {
					t.Errorf("call %d: default ran %d times, want %d", i, c.calls.Load(), tc.coreCalls)
				}
			}
			if len(logs.Find("module fault", "module=a", "hook=create_message")) != 2 {
				t.Errorf("fault not logged with the module's name: %v", logs.Find(""))
			}
		})
	}
}

func TestDisabledAfterRepeatedFaults(t *testing.T) {
	m, reg, logs := observedModule(t, "trap", hooks.Options{FaultLimit: 2})
	s := acquire(t, m)
	for range 4 {
		if got, err := run(t, s, "create_message", alice, &core{}); err != nil || !slices.Equal(got, []string{"core"}) {
			t.Fatalf("open module: %v, %v", got, err)
		}
	}
	if got := counter(t, reg, "chatwasm_module_calls_total", "a", "create_message"); got != 2 {
		t.Errorf("module called %v times, want 2 (then disabled)", got)
	}
	if got := gauge(t, reg, "chatwasm_module_disabled", "a"); got != 1 {
		t.Errorf("disabled gauge %v", got)
	}
	if len(logs.Find("module disabled for the tenant", "module=a", "tenant=default")) != 1 {
		t.Error("disabling not logged")
	}
	// Faults count per module and tenant: another tenant's requests still
	// reach the module, which one tenant cannot turn off for all.
	other := alice
	other.Tenant = "other"
	if got, err := run(t, s, "create_message", other, &core{}); err != nil || !slices.Equal(got, []string{"core"}) {
		t.Fatalf("other tenant: %v, %v", got, err)
	}
	if got := counter(t, reg, "chatwasm_module_calls_total", "a", "create_message"); got != 3 {
		t.Errorf("the other tenant's request did not reach the module: %v calls, want 3", got)
	}
	if got := gauge(t, reg, "chatwasm_module_disabled", "a"); got != 1 {
		t.Errorf("disabled gauge %v after one fault of the other tenant, want 1", got)
	}
	// Status, what the admin API lists, agrees with the metrics.
	if st := m.Status(); len(st) != 1 || st[0].Calls != 3 || st[0].Errors != 3 || st[0].Timeouts != 0 ||
		!slices.Equal(st[0].DisabledTenants, []string{"default"}) || st[0].Stored || st[0].CallTime <= 0 {
		t.Errorf("Status = %+v, want 3 calls and errors, disabled for default", st)
	}
	if err := m.Reload(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := gauge(t, reg, "chatwasm_module_disabled", "a"); got != 0 {
		t.Errorf("disabled gauge after reload %v", got)
	}
	s2 := acquire(t, m)
	if _, err := run(t, s2, "create_message", alice, &core{}); err != nil {
		t.Fatal(err)
	}
	if got := counter(t, reg, "chatwasm_module_calls_total", "a", "create_message"); got != 4 {
		t.Errorf("reloaded module not called again: %v calls", got)
	}
}

func TestMetrics(t *testing.T) {
	reg := prometheus.NewRegistry()
	s := guestSet(t, hooks.Options{Registerer: reg},
		guestModule{name: "a", hooks: "create_message", config: "mode: loop", more: []string{"timeout: 50ms"}},
		guestModule{name: "b", hooks: "create_message, _create_message", config: "mode: error_text"},
	)
	_, _ = run(t, s, "create_message", alice, &core{})
	_, _ = run(t, s, "_create_message", alice, &core{})
	for _, c := range []struct {
		name   string
		labels []string
		want   float64
	}{
		{"chatwasm_module_calls_total", []string{"a", "create_message"}, 1},
		{"chatwasm_module_timeouts_total", []string{"a", "create_message"}, 1},
		{"chatwasm_module_errors_total", []string{"a", "create_message", "fault"}, 1},
		{"chatwasm_module_calls_total", []string{"b", "create_message"}, 0},
		{"chatwasm_module_calls_total", []string{"b", "_create_message"}, 1},
		{"chatwasm_module_errors_total", []string{"b", "_create_message", "error"}, 1},
	} {
		if got := counter(t, reg, c.name, c.labels...); got != c.want {
			t.Errorf("%s%v = %v, want %v", c.name, c.labels, got, c.want)
		}
	}
	if n := histogramCount(t, reg, "chatwasm_module_call_duration_seconds", "b", "_create_message"); n != 1 {
		t.Errorf("latency observations %d, want 1", n)
	}
}

func TestNoModules(t *testing.T) {
	var nilSet *hooks.Set
	c := &core{}
	if nilSet.Has("default", "create_message") {
		t.Error("a nil set has hooks")
	}
	got, err := run(t, nilSet, "create_message", alice, c)
	if err != nil || !slices.Equal(got, []string{"core"}) {
		t.Errorf("nil set: %v, %v", got, err)
	}
	var nilManager *hooks.Manager
	s, release := nilManager.Acquire()
	release()
	if s != nil {
		t.Error("a nil manager has a set")
	}
	m, err := hooks.NewManager(context.Background(), "", hooks.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close(context.Background())
	s, release = m.Acquire()
	defer release()
	if s != nil || s.Has("default", "create_message") {
		t.Error("a manager without a module file has modules")
	}
}

func TestCallTyped(t *testing.T) {
	def := func(_ context.Context, in trail) (trail, error) {
		in.Trail = append(in.Trail, "core")
		return in, nil
	}
	// Without a module nothing is encoded: an unencodable input passes.
	type unencodable struct{ C chan int }
	got, err := hooks.Call(context.Background(), nil, "create_message", alice, unencodable{},
		func(context.Context, unencodable) (int, error) { return 42, nil })
	if err != nil || got != 42 {
		t.Fatalf("no modules: %v, %v", got, err)
	}
	m := newManager(t, modulesYAML(guestModule{name: "a", hooks: "create_message", config: "mode: wrap, tag: a"}), hooks.Options{})
	out, err := hooks.Call(context.Background(), acquire(t, m), "create_message", alice, trail{Trail: []string{"x"}}, def)
	if err != nil || !slices.Equal(out.Trail, []string{"x", "a:in", "core", "a:out"}) {
		t.Errorf("typed call: %v, %v", out, err)
	}
}

func TestUnknownHook(t *testing.T) {
	m := newManager(t, modulesYAML(guestModule{name: "a", config: "mode: wrap"}), hooks.Options{})
	_, err := acquire(t, m).Run(context.Background(), "no_such_hook", alice, nil, nil)
	if ae := modkit.WireError(t, err); ae.Code != 4006 || !strings.Contains(err.Error(), "unknown hook") {
		t.Errorf("unknown hook: %v", err)
	}
}
