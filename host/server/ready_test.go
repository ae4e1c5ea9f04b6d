package server

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/chatwasm/chatwasm/host/store/storetest"
)

// TestReadyz checks that /readyz is 200 only while the node can serve: it
// turns 503 with the reason once shutdown begins or the database is gone,
// while /healthz keeps saying the process is up.
func TestReadyz(t *testing.T) {
	st := storetest.Open(t, "sqlite")
	srv, err := New(context.Background(), testConfig(t), st, nil)
	if err != nil {
		t.Fatal(err)
	}
	get := func(path string) (int, map[string]string) {
		rec := httptest.NewRecorder()
		srv.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		var body map[string]string
		if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
			t.Fatalf("%s: body %q: %v", path, rec.Body, err)
		}
		return rec.Code, body
	}
	if code, body := get("/readyz"); code != http.StatusOK || body["status"] != "ready" {
		t.Fatalf("readyz = %d %v, want 200 ready", code, body)
	}
	srv.draining.Store(true)
	if code, body := get("/readyz"); code != http.StatusServiceUnavailable || body["reason"] != "shutting down" {
		t.Fatalf("draining readyz = %d %v, want 503 shutting down", code, body)
	}
	srv.draining.Store(false)
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	if code, body := get("/readyz"); code != http.StatusServiceUnavailable || body["status"] != "unavailable" ||
		body["reason"] != "database unavailable" {
		t.Fatalf("readyz without a database = %d %v, want 503, database unavailable (no error text)", code, body)
	}
	if code, _ := get("/healthz"); code != http.StatusOK {
		t.Fatalf("healthz = %d, want 200", code)
	}
}

// TestInternalHandler: with InternalAddr the admin API, console and
// metrics are on the internal handler only, and only its /readyz gives the database
// error's text (which can name the database and its user).
func TestInternalHandler(t *testing.T) {
	st := storetest.Open(t, "sqlite")
	cfg := testConfig(t)
	cfg.InternalAddr = "127.0.0.1:0"
	srv, err := New(context.Background(), cfg, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	if srv.InternalHandler() == nil {
		t.Fatal("no internal handler with InternalAddr set")
	}
	get := func(h http.Handler, path string) (int, string) {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodGet, path, nil)
		req.Header.Set("Authorization", "Bearer "+cfg.AdminToken)
		h.ServeHTTP(rec, req)
		return rec.Code, rec.Body.String()
	}
	for _, path := range []string{"/metrics", "/admin/users", "/console/"} {
		if code, _ := get(srv.Handler(), path); code != http.StatusNotFound {
			t.Errorf("main handler %s = %d, want 404", path, code)
		}
	}
	for _, path := range []string{"/metrics", "/console/"} {
		if code, _ := get(srv.InternalHandler(), path); code != http.StatusOK {
			t.Errorf("internal %s = %d, want 200", path, code)
		}
	}
	if code, body := get(srv.InternalHandler(), "/admin/users"); code != http.StatusOK || !strings.Contains(body, `"users"`) {
		t.Errorf("internal GET /admin/users = %d %s, want the admin API's list", code, body)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	for _, h := range []struct {
		name     string
		h        http.Handler
		detailed bool
	}{{"main", srv.Handler(), false}, {"internal", srv.InternalHandler(), true}} {
		code, body := get(h.h, "/readyz")
		var b map[string]string
		if err := json.Unmarshal([]byte(body), &b); err != nil {
			t.Fatalf("%s readyz body %q: %v", h.name, body, err)
		}
		if code != http.StatusServiceUnavailable || strings.HasPrefix(b["reason"], "database: ") != h.detailed {
			t.Errorf("%s readyz without a database = %d %v; the error's text wanted: %v", h.name, code, b, h.detailed)
		}
	}
}
