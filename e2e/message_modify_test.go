package e2e

import (
	"strings"
	"testing"
)

func TestMessageModifyUpdate(t *testing.T) {
	t.Parallel()
	s, alice, bob, carol := startTrio(t)
	alice2 := s.connect(t, alice.u)
	group := createGroup(t, alice, "G", []user{bob.u}, nil, alice2, bob)
	other := createGroup(t, alice, "H", nil, nil, alice2)
	all := []*client{alice, alice2, bob}
	m := sendMessage(t, alice, group, "typo", alice2, bob)
	m2 := sendMessage(t, alice, group, "second", alice2, bob)
	elsewhere := sendMessage(t, alice, other, "elsewhere", alice2)
	fromBob := sendMessage(t, bob, group, "bob's", alice, alice2)

	alice.send("message.modify", map[string]any{"action": "update", "message_id": m["id"],
		"extra_fields": map[string]any{"content": "fixed <script>x</script><b>!</b>", "is_deleted": true, "sender_id": bob.u.ID}})
	d := asObject(t, expectSame(t, "messagemodification.dispatch", all...))
	assertKeys(t, d, "status", "action", "message")
	assertEqual(t, "status/action", []any{d["status"], d["action"]}, []any{"successful", "update"})
	upd := assertMessage(t, d["message"])
	assertEqual(t, "id", upd["id"], m["id"])
	assertEqual(t, "is_edited", upd["is_edited"], true)
	assertEqual(t, "is_deleted", upd["is_deleted"], false)
	assertUser(t, upd["sender"], alice.u)
	if c := upd["content"].(string); strings.Contains(c, "<script") || !strings.Contains(c, "fixed") || !strings.Contains(c, "<b>!</b>") {
		t.Fatalf("updated content %q is not the sanitised new content", c)
	}
	assertEqual(t, "created_at", upd["created_at"], m["created_at"])
	quiet(carol)

	cases := []struct {
		data map[string]any
		want string
	}{
		{map[string]any{"action": "update", "message_id": []any{m["id"], m2["id"]}, "extra_fields": map[string]any{"content": "x"}}, "You can only update one message at a time"},
		{map[string]any{"action": "update", "message_id": m["id"]}, "'extra_fields' field should be provided for update action"},
		{map[string]any{"action": "update", "message_id": m["id"], "extra_fields": map[string]any{}}, "'extra_fields' field should be provided for update action"},
		{map[string]any{"action": "update", "message_id": m["id"], "extra_fields": "content"}, "'extra_fields' field should be provided for update action"},
		{map[string]any{"action": "update", "message_id": m["id"], "extra_fields": map[string]any{"is_edited": false}}, "Content should be provided for update action"},
		{map[string]any{"action": "update", "message_id": m["id"], "extra_fields": map[string]any{"content": ""}}, "Content should be provided for update action"},
		{map[string]any{"action": "rewrite", "message_id": m["id"], "extra_fields": map[string]any{"content": "x"}}, "Invalid action type"},
		{map[string]any{"message_id": m["id"], "extra_fields": map[string]any{"content": "x"}}, "Invalid action type"},
		{map[string]any{"action": "update", "message_id": []any{}, "extra_fields": map[string]any{"content": "x"}}, "Atleast one message_id is required for modification"},
		{map[string]any{"action": "delete", "message_id": []any{m["id"], elsewhere["id"]}}, "All messages marked for modification must come from the same room"},
		{map[string]any{"action": "delete", "message_id": map[string]any{}}, "Invalid message_id type"},
	}
	for _, tc := range cases {
		alice.send("message.modify", tc.data)
		alice.expectValidation(tc.want)
	}
	alice.send("message.modify", map[string]any{"action": "update", "message_id": fromBob["id"], "extra_fields": map[string]any{"content": "mine now"}})
	alice.expectErrorDetail(4002, "User is not authorized to modify this message")
	alice.send("message.modify", map[string]any{"action": "delete", "message_id": []any{m["id"], fromBob["id"]}})
	alice.expectErrorDetail(4002, "User is not authorized to modify this message")
	carol.send("message.modify", map[string]any{"action": "delete", "message_id": m["id"]})
	carol.expectErrorDetail(4002, "User is not authorized to modify this message")
	alice.send("message.modify", map[string]any{"action": "delete", "message_id": "7b0f4a5e-9a51-4a36-9f0e-2f1f6a2b3c4d"})
	alice.expectErrorDetail(4004, "Resource not found.")
	quiet(append(all, carol)...)

	// A sender who left the room can no longer modify their messages there.
	bob.send("room.leave", map[string]any{"room_id": group})
	bob.expect("roomexit.dispatch")
	expectAll("roomremovemembers.dispatch", alice, alice2)
	bob.send("message.modify", map[string]any{"action": "update", "message_id": fromBob["id"], "extra_fields": map[string]any{"content": "edit"}})
	bob.expectErrorDetail(4002, "User is not authorized to access this message")
	quiet(alice, alice2, bob)

	msgs := history(t, alice, group)
	assertEqual(t, "history content of the edited message", get(t, msgs, 2, "content"), upd["content"])
	alice2.expect("roommessages.dispatch")
}

// testMessageDelete runs the delete scenario on a server with hard or soft
// delete; both look the same on the wire.
func testMessageDelete(t *testing.T, opts ...serverOption) {
	_, alice, bob := startPair(t, opts...)
	dm := createOneToOne(t, alice, bob.u, bob)
	m1 := sendMessage(t, alice, dm, "one", bob)
	m2 := sendMessage(t, alice, dm, "two", bob)
	m3 := sendMessage(t, alice, dm, "three", bob)
	reply := sendMessage(t, bob, dm, "reply", alice)
	bob.send("message.send", map[string]any{"room_id": dm, "content": "re: three", "extra_fields": map[string]any{"parent_message_id": m3["id"]}})
	r3 := assertMessage(t, expectSame(t, "message.dispatch", alice, bob))

	// Delete two of alice's messages: the ids are echoed as sent.
	alice.send("message.modify", map[string]any{"action": "delete", "message_id": []any{m3["id"], m2["id"]}})
	d := asObject(t, expectSame(t, "messagemodification.dispatch", alice, bob))
	assertEqual(t, "delete result", d, map[string]any{"status": "successful", "action": "delete", "message_ids": []any{m3["id"], m2["id"]}})

	// Deleted messages are gone from history and not found by every
	// message operation.
	assertEqual(t, "history", messageIDs(t, history(t, bob, dm)), []string{r3["id"].(string), reply["id"].(string), m1["id"].(string)})
	for _, req := range []struct {
		event string
		data  map[string]any
	}{
		{"message.react", map[string]any{"type": "add", "message_id": m3["id"], "reaction_content": "x"}},
		{"message.read", map[string]any{"message_id": m3["id"]}},
		{"message.acknowledged", map[string]any{"message_id": []any{m1["id"], m2["id"]}}},
		{"message.send", map[string]any{"room_id": dm, "content": "x", "extra_fields": map[string]any{"parent_message_id": m2["id"]}}},
	} {
		bob.send(req.event, req.data)
		f := bob.nextFrame()
		code, _ := get(t, f.Object, "error", "code").(float64)
		if req.event == "message.send" {
			if code < 4002 || code > 4004 {
				t.Fatalf("reply to a deleted message: got %s, want a 4002/4003/4004 error", f)
			}
			continue
		}
		if code != 4004 || get(t, f.Object, "error", "detail") != "Resource not found." {
			t.Fatalf("%s of a deleted message: got %s, want 4004 Resource not found.", req.event, f)
		}
	}
	alice.send("message.modify", map[string]any{"action": "delete", "message_id": m3["id"]})
	alice.expectErrorDetail(4004, "Resource not found.")
	alice.send("message.modify", map[string]any{"action": "update", "message_id": m2["id"], "extra_fields": map[string]any{"content": "back"}})
	alice.expectErrorDetail(4004, "Resource not found.")
	quiet(alice, bob)

	// last_message follows deletes: to the newest remaining message, then null.
	assertEqual(t, "last_message", getString(t, findRoom(t, roomList(t, alice), dm), "last_message", "id"), r3["id"])
	bob.send("message.modify", map[string]any{"action": "delete", "message_id": []any{r3["id"], reply["id"]}})
	expectSame(t, "messagemodification.dispatch", alice, bob)
	assertEqual(t, "last_message after deleting the newest", getString(t, findRoom(t, roomList(t, alice), dm), "last_message", "id"), m1["id"])
	alice.send("message.modify", map[string]any{"action": "delete", "message_id": m1["id"]})
	d = asObject(t, expectSame(t, "messagemodification.dispatch", alice, bob))
	assertEqual(t, "single id echoed as a list", d["message_ids"], []any{m1["id"]})
	assertEqual(t, "last_message with no message left", findRoom(t, roomList(t, bob), dm)["last_message"], nil)
	if msgs := history(t, bob, dm); len(msgs) != 0 {
		t.Fatalf("history after deleting everything: %s", mustJSON(msgs))
	}
	quiet(alice, bob)
}

func TestMessageDeleteHard(t *testing.T) {
	t.Parallel()
	testMessageDelete(t)
}

func TestMessageDeleteSoft(t *testing.T) {
	t.Parallel()
	testMessageDelete(t, withSoftDelete())
}

// TestMessageDeleteHardNullsReferences: replies to a hard-deleted message
// survive with parent_message null.
func TestMessageDeleteHardNullsReferences(t *testing.T) {
	t.Parallel()
	_, alice, bob := startPair(t)
	dm := createOneToOne(t, alice, bob.u, bob)
	m := sendMessage(t, alice, dm, "original", bob)
	bob.send("message.send", map[string]any{"room_id": dm, "content": "reply", "extra_fields": map[string]any{"parent_message_id": m["id"]}})
	reply := assertMessage(t, expectSame(t, "message.dispatch", alice, bob))
	bob.send("message.send", map[string]any{"room_id": dm, "content": "fwd", "extra_fields": map[string]any{"forwarded_from_id": m["id"]}})
	fwd := assertMessage(t, expectSame(t, "message.dispatch", alice, bob))
	alice.send("message.modify", map[string]any{"action": "delete", "message_id": m["id"]})
	expectSame(t, "messagemodification.dispatch", alice, bob)
	msgs := history(t, alice, dm)
	assertEqual(t, "history", messageIDs(t, msgs), []string{fwd["id"].(string), reply["id"].(string)})
	assertEqual(t, "forwarded_from after hard delete", get(t, msgs, 0, "forwarded_from"), nil)
	assertEqual(t, "is_forwarded after hard delete", get(t, msgs, 0, "is_forwarded"), true)
	assertEqual(t, "parent_message after hard delete", get(t, msgs, 1, "parent_message"), nil)
}

// TestMessageDeleteSoftKeepsReferences: with --soft-delete the deleted
// message leaves the history but stays referenced, flagged, as the nested
// parent of its replies (docs/protocol.md §7.15; docs/decisions.md changes only
// last_message).
func TestMessageDeleteSoftKeepsReferences(t *testing.T) {
	t.Parallel()
	_, alice, bob := startPair(t, withSoftDelete())
	dm := createOneToOne(t, alice, bob.u, bob)
	m := sendMessage(t, alice, dm, "original", bob)
	bob.send("message.send", map[string]any{"room_id": dm, "content": "reply", "extra_fields": map[string]any{"parent_message_id": m["id"]}})
	reply := assertMessage(t, expectSame(t, "message.dispatch", alice, bob))
	alice.send("message.modify", map[string]any{"action": "delete", "message_id": m["id"]})
	expectSame(t, "messagemodification.dispatch", alice, bob)
	msgs := history(t, bob, dm)
	assertEqual(t, "history", messageIDs(t, msgs), []string{reply["id"].(string)})
	parent := get(t, msgs, 0, "parent_message")
	if parent == nil {
		t.Fatalf("soft delete nulled the reply's parent_message")
	}
	assertEqual(t, "nested parent id", get(t, parent, "id"), m["id"])
	assertEqual(t, "nested parent is_deleted", get(t, parent, "is_deleted"), true)
}
