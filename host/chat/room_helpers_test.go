package chat_test

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/chatwasm/chatwasm/host/chat"
	"github.com/chatwasm/chatwasm/host/chat/fixture"
	"github.com/chatwasm/chatwasm/host/chat/wire"
	"github.com/chatwasm/chatwasm/host/store"
)

// roomEnv drives the room actions through Service.Handle on a real store.
type roomEnv struct {
	t   *testing.T
	st  *store.Store
	svc *chat.Service
	fx  *fixture.Factory
}

func newRoomEnv(t *testing.T, st *store.Store) *roomEnv {
	return &roomEnv{t: t, st: st, svc: chat.New(st, chat.DefaultConfig(), nil), fx: fixture.New(t, st)}
}

// user creates a user of tenant "acme" and returns a connection of theirs.
func (e *roomEnv) user(name string) chat.Caller { return e.userIn(fixture.DefaultTenant, name) }

func (e *roomEnv) userIn(tenant, name string) chat.Caller {
	e.t.Helper()
	return callerOf(e.fx.User(name, fixture.Tenant(tenant)))
}

// callerOf is a connection of u.
func callerOf(u store.User) chat.Caller {
	return chat.Caller{UserID: u.ID, Tenant: u.Tenant, Username: u.Username, ChannelName: "chan-" + u.Username}
}

// userOf is the user of connection c, as the fixtures need it.
func userOf(c chat.Caller) store.User {
	return store.User{ID: c.UserID, Tenant: c.Tenant, Username: c.Username}
}

// handle runs an action; data is marshalled unless it is a json.RawMessage.
func (e *roomEnv) handle(c chat.Caller, event string, data any) ([]wire.Effect, error) {
	e.t.Helper()
	raw, ok := data.(json.RawMessage)
	if !ok && data != nil {
		var err error
		if raw, err = json.Marshal(data); err != nil {
			e.t.Fatal(err)
		}
	}
	return e.svc.Handle(context.Background(), c, event, raw)
}

// ok runs an action that must succeed.
func (e *roomEnv) ok(c chat.Caller, event string, data any) []wire.Effect {
	e.t.Helper()
	eff, err := e.handle(c, event, data)
	if err != nil {
		e.t.Fatalf("%s %v: %v", event, data, err)
	}
	return eff
}

// fail runs an action that must fail with code and, unless detail is nil,
// exactly that detail (compared as JSON).
func (e *roomEnv) fail(c chat.Caller, event string, data any, code int, detail any) {
	e.t.Helper()
	eff, err := e.handle(c, event, data)
	if err == nil {
		e.t.Fatalf("%s %v: succeeded with %v, want error %d", event, data, roomSummary(e.t, eff), code)
	}
	ce, isChat := err.(*wire.Error)
	if !isChat {
		e.t.Fatalf("%s %v: error %T %v, want *wire.Error", event, data, err, err)
	}
	if ce.Code != code {
		e.t.Fatalf("%s %v: code %d (%v), want %d", event, data, ce.Code, ce.Detail, code)
	}
	if detail != nil && !roomJSONEqual(e.t, ce.Detail, detail) {
		got, _ := json.Marshal(ce.Detail)
		want, _ := json.Marshal(detail)
		e.t.Fatalf("%s %v: detail %s, want %s", event, data, got, want)
	}
}

// create runs room.create and returns the room of its roomcreate frame.
func (e *roomEnv) create(c chat.Caller, data map[string]any) wire.RoomDetail {
	e.t.Helper()
	fs := roomFrames(e.t, e.ok(c, "room.create", data))
	var d wire.RoomDetail
	if err := json.Unmarshal(fs[len(fs)-1].Data, &d); err != nil {
		e.t.Fatal(err)
	}
	return d
}

func (e *roomEnv) group(c chat.Caller, name string, members ...chat.Caller) wire.RoomDetail {
	return e.create(c, map[string]any{"type": "GroupChat", "name": name, "participants": roomIDs(members...)})
}

func (e *roomEnv) channel(c chat.Caller, name string, public bool, members ...chat.Caller) wire.RoomDetail {
	return e.create(c, map[string]any{"type": "Channel", "name": name, "subscribers": roomIDs(members...),
		"extra_fields": map[string]any{"is_public": public}})
}

// read runs fn in a read transaction.
func (e *roomEnv) read(fn func(ctx context.Context, tx *store.Tx) error) {
	e.t.Helper()
	ctx := context.Background()
	if err := e.st.Read(ctx, func(tx *store.Tx) error { return fn(ctx, tx) }); err != nil {
		e.t.Fatal(err)
	}
}

// members returns a room's member ids and admin ids.
func (e *roomEnv) members(roomID string) (members, admins []int64) {
	e.t.Helper()
	e.read(func(ctx context.Context, tx *store.Tx) error {
		ms, err := tx.Members(ctx, roomID)
		for _, m := range ms {
			members = append(members, m.UserID)
			if m.IsAdmin {
				admins = append(admins, m.UserID)
			}
		}
		return err
	})
	return members, admins
}

func (e *roomEnv) perms(roomID string, c chat.Caller) []string {
	e.t.Helper()
	var p []string
	e.read(func(ctx context.Context, tx *store.Tx) (err error) {
		p, err = tx.Permissions(ctx, roomID, c.UserID)
		return err
	})
	return p
}

// roomExists reports whether a room is still stored.
func (e *roomEnv) roomExists(c chat.Caller, roomID string) bool {
	e.t.Helper()
	found := true
	ctx := context.Background()
	err := e.st.Read(ctx, func(tx *store.Tx) error {
		_, err := tx.GetRoom(ctx, c.Tenant, roomID, false)
		return err
	})
	if err != nil {
		found = false
	}
	return found
}

func roomIDs(cs ...chat.Caller) []int64 {
	ids := make([]int64, len(cs))
	for i, c := range cs {
		ids[i] = c.UserID
	}
	return ids
}

// roomFrame is a decoded Send effect.
type roomFrame struct {
	Group     string
	Type      string          `json:"type"`
	EventType string          `json:"eventType"`
	Data      json.RawMessage `json:"data"`
}

func roomFrames(t *testing.T, effs []wire.Effect) []roomFrame {
	t.Helper()
	var out []roomFrame
	for _, e := range effs {
		if e.Kind != wire.Send {
			continue
		}
		var f roomFrame
		if err := json.Unmarshal(e.Frame, &f); err != nil {
			t.Fatalf("frame %s: %v", e.Frame, err)
		}
		if f.Type != "broadcast_group" {
			t.Fatalf("frame %s lacks type broadcast_group", e.Frame)
		}
		f.Group = e.Group
		out = append(out, f)
	}
	return out
}

// roomSummary renders effects as "sub <user> <room>", "unsub <user> <room>"
// and "send <group> <eventType>" lines.
func roomSummary(t *testing.T, effs []wire.Effect) []string {
	t.Helper()
	var out []string
	for _, e := range effs {
		switch e.Kind {
		case wire.Subscribe:
			out = append(out, fmt.Sprintf("sub %d %s", e.UserID, e.RoomID))
		case wire.Unsubscribe:
			out = append(out, fmt.Sprintf("unsub %d %s", e.UserID, e.RoomID))
		case wire.Send:
			out = append(out, fmt.Sprintf("send %s %s", e.Group, roomFrames(t, []wire.Effect{e})[0].EventType))
		}
	}
	return out
}

func wantRoomEffects(t *testing.T, effs []wire.Effect, want ...string) {
	t.Helper()
	if got := roomSummary(t, effs); !slices.Equal(got, want) {
		t.Fatalf("effects\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}

func roomJSONEqual(t *testing.T, a, b any) bool {
	t.Helper()
	norm := func(v any) any {
		raw, ok := v.(json.RawMessage)
		if !ok {
			var err error
			if raw, err = json.Marshal(v); err != nil {
				t.Fatal(err)
			}
		}
		var out any
		if err := json.Unmarshal(raw, &out); err != nil {
			t.Fatal(err)
		}
		return out
	}
	return reflect.DeepEqual(norm(a), norm(b))
}

// object decodes a JSON object.
func roomObject(t *testing.T, raw json.RawMessage) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("%s: %v", raw, err)
	}
	return m
}

func wantRoomKeys(t *testing.T, m map[string]any, keys ...string) {
	t.Helper()
	var got []string
	for k := range m {
		got = append(got, k)
	}
	slices.Sort(got)
	slices.Sort(keys)
	if !slices.Equal(got, keys) {
		t.Fatalf("keys %v, want %v", got, keys)
	}
}

var roomTimestamp = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?Z$`)

func wantRoomTimestamps(t *testing.T, m map[string]any) {
	t.Helper()
	for _, k := range []string{"created_at", "updated_at"} {
		if s, _ := m[k].(string); !roomTimestamp.MatchString(s) {
			t.Fatalf("%s = %v, not an ISO-8601 UTC timestamp", k, m[k])
		}
	}
}

// userIDsOf returns the ids of a JSON array of users.
func roomUserIDs(t *testing.T, v any) []int64 {
	t.Helper()
	arr, ok := v.([]any)
	if !ok {
		t.Fatalf("%v is not an array", v)
	}
	ids := make([]int64, len(arr))
	for i, u := range arr {
		um, _ := u.(map[string]any)
		wantRoomKeys(t, um, "id", "username", "email", "first_name", "last_name")
		ids[i] = int64(um["id"].(float64))
	}
	return ids
}

var (
	roomGroupDetailKeys = []string{"id", "type", "creator", "participants", "admins", "property", "created_at",
		"updated_at", "name", "description", "max_participants", "avatar", "join_approval_required", "group_locked"}
	roomChannelDetailKeys = []string{"id", "type", "creator", "subscribers", "moderators", "property", "created_at",
		"updated_at", "name", "description", "is_public", "avatar", "max_subscribers"}
	roomOneToOneDetailKeys = []string{"id", "type", "participants", "property", "created_at", "updated_at"}
)

func roomItoa(n int64) string { return strconv.FormatInt(n, 10) }
