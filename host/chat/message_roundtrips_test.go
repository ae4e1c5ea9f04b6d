package chat_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/chatwasm/chatwasm/host/chat"
	"github.com/chatwasm/chatwasm/host/chat/wire"
	"github.com/chatwasm/chatwasm/host/store"
	"github.com/chatwasm/chatwasm/host/store/storetest"
)

// countingDriver is a store.Driver that records the transactions and the
// statements run through it: on PostgreSQL each statement is one round trip
// and each transaction two more (BEGIN, COMMIT), which is most of what an
// action costs there.
type countingDriver struct {
	store.Driver
	mu    sync.Mutex
	txs   int
	stmts []string
}

func (d *countingDriver) record(q string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.stmts = append(d.stmts, strings.Join(strings.Fields(q), " "))
}

// reset forgets what was recorded so far.
func (d *countingDriver) reset() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.txs, d.stmts = 0, nil
}

func (d *countingDriver) InTx(ctx context.Context, write bool, fn func(store.Executor) error) error {
	d.mu.Lock()
	d.txs++
	d.mu.Unlock()
	return d.Driver.InTx(ctx, write, func(ex store.Executor) error { return fn(countingExecutor{ex, d}) })
}

func (d *countingDriver) Exec(ctx context.Context, q string, args ...any) (int64, error) {
	d.record(q)
	return d.Driver.Exec(ctx, q, args...)
}

func (d *countingDriver) Query(ctx context.Context, q string, args ...any) (store.Rows, error) {
	d.record(q)
	return d.Driver.Query(ctx, q, args...)
}

func (d *countingDriver) QueryRow(ctx context.Context, q string, args ...any) store.Row {
	d.record(q)
	return d.Driver.QueryRow(ctx, q, args...)
}

type countingExecutor struct {
	ex store.Executor
	d  *countingDriver
}

func (e countingExecutor) Exec(ctx context.Context, q string, args ...any) (int64, error) {
	e.d.record(q)
	return e.ex.Exec(ctx, q, args...)
}

func (e countingExecutor) Query(ctx context.Context, q string, args ...any) (store.Rows, error) {
	e.d.record(q)
	return e.ex.Query(ctx, q, args...)
}

func (e countingExecutor) QueryRow(ctx context.Context, q string, args ...any) store.Row {
	e.d.record(q)
	return e.ex.QueryRow(ctx, q, args...)
}

// TestMessageSendStatementCount pins how many transactions and statements
// the hot actions issue, so that a change that adds round trips shows here
// rather than only in the benchmarks. message.send to a room of 10 is one
// transaction of 5 statements (permission check with the room and the
// sender; last_message, which locks the room; the message; the
// notification; its recipients): 7 round trips on PostgreSQL before the
// broker's NOTIFY. message.typing is one statement and no transaction.
func TestMessageSendStatementCount(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		drv := &countingDriver{Driver: st.Driver()}
		e := newMsgEnv(t, store.New(drv), chat.DefaultConfig())
		members := []chat.Caller{e.user("ann")}
		for i := range 9 {
			members = append(members, e.user(fmt.Sprint("u", i)))
		}
		room := e.group(members...)
		alone := e.group(members[0])
		channel := e.room(msgRoom{kind: store.KindChannel, members: members})
		parent := e.send(members[1], room, "parent")["id"].(string)
		media := []any{map[string]any{"media_url": "https://x/a.png", "media_type": "image"},
			map[string]any{"media_url": "https://x/b.png", "media_type": "image"}}

		for _, c := range []struct {
			name       string
			who        chat.Caller
			event      string
			data       map[string]any
			code       int // 0: succeeds
			txs, stmts int
		}{
			// The notification is one row whatever the room's size.
			{"send", members[0], "message.send", map[string]any{"room_id": room, "content": "hi"}, 0, 1, 4},
			{"send alone", members[0], "message.send", map[string]any{"room_id": alone, "content": "hi"}, 0, 1, 4},
			// One statement per attachment.
			{"send media", members[0], "message.send", map[string]any{"room_id": room,
				"extra_fields": map[string]any{"media": media}}, 0, 1, 6},
			// The reply target is checked (1) and serialized with its
			// relations (6).
			{"reply", members[0], "message.send", map[string]any{"room_id": room, "content": "re",
				"extra_fields": map[string]any{"parent_message_id": parent}}, 0, 1, 11},
			{"denied", members[1], "message.send", map[string]any{"room_id": channel, "content": "hi"}, wire.CodePermission, 1, 1},
			{"unknown room and invalid", members[0], "message.send", map[string]any{"room_id": store.NewID(),
				"extra_fields": map[string]any{"media": "x"}}, wire.CodeNotFound, 1, 1},
			{"denied and invalid", members[1], "message.send", map[string]any{"room_id": channel, "content": " "}, wire.CodePermission, 1, 1},
			{"typing", members[0], "message.typing", map[string]any{"room_id": room}, 0, 0, 1},
			{"typing denied", members[1], "message.typing", map[string]any{"room_id": channel}, wire.CodePermission, 0, 1},
		} {
			drv.reset()
			_, err := e.handle(c.who, c.event, c.data)
			if code := codeOf(err); code != c.code {
				t.Fatalf("%s: error %v, want code %d", c.name, err, c.code)
			}
			if drv.txs != c.txs || len(drv.stmts) != c.stmts {
				t.Errorf("%s: %d transactions, %d statements, want %d and %d:\n\t%s", c.name, drv.txs, len(drv.stmts),
					c.txs, c.stmts, strings.Join(drv.stmts, "\n\t"))
			}
		}
	})
}

// codeOf is the wire code of err, 0 for none.
func codeOf(err error) int {
	if err == nil {
		return 0
	}
	return wire.AsError(err).Code
}
