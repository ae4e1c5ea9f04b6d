package e2e

import (
	"testing"
)

// TestMultiNodeDeleteUserDisconnects deletes users through the admin API of
// one node: their connections on every node close with 4001 (a connection
// left open would keep receiving its rooms' broadcasts), the other users'
// connections stay open and in sync, and a deleted user cannot reconnect on
// either node.
func TestMultiNodeDeleteUserDisconnects(t *testing.T) {
	t.Parallel()
	n1, n2, _, _ := twoNodes(t)
	a1, a2, b2, c1 := spreadUsers(t, n1, n2)
	a2b := n2.connect(t, a1.u)
	d1 := n1.login(t, "dave")
	g := createGroup(t, b2, "G", []user{a1.u, c1.u, d1.u}, nil, a1, a2, a2b, c1, d1)

	// alice, on both nodes, deleted on node 1.
	n1.deleteUser(t, a1.u.ID)
	for _, c := range []*client{a1, a2, a2b} {
		if code := c.expectClose(); code != 4001 {
			t.Fatalf("%s's connection closed with %d, want 4001", c.u.Username, code)
		}
	}
	rest := []*client{b2, c1, d1}
	quiet(rest...)
	sendMessage(t, b2, g, "alice is gone", c1, d1)
	quiet(rest...)

	// dave, on node 1 only, deleted on node 2.
	n2.deleteUser(t, d1.u.ID)
	if code := d1.expectClose(); code != 4001 {
		t.Fatalf("dave's connection closed with %d, want 4001", code)
	}
	rest = []*client{b2, c1}
	sendMessage(t, c1, g, "dave is gone", b2)
	quiet(rest...)

	// Their tokens no longer connect, on either node.
	for _, s := range []*server{n1, n2} {
		for _, u := range []user{a1.u, d1.u} {
			c, err := dial(t, s.WSURL(u.Token), nil)
			if err != nil {
				t.Fatalf("dial as deleted %s: %v", u.Username, err)
			}
			c.u = u
			if code := c.expectClose(); code != 4001 {
				t.Fatalf("deleted %s reconnecting: closed with %d, want 4001", u.Username, code)
			}
		}
	}
	for _, c := range rest {
		c.heartbeat()
	}
}
