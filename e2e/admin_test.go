package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/chatwasm/chatwasm/abi"
	"github.com/chatwasm/chatwasm/internal/testserver"
)

// assertAdminError checks an admin API error: the wanted status and a JSON
// body {"error": "<non-empty>"}.
func assertAdminError(t *testing.T, what string, status int, body []byte, want int) {
	t.Helper()
	if status != want {
		t.Fatalf("%s: status %d, want %d (body %s)", what, status, want, body)
	}
	var e map[string]any
	if err := json.Unmarshal(body, &e); err != nil {
		t.Fatalf("%s: body %q is not JSON: %v", what, body, err)
	}
	assertKeys(t, e, "error")
	if msg, _ := e["error"].(string); msg == "" {
		t.Fatalf("%s: body %s, want a non-empty error string", what, body)
	}
}

// assertAdmin4xx checks a client error status with a JSON error body.
func assertAdmin4xx(t *testing.T, what string, status int, body []byte) {
	t.Helper()
	if status < 400 || status > 499 {
		t.Fatalf("%s: status %d, want 4xx (body %s)", what, status, body)
	}
	assertAdminError(t, what, status, body, status)
}

func TestAdminUsers(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	body := map[string]any{"username": "alice", "email": "a@example.test", "first_name": "Alice", "last_name": "Liddell"}
	status, out := s.Admin(t, http.MethodPost, "/admin/users", body)
	if status != http.StatusCreated {
		t.Fatalf("create: status %d, want 201: %s", status, out)
	}
	var got map[string]any
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("create: %s: %v", out, err)
	}
	assertKeys(t, got, userKeys...)
	if asInt(t, got["id"]) <= 0 {
		t.Fatalf("create: id %v", got["id"])
	}
	delete(got, "id")
	assertEqual(t, "created user", got, body)

	status, out = s.Admin(t, http.MethodPost, "/admin/users", body)
	assertAdminError(t, "duplicate username", status, out, http.StatusConflict)

	status, out = s.Admin(t, http.MethodPost, "/admin/users", map[string]any{"username": "bob", "tenant": "acme"})
	if status != http.StatusCreated {
		t.Fatalf("create with tenant and only a username: status %d, want 201: %s", status, out)
	}

	status, out = s.Admin(t, http.MethodPost, "/admin/users", []byte(`{"username": `))
	assertAdmin4xx(t, "malformed JSON", status, out)
	status, out = s.Admin(t, http.MethodPost, "/admin/users", []byte(`[]`))
	assertAdmin4xx(t, "JSON array", status, out)
	status, out = s.Admin(t, http.MethodPost, "/admin/users", map[string]any{"email": "x@example.test"})
	assertAdmin4xx(t, "missing username", status, out)
	status, out = s.Admin(t, http.MethodPost, "/admin/users", map[string]any{"username": ""})
	assertAdmin4xx(t, "empty username", status, out)
	status, out = s.Admin(t, http.MethodPost, "/admin/users", map[string]any{"username": 12})
	assertAdmin4xx(t, "username of the wrong type", status, out)
}

func TestAdminAuthorization(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	body := map[string]any{"username": "alice"}
	status, out := s.AdminRequest(t, http.MethodPost, "/admin/users", "", body)
	assertAdminError(t, "no admin token", status, out, http.StatusUnauthorized)
	status, out = s.AdminRequest(t, http.MethodPost, "/admin/users", "wrong-"+s.AdminToken, body)
	assertAdminError(t, "wrong admin token", status, out, http.StatusUnauthorized)
	u := s.CreateUser(t, "bob")
	status, out = s.AdminRequest(t, http.MethodPost, "/admin/users", u.Token, body)
	assertAdminError(t, "a user's chat token as admin token", status, out, http.StatusUnauthorized)
	status, out = s.AdminRequest(t, http.MethodPost, "/admin/tokens", "", map[string]any{"user_id": u.ID})
	assertAdminError(t, "token without admin token", status, out, http.StatusUnauthorized)
	status, out = s.AdminRequest(t, http.MethodDelete, fmt.Sprintf("/admin/users/%d", u.ID), "", nil)
	assertAdminError(t, "delete without admin token", status, out, http.StatusUnauthorized)
	// Nothing above took effect.
	status, out = s.Admin(t, http.MethodPost, "/admin/users", body)
	if status != http.StatusCreated {
		t.Fatalf("alice after unauthorized attempts: status %d, want 201: %s", status, out)
	}
	s.connect(t, u).heartbeat()
}

func TestAdminTokens(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	u := s.CreateUser(t, "alice")
	u.Token = s.Token(t, u.ID, "") // default ttl
	s.connect(t, u).heartbeat()
	u.Token = s.Token(t, u.ID, "90m")
	s.connect(t, u).heartbeat()

	status, out := s.Admin(t, http.MethodPost, "/admin/tokens", map[string]any{"user_id": 999999})
	assertAdmin4xx(t, "token for an unknown user", status, out)
	status, out = s.Admin(t, http.MethodPost, "/admin/tokens", map[string]any{})
	assertAdmin4xx(t, "token without user_id", status, out)
	status, out = s.Admin(t, http.MethodPost, "/admin/tokens", map[string]any{"user_id": "alice"})
	assertAdmin4xx(t, "user_id of the wrong type", status, out)
	status, out = s.Admin(t, http.MethodPost, "/admin/tokens", map[string]any{"user_id": u.ID, "ttl": "forever"})
	assertAdmin4xx(t, "unparsable ttl", status, out)
	status, out = s.Admin(t, http.MethodPost, "/admin/tokens", []byte(`{"user_id":`))
	assertAdmin4xx(t, "malformed JSON", status, out)
}

func TestAdminDeleteUser(t *testing.T) {
	t.Parallel()
	s, alice, bob, carol := startTrio(t)

	// alice's rooms: a 1-1 with bob, a group she created (bob, carol); bob's
	// group with alice and carol.
	dm := createOneToOne(t, alice, bob.u, bob)
	aliceGroup := createGroup(t, alice, "alice's", []user{bob.u, carol.u}, nil, bob, carol)
	bobGroup := createGroup(t, bob, "bob's", []user{alice.u, carol.u}, nil, alice, carol)
	sendMessage(t, alice, bobGroup, "from alice", bob, carol)
	last := sendMessage(t, bob, bobGroup, "from bob", alice, carol)

	s.deleteUser(t, alice.u.ID)
	t.Logf("deleted user's open connection closed with code %d", alice.expectClose())

	status, out := s.Admin(t, http.MethodDelete, fmt.Sprintf("/admin/users/%d", alice.u.ID), nil)
	assertAdmin4xx(t, "delete an already deleted user", status, out)
	status, out = s.Admin(t, http.MethodDelete, "/admin/users/not-a-number", nil)
	assertAdmin4xx(t, "delete a non-numeric id", status, out)
	status, out = s.Admin(t, http.MethodPost, "/admin/tokens", map[string]any{"user_id": alice.u.ID})
	assertAdmin4xx(t, "token for a deleted user", status, out)

	// Cascades (docs/protocol.md §1.13): her 1-1 and her group are gone, bob's
	// group lost her as a member and her messages.
	list := roomList(t, bob)
	if findRoom(t, list, dm) != nil || findRoom(t, list, aliceGroup) != nil {
		t.Fatalf("bob's rooms after alice was deleted still hold her 1-1 or her group: %s", mustJSON(list))
	}
	if findRoom(t, list, bobGroup) == nil {
		t.Fatalf("bob's group is gone after deleting a member: %s", mustJSON(list))
	}
	assertUserIDs(t, "participants", roomInfo(t, bob, bobGroup)["participants"], bob.u, carol.u)
	msgs := history(t, bob, bobGroup)
	assertEqual(t, "history after deleting alice", messageIDs(t, msgs), []string{last["id"].(string)})
	bob.send("room.info", map[string]any{"room_id": dm})
	bob.expectErrorDetail(4004, "Resource not found.")
	carol.send("room.info", map[string]any{"room_id": aliceGroup})
	carol.expectErrorDetail(4004, "Resource not found.")
}

// httpClient is the client of the suite's own HTTP requests; its timeout
// bounds every request.
var httpClient = &http.Client{Timeout: 15 * time.Second}

// user is an account created through the admin API, with a token for it.
type user = testserver.User

// deleteUser deletes a user through the admin API.
func (s *server) deleteUser(t *testing.T, id int64) {
	t.Helper()
	status, out := s.Admin(t, http.MethodDelete, fmt.Sprintf("/admin/users/%d", id), nil)
	if status != http.StatusNoContent {
		t.Fatalf("DELETE /admin/users/%d: status %d, want 204: %s", id, status, out)
	}
}

// TestAdminUserManagement lists users across two pages, shows one with its
// external identity, deletes it (closing its open connection; its identity
// is then refused), and unlinks the identity, after which the provider's
// next token for it creates a new user.
func TestAdminUserManagement(t *testing.T) {
	t.Parallel()
	idp := newIdentityProvider(t)
	s := startServer(t, idp.flags())
	adminJSON := func(method, path string, want int, out any) {
		t.Helper()
		status, b := s.Admin(t, method, path, nil)
		if status != want {
			t.Fatalf("%s %s: status %d, want %d: %s", method, path, status, want, b)
		}
		if out != nil {
			if err := json.Unmarshal(b, out); err != nil {
				t.Fatalf("%s %s: decode %s: %v", method, path, b, err)
			}
		}
	}
	type page struct {
		Users []struct {
			ID       int64  `json:"id"`
			Username string `json:"username"`
			Tenant   string `json:"tenant"`
		} `json:"users"`
		Next *int64 `json:"next"`
	}

	// dave comes from the provider: his first connect creates him.
	dave := s.connect(t, user{User: abi.User{Username: "dave"}, Token: idp.sign(idp.key, "dave")})
	dave.send("room.list", map[string]any{})
	dave.nextFrame()
	s.CreateUser(t, "erin")
	s.CreateUserIn(t, "acme", "fay")

	var p1, p2 page
	adminJSON(http.MethodGet, "/admin/users?limit=2", http.StatusOK, &p1)
	if len(p1.Users) != 2 || p1.Next == nil || *p1.Next != p1.Users[1].ID {
		t.Fatalf("first page %+v, want 2 users and next = the last id", p1)
	}
	adminJSON(http.MethodGet, fmt.Sprintf("/admin/users?limit=2&after=%d", *p1.Next), http.StatusOK, &p2)
	if len(p2.Users) != 1 || p2.Next != nil || p2.Users[0].Username != "fay" || p2.Users[0].Tenant != "acme" {
		t.Fatalf("second page %+v, want fay of acme and no next", p2)
	}
	names := map[string]int64{}
	for _, u := range append(p1.Users, p2.Users...) {
		names[u.Username] = u.ID
	}
	if len(names) != 3 || names["dave"] == 0 || names["erin"] == 0 {
		t.Fatalf("users over two pages %v, want dave, erin and fay", names)
	}

	var got struct {
		Username   string `json:"username"`
		Identities []struct {
			Issuer  string `json:"issuer"`
			Subject string `json:"subject"`
		} `json:"identities"`
	}
	adminJSON(http.MethodGet, fmt.Sprintf("/admin/users/%d", names["dave"]), http.StatusOK, &got)
	if got.Username != "dave" || len(got.Identities) != 1 ||
		got.Identities[0].Issuer != externalIssuer || got.Identities[0].Subject != "idp|dave" {
		t.Fatalf("GET dave: %+v, want his provider identity", got)
	}

	// Deleting dave closes his open connection and refuses his identity.
	s.deleteUser(t, names["dave"])
	t.Logf("deleted user's open connection closed with code %d", dave.expectClose())
	adminJSON(http.MethodGet, fmt.Sprintf("/admin/users/%d", names["dave"]), http.StatusNotFound, nil)
	refused, err := dial(t, s.WSURL(idp.sign(idp.key, "dave")), nil)
	if err != nil {
		t.Fatal(err)
	}
	refused.u.Username = "deleted dave"
	if code := refused.expectClose(); code != 4001 {
		t.Fatalf("deleted provider user: close %d, want 4001", code)
	}

	// Unlinking the identity makes the provider's next token a new user.
	unlink := "/admin/identities?" + url.Values{"issuer": {externalIssuer}, "subject": {"idp|dave"}}.Encode()
	adminJSON(http.MethodDelete, unlink, http.StatusNoContent, nil)
	adminJSON(http.MethodDelete, unlink, http.StatusNotFound, nil)
	again := s.connect(t, user{User: abi.User{Username: "dave"}, Token: idp.sign(idp.key, "dave")})
	again.send("room.list", map[string]any{})
	if f := again.nextFrame(); f.Object["data"] == nil {
		t.Fatalf("new dave's room.list: %v", f.Object)
	}
	var all page
	adminJSON(http.MethodGet, "/admin/users", http.StatusOK, &all)
	var newID int64
	for _, u := range all.Users {
		if u.Username == "dave" {
			newID = u.ID
		}
	}
	if newID == 0 || newID == names["dave"] {
		t.Fatalf("users after unlink %+v, want a new dave (old id %d)", all.Users, names["dave"])
	}
}
