package postgres_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/chatwasm/chatwasm/host/store"
	"github.com/chatwasm/chatwasm/host/store/postgres"
	"github.com/chatwasm/chatwasm/host/store/storetest"
	"github.com/jackc/pgx/v5"
)

// The statements of a message.send (host/chat/message_send.go), as the
// store sends them: the access check (roomAccessQuery), last_message,
// the message and the room's notification.
const (
	floorAccess = `SELECT r.id, r.tenant, r.kind, r.name, r.description, r.avatar, r.creator_id,
		r.max_members, r.is_public, r.join_approval_required, r.group_locked, r.preferences, r.last_message_id,
		r.created_at, r.updated_at,
		mb.is_admin,
		EXISTS (SELECT 1 FROM room_permissions p WHERE p.room_id = r.id AND p.user_id = CAST($3 AS BIGINT) AND p.permission = $4),
		u.id, u.tenant, u.username, u.email, u.first_name, u.last_name
	FROM rooms r
	LEFT JOIN room_members mb ON mb.room_id = r.id AND mb.user_id = CAST($3 AS BIGINT)
	LEFT JOIN users u ON u.id = CAST($3 AS BIGINT)
	WHERE r.tenant = $2 AND r.id = $1`
	floorLast    = "UPDATE rooms SET last_message_id = $1, updated_at = $2 WHERE id = $3"
	floorMessage = `INSERT INTO messages (id, room_id, sender_id, content, is_deleted, is_edited, is_forwarded,
		parent_message_id, forwarded_from_id, created_at, updated_at)
		SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, c, c FROM (
			SELECT CASE WHEN MAX(created_at) >= $10 THEN MAX(created_at) + 1 ELSE $10 END AS c
			FROM messages WHERE room_id = $2) AS latest
		RETURNING created_at`
	floorNotify = `INSERT INTO notifications (id, message_id, notification_type, created_at, room_id, actor_id, seq, pending)
		SELECT $1, $2, $3, $4, r.id, $6, r.member_seq, c.n
		FROM rooms r, (SELECT COUNT(*) AS n FROM room_members WHERE room_id = $5 AND user_id <> $6) c
		WHERE r.id = $5 AND c.n > 0`
	// floorCTE is the whole send in one statement, without a migration:
	// the access check (the room's row and the sender's, membership), and
	// the three writes, each gated on the one before. Its MAX(created_at)
	// is read from the statement's snapshot, taken before the UPDATE waits
	// for the room's lock: under concurrent sends to a room created_at
	// would no longer be strictly increasing (docs/decisions.md), so this
	// measures a floor, not a replacement.
	floorCTE = `WITH acc (id, tenant, kind, name, description, avatar, creator_id, max_members, is_public,
		join_approval_required, group_locked, preferences, last_message_id, created_at, updated_at,
		is_admin, has_perm, uid, utenant, username, email, first_name, last_name) AS (` + floorAccess + `),
	upd AS (UPDATE rooms SET last_message_id = $5, updated_at = $6
		WHERE id = (SELECT id FROM acc WHERE is_admin IS NOT NULL) RETURNING id, member_seq),
	ins AS (INSERT INTO messages (id, room_id, sender_id, content, is_deleted, is_edited, is_forwarded,
		parent_message_id, forwarded_from_id, created_at, updated_at)
		SELECT $5, upd.id, $3, $7, FALSE, FALSE, FALSE, NULL, NULL, l.c, l.c FROM upd, (
			SELECT CASE WHEN MAX(created_at) >= $6 THEN MAX(created_at) + 1 ELSE $6 END AS c
			FROM messages WHERE room_id = $1) AS l
		RETURNING created_at),
	ntf AS (INSERT INTO notifications (id, message_id, notification_type, created_at, room_id, actor_id, seq, pending)
		SELECT $8, $5, 'NEW_MESSAGE', $6, upd.id, $3, upd.member_seq, c.n
		FROM upd, ins, (SELECT COUNT(*) AS n FROM room_members WHERE room_id = $1 AND user_id <> CAST($3 AS BIGINT)) c
		WHERE c.n > 0)
	SELECT acc.*, ins.created_at FROM acc LEFT JOIN ins ON TRUE`
)

// floorRooms is how many rooms (and senders) the benchmark sends to, one
// message each per transaction, as 32 senders in one shared transaction.
const floorRooms = 32

// BenchmarkSendFloor runs exactly a message.send's statements, floorRooms
// messages to a transaction, each in its savepoint (whose statements
// travel with the next one, as txConn sends them), six ways: a round
// trip per statement (main), the notification held as well (NotifyRoomHeld),
// the UPDATE of last_message held too (sent with the INSERT), a message's
// statements in one pgx batch, one statement per message
// (floorCTE), and a whole transaction in one batch (no waiting on any
// result: PostgreSQL's own floor). It reports per message the wall time
// (one connection: the latency, not a rate), the node's CPU (this
// process) and the PostgreSQL backend's (from /proc: the server must run
// on this machine).
//
//	CHATWASM_TEST_POSTGRES=... go test -run '^$' -bench SendFloor -benchtime 4096x ./host/store/postgres/
func BenchmarkSendFloor(b *testing.B) {
	st := storetest.Open(b, "postgres")
	ctx := context.Background()
	pc, err := st.Driver().(*postgres.Driver).Pool().Acquire(ctx)
	if err != nil {
		b.Fatal(err)
	}
	defer pc.Release()
	f := &floorConn{ctx: ctx, conn: pc.Conn()}
	var backend int
	if err := f.conn.QueryRow(ctx, "SELECT pg_backend_pid()").Scan(&backend); err != nil {
		b.Fatal(err)
	}
	rooms, senders := floorWorld(b, f.conn)
	modes := []struct {
		name string
		send func(f *floorConn, room string, sender int64) error
	}{
		{"roundtrips-4", func(f *floorConn, room string, sender int64) error {
			for _, q := range floorStatements(room, sender) {
				if err := f.trip(q); err != nil {
					return err
				}
			}
			return nil
		}},
		{"roundtrips-3-held-notify", func(f *floorConn, room string, sender int64) error {
			qs := floorStatements(room, sender)
			for _, q := range qs[:3] {
				if err := f.trip(q); err != nil {
					return err
				}
			}
			f.held = append(f.held, qs[3])
			return nil
		}},
		{"roundtrips-2-held-last-notify", func(f *floorConn, room string, sender int64) error {
			qs := floorStatements(room, sender)
			if err := f.trip(qs[0]); err != nil {
				return err
			}
			f.held = append(f.held, qs[1])
			if err := f.trip(qs[2]); err != nil {
				return err
			}
			f.held = append(f.held, qs[3])
			return nil
		}},
		{"pipelined", func(f *floorConn, room string, sender int64) error {
			return f.trip(floorStatements(room, sender)...)
		}},
		{"cte", func(f *floorConn, room string, sender int64) error {
			now := store.Micros(time.Now())
			return f.trip(&pgx.QueuedQuery{SQL: floorCTE,
				Arguments: []any{room, "", sender, "send_messages", store.NewID(), now, "hello", store.NewID()}})
		}},
		{"one-batch-per-tx", func(f *floorConn, room string, sender int64) error {
			f.held = append(f.held, floorStatements(room, sender)...)
			return nil
		}},
	}
	for _, mode := range modes {
		b.Run(mode.name, func(b *testing.B) {
			msgs0, notes0 := floorCounts(b, f.conn)
			node0, pg0 := nodeCPU(b), backendCPU(b, backend)
			start := time.Now()
			for done := 0; done < b.N; {
				f.hold("begin isolation level read committed read write")
				n := min(floorRooms, b.N-done)
				for i := range n {
					f.hold("SAVEPOINT chatwasm_op")
					if err := mode.send(f, rooms[i], senders[i]); err != nil {
						b.Fatal(err)
					}
					f.hold("RELEASE SAVEPOINT chatwasm_op")
				}
				if err := f.trip(&pgx.QueuedQuery{SQL: "commit"}); err != nil {
					b.Fatal(err)
				}
				done += n
			}
			per := func(d time.Duration) float64 { return float64(d.Microseconds()) / float64(b.N) }
			b.ReportMetric(per(time.Since(start)), "wall-µs/msg")
			b.ReportMetric(per(nodeCPU(b)-node0), "node-µs/msg")
			b.ReportMetric(per(backendCPU(b, backend)-pg0), "pg-µs/msg")
			b.StopTimer()
			if msgs, notes := floorCounts(b, f.conn); msgs-msgs0 != b.N || notes-notes0 != b.N {
				b.Fatalf("%d messages and %d notifications stored, want %d", msgs-msgs0, notes-notes0, b.N)
			}
		})
	}
}

// floorStatements are a send's four statements to room by sender.
func floorStatements(room string, sender int64) []*pgx.QueuedQuery {
	id, now := store.NewID(), store.Micros(time.Now())
	return []*pgx.QueuedQuery{
		{SQL: floorAccess, Arguments: []any{room, "", sender, "send_messages"}},
		{SQL: floorLast, Arguments: []any{id, now, room}},
		{SQL: floorMessage, Arguments: []any{id, room, sender, "hello", false, false, false, nil, nil, now}},
		{SQL: floorNotify, Arguments: []any{store.NewID(), id, store.NotifyNewMessage, now, room, sender}},
	}
}

// floorConn sends statements on one connection, the held ones with the
// next round trip.
type floorConn struct {
	ctx  context.Context
	conn *pgx.Conn
	held []*pgx.QueuedQuery
}

func (f *floorConn) hold(sql string) { f.held = append(f.held, &pgx.QueuedQuery{SQL: sql}) }

// trip sends the held statements and qs in one batch and reads every
// result, decoding the rows as a scan would.
func (f *floorConn) trip(qs ...*pgx.QueuedQuery) error {
	all := append(f.held, qs...)
	f.held = nil
	br := f.conn.SendBatch(f.ctx, &pgx.Batch{QueuedQueries: all})
	defer br.Close()
	for _, q := range all {
		rows, err := br.Query()
		if err != nil {
			return fmt.Errorf("%.40q: %w", q.SQL, err)
		}
		for rows.Next() {
			if _, err := rows.Values(); err != nil {
				rows.Close()
				return err
			}
		}
		if rows.Close(); rows.Err() != nil {
			return fmt.Errorf("%.40q: %w", q.SQL, rows.Err())
		}
	}
	return br.Close()
}

// floorWorld makes floorRooms rooms of ten members and returns them with
// a sender of each.
func floorWorld(b *testing.B, conn *pgx.Conn) ([]string, []int64) {
	ctx := context.Background()
	rooms, senders := make([]string, floorRooms), make([]int64, floorRooms)
	for r := range floorRooms {
		rooms[r] = store.NewID()
		if _, err := conn.Exec(ctx, `INSERT INTO rooms (id, tenant, kind, name, created_at, updated_at)
			VALUES ($1, '', 'GroupChat', 'g', 1, 1)`, rooms[r]); err != nil {
			b.Fatal(err)
		}
		for m := range 10 {
			var id int64
			if err := conn.QueryRow(ctx, "INSERT INTO users (tenant, username, email, first_name, last_name) VALUES ('', $1, '', '', '') RETURNING id",
				fmt.Sprintf("u%d_%d", r, m)).Scan(&id); err != nil {
				b.Fatal(err)
			}
			if _, err := conn.Exec(ctx, "INSERT INTO room_members (room_id, user_id) VALUES ($1, $2)", rooms[r], id); err != nil {
				b.Fatal(err)
			}
			if m == 0 {
				senders[r] = id
			}
		}
	}
	return rooms, senders
}

// floorCounts counts the messages and the notifications stored.
func floorCounts(b *testing.B, conn *pgx.Conn) (msgs, notes int) {
	err := conn.QueryRow(context.Background(), "SELECT (SELECT COUNT(*) FROM messages), (SELECT COUNT(*) FROM notifications)").Scan(&msgs, &notes)
	if err != nil {
		b.Fatal(err)
	}
	return msgs, notes
}

// nodeCPU is this process's CPU time so far.
func nodeCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// backendCPU is the CPU time so far of PostgreSQL backend pid
// (utime + stime, fields 14 and 15 of /proc/pid/stat, in clock ticks of
// 10 ms).
func backendCPU(b *testing.B, pid int) time.Duration {
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		b.Skipf("the PostgreSQL backend's CPU: %v (the server must run on this machine)", err)
	}
	// The command name, field 2, is in parentheses and may hold spaces.
	fields := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:]))
	var ticks int64
	for _, f := range fields[11:13] {
		n, err := strconv.ParseInt(f, 10, 64)
		if err != nil {
			b.Fatal(err)
		}
		ticks += n
	}
	return time.Duration(ticks) * 10 * time.Millisecond
}
