package bench

import (
	"testing"

	"github.com/chatwasm/chatwasm/internal/testserver"
)

// roomMembers is the size of BenchmarkMessageSend's room.
const roomMembers = 10

// BenchmarkMessageSend measures message.send end to end on one node, on
// SQLite and on PostgreSQL with the same code: a member sends, the server
// stores the message and its notifications and dispatches message.dispatch
// to the connections of all 10 members of the room (the sender's included),
// over real WebSockets. "serial" has one message in flight (ns/op is the
// time until the last member has it); "10-senders" has every member send at
// once, each its next message as soon as all members have its previous one.
func BenchmarkMessageSend(b *testing.B) {
	for _, e := range []engine{sqliteEngine, postgresEngine} {
		b.Run(string(e), func(b *testing.B) {
			db := newDatabase(b, e)
			n := startNode(b, db, "bench", nil)
			members := make([]testserver.User, roomMembers)
			conns := make([]*client, roomMembers)
			for i := range members {
				members[i] = n.CreateUser(b, senderName(i))
				conns[i] = dial(b, n, members[i])
			}
			room := createGroup(b, conns[0], members[1:], conns)
			senders := make([]*sender, roomMembers)
			for i, c := range conns {
				senders[i] = &sender{c: c, room: room, recipients: roomMembers}
			}
			var probe *pgProbe
			if e == postgresEngine {
				probe = newPGProbe(b, db)
			}
			measure := func() func(*testing.B, int64) {
				cpu := startCPU(func() map[string][]string {
					g := map[string][]string{"node": {n.PID()}, "bench": {"self"}}
					if probe != nil {
						g["pg"] = probe.backends()
					}
					return g
				})
				return cpu.report
			}
			b.Run("serial", func(b *testing.B) {
				newLoad(messageKind, senders[:1], conns, conns).run(b, measure)
			})
			b.Run("10-senders", func(b *testing.B) {
				newLoad(messageKind, senders, conns, conns).run(b, measure)
			})
		})
	}
}
