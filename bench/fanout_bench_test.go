package bench

import (
	"fmt"
	"testing"

	"github.com/chatwasm/chatwasm/internal/testserver"
)

// Shape of BenchmarkNodeFanOut.
const (
	fanOutReceivers  = 10
	fanOutMaxSenders = 32
)

// BenchmarkNodeFanOut measures the fan-out ceiling between two nodes sharing
// PostgreSQL (skipped without it): senders on node 1, each in a room of its
// own with the same 10 receivers, all connected to node 2. Each sender has
// one event in flight and sends the next once its own connection and the 10
// receivers have it, so the offered load grows with the number of senders
// until something saturates. events/s counts deliveries to node 2's
// receivers, p50/p99 their latency from the send; CPU is reported per node,
// for the database's PostgreSQL backends and for the benchmark's clients,
// with the peak use of the NOTIFY queue.
//
// "typing" sends message.typing (a read-only check, then the broadcast):
// the cost of the fan-out itself. "message" sends message.send (a write
// transaction per message, then the broadcast).
func BenchmarkNodeFanOut(b *testing.B) {
	db := newDatabase(b, postgresEngine)
	n1 := startNode(b, db, "fan1", nil)
	n2 := startNode(b, db, "fan2", n1)
	receivers := make([]testserver.User, fanOutReceivers)
	recvConns := make([]*client, fanOutReceivers)
	for i := range receivers {
		receivers[i] = n1.CreateUser(b, fmt.Sprintf("rcv%04d", i))
		recvConns[i] = dial(b, n2, receivers[i])
	}
	senders := make([]*sender, fanOutMaxSenders)
	for i := range senders {
		c := dial(b, n1, n1.CreateUser(b, senderName(i)))
		room := createGroup(b, c, receivers, append([]*client{c}, recvConns...))
		senders[i] = &sender{c: c, room: room, recipients: fanOutReceivers + 1}
	}
	probe := newPGProbe(b, db)
	measure := func() func(*testing.B, int64) {
		cpu := startCPU(func() map[string][]string {
			return map[string][]string{
				"node1": {n1.PID()},
				"node2": {n2.PID()},
				"pg":    probe.backends(),
				"bench": {"self"},
			}
		})
		queue := probe.sampleQueue()
		return func(b *testing.B, msgs int64) {
			cpu.report(b, msgs)
			queue(b, msgs)
		}
	}
	for _, k := range []kind{typingKind, messageKind} {
		for _, n := range []int{1, 2, 4, 8, 16, 32} {
			b.Run(fmt.Sprintf("%s/senders=%d", k, n), func(b *testing.B) {
				recipients := append([]*client{}, recvConns...)
				for _, s := range senders[:n] {
					recipients = append(recipients, s.c)
				}
				newLoad(k, senders[:n], recipients, recvConns).run(b, measure)
			})
		}
	}
}
