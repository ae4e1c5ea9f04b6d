package e2e

import (
	"fmt"
	"slices"
	"testing"
)

// paginate asks room.messages with paginate and checks the paginated shape.
func paginate(t *testing.T, c *client, roomID string, page, size any) map[string]any {
	t.Helper()
	c.send("room.messages", map[string]any{"room_id": roomID, "paginate": map[string]any{"page": page, "size": size}})
	d := c.expectObject("roommessages.dispatch")
	assertKeys(t, d, "has_next", "has_previous", "next_page_number", "prev_page_number", "page", "size", "data")
	assertKeys(t, d["data"], "room_id", "messages")
	assertEqual(t, "room_id", get(t, d, "data", "room_id"), roomID)
	for _, m := range asArray(t, get(t, d, "data", "messages")) {
		assertMessage(t, m)
	}
	return d
}

// pageFacts is the pagination part of a response.
func pageFacts(d map[string]any) map[string]any {
	return map[string]any{"has_next": d["has_next"], "has_previous": d["has_previous"],
		"next_page_number": d["next_page_number"], "prev_page_number": d["prev_page_number"],
		"page": d["page"], "size": d["size"]}
}

// sendMany sends n numbered messages from c to room and returns their ids,
// oldest first; receivers are the other members' connections.
func sendMany(t *testing.T, c *client, roomID string, n int, receivers ...*client) []string {
	t.Helper()
	for i := range n {
		c.send("message.send", map[string]any{"room_id": roomID, "content": fmt.Sprintf("message %d", i)})
	}
	var out []string
	for range n {
		m := asObject(t, expectSame(t, "message.dispatch", append([]*client{c}, receivers...)...))
		out = append(out, m["id"].(string))
	}
	return out
}

func TestRoomMessagesPagination(t *testing.T) {
	t.Parallel()
	s, alice, bob, carol := startTrio(t)
	alice2 := s.connect(t, alice.u)
	big := createOneToOne(t, alice, bob.u, alice2, bob)
	small := createGroup(t, alice, "small", nil, nil, alice2)
	empty := createGroup(t, alice, "empty", nil, nil, alice2)
	bigIDs := sendMany(t, alice, big, 50, alice2, bob)
	slices.Reverse(bigIDs) // newest first
	smallIDs := sendMany(t, alice, small, 10, alice2)
	slices.Reverse(smallIDs)

	// Without pagination: every message, newest first, to all my devices.
	assertEqual(t, "full history", messageIDs(t, history(t, bob, big)), bigIDs)
	alice.send("room.messages", map[string]any{"room_id": small})
	d := alice.expectObject("roommessages.dispatch")
	assertEqual(t, "roommessages on the other device", alice2.expectObject("roommessages.dispatch"), d)
	quiet(bob)
	for _, p := range []any{nil, map[string]any{}, "page=1", 7} {
		alice.send("room.messages", map[string]any{"room_id": small, "paginate": p})
		d := alice.expectObject("roommessages.dispatch")
		alice2.expect("roommessages.dispatch")
		assertKeys(t, d, "data")
		assertEqual(t, fmt.Sprintf("unpaginated (paginate %v)", p), messageIDs(t, asArray(t, get(t, d, "data", "messages"))), smallIDs)
	}

	// The facts of docs/protocol.md §2.8.10.
	d = paginate(t, bob, big, 1, 10)
	assertEqual(t, "50 msgs page 1 size 10", pageFacts(d), map[string]any{"has_next": true, "has_previous": false,
		"next_page_number": 2, "prev_page_number": nil, "page": 1, "size": 10})
	assertEqual(t, "page 1 messages", messageIDs(t, asArray(t, get(t, d, "data", "messages"))), bigIDs[:10])
	d = paginate(t, bob, big, 5, 10)
	assertEqual(t, "50 msgs page 5 size 10", pageFacts(d), map[string]any{"has_next": false, "has_previous": true,
		"next_page_number": nil, "prev_page_number": 4, "page": 5, "size": 10})
	assertEqual(t, "page 5 messages", messageIDs(t, asArray(t, get(t, d, "data", "messages"))), bigIDs[40:])
	d = paginate(t, bob, big, 3, 20)
	assertEqual(t, "partial last page", messageIDs(t, asArray(t, get(t, d, "data", "messages"))), bigIDs[40:])

	d = paginate(t, alice, small, 3, 5)
	alice2.expect("roommessages.dispatch")
	assertEqual(t, "10 msgs page 3 size 5", pageFacts(d), map[string]any{"has_next": false, "has_previous": true,
		"next_page_number": nil, "prev_page_number": 1, "page": 3, "size": 5})
	assertEqual(t, "page 3 clamps to page 2", messageIDs(t, asArray(t, get(t, d, "data", "messages"))), smallIDs[5:])
	d = paginate(t, alice, small, 100, 10)
	alice2.expect("roommessages.dispatch")
	assertEqual(t, "page 100", messageIDs(t, asArray(t, get(t, d, "data", "messages"))), smallIDs)
	assertEqual(t, "page 100 echoed", d["page"], 100)
	d = paginate(t, alice, small, 1, 100)
	alice2.expect("roommessages.dispatch")
	assertEqual(t, "size 100", messageIDs(t, asArray(t, get(t, d, "data", "messages"))), smallIDs)
	assertEqual(t, "size 100 facts", []any{d["has_next"], d["has_previous"]}, []any{false, false})
	d = paginate(t, alice, small, -1, 5)
	alice2.expect("roommessages.dispatch")
	assertEqual(t, "negative page is the last page", messageIDs(t, asArray(t, get(t, d, "data", "messages"))), smallIDs[5:])
	d = paginate(t, alice, small, "2", "3")
	alice2.expect("roommessages.dispatch")
	assertEqual(t, "numeric strings", messageIDs(t, asArray(t, get(t, d, "data", "messages"))), smallIDs[3:6])
	d = paginate(t, alice, empty, 1, 10)
	alice2.expect("roommessages.dispatch")
	assertEqual(t, "no messages", pageFacts(d), map[string]any{"has_next": false, "has_previous": false,
		"next_page_number": nil, "prev_page_number": nil, "page": 1, "size": 10})
	assertEqual(t, "no messages", get(t, d, "data", "messages"), []any{})

	// Refusals.
	for _, p := range []map[string]any{{"page": 0, "size": 10}, {"page": 1, "size": 0}, {"page": 1}, {"size": 5}, {"page": "", "size": 5}} {
		bob.send("room.messages", map[string]any{"room_id": big, "paginate": p})
		bob.expectValidation("page and size required")
	}
	for _, p := range []map[string]any{{"page": "abc", "size": 10}, {"page": 1, "size": "ten"}, {"page": []any{1}, "size": 10}} {
		bob.send("room.messages", map[string]any{"room_id": big, "paginate": p})
		bob.expectValidation("Invalid types")
	}
	carol.send("room.messages", map[string]any{"room_id": big})
	carol.expectErrorDetail(4002, "User is not authorized access this room")
	carol.send("room.messages", map[string]any{"room_id": big, "paginate": map[string]any{"page": 1, "size": 10}})
	carol.expectErrorDetail(4002, "User is not authorized access this room")
	quiet(alice, alice2, bob, carol)
}
