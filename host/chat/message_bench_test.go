package chat_test

import (
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/chatwasm/chatwasm/host/chat"
	"github.com/chatwasm/chatwasm/host/store/storetest"
)

// BenchmarkMessageSend measures message.send end to end on each engine:
// permission check, insert, last_message, notification for the members,
// serialisation (not the frames), in a room of 10 and of 1000 members: the
// notification is one row whatever the size. The postgres sub-benchmarks
// run when CHATWASM_TEST_POSTGRES is set.
func BenchmarkMessageSend(b *testing.B) {
	for _, engine := range []string{"sqlite", "postgres"} {
		for _, size := range []int{10, 1000} {
			b.Run(fmt.Sprintf("%s/members=%d", engine, size), func(b *testing.B) {
				e, members, room := benchRoomOf(b, engine, size)
				data := map[string]any{"room_id": room, "content": "hello <b>world</b>"}
				b.ReportAllocs()
				for b.Loop() {
					if _, err := e.handle(members[0], "message.send", data); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkMessageSendConcurrent is message.send as the load tool drives it
// (cmd/chatwasm-load --senders 32 --room-size 10): 32 senders spread over 4
// rooms of 10 send at once, so group commit batches them, and the time per
// op is the store's throughput without the frames. Its CPU profile is the
// writer's share of the server's.
func BenchmarkMessageSendConcurrent(b *testing.B) {
	for _, engine := range []string{"sqlite", "postgres"} {
		b.Run(engine, func(b *testing.B) {
			e := newMsgEnv(b, storetest.Open(b, engine), chat.DefaultConfig())
			var senders []chat.Caller
			var rooms []string
			for r := range 4 {
				var members []chat.Caller
				for i := range 10 {
					members = append(members, e.user(fmt.Sprint("r", r, "u", i)))
				}
				rooms = append(rooms, e.group(members...))
				senders = append(senders, members[:8]...)
			}
			var next atomic.Int64
			b.SetParallelism(16) // 32 goroutines on 2 cores, as many as senders
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				i := int(next.Add(1)-1) % len(senders)
				data := map[string]any{"room_id": rooms[i/8], "content": "hello <b>world</b>"}
				for pb.Next() {
					if _, err := e.handle(senders[i], "message.send", data); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}

// BenchmarkMessageTyping measures message.typing: the send-permission check
// and the event, on each engine.
func BenchmarkMessageTyping(b *testing.B) {
	for _, engine := range []string{"sqlite", "postgres"} {
		b.Run(engine, func(b *testing.B) {
			e, members, room := benchRoom(b, engine)
			data := map[string]any{"room_id": room}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := e.handle(members[0], "message.typing", data); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// benchRoom is a group of 10 members on a fresh store of engine.
func benchRoom(b *testing.B, engine string) (*msgEnv, []chat.Caller, string) {
	return benchRoomOf(b, engine, 10)
}

// benchRoomOf is a group of size members on a fresh store of engine.
func benchRoomOf(b *testing.B, engine string, size int) (*msgEnv, []chat.Caller, string) {
	e := newMsgEnv(b, storetest.Open(b, engine), chat.DefaultConfig())
	members := []chat.Caller{e.user("ann")}
	for i := range size - 1 {
		members = append(members, e.user(fmt.Sprint("u", i)))
	}
	return e, members, e.group(members...)
}

// BenchmarkRoomMessagesPage measures one 20-message history page of replies
// with reactions and receipts, the heaviest serialisation.
func BenchmarkRoomMessagesPage(b *testing.B) {
	e := newMsgEnv(b, storetest.Open(b, "sqlite"), chat.DefaultConfig())
	ann, bob, room := e.pair()
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
