package e2e

import (
	"strings"
	"testing"

	"github.com/chatwasm/chatwasm/host/broker/pgbroker"
)

// Broker metrics of a node.
const (
	metricListenLost = "chatwasm_broker_listen_connection_lost_total"
	metricReconnects = "chatwasm_broker_reconnects_total"
)

// listenerPIDs returns the backend pids of node id's LISTEN connection,
// found by its application_name in the node's database (its last query is
// not a reliable mark: the idle ping and large-payload fetches run on it
// too).
func listenerPIDs(t *testing.T, s *server, id string) []int32 {
	t.Helper()
	var out []int32
	for _, r := range pgQuery(t, s.DB, `SELECT pid FROM pg_stat_activity
		WHERE application_name = $1 AND datname = current_database()`, pgbroker.ListenerApplicationName(id)) {
		out = append(out, r[0].(int32))
	}
	return out
}

// listenerPID is the pid of node id's one listening backend.
func listenerPID(t *testing.T, s *server, id string) int32 {
	t.Helper()
	pids := listenerPIDs(t, s, id)
	if len(pids) != 1 {
		t.Fatalf("listeners of node %s: %v, want exactly one", id, pids)
	}
	return pids[0]
}

// TestMultiNodeListenerKilled terminates node 1's LISTEN backend with
// pg_terminate_backend: node 1 logs the loss, reconnects, counts it on
// /metrics, and delivery between the nodes continues in both directions,
// each frame once.
func TestMultiNodeListenerKilled(t *testing.T) {
	t.Parallel()
	n1, n2, id1, id2 := twoNodes(t)
	a1, a2, b2, c1 := spreadUsers(t, n1, n2)
	all := []*client{a1, a2, b2, c1}
	g := createGroup(t, a1, "G", []user{b2.u, c1.u}, nil, a2, b2, c1)
	sendMessage(t, b2, g, "before", a1, a2, c1)
	for _, m := range []string{metricListenLost, metricReconnects} {
		assertEqual(t, "node 1's "+m+" before", n1.metric(t, m), 0.0)
	}

	pid := listenerPID(t, n1, id1)
	other := listenerPID(t, n2, id2)
	if ok := pgQuery(t, n1.DB, "SELECT pg_terminate_backend($1)", pid); len(ok) != 1 || ok[0][0] != true {
		t.Fatalf("pg_terminate_backend(%d) = %v", pid, ok)
	}
	eventually(t, "node 1 reconnects its listener", func() bool { return n1.metric(t, metricReconnects) == 1 })
	assertEqual(t, "node 1's "+metricListenLost, n1.metric(t, metricListenLost), 1.0)
	for _, line := range []string{"listening connection lost; reconnecting", "listening connection re-established"} {
		if !strings.Contains(n1.Log(), line) {
			t.Fatalf("node 1's log lacks %q", line)
		}
	}
	eventually(t, "node 1's one listener is a new backend", func() bool {
		pids := listenerPIDs(t, n1, id1)
		return len(pids) == 1 && pids[0] != pid
	})
	// Node 2 was not affected.
	assertEqual(t, "node 2's listener", listenerPID(t, n2, id2), other)
	assertEqual(t, "node 2's "+metricReconnects, n2.metric(t, metricReconnects), 0.0)

	b2.send("message.send", map[string]any{"room_id": g, "content": "from node 2 after"})
	expectOnly(t, "message.dispatch", all, all)
	a1.send("message.send", map[string]any{"room_id": g, "content": "from node 1 after"})
	expectOnly(t, "message.dispatch", all, all)
	a2.send("room.list", map[string]any{})
	expectOnly(t, "roomlist.dispatch", []*client{a1, a2}, all)
	c1.send("room.leave", map[string]any{"room_id": g})
	c1.expect("roomexit.dispatch")
	expectOnly(t, "roomremovemembers.dispatch", []*client{a1, a2, b2}, all)
}
