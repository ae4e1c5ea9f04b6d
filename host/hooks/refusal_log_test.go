package hooks_test

import (
	"context"
	"testing"

	"github.com/chatwasm/chatwasm/host/hooks"
)

// TestRefusalLogged: a module's own error (a refusal, not a fault) is
// logged at debug level with the module, the hook and what it answered,
// with the request's context (whose id the server's log handler adds:
// reqlog, e2e TestRequestLog).
func TestRefusalLogged(t *testing.T) {
	m, _, logs := observedModule(t, "error_json", hooks.Options{})
	s := acquire(t, m)
	if _, err := s.Run(context.Background(), "create_message", alice, []byte(`{"trail":[]}`), (&core{}).next); err == nil {
		t.Fatal("the module's error did not fail the call")
	}
	if len(logs.Find("module refused", "module=a", "hook=create_message", "4007")) != 1 {
		t.Fatalf("no refusal line: %q", logs.Find(""))
	}
}
