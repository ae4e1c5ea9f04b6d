package e2e

import (
	"testing"
)

// TestTypingAfterAccessChange: message.typing, answered from the node's
// access cache once a member has typed, follows every change of the
// member's standing the node has been told of; a message is refused as well.
func TestTypingAfterAccessChange(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	typingAfterAccessChange(t, s.login(t, "alice"), s.login(t, "bob"))
}

// TestMultiNodeTypingAfterAccessChange is TestTypingAfterAccessChange with
// the member on another node than the actor: once the change's frame reached
// the member on node 2, node 2 refuses their typing too.
func TestMultiNodeTypingAfterAccessChange(t *testing.T) {
	t.Parallel()
	n1, n2, _, _ := twoNodes(t)
	typingAfterAccessChange(t, n1.login(t, "alice"), n2.login(t, "bob"))
}

// typingAfterAccessChange has alice remove bob from a group, add him again
// and lock the group, bob typing before and after each change.
func typingAfterAccessChange(t *testing.T, alice, bob *client) {
	t.Helper()
	const denied = "User is not authorized to send message to this room"
	g := createGroup(t, alice, "G", []user{bob.u}, nil, bob)
	typing := map[string]any{"room_id": g}
	mayType := func() {
		t.Helper()
		bob.send("message.typing", typing)
		expectSame(t, "messagetyping.dispatch", alice, bob)
	}
	refused := func() {
		t.Helper()
		bob.send("message.typing", typing)
		bob.expectErrorDetail(4002, denied)
		bob.send("message.send", map[string]any{"room_id": g, "content": "still here?"})
		bob.expectErrorDetail(4002, denied)
		quiet(alice, bob)
	}

	mayType()
	mayType()
	alice.send("room.remove_members", map[string]any{"room_id": g, "members": ids(bob.u)})
	bob.expect("roomexit.dispatch")
	alice.expect("roomremovemembers.dispatch")
	refused()

	alice.send("room.add_members", map[string]any{"room_id": g, "members": ids(bob.u)})
	expectSame(t, "roomaddmembers.dispatch", alice, bob)
	mayType()

	alice.send("room.modify", map[string]any{"room_id": g, "action": "update", "data": map[string]any{"group_locked": true}})
	expectSame(t, "roomupdate.dispatch", alice, bob)
	refused()

	alice.send("room.modify", map[string]any{"room_id": g, "action": "add_admin", "data": map[string]any{"users": ids(bob.u)}})
	expectSame(t, "roomupdate.dispatch", alice, bob)
	mayType()
}

// TestNATSTypingAfterAccessChange is TestMultiNodeTypingAfterAccessChange
// on the NATS broker, where node 2 receives only the groups it watches.
func TestNATSTypingAfterAccessChange(t *testing.T) {
	t.Parallel()
	_, n := natsNodes(t, 2)
	typingAfterAccessChange(t, n[0].login(t, "alice"), n[1].login(t, "bob"))
}
