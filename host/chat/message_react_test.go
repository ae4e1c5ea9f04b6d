package chat_test

import (
	"strings"
	"testing"

	"github.com/chatwasm/chatwasm/host/chat"
	"github.com/chatwasm/chatwasm/host/chat/wire"
	"github.com/chatwasm/chatwasm/host/store"
)

func TestMessageReact(t *testing.T) {
	eachMsgEnv(t, func(t *testing.T, e *msgEnv) {
		ann, bob, cat := e.user("ann"), e.user("bob"), e.user("cat")
		room := e.group(ann, bob, cat)
		m := e.send(ann, room, "x")["id"].(string)
		react := func(c chat.Caller, data map[string]any) map[string]any {
			t.Helper()
			data["message_id"] = m
			f := msgOne(t, e.ok(c, "message.react", data), wire.RoomGroup(room), "reaction.dispatch")
			return jsonObject(t, f.Data)
		}

		add := react(bob, map[string]any{"type": "add", "reaction_content": " 👍 "})
		msgKeys(t, "add", add, "status", "type", "message")
		msg := add["message"].(map[string]any)
		wantMessage(t, msg)
		rs := msg["reactions"].([]any)
		wantFields(t, "add", add, map[string]any{"status": "successful", "type": "add"})
		if len(rs) != 1 {
			t.Fatalf("add.message.reactions = %v, want one", rs)
		}
		wantFields(t, "add.message.reactions[0]", rs[0].(map[string]any), map[string]any{"reaction_content": "👍"})
		wantFields(t, "add.message.reactions[0].user", rs[0].(map[string]any)["user"].(map[string]any),
			map[string]any{"username": "bob"})
		// Reactions notify every member but the reactor, the author included.
		_, annNotes := e.notifications(ann)
		_, catNotes := e.notifications(cat)
		_, bobNotes := e.notifications(bob)
		if len(annNotes[room]) != 1 || annNotes[room][0]["notification_type"] != "REACTION" || len(catNotes[room]) != 2 ||
			len(bobNotes[room]) != 1 || bobNotes[room][0]["notification_type"] != "NEW_MESSAGE" {
			t.Fatalf("notifications ann %v cat %v bob %v", annNotes, catNotes, bobNotes)
		}

		// Same content again: integrity error, not a toggle.
		e.fail(bob, "message.react", map[string]any{"message_id": m, "type": "add", "reaction_content": "👍"}, 4005, "Database constraint violated.")
		// Different content replaces.
		add = react(bob, map[string]any{"type": "add", "reaction_content": "🎉"})
		if rs := add["message"].(map[string]any)["reactions"].([]any); len(rs) != 1 || rs[0].(map[string]any)["reaction_content"] != "🎉" {
			t.Fatalf("replace = %v", add)
		}
		// Reacting to one's own message is allowed.
		react(ann, map[string]any{"type": "add", "reaction_content": "❤"})

		rm := react(bob, map[string]any{"type": "remove", "reaction_content": "ignored"})
		msgKeys(t, "remove", rm, "status", "message", "action")
		if rm["status"] != "successful" || rm["action"] != "remove" || len(rm["message"].(map[string]any)["reactions"].([]any)) != 1 {
			t.Fatalf("remove = %v", rm)
		}
		if rm := react(bob, map[string]any{"type": "remove"}); rm["status"] != "failed" {
			t.Fatalf("second remove = %v", rm)
		}

		for _, c := range []struct {
			name   string
			data   map[string]any
			code   int
			detail any
		}{
			{"no type", map[string]any{"message_id": m}, 4003, []string{"invalid reaction type"}},
			{"bad type", map[string]any{"message_id": m, "type": "toggle"}, 4003, []string{"invalid reaction type"}},
			{"no content", map[string]any{"message_id": m, "type": "add"}, 4003, map[string][]string{"reaction_content": {"This field is required."}}},
			{"blank content", map[string]any{"message_id": m, "type": "add", "reaction_content": " "}, 4003,
				map[string][]string{"reaction_content": {"This field may not be blank."}}},
			{"long content", map[string]any{"message_id": m, "type": "add", "reaction_content": strings.Repeat("x", 129)}, 4003,
				map[string][]string{"reaction_content": {"Ensure this field has no more than 128 characters."}}},
			{"list id", map[string]any{"message_id": []string{m}, "type": "add", "reaction_content": "x"}, 4003, nil},
			{"unknown message", map[string]any{"message_id": store.NewID(), "type": "add", "reaction_content": "x"}, 4004, "Resource not found."},
		} {
			t.Run(c.name, func(t *testing.T) {
				e.t = t
				e.fail(bob, "message.react", c.data, c.code, c.detail)
			})
		}
		e.t = t
		eve := e.user("eve")
		e.fail(eve, "message.react", map[string]any{"message_id": m, "type": "add", "reaction_content": "x"}, 4002,
			"User is not authorized to access this message")
	})
}

func TestMessageTyping(t *testing.T) {
	eachMsgEnv(t, func(t *testing.T, e *msgEnv) {
		ann, bob, eve := e.user("ann"), e.user("bob"), e.user("eve")
		room := e.group(ann, bob)
		f := msgOne(t, e.ok(bob, "message.typing", map[string]any{"room_id": room}), wire.RoomGroup(room), "messagetyping.dispatch")
		if !jsonEqual(t, f.Data, map[string]any{"username": "bob"}) {
			t.Fatalf("data %s", f.Data)
		}
		// The username comes from the store when the caller lacks it.
		anon := bob
		anon.Username = ""
		f = msgOne(t, e.ok(anon, "message.typing", map[string]any{"room_id": room}), wire.RoomGroup(room), "messagetyping.dispatch")
		if !jsonEqual(t, f.Data, map[string]any{"username": "bob"}) {
			t.Fatalf("data %s", f.Data)
		}
		e.fail(eve, "message.typing", map[string]any{"room_id": room}, 4002, "User is not authorized to send message to this room")
		locked := e.room(msgRoom{kind: store.KindGroup, locked: true, members: []chat.Caller{ann, bob}})
		e.fail(bob, "message.typing", map[string]any{"room_id": locked}, 4002, "User is not authorized to send message to this room")
		e.ok(ann, "message.typing", map[string]any{"room_id": locked})
		e.fail(bob, "message.typing", map[string]any{"room_id": true}, 4003, []string{"Invalid room_id type"})
	})
}
