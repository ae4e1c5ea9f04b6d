package hooks_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/chatwasm/chatwasm/abi"
	"github.com/chatwasm/chatwasm/host/hooks"
	"github.com/chatwasm/chatwasm/host/store"
)

// fakeRenderer renders objects as {"rendered": kind, ...}, checking the
// tenant as the chat package's renderer must.
type fakeRenderer struct{}

func (fakeRenderer) RenderRoom(ctx context.Context, tx *store.Tx, tenant string, viewer int64, roomID, form string) (json.RawMessage, error) {
	if _, err := tx.GetRoom(ctx, tenant, roomID, false); err != nil {
		return nil, err
	}
	return json.RawMessage(fmt.Sprintf(`{"rendered":"room","id":%q,"form":%q,"viewer":%d}`, roomID, form, viewer)), nil
}

func (fakeRenderer) RenderMessage(ctx context.Context, tx *store.Tx, tenant, id string) (json.RawMessage, error) {
	if _, err := tx.GetMessage(ctx, tenant, id); err != nil {
		return nil, err
	}
	return json.RawMessage(fmt.Sprintf(`{"rendered":"message","id":%q}`, id)), nil
}

func (fakeRenderer) RenderUser(ctx context.Context, tx *store.Tx, tenant string, id int64) (json.RawMessage, error) {
	return json.RawMessage(fmt.Sprintf(`{"rendered":"user","id":%d}`, id)), nil
}

func (fakeRenderer) RenderNotification(ctx context.Context, tx *store.Tx, tenant, id string) (json.RawMessage, error) {
	return json.RawMessage(fmt.Sprintf(`{"rendered":"notification","id":%q}`, id)), nil
}

func TestDataImports(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		ctx := context.Background()
		var msg1, msg2 store.Message
		var notif store.Notification
		var third store.User
		w.write(t, func(tx *store.Tx) error {
			var err error
			if third, err = tx.CreateUser(ctx, store.User{Tenant: "t1", Username: "third"}); err != nil {
				return err
			}
			if msg1, err = tx.InsertMessage(ctx, store.Message{RoomID: w.room1.ID, SenderID: w.user1.ID, Content: "hi"}); err != nil {
				return err
			}
			if msg2, err = tx.InsertMessage(ctx, store.Message{RoomID: w.room2.ID, SenderID: w.user2.ID, Content: "yo"}); err != nil {
				return err
			}
			notif, err = tx.CreateNotification(ctx, msg1.ID, store.NotifyNewMessage, nil)
			return err
		})
		s := guestSet(t, hooks.Options{Store: w.st, Renderer: fakeRenderer{}},
			guestModule{name: "all", hooks: "_create_message, create_message", caps: `"*"`, config: "mode: import"},
			guestModule{name: "none", hooks: "join_room", config: "mode: import"},
		)
		// imp calls an import from the replace layer, in a transaction.
		imp := func(hook, name, req string) (result, errText string) {
			t.Helper()
			out, err := w.runTx(ctx, s, hook, []byte(`{"import":"`+name+`","request":`+req+`}`), nil, nil)
			if err != nil {
				t.Fatalf("%s %s: %v", name, req, err)
			}
			return importResult(t, out)
		}
		notFound := `{"code":4004,"detail":"Resource not found."}`
		q := func(s string) string { return `"` + s + `"` }
		for _, c := range []struct {
			hook, name, req string
			result, err     string // exact, or a substring of the error when result is "-"
		}{
			{"_create_message", "room_property", `{"room_id":` + q(w.room1.ID) + `}`, `{"preferences":{}}`, ""},
			{"_create_message", "room_property", `{"room_id":` + q(w.room2.ID) + `}`, `null`, notFound},
			{"_create_message", "room_members", `{"room_id":` + q(w.room1.ID) + `}`, `[{"user_id":` + itoa(w.user1.ID) + `,"is_admin":true}]`, ""},
			{"_create_message", "room_members", `{"room_id":` + q(w.room2.ID) + `}`, `null`, notFound},
			{"_create_message", "room_get", `[1]`, "-", `room_get: invalid request`},
			{"_create_message", "message_get", `{"message_id":` + q(msg1.ID) + `}`, "-", ""},
			{"_create_message", "message_get", `{"message_id":` + q(msg2.ID) + `}`, `null`, notFound},
			{"_create_message", "user_get", `{"user_id":` + itoa(w.user1.ID) + `}`,
				`{"id":` + itoa(w.user1.ID) + `,"username":"u1","email":"","first_name":"","last_name":""}`, ""},
			{"_create_message", "user_get", `{"user_id":` + itoa(w.user2.ID) + `}`, `null`, notFound},
			{"_create_message", "render_room", `{"room_id":` + q(w.room1.ID) + `,"form":"list"}`,
				`{"rendered":"room","id":` + q(w.room1.ID) + `,"form":"list","viewer":` + itoa(w.user1.ID) + `}`, ""},
			{"_create_message", "render_room", `{"room_id":` + q(w.room1.ID) + `}`,
				`{"rendered":"room","id":` + q(w.room1.ID) + `,"form":"detail","viewer":` + itoa(w.user1.ID) + `}`, ""},
			{"_create_message", "render_room", `{"room_id":` + q(w.room2.ID) + `}`, `null`, notFound},
			{"_create_message", "render_room", `{"room_id":` + q(w.room1.ID) + `,"form":"big"}`, "-", `form must be`},
			{"_create_message", "render_message", `{"message_id":` + q(msg1.ID) + `}`, `{"rendered":"message","id":` + q(msg1.ID) + `}`, ""},
			{"_create_message", "render_message", `{"message_id":` + q(msg2.ID) + `}`, `null`, notFound},
			{"_create_message", "render_user", `{"user_id":5}`, `{"rendered":"user","id":5}`, ""},
			{"_create_message", "render_notification", `{"notification_id":` + q(notif.ID) + `}`,
				`{"rendered":"notification","id":` + q(notif.ID) + `}`, ""},
			{"_create_message", "kv_set", `{"key":"a/1","value":1}`, `null`, ""},
			{"_create_message", "kv_set", `{"key":"a/2","value":[2]}`, `null`, ""},
			{"_create_message", "kv_set", `{"key":"b","value":"x"}`, `null`, ""},
			{"_create_message", "kv_set", `{"key":"","value":"x"}`, "-", `the key must have 1 to 256 bytes`},
			{"_create_message", "kv_set", `{"key":"k"}`, "-", `kv_set: missing value`},
			{"_create_message", "kv_list", `{"key":"a/"}`, `[{"key":"a/1","value":1},{"key":"a/2","value":[2]}]`, ""},
			{"_create_message", "kv_list", `{"key":"","limit":1}`, `[{"key":"a/1","value":1}]`, ""},
			{"_create_message", "kv_delete", `{"key":"a/1"}`, `{"deleted":true}`, ""},
			{"_create_message", "kv_delete", `{"key":"a/1"}`, `{"deleted":false}`, ""},
			{"_create_message", "kv_get", `{"key":"a/1"}`, `{"value":null}`, ""},
			{"_create_message", "kv_get", `{"key":"a/2"}`, `{"value":[2]}`, ""},
			{"_create_message", "members_add", `{"room_id":` + q(w.room1.ID) + `,"user_ids":[` + itoa(w.other1.ID) + `],"admin":true}`, `{"count":2}`, ""},
			{"_create_message", "room_members", `{"room_id":` + q(w.room1.ID) + `}`,
				`[{"user_id":` + itoa(w.user1.ID) + `,"is_admin":true},{"user_id":` + itoa(w.other1.ID) + `,"is_admin":true}]`, ""},
			// room1 holds at most 2 members; adding a member again is a no-op.
			{"_create_message", "members_add", `{"room_id":` + q(w.room1.ID) + `,"user_ids":[` + itoa(w.other1.ID) + `]}`, `{"count":2}`, ""},
			{"_create_message", "members_add", `{"room_id":` + q(w.room1.ID) + `,"user_ids":[` + itoa(third.ID) + `]}`, `null`,
				`{"code":4005,"detail":"Database constraint violated."}`},
			{"_create_message", "room_members", `{"room_id":` + q(w.room1.ID) + `}`,
				`[{"user_id":` + itoa(w.user1.ID) + `,"is_admin":true},{"user_id":` + itoa(w.other1.ID) + `,"is_admin":true}]`, ""},
			{"_create_message", "members_remove", `{"room_id":` + q(w.room1.ID) + `,"user_ids":[` + itoa(w.other1.ID) + `]}`, `{"count":1}`, ""},
			{"_create_message", "members_remove", `{"room_id":` + q(w.room2.ID) + `,"user_ids":[` + itoa(w.user2.ID) + `]}`, `null`, notFound},
			{"create_message", "members_remove", `{"room_id":` + q(w.room1.ID) + `,"user_ids":[]}`, "-", `only available in replace hooks and actions`},
			{"_create_message", "emit", `{"to":"user","user_id":` + itoa(w.other1.ID) + `,"event_type":"hello"}`, `null`, ""},
			{"_create_message", "emit", `{"to":"user","user_id":` + itoa(w.user2.ID) + `,"event_type":"hello"}`, `null`, notFound},
			{"_create_message", "emit", `{"to":"everyone","event_type":"hello"}`, "-", `emit: \"to\" must be`},
			{"_create_message", "log", `{"level":"loud","message":"x"}`, "-", `log: unknown level \"loud\"`},
			{"join_room", "room_get", `{"room_id":` + q(w.room1.ID) + `}`, `null`,
				`wasm: capability not granted: room_get needs "rooms.read"`},
			{"join_room", "kv_set", `{"key":"k","value":1}`, `null`, `wasm: capability not granted: kv_set needs "kv"`},
		} {
			res, e := imp(c.hook, c.name, c.req)
			switch {
			case c.result == "-" && c.err != "" && !strings.Contains(e, c.err):
				t.Errorf("%s %s: error %q, want it to contain %q", c.name, c.req, e, c.err)
			case c.result != "-" && (res != c.result || e != c.err):
				t.Errorf("%s %s:\n got %s, %q\nwant %s, %q", c.name, c.req, res, e, c.result, c.err)
			}
		}
		var got abi.Message
		res, _ := imp("_create_message", "message_get", `{"message_id":`+q(msg1.ID)+`}`)
		if err := json.Unmarshal([]byte(res), &got); err != nil || got.ID != msg1.ID || got.RoomID != w.room1.ID ||
			got.Content != "hi" || got.SenderID != w.user1.ID || got.IsDeleted || got.ParentMessageID != nil ||
			!strings.HasSuffix(got.CreatedAt, "Z") {
			t.Errorf("message_get: %s", res)
		}
		if len(w.emitted) != 1 || w.emitted[0].To != "user" || w.emitted[0].UserID != w.other1.ID ||
			string(w.emitted[0].Data) != "null" {
			t.Errorf("emitted %+v", w.emitted)
		}
	})
}
