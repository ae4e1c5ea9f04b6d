package server

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
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
	if code, body := get("/readyz"); code != http.StatusServiceUnavailable || body["status"] != "unavailable" {
		t.Fatalf("readyz without a database = %d %v, want 503", code, body)
	}
	if code, _ := get("/healthz"); code != http.StatusOK {
		t.Fatalf("healthz = %d, want 200", code)
	}
}
