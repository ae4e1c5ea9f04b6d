package admin

import (
	"testing"

	"github.com/chatwasm/chatwasm/host/store"
	"github.com/chatwasm/chatwasm/host/store/storetest"
)

// TestAdminLiveWithoutParts: an API built without the gateway or the
// metrics (Deps leaves them nil) answers their endpoints with empty lists
// and zeros, and the tenants from the store alone; without modules there is
// no /admin/modules (404).
func TestAdminLiveWithoutParts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		f := newFixture(t, st)
		f.user(t, "alice")
		status, body := f.do(t, "GET", "/admin/sessions", "", "")
		if sessions, ok := body["sessions"].([]any); status != 200 || !ok || len(sessions) != 0 || body["total"] != 0.0 {
			t.Errorf("sessions: %d %v, want none", status, body)
		}
		status, body = f.do(t, "GET", "/admin/modules", "", "")
		if status != 404 {
			t.Errorf("modules: %d %v, want 404", status, body)
		}
		status, body = f.do(t, "GET", "/admin/stats", "", "")
		if status != 200 || body["connections"] != 0.0 || body["module_calls"] != 0.0 || body["uptime_seconds"] != 0.0 {
			t.Errorf("stats: %d %v, want zeros", status, body)
		}
		status, body = f.do(t, "GET", "/admin/tenants", "", "")
		tenants, _ := body["tenants"].([]any)
		if status != 200 || len(tenants) != 1 || !equalTenant(tenants[0], "default", 1, 0) {
			t.Errorf("tenants: %d %v, want default with 1 user and no sessions", status, body)
		}
	})
}

func equalTenant(v any, name string, users, sessions float64) bool {
	m, _ := v.(map[string]any)
	return m["tenant"] == name && m["users"] == users && m["sessions"] == sessions
}
