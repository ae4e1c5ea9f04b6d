package greeterc

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
	"github.com/chatwasm/chatwasm/internal/modkit"
)

// joined is a Go default for join_room: the room's detail, as far as the
// test cares.
func joined(_ context.Context, in []byte) ([]byte, error) {
	var a struct {
		RoomID string `json:"room_id"`
	}
	if err := json.Unmarshal(in, &a); err != nil {
		return nil, err
	}
	return json.Marshal(map[string]any{"id": a.RoomID, "type": "GroupChat", "members": []int{1, 2}})
}

func TestGreeter(t *testing.T) {
	wasm := modkit.Make(t, ".", "c")
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		var alice store.User
		var team, foreign store.Room
		err := st.Write(ctx, func(tx *store.Tx) error {
			var err error
			if alice, err = tx.CreateUser(ctx, store.User{Tenant: "t1", Username: "alice"}); err != nil {
				return err
			}
			if team, err = tx.CreateRoom(ctx, store.Room{Tenant: "t1", Kind: store.KindGroup, Name: "Team <A>",
				CreatorID: &alice.ID, MaxMembers: 10}, ""); err != nil {
				return err
			}
			foreign, err = tx.CreateRoom(ctx, store.Room{Tenant: "t2", Kind: store.KindGroup, Name: "elsewhere",
				MaxMembers: 10}, "")
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		logs := &modkit.LogBuffer{}
		s := modkit.Load(t, fmt.Sprintf(`
modules:
  - name: greeter
    path: %[1]s
    tenants: [t1]
    capabilities: [rooms.read, events.emit, log]
    config: {greeting: "Bonjour"}
  - name: blind
    path: %[1]s
    tenants: [t3]
    capabilities: [events.emit]
`, wasm), hooks.Options{Store: st, Logger: slog.New(slog.NewJSONHandler(logs, nil))})

		var events []abi.Event
		call := hooks.CallInfo{Tenant: "t1", Caller: abi.Caller{UserID: alice.ID, Username: "alice"},
			Emit: func(_ context.Context, ev abi.Event) error {
				events = append(events, ev)
				return nil
			}}
		in := []byte(fmt.Sprintf(`{"room_id":%q}`, team.ID))
		want, _ := joined(ctx, in)

		// The join goes through next; then the greeting reaches the room.
		r := modkit.Run(t, s, "join_room", call, in, joined)
		if want := (modkit.Result{Output: modkit.Normalize(t, want), DefaultArgs: modkit.Normalize(t, in)}); r != want {
			t.Fatalf("join_room: %+v, want %+v", r, want)
		}
		text := "Bonjour, alice! Welcome to Team <A>."
		data := fmt.Sprintf(`{"user_id":%d,"text":"Bonjour, alice! Welcome to Team \u003cA\u003e."}`, alice.ID)
		if len(events) != 1 {
			t.Fatalf("emitted %+v, want one greeter.welcome", events)
		}
		type event struct{ To, RoomID, EventType, Data string }
		ev := events[0]
		if got, want := (event{ev.To, ev.RoomID, ev.EventType, string(ev.Data)}),
			(event{"room", team.ID, "greeter.welcome", data}); got != want {
			t.Fatalf("emitted %+v, want %+v", got, want)
		}
		for _, line := range []string{`"msg":"` + text + `"`, `"room_id":"` + team.ID + `"`} {
			if !strings.Contains(logs.String(), line) {
				t.Errorf("the greeting log has no %s:\n%s", line, logs)
			}
		}

		// A room of another tenant does not exist for the module: the join's
		// result stands and nobody is greeted.
		events = nil
		in = []byte(fmt.Sprintf(`{"room_id":%q}`, foreign.ID))
		want, _ = joined(ctx, in)
		if r := modkit.Run(t, s, "join_room", call, in, joined); r.Code != 0 || r.Output != modkit.Normalize(t, want) {
			t.Errorf("join_room of a foreign room: %+v", r)
		}
		if len(events) != 0 {
			t.Errorf("emitted %+v for a room outside the tenant", events)
		}
		if !strings.Contains(logs.String(), `Resource not found.`) {
			t.Errorf("the failed room_get was not logged:\n%s", logs)
		}

		// A refused join is not greeted, and its error reaches the client.
		deny := func(context.Context, []byte) ([]byte, error) {
			return nil, &abi.Error{Code: 4002, Detail: "You are not allowed"}
		}
		in = []byte(fmt.Sprintf(`{"room_id":%q}`, team.ID))
		r = modkit.Run(t, s, "join_room", call, in, deny)
		if want := (modkit.Result{Code: 4002, Detail: `"You are not allowed"`, DefaultArgs: modkit.Normalize(t, in)}); r != want {
			t.Errorf("refused join: %+v, want %+v", r, want)
		}
		if len(events) != 0 {
			t.Errorf("refused join: emitted %+v", events)
		}

		// Without rooms.read the module cannot read the room: no greeting.
		blind := call
		blind.Tenant = "t3"
		if r := modkit.Run(t, s, "join_room", blind, []byte(fmt.Sprintf(`{"room_id":%q}`, team.ID)), joined); r.Code != 0 {
			t.Errorf("without rooms.read: got error %d %s, want the join's result", r.Code, r.Detail)
		}
		if len(events) != 0 {
			t.Errorf("without rooms.read: emitted %+v", events)
		}
		if !strings.Contains(logs.String(), `capability not granted: room_get needs \"rooms.read\"`) {
			t.Errorf("the refused room_get was not logged:\n%s", logs)
		}
	})
}
