package chat_test

import (
	"strings"
	"testing"

	"github.com/chatwasm/chatwasm/host/chat"
	"github.com/chatwasm/chatwasm/host/chat/wire"
	"github.com/chatwasm/chatwasm/host/store"
)

func TestMessageSendShape(t *testing.T) {
	eachMsgEnv(t, func(t *testing.T, e *msgEnv) {
		ann, _, room := e.pair()
		m := e.send(ann, room, "  hello <b>world</b>  ")
		wantMessage(t, m)
		wantFields(t, "message", m, map[string]any{"content": "hello <b>world</b>", "room": map[string]any{"id": room},
			"is_deleted": false, "is_edited": false, "is_forwarded": false, "parent_message": nil, "forwarded_from": nil,
			"updated_at": m["created_at"]})
		wantFields(t, "sender", m["sender"].(map[string]any),
			map[string]any{"id": ann.UserID, "username": "ann", "email": "ann@example.com"})
		if e.lastMessage(room) != m["id"] {
			t.Fatalf("last_message = %q, want %v", e.lastMessage(room), m["id"])
		}
	})
}

func TestMessageSendReplyAndForwardNestRecursively(t *testing.T) {
	eachMsgEnv(t, func(t *testing.T, e *msgEnv) {
		ann, bob, room := e.pair()
		other := e.group(bob, ann) // a cross-room reply is allowed when readable
		a := e.send(ann, room, "a")
		b := e.sendData(bob, map[string]any{"room_id": other, "content": "b",
			"extra_fields": map[string]any{"parent_message_id": a["id"]}})
		c := e.sendData(ann, map[string]any{"room_id": room, "content": "c",
			"extra_fields": map[string]any{"forwarded_from_id": b["id"]}})
		wantMessage(t, c)
		fwd := c["forwarded_from"].(map[string]any)
		wantFields(t, "forward", c, map[string]any{"is_forwarded": true, "parent_message": nil})
		wantFields(t, "forward.forwarded_from", fwd, map[string]any{"id": b["id"], "room": map[string]any{"id": other}})
		wantFields(t, "forward.forwarded_from.parent_message", fwd["parent_message"].(map[string]any),
			map[string]any{"id": a["id"]})
		_, notes := e.notifications(ann)
		if len(notes[other]) != 1 || notes[other][0]["notification_type"] != "REPLY" {
			t.Fatalf("ann's notifications = %v", notes)
		}
	})
}

func TestMessageSendValidation(t *testing.T) {
	eachMsgEnv(t, func(t *testing.T, e *msgEnv) {
		ann, bob, eve := e.user("ann"), e.user("bob"), e.user("eve")
		mallory := e.userIn("evil", "mallory")
		room := e.group(ann, bob)
		private := e.group(eve)
		secret := e.send(eve, private, "secret")["id"].(string)
		foreignRoom := e.group(mallory)
		foreign := e.send(mallory, foreignRoom, "x")["id"].(string)
		mine := e.send(ann, room, "mine")["id"].(string)
		unknown := store.NewID()
		before := e.count("SELECT COUNT(*) FROM messages")

		for _, c := range []struct {
			name   string
			data   any
			code   int
			detail any
		}{
			{"no content", map[string]any{"room_id": room}, 4003, map[string][]string{"content": {"This field is required."}}},
			{"null content", map[string]any{"room_id": room, "content": nil}, 4003, map[string][]string{"content": {"This field may not be null."}}},
			{"blank content", map[string]any{"room_id": room, "content": "  \n "}, 4003, map[string][]string{"content": {"This field may not be blank."}}},
			{"object content", map[string]any{"room_id": room, "content": map[string]any{}}, 4003, map[string][]string{"content": {"Not a valid string."}}},
			{"extra_fields not an object", map[string]any{"room_id": room, "content": "x", "extra_fields": []int{1}}, 4003, nil},
			{"media not a list", map[string]any{"room_id": room, "content": "x", "extra_fields": map[string]any{"media": "a.png"}},
				4003, []string{"Media must be a list of media files"}},
			{"invalid media items", map[string]any{"room_id": room, "extra_fields": map[string]any{"media": []any{
				map[string]any{"media_url": "https://x/a.png", "media_type": "image"},
				map[string]any{"media_type": "hologram", "file_size": -1},
				"a.png",
			}}}, 4003, []any{
				map[string]any{},
				map[string]any{"media_url": []string{"This field is required."}, "media_type": []string{`"hologram" is not a valid choice.`},
					"file_size": []string{"Ensure this value is greater than or equal to 0."}},
				map[string]any{"non_field_errors": []string{"Invalid data. Expected a dictionary, but got str."}},
			}},
			{"invalid MIME type", map[string]any{"room_id": room, "extra_fields": map[string]any{"media": []any{
				map[string]any{"media_url": "https://x/a.tiff", "media_type": "image", "mime_type": "image/tiff"}}}}, 4005, "Database constraint violated."},
			{"reply and forward", map[string]any{"room_id": room, "content": "x",
				"extra_fields": map[string]any{"parent_message_id": mine, "forwarded_from_id": mine}}, 4005, "Database constraint violated."},
			{"unknown parent", map[string]any{"room_id": room, "content": "x", "extra_fields": map[string]any{"parent_message_id": unknown}},
				4003, map[string][]string{"parent_message_id": {`Invalid pk "` + unknown + `" - object does not exist.`}}},
			{"unreadable forward", map[string]any{"room_id": room, "content": "x", "extra_fields": map[string]any{"forwarded_from_id": secret}},
				4003, map[string][]string{"forwarded_from_id": {`Invalid pk "` + secret + `" - object does not exist.`}}},
			{"forward from another tenant", map[string]any{"room_id": room, "content": "x", "extra_fields": map[string]any{"forwarded_from_id": foreign}},
				4003, map[string][]string{"forwarded_from_id": {`Invalid pk "` + foreign + `" - object does not exist.`}}},
			{"malformed parent", map[string]any{"room_id": room, "content": "x", "extra_fields": map[string]any{"parent_message_id": "nope"}},
				4003, map[string][]string{"parent_message_id": {"“nope” is not a valid UUID."}}},
			{"boolean parent", map[string]any{"room_id": room, "content": "x", "extra_fields": map[string]any{"parent_message_id": true}},
				4003, map[string][]string{"parent_message_id": {"Incorrect type. Expected pk value, received bool."}}},
			{"invalid room_id type", map[string]any{"room_id": []int{1}, "content": "x"}, 4003, []string{"Invalid room_id type"}},
			{"unknown room", map[string]any{"room_id": unknown, "content": "x"}, 4004, "Resource not found."},
			{"room of another tenant", map[string]any{"room_id": foreignRoom, "content": "x"}, 4004, "Resource not found."},
			{"not a member", map[string]any{"room_id": private, "content": "x"}, 4002, "User is not authorized to send message to this room"},
			{"data not an object", []int{1}, 4003, nil},
		} {
			t.Run(c.name, func(t *testing.T) {
				e.t = t
				e.fail(ann, "message.send", c.data, c.code, c.detail)
			})
		}
		e.t = t
		// Every failure left nothing behind: no message, no attachment, and
		// last_message still points at the last good message.
		if n := e.count("SELECT COUNT(*) FROM messages"); n != before {
			t.Fatalf("%d messages, want %d", n, before)
		}
		if n := e.count("SELECT COUNT(*) FROM attachments"); n != 0 {
			t.Fatalf("%d attachments left", n)
		}
		if e.lastMessage(room) != mine {
			t.Fatalf("last_message moved to %q", e.lastMessage(room))
		}
	})
}

func TestMessageSendPermissionFollowsRoomKind(t *testing.T) {
	eachMsgEnv(t, func(t *testing.T, e *msgEnv) {
		ann, bob := e.user("ann"), e.user("bob")
		locked := e.room(msgRoom{kind: store.KindGroup, locked: true, members: []chat.Caller{ann, bob}})
		channel := e.room(msgRoom{kind: store.KindChannel, members: []chat.Caller{ann, bob}})
		for _, room := range []string{locked, channel} {
			e.send(ann, room, "from the admin")
			e.fail(bob, "message.send", map[string]any{"room_id": room, "content": "x"}, 4002,
				"User is not authorized to send message to this room")
		}
		// room_id wins over message_id; without room_id the permission
		// check passes through message_id's room but the send is refused
		// (the reference crashed there) and nothing is stored.
		m := e.send(ann, locked, "again")
		got := e.sendData(ann, map[string]any{"room_id": locked, "message_id": m["id"], "content": "c"})
		if got["room"].(map[string]any)["id"] != locked {
			t.Fatalf("room = %v", got["room"])
		}
		e.fail(ann, "message.send", map[string]any{"message_id": m["id"], "content": "inferred"}, 4003,
			map[string][]string{"room_id": {"This field is required."}})
		e.fail(bob, "message.send", map[string]any{"message_id": m["id"], "content": "x"}, 4002,
			"User is not authorized to send message to this room")
	})
}

func TestMessageSendExtraFieldsCannotOverride(t *testing.T) {
	eachMsgEnv(t, func(t *testing.T, e *msgEnv) {
		ann, bob, room := e.pair()
		elsewhere := e.group(bob)
		chosen := store.NewID()
		m := e.sendData(ann, map[string]any{"room_id": room, "content": "x", "extra_fields": map[string]any{
			"room_id": elsewhere, "sender_id": bob.UserID, "id": chosen, "is_deleted": true, "is_edited": true,
			"is_forwarded": true, "priority": "high"}})
		wantFields(t, "message", m, map[string]any{"room": map[string]any{"id": room}, "is_deleted": false,
			"is_edited": false, "is_forwarded": false})
		wantFields(t, "message.sender", m["sender"].(map[string]any), map[string]any{"id": ann.UserID})
		if m["id"] == chosen {
			t.Errorf("message.id = %v, the id the client chose", m["id"])
		}
		if n := e.count("SELECT COUNT(*) FROM messages WHERE room_id = $1", elsewhere); n != 0 {
			t.Fatalf("%d messages landed in the other room", n)
		}
	})
}

func TestMessageSendMedia(t *testing.T) {
	eachMsgEnv(t, func(t *testing.T, e *msgEnv) {
		ann := e.user("ann")
		room := e.group(ann)
		media := []any{
			map[string]any{"media_url": "https://x/a.png", "media_type": "image"},
			map[string]any{"media_url": "https://x/b.pdf", "media_type": "file", "mime_type": "application/pdf",
				"file_size": "2048", "caption": "the doc", "metadata": map[string]any{"pages": 2}},
		}
		m := e.sendData(ann, map[string]any{"room_id": room, "extra_fields": map[string]any{"media": media}})
		wantMessage(t, m)
		atts := m["attachments"].([]any)
		if m["content"] != "Media Files" || len(atts) != 2 {
			t.Fatalf("message = %v", m)
		}
		a0, a1 := atts[0].(map[string]any), atts[1].(map[string]any)
		wantFields(t, "attachments[0]", a0, map[string]any{"mime_type": "image/jpeg", "file_size": 0, "caption": nil,
			"metadata": map[string]any{}, "media_url": "https://x/a.png"})
		wantFields(t, "attachments[1]", a1, map[string]any{"mime_type": "application/pdf", "file_size": 2048,
			"caption": "the doc", "metadata": map[string]any{"pages": 2}, "media_type": "file"})
		// "Media Files" only replaces an empty content (docs/decisions.md).
		for content, want := range map[string]string{"": "Media Files", "look": "look"} {
			m := e.sendData(ann, map[string]any{"room_id": room, "content": content, "extra_fields": map[string]any{"media": media[:1]}})
			if m["content"] != want {
				t.Fatalf("content %q became %v, want %q", content, m["content"], want)
			}
		}
		// An empty media list is no media: content is required again.
		e.fail(ann, "message.send", map[string]any{"room_id": room, "extra_fields": map[string]any{"media": []any{}}}, 4003,
			map[string][]string{"content": {"This field is required."}})
	})
}

func TestMessageSendSanitises(t *testing.T) {
	eachMsgEnv(t, func(t *testing.T, e *msgEnv) {
		ann := e.user("ann")
		room := e.group(ann)
		fs := e.ok(ann, "message.send", map[string]any{"room_id": room,
			"content": `<script>alert("x")</script><b onclick="evil()">hi</b> <scr<script>ipt>alert(1)</script> don't`})
		f := msgOne(t, fs, wire.RoomGroup(room), "message.dispatch")
		if strings.Contains(strings.ToLower(string(f.Data)), "<script") || strings.Contains(string(f.Data), `\u003cscript`) {
			t.Fatalf("dispatched frame carries a script tag: %s", f.Data)
		}
		m := jsonObject(t, f.Data)
		// The script's text stays, inert: a message never vanishes for
		// its markup.
		if m["content"] != `alert("x")<b>hi</b> ipt&gt;alert(1) don't` {
			t.Fatalf("content = %q", m["content"])
		}
		if n := e.count("SELECT COUNT(*) FROM messages WHERE content LIKE '%<script%'"); n != 0 {
			t.Fatal("a script tag was stored")
		}
		long := strings.Repeat("a", 10_000)
		if m := e.send(ann, room, long); m["content"] != long {
			t.Fatalf("10 000-char content came back with %d chars", len(m["content"].(string)))
		}
		// Content that sanitises to nothing is still a message, as in the
		// reference.
		if m := e.send(ann, room, `<img src="x" onerror="alert(1)">`); m["content"] != "" {
			t.Fatalf("content = %q", m["content"])
		}
	})
}

func TestMessageSendNotifications(t *testing.T) {
	eachMsgEnv(t, func(t *testing.T, e *msgEnv) {
		ann, bob, cat := e.user("ann"), e.user("bob"), e.user("cat")
		older := e.group(ann, bob, cat)
		newer := e.group(ann, bob)
		alone := e.group(ann)
		m1 := e.send(ann, older, "1")
		m2 := e.send(ann, newer, "2")
		m3 := e.send(ann, older, "3")
		e.send(ann, alone, "nobody to notify")
		if n := e.count("SELECT COUNT(*) FROM notifications"); n != 3 {
			t.Fatalf("%d notifications, want 3 (none for a room without other members)", n)
		}

		raw, notes := e.notifications(bob)
		if len(notes) != 2 || len(notes[newer]) != 1 || len(notes[older]) != 2 {
			t.Fatalf("bob's notifications = %s", raw)
		}
		// Rooms are ordered newest room first, in the JSON object itself.
		if strings.Index(string(raw), newer) > strings.Index(string(raw), older) {
			t.Fatalf("room order in %s", raw)
		}
		for i, want := range []map[string]any{m1, m3} {
			n := notes[older][i]
			msgKeys(t, "notification", n, "id", "notification_type", "message")
			wantMessage(t, n["message"].(map[string]any))
			if n["notification_type"] != "NEW_MESSAGE" || n["message"].(map[string]any)["id"] != want["id"] {
				t.Fatalf("notification %d = %v", i, n)
			}
		}
		if notes[newer][0]["message"].(map[string]any)["id"] != m2["id"] {
			t.Fatalf("newer = %v", notes[newer])
		}
		if raw, _ := e.notifications(ann); string(raw) != "{}" {
			t.Fatalf("the sender has notifications %s", raw)
		}

		off := chat.DefaultConfig()
		off.Notifications = false
		e2 := newMsgEnv(t, e.st, off)
		e2.send(ann, older, "quiet")
		if n := e.count("SELECT COUNT(*) FROM notifications"); n != 3 {
			t.Fatalf("%d notifications with notifications off", n)
		}
		conn, err := e2.svc.Connect(t.Context(), bob)
		if err != nil || conn.Notifications != nil {
			t.Fatalf("connect with notifications off: %s, %v", conn.Notifications, err)
		}
	})
}
