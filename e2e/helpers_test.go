package e2e

import (
	"testing"
)

// createRoom sends room.create from c and expects roomcreate.dispatch, with
// the same data, on c and on every other given connection (the room's
// members' connections); it returns the room detail.
func createRoom(t *testing.T, c *client, data map[string]any, others ...*client) map[string]any {
	t.Helper()
	c.send("room.create", data)
	room := asObject(t, expectSame(t, "roomcreate.dispatch", append([]*client{c}, others...)...))
	assertRoomDetail(t, room, data["type"].(string))
	return room
}

// createOneToOne creates the 1-1 chat of a and b (b's connections given in
// others receive it too) and returns its id.
func createOneToOne(t *testing.T, a *client, b user, others ...*client) string {
	t.Helper()
	room := createRoom(t, a, map[string]any{"type": "OneToOneChat", "participants": []int64{b.ID}}, others...)
	return room["id"].(string)
}

// createGroup creates a GroupChat named name by c with members and returns
// its id; others are the connections that must receive roomcreate.dispatch.
func createGroup(t *testing.T, c *client, name string, members []user, extra map[string]any, others ...*client) string {
	t.Helper()
	return createNamedRoom(t, c, map[string]any{"type": "GroupChat", "name": name, "participants": ids(members...)}, extra, others)
}

// createChannel creates a Channel named name by c with subscribers and
// returns its id.
func createChannel(t *testing.T, c *client, name string, subscribers []user, extra map[string]any, others ...*client) string {
	t.Helper()
	return createNamedRoom(t, c, map[string]any{"type": "Channel", "name": name, "subscribers": ids(subscribers...)}, extra, others)
}

// createNamedRoom creates the room of data, with extra as its extra_fields
// when not nil, and returns its id.
func createNamedRoom(t *testing.T, c *client, data, extra map[string]any, others []*client) string {
	t.Helper()
	if extra != nil {
		data["extra_fields"] = extra
	}
	return createRoom(t, c, data, others...)["id"].(string)
}

// sendMessage sends content to room from c and expects message.dispatch on
// c and on receivers (the other members' connections); it returns the
// message c received.
func sendMessage(t *testing.T, c *client, roomID, content string, receivers ...*client) map[string]any {
	t.Helper()
	c.send("message.send", map[string]any{"room_id": roomID, "content": content})
	msg := asObject(t, expectSame(t, "message.dispatch", append([]*client{c}, receivers...)...))
	assertMessage(t, msg)
	return msg
}

// modify sends room.modify with action and data (nil data is omitted).
func modify(c *client, roomID, action string, data map[string]any) {
	c.t.Helper()
	req := map[string]any{"room_id": roomID, "action": action}
	if data != nil {
		req["data"] = data
	}
	c.send("room.modify", req)
}

// roomInfo asks room.info and returns the detail (c must be a member).
func roomInfo(t *testing.T, c *client, roomID string) map[string]any {
	t.Helper()
	c.send("room.info", map[string]any{"room_id": roomID})
	return c.expectObject("roominfo.dispatch")
}

// roomList asks room.list and returns the list forms.
func roomList(t *testing.T, c *client) []any {
	t.Helper()
	c.send("room.list", map[string]any{})
	list := asArray(t, c.expect("roomlist.dispatch"))
	for _, r := range list {
		assertRoomListItem(t, r)
	}
	return list
}

// history asks room.messages without pagination and returns the messages.
func history(t *testing.T, c *client, roomID string) []any {
	t.Helper()
	c.send("room.messages", map[string]any{"room_id": roomID})
	d := c.expectObject("roommessages.dispatch")
	assertKeys(t, d, "data")
	assertKeys(t, d["data"], "room_id", "messages")
	assertEqual(t, "room_id", get(t, d, "data", "room_id"), roomID)
	msgs := asArray(t, get(t, d, "data", "messages"))
	for _, m := range msgs {
		assertMessage(t, m)
	}
	return msgs
}

// messageIDs returns the ids of serialized messages, in order.
func messageIDs(t *testing.T, msgs []any) []string {
	t.Helper()
	out := make([]string, 0, len(msgs))
	for _, m := range msgs {
		out = append(out, getString(t, m, "id"))
	}
	return out
}

// ids returns the ids of users.
func ids(users ...user) []int64 {
	out := make([]int64, 0, len(users))
	for _, u := range users {
		out = append(out, u.ID)
	}
	return out
}

// findRoom returns the item of list with id, or nil.
func findRoom(t *testing.T, list []any, id string) map[string]any {
	t.Helper()
	for _, r := range list {
		if getString(t, r, "id") == id {
			return asObject(t, r)
		}
	}
	return nil
}

// startPair starts a server with opts and logs in alice and then bob, the
// users most scenarios start from.
func startPair(t *testing.T, opts ...serverOption) (s *server, alice, bob *client) {
	t.Helper()
	s = startServer(t, opts...)
	return s, s.login(t, "alice"), s.login(t, "bob")
}

// startTrio is startPair with carol logged in third.
func startTrio(t *testing.T, opts ...serverOption) (s *server, alice, bob, carol *client) {
	t.Helper()
	s, alice, bob = startPair(t, opts...)
	return s, alice, bob, s.login(t, "carol")
}
