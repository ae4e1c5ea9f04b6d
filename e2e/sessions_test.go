package e2e

import (
	"testing"
	"time"

	"github.com/chatwasm/chatwasm/internal/testserver"
)

func TestHeartbeatAndDevices(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	a1 := s.login(t, "alice")
	a2 := s.connect(t, a1.u)
	a3 := s.connect(t, a1.u)
	bob := s.login(t, "bob")

	// The heartbeat reply goes to the asking connection only.
	a2.heartbeat()
	quiet(a1, a3, bob)
	a2.send("session.heartbeat", testserver.NoData)
	assertEqual(t, "heartbeat without data", a2.nextFrame().Object, map[string]any{"status": "success"})
	a2.send("session.heartbeat", nil)
	assertEqual(t, "heartbeat with null data", a2.nextFrame().Object, map[string]any{"status": "success"})

	// "→me" results reach every connection of the user.
	a3.send("room.list", map[string]any{})
	expectSame(t, "roomlist.dispatch", a1, a2, a3)
	quiet(bob)

	// Room broadcasts reach every connection of every member.
	dm := createOneToOne(t, bob, a1.u, a1, a2, a3)
	sendMessage(t, bob, dm, "to all of alice", a1, a2, a3)

	// Closing one connection leaves the others working.
	a2.Close()
	sendMessage(t, a1, dm, "still here", a3, bob)
	a3.heartbeat()
	quiet(a1, a3, bob)
}

// TestFanOutFollowsDBMembership: a connection opened after the user became a
// member joins the room's group, and membership, not heart-beating, decides
// who receives (docs/decisions.md).
func TestFanOutFollowsDBMembership(t *testing.T) {
	t.Parallel()
	s := startServer(t, withInactivityThreshold(time.Second))
	alice := s.login(t, "alice")
	bob := s.CreateUser(t, "bob")
	carol := s.login(t, "carol")
	// bob is offline while made a member.
	group := createGroup(t, alice, "G", []user{bob}, nil)
	b := s.connect(t, bob)
	sendMessage(t, alice, group, "you were offline", b)

	// carol never heart-beats and is past the inactivity threshold, yet she
	// receives the rooms she is added to on her open connection.
	time.Sleep(1500 * time.Millisecond)
	alice.send("room.add_members", map[string]any{"room_id": group, "members": []int64{carol.u.ID}})
	expectSame(t, "roomaddmembers.dispatch", alice, b, carol)
	sendMessage(t, b, group, "hi carol", alice, carol)
	createOneToOne(t, alice, carol.u, carol)
	quiet(alice, b, carol)
}

// TestRestartKeepsState: users, tokens, rooms, messages and pending
// notifications survive a restart on the same database.
func TestRestartKeepsState(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	alice := s.login(t, "alice")
	bob := s.CreateUser(t, "bob")
	dm := createOneToOne(t, alice, bob)
	m := sendMessage(t, alice, dm, "before the restart")
	if err := s.Stop(); err != nil {
		t.Fatalf("stop: %v", err)
	}
	alice.expectClose()

	s2 := startServer(t, sharingDatabaseWith(s))
	b := s2.connect(t, bob)
	if _, ok := b.Notifications[dm]; !ok {
		t.Fatalf("bob's notifications after the restart = %s, want the 1-1's message", mustJSON(b.Notifications))
	}
	assertEqual(t, "history after the restart", messageIDs(t, history(t, b, dm)), []string{m["id"].(string)})
	a := s2.connect(t, alice.u)
	sendMessage(t, b, dm, "after the restart", a)
}
