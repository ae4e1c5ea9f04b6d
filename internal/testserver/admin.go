package testserver

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/chatwasm/chatwasm/abi"
)

// httpClient is the admin API client; its timeout bounds every request. A
// module upload compiles the module before it answers, uncached the first
// time: that took over 15 s on a loaded 2-core machine, so the bound is
// one a correct run never nears.
var httpClient = &http.Client{Timeout: 2 * time.Minute}

// User is an account created through the admin API (which answers with the
// wire User shape), with a token for it.
type User struct {
	abi.User
	Token string `json:"-"`
}

// AdminRequest sends one admin API request with bearer token ("" for none)
// and returns the status and body. body is JSON-encoded unless it is a
// []byte (sent as is) or nil.
func (s *Server) AdminRequest(tb testing.TB, method, path, token string, body any) (int, []byte) {
	tb.Helper()
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		r = bytes.NewReader(b)
	default:
		enc, err := json.Marshal(b)
		if err != nil {
			tb.Fatalf("encode admin body: %v", err)
		}
		r = bytes.NewReader(enc)
	}
	req, err := http.NewRequest(method, s.OpsURL(path), r)
	if err != nil {
		tb.Fatalf("admin request: %v", err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if r != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		tb.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatalf("%s %s: read body: %v", method, path, err)
	}
	return resp.StatusCode, out
}

// Admin sends an admin API request with the server's admin token.
func (s *Server) Admin(tb testing.TB, method, path string, body any) (int, []byte) {
	tb.Helper()
	return s.AdminRequest(tb, method, path, s.AdminToken, body)
}

// adminJSON sends an admin API request, fails the test unless the answer
// has status want, and decodes it into out.
func (s *Server) adminJSON(tb testing.TB, method, path string, body any, want int, out any) {
	tb.Helper()
	status, b := s.Admin(tb, method, path, body)
	if status != want {
		tb.Fatalf("%s %s: status %d, want %d: %s", method, path, status, want, b)
	}
	if err := json.Unmarshal(b, out); err != nil {
		tb.Fatalf("%s %s: decode %s: %v", method, path, b, err)
	}
}

// CreateUser creates user name in the default tenant, with a token.
func (s *Server) CreateUser(tb testing.TB, name string) User {
	tb.Helper()
	return s.CreateUserIn(tb, "", name)
}

// CreateUserIn creates user name in tenant ("" for the default one) with
// an email and names derived from it, and a 24-hour token for it.
func (s *Server) CreateUserIn(tb testing.TB, tenant, name string) User {
	tb.Helper()
	body := map[string]any{
		"username":   name,
		"email":      name + "@example.test",
		"first_name": "First " + name,
		"last_name":  "Last " + name,
	}
	if tenant != "" {
		body["tenant"] = tenant
	}
	var u User
	s.adminJSON(tb, http.MethodPost, "/admin/users", body, http.StatusCreated, &u)
	if u.ID <= 0 || u.Username != name {
		tb.Fatalf("POST /admin/users: got %+v, want a new user %s", u, name)
	}
	u.Token = s.Token(tb, u.ID, "24h")
	return u
}

// Token issues a token for user id through the admin API ("" ttl: the
// server's default).
func (s *Server) Token(tb testing.TB, id int64, ttl string) string {
	tb.Helper()
	body := map[string]any{"user_id": id}
	if ttl != "" {
		body["ttl"] = ttl
	}
	var tok struct {
		Token string `json:"token"`
	}
	s.adminJSON(tb, http.MethodPost, "/admin/tokens", body, http.StatusOK, &tok)
	if tok.Token == "" {
		tb.Fatalf("POST /admin/tokens %d: no token", id)
	}
	return tok.Token
}
