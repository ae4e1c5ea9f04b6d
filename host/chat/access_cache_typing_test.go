package chat_test

import (
	"testing"

	"github.com/chatwasm/chatwasm/host/broker"
	"github.com/chatwasm/chatwasm/host/chat"
	"github.com/chatwasm/chatwasm/host/chat/wire"
)

// deliver hands a committed action's effects to the access cache as the
// broker hands their envelopes to every node (gateway conn.apply).
func deliver(c *chat.AccessCache, effs []wire.Effect) {
	for _, e := range effs {
		switch e.Kind {
		case wire.Send:
			if e.Group != "" {
				c.Observe(broker.Envelope{Kind: broker.KindSend, Group: e.Group, Frame: e.Frame})
			}
		case wire.Subscribe:
			c.Observe(broker.Envelope{Kind: broker.KindSubscribe, Group: wire.RoomGroup(e.RoomID), UserID: e.UserID})
		case wire.Unsubscribe:
			c.Observe(broker.Envelope{Kind: broker.KindUnsubscribe, Group: wire.RoomGroup(e.RoomID), UserID: e.UserID})
		}
	}
}

// TestTypingAccessCache: message.typing is decided from the access cache
// once filled, until the envelope of a change reaches the node, and then
// from the database again; a write (message.send) is decided by the
// database, whatever the cache says.
func TestTypingAccessCache(t *testing.T) {
	eachRoomEnv(t, func(t *testing.T, e *roomEnv) {
		ann, bob := e.user("ann"), e.user("bob")
		grp := e.group(ann, "g", bob)
		cache := e.svc.AccessCache()
		cache.Watch(wire.RoomGroup(grp.ID)) // the room has local connections
		typing := map[string]any{"room_id": grp.ID}
		const denied = "User is not authorized to send message to this room"

		e.ok(bob, "message.typing", typing) // fills the cache
		// Bob removed, the envelopes not yet here: typing still passes on
		// the cached standing, but a message is refused by the database.
		removed := e.ok(ann, "room.remove_members", map[string]any{"room_id": grp.ID, "members": []int64{bob.UserID}})
		e.ok(bob, "message.typing", typing)
		e.fail(bob, "message.send", map[string]any{"room_id": grp.ID, "content": "hi"}, 4002, denied)
		deliver(cache, removed)
		e.fail(bob, "message.typing", typing, 4002, denied)

		// Added again: the refusal was not cached.
		deliver(cache, e.ok(ann, "room.add_members", map[string]any{"room_id": grp.ID, "members": []int64{bob.UserID}}))
		e.ok(bob, "message.typing", typing)

		// Messages keep the entries; locking the group drops them, and
		// bob, a plain member, may no longer type.
		deliver(cache, e.ok(ann, "message.send", map[string]any{"room_id": grp.ID, "content": "hi"}))
		locked := e.ok(ann, "room.modify", map[string]any{"room_id": grp.ID, "action": "update",
			"data": map[string]any{"group_locked": true}})
		e.ok(bob, "message.typing", typing) // still cached
		deliver(cache, locked)
		e.fail(bob, "message.typing", typing, 4002, denied)

		// Made an admin: allowed again once the change arrived.
		deliver(cache, e.ok(ann, "room.modify", map[string]any{"room_id": grp.ID, "action": "add_admin",
			"data": map[string]any{"users": []int64{bob.UserID}}}))
		e.ok(bob, "message.typing", typing)

		// The room's last local connection gone, nothing is cached: a change
		// no envelope told of is seen at once.
		cache.Unwatch(wire.RoomGroup(grp.ID))
		e.ok(ann, "room.modify", map[string]any{"room_id": grp.ID, "action": "remove_admin", "data": map[string]any{"users": []int64{bob.UserID}}})
		e.fail(bob, "message.typing", typing, 4002, denied)
	})
}
