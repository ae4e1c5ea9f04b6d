package e2e

import (
	"os"
	"strings"
	"testing"
)

// TestMultiNodeFanOut runs two server processes on one PostgreSQL database:
// room broadcasts, "→me" frames and live membership changes reach the
// connections of both nodes (DESIGN.md: scale-out through the shared
// database).
func TestMultiNodeFanOut(t *testing.T) {
	t.Parallel()
	if !strings.HasPrefix(os.Getenv("CHATWASM_TEST_DB"), "postgres") {
		t.Skip("nodes share a database only on PostgreSQL: set CHATWASM_TEST_DB=postgres://... to run this test")
	}
	n1 := startServer(t)
	n2 := startServer(t, sharingDatabaseWith(n1))
	alice := n1.login(t, "alice")
	alice2 := n2.connect(t, alice.u)
	bob := n2.login(t, "bob")
	carol := n2.login(t, "carol")

	dm := createOneToOne(t, alice, bob.u, alice2, bob)
	sendMessage(t, bob, dm, "across nodes", alice, alice2)
	bob.send("message.typing", map[string]any{"room_id": dm})
	expectSame(t, "messagetyping.dispatch", alice, alice2, bob)
	alice2.send("room.list", map[string]any{})
	expectSame(t, "roomlist.dispatch", alice, alice2)
	quiet(bob, carol)

	// Membership changes made on one node move the subscriptions on the other.
	group := createGroup(t, alice, "G", nil, nil, alice2)
	alice.send("room.add_members", map[string]any{"room_id": group, "members": []int64{carol.u.ID}})
	expectSame(t, "roomaddmembers.dispatch", alice, alice2, carol)
	sendMessage(t, alice, group, "hi carol", alice2, carol)
	alice.send("room.remove_members", map[string]any{"room_id": group, "members": []int64{carol.u.ID}})
	carol.expect("roomexit.dispatch")
	expectSame(t, "roomremovemembers.dispatch", alice, alice2)
	sendMessage(t, alice, group, "carol is gone", alice2)
	alice2.heartbeat()
	quiet(alice, alice2, bob, carol)
}
