package e2e

import (
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/chatwasm/chatwasm/internal/testserver"
)

// server is one running chatwasm process on its own database.
type server struct{ *testserver.Server }

// serverOption configures one server.
type serverOption = testserver.Option

// withSoftDelete starts the server with --soft-delete.
func withSoftDelete() serverOption { return testserver.WithFlags("--soft-delete") }

// withoutNotifications starts the server with --notifications=false.
func withoutNotifications() serverOption { return testserver.WithFlags("--notifications=false") }

// withMaxFrameBytes sets --max-frame-bytes.
func withMaxFrameBytes(n int) serverOption {
	return testserver.WithFlags("--max-frame-bytes", strconv.Itoa(n))
}

// withFlags passes more flags to chatwasm serve.
func withFlags(flags ...string) serverOption { return testserver.WithFlags(flags...) }

// withInactivityThreshold sets --inactivity-threshold.
func withInactivityThreshold(d time.Duration) serverOption {
	return testserver.WithFlags("--inactivity-threshold", d.String())
}

// withWSPath sets --ws-path.
func withWSPath(p string) serverOption { return testserver.WithFlags("--ws-path", p) }

// sharingDatabaseWith starts a second node on the database of other, with
// the same secret and admin token, so that tokens and ids are valid on both.
func sharingDatabaseWith(other *server) serverOption {
	return testserver.SharingDatabaseWith(other.Server)
}

// withoutSecrets starts the server without CHATWASM_SECRET and
// CHATWASM_ADMIN_TOKEN, so that it makes its own.
func withoutSecrets() serverOption { return testserver.WithoutSecrets() }

// startServer starts `chatwasm serve` on a fresh database (see newDatabase)
// with a random secret and admin token, and stops it at cleanup, failing
// the test unless it exits 0 on SIGTERM. The server's log is printed when
// the test failed.
func startServer(t *testing.T, opts ...serverOption) *server {
	t.Helper()
	return &server{testserver.Start(t, append([]serverOption{testserver.WithDatabase(newDatabase)}, opts...)...)}
}

// TestHealthz checks the health endpoint of a serving server.
func TestHealthz(t *testing.T) {
	t.Parallel()
	startServer(t).assertHealthy(t)
}

// assertHealthy fails unless GET /healthz answers 200.
func (s *server) assertHealthy(t *testing.T) {
	t.Helper()
	resp, err := http.Get(s.URL("/healthz"))
	if err != nil {
		t.Fatalf("GET /healthz: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /healthz: status %d, want 200", resp.StatusCode)
	}
}

// TestInternalListener: with --internal-addr the admin API and /metrics
// are served on that listener only, and the main one keeps the WebSocket
// endpoint and the health checks.
func TestInternalListener(t *testing.T) {
	t.Parallel()
	s := startServer(t, withFlags("--internal-addr", "127.0.0.1:0"))
	if s.InternalAddr == "" || s.InternalAddr == s.Addr {
		t.Fatalf("internal listener %q (main %s): not logged?\n%s", s.InternalAddr, s.Addr, s.Log())
	}
	get := func(url string) int {
		t.Helper()
		req, err := http.NewRequest(http.MethodGet, url, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+s.AdminToken)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("GET %s: %v", url, err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	for _, path := range []string{"/metrics", "/admin/users/1"} {
		if got := get(s.URL(path)); got != http.StatusNotFound {
			t.Errorf("main listener %s: status %d, want 404", path, got)
		}
	}
	for _, url := range []string{s.URL("/healthz"), s.URL("/readyz"), s.OpsURL("/healthz"), s.OpsURL("/readyz"), s.OpsURL("/metrics")} {
		if got := get(url); got != http.StatusOK {
			t.Errorf("%s: status %d, want 200", url, got)
		}
	}
	// A user made through the internal admin API chats on the main one.
	alice, bob := s.login(t, "alice"), s.CreateUser(t, "bob")
	alice.send("room.create", map[string]any{"type": "OneToOneChat", "participants": []int64{bob.ID}})
	if room := alice.expectObject("roomcreate.dispatch"); room["id"] == nil {
		t.Fatalf("room.create answered %v", room)
	}
}
