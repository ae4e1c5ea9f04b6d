package chat_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/chatwasm/chatwasm/host/chat"
	"github.com/chatwasm/chatwasm/host/store"
	"github.com/chatwasm/chatwasm/host/store/storetest"
)

// TestMessageSendCreatedAtUniqueUnderConcurrency sends from many
// connections at once into one room with a clock that never moves, so every
// created_at comes from the room's latest one: they must all differ (history
// pages are ordered by it), which on PostgreSQL holds only because the send
// locks the room before reading it.
func TestMessageSendCreatedAtUniqueUnderConcurrency(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		frozen := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
		e := newMsgEnv(t, store.New(st.Driver(), store.WithClock(func() time.Time { return frozen })), chat.DefaultConfig())
		var members []chat.Caller
		for i := range 8 {
			members = append(members, e.user(fmt.Sprint("u", i)))
		}
		room := e.group(members...)
		const each = 10
		errs := roomRace(len(members), func(i int) error {
			for j := range each {
				if _, err := e.handle(members[i], "message.send", map[string]any{"room_id": room, "content": fmt.Sprint(i, "-", j)}); err != nil {
					return err
				}
			}
			return nil
		})
		for _, err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		var n, distinct, last int64
		e.exec(func(ctx context.Context, ex store.Executor) error {
			return ex.QueryRow(ctx, "SELECT COUNT(*), COUNT(DISTINCT created_at), MAX(created_at) FROM messages WHERE room_id = $1",
				room).Scan(&n, &distinct, &last)
		})
		if n != int64(len(members)*each) || distinct != n {
			t.Fatalf("%d messages with %d distinct created_at, want %d", n, distinct, len(members)*each)
		}
		// The room's last message is the one created last.
		if want := frozen.UnixMicro() + n - 1; last != want {
			t.Fatalf("latest created_at %d, want %d", last, want)
		}
		var latest int64
		e.exec(func(ctx context.Context, ex store.Executor) error {
			return ex.QueryRow(ctx, "SELECT m.created_at FROM rooms r JOIN messages m ON m.id = r.last_message_id WHERE r.id = $1",
				room).Scan(&latest)
		})
		if latest != last {
			t.Fatalf("last_message created at %d, want the latest, %d", latest, last)
		}
	})
}
