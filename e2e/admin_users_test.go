package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"testing"

	"github.com/chatwasm/chatwasm/abi"
)

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
