package chat_test

import (
	"context"
	"slices"
	"sync"
	"testing"

	"github.com/chatwasm/chatwasm/host/chat"
	"github.com/chatwasm/chatwasm/host/chat/wire"
	"github.com/chatwasm/chatwasm/host/store"
	"github.com/chatwasm/chatwasm/host/store/storetest"
)

func TestMessageAcknowledged(t *testing.T) {
	eachMsgEnv(t, func(t *testing.T, e *msgEnv) {
		ann, bob, cat := e.user("ann"), e.user("bob"), e.user("cat")
		room := e.group(ann, bob, cat)
		a1 := e.send(ann, room, "a1")["id"].(string)
		c1 := e.send(cat, room, "c1")["id"].(string)
		a2 := e.send(ann, room, "a2")["id"].(string)

		// One frame per sender, to all of that sender's connections, with
		// an array of their messages; bob himself gets nothing.
		fs := e.ok(bob, "message.acknowledged", map[string]any{"message_id": []string{a1, c1, a2, a1}})
		if len(fs) != 2 {
			t.Fatalf("%d frames, want 2", len(fs))
		}
		for _, f := range fs {
			if f.EventType != "messagedelivered.dispatch" {
				t.Fatalf("frame %+v", f)
			}
			var want []string
			switch f.Group {
			case wire.UserGroup(ann.UserID):
				want = []string{a1, a2}
			case wire.UserGroup(cat.UserID):
				want = []string{c1}
			default:
				t.Fatalf("frame to %s", f.Group)
			}
			msgs := msgArray(t, f.Data)
			var got []string
			for _, m := range msgs {
				wantMessage(t, m)
				got = append(got, m["id"].(string))
				if !jsonEqual(t, m["delivered_to"], []string{"bob"}) {
					t.Fatalf("delivered_to = %v", m["delivered_to"])
				}
			}
			if !slices.Equal(got, want) {
				t.Fatalf("%s got %v, want %v", f.Group, got, want)
			}
		}
		// bob's notifications of those messages are gone, cat's are not.
		if raw, _ := e.notifications(bob); string(raw) != "{}" {
			t.Fatalf("bob still has %s", raw)
		}
		if _, notes := e.notifications(cat); len(notes[room]) != 2 {
			t.Fatalf("cat has %v", notes)
		}
		// Acknowledging again is harmless and delivered_to stays a set;
		// acknowledging one's own message reports to oneself.
		f := msgOne(t, e.ok(ann, "message.acknowledged", map[string]any{"message_id": a1}), wire.UserGroup(ann.UserID), "messagedelivered.dispatch")
		if m := msgArray(t, f.Data)[0]; !jsonEqual(t, m["delivered_to"], []string{"ann", "bob"}) {
			t.Fatalf("delivered_to = %v", m["delivered_to"])
		}
		if fs := e.ok(bob, "message.acknowledged", map[string]any{"message_id": []string{}}); len(fs) != 0 {
			t.Fatalf("empty list gave %v", fs)
		}

		eve := e.user("eve")
		e.fail(eve, "message.acknowledged", map[string]any{"message_id": a1}, 4002, "User is not authorized to access this message")
		e.fail(bob, "message.acknowledged", map[string]any{"message_id": []string{a1, store.NewID()}}, 4004, "Resource not found.")
		e.fail(bob, "message.acknowledged", map[string]any{"message_id": map[string]any{}}, 4003, []string{"Invalid message_id type"})
		e.fail(bob, "message.acknowledged", nil, 4003, []string{"Invalid message_id type"})
		e.fail(bob, "message.acknowledged", map[string]any{"message_id": "zzz"}, 4003, []string{"“zzz” is not a valid UUID."})
	})
}

func TestMessageAcknowledgedWithoutNotifications(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		cfg := chat.DefaultConfig()
		cfg.Notifications = false
		e := newMsgEnv(t, st, cfg)
		ann, bob, room := e.pair()
		m := e.send(ann, room, "x")["id"].(string)
		f := msgOne(t, e.ok(bob, "message.acknowledged", map[string]any{"message_id": m}), wire.UserGroup(ann.UserID), "messagedelivered.dispatch")
		if got := msgArray(t, f.Data)[0]["delivered_to"]; !jsonEqual(t, got, []string{"bob"}) {
			t.Fatalf("delivered_to = %v", got)
		}
	})
}

func TestMessageRead(t *testing.T) {
	eachMsgEnv(t, func(t *testing.T, e *msgEnv) {
		ann, bob := e.user("ann"), e.user("bob")
		r1, r2 := e.group(ann, bob), e.group(ann, bob)
		m1 := e.send(ann, r1, "1")["id"].(string)
		m2 := e.send(ann, r2, "2")["id"].(string)
		m3 := e.send(ann, r2, "3")["id"].(string)
		own := e.send(bob, r1, "mine")["id"].(string)

		// A single id: one Message object to the room.
		f := msgOne(t, e.ok(bob, "message.read", map[string]any{"message_id": m1}), wire.RoomGroup(r1), "readreceipt.dispatch")
		m := jsonObject(t, f.Data)
		wantMessage(t, m)
		rr := m["read_receipts"].([]any)
		if m["id"] != m1 || len(rr) != 1 || rr[0].(map[string]any)["reader"].(map[string]any)["username"] != "bob" {
			t.Fatalf("read = %v", m)
		}
		e.fail(bob, "message.read", map[string]any{"message_id": m1}, 4005, "Database constraint violated.")
		if fs := e.ok(bob, "message.read", map[string]any{"message_id": own}); len(fs) != 0 {
			t.Fatalf("reading one's own message sent %v", fs)
		}

		// A list with an already read message fails whole.
		e.fail(bob, "message.read", map[string]any{"message_id": []string{m2, m1}}, 4005, "Database constraint violated.")
		if n := e.count("SELECT COUNT(*) FROM read_receipts WHERE message_id = $1", m2); n != 0 {
			t.Fatalf("failed list read left %d receipts", n)
		}
		// A list: one array per room, own messages skipped.
		cat := e.user("cat")
		if err := e.st.Write(context.Background(), func(tx *store.Tx) error {
			for _, r := range []string{r1, r2} {
				if err := tx.AddMembers(context.Background(), r, []int64{cat.UserID}, false); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		fs := e.ok(cat, "message.read", map[string]any{"message_id": []string{m1, m2, m3}})
		if len(fs) != 2 || fs[0].Group != wire.RoomGroup(r1) || fs[1].Group != wire.RoomGroup(r2) {
			t.Fatalf("frames %+v", fs)
		}
		if a := msgArray(t, fs[0].Data); len(a) != 1 || a[0]["id"] != m1 {
			t.Fatalf("room 1 data %s", fs[0].Data)
		}
		if a := msgArray(t, fs[1].Data); len(a) != 2 || a[0]["id"] != m2 || a[1]["id"] != m3 {
			t.Fatalf("room 2 data %s", fs[1].Data)
		}
		if fs := e.ok(bob, "message.read", map[string]any{"message_id": []string{own}}); len(fs) != 0 {
			t.Fatalf("list of own messages sent %v", fs)
		}
		// Reading touches neither notifications nor delivered_to.
		if raw, _ := e.notifications(cat); string(raw) != "{}" {
			t.Fatalf("cat joined after the sends but has notifications %s", raw)
		}
		if _, notes := e.notifications(bob); len(notes[r1]) != 1 || len(notes[r2]) != 2 {
			t.Fatalf("bob's notifications after reading: %v", notes)
		}
		if n := e.count("SELECT COUNT(*) FROM message_deliveries"); n != 0 {
			t.Fatalf("reading delivered %d", n)
		}
	})
}

// TestReadAndReactUniqueUnderConcurrency: concurrent identical reads and
// reactions through the service give exactly one success each, the others a
// 4005, and one row.
func TestReadAndReactUniqueUnderConcurrency(t *testing.T) {
	eachMsgEnv(t, func(t *testing.T, e *msgEnv) {
		ann, bob, room := e.pair()
		m := e.send(ann, room, "x")["id"].(string)
		for _, c := range []struct {
			event string
			data  map[string]any
			table string
		}{
			{"message.read", map[string]any{"message_id": m}, "read_receipts"},
			{"message.react", map[string]any{"message_id": m, "type": "add", "reaction_content": "🔥"}, "reactions"},
		} {
			const n = 12
			errs := make([]error, n)
			var wg sync.WaitGroup
			for i := range n {
				wg.Go(func() { _, errs[i] = e.handle(bob, c.event, c.data) })
			}
			wg.Wait()
			ok := 0
			for _, err := range errs {
				if err == nil {
					ok++
				} else if ce, isCE := err.(*wire.Error); !isCE || ce.Code != wire.CodeIntegrity {
					t.Fatalf("%s: %v, want 4005", c.event, err)
				}
			}
			if ok != 1 {
				t.Fatalf("%s: %d successes, want 1", c.event, ok)
			}
			if rows := e.count("SELECT COUNT(*) FROM "+c.table+" WHERE message_id = $1", m); rows != 1 {
				t.Fatalf("%s: %d rows", c.table, rows)
			}
		}
	})
}
