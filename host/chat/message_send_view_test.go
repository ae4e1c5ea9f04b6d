package chat

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"

	"github.com/chatwasm/chatwasm/host/chat/wire"
	"github.com/chatwasm/chatwasm/host/store"
)

// TestNewMessageViewMatchesSerializer pins that message.send serializes the
// message it stored, without reading it back, to exactly the bytes the
// general serializer reads from the database for it, on both of
// message.send's paths (the checked one, and the create_message core as
// modules run it), for every shape of message: plain, sanitised, with
// attachments, replying to and forwarding messages that have reactions,
// receipts and deliveries, in every room kind.
func TestNewMessageViewMatchesSerializer(t *testing.T) {
	eachPermRoomFixture(t, func(t *testing.T, f permRoomFixture) {
		ctx := context.Background()
		// The parent gets every relation a serialized message can have.
		for _, c := range []struct {
			who   Caller
			event string
			data  map[string]any
		}{
			{f.admin, "message.react", map[string]any{"message_id": f.message, "type": "add", "reaction_content": "👍"}},
			{f.member, "message.read", map[string]any{"message_id": f.message}},
			{f.perm, "message.acknowledged", map[string]any{"message_id": f.message}},
		} {
			if _, err := f.svc.Handle(ctx, c.who, c.event, permRoomRaw(t, c.data)); err != nil {
				t.Fatalf("%s: %v", c.event, err)
			}
		}
		media := []any{
			map[string]any{"media_url": "https://x/a.png", "media_type": "image", "file_size": 12, "caption": "a <b>c</b>",
				"metadata": json.RawMessage(`{ "w" : 1, "tags": ["<x>", "é"] }`)},
			map[string]any{"media_url": "https://x/b.pdf", "media_type": "file", "mime_type": "application/pdf"},
		}
		var reply string
		for _, c := range []struct {
			name string
			who  Caller
			data map[string]any
		}{
			{"plain", f.creator, map[string]any{"room_id": f.channel, "content": "hello"}},
			{"sanitised", f.member, map[string]any{"room_id": f.open,
				"content": "  <b>hi</b> <script>x()</script> & é 😀 \u2028 \"q\"  "}},
			{"media only", f.creator, map[string]any{"room_id": f.locked, "extra_fields": map[string]any{"media": media}}},
			{"media and text", f.admin, map[string]any{"room_id": f.channel, "content": "see", "extra_fields": map[string]any{"media": media[1:]}}},
			{"reply", f.creator, map[string]any{"room_id": f.channel, "content": "re",
				"extra_fields": map[string]any{"parent_message_id": f.message}}},
			{"forward of a reply", f.member, map[string]any{"room_id": f.dm, "content": "fw",
				"extra_fields": map[string]any{"forwarded_from_id": &reply}}},
			{"one-to-one", f.member, map[string]any{"room_id": f.dm, "content": "dm"}},
		} {
			t.Run(c.name, func(t *testing.T) {
				eff, err := f.svc.Handle(ctx, c.who, "message.send", permRoomRaw(t, c.data))
				if err != nil {
					t.Fatal(err)
				}
				var frame struct {
					Data json.RawMessage `json:"data"`
				}
				if len(eff) != 1 || json.Unmarshal(eff[0].Frame, &frame) != nil {
					t.Fatalf("effects %+v", eff)
				}
				var id struct {
					ID string `json:"id"`
				}
				if err := json.Unmarshal(frame.Data, &id); err != nil {
					t.Fatal(err)
				}
				if c.name == "reply" {
					reply = id.ID
					// The parent's relations are all there to compare.
					for _, part := range []string{`"reaction_content":"👍"`, `"read_receipts":[{"reader":{"id":`, `"delivered_to":["perm"]`} {
						if !bytes.Contains(frame.Data, []byte(part)) {
							t.Fatalf("reply %s lacks %s", frame.Data, part)
						}
					}
				}
				if want := storedView(t, f.st, id.ID); !bytes.Equal(frame.Data, want) {
					t.Fatalf("message.send dispatched\n%s\nthe serializer reads back\n%s", frame.Data, want)
				}

				// The core modules run: it loads the room and the sender itself.
				in, err := parseCreateMessage(c.data["room_id"].(string), permRoomDecode(t, c.data))
				if err != nil {
					t.Fatal(err)
				}
				var got []byte
				if err := f.st.Write(ctx, func(tx *store.Tx) error {
					v, err := f.svc.createMessage(ctx, opCall{Tx: tx, Caller: c.who}, in)
					if err == nil {
						got, err = json.Marshal(v)
					}
					return err
				}); err != nil {
					t.Fatal(err)
				}
				if err := json.Unmarshal(got, &id); err != nil {
					t.Fatal(err)
				}
				if want := storedView(t, f.st, id.ID); !bytes.Equal(got, want) {
					t.Fatalf("create_message returned\n%s\nthe serializer reads back\n%s", got, want)
				}
			})
		}
	})
}

// storedView is the JSON of message id as serializeMessages reads it.
func storedView(t *testing.T, st *store.Store, id string) []byte {
	t.Helper()
	var b []byte
	err := st.Read(context.Background(), func(tx *store.Tx) error {
		vs, err := wire.SerializeMessages(context.Background(), tx, []string{id})
		if err == nil {
			b, err = json.Marshal(vs[0])
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// permRoomDecode is data as the actions receive it.
func permRoomDecode(t *testing.T, data map[string]any) map[string]json.RawMessage {
	t.Helper()
	var d map[string]json.RawMessage
	if err := json.Unmarshal(permRoomRaw(t, data), &d); err != nil {
		t.Fatal(err)
	}
	return d
}
