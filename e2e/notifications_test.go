package e2e

import (
	"slices"
	"testing"
)

// notificationSet flattens a chat.notifications payload into sorted
// "room type message" strings, checking each notification's shape and that
// it is filed under its message's room.
func notificationSet(t *testing.T, data map[string]any) []string {
	t.Helper()
	var out []string
	for room, list := range data {
		items := asArray(t, list)
		if len(items) == 0 {
			t.Fatalf("notifications of room %s: empty list (a room without notifications must be absent)", room)
		}
		for _, n := range items {
			assertKeys(t, n, notificationKeys...)
			if !uuidRE.MatchString(getString(t, n, "id")) {
				t.Fatalf("notification id %v", get(t, n, "id"))
			}
			m := assertMessage(t, get(t, n, "message"))
			assertEqual(t, "notification filed under its room", get(t, m, "room", "id"), room)
			out = append(out, room+" "+getString(t, n, "notification_type")+" "+m["id"].(string))
		}
	}
	slices.Sort(out)
	return out
}

// pending reconnects u and returns its notification set.
func pending(t *testing.T, s *server, u user) []string {
	t.Helper()
	c := s.connect(t, u)
	defer c.Close()
	return notificationSet(t, c.Notifications)
}

func sorted(xs ...string) []string {
	slices.Sort(xs)
	return xs
}

func TestNotifications(t *testing.T) {
	t.Parallel()
	s, alice, bob, carol := startTrio(t)
	assertEqual(t, "notifications of a new user", alice.Notifications, map[string]any{})
	group := createGroup(t, alice, "G", []user{bob.u, carol.u}, nil, bob, carol)
	dm := createOneToOne(t, alice, bob.u, bob)
	m1 := sendMessage(t, alice, group, "m1", bob, carol)
	m2 := sendMessage(t, alice, dm, "m2", bob)
	carol.send("message.send", map[string]any{"room_id": group, "content": "re", "extra_fields": map[string]any{"parent_message_id": m1["id"]}})
	r := assertMessage(t, expectSame(t, "message.dispatch", alice, bob, carol))
	ch := createChannel(t, alice, "C", []user{carol.u}, nil, carol)
	m0 := sendMessage(t, alice, ch, "to subscribers", carol)
	bob.send("message.react", map[string]any{"type": "add", "message_id": m1["id"], "reaction_content": "👍"})
	expectSame(t, "reaction.dispatch", alice, bob, carol)
	id1, id2, idr := m1["id"].(string), m2["id"].(string), r["id"].(string)

	// One notification per event, for every member but the actor, grouped
	// by room.
	assertEqual(t, "bob's notifications", pending(t, s, bob.u), sorted(
		group+" NEW_MESSAGE "+id1, group+" REPLY "+idr, dm+" NEW_MESSAGE "+id2))
	assertEqual(t, "alice's notifications", pending(t, s, alice.u), sorted(
		group+" REPLY "+idr, group+" REACTION "+id1))
	assertEqual(t, "carol's notifications", pending(t, s, carol.u), sorted(
		group+" NEW_MESSAGE "+id1, group+" REACTION "+id1, ch+" NEW_MESSAGE "+m0["id"].(string)))

	// Reading does not clear notifications.
	bob.send("message.read", map[string]any{"message_id": []any{id1, idr}})
	expectSame(t, "readreceipt.dispatch", alice, bob, carol)
	assertEqual(t, "bob's notifications after reading", len(pending(t, s, bob.u)), 3)

	// Acknowledging does, for the acknowledging user only.
	bob.send("message.acknowledged", map[string]any{"message_id": []any{id1, idr}})
	alice.expect("messagedelivered.dispatch")
	carol.expect("messagedelivered.dispatch")
	assertEqual(t, "bob's notifications after the ack", pending(t, s, bob.u), []string{dm + " NEW_MESSAGE " + id2})
	alice.send("message.acknowledged", map[string]any{"message_id": id1})
	alice.expect("messagedelivered.dispatch")
	assertEqual(t, "alice's notifications after acking m1", pending(t, s, alice.u), []string{group + " REPLY " + idr})
	assertEqual(t, "carol's notifications are untouched", len(pending(t, s, carol.u)), 3)

	// Deleting a message deletes its notifications.
	alice.send("message.modify", map[string]any{"action": "delete", "message_id": id2})
	expectSame(t, "messagemodification.dispatch", alice, bob)
	assertEqual(t, "bob's notifications after the delete", pending(t, s, bob.u), []string(nil))
	quiet(alice, bob, carol)
}

func TestNotificationsDisabled(t *testing.T) {
	t.Parallel()
	s := startServer(t, withoutNotifications())
	alice := s.login(t, "alice")
	alice.heartbeat() // the first frame is the reply: no chat.notifications
	bob := s.login(t, "bob")
	dm := createOneToOne(t, alice, bob.u, bob)
	m := sendMessage(t, alice, dm, "hello", bob)
	bob2 := s.connect(t, bob.u)
	bob2.heartbeat()
	// Acknowledging still records the delivery.
	bob2.send("message.acknowledged", map[string]any{"message_id": m["id"]})
	assertEqual(t, "delivered_to", get(t, alice.expect("messagedelivered.dispatch"), 0, "delivered_to"), []any{"bob"})
	quiet(alice, bob, bob2)

	// No notification was created: a node with notifications on, on the
	// same database, has nothing to deliver.
	on := startServer(t, sharingDatabaseWith(s))
	assertEqual(t, "notifications created while disabled", on.connect(t, bob.u).Notifications, map[string]any{})
}
