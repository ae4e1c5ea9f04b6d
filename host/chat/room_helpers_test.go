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
	"time"

	"github.com/chatwasm/chatwasm/abi"
	"github.com/chatwasm/chatwasm/abi/payload"
	"github.com/chatwasm/chatwasm/host/chat"
	"github.com/chatwasm/chatwasm/host/chat/wire"
	"github.com/chatwasm/chatwasm/host/store"
	"github.com/chatwasm/chatwasm/host/store/storetest"
)

// roomEnv drives the room actions through Service.Handle on a real store.
type roomEnv struct{ chatEnv }

func newRoomEnv(t *testing.T, st *store.Store) *roomEnv {
	return &roomEnv{newChatEnv(t, st, chat.DefaultConfig())}
}

// eachRoomEnv runs test on a room environment over each store engine.
func eachRoomEnv(t *testing.T, test func(t *testing.T, e *roomEnv)) {
	storetest.Each(t, func(t *testing.T, st *store.Store) { test(t, newRoomEnv(t, st)) })
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

// create runs room.create and returns the room of its roomcreate frame.
func (e *roomEnv) create(c chat.Caller, data map[string]any) payload.Room {
	e.t.Helper()
	fs := roomFrames(e.t, e.ok(c, "room.create", data))
	var d payload.Room
	if err := json.Unmarshal(fs[len(fs)-1].Data, &d); err != nil {
		e.t.Fatal(err)
	}
	return d
}

func (e *roomEnv) group(c chat.Caller, name string, members ...chat.Caller) payload.Room {
	return e.create(c, map[string]any{"type": "GroupChat", "name": name, "participants": roomIDs(members...)})
}

func (e *roomEnv) channel(c chat.Caller, name string, public bool, members ...chat.Caller) payload.Room {
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
	return storetest.Members(e.t, e.st, roomID)
}

// perms returns c's object permissions in a room.
func (e *roomEnv) perms(roomID string, c chat.Caller) []string {
	e.t.Helper()
	return storetest.Permissions(e.t, e.st, roomID, c.UserID)
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

// roomFrames decodes the Send effects of a room action, passing over its
// subscription changes.
func roomFrames(t testing.TB, effs []wire.Effect) []sentFrame {
	t.Helper()
	var out []sentFrame
	for _, e := range effs {
		if e.Kind == wire.Send {
			out = append(out, decodeFrame(t, e))
		}
	}
	return out
}

// roomSummary renders effects as "sub <user> <room>", "unsub <user> <room>"
// and "send <group> <eventType>" lines.
func roomSummary(t testing.TB, effs []wire.Effect) []string {
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

// object decodes a JSON object.
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

// TestRoomJSONForms: each kind's detail and list forms have the keys the
// wire shows, null or empty where nothing is set, and read back as they
// were.
func TestRoomJSONForms(t *testing.T) {
	ann := abi.User{ID: 1, Username: "ann", Email: "a@x", FirstName: "A"}
	created := wire.FormatTime(time.Date(2026, 2, 8, 10, 11, 12, 345678000, time.UTC))
	last := &payload.Message{ID: "m", Content: "hi", DeliveredTo: []string{}, ReadReceipts: []payload.ReadReceipt{},
		Reactions: []payload.Reaction{}, Attachments: []payload.Attachment{}}
	listKeys := map[store.RoomKind][]string{
		store.KindOneToOne: {"id", "type", "peer", "last_message", "created_at", "updated_at"},
		store.KindGroup: {"id", "type", "creator", "last_message", "created_at", "updated_at", "name", "description",
			"max_participants", "avatar", "join_approval_required", "group_locked"},
		store.KindChannel: {"id", "type", "creator", "last_message", "created_at", "updated_at", "name", "description",
			"is_public", "avatar", "max_subscribers"},
	}
	detailKeys := map[store.RoomKind][]string{store.KindGroup: roomGroupDetailKeys,
		store.KindChannel: roomChannelDetailKeys, store.KindOneToOne: roomOneToOneDetailKeys}
	for _, list := range []bool{false, true} {
		forms := detailKeys
		if list {
			forms = listKeys
		}
		for kind, keys := range forms {
			r := payload.Room{ID: store.NewID(), Type: string(kind), CreatedAt: created, UpdatedAt: created, List: list}
			// An empty room: lists [], preferences {}, creator, peer and
			// last message null.
			b, err := json.Marshal(r)
			if err != nil {
				t.Fatal(err)
			}
			m := jsonObject(t, b)
			wantRoomKeys(t, m, keys...)
			for k, v := range m {
				if k != "id" && k != "type" && k != "created_at" && k != "updated_at" && !jsonEqual(t, v, emptyValue(k)) {
					t.Errorf("%s list=%v: empty %s is %v", kind, list, k, v)
				}
			}
			// A full one reads back as it was.
			if list {
				r.LastMessage, r.Peer = last, &ann
			} else {
				r.Members, r.Admins = []abi.User{ann}, []abi.User{ann}
				r.Property.Preferences = json.RawMessage(`{"theme":"dark"}`)
			}
			if kind != store.KindOneToOne {
				desc := "about"
				r.Creator, r.Name, r.Description, r.MaxMembers = &ann, "n", &desc, 7
			}
			if b, err = json.Marshal(r); err != nil {
				t.Fatal(err)
			}
			back, err := payload.DecodeRoom(b, list)
			// What the form does not show (a 1-1 chat's admins, another
			// kind's peer) does not come back.
			if kind == store.KindOneToOne {
				back.Admins = r.Admins
			} else {
				back.Peer = r.Peer
			}
			if err != nil || !reflect.DeepEqual(back, r) {
				t.Errorf("%s list=%v round trip %v:\n got %+v\nwant %+v", kind, list, err, back, r)
			}
		}
	}
}

// emptyValue is what an empty room's member key holds on the wire.
func emptyValue(key string) any {
	switch key {
	case "participants", "admins", "subscribers", "moderators":
		return []any{}
	case "property":
		return map[string]any{"preferences": map[string]any{}}
	case "name":
		return ""
	case "max_participants", "max_subscribers":
		return 0
	case "is_public", "join_approval_required", "group_locked":
		return false
	}
	return nil
}
