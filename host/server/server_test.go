package server

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chatwasm/chatwasm/host/auth"

	"github.com/chatwasm/chatwasm/host/store/storetest"
	"github.com/chatwasm/chatwasm/internal/proclog"
	"github.com/gorilla/websocket"
)

func TestOpenStore(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	// A path with no scheme is SQLite too, relative or absolute.
	t.Chdir(dir)
	for _, url := range []string{"sqlite:" + filepath.Join(dir, "a.db"), "sqlite://" + filepath.Join(dir, "b.db"),
		"c.db", filepath.Join(dir, "d.db")} {
		st, err := OpenStore(ctx, url)
		if err != nil {
			t.Fatalf("%s: %v", url, err)
		}
		if err := st.Migrate(ctx); err != nil {
			t.Fatalf("%s: migrate: %v", url, err)
		}
		st.Close()
	}
	if _, err := OpenStore(ctx, "sqlite:"); err == nil {
		t.Fatal("sqlite: with no path opened")
	}
	for _, f := range []string{"a.db", "b.db", "c.db", "d.db"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("no SQLite file %s: %v", f, err)
		}
	}
	for url, want := range map[string][2]string{
		"sqlite:x.db":                      {"sqlite", "x.db"},
		"postgres://u@h/db":                {"postgres", "//u@h/db"},
		"host=/tmp dbname=chat user=a":     {"postgres", "host=/tmp dbname=chat user=a"},
		"password=a:b host=h":              {"postgres", "password=a:b host=h"},
		"./data/chat.db":                   {"sqlite", "./data/chat.db"},
		"/var/lib/chatwasm/chatwasm.db":    {"sqlite", "/var/lib/chatwasm/chatwasm.db"},
		"mysql://root:hunter2@localhost/x": {"mysql", "//root:hunter2@localhost/x"},
	} {
		if scheme, rest := dbScheme(url); scheme != want[0] || rest != want[1] {
			t.Errorf("dbScheme(%q) = %q, %q; want %q, %q", url, scheme, rest, want[0], want[1])
		}
	}
	_, err := OpenStore(ctx, "mysql://root:hunter2@localhost/chat")
	if err == nil || strings.Contains(err.Error(), "hunter2") || !strings.Contains(err.Error(), `"mysql"`) {
		t.Fatalf("unsupported URL error %v: want the scheme named and no password", err)
	}
}

func TestWSPattern(t *testing.T) {
	for path, want := range map[string]string{
		"/messaging/": "GET /messaging/{$}",
		"messaging/":  "GET /messaging/{$}",
		"/ws":         "GET /ws",
	} {
		got, err := wsPattern(path)
		if err != nil || got != want {
			t.Errorf("wsPattern(%q) = %q, %v; want %q", path, got, err, want)
		}
		if back := wsPatternPath(got); back != "/"+strings.TrimPrefix(path, "/") {
			t.Errorf("wsPatternPath(%q) = %q, want the path %q", got, back, path)
		}
	}
	for _, bad := range []string{"", "/healthz", "/metrics", "/admin/", "/admin", "/admin/ws", "/console/", "/console", "/a{b}"} {
		if _, err := wsPattern(bad); err == nil {
			t.Errorf("wsPattern(%q) accepted", bad)
		}
	}
}

// running is a server started by Run on a free port.
type running struct {
	base   string
	logs   *proclog.Log
	cancel context.CancelFunc
	done   chan error
}

// start starts Run(cfg) with a text logger.
func start(t *testing.T, cfg Config) *running {
	t.Helper()
	return startWith(t, cfg, func(w io.Writer) slog.Handler { return slog.NewTextHandler(w, nil) })
}

// startWith starts Run(cfg), logging through the handler that handler makes
// of the log, and returns it once it listens. When the test ends the server
// is stopped; its error fails the test, and its log is shown if it failed.
// The wait for it to listen is long: a server with modules compiles them
// first, which under -race on a loaded machine took over 30 s.
func startWith(t *testing.T, cfg Config, handler func(io.Writer) slog.Handler) *running {
	t.Helper()
	logs := proclog.New()
	log := slog.New(handler(logs))
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{logs: logs, cancel: cancel, done: make(chan error, 1)}
	go func() { r.done <- Run(ctx, cfg, log) }()
	t.Cleanup(func() {
		cancel()
		if err := <-r.done; err != nil {
			t.Errorf("Run: %v", err)
		}
		if t.Failed() {
			t.Logf("server log:\n%s", logs.String())
		}
	})
	select {
	case r.base = <-logs.Listening():
		return r
	case err := <-r.done:
		r.done <- err
		t.Fatalf("Run returned early: %v\n%s", err, logs.String())
	case <-time.After(5 * time.Minute):
		t.Fatalf("no listening line in logs:\n%s", logs.String())
	}
	return nil
}

// expectStatus fails the test unless a GET of path answers status; what
// names the request in the failure.
func (r *running) expectStatus(t *testing.T, path string, status int, what string) {
	t.Helper()
	resp, err := http.Get("http://" + r.base + path)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != status {
		t.Fatalf("%s: %d, want %d", what, resp.StatusCode, status)
	}
}

// testConfig is a server on a free port and a fresh SQLite database.
func testConfig(t *testing.T) Config {
	cfg := DefaultConfig()
	cfg.Addr = "127.0.0.1:0"
	cfg.DB = "sqlite:" + filepath.Join(t.TempDir(), "chatwasm.db")
	cfg.AdminToken = "adm"
	return cfg
}

// engines runs fn once per database engine: SQLite, and PostgreSQL when
// CHATWASM_TEST_POSTGRES names a server (skipped otherwise).
func engines(t *testing.T, fn func(t *testing.T, cfg Config)) {
	t.Run("sqlite", func(t *testing.T) { fn(t, testConfig(t)) })
	t.Run("postgres", func(t *testing.T) {
		cfg := testConfig(t)
		cfg.DB = storetest.PostgresURL(t)
		fn(t, cfg)
	})
}

func (r *running) admin(t *testing.T, method, path, body string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(method, "http://"+r.base+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer adm")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	if b, _ := io.ReadAll(resp.Body); len(b) > 0 {
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("%s %s: %s: %v", method, path, b, err)
		}
	}
	return resp.StatusCode, m
}

// dial creates a user with a token through the admin API and connects it.
func (r *running) dial(t *testing.T, path, username string) (*websocket.Conn, float64) {
	t.Helper()
	status, u := r.admin(t, "POST", "/admin/users", `{"username":"`+username+`"}`)
	if status != http.StatusCreated {
		t.Fatalf("create user: %d %v", status, u)
	}
	id := u["id"].(float64)
	status, tok := r.admin(t, "POST", "/admin/tokens", `{"user_id":`+idStr(id)+`}`)
	if status != http.StatusOK {
		t.Fatalf("token: %d %v", status, tok)
	}
	ws, resp, err := websocket.DefaultDialer.Dial("ws://"+r.base+path+"?token="+tok["token"].(string), nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	t.Cleanup(func() { ws.Close() })
	_ = ws.SetReadDeadline(time.Now().Add(5 * time.Second))
	var f map[string]any
	if err := ws.ReadJSON(&f); err != nil || f["eventType"] != "chat.notifications" {
		t.Fatalf("first frame %v, %v", f, err)
	}
	return ws, id
}

func idStr(id float64) string { return strconv.FormatInt(int64(id), 10) }

func TestServerEndToEnd(t *testing.T) { engines(t, testServerEndToEnd) }

func testServerEndToEnd(t *testing.T, cfg Config) {
	r := start(t, cfg)

	r.expectStatus(t, "/healthz", http.StatusOK, "healthz")
	r.expectStatus(t, "/readyz", http.StatusOK, "readyz")

	alice, _ := r.dial(t, "/messaging/", "alice")
	bob, bobID := r.dial(t, "/messaging/", "bob")

	resp, err := http.Get("http://" + r.base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{"chatwasm_connections_open 2", "go_goroutines", "chatwasm_slow_consumer_disconnects_total 0"} {
		if !strings.Contains(string(body), want) {
			t.Errorf("metrics lack %q", want)
		}
	}

	// Deleting a user closes their connections with 4001.
	if status, _ := r.admin(t, "DELETE", "/admin/users/"+idStr(bobID), ""); status != http.StatusNoContent {
		t.Fatalf("delete user: %d", status)
	}
	_ = bob.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, _, err := bob.ReadMessage(); !websocket.IsCloseError(err, 4001) {
		t.Fatalf("deleted user's connection: %v, want close 4001", err)
	}

	// Shutdown closes the rest with 1001 and Run returns nil.
	r.cancel()
	_ = alice.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, _, err := alice.ReadMessage(); !websocket.IsCloseError(err, websocket.CloseGoingAway) {
		t.Fatalf("on shutdown: %v, want close 1001", err)
	}
	select {
	case err := <-r.done:
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
		r.done <- nil // for the cleanup
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
	if !strings.Contains(r.logs.String(), "msg=stopped") {
		t.Fatalf("no stopped line:\n%s", r.logs.String())
	}
}

func TestServerCustomPathAndGeneratedAdminToken(t *testing.T) {
	cfg := testConfig(t)
	cfg.WSPath = "chat/"
	cfg.AdminToken = ""
	r := start(t, cfg)
	// The generated token is the database's (what `chatwasm admin-token`
	// prints), and never in the log.
	st, err := OpenStore(context.Background(), cfg.DB)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := auth.LoadAdminToken(context.Background(), st, "")
	st.Close()
	if err != nil || len(tok) != 32 {
		t.Fatalf("stored admin token %q, %v", tok, err)
	}
	if strings.Contains(r.logs.String(), tok) {
		t.Fatalf("the admin token is in the log:\n%s", r.logs.String())
	}
	if !strings.Contains(r.logs.String(), "chatwasm admin-token") {
		t.Errorf("the log does not say where the admin token is:\n%s", r.logs.String())
	}
	req, err := http.NewRequest("POST", "http://"+r.base+"/admin/users", strings.NewReader(`{"username":"alice"}`))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("admin with the stored token: %d", resp.StatusCode)
	}
	r.expectStatus(t, "/messaging/", http.StatusNotFound, "default path still served")
	r.expectStatus(t, "/chat/", http.StatusBadRequest, "custom path") // served, but not a WebSocket handshake
}

func TestRunFailsOnBadConfig(t *testing.T) {
	cfg := testConfig(t)
	cfg.DB = "nosuch:db"
	if err := Run(context.Background(), cfg, nil); err == nil {
		t.Fatal("Run with an unsupported database succeeded")
	}
	cfg = testConfig(t)
	cfg.WSPath = "/metrics"
	if err := Run(context.Background(), cfg, nil); err == nil {
		t.Fatal("Run with a reserved WebSocket path succeeded")
	}
}

// TestRunLogsMigrations: a start that migrates says which migrations it
// applied; a start on an up-to-date database says none.
func TestRunLogsMigrations(t *testing.T) {
	cfg := testConfig(t)
	t.Run("fresh", func(t *testing.T) {
		r := start(t, cfg)
		if !strings.Contains(r.logs.String(), `msg="migration applied" version=1 name=init`) {
			t.Errorf("the first start does not log migration 1:\n%s", r.logs.String())
		}
	})
	t.Run("up to date", func(t *testing.T) {
		r := start(t, cfg)
		if strings.Contains(r.logs.String(), "migration applied") {
			t.Errorf("a start on a migrated database logs a migration:\n%s", r.logs.String())
		}
	})
}
