package chat

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/chatwasm/chatwasm/host/chat/fixture"
	"github.com/chatwasm/chatwasm/host/store"
	"github.com/chatwasm/chatwasm/host/store/storetest"
)

// TestConnectNotificationsFrame: the frame a connect encodes piece by
// piece is byte for byte the operation's result marshalled as a whole (what
// a module-hooked connect sends), and cut to a limit it is the same as
// that result cut (refitFrame): the newest that fit, within the limit.
func TestConnectNotificationsFrame(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		fx := fixture.New(t, st)
		ann, bob, cat := fx.User("ann"), fx.User("bob"), fx.User("cat")
		rooms := []store.Room{fx.Room(store.KindGroup, []store.User{ann, bob, cat}), fx.Room(store.KindGroup, []store.User{ann, bob, cat})}
		fx.Backlog(rooms, ann, cat, 60)
		c := Caller{UserID: bob.ID, Tenant: bob.Tenant, Username: bob.Username, ChannelName: "chan-bob"}
		ctx := context.Background()

		var whole []byte
		s := New(st, DefaultConfig(), nil)
		if err := st.Read(ctx, func(tx *store.Tx) error {
			g, err := s.groupedNotifications(ctx, opCall{Tx: tx, Caller: c}, NotificationsIn{})
			if err == nil {
				whole, err = groupedFrame(g)
			}
			return err
		}); err != nil {
			t.Fatal(err)
		}
		conn, err := s.Connect(ctx, c)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(conn.Notifications, whole) || conn.NotificationsCut {
			t.Fatalf("connect frame (cut %v):\n%s\nwant the operation's:\n%s", conn.NotificationsCut, conn.Notifications, whole)
		}
		if strings.Count(string(whole), `"notification_type"`) != 60 {
			t.Fatalf("frame without the 60 notifications: %.300s", whole)
		}

		for _, limit := range []int{len(whole) - 1, len(whole) / 3, 2000, 100} {
			cfg := DefaultConfig()
			cfg.MaxFrameBytes = limit
			conn, err := New(st, cfg, nil).Connect(ctx, c)
			if err != nil {
				t.Fatal(err)
			}
			want, cut, err := refitFrame(whole, limit)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(conn.Notifications, want) || !conn.NotificationsCut || !cut {
				t.Fatalf("limit %d: connect frame (cut %v)\n%s\nwant (cut %v)\n%s", limit, conn.NotificationsCut, conn.Notifications, cut, want)
			}
			if len(want) > limit && limit >= len(notificationsHead+notificationsTail) {
				t.Fatalf("limit %d: frame of %d bytes", limit, len(want))
			}
			if !json.Valid(want) {
				t.Fatalf("limit %d: invalid frame %s", limit, want)
			}
		}
	})
}

// TestNotificationsFrameCut: over the limit, the latest notifications that
// fit are kept in the frame's order, a room none of whose are kept is left
// out, and the cut stops at the first that does not fit.
func TestNotificationsFrameCut(t *testing.T) {
	at := func(s int) time.Time { return time.Unix(int64(s), 0) }
	ns := []encodedNotification{
		{room: "r2", at: at(1), json: []byte(`"a"`)},
		{room: "r2", at: at(4), json: []byte(`"bbbbbbbbbbbbbbbbbbbb"`)},
		{room: "r2", at: at(5), json: []byte(`"c"`)},
		{room: "r1", at: at(2), json: []byte(`"d"`)},
		{room: "r1", at: at(6), json: []byte(`"e"`)},
	}
	head := len(notificationsHead + notificationsTail)
	for _, c := range []struct {
		limit int
		want  string
		cut   bool
	}{
		{0, `{"r2":["a","bbbbbbbbbbbbbbbbbbbb","c"],"r1":["d","e"]}`, false},
		{1 << 20, `{"r2":["a","bbbbbbbbbbbbbbbbbbbb","c"],"r1":["d","e"]}`, false},
		// e alone, then c in a second room, then b does not fit: nor does
		// anything older (d would).
		{head + len(`"r1":["e"]`), `{"r1":["e"]}`, true},
		{head + len(`"r2":["c"],"r1":["e"]`) + 5, `{"r2":["c"],"r1":["e"]}`, true},
		{head + len(`"r2":["bbbbbbbbbbbbbbbbbbbb","c"],"r1":["e"]`), `{"r2":["bbbbbbbbbbbbbbbbbbbb","c"],"r1":["e"]}`, true},
		{head, `{}`, true},
	} {
		frame, cut := notificationsFrame(ns, c.limit)
		want := `{"eventType":"chat.notifications","data":` + c.want + `}`
		if string(frame) != want || cut != c.cut {
			t.Errorf("limit %d: %s (cut %v), want %s (cut %v)", c.limit, frame, cut, want, c.cut)
		}
		if c.limit > 0 && len(frame) > c.limit {
			t.Errorf("limit %d: %d bytes", c.limit, len(frame))
		}
	}
	if frame, cut := notificationsFrame(nil, 0); string(frame) != `{"eventType":"chat.notifications","data":{}}` || cut {
		t.Errorf("no notifications: %s, cut %v", frame, cut)
	}
}
