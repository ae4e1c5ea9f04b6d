package e2e

import (
	"fmt"
	"testing"

	"github.com/chatwasm/chatwasm/internal/natstest"
	"github.com/chatwasm/chatwasm/internal/testserver"
)

// The tests of this file run the nodes*_test.go scenarios on the NATS broker
// (--broker), with a nats-server of their own (internal/natstest: skipped
// without one, failed under CI=true), on one PostgreSQL database.

// withNATS makes a node use the NATS broker of srv.
func withNATS(srv *natstest.Server) serverOption {
	return testserver.WithFlags("--broker", srv.URL())
}

// natsNodes starts a nats-server and n nodes on it, on one fresh PostgreSQL
// database.
func natsNodes(t *testing.T, n int) (*natstest.Server, []*server) {
	t.Helper()
	requirePostgres(t)
	srv := natstest.Start(t)
	nodes := []*server{startServer(t, withNATS(srv), withNodeID("nats1-"+testserver.RandomHex(t, 4)))}
	for i := 2; i <= n; i++ {
		nodes = append(nodes, startServer(t, withNATS(srv), withNodeID(fmt.Sprintf("nats%d-%s", i, testserver.RandomHex(t, 4))),
			sharingDatabaseWith(nodes[0])))
	}
	return srv, nodes
}

// TestNATSEveryEvent is TestMultiNodeEveryEvent on NATS: every
// group-delivered event kind, each connection of every recipient getting it
// exactly once, and membership changes on one node moving the other's
// subscriptions, hence its NATS subscriptions.
func TestNATSEveryEvent(t *testing.T) {
	t.Parallel()
	_, n := natsNodes(t, 2)
	everyEvent(t, n[0], n[1])
}

// TestNATSThreeNodes: a group with members on three nodes (alice on the
// first and the third), made on the first node; each member sends from its
// node, and alice's connection on the third adds a member of the first node
// and removes the only member of the second. Every event reaches every member's connection on every node
// exactly once, and nobody else's.
func TestNATSThreeNodes(t *testing.T) {
	t.Parallel()
	_, n := natsNodes(t, 3)
	a1 := n[0].login(t, "alice")
	a3 := n[2].connect(t, a1.u)
	b2 := n[1].login(t, "bob")
	c3 := n[2].login(t, "carol")
	d1 := n[0].login(t, "dave")
	e2 := n[1].login(t, "erin") // never a member
	all := []*client{a1, a3, b2, c3, d1, e2}
	group := []*client{a1, a3, b2, c3}

	a1.send("room.create", map[string]any{"type": "GroupChat", "name": "G", "participants": ids(b2.u, c3.u)})
	g := getString(t, expectOnly(t, "roomcreate.dispatch", group, all), "id")
	for round := range 3 {
		for _, c := range []*client{a1, b2, c3, a3} {
			c.send("message.send", map[string]any{"room_id": g, "content": fmt.Sprintf("%s %d", c.u.Username, round)})
			assertEqual(t, "content", getString(t, expectOnly(t, "message.dispatch", group, all), "content"),
				fmt.Sprintf("%s %d", c.u.Username, round))
		}
	}
	// dave (node 1) added from node 3: the first node already watches the
	// room; he gets the room's next events.
	a3.send("room.add_members", map[string]any{"room_id": g, "members": []int64{d1.u.ID}})
	group = append(group, d1)
	expectOnly(t, "roomaddmembers.dispatch", group, all)
	d1.send("message.send", map[string]any{"room_id": g, "content": "dave"})
	expectOnly(t, "message.dispatch", group, all)
	// bob (node 2) removed from node 3: the second node's last member of
	// the room goes, and it stops watching it.
	a3.send("room.remove_members", map[string]any{"room_id": g, "members": []int64{b2.u.ID}})
	b2.expect("roomexit.dispatch")
	group = []*client{a1, a3, c3, d1}
	expectOnly(t, "roomremovemembers.dispatch", group, all)
	for _, c := range group {
		c.send("message.send", map[string]any{"room_id": g, "content": "without bob " + c.u.Username})
		expectOnly(t, "message.dispatch", group, all)
	}
}

// TestNATSNodeKill is TestMultiNodeKill on NATS: node 1 killed under
// traffic and restarted; node 2's watcher loses nothing and sees nothing
// twice.
func TestNATSNodeKill(t *testing.T) {
	t.Parallel()
	requirePostgres(t)
	nodeKill(t, withNATS(natstest.Start(t)))
}

// TestNATSIdleNode: a node with no member of a busy room connected
// receives nothing of it: its chatwasm_broker_delivered_total does not move
// while the nodes of the members deliver every message.
func TestNATSIdleNode(t *testing.T) {
	t.Parallel()
	_, n := natsNodes(t, 3)
	a1 := n[0].login(t, "alice")
	b2 := n[1].login(t, "bob")
	c3 := n[2].login(t, "carol") // connected, in no room of theirs
	g := createGroup(t, a1, "busy", []user{b2.u}, nil, b2)
	const msgs = 100
	idle0 := n[2].metric(t, "chatwasm_broker_delivered_total")
	busy0 := n[1].metric(t, "chatwasm_broker_delivered_total")
	for i := range msgs {
		from, to := a1, b2
		if i%2 == 1 {
			from, to = b2, a1
		}
		sendMessage(t, from, g, fmt.Sprintf("m%d", i), to)
	}
	quiet(a1, b2, c3)
	if got := n[2].metric(t, "chatwasm_broker_delivered_total") - idle0; got != 0 {
		t.Errorf("the idle node received %v envelopes", got)
	}
	if got := n[1].metric(t, "chatwasm_broker_delivered_total") - busy0; got < msgs {
		t.Errorf("bob's node received %v envelopes, want at least %d", got, msgs)
	}
}

// TestNATSServerRestart kills the nats-server and starts it again while
// three nodes serve a room with members on each. A client is connected, for
// an event, when its node and the event's publishing node are both
// connected to NATS, with their subscriptions in place, from the publish
// until the delivery: here, every message sent before the kill, and every
// message sent after every node counted its reconnect
// (chatwasm_broker_reconnects_total, which counts once the server has the
// node's subscriptions again). Each of those reaches every member exactly
// once; a message sent while NATS is down reaches each member at most once.
func TestNATSServerRestart(t *testing.T) {
	t.Parallel()
	srv, n := natsNodes(t, 3)
	var members []*client
	for i, s := range n {
		members = append(members, s.login(t, fmt.Sprintf("m%d", i+1)))
	}
	g := createGroup(t, members[0], "G", []user{members[1].u, members[2].u}, nil, members[1], members[2])
	watchers := make([]*watched, len(members))
	for i, c := range members {
		watchers[i] = watch(c)
	}
	var connected, outage []string
	send := func(phase string, list *[]string) {
		for i, c := range members {
			for k := range 5 {
				content := fmt.Sprintf("%s-n%d-%d", phase, i+1, k)
				*list = append(*list, content)
				if err := c.Send("message.send", map[string]any{"room_id": g, "content": content}); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	received := func(list []string) func() bool {
		return func() bool {
			for _, w := range watchers {
				for _, content := range list {
					if w.count(content) == 0 {
						return false
					}
				}
			}
			return true
		}
	}
	send("before", &connected)
	eventually(t, "every member received the messages sent before the restart", received(connected))

	srv.Stop()
	send("outage", &outage)
	srv.Restart()
	for i, s := range n {
		eventually(t, fmt.Sprintf("node %d reconnected", i+1), func() bool {
			return s.metric(t, "chatwasm_broker_reconnects_total") >= 1
		})
	}
	after := len(connected)
	send("after", &connected)
	eventually(t, "every member received the messages sent after every node reconnected", received(connected[after:]))
	quiet(members...)
	for i, w := range watchers {
		for _, content := range connected {
			if got := w.count(content); got != 1 {
				t.Errorf("member %d received %s %d times, want once", i+1, content, got)
			}
		}
		for _, content := range outage {
			if got := w.count(content); got > 1 {
				t.Errorf("member %d received %s, sent during the outage, %d times", i+1, content, got)
			}
		}
	}
}
