package chat_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/chatwasm/chatwasm/host/chat/wire"
	"github.com/chatwasm/chatwasm/host/store"
)

// TestRenderer checks the render_* imports' renderer against what clients
// receive: the same objects, byte for byte, and nothing outside the tenant.
func TestRenderer(t *testing.T) {
	eachMsgEnv(t, func(t *testing.T, e *msgEnv) {
		ann, bob, room := e.pair()
		sent := e.ok(ann, "message.send", map[string]any{"room_id": room, "content": "hello"})
		msg := sent[0].Data
		var m struct {
			ID string `json:"id"`
		}
		if err := json.Unmarshal(msg, &m); err != nil {
			t.Fatal(err)
		}
		info := msgOne(t, e.ok(ann, "room.info", map[string]any{"room_id": room}), wire.UserGroup(ann.UserID), "roominfo.dispatch").Data
		var list []json.RawMessage
		if err := json.Unmarshal(e.ok(bob, "room.list", nil)[0].Data, &list); err != nil {
			t.Fatal(err)
		}
		raw, _ := e.notifications(bob)
		var notifs map[string][]json.RawMessage
		if err := json.Unmarshal(raw, &notifs); err != nil || len(notifs[room]) != 1 {
			t.Fatalf("notifications %s: %v", raw, err)
		}
		var n struct {
			ID string `json:"id"`
		}
		if err := json.Unmarshal(notifs[room][0], &n); err != nil {
			t.Fatal(err)
		}

		ctx := context.Background()
		r := wire.Renderer{}
		err := e.st.Read(ctx, func(tx *store.Tx) error {
			for _, c := range []struct {
				name string
				got  func() (json.RawMessage, error)
				want json.RawMessage
			}{
				{"room detail", func() (json.RawMessage, error) { return r.RenderRoom(ctx, tx, "acme", ann.UserID, room, "detail") }, info},
				{"room list", func() (json.RawMessage, error) { return r.RenderRoom(ctx, tx, "acme", bob.UserID, room, "list") }, list[0]},
				{"message", func() (json.RawMessage, error) { return r.RenderMessage(ctx, tx, "acme", m.ID) }, msg},
				{"notification", func() (json.RawMessage, error) { return r.RenderNotification(ctx, tx, "acme", n.ID) }, notifs[room][0]},
				{"user", func() (json.RawMessage, error) { return r.RenderUser(ctx, tx, "acme", bob.UserID) },
					json.RawMessage(`{"id":` + itoa(bob.UserID) + `,"username":"bob","email":"bob@example.com","first_name":"Bob","last_name":""}`)},
			} {
				got, err := c.got()
				if err != nil || string(got) != string(c.want) {
					t.Errorf("%s: %s, %v\nwant %s", c.name, got, err, c.want)
				}
			}
			for name, fn := range map[string]func() (json.RawMessage, error){
				"room of another tenant":    func() (json.RawMessage, error) { return r.RenderRoom(ctx, tx, "other", ann.UserID, room, "detail") },
				"message of another tenant": func() (json.RawMessage, error) { return r.RenderMessage(ctx, tx, "other", m.ID) },
				"user of another tenant":    func() (json.RawMessage, error) { return r.RenderUser(ctx, tx, "other", bob.UserID) },
				"notification of another":   func() (json.RawMessage, error) { return r.RenderNotification(ctx, tx, "other", n.ID) },
				"malformed room id":         func() (json.RawMessage, error) { return r.RenderRoom(ctx, tx, "acme", ann.UserID, "nope", "list") },
				"malformed message id":      func() (json.RawMessage, error) { return r.RenderMessage(ctx, tx, "acme", "nope") },
			} {
				if _, err := fn(); !errors.Is(err, store.ErrNotFound) {
					t.Errorf("%s: %v, want store.ErrNotFound", name, err)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}

func itoa(n int64) string { b, _ := json.Marshal(n); return string(b) }
