package chat_test

import (
	"fmt"
	"testing"

	"github.com/chatwasm/chatwasm/host/chat"
	"github.com/chatwasm/chatwasm/host/store/storetest"
)

// BenchmarkMessageSend measures message.send end to end on SQLite: permission
// check, insert, last_message, notification for 9 members, serialisation.
func BenchmarkMessageSend(b *testing.B) {
	e := newMsgEnv(b, storetest.Open(b, "sqlite"), chat.DefaultConfig())
	members := []chat.Caller{e.user("ann")}
	for i := range 9 {
		members = append(members, e.user(fmt.Sprint("u", i)))
	}
	room := e.group(members...)
	data := map[string]any{"room_id": room, "content": "hello <b>world</b>"}
	b.ResetTimer()
	for b.Loop() {
		if _, err := e.handle(members[0], "message.send", data); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRoomMessagesPage measures one 20-message history page of replies
// with reactions and receipts, the heaviest serialisation.
func BenchmarkRoomMessagesPage(b *testing.B) {
	e := newMsgEnv(b, storetest.Open(b, "sqlite"), chat.DefaultConfig())
	ann, bob := e.user("ann"), e.user("bob")
	room := e.group(ann, bob)
	prev := ""
	for i := range 100 {
		data := map[string]any{"room_id": room, "content": fmt.Sprint("m", i)}
		if prev != "" {
			data["extra_fields"] = map[string]any{"parent_message_id": prev}
		}
		prev = e.sendData(ann, data)["id"].(string)
		e.ok(bob, "message.read", map[string]any{"message_id": prev})
		e.ok(bob, "message.react", map[string]any{"message_id": prev, "type": "add", "reaction_content": "👍"})
	}
	data := map[string]any{"room_id": room, "paginate": map[string]any{"page": 1, "size": 20}}
	b.ResetTimer()
	for b.Loop() {
		if _, err := e.handle(bob, "room.messages", data); err != nil {
			b.Fatal(err)
		}
	}
}
