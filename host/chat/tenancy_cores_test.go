package chat_test

import (
	"testing"

	"github.com/chatwasm/chatwasm/host/chat/wire"
)

// TestTenancyCoresRescoped runs every default core that takes ids from its
// input with ids a module of tenant evil substituted (next called with
// other args than the permission check saw): another tenant's room or
// message is not found (4004), and one of the same tenant must pass the
// operation's default check there and then (mallory's rights, not the
// module's wishes). Nothing changes either way.
func TestTenancyCoresRescoped(t *testing.T) {
	eachTenancyWorld(t, func(t *testing.T, w *tenancyWorld) {
		q := func(id string) string { return `"` + id + `"` }
		unchanged := func(t *testing.T) {
			t.Helper()
			for _, c := range []struct {
				what string
				n    int
				q    string
			}{
				{"messages", 5, "SELECT COUNT(*) FROM messages"},
				{"mallory's deliveries", 0, "SELECT COUNT(*) FROM message_deliveries WHERE user_id = $1"},
				{"mallory's receipts", 0, "SELECT COUNT(*) FROM read_receipts WHERE reader_id = $1"},
				{"mallory's reactions", 0, "SELECT COUNT(*) FROM reactions WHERE user_id = $1"},
				{"mallory's memberships", 3, "SELECT COUNT(*) FROM room_members WHERE user_id = $1"},
				{"edited messages", 0, "SELECT COUNT(*) FROM messages WHERE is_edited"},
			} {
				var args []any
				if c.q != "SELECT COUNT(*) FROM messages" && c.q != "SELECT COUNT(*) FROM messages WHERE is_edited" {
					args = []any{w.mallory.UserID}
				}
				if n := w.count(c.q, args...); n != c.n {
					t.Errorf("%s: %d, want %d", c.what, n, c.n)
				}
			}
			for _, r := range []struct{ id, name string }{{w.shared, "shared"}, {w.victimChannel, "announcements"}} {
				if n := w.count("SELECT COUNT(*) FROM rooms WHERE id = $1 AND name = $2", r.id, r.name); n != 1 {
					t.Errorf("room %s was changed or deleted", r.name)
				}
			}
		}
		for _, c := range []struct {
			name     string
			hook     string
			redirect string
			event    string
			data     map[string]any
			code     int
			detail   any
		}{
			{"room.info/other tenant", "retreive_room", `{"room_id":` + q(w.victimDM) + `}`,
				"room.info", map[string]any{"room_id": w.mine}, wire.CodeNotFound, "Resource not found."},
			{"room.info/not a member", "retreive_room", `{"room_id":` + q(w.theirs) + `}`,
				"room.info", map[string]any{"room_id": w.mine}, wire.CodePermission, "User is not authorized access this room"},
			{"room.messages/not a member", "retreive_messages", `{"room_id":` + q(w.theirs) + `}`,
				"room.messages", map[string]any{"room_id": w.mine}, wire.CodePermission, "User is not authorized access this room"},
			{"message.acknowledged/other tenant", "message_acknowledged", `{"message_ids":[` + q(w.victimMsg) + `]}`,
				"message.acknowledged", map[string]any{"message_id": w.mineMsg}, wire.CodeNotFound, nil},
			{"message.acknowledged/not a member", "message_acknowledged", `{"message_ids":[` + q(w.theirsMsg) + `]}`,
				"message.acknowledged", map[string]any{"message_id": w.mineMsg}, wire.CodePermission, "User is not authorized to access this message"},
			{"message.read/other tenant", "create_read_receipt", `{"message_ids":[` + q(w.victimMsg) + `]}`,
				"message.read", map[string]any{"message_id": w.mineMsg}, wire.CodeNotFound, nil},
			{"message.read/not a member", "create_read_receipt", `{"message_ids":[` + q(w.theirsMsg) + `]}`,
				"message.read", map[string]any{"message_id": w.mineMsg}, wire.CodePermission, "User is not authorized to access this message"},
			{"message.react/other tenant", "react_to_message", `{"message_id":` + q(w.victimMsg) + `}`,
				"message.react", map[string]any{"message_id": w.mineMsg, "type": "add", "reaction_content": "x"}, wire.CodeNotFound, nil},
			{"message.react/not a member", "react_to_message", `{"message_id":` + q(w.theirsMsg) + `}`,
				"message.react", map[string]any{"message_id": w.mineMsg, "type": "add", "reaction_content": "x"}, wire.CodePermission, "User is not authorized to access this message"},
			{"message.modify delete/other tenant", "modify_message", `{"room_id":` + q(w.victimDM) + `,"message_ids":[` + q(w.victimMsg) + `]}`,
				"message.modify", map[string]any{"message_id": w.ownMsg, "action": "delete"}, wire.CodeNotFound, nil},
			{"message.modify delete/other tenant's message", "modify_message", `{"message_ids":[` + q(w.victimMsg) + `]}`,
				"message.modify", map[string]any{"message_id": w.ownMsg, "action": "delete"}, wire.CodeNotFound, nil},
			{"message.modify delete/replace layer", "_modify_message", `{"room_id":` + q(w.victimDM) + `,"message_ids":[` + q(w.victimMsg) + `]}`,
				"message.modify", map[string]any{"message_id": w.ownMsg, "action": "delete"}, wire.CodeNotFound, nil},
			{"message.modify delete/not the sender", "modify_message", `{"room_id":` + q(w.shared) + `,"message_ids":[` + q(w.sharedMsg) + `]}`,
				"message.modify", map[string]any{"message_id": w.ownMsg, "action": "delete"}, wire.CodePermission, "User is not authorized to modify this message"},
			{"message.modify delete/another room", "modify_message", `{"room_id":` + q(w.theirs) + `}`,
				"message.modify", map[string]any{"message_id": w.ownMsg, "action": "delete"}, wire.CodePermission, "User is not authorized to access this message"},
			{"message.modify update/not the sender", "modify_message", `{"message_ids":[` + q(w.mineMsg) + `]}`,
				"message.modify", map[string]any{"message_id": w.ownMsg, "action": "update", "extra_fields": map[string]any{"content": "edited"}},
				wire.CodePermission, "User is not authorized to modify this message"},
			{"room.add_members/other tenant", "add_members_to_room", `{"room_id":` + q(w.victimChannel) + `}`,
				"room.add_members", map[string]any{"room_id": w.mine, "members": []int64{w.oscar.UserID}}, wire.CodeNotFound, nil},
			{"room.add_members/no right", "add_members_to_room", `{"room_id":` + q(w.shared) + `,"user_ids":[` + roomItoa(w.oscar.UserID) + `]}`,
				"room.add_members", map[string]any{"room_id": w.mine, "members": []int64{w.oscar.UserID}}, wire.CodePermission,
				"User is not authorized to add new members to this room"},
			{"room.remove_members/other tenant", "remove_members_from_room", `{"room_id":` + q(w.victimChannel) + `}`,
				"room.remove_members", map[string]any{"room_id": w.mine, "members": []int64{w.trent.UserID}}, wire.CodeNotFound, nil},
			{"room.remove_members/no right", "remove_members_from_room", `{"room_id":` + q(w.shared) + `,"user_ids":[` + roomItoa(w.oscar.UserID) + `]}`,
				"room.remove_members", map[string]any{"room_id": w.mine, "members": []int64{w.trent.UserID}}, wire.CodePermission,
				"User is not authorized to remove members from this room"},
			{"room.modify/other tenant", "modify_room", `{"room_id":` + q(w.victimChannel) + `}`,
				"room.modify", map[string]any{"room_id": w.mine, "action": "update", "data": map[string]any{"name": "x"}}, wire.CodeNotFound, nil},
			{"room.modify/not an admin", "modify_room", `{"room_id":` + q(w.shared) + `}`,
				"room.modify", map[string]any{"room_id": w.mine, "action": "update", "data": map[string]any{"name": "x"}}, wire.CodePermission,
				"User is not an admin of this room"},
			{"room.modify delete/not the creator", "modify_room", `{"room_id":` + q(w.shared) + `}`,
				"room.modify", map[string]any{"room_id": w.mine, "action": "delete"}, wire.CodePermission, "User is not the creator of this room"},
			{"room.leave/other tenant", "leave_room", `{"room_id":` + q(w.victimChannel) + `}`,
				"room.leave", map[string]any{"room_id": w.mine}, wire.CodeNotFound, nil},
			{"room.leave/one to one", "leave_room", `{"room_id":` + q(w.dm) + `}`,
				"room.leave", map[string]any{"room_id": w.mine}, wire.CodeValidation, []string{"You can only leave a channel/group chat"}},
			{"message.send/other tenant", "create_message", `{"room_id":` + q(w.victimDM) + `}`,
				"message.send", map[string]any{"room_id": w.mine, "content": "hi"}, wire.CodeValidation,
				map[string][]string{"room_id": {`Invalid pk "` + w.victimDM + `" - object does not exist.`}}},
			{"message.send/not a member", "create_message", `{"room_id":` + q(w.theirs) + `}`,
				"message.send", map[string]any{"room_id": w.mine, "content": "hi"}, wire.CodePermission,
				"User is not authorized to send message to this room"},
			// With only the replace layer hooked, the send check runs in the
			// operation's transaction, before the layer: what the layer
			// hands next is checked as above, and a denied send never
			// reaches it (else it would store the message in mine).
			{"message.send/replace layer, other tenant", "_create_message", `{"room_id":` + q(w.victimDM) + `}`,
				"message.send", map[string]any{"room_id": w.mine, "content": "hi"}, wire.CodeValidation,
				map[string][]string{"room_id": {`Invalid pk "` + w.victimDM + `" - object does not exist.`}}},
			{"message.send/replace layer, not a member", "_create_message", `{"room_id":` + q(w.theirs) + `}`,
				"message.send", map[string]any{"room_id": w.mine, "content": "hi"}, wire.CodePermission,
				"User is not authorized to send message to this room"},
			{"message.send/replace layer, denied first", "_create_message", `{"room_id":` + q(w.mine) + `}`,
				"message.send", map[string]any{"room_id": w.theirs, "content": "hi"}, wire.CodePermission,
				"User is not authorized to send message to this room"},
			{"room.join/other tenant", "join_room", `{"room_id":` + q(w.victimChannel) + `}`,
				"room.join", map[string]any{"room_id": w.square}, wire.CodeNotFound, nil},
		} {
			t.Run(c.name, func(t *testing.T) {
				svc, _ := w.hostile([]string{c.hook}, map[string]string{"redirect": c.redirect})
				w.with(t, svc).fail(w.mallory, c.event, c.data, c.code, c.detail)
				unchanged(t)
			})
		}
		// The same module passing the host's own args on changes nothing:
		// the host trusts the ids it granted.
		svc, _ := w.hostile([]string{"retreive_messages"}, map[string]string{"redirect": `{"room_id":` + q(w.shared) + `}`})
		fs := roomFrames(t, w.with(t, svc).ok(w.mallory, "room.messages", map[string]any{"room_id": w.mine}))
		if len(fs) != 1 || !jsonEqual(t, jsonObject(t, fs[0].Data)["data"].(map[string]any)["room_id"], w.shared) {
			t.Errorf("redirect to a room mallory is a member of: %v", fs)
		}
	})
}

// TestTenancyPermissionHookGrant: what a module's permission hook allows
// is granted to the operation, through every layer of the chain, so the
// core does not re-check it; a room the hook did not allow still is.
func TestTenancyPermissionHookGrant(t *testing.T) {
	eachTenancyWorld(t, func(t *testing.T, w *tenancyWorld) {
		allow := map[string]string{"forge.have_room_permission": `{"allow":true}`}
		svc, _ := w.hostile([]string{"have_room_permission", "retreive_messages"}, allow)
		fs := roomFrames(t, w.with(t, svc).ok(w.mallory, "room.messages", map[string]any{"room_id": w.theirs}))
		msgs, _ := jsonObject(t, fs[0].Data)["data"].(map[string]any)["messages"].([]any)
		if len(msgs) != 1 || msgs[0].(map[string]any)["id"] != w.theirsMsg {
			t.Errorf("history of a room the permission hook allowed: %s", fs[0].Data)
		}
		allow["redirect.retreive_messages"] = `{"room_id":"` + w.victimDM + `"}`
		svc, _ = w.hostile([]string{"have_room_permission", "retreive_messages"}, allow)
		w.with(t, svc).fail(w.mallory, "room.messages", map[string]any{"room_id": w.theirs}, wire.CodeNotFound, nil)
		allow["forge.have_room_permission"] = `{"allow":true,"room_id":"` + w.victimDM + `"}`
		svc, _ = w.hostile([]string{"have_room_permission"}, allow)
		w.with(t, svc).fail(w.mallory, "room.messages", map[string]any{"room_id": w.theirs}, wire.CodeNotFound, nil)
	})
}
