package hooks_test

import (
	"os"
	"slices"
	"testing"

	"github.com/chatwasm/chatwasm/abi"
	"github.com/chatwasm/chatwasm/host/hooks"
	"github.com/prometheus/client_golang/prometheus"
)

// TestModulesStatus: Manager.Status lists the file's modules in file order
// with what they are and hook, and counts their calls, errors, faults and
// timeouts as the Prometheus metrics do, with the last fault's message and
// the tenants a module is disabled for; the figures survive a reload, which
// re-enables the module.
func TestModulesStatus(t *testing.T) {
	if got := (*hooks.Manager)(nil).Status(); len(got) != 0 {
		t.Fatalf("a nil Manager's modules = %#v, want none", got)
	}
	reg := prometheus.NewRegistry()
	dir := t.TempDir()
	file := writeFile(t, dir, `
modules:
  - name: a
    path: {{guest}}
    hooks: [create_message, join_room]
    capabilities: [kv]
    tenants: [default, acme]
    on_failure: open
    config: {mode: trap_alice, tag: a}
  - name: b
    path: {{guest}}
    hooks: [create_message]
    config: {mode: error_json}
  - name: c
    path: {{guest}}
    hooks: [_join_room]
    timeout: 20ms
    config: {mode: loop}
`)
	m, err := hooks.NewManager(t.Context(), file, hooks.Options{CacheDir: cacheDir, Registerer: reg, FaultLimit: 1,
		RetryAfter: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Close(t.Context()) })
	bob := hooks.CallInfo{Tenant: "default", Caller: abi.Caller{UserID: 2, Username: "bob", SessionID: 8}}
	s, release := m.Acquire()
	// alice: a traps (and is disabled for "default" at once), its layer is
	// skipped, b refuses; bob: a is off for his tenant too, b refuses.
	for _, who := range []hooks.CallInfo{alice, bob} {
		if _, err := run(t, s, "create_message", who, &core{}); err == nil {
			t.Fatalf("%s: b did not refuse", who.Caller.Username)
		}
	}
	if _, err := run(t, s, "_join_room", bob, &core{}); err == nil {
		t.Fatal("c's endless loop did not fail the call")
	}
	release()

	mods := m.Status()
	if got := names(mods); !slices.Equal(got, []string{"a", "b", "c"}) {
		t.Fatalf("modules %v, want a, b, c", got)
	}
	guest, err := os.ReadFile(guestV1)
	if err != nil {
		t.Fatal(err)
	}
	a, b, c := mods[0], mods[1], mods[2]
	if a.Stored || a.Owner != "" || a.Refused != "" || a.SHA256 != sha256Hex(guest) || a.Size != len(guest) ||
		!slices.Equal(a.Hooks, []string{"create_message", "join_room"}) || !slices.Equal(a.Tenants, []string{"default", "acme"}) ||
		!slices.Equal(a.Capabilities, []string{"kv"}) {
		t.Errorf("a = %+v", a)
	}
	if b.Tenants != nil || len(b.Capabilities) != 0 {
		t.Errorf("b applies to %v with capabilities %v; want every tenant (nil), none", b.Tenants, b.Capabilities)
	}
	for _, tc := range []struct {
		st                      hooks.ModuleStatus
		calls, errors, timeouts int64
		disabled                []string
		faulted                 bool
	}{
		{a, 1, 1, 0, []string{"default"}, true},
		{b, 2, 2, 0, nil, false},
		{c, 1, 1, 1, []string{"default"}, true},
	} {
		st := tc.st
		if st.Calls != tc.calls || st.Errors != tc.errors || st.Timeouts != tc.timeouts ||
			!slices.Equal(st.DisabledTenants, tc.disabled) || (st.LastFault != "") != tc.faulted {
			t.Errorf("%s: calls %d errors %d timeouts %d disabled for %v, last error %q; want %d %d %d %v, faulted %v",
				st.Name, st.Calls, st.Errors, st.Timeouts, st.DisabledTenants, st.LastFault,
				tc.calls, tc.errors, tc.timeouts, tc.disabled, tc.faulted)
		}
		// The same figures as the metrics.
		if got := counter(t, reg, "chatwasm_module_calls_total", st.Name, st.Hooks[0]); int64(got) != st.Calls {
			t.Errorf("%s: %d calls, the metric says %v", st.Name, st.Calls, got)
		}
		if st.CallTime <= 0 {
			t.Errorf("%s: call time %v", st.Name, st.CallTime)
		}
	}

	if err := m.Reload(t.Context()); err != nil {
		t.Fatal(err)
	}
	after := m.Status()
	if after[0].Calls != 1 || after[1].Calls != 2 || len(after[0].DisabledTenants) != 0 || after[0].LastFault != a.LastFault {
		t.Errorf("after a reload: %+v; want the same calls and last fault, a enabled again", after)
	}
}

func names(mods []hooks.ModuleStatus) []string {
	var out []string
	for _, m := range mods {
		out = append(out, m.Name)
	}
	return out
}
