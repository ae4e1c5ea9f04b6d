package e2e

import (
	"slices"
	"testing"
)

// stringSet returns the strings of a JSON array, sorted.
func stringSet(t *testing.T, v any) []string {
	t.Helper()
	var out []string
	for _, e := range asArray(t, v) {
		out = append(out, asString(t, e))
	}
	slices.Sort(out)
	return out
}

func TestMessageAcknowledged(t *testing.T) {
	t.Parallel()
	s, alice, bob, carol := startTrio(t)
	alice2 := s.connect(t, alice.u)
	outsider := s.login(t, "outsider")
	group := createGroup(t, alice, "G", []user{bob.u, carol.u}, nil, alice2, bob, carol)
	m1 := sendMessage(t, alice, group, "from alice", alice2, bob, carol)
	m2 := sendMessage(t, carol, group, "from carol", alice, alice2, bob)

	// The sender's connections (all of them) learn of the delivery; nobody
	// else gets a frame.
	bob.send("message.acknowledged", map[string]any{"message_id": m1["id"]})
	got := asArray(t, expectSame(t, "messagedelivered.dispatch", alice, alice2))
	if len(got) != 1 {
		t.Fatalf("messagedelivered data = %s, want [m1]", mustJSON(got))
	}
	assertMessage(t, got[0])
	assertEqual(t, "id", get(t, got, 0, "id"), m1["id"])
	assertEqual(t, "delivered_to", get(t, got, 0, "delivered_to"), []any{"bob"})
	quiet(bob, carol, outsider)

	// A list: one frame per sender, holding that sender's messages.
	bob.send("message.acknowledged", map[string]any{"message_id": []any{m1["id"], m2["id"], m1["id"]}})
	got = asArray(t, expectSame(t, "messagedelivered.dispatch", alice, alice2))
	assertEqual(t, "alice's delivered messages", messageIDs(t, got), []string{m1["id"].(string)})
	assertEqual(t, "delivered_to after a repeated ack", get(t, got, 0, "delivered_to"), []any{"bob"})
	got = asArray(t, carol.expect("messagedelivered.dispatch"))
	assertEqual(t, "carol's delivered messages", messageIDs(t, got), []string{m2["id"].(string)})
	assertEqual(t, "delivered_to", get(t, got, 0, "delivered_to"), []any{"bob"})
	quiet(bob)

	// Acknowledging one's own message reaches oneself.
	alice2.send("message.acknowledged", map[string]any{"message_id": []any{m1["id"]}})
	got = asArray(t, expectSame(t, "messagedelivered.dispatch", alice, alice2))
	assertEqual(t, "delivered_to", stringSet(t, get(t, got, 0, "delivered_to")), []string{"alice", "bob"})

	bob.send("message.acknowledged", map[string]any{"message_id": []any{}})
	quiet(alice, alice2, bob, carol)

	outsider.send("message.acknowledged", map[string]any{"message_id": m1["id"]})
	outsider.expectErrorDetail(4002, "User is not authorized to access this message")
	bob.send("message.acknowledged", map[string]any{"message_id": "7b0f4a5e-9a51-4a36-9f0e-2f1f6a2b3c4d"})
	bob.expectErrorDetail(4004, "Resource not found.")
	bob.send("message.acknowledged", map[string]any{"message_id": []any{m1["id"], "7b0f4a5e-9a51-4a36-9f0e-2f1f6a2b3c4d"}})
	bob.expectErrorDetail(4004, "Resource not found.")
	bob.send("message.acknowledged", map[string]any{"message_id": "bad"})
	bob.expectErrorDetail(4003, []any{"“bad” is not a valid UUID."})
	for _, bad := range []any{map[string]any{}, true, nil} {
		bob.send("message.acknowledged", map[string]any{"message_id": bad})
		bob.expectValidation("Invalid message_id type")
	}
	quiet(alice, alice2, bob, carol, outsider)

	// delivered_to shows in history too.
	msgs := history(t, carol, group)
	assertEqual(t, "history delivered_to of m2", get(t, msgs, 0, "delivered_to"), []any{"bob"})
}

func TestMessageRead(t *testing.T) {
	t.Parallel()
	s, alice, bob, carol := startTrio(t)
	bob2 := s.connect(t, bob.u)
	outsider := s.login(t, "outsider")
	group := createGroup(t, alice, "G", []user{bob.u, carol.u}, nil, bob, bob2, carol)
	dm := createOneToOne(t, alice, bob.u, bob, bob2)
	inG := []*client{alice, bob, bob2, carol}
	m1 := sendMessage(t, alice, group, "m1", bob, bob2, carol)

	// A single id: the room gets the message object.
	bob.send("message.read", map[string]any{"message_id": m1["id"]})
	rr := assertMessage(t, expectSame(t, "readreceipt.dispatch", inG...))
	assertEqual(t, "id", rr["id"], m1["id"])
	receipts := asArray(t, rr["read_receipts"])
	if len(receipts) != 1 {
		t.Fatalf("read_receipts = %s, want one", mustJSON(receipts))
	}
	assertUser(t, get(t, receipts, 0, "reader"), bob.u)
	assertEqual(t, "delivered_to untouched by a read", rr["delivered_to"], []any{})
	quiet(outsider)

	bob2.send("message.read", map[string]any{"message_id": m1["id"]})
	bob2.expectErrorDetail(4005, "Database constraint violated.")
	// Reading one's own message: no receipt and no frame at all.
	alice.send("message.read", map[string]any{"message_id": m1["id"]})
	quiet(inG...)

	// A list: one frame per room, holding that room's messages as an array.
	m2 := sendMessage(t, alice, group, "m2", bob, bob2, carol)
	m3 := sendMessage(t, alice, dm, "m3", bob, bob2)
	m4 := sendMessage(t, bob, dm, "m4", alice, bob2)
	bob.send("message.read", map[string]any{"message_id": []any{m2["id"], m3["id"], m4["id"]}})
	byRoom := map[string][]string{}
	for _, c := range []*client{bob, bob2, alice} {
		for range 2 {
			list := asArray(t, c.expect("readreceipt.dispatch"))
			room := getString(t, list, 0, "room", "id")
			byRoom[c.u.Username+" "+room] = messageIDs(t, list)
			for _, m := range list {
				assertMessage(t, m)
				assertUser(t, get(t, m, "read_receipts", 0, "reader"), bob.u)
			}
		}
	}
	list := asArray(t, carol.expect("readreceipt.dispatch"))
	assertEqual(t, "carol's receipts", messageIDs(t, list), []string{m2["id"].(string)})
	for _, who := range []string{"alice", "bob"} {
		assertEqual(t, who+" group receipts", byRoom[who+" "+group], []string{m2["id"].(string)})
		assertEqual(t, who+" dm receipts", byRoom[who+" "+dm], []string{m3["id"].(string)})
	}
	quiet(append(inG, outsider)...)

	// Only own messages: nothing qualifies, no frame.
	bob.send("message.read", map[string]any{"message_id": []any{m4["id"]}})
	quiet(inG...)
	// All or nothing: one duplicate fails the whole list.
	m5 := sendMessage(t, alice, group, "m5", bob, bob2, carol)
	bob.send("message.read", map[string]any{"message_id": []any{m5["id"], m1["id"]}})
	bob.expectErrorDetail(4005, "Database constraint violated.")
	quiet(inG...)
	assertEqual(t, "m5 read_receipts after the failed list", get(t, history(t, carol, group), 0, "read_receipts"), []any{})

	// A list with one inaccessible message fails whole.
	m7 := sendMessage(t, alice, group, "m7", bob, bob2, carol)
	carol.send("message.read", map[string]any{"message_id": []any{m7["id"], m3["id"]}})
	carol.expectErrorDetail(4002, "User is not authorized to access this message")
	quiet(inG...)
	assertEqual(t, "m7 read_receipts after the refused list", get(t, history(t, carol, group), 0, "read_receipts"), []any{})

	// Ids repeated in a list count once.
	m6 := sendMessage(t, alice, group, "m6", bob, bob2, carol)
	bob.send("message.read", map[string]any{"message_id": []any{m6["id"], m6["id"]}})
	list = asArray(t, expectSame(t, "readreceipt.dispatch", inG...))
	assertEqual(t, "receipts of a repeated id", messageIDs(t, list), []string{m6["id"].(string)})
	assertEqual(t, "one receipt", len(asArray(t, get(t, list, 0, "read_receipts"))), 1)

	outsider.send("message.read", map[string]any{"message_id": m1["id"]})
	outsider.expectErrorDetail(4002, "User is not authorized to access this message")
	outsider.send("message.read", map[string]any{"message_id": []any{m3["id"]}})
	outsider.expectErrorDetail(4002, "User is not authorized to access this message")
	outsider.send("message.read", map[string]any{"message_id": 42.5})
	outsider.expectValidation("Invalid message_id type")
	quiet(append(inG, outsider)...)
}
