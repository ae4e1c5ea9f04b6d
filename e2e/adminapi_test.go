package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"
)

// httpClient is the admin API client; its timeout bounds every request.
var httpClient = &http.Client{Timeout: 15 * time.Second}

// user is an account created through the admin API, with a token for it.
type user struct {
	ID        int64  `json:"id"`
	Username  string `json:"username"`
	Email     string `json:"email"`
	FirstName string `json:"first_name"`
	LastName  string `json:"last_name"`
	Token     string `json:"-"`
}

// adminRequest sends one admin API request with bearer token and returns the
// status and body. body is JSON-encoded unless it is a []byte (sent as is) or
// nil.
func (s *server) adminRequest(t *testing.T, method, path, token string, body any) (int, []byte) {
	t.Helper()
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		r = bytes.NewReader(b)
	default:
		enc, err := json.Marshal(b)
		if err != nil {
			t.Fatalf("encode admin body: %v", err)
		}
		r = bytes.NewReader(enc)
	}
	req, err := http.NewRequest(method, s.url(path), r)
	if err != nil {
		t.Fatalf("admin request: %v", err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if r != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", method, path, err)
	}
	return resp.StatusCode, out
}

// admin sends an admin API request with the server's admin token.
func (s *server) admin(t *testing.T, method, path string, body any) (int, []byte) {
	t.Helper()
	return s.adminRequest(t, method, path, s.adminToken, body)
}

// createUserIn creates user name in tenant ("" = default) with derived
// email and names, and a 1-hour token for it.
func (s *server) createUserIn(t *testing.T, tenant, name string) user {
	t.Helper()
	body := map[string]any{
		"username":   name,
		"email":      name + "@example.test",
		"first_name": "First " + name,
		"last_name":  "Last " + name,
	}
	if tenant != "" {
		body["tenant"] = tenant
	}
	status, out := s.admin(t, http.MethodPost, "/admin/users", body)
	if status != http.StatusCreated {
		t.Fatalf("POST /admin/users %s: status %d, want 201: %s", name, status, out)
	}
	var u user
	if err := json.Unmarshal(out, &u); err != nil {
		t.Fatalf("POST /admin/users: decode %s: %v", out, err)
	}
	if u.ID <= 0 || u.Username != name {
		t.Fatalf("POST /admin/users: got %s", out)
	}
	u.Token = s.tokenFor(t, u.ID, "1h")
	return u
}

// createUser creates user name in the default tenant.
func (s *server) createUser(t *testing.T, name string) user {
	t.Helper()
	return s.createUserIn(t, "", name)
}

// tokenFor issues a token for user id through the admin API ("" ttl = the
// server's default).
func (s *server) tokenFor(t *testing.T, id int64, ttl string) string {
	t.Helper()
	body := map[string]any{"user_id": id}
	if ttl != "" {
		body["ttl"] = ttl
	}
	status, out := s.admin(t, http.MethodPost, "/admin/tokens", body)
	if status != http.StatusOK {
		t.Fatalf("POST /admin/tokens %d: status %d, want 200: %s", id, status, out)
	}
	var tok struct {
		Token string `json:"token"`
	}
	if err := json.Unmarshal(out, &tok); err != nil || tok.Token == "" {
		t.Fatalf("POST /admin/tokens: body %s (%v)", out, err)
	}
	return tok.Token
}

// deleteUser deletes a user through the admin API.
func (s *server) deleteUser(t *testing.T, id int64) {
	t.Helper()
	status, out := s.admin(t, http.MethodDelete, fmt.Sprintf("/admin/users/%d", id), nil)
	if status != http.StatusNoContent {
		t.Fatalf("DELETE /admin/users/%d: status %d, want 204: %s", id, status, out)
	}
}
