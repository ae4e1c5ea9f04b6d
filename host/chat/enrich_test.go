package chat_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/chatwasm/chatwasm/abi"
	"github.com/chatwasm/chatwasm/host/chat"
	"github.com/chatwasm/chatwasm/host/chat/fixture"
	"github.com/chatwasm/chatwasm/host/chat/wire"
	"github.com/chatwasm/chatwasm/host/store"
)

// TestEnrichedPayloads: with the notify module (testdata/notify) loaded,
// create_message gets the room's kind, member count and the sender's role,
// the permission hooks the ids the host resolved, and handle_exception the
// error's kind, the event and its data, the room and the module that
// raised it.
func TestEnrichedPayloads(t *testing.T) {
	notifyCase(t, "create_message", func(t *testing.T, e *notifyEnv) {
		dave := e.user("dave")
		channel := e.fx.Room(store.KindChannel, []store.User{userOf(e.alice), userOf(e.bob), userOf(dave)},
			fixture.Admins(e.bob.UserID)).ID
		e.module(nil)
		for _, c := range []struct {
			who         chat.Caller
			room        string
			kind, role  string
			memberCount int
		}{
			{e.alice, e.room, "GroupChat", abi.RoleCreator, 3},
			{e.bob, e.room, "GroupChat", abi.RoleMember, 3},
			{e.alice, channel, "Channel", abi.RoleCreator, 3},
			{e.bob, channel, "Channel", abi.RoleModerator, 3},
		} {
			e.send(c.who, c.room, "hi")
			want := fmt.Sprintf(`{"room_id":%q,"content":"hi","parent_message_id":null,"forwarded_from_id":null,"media":[],`+
				`"room_kind":%q,"member_count":%d,"sender_role":%q}`, c.room, c.kind, c.memberCount, c.role)
			if got := e.seen(abi.OpCreateMessage); got != want {
				t.Errorf("%s in a %s: create_message args\n got %s\nwant %s", c.who.Username, c.kind, got, want)
			}
		}
	})
	notifyCase(t, "permission hooks", func(t *testing.T, e *notifyEnv) {
		id := e.send(e.alice, e.room, "hello")["id"].(string)
		outsider := e.user("oscar")
		e.module(nil)
		e.ok(e.bob, "message.acknowledged", map[string]any{"message_id": []any{id, id}})
		want := fmt.Sprintf(`{"message_id":[%q,%q],"resolved":{"room_id":%q,"room_kind":"GroupChat","role":"member","message_ids":[%q]}}`,
			id, id, e.room, id)
		if got := e.seen(abi.PermMessage); got != want {
			t.Errorf("have_message_permission args\n got %s\nwant %s", got, want)
		}
		e.send(e.carol, e.room, "hi")
		want = fmt.Sprintf(`{"room_id":%q,"data":{"content":"hi","room_id":%q},"resolved":{"room_id":%q,"room_kind":"GroupChat","role":"member"}}`,
			e.room, e.room, e.room)
		if got := e.seen(abi.PermSendMessage); got != want {
			t.Errorf("have_send_message_permission args\n got %s\nwant %s", got, want)
		}
		e.fail(outsider, "room.info", map[string]any{"room_id": e.room}, 4002, nil)
		want = fmt.Sprintf(`{"room_id":%q,"resolved":{"room_id":%q,"room_kind":"GroupChat","role":"none"}}`, e.room, e.room)
		if got := e.seen(abi.PermRoom); got != want {
			t.Errorf("have_room_permission args\n got %s\nwant %s", got, want)
		}
		// Nothing to resolve: a room of nowhere, a malformed id.
		for _, room := range []string{"00000000-0000-0000-0000-000000000001", "nope"} {
			_, _ = e.handle(e.alice, "room.info", map[string]any{"room_id": room})
			if got, want := e.seen(abi.PermRoom), fmt.Sprintf(`{"room_id":%q}`, room); got != want {
				t.Errorf("have_room_permission args %s, want %s", got, want)
			}
		}
	})
	notifyCase(t, "handle_exception", func(t *testing.T, e *notifyEnv) {
		outsider := e.user("oscar")
		for _, c := range []struct {
			name   string
			config map[string]string
			event  string
			data   string
			want   string
		}{
			{"a module's own error", map[string]string{"fail": abi.OpCreateMessage}, "message.send",
				`{"room_id":"` + e.room + `","content":"hi"}`,
				`{"code":4003,"detail":["refused by notify"],"kind":"module_error","event_type":"message.send",` +
					`"data":{"room_id":"` + e.room + `","content":"hi"},"room_id":"` + e.room + `","module":"notify"}`},
			{"a denial", nil, "room.info", `{"room_id":"` + e.room + `"}`,
				`{"code":4002,"detail":"User is not authorized access this room","kind":"permission","event_type":"room.info",` +
					`"data":{"room_id":"` + e.room + `"},"room_id":"` + e.room + `"}`},
			{"a validation error after the check", nil, "message.send", `{"room_id":"` + e.room + `","content":"  "}`,
				`{"code":4003,"detail":{"content":["This field may not be blank."]},"kind":"validation","event_type":"message.send",` +
					`"data":{"room_id":"` + e.room + `","content":"  "},"room_id":"` + e.room + `"}`},
		} {
			t.Run(c.name, func(t *testing.T) {
				cfg := map[string]string{"exception": "on"}
				for k, v := range c.config {
					cfg[k] = v
				}
				e.module(cfg)
				who := e.alice
				if c.event == "room.info" {
					who = outsider
				}
				_, err := e.handle(who, c.event, json.RawMessage(c.data))
				ce, ok := err.(*wire.Error)
				if !ok || ce.Code != 4077 {
					t.Fatalf("error %v, want the 4077 of the exception hook", err)
				}
				got, _ := json.Marshal(ce.Detail)
				if string(got) != c.want {
					t.Errorf("handle_exception args\n got %s\nwant %s", got, c.want)
				}
			})
		}
		if s := e.seen(abi.OpCreateMessage); !strings.Contains(s, `"sender_role":"creator"`) {
			t.Errorf("create_message args %s", s)
		}
	})
}
