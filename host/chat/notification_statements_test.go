package chat_test

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/chatwasm/chatwasm/abi/payload"
	"github.com/chatwasm/chatwasm/host/chat"
	"github.com/chatwasm/chatwasm/host/chat/fixture"
	"github.com/chatwasm/chatwasm/host/store"
	"github.com/chatwasm/chatwasm/host/store/storetest"
)

// TestConnectNotificationsStatementCount: reading and serializing a
// connect's pending notifications takes the same statements for 12 as for
// 1212, past the 1000 ids a statement used to bind (replies, forwards,
// attachments, reactions, receipts, deliveries and users are each loaded
// once for all of them), and every notification is in the frame.
func TestConnectNotificationsStatementCount(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		drv := &countingDriver{Driver: st.Driver()}
		counted := store.New(drv)
		fx := fixture.New(t, counted)
		ann, bob, cat := fx.User("ann"), fx.User("bob"), fx.User("cat")
		members := []store.User{ann, bob, cat}
		rooms := []store.Room{fx.Room(store.KindGroup, members), fx.Room(store.KindGroup, members), fx.Room(store.KindChannel, members)}
		svc := chat.New(counted, chat.DefaultConfig(), nil)
		total := 0
		for _, n := range []int{12, 1200} {
			fx.Backlog(rooms, ann, cat, n)
			drv.reset()
			conn, err := svc.Connect(context.Background(), callerOf(bob))
			if err != nil {
				t.Fatal(err)
			}
			total += n
			if got := strings.Count(string(conn.Notifications), `"notification_type"`); got != total {
				t.Fatalf("%d notifications in the frame, want %d", got, total)
			}
			// The session and the rooms (2), the notifications with their
			// messages, the messages they reference that are not among
			// them, attachments, reactions, receipts, deliveries, users (7).
			if len(drv.stmts) != 9 || drv.txs != 2 {
				t.Errorf("%d notifications: %d transactions, %d statements, want 2 and 9:\n\t%s", total, drv.txs, len(drv.stmts),
					strings.Join(drv.stmts, "\n\t"))
			}
		}
	})
}

// TestConnectFrameAsMarshaled: the chat.notifications frame a connect
// writes straight from the rows (each message its notifications' messages
// reply to or forward encoded once) is byte for byte what encoding its
// notifications one by one with encoding/json writes.
func TestConnectFrameAsMarshaled(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		fx := fixture.New(t, st)
		ann, bob, cat := fx.User("ann"), fx.User("bob"), fx.User("cat")
		members := []store.User{ann, bob, cat}
		rooms := []store.Room{fx.Room(store.KindGroup, members), fx.Room(store.KindGroup, members)}
		fx.Backlog(rooms, ann, cat, 60)
		conn, err := chat.New(st, chat.DefaultConfig(), nil).Connect(context.Background(), callerOf(bob))
		if err != nil {
			t.Fatal(err)
		}
		var f struct {
			EventType string                     `json:"eventType"`
			Data      payload.NotificationGroups `json:"data"`
		}
		if err := json.Unmarshal(conn.Notifications, &f); err != nil {
			t.Fatal(err)
		}
		want, err := json.Marshal(f)
		if err != nil {
			t.Fatal(err)
		}
		if n := strings.Count(string(want), `"forwarded_from":{`); n < 10 {
			t.Fatalf("%d forwards in the frame: the backlog no longer shares messages", n)
		}
		if !bytes.Equal(conn.Notifications, want) {
			t.Errorf("frame:\n%s\nencoded by encoding/json:\n%s", conn.Notifications, want)
		}
	})
}
