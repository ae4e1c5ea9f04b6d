package store_test

import (
	"context"
	"encoding/binary"
	"fmt"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/chatwasm/chatwasm/host/store"
	"github.com/chatwasm/chatwasm/host/store/storetest"
	"github.com/google/uuid"
)

// BenchmarkSendFloor measures the least a message.send's writes cost the one
// writer: exactly the rows a send writes (the message with a UUID v4 key,
// the room's notification, the room's last message), 32 messages to a
// transaction as group commit forms them under 32 senders, on the project's
// schema and driver with its prepared statements, and nothing else (no
// group commit queue, no savepoints, no frames, no JSON). b.N counts
// messages; cpu-µs/msg is the process's user+system CPU (the checkpoints
// and the garbage collector included; not PostgreSQL's server), wall-µs/msg
// the elapsed time.
//
//   - store: the store's own statements (Tx.SetLastMessage, InsertMessage,
//     NotifyRoom), with and without the send-permission read (Tx.RoomAccess)
//     that message.send runs first.
//   - plain: the same rows through the plainest statements (INSERT … VALUES,
//     the notification's seq and count given), the driver's floor for them.
//   - plain-ordered-keys: as plain, with time-ordered keys instead of random
//     ones, to show what the random keys of docs/protocol.md cost.
//   - group-commit: store+access, each message its own Store.Write from 32
//     goroutines, so that group commit forms the transactions: what the
//     queue and the batches cost over the floor.
func BenchmarkSendFloor(b *testing.B) {
	for _, engine := range []string{"sqlite", "postgres"} {
		b.Run(engine, func(b *testing.B) {
			variants := []struct {
				name string
				send sendFunc
			}{
				{"store", (*floorWorld).storeSend},
				{"store+access", (*floorWorld).accessStoreSend},
				{"plain", func(f *floorWorld, ctx context.Context, tx *store.Tx, i int) error {
					return f.plainSend(ctx, tx, i, store.NewID(), store.NewID())
				}},
				{"plain-ordered-keys", func(f *floorWorld, ctx context.Context, tx *store.Tx, i int) error {
					return f.plainSend(ctx, tx, i, orderedID(2*i), orderedID(2*i+1))
				}},
			}
			for _, v := range variants {
				b.Run(v.name, func(b *testing.B) {
					f := newFloorWorld(b, storetest.Open(b, engine))
					f.run(b, v.send)
				})
			}
			b.Run("group-commit", func(b *testing.B) {
				f := newFloorWorld(b, storetest.Open(b, engine))
				f.runConcurrent(b)
			})
		})
	}
}

// sendFunc writes message i of f in tx.
type sendFunc func(f *floorWorld, ctx context.Context, tx *store.Tx, i int) error

// floorWorld is 4 group rooms of 10 members, 8 of each sending: 32 senders.
type floorWorld struct {
	st      *store.Store
	senders []int64
	roomOf  []string // by sender index
}

func newFloorWorld(b *testing.B, st *store.Store) *floorWorld {
	f := &floorWorld{st: st}
	ctx := context.Background()
	err := st.Write(ctx, func(tx *store.Tx) error {
		for r := range 4 {
			room := store.NewID()
			if _, err := tx.Executor().Exec(ctx, `INSERT INTO rooms (id, tenant, kind, name, created_at, updated_at)
				VALUES ($1, 't1', 'GroupChat', 'g', 1, 1)`, room); err != nil {
				return err
			}
			for u := range 10 {
				var id int64
				if err := tx.Executor().QueryRow(ctx, "INSERT INTO users (tenant, username) VALUES ('t1', $1) RETURNING id",
					fmt.Sprint("r", r, "u", u)).Scan(&id); err != nil {
					return err
				}
				if _, err := tx.Executor().Exec(ctx, "INSERT INTO room_members (room_id, user_id) VALUES ($1, $2)", room, id); err != nil {
					return err
				}
				if u < 8 {
					f.senders = append(f.senders, id)
					f.roomOf = append(f.roomOf, room)
				}
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	return f
}

// run writes b.N messages with send, 32 to a transaction, and reports the
// CPU and wall time per message.
func (f *floorWorld) run(b *testing.B, send sendFunc) {
	ctx := context.Background()
	cpu0, wall0 := cpuTime(b), time.Now()
	b.ResetTimer()
	for i := 0; i < b.N; i += 32 {
		err := f.st.Write(ctx, func(tx *store.Tx) error {
			for j := i; j < min(i+32, b.N); j++ {
				if err := send(f, ctx, tx, j); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	f.report(b, cpuTime(b)-cpu0, time.Since(wall0))
}

// runConcurrent writes b.N messages as store+access does, each in a
// Store.Write of its own, from 32 goroutines, and reports the CPU and wall
// time per message.
func (f *floorWorld) runConcurrent(b *testing.B) {
	ctx := context.Background()
	var next atomic.Int64
	cpu0, wall0 := cpuTime(b), time.Now()
	b.SetParallelism(16) // 32 goroutines on 2 cores, as many as senders
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := int(next.Add(1) - 1)
			if err := f.st.Write(ctx, func(tx *store.Tx) error { return f.accessStoreSend(ctx, tx, i) }); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.StopTimer()
	f.report(b, cpuTime(b)-cpu0, time.Since(wall0))
}

// report reports cpu and wall per message.
func (f *floorWorld) report(b *testing.B, cpu, wall time.Duration) {
	b.ReportMetric(float64(cpu.Microseconds())/float64(b.N), "cpu-µs/msg")
	b.ReportMetric(float64(wall.Microseconds())/float64(b.N), "wall-µs/msg")
}

// storeSend writes message i as message.send does, after its access check.
func (f *floorWorld) storeSend(ctx context.Context, tx *store.Tx, i int) error {
	s := i % len(f.senders)
	room := f.roomOf[s]
	id := store.NewID()
	if err := tx.SetLastMessage(ctx, room, id); err != nil {
		return err
	}
	m, err := tx.InsertMessage(ctx, store.Message{ID: id, RoomID: room, SenderID: f.senders[s], Content: "hello world"})
	if err != nil {
		return err
	}
	_, _, err = tx.NotifyRoom(ctx, room, m.ID, store.NotifyNewMessage, f.senders[s])
	return err
}

// accessStoreSend is storeSend with message.send's access check first.
func (f *floorWorld) accessStoreSend(ctx context.Context, tx *store.Tx, i int) error {
	s := i % len(f.senders)
	acc, err := tx.RoomAccess(ctx, "t1", f.roomOf[s], f.senders[s], "can_send_messages")
	if err != nil {
		return err
	}
	if !acc.Member || acc.User == nil {
		return fmt.Errorf("sender %d is not a member of %s", f.senders[s], f.roomOf[s])
	}
	return f.storeSend(ctx, tx, i)
}

// plainSend writes the rows of message i, with keys msgID and notifID, in
// the plainest statements: what the store's statements read (the room's
// latest created_at, its member_seq and member count) is given.
func (f *floorWorld) plainSend(ctx context.Context, tx *store.Tx, i int, msgID, notifID string) error {
	s := i % len(f.senders)
	room, now := f.roomOf[s], int64(1_000_000+i)
	ex := tx.Executor()
	if _, err := ex.Exec(ctx, "UPDATE rooms SET last_message_id = $1, updated_at = $2 WHERE id = $3", msgID, now, room); err != nil {
		return err
	}
	if _, err := ex.Exec(ctx, `INSERT INTO messages (id, room_id, sender_id, content, is_deleted, is_edited, is_forwarded,
		created_at, updated_at) VALUES ($1, $2, $3, $4, FALSE, FALSE, FALSE, $5, $5)`,
		msgID, room, f.senders[s], "hello world", now); err != nil {
		return err
	}
	_, err := ex.Exec(ctx, `INSERT INTO notifications (id, message_id, notification_type, created_at, room_id, actor_id, seq, pending)
		VALUES ($1, $2, $3, $4, $5, $6, 0, 9)`, notifID, msgID, store.NotifyNewMessage, now, room, f.senders[s])
	return err
}

// orderedID is a UUID-shaped key that sorts after those of smaller n.
func orderedID(n int) string {
	var u uuid.UUID
	binary.BigEndian.PutUint64(u[:8], uint64(n))
	return u.String()
}

// cpuTime is the process's user and system CPU time so far.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
