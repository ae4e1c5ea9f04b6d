package e2e

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chatwasm/chatwasm/internal/testserver"
	"github.com/jackc/pgx/v5"
)

// Several nodes share a database only on PostgreSQL (docs/decisions.md: scale-out
// through the shared database, fan-out over LISTEN/NOTIFY). The tests of
// nodes*_test.go start two server processes on one database; each runs only
// when CHATWASM_TEST_DB is a postgres URL.

// requirePostgres skips t unless the suite runs on PostgreSQL.
func requirePostgres(t *testing.T) {
	t.Helper()
	v := os.Getenv("CHATWASM_TEST_DB")
	if !strings.HasPrefix(v, "postgres://") && !strings.HasPrefix(v, "postgresql://") {
		t.Skip("nodes share a database only on PostgreSQL: set CHATWASM_TEST_DB=postgres://... to run this test")
	}
}

// withNodeID starts the server with --node-id, which names its connections'
// channels and its broker listener.
func withNodeID(id string) serverOption {
	return testserver.WithFlags("--node-id", id)
}

// twoNodes starts two nodes on one fresh PostgreSQL database, with random
// node ids (tests run in parallel on one PostgreSQL server), and returns them
// with their ids.
func twoNodes(t *testing.T, opts ...serverOption) (n1, n2 *server, id1, id2 string) {
	t.Helper()
	requirePostgres(t)
	id1, id2 = "n1-"+testserver.RandomHex(t, 4), "n2-"+testserver.RandomHex(t, 4)
	n1 = startServer(t, append([]serverOption{withNodeID(id1)}, opts...)...)
	n2 = startServer(t, append([]serverOption{withNodeID(id2), sharingDatabaseWith(n1)}, opts...)...)
	return n1, n2, id1, id2
}

// spreadUsers logs in the users most multi-node scenarios follow, in this
// order: alice on node 1 and on node 2 too (a1, a2), bob on node 2 (b2) and
// carol on node 1 (c1).
func spreadUsers(t *testing.T, n1, n2 *server) (a1, a2, b2, c1 *client) {
	t.Helper()
	a1 = n1.login(t, "alice")
	return a1, n2.connect(t, a1.u), n2.login(t, "bob"), n1.login(t, "carol")
}

// expectOnly reads one eventType frame on each of want, checks they carry
// the same data and returns it; then it proves that none of all (which
// includes want) receives anything more: every connection gets the frame
// exactly once, and the others none.
func expectOnly(t *testing.T, eventType string, want []*client, all []*client) any {
	t.Helper()
	d := expectSame(t, eventType, want...)
	quiet(all...)
	return d
}

// pgQuery runs one query on database url and returns its rows, each as its
// column values; the connection is closed before it returns.
func pgQuery(t *testing.T, url, sql string, args ...any) [][]any {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatalf("connect to %s: %v", url, err)
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, sql, args...)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	defer rows.Close()
	var out [][]any
	for rows.Next() {
		vals, err := rows.Values()
		if err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
		out = append(out, vals)
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return out
}

// metric returns the value of an unlabelled counter or gauge on the
// server's /metrics, or -1 when the server does not expose it.
func (s *server) metric(t *testing.T, name string) float64 {
	t.Helper()
	resp, err := httpClient.Get(s.OpsURL("/metrics"))
	if err != nil {
		t.Fatalf("GET /metrics: %v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("GET /metrics: status %d: %s", resp.StatusCode, b)
	}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		name2, value, ok := strings.Cut(sc.Text(), " ")
		if ok && name2 == name {
			v, err := strconv.ParseFloat(strings.TrimSpace(value), 64)
			if err != nil {
				t.Fatalf("/metrics: %s: %v", sc.Text(), err)
			}
			return v
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("GET /metrics: %v", err)
	}
	return -1
}

// eventually polls cond every 20 ms until it holds, failing the test after
// expectTimeout.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(expectTimeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, expectTimeout)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestMultiNodeEveryEvent produces every group-delivered event kind with the
// actor on one node and recipients on both, and a user (alice) connected to
// both nodes: each connection of every recipient gets the frame exactly once,
// the same bytes on both nodes, and nobody else gets it. Membership changes
// made on one node move the subscriptions of the other.
func TestMultiNodeEveryEvent(t *testing.T) {
	t.Parallel()
	n1, n2, _, _ := twoNodes(t)
	everyEvent(t, n1, n2)
}

// everyEvent is TestMultiNodeEveryEvent on two running nodes, whatever
// their broker.
func everyEvent(t *testing.T, n1, n2 *server) {
	a1, a2, b2, c1 := spreadUsers(t, n1, n2)
	d2 := n2.login(t, "dave")
	all := []*client{a1, a2, b2, c1, d2}
	group := []*client{a1, a2, b2, c1}

	// roomcreate.dispatch: actor on node 1, members on both.
	a1.send("room.create", map[string]any{"type": "GroupChat", "name": "G", "participants": ids(b2.u, c1.u)})
	g := getString(t, expectOnly(t, "roomcreate.dispatch", group, all), "id")

	// message.dispatch, both ways.
	b2.send("message.send", map[string]any{"room_id": g, "content": "from bob on node 2"})
	fromBob := asObject(t, expectOnly(t, "message.dispatch", group, all))
	a1.send("message.send", map[string]any{"room_id": g, "content": "from alice on node 1"})
	fromAlice := asObject(t, expectOnly(t, "message.dispatch", group, all))

	// messagetyping.dispatch.
	c1.send("message.typing", map[string]any{"room_id": g})
	assertEqual(t, "typing", expectOnly(t, "messagetyping.dispatch", group, all), map[string]any{"username": "carol"})

	// messagedelivered.dispatch: one frame per sender, to the sender's
	// connections on whichever node they are.
	c1.send("message.acknowledged", map[string]any{"message_id": []any{fromBob["id"], fromAlice["id"]}})
	got := asArray(t, b2.expect("messagedelivered.dispatch"))
	assertEqual(t, "bob's delivered messages", messageIDs(t, got), []string{fromBob["id"].(string)})
	got = asArray(t, expectSame(t, "messagedelivered.dispatch", a1, a2))
	assertEqual(t, "alice's delivered messages", messageIDs(t, got), []string{fromAlice["id"].(string)})
	quiet(all...)

	// readreceipt.dispatch.
	b2.send("message.read", map[string]any{"message_id": fromAlice["id"]})
	assertEqual(t, "read message", getString(t, expectOnly(t, "readreceipt.dispatch", group, all), "id"), fromAlice["id"])

	// reaction.dispatch, add and remove.
	c1.send("message.react", map[string]any{"type": "add", "message_id": fromBob["id"], "reaction_content": "👍"})
	assertEqual(t, "reaction add", get(t, expectOnly(t, "reaction.dispatch", group, all), "type"), "add")
	c1.send("message.react", map[string]any{"type": "remove", "message_id": fromBob["id"]})
	assertEqual(t, "reaction remove", get(t, expectOnly(t, "reaction.dispatch", group, all), "status"), "successful")

	// messagemodification.dispatch, update on node 2 and delete on node 1.
	a2.send("message.modify", map[string]any{"action": "update", "message_id": fromAlice["id"],
		"extra_fields": map[string]any{"content": "edited on node 2"}})
	assertEqual(t, "updated content", get(t, expectOnly(t, "messagemodification.dispatch", group, all), "message", "content"),
		"edited on node 2")
	a1.send("message.modify", map[string]any{"action": "delete", "message_id": fromAlice["id"]})
	assertEqual(t, "deleted ids", get(t, expectOnly(t, "messagemodification.dispatch", group, all), "message_ids"),
		[]any{fromAlice["id"]})

	// "→me" replies reach the asker's connections on both nodes.
	mine := []*client{a1, a2}
	a2.send("room.list", map[string]any{})
	assertEqual(t, "rooms listed", len(asArray(t, expectOnly(t, "roomlist.dispatch", mine, all))), 1)
	a1.send("room.info", map[string]any{"room_id": g})
	assertEqual(t, "room info", getString(t, expectOnly(t, "roominfo.dispatch", mine, all), "id"), g)
	a2.send("room.messages", map[string]any{"room_id": g})
	assertEqual(t, "history", len(asArray(t, get(t, expectOnly(t, "roommessages.dispatch", mine, all), "data", "messages"))), 1)

	// roomaddmembers.dispatch: added on node 1, dave's connection on node 2
	// joins the room's group at once.
	a1.send("room.add_members", map[string]any{"room_id": g, "members": []int64{d2.u.ID}})
	assertEqual(t, "new members", get(t, expectOnly(t, "roomaddmembers.dispatch", all, all), "new_members"), []any{"dave"})
	d2.send("message.send", map[string]any{"room_id": g, "content": "dave is in"})
	expectOnly(t, "message.dispatch", all, all)

	// roomexit.dispatch and roomremovemembers.dispatch: removed on node 2,
	// carol's connection on node 1 leaves the room's group at once.
	a2.send("room.remove_members", map[string]any{"room_id": g, "members": []int64{c1.u.ID}})
	c1.expect("roomexit.dispatch")
	group = []*client{a1, a2, b2, d2}
	assertEqual(t, "removed members", get(t, expectOnly(t, "roomremovemembers.dispatch", group, all), "removed_members"),
		[]any{"carol"})
	a2.send("message.send", map[string]any{"room_id": g, "content": "carol is gone"})
	expectOnly(t, "message.dispatch", group, all)

	// room.join of a public channel of node 1 from node 2.
	c1.send("room.create", map[string]any{"type": "Channel", "name": "C", "extra_fields": map[string]any{"is_public": true}})
	ch := getString(t, expectOnly(t, "roomcreate.dispatch", []*client{c1}, all), "id")
	d2.send("room.join", map[string]any{"room_id": ch})
	assertEqual(t, "joined by", get(t, expectOnly(t, "roomaddmembers.dispatch", []*client{c1, d2}, all), "added_by"), "self")
	// Only moderators post in a channel: carol's post reaches dave.
	c1.send("message.send", map[string]any{"room_id": ch, "content": "to the subscriber on node 2"})
	expectOnly(t, "message.dispatch", []*client{c1, d2}, all)

	// room.leave on node 2.
	b2.send("room.leave", map[string]any{"room_id": g})
	b2.expect("roomexit.dispatch")
	group = []*client{a1, a2, d2}
	expectOnly(t, "roomremovemembers.dispatch", group, all)
	a1.send("message.send", map[string]any{"room_id": g, "content": "bob is gone"})
	expectOnly(t, "message.dispatch", group, all)

	// roomupdate.dispatch and roomdelete.dispatch of room.modify.
	modify(a1, g, "update", map[string]any{"name": "Renamed"})
	assertEqual(t, "renamed", get(t, expectOnly(t, "roomupdate.dispatch", group, all), "name"), "Renamed")
	modify(a2, g, "delete", nil)
	assertEqual(t, "deleted room", expectOnly(t, "roomdelete.dispatch", group, all), map[string]any{"room_id": g})
	d2.send("message.send", map[string]any{"room_id": g, "content": "into the void"})
	d2.expectError(4004)
	quiet(all...)

	// roomdelete.dispatch of the last member's room.leave: "→me", so on
	// both of alice's nodes.
	a2.send("room.create", map[string]any{"type": "GroupChat", "name": "solo"})
	solo := getString(t, expectOnly(t, "roomcreate.dispatch", mine, all), "id")
	a1.send("room.leave", map[string]any{"room_id": solo})
	assertEqual(t, "deleted room", expectOnly(t, "roomdelete.dispatch", mine, all), map[string]any{"room_id": solo})

	// Every connection is still in sync.
	for _, c := range all {
		c.heartbeat()
	}
	quiet(all...)
}
