package chat_test

import (
	"encoding/json"
	"fmt"
	"reflect"
	"testing"

	"github.com/chatwasm/chatwasm/host/chat"
	"github.com/chatwasm/chatwasm/host/chat/wire"
	"github.com/chatwasm/chatwasm/host/store/storetest"
)

// TestRoomListLastMessages checks that room.list, which serializes every
// room's last message in one batch, gives each room its own last message in
// the same form as room.messages: replies nested, reactions and receipts
// included, and null for a room without messages.
func TestRoomListLastMessages(t *testing.T) {
	eachMsgEnv(t, func(t *testing.T, e *msgEnv) {
		ann, bob := e.user("ann"), e.user("bob")
		rooms := []string{e.group(ann, bob), e.group(ann, bob), e.group(ann, bob), e.group(ann, bob)}
		plain := e.send(ann, rooms[0], "plain")
		first := e.send(bob, rooms[1], "first")
		e.sendData(ann, map[string]any{"room_id": rooms[1], "content": "reply",
			"extra_fields": map[string]any{"parent_message_id": first["id"]}})
		fwd := e.sendData(bob, map[string]any{"room_id": rooms[2], "content": "fwd",
			"extra_fields": map[string]any{"forwarded_from_id": plain["id"]}})
		e.ok(ann, "message.react", map[string]any{"message_id": fwd["id"], "type": "add", "reaction_content": "👍"})
		e.ok(ann, "message.read", map[string]any{"message_id": fwd["id"]})

		f := msgOne(t, e.ok(bob, "room.list", nil), wire.UserGroup(bob.UserID), "roomlist.dispatch")
		var items []map[string]any
		if err := json.Unmarshal(f.Data, &items); err != nil {
			t.Fatal(err)
		}
		if len(items) != len(rooms) {
			t.Fatalf("%d rooms listed, want %d", len(items), len(rooms))
		}
		for _, it := range items {
			h := msgOne(t, e.ok(bob, "room.messages", map[string]any{"room_id": it["id"]}),
				wire.UserGroup(bob.UserID), "roommessages.dispatch")
			var page history
			if err := json.Unmarshal(h.Data, &page); err != nil {
				t.Fatal(err)
			}
			var want any
			if len(page.Data.Messages) > 0 {
				want = page.Data.Messages[0]
			}
			if !reflect.DeepEqual(it["last_message"], want) {
				t.Errorf("room %v: last_message %v, want %v", it["id"], it["last_message"], want)
			}
		}
		if items[0]["id"] != rooms[2] {
			t.Fatalf("first room %v, want the one with the newest message %s", items[0]["id"], rooms[2])
		}
		last := items[0]["last_message"].(map[string]any)
		if fw, _ := last["forwarded_from"].(map[string]any); fw == nil || fw["id"] != plain["id"] {
			t.Fatalf("forwarded_from %v, want %v", last["forwarded_from"], plain["id"])
		}
		if rs, _ := last["reactions"].([]any); len(rs) != 1 {
			t.Fatalf("reactions %v, want one", last["reactions"])
		}
		if items[len(items)-1]["last_message"] != nil {
			t.Fatalf("room without messages: last_message %v", items[len(items)-1]["last_message"])
		}
	})
}

// BenchmarkRoomList measures room.list for a user in 20 group chats, each
// with a last message that replies to another.
func BenchmarkRoomList(b *testing.B) {
	e := newMsgEnv(b, storetest.Open(b, "sqlite"), chat.DefaultConfig())
	ann, bob := e.user("ann"), e.user("bob")
	for i := range 20 {
		room := e.group(ann, bob)
		m := e.send(ann, room, fmt.Sprint("m", i))
		e.sendData(bob, map[string]any{"room_id": room, "content": fmt.Sprint("r", i),
			"extra_fields": map[string]any{"parent_message_id": m["id"]}})
	}
	for b.Loop() {
		if _, err := e.handle(bob, "room.list", nil); err != nil {
			b.Fatal(err)
		}
	}
}
