package modkit

import (
	"context"
	"encoding/json"
	"log/slog"
	"testing"

	"github.com/chatwasm/chatwasm/abi"
	"github.com/chatwasm/chatwasm/host/hooks"
	"github.com/chatwasm/chatwasm/host/store"
	"github.com/chatwasm/chatwasm/host/store/storetest"
)

// Greeter checks a build of the greeter example (as described in
// modules/examples/greeter-rust/README.md) on every store driver: next, then
// room_get, then emit to the room with the config's greeting and the room's
// name, the output unchanged and the log line written; a failed operation
// fails unchanged and greets nobody; a room of another tenant (4004 from
// room_get) and a module without capabilities greet nobody and log why.
func Greeter(t *testing.T, wasm string) {
	t.Helper()
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		var alice store.User
		var team, foreign store.Room
		err := st.Write(ctx, func(tx *store.Tx) error {
			var err error
			if alice, err = tx.CreateUser(ctx, store.User{Tenant: "t1", Username: "alice"}); err != nil {
				return err
			}
			if team, err = tx.CreateRoom(ctx, store.Room{Tenant: "t1", Kind: store.KindGroup, Name: "team",
				CreatorID: &alice.ID, MaxMembers: 10}, ""); err != nil {
				return err
			}
			if foreign, err = tx.CreateRoom(ctx, store.Room{Tenant: "t2", Kind: store.KindGroup, Name: "theirs",
				MaxMembers: 10}, ""); err != nil {
				return err
			}
			return tx.AddMembers(ctx, team.ID, []int64{alice.ID}, true)
		})
		if err != nil {
			t.Fatal(err)
		}
		logs := &LogBuffer{}
		s := Load(t, `
modules:
  - name: greeter
    path: `+wasm+`
    tenants: [t1]
    capabilities: [rooms.read, events.emit, log]
    config: {greeting: "Hi"}
  - name: mute
    path: `+wasm+`
    tenants: [t2]
`, hooks.Options{Store: st, Logger: slog.New(slog.NewTextHandler(logs, nil))})

		var emitted []abi.Event
		call := func(tenant string) hooks.CallInfo {
			return hooks.CallInfo{Tenant: tenant, Caller: abi.Caller{UserID: alice.ID, Username: "alice"},
				Emit: func(_ context.Context, ev abi.Event) error {
					emitted = append(emitted, ev)
					return nil
				}}
		}
		args := func(roomID string) []byte {
			return []byte(`{"room_id":"` + roomID + `","content":"hello","parent_message_id":null,` +
				`"forwarded_from_id":null,"media":[]}`)
		}
		out := `{"id":"m-1","room":"` + team.ID + `","content":"hello"}`
		def := func(context.Context, []byte) ([]byte, error) { return []byte(out), nil }

		t.Run("next then room_get then emit", func(t *testing.T) {
			emitted = nil
			r := Run(t, s, "create_message", call("t1"), args(team.ID), def)
			if r.Code != 0 {
				t.Fatalf("error %d %s", r.Code, r.Detail)
			}
			if r.DefaultArgs != Normalize(t, args(team.ID)) {
				t.Errorf("the default got %s", r.DefaultArgs)
			}
			if r.Output != Normalize(t, []byte(out)) {
				t.Errorf("output %s, want the default's %s", r.Output, out)
			}
			if len(emitted) != 1 {
				t.Fatalf("emitted %+v, want one greeting", emitted)
			}
			ev := emitted[0]
			type route struct{ To, RoomID, EventType string }
			if got, want := (route{ev.To, ev.RoomID, ev.EventType}), (route{abi.ToRoom, team.ID, "greeter.welcome"}); got != want {
				t.Errorf("event sent as %+v, want %+v", got, want)
			}
			type greeting struct {
				Text      string `json:"text"`
				MessageID string `json:"message_id"`
			}
			var got greeting
			if err := json.Unmarshal(ev.Data, &got); err != nil {
				t.Fatal(err)
			}
			if want := (greeting{Text: "Hi alice, welcome to team!", MessageID: "m-1"}); got != want {
				t.Errorf("greeting %+v, want %+v", got, want)
			}
			expectLog(t, logs, "msg=greeted", "room_id="+team.ID)
		})

		t.Run("failed operation greets nobody", func(t *testing.T) {
			emitted = nil
			fail := func(context.Context, []byte) ([]byte, error) {
				return nil, &abi.Error{Code: abi.CodePermission, Detail: "You're not a member of this room"}
			}
			r := Run(t, s, "create_message", call("t1"), args(team.ID), fail)
			if r.Code != abi.CodePermission {
				t.Errorf("code %d, want the default's %d", r.Code, abi.CodePermission)
			}
			if want := `"You're not a member of this room"`; r.Detail != want {
				t.Errorf("detail %s, want the default's %s", r.Detail, want)
			}
			if len(emitted) != 0 {
				t.Errorf("emitted %+v", emitted)
			}
		})

		// A room the module cannot read greets nobody, leaves the output
		// as it is and logs why.
		for _, tc := range []struct {
			name, tenant string
			log          []string
		}{
			{"room of another tenant is not found", "t1", []string{"cannot read room " + foreign.ID, "Resource not found."}},
			{"capability not granted", "t2", []string{`room_get needs \"rooms.read\"`}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				emitted = nil
				r := Run(t, s, "create_message", call(tc.tenant), args(foreign.ID), def)
				if r.Code != 0 {
					t.Errorf("got error %d %s, want the output", r.Code, r.Detail)
				}
				if len(emitted) != 0 {
					t.Errorf("emitted %+v, want no greeting", emitted)
				}
				expectLog(t, logs, tc.log...)
			})
		}
	})
}
