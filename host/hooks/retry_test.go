package hooks_test

import (
	"slices"
	"testing"
	"time"

	"github.com/chatwasm/chatwasm/abi"
	"github.com/chatwasm/chatwasm/host/hooks"
)

// TestDisabledModuleRetried: a module disabled for a tenant by repeated
// faults gets one trial call once RetryAfter has passed: a trial that
// faults keeps it off for another RetryAfter, one it answers enables it
// again. Before then, and with a negative RetryAfter ever, no call reaches
// it.
func TestDisabledModuleRetried(t *testing.T) {
	const retry = 50 * time.Millisecond
	m, reg, logs := observedModule(t, "trap_alice", hooks.Options{FaultLimit: 2, RetryAfter: retry})
	s := acquire(t, m)
	bob := hooks.CallInfo{Tenant: alice.Tenant, Caller: abi.Caller{UserID: 2, Username: "bob", SessionID: 8}}
	calls := func() float64 { return counter(t, reg, "chatwasm_module_calls_total", "a", "create_message") }
	send := func(who hooks.CallInfo, want ...string) {
		t.Helper()
		// The module's policy is open: a faulting or disabled layer is
		// skipped, the default runs.
		if got, err := run(t, s, "create_message", who, &core{}); err != nil || !slices.Equal(got, want) {
			t.Fatalf("%s: %v, %v; want %v", who.Caller.Username, got, err, want)
		}
	}

	send(alice, "core")
	send(alice, "core") // the second fault in a row disables it
	send(bob, "core")   // disabled: bob's call does not reach it
	if got := calls(); got != 2 {
		t.Fatalf("module called %v times, want 2", got)
	}
	if got := gauge(t, reg, "chatwasm_module_disabled", "a"); got != 1 {
		t.Fatalf("disabled gauge %v, want 1", got)
	}
	if len(logs.Find("module disabled for the tenant", "module=a", "retry_after=50ms")) != 1 {
		t.Fatalf("disabling not logged with its retry: %v", logs.Find("module=a"))
	}

	time.Sleep(retry)
	send(alice, "core") // the trial faults: off again
	send(bob, "core")   // within the new RetryAfter: not called
	if got := calls(); got != 3 {
		t.Fatalf("module called %v times, want 3 (one trial)", got)
	}
	if len(logs.Find("faulted on its trial call", "module=a")) != 1 {
		t.Fatal("the failed trial is not logged")
	}

	time.Sleep(retry)
	send(bob, "a:in", "core", "a:out") // the trial succeeds: on again
	send(bob, "a:in", "core", "a:out")
	if got := gauge(t, reg, "chatwasm_module_disabled", "a"); got != 0 {
		t.Fatalf("disabled gauge %v after a good trial, want 0", got)
	}
	if len(logs.Find("module enabled again for the tenant", "module=a")) != 1 {
		t.Fatal("re-enabling not logged")
	}

	// Until reload: no trial ever.
	m2, reg2, logs2 := observedModule(t, "trap", hooks.Options{FaultLimit: 1, RetryAfter: -1})
	s2 := acquire(t, m2)
	for range 2 {
		if _, err := run(t, s2, "create_message", alice, &core{}); err != nil {
			t.Fatal(err)
		}
		time.Sleep(retry)
	}
	if got := counter(t, reg2, "chatwasm_module_calls_total", "a", "create_message"); got != 1 {
		t.Fatalf("a module disabled until reload was called %v times, want 1", got)
	}
	if len(logs2.Find("module disabled for the tenant until reload", "module=a")) != 1 {
		t.Fatal("disabling until reload not logged")
	}
}
