package chat_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/chatwasm/chatwasm/host/chat"
	"github.com/chatwasm/chatwasm/host/chat/wire"
	"github.com/chatwasm/chatwasm/host/store"
	"github.com/chatwasm/chatwasm/host/store/storetest"
)

func TestMessageModifyUpdate(t *testing.T) {
	eachMsgEnv(t, func(t *testing.T, e *msgEnv) {
		ann, bob, room := e.pair()
		m := e.send(ann, room, "draft")
		id := m["id"].(string)
		fs := e.ok(ann, "message.modify", map[string]any{"action": "update", "message_id": id,
			"extra_fields": map[string]any{"content": "<i>final</i><script>x()</script>", "room_id": room, "is_deleted": true, "priority": 1}})
		f := msgOne(t, fs, wire.RoomGroup(room), "messagemodification.dispatch")
		out := jsonObject(t, f.Data)
		msgKeys(t, "update", out, "status", "action", "message")
		got := out["message"].(map[string]any)
		wantMessage(t, got)
		wantFields(t, "update", out, map[string]any{"status": "successful", "action": "update"})
		wantFields(t, "update.message", got, map[string]any{"content": "<i>final</i>x()", "is_edited": true,
			"is_deleted": false, "created_at": m["created_at"], "id": id})
		if e.lastMessage(room) != id {
			t.Fatal("an edit moved last_message")
		}

		unknown := store.NewID()
		for _, c := range []struct {
			name   string
			data   map[string]any
			code   int
			detail any
		}{
			{"two ids", map[string]any{"action": "update", "message_id": []string{id, id}, "extra_fields": map[string]any{"content": "x"}},
				4003, []string{"You can only update one message at a time"}},
			{"no extra_fields", map[string]any{"action": "update", "message_id": id}, 4003,
				[]string{"'extra_fields' field should be provided for update action"}},
			{"empty extra_fields", map[string]any{"action": "update", "message_id": id, "extra_fields": map[string]any{}}, 4003,
				[]string{"'extra_fields' field should be provided for update action"}},
			{"no content", map[string]any{"action": "update", "message_id": id, "extra_fields": map[string]any{"priority": 2}}, 4003,
				[]string{"Content should be provided for update action"}},
			{"blank content", map[string]any{"action": "update", "message_id": id, "extra_fields": map[string]any{"content": "  "}}, 4003,
				map[string][]string{"content": {"This field may not be blank."}}},
			{"unknown room_id", map[string]any{"action": "update", "message_id": id, "extra_fields": map[string]any{"content": "x", "room_id": unknown}},
				4003, map[string][]string{"room_id": {`Invalid pk "` + unknown + `" - object does not exist.`}}},
			{"unknown sender_id", map[string]any{"action": "update", "message_id": id, "extra_fields": map[string]any{"content": "x", "sender_id": 999999}},
				4003, map[string][]string{"sender_id": {`Invalid pk "999999" - object does not exist.`}}},
			{"invalid action", map[string]any{"action": "pin", "message_id": id}, 4003, []string{"Invalid action type"}},
			{"no action", map[string]any{"message_id": id}, 4003, []string{"Invalid action type"}},
			{"empty list", map[string]any{"action": "delete", "message_id": []string{}}, 4003,
				[]string{"Atleast one message_id is required for modification"}},
			{"unknown message", map[string]any{"action": "delete", "message_id": unknown}, 4004, "Resource not found."},
		} {
			t.Run(c.name, func(t *testing.T) {
				e.t = t
				e.fail(ann, "message.modify", c.data, c.code, c.detail)
			})
		}
		e.t = t
		e.fail(bob, "message.modify", map[string]any{"action": "update", "message_id": id, "extra_fields": map[string]any{"content": "x"}},
			4002, "User is not authorized to modify this message")

		// A sender who left the room can no longer touch their messages.
		e.exec(func(ctx context.Context, ex store.Executor) error {
			_, err := ex.Exec(ctx, "DELETE FROM room_members WHERE room_id = $1 AND user_id = $2", room, ann.UserID)
			return err
		})
		e.fail(ann, "message.modify", map[string]any{"action": "delete", "message_id": id}, 4002, "User is not authorized to access this message")
	})
}

func TestMessageModifyDelete(t *testing.T) {
	for _, soft := range []bool{false, true} {
		name := map[bool]string{false: "hard", true: "soft"}[soft]
		t.Run(name, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, st *store.Store) {
				cfg := chat.DefaultConfig()
				cfg.SoftDelete = soft
				e := newMsgEnv(t, st, cfg)
				ann, bob := e.user("ann"), e.user("bob")
				room, other := e.group(ann, bob), e.group(ann, bob)
				m1 := e.send(ann, room, "1")["id"].(string)
				m2 := e.send(ann, room, "2")["id"].(string)
				m3 := e.send(ann, room, "3")["id"].(string)
				reply := e.sendData(bob, map[string]any{"room_id": room, "content": "re",
					"extra_fields": map[string]any{"parent_message_id": m3}})["id"].(string)
				elsewhere := e.send(ann, other, "o")["id"].(string)

				e.fail(ann, "message.modify", map[string]any{"action": "delete", "message_id": []string{m1, elsewhere}}, 4003,
					[]string{"All messages marked for modification must come from the same room"})
				e.fail(ann, "message.modify", map[string]any{"action": "delete", "message_id": []string{m1, reply}}, 4002,
					"User is not authorized to modify this message")

				// Ids are echoed exactly as sent, duplicates and case included.
				sent := json.RawMessage(`{"action":"delete","message_id":["` + m2 + `","` + strings.ToUpper(m3) + `","` + m2 + `"]}`)
				f := msgOne(t, e.ok(ann, "message.modify", sent), wire.RoomGroup(room), "messagemodification.dispatch")
				out := jsonObject(t, f.Data)
				msgKeys(t, "delete", out, "status", "action", "message_ids")
				if out["status"] != "successful" || out["action"] != "delete" ||
					!jsonEqual(t, out["message_ids"], []string{m2, strings.ToUpper(m3), m2}) {
					t.Fatalf("delete = %s", f.Data)
				}

				if n := e.count("SELECT COUNT(*) FROM notifications WHERE message_id IN ($1, $2)", m2, m3); n != 0 {
					t.Fatalf("%d notifications of deleted messages", n)
				}
				wantRows := map[bool]int{false: 0, true: 2}[soft]
				if n := e.count("SELECT COUNT(*) FROM messages WHERE id IN ($1, $2)", m2, m3); n != wantRows {
					t.Fatalf("%d rows left, want %d", n, wantRows)
				}
				// Soft-deleted or not, the messages are gone for every check.
				e.fail(ann, "message.modify", map[string]any{"action": "delete", "message_id": m2}, 4004, "Resource not found.")
				e.fail(bob, "message.read", map[string]any{"message_id": m3}, 4004, "Resource not found.")
				e.fail(bob, "message.react", map[string]any{"message_id": m3, "type": "add", "reaction_content": "x"}, 4004, "Resource not found.")
				e.fail(bob, "message.send", map[string]any{"room_id": room, "content": "x", "extra_fields": map[string]any{"parent_message_id": m2}},
					4003, map[string][]string{"parent_message_id": {`Invalid pk "` + m2 + `" - object does not exist.`}})

				// last_message follows the delete (the reply is the newest left).
				if e.lastMessage(room) != reply {
					t.Fatalf("last_message = %q, want the reply %s", e.lastMessage(room), reply)
				}
				e.ok(bob, "message.modify", map[string]any{"action": "delete", "message_id": reply})
				if e.lastMessage(room) != m1 {
					t.Fatalf("last_message = %q, want %s", e.lastMessage(room), m1)
				}
				e.ok(ann, "message.modify", map[string]any{"action": "delete", "message_id": m1})
				if e.lastMessage(room) != "" {
					t.Fatalf("last_message = %q, want none", e.lastMessage(room))
				}

				f = msgOne(t, e.ok(bob, "room.messages", map[string]any{"room_id": room}), wire.UserGroup(bob.UserID), "roommessages.dispatch")
				var hist struct {
					Data struct {
						Messages []any `json:"messages"`
					} `json:"data"`
				}
				if err := json.Unmarshal(f.Data, &hist); err != nil || len(hist.Data.Messages) != 0 {
					t.Fatalf("history after deleting everything: %s", f.Data)
				}
			})
		})
	}
}

func TestHardDeleteOrphansReplies(t *testing.T) {
	eachMsgEnv(t, func(t *testing.T, e *msgEnv) {
		ann, bob, room := e.pair()
		parent := e.send(ann, room, "p")["id"].(string)
		reply := e.sendData(bob, map[string]any{"room_id": room, "content": "r", "extra_fields": map[string]any{"parent_message_id": parent}})
		if reply["parent_message"].(map[string]any)["id"] != parent {
			t.Fatalf("reply = %v", reply)
		}
		e.ok(ann, "message.modify", map[string]any{"action": "delete", "message_id": parent})
		f := msgOne(t, e.ok(bob, "message.acknowledged", map[string]any{"message_id": reply["id"]}), wire.UserGroup(bob.UserID), "messagedelivered.dispatch")
		if m := msgArray(t, f.Data)[0]; m["parent_message"] != nil {
			t.Fatalf("orphaned reply = %v", m)
		}
	})
}

// TestSerializerSurvivesReferenceCycles: a reply cycle written behind the
// service's back cannot make serialisation recurse forever.
func TestSerializerSurvivesReferenceCycles(t *testing.T) {
	eachMsgEnv(t, func(t *testing.T, e *msgEnv) {
		ann := e.user("ann")
		room := e.group(ann)
		a := e.send(ann, room, "a")["id"].(string)
		b := e.sendData(ann, map[string]any{"room_id": room, "content": "b", "extra_fields": map[string]any{"parent_message_id": a}})["id"].(string)
		e.exec(func(ctx context.Context, ex store.Executor) error {
			_, err := ex.Exec(ctx, "UPDATE messages SET parent_message_id = $1 WHERE id = $2", b, a)
			return err
		})
		f := msgOne(t, e.ok(ann, "room.messages", map[string]any{"room_id": room}), wire.UserGroup(ann.UserID), "roommessages.dispatch")
		var h history
		if err := json.Unmarshal(f.Data, &h); err != nil || len(h.Data.Messages) != 2 {
			t.Fatalf("history %s, %v", f.Data, err)
		}
		newest := h.Data.Messages[0]
		parent := newest["parent_message"].(map[string]any)
		if newest["id"] != b || parent["id"] != a || parent["parent_message"] != nil {
			t.Fatalf("cycle serialised as %s", f.Data)
		}
	})
}
