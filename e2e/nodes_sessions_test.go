package e2e

import (
	"strings"
	"testing"
	"time"
)

// sessionsOf returns a user's session rows as channel name → last_seen
// (microseconds), read from the shared database.
func sessionsOf(t *testing.T, s *server, userID int64) map[string]int64 {
	t.Helper()
	out := map[string]int64{}
	for _, r := range pgQuery(t, s.DB, "SELECT channel_name, last_seen FROM sessions WHERE user_id = $1", userID) {
		out[r[0].(string)] = r[1].(int64)
	}
	return out
}

// sessionOn returns the one channel of sessions that belongs to node id.
func sessionOn(t *testing.T, sessions map[string]int64, id string) string {
	t.Helper()
	var found []string
	for ch := range sessions {
		if strings.HasPrefix(ch, id+".") {
			found = append(found, ch)
		}
	}
	if len(found) != 1 {
		t.Fatalf("sessions %v: want exactly one channel of node %s", sessions, id)
	}
	return found[0]
}

// TestMultiNodeSessions: each connection is one session row in the shared
// database, named after its node; a heartbeat on one node bumps only that
// connection's session and answers only it; what a user acknowledged on one
// node is no longer pending when they connect on the other; and fan-out
// follows membership, not heartbeats, across nodes too.
func TestMultiNodeSessions(t *testing.T) {
	t.Parallel()
	n1, n2, id1, id2 := twoNodes(t, withInactivityThreshold(time.Second))
	a1 := n1.login(t, "alice")
	a2 := n2.connect(t, a1.u)
	b2 := n2.login(t, "bob")
	all := []*client{a1, a2, b2}

	before := sessionsOf(t, n1, a1.u.ID)
	if len(before) != 2 {
		t.Fatalf("alice's sessions %v: want one per connection", before)
	}
	s1, s2 := sessionOn(t, before, id1), sessionOn(t, before, id2)

	// A heartbeat on one node bumps that node's session only and answers
	// there only; each is read back through the other node.
	for _, hb := range []struct {
		node         string
		c            *client
		readVia      *server
		bumped, kept string
	}{
		{"node 1", a1, n2, s1, s2},
		{"node 2", a2, n1, s2, s1},
	} {
		time.Sleep(5 * time.Millisecond)
		hb.c.heartbeat()
		quiet(all...)
		after := sessionsOf(t, hb.readVia, a1.u.ID)
		if after[hb.bumped] <= before[hb.bumped] || after[hb.kept] != before[hb.kept] {
			t.Fatalf("after a heartbeat on %s: sessions %v, were %v: want only %s bumped", hb.node, after, before, hb.bumped)
		}
		before = after
	}

	// carol is offline while a message for her is sent on node 1; she
	// connects on node 2 and finds it pending, acknowledges it there (alice
	// hears of it on both nodes), and on node 1 nothing is pending any more.
	carol := n1.CreateUser(t, "carol")
	a1.send("room.create", map[string]any{"type": "GroupChat", "name": "G", "participants": ids(b2.u, carol)})
	g := getString(t, expectOnly(t, "roomcreate.dispatch", all, all), "id")
	m := sendMessage(t, a1, g, "while carol is away", a2, b2)
	c2 := n2.connect(t, carol)
	if got := notificationSet(t, c2.Notifications); len(got) != 1 || !strings.Contains(got[0], m["id"].(string)) {
		t.Fatalf("carol's notifications on node 2 = %s, want the message sent on node 1", mustJSON(c2.Notifications))
	}
	all = append(all, c2)
	c2.send("message.acknowledged", map[string]any{"message_id": m["id"]})
	expectOnly(t, "messagedelivered.dispatch", []*client{a1, a2}, all)
	c1 := n1.connect(t, carol)
	assertEqual(t, "carol's notifications on node 1 after acknowledging on node 2", c1.Notifications, map[string]any{})
	if got := sessionsOf(t, n1, carol.ID); len(got) != 2 {
		t.Fatalf("carol's sessions %v: want one per connection", got)
	}
	all = append(all, c1)

	// Past the inactivity threshold without heartbeats, every connection
	// still receives its rooms' events from the other node.
	time.Sleep(1500 * time.Millisecond)
	b2.send("message.send", map[string]any{"room_id": g, "content": "still there?"})
	expectOnly(t, "message.dispatch", all, all)
}
