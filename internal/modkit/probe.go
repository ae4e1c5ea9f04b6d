package modkit

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/chatwasm/chatwasm/abi"
	"github.com/chatwasm/chatwasm/host/hooks"
	"github.com/chatwasm/chatwasm/host/store"
	"github.com/chatwasm/chatwasm/host/store/storetest"
)

// Probe checks an SDK through its probe module wasm (the file built from
// guest-sdk/LANG/testdata/probe): a module whose _create_message runs the
// operation named by args.op with the SDK and reports what the SDK made of
// it. The ops, the same in every language:
//
//   - echo: parse args.value and return it written out again;
//   - invalid: for each string of args.docs, whether the SDK's parser refuses it;
//   - fail: fail with code 4005 and args.detail;
//   - next: call next with {"changed":true} and return its output or error;
//   - panic: trap the way the language does;
//   - imports: call every host import with the ids of args (room_id,
//     user_id, other_id, message_id) and return the results by name;
//   - payloads: read the enriched payloads of PayloadsArgs with the SDK's
//     typed accessors and return their fields (PayloadsWant).
//
// It runs on every store driver (storetest.Each), in the replace layer.
func Probe(t *testing.T, wasm string) {
	t.Helper()
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		var bob store.User
		var msg store.Message
		tm := writeTeam(t, st, func(ctx context.Context, tx *store.Tx, tm team) (err error) {
			if bob, err = tx.CreateUser(ctx, store.User{Tenant: "t1", Username: "bob"}); err != nil {
				return err
			}
			msg, err = tx.InsertMessage(ctx, store.Message{RoomID: tm.room.ID, SenderID: tm.alice.ID, Content: "hi there"})
			return err
		})
		alice, team := tm.alice, tm.room
		logs := &LogBuffer{}
		s := Load(t, `
modules:
  - name: probe
    path: `+wasm+`
    capabilities: ["*"]
    config: {greeting: "Hi"}
    memory: 4MiB
`, hooks.Options{Store: st, Renderer: renderer{}, Logger: slog.New(slog.NewTextHandler(logs, nil))})

		var emitted []abi.Event
		// probe runs op in the replace layer, inside a transaction.
		probe := func(t *testing.T, args string, def hooks.Next) Result {
			t.Helper()
			var r Result
			err := st.Write(ctx, func(tx *store.Tx) error {
				r = Run(t, s, "_create_message", tm.call("t1", tx, &emitted), []byte(args), def)
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			return r
		}

		t.Run("JSON round trip", func(t *testing.T) {
			value := `{"s":"\u0000\u001f\"\\/\b\f\n\r\t","u":"é日本🎉\ud83c\udf89","n":[0,-0,1.5e-3,-2E+10,12345678901234567890],` +
				`"e":[{},[],""],"b":[true,false,null],"deep":{"a":{"b":{"c":[[["x"]]]}}}}`
			r := probe(t, `{"op":"echo","value":`+value+`}`, nil)
			if r.Code != 0 {
				t.Fatalf("error %d %s", r.Code, r.Detail)
			}
			if want := Normalize(t, []byte(value)); r.Output != want {
				t.Errorf("echo\n got %s\nwant %s", r.Output, want)
			}
			if !strings.Contains(r.Output, "12345678901234567890") {
				t.Errorf("a large integer lost its digits: %s", r.Output)
			}
		})

		t.Run("invalid JSON refused", func(t *testing.T) {
			docs := []string{`{"a":1,}`, `[1 2]`, `01`, `1.`, `-`, `"\x"`, `"\u12"`, `tru`, `{"a"}`, `[`, `"open`,
				"\"tab\there\"", `{} {}`, strings.Repeat("[", 200) + strings.Repeat("]", 200)}
			list, _ := json.Marshal(docs)
			r := probe(t, `{"op":"invalid","docs":`+string(list)+`}`, nil)
			if want := "[" + strings.TrimSuffix(strings.Repeat("true,", len(docs)), ",") + "]"; r.Output != want {
				t.Errorf("refused %s, want all of %s", r.Output, list)
			}
		})

		t.Run("errors", func(t *testing.T) {
			t.Run("fail", func(t *testing.T) {
				r := probe(t, `{"op":"fail","detail":{"field":["bad"]}}`, nil)
				if want := (Result{Code: abi.CodeIntegrity, Detail: `{"field":["bad"]}`}); r != want {
					t.Errorf("got %+v, want %+v", r, want)
				}
			})
			t.Run("next's error", func(t *testing.T) {
				r := probe(t, `{"op":"next"}`, func(_ context.Context, in []byte) ([]byte, error) {
					return nil, &abi.Error{Code: 4042, Detail: "from the default"}
				})
				if want := (Result{Code: 4042, Detail: `"from the default"`, DefaultArgs: `{"changed":true}`}); r != want {
					t.Errorf("got %+v, want %+v", r, want)
				}
			})
			t.Run("panic", func(t *testing.T) {
				if r := probe(t, `{"op":"panic"}`, nil); r.Code != abi.CodeInternal {
					t.Errorf("got %d %s, want the 4006 of a fault", r.Code, r.Detail)
				}
			})
		})

		t.Run("enriched payloads", func(t *testing.T) {
			r := probe(t, PayloadsArgs(t), nil)
			if r.Code != 0 {
				t.Fatalf("error %d %s", r.Code, r.Detail)
			}
			if got, want := Normalize(t, []byte(r.Output)), Normalize(t, []byte(PayloadsWant)); got != want {
				t.Errorf("payloads\n got %s\nwant %s", got, want)
			}
		})

		t.Run("imports", func(t *testing.T) {
			emitted = nil
			args := fmt.Sprintf(`{"op":"imports","room_id":%q,"user_id":%d,"other_id":%d,"message_id":%q}`,
				team.ID, alice.ID, bob.ID, msg.ID)
			r := probe(t, args, nil)
			if r.Code != 0 {
				t.Fatalf("error %d %s", r.Code, r.Detail)
			}
			var got map[string]json.RawMessage
			if err := json.Unmarshal([]byte(r.Output), &got); err != nil {
				t.Fatal(err)
			}
			want := map[string]string{
				"kv_set":              `null`,
				"kv_get":              `{"n":1}`,
				"kv_list":             `[{"key":"p:1","value":{"n":1}},{"key":"p:2","value":"two"}]`,
				"kv_delete":           `true`,
				"kv_delete_again":     `false`,
				"kv_get_deleted":      `null`,
				"user":                fmt.Sprintf(`{"id":%d,"username":"alice"}`, alice.ID),
				"message":             fmt.Sprintf(`{"content":"hi there","id":%q,"room_id":%q}`, msg.ID, team.ID),
				"room":                fmt.Sprintf(`{"id":%q,"kind":"GroupChat","max_members":10,"name":"team"}`, team.ID),
				"room_missing":        `{"code":4004,"error":"{\"code\":4004,\"detail\":\"Resource not found.\"}"}`,
				"room_property":       `{"preferences":{}}`,
				"members_add":         `2`,
				"members":             fmt.Sprintf(`[{"is_admin":true,"user_id":%d},{"is_admin":false,"user_id":%d}]`, alice.ID, bob.ID),
				"members_remove":      `1`,
				"render_room":         fmt.Sprintf(`{"form":"list","id":%q,"rendered":"room"}`, team.ID),
				"render_user":         fmt.Sprintf(`{"id":%d,"rendered":"user"}`, alice.ID),
				"render_message":      fmt.Sprintf(`{"id":%q,"rendered":"message"}`, msg.ID),
				"render_notification": `{"id":"n-1","rendered":"notification"}`,
				"emit_user":           `null`,
				"emit_room":           `null`,
				"log":                 `null`,
				"config":              `"Hi"`,
				"config_missing":      `null`,
				"var":                 `"remembered"`,
				"lower":               `"àéî istanbul οδοσ"`,
			}
			for k, w := range want {
				g, ok := got[k]
				if !ok {
					t.Errorf("%s: missing from %s", k, r.Output)
					continue
				}
				if n := Normalize(t, g); n != w {
					t.Errorf("%s:\n got %s\nwant %s", k, n, w)
				}
			}
			if len(emitted) != 2 {
				t.Fatalf("emitted %+v, want an event to alice then one to the room", emitted)
			}
			type toUser struct {
				To        string
				UserID    int64
				EventType string
				Data      string
			}
			ev := emitted[0]
			if got, want := (toUser{ev.To, ev.UserID, ev.EventType, string(ev.Data)}),
				(toUser{abi.ToUser, alice.ID, "probe.user", `{"x":1}`}); got != want {
				t.Errorf("event to the user %+v, want %+v", got, want)
			}
			type toRoom struct{ To, RoomID, Data string }
			ev = emitted[1]
			if got, want := (toRoom{ev.To, ev.RoomID, string(ev.Data)}), (toRoom{abi.ToRoom, team.ID, `"hi"`}); got != want {
				t.Errorf("event to the room %+v, want %+v", got, want)
			}
			expectLog(t, logs, "msg=\"probe log\"", "n=7", "msg=\"probe kernel log\"")
		})
	})
}

// renderer renders objects as {"rendered": kind, "id": id}.
type renderer struct{}

func (renderer) RenderRoom(_ context.Context, _ *store.Tx, _ string, _ int64, id, form string) (json.RawMessage, error) {
	return json.RawMessage(fmt.Sprintf(`{"rendered":"room","id":%q,"form":%q}`, id, form)), nil
}

func (renderer) RenderMessage(_ context.Context, _ *store.Tx, _, id string) (json.RawMessage, error) {
	return json.RawMessage(fmt.Sprintf(`{"rendered":"message","id":%q}`, id)), nil
}

func (renderer) RenderUser(_ context.Context, _ *store.Tx, _ string, id int64) (json.RawMessage, error) {
	return json.RawMessage(fmt.Sprintf(`{"rendered":"user","id":%d}`, id)), nil
}

func (renderer) RenderNotification(_ context.Context, _ *store.Tx, _, id string) (json.RawMessage, error) {
	return json.RawMessage(fmt.Sprintf(`{"rendered":"notification","id":%q}`, id)), nil
}
