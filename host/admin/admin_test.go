package admin

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chatwasm/chatwasm/host/auth"
	"github.com/chatwasm/chatwasm/host/store"
	"github.com/chatwasm/chatwasm/host/store/storetest"
	"github.com/chatwasm/chatwasm/host/users"
)

const adminToken = "s3cret-admin"

type fixture struct {
	st      *store.Store
	iss     *auth.Issuer
	srv     *httptest.Server
	mu      sync.Mutex
	deleted []int64
}

func newFixture(t *testing.T, st *store.Store) *fixture {
	t.Helper()
	iss, err := auth.NewIssuer([]byte("admin test secret"))
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{st: st, iss: iss}
	api, err := New(Deps{Store: st, Issuer: iss, Token: adminToken, UserDeleted: func(_ context.Context, id int64) {
		f.mu.Lock()
		f.deleted = append(f.deleted, id)
		f.mu.Unlock()
	}})
	if err != nil {
		t.Fatal(err)
	}
	f.srv = httptest.NewServer(api)
	t.Cleanup(f.srv.Close)
	return f
}

// user creates the user username.
func (f *fixture) user(t *testing.T, username string) store.User {
	t.Helper()
	u, err := users.Create(context.Background(), f.st, users.Input{Username: username})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// do sends a request with the admin token (or authz as the Authorization
// header, "-" for none) and returns
// the status and the decoded JSON body (nil when empty).
func (f *fixture) do(t *testing.T, method, path, body, authz string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(method, f.srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	switch authz {
	case "":
		req.Header.Set("Authorization", "Bearer "+adminToken)
	case "-": // no header at all
	default:
		req.Header.Set("Authorization", authz)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) == 0 {
		return resp.StatusCode, nil
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("%s %s: Content-Type %q", method, path, ct)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%s %s: body %s: %v", method, path, b, err)
	}
	return resp.StatusCode, m
}

// wantError checks a status and a JSON error body containing substr.
func wantError(t *testing.T, status int, body map[string]any, wantStatus int, substr string) {
	t.Helper()
	msg, _ := body["error"].(string)
	if status != wantStatus || !strings.Contains(msg, substr) {
		t.Fatalf("got %d %v, want %d with error containing %q", status, body, wantStatus, substr)
	}
}

func TestAdminAuth(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		f := newFixture(t, st)
		for name, authz := range map[string]string{
			"missing": "-", "other scheme": "None x", "wrong": "Bearer nope", "basic": "Basic " + adminToken, "empty bearer": "Bearer ",
		} {
			t.Run(name, func(t *testing.T) {
				status, body := f.do(t, "POST", "/admin/users", `{"username":"x"}`, authz)
				wantError(t, status, body, http.StatusUnauthorized, "admin token")
			})
		}
		// Unauthenticated requests learn nothing, not even which paths exist.
		status, body := f.do(t, "GET", "/admin/nowhere", "", "Bearer nope")
		wantError(t, status, body, http.StatusUnauthorized, "admin token")
	})
}

func TestAdminCreateUser(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		f := newFixture(t, st)
		status, body := f.do(t, "POST", "/admin/users",
			`{"username":"alice","email":"alice@example.com","first_name":"Alice","last_name":"Liddell"}`, "")
		if status != http.StatusCreated {
			t.Fatalf("status %d %v", status, body)
		}
		id, ok := body["id"].(float64)
		if !ok || id <= 0 {
			t.Fatalf("id %v", body["id"])
		}
		want := map[string]any{"id": id, "username": "alice", "email": "alice@example.com", "first_name": "Alice", "last_name": "Liddell"}
		if len(body) != len(want) {
			t.Fatalf("body %v, want exactly %v", body, want)
		}
		for k, v := range want {
			if body[k] != v {
				t.Fatalf("%s = %v, want %v", k, body[k], v)
			}
		}

		status, body = f.do(t, "POST", "/admin/users", `{"username":"alice"}`, "")
		wantError(t, status, body, http.StatusConflict, "already exists")

		status, body = f.do(t, "POST", "/admin/users", `{"username":"bob","tenant":"acme"}`, "")
		if status != http.StatusCreated {
			t.Fatalf("with tenant: %d %v", status, body)
		}
		var bob store.User
		if err := st.Read(context.Background(), func(tx *store.Tx) error {
			var err error
			bob, err = tx.GetUserByUsername(context.Background(), "bob")
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if bob.Tenant != "acme" || bob.Email != "" {
			t.Fatalf("bob = %+v, want tenant acme and empty email", bob)
		}
	})
}

func TestAdminCreateUserBadRequests(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		f := newFixture(t, st)
		cases := []struct{ name, body, substr string }{
			{"empty body", ``, "must be a JSON object"},
			{"malformed", `{"username":`, "invalid JSON"},
			{"array", `[1]`, "must be a JSON object"},
			{"trailing", `{"username":"a"} {}`, "trailing data"},
			{"wrong type", `{"username":7}`, `"username" must be of type string`},
			{"unknown field", `{"username":"a","password":"x"}`, "unknown field"},
			// The rules themselves are tested in package users; these show
			// that a refusal of each field reaches the client.
			{"missing username", `{"email":"a@b.c"}`, "username is required"},
			{"bad email", `{"username":"a","email":"nope"}`, "email"},
			{"bad first name", `{"username":"a","first_name":"` + strings.Repeat("x", 151) + `"}`, "first_name"},
			{"bad tenant", `{"username":"a","tenant":" acme"}`, "tenant"},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				status, body := f.do(t, "POST", "/admin/users", c.body, "")
				wantError(t, status, body, http.StatusBadRequest, c.substr)
			})
		}
		status, body := f.do(t, "POST", "/admin/users", `{"username":"`+strings.Repeat("a", 2<<20)+`"}`, "")
		wantError(t, status, body, http.StatusRequestEntityTooLarge, "exceeds")
	})
}

func TestAdminTokens(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		f := newFixture(t, st)
		u := f.user(t, "alice")
		status, body := f.do(t, "POST", "/admin/tokens", `{"user_id":`+itoa(u.ID)+`}`, "")
		if status != http.StatusOK || len(body) != 1 {
			t.Fatalf("got %d %v", status, body)
		}
		tok, _ := body["token"].(string)
		if id, err := f.iss.Verify(tok); err != nil || id != u.ID {
			t.Fatalf("token verifies to %d, %v", id, err)
		}

		status, body = f.do(t, "POST", "/admin/tokens", `{"user_id":`+itoa(u.ID)+`,"ttl":"1s"}`, "")
		if status != http.StatusOK {
			t.Fatalf("with ttl: %d %v", status, body)
		}
		later, err := auth.NewIssuer([]byte("admin test secret"), auth.WithClock(func() time.Time { return time.Now().Add(2 * time.Second) }))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := later.Verify(body["token"].(string)); !errors.Is(err, auth.ErrInvalidToken) {
			t.Fatalf("1s token still valid 2s later: %v", err)
		}

		for _, c := range []struct {
			name, body string
			status     int
			substr     string
		}{
			{"missing user_id", `{}`, 400, "user_id is required"},
			{"string user_id", `{"user_id":"1"}`, 400, `"user_id" must be of type int64`},
			{"unknown user", `{"user_id":999}`, 404, "user 999 not found"},
			{"bad ttl", `{"user_id":` + itoa(u.ID) + `,"ttl":"soon"}`, 400, "ttl"},
			{"negative ttl", `{"user_id":` + itoa(u.ID) + `,"ttl":"-1h"}`, 400, "ttl"},
			{"malformed", `{"user_id":`, 400, "invalid JSON"},
		} {
			t.Run(c.name, func(t *testing.T) {
				status, body := f.do(t, "POST", "/admin/tokens", c.body, "")
				wantError(t, status, body, c.status, c.substr)
			})
		}
	})
}

func TestAdminDeleteUser(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		f := newFixture(t, st)
		u := f.user(t, "alice")
		if status, body := f.do(t, "DELETE", "/admin/users/"+itoa(u.ID), "", ""); status != http.StatusNoContent || body != nil {
			t.Fatalf("got %d %v, want 204 with no body", status, body)
		}
		if len(f.deleted) != 1 || f.deleted[0] != u.ID {
			t.Fatalf("UserDeleted calls %v, want [%d]", f.deleted, u.ID)
		}
		err := st.Read(context.Background(), func(tx *store.Tx) error {
			_, err := tx.GetUser(context.Background(), u.ID)
			return err
		})
		if !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("user still there: %v", err)
		}
		status, body := f.do(t, "DELETE", "/admin/users/"+itoa(u.ID), "", "")
		wantError(t, status, body, http.StatusNotFound, "not found")
		status, body = f.do(t, "DELETE", "/admin/users/abc", "", "")
		wantError(t, status, body, http.StatusBadRequest, "positive integer")
		if len(f.deleted) != 1 {
			t.Fatalf("UserDeleted called for failed deletes: %v", f.deleted)
		}
	})
}

func TestAdminRouting(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		f := newFixture(t, st)
		for _, c := range []struct {
			method, path string
			status       int
		}{
			{"PUT", "/admin/users", 405},
			{"PUT", "/admin/tokens", 405},
			{"POST", "/admin/users/1", 405},
			{"GET", "/admin/identities", 405},
			{"GET", "/admin/nowhere", 404},
			{"DELETE", "/admin/users/", 404},
			{"POST", "/admin/tenants", 405},
			{"DELETE", "/admin/sessions", 405},
			{"POST", "/admin/stats", 405},
		} {
			status, body := f.do(t, c.method, c.path, "", "")
			if status != c.status || body["error"] == nil {
				t.Errorf("%s %s: %d %v, want %d with a JSON error", c.method, c.path, status, body, c.status)
			}
		}
	})
}

// TestAdminListUsers pages through users by id, filters by tenant and
// refuses bad parameters.
func TestAdminListUsers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		f := newFixture(t, st)
		var ids []float64
		for i, name := range []string{"ann", "ben", "cat"} {
			in := users.Input{Username: name}
			if i == 1 {
				in.Tenant = "acme"
			}
			u, err := users.Create(context.Background(), st, in)
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, float64(u.ID))
		}
		page := func(query string) ([]any, any) {
			t.Helper()
			status, body := f.do(t, "GET", "/admin/users"+query, "", "")
			if status != http.StatusOK {
				t.Fatalf("GET /admin/users%s: %d %v", query, status, body)
			}
			us, _ := body["users"].([]any)
			return us, body["next"]
		}
		us, next := page("?limit=2")
		if len(us) != 2 || us[0].(map[string]any)["id"] != ids[0] || us[1].(map[string]any)["id"] != ids[1] || next != ids[1] {
			t.Fatalf("first page %v next %v, want users %v,%v and next %v", us, next, ids[0], ids[1], ids[1])
		}
		if got := us[1].(map[string]any); got["tenant"] != "acme" || got["username"] != "ben" {
			t.Errorf("second user %v, want ben of tenant acme", got)
		}
		us, next = page("?limit=2&after=" + itoa(int64(ids[1])))
		if len(us) != 1 || us[0].(map[string]any)["username"] != "cat" || next != nil {
			t.Fatalf("last page %v next %v, want cat and null", us, next)
		}
		// A page that ends exactly at the last user says there is no next.
		if us, next = page("?limit=3"); len(us) != 3 || next != nil {
			t.Fatalf("exact page %v next %v, want 3 users and null", us, next)
		}
		us, next = page("")
		if len(us) != 3 || next != nil {
			t.Fatalf("default page %v next %v, want 3 users and null", us, next)
		}
		us, next = page("?tenant=acme")
		if len(us) != 1 || us[0].(map[string]any)["username"] != "ben" || next != nil {
			t.Fatalf("tenant acme %v next %v, want ben only", us, next)
		}
		us, _ = page("?tenant=nobody")
		if us == nil || len(us) != 0 {
			t.Fatalf("unknown tenant: users %v, want an empty array", us)
		}
		for _, q := range []string{"?limit=0", "?limit=1001", "?limit=x", "?after=-1", "?after=x"} {
			status, body := f.do(t, "GET", "/admin/users"+q, "", "")
			wantError(t, status, body, http.StatusBadRequest, "must be")
		}
	})
}

// TestAdminGetUserAndUnlink shows a user with its identities, then unlinks
// one; an unlinked identity is unknown to the store again.
func TestAdminGetUserAndUnlink(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		f := newFixture(t, st)
		u := f.user(t, "alice")
		status, body := f.do(t, "GET", "/admin/users/"+itoa(u.ID), "", "")
		if ids, _ := body["identities"].([]any); status != http.StatusOK || body["username"] != "alice" ||
			body["tenant"] != store.DefaultTenant || ids == nil || len(ids) != 0 {
			t.Fatalf("get alice: %d %v, want alice of the default tenant with no identities", status, body)
		}
		if err := st.Write(ctx, func(tx *store.Tx) error {
			return tx.LinkExternalIdentity(ctx, "https://idp.example", "a b&c", u.ID)
		}); err != nil {
			t.Fatal(err)
		}
		status, body = f.do(t, "GET", "/admin/users/"+itoa(u.ID), "", "")
		ids, _ := body["identities"].([]any)
		if status != http.StatusOK || len(ids) != 1 {
			t.Fatalf("get alice: %d %v, want one identity", status, body)
		}
		if id := ids[0].(map[string]any); id["issuer"] != "https://idp.example" || id["subject"] != "a b&c" {
			t.Fatalf("identity %v", id)
		}
		path := "/admin/identities?" + url.Values{"issuer": {"https://idp.example"}, "subject": {"a b&c"}}.Encode()
		if status, body := f.do(t, "DELETE", path, "", ""); status != http.StatusNoContent || body != nil {
			t.Fatalf("unlink: %d %v, want 204", status, body)
		}
		err := st.Read(ctx, func(tx *store.Tx) error {
			_, err := tx.ExternalIdentity(ctx, "https://idp.example", "a b&c")
			return err
		})
		if !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("identity after unlink: %v, want ErrNotFound", err)
		}
		status, body = f.do(t, "DELETE", path, "", "")
		wantError(t, status, body, http.StatusNotFound, "not found")
		status, body = f.do(t, "DELETE", "/admin/identities?issuer=x", "", "")
		wantError(t, status, body, http.StatusBadRequest, "required")
		if len(f.deleted) != 0 {
			t.Fatalf("unlink closed connections of %v", f.deleted)
		}
		status, body = f.do(t, "GET", "/admin/users/"+itoa(u.ID+1000), "", "")
		wantError(t, status, body, http.StatusNotFound, "not found")
		status, body = f.do(t, "GET", "/admin/users/0", "", "")
		wantError(t, status, body, http.StatusBadRequest, "positive integer")
	})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
