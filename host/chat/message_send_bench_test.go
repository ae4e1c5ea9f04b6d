package chat_test

import (
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/chatwasm/chatwasm/host/chat"
	"github.com/chatwasm/chatwasm/host/store/storetest"
)

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
