package chat_test

import (
	"context"
	"encoding/json"
	"regexp"
	"slices"
	"testing"

	"github.com/chatwasm/chatwasm/host/chat"
	"github.com/chatwasm/chatwasm/host/chat/fixture"
	"github.com/chatwasm/chatwasm/host/chat/wire"
	"github.com/chatwasm/chatwasm/host/store"
	"github.com/chatwasm/chatwasm/host/store/storetest"
)

// msgEnv drives the message actions through Service.Handle on a real store.
// Users and rooms are fixtures, so these tests do not depend on the room
// actions.
type msgEnv struct{ chatEnv }

func newMsgEnv(t testing.TB, st *store.Store, cfg chat.Config) *msgEnv {
	return &msgEnv{newChatEnv(t, st, cfg)}
}

// eachMsgEnv runs test on a message environment with the default
// configuration over each store engine.
func eachMsgEnv(t *testing.T, test func(t *testing.T, e *msgEnv)) {
	storetest.Each(t, func(t *testing.T, st *store.Store) { test(t, newMsgEnv(t, st, chat.DefaultConfig())) })
}

func (e *msgEnv) exec(fn func(ctx context.Context, ex store.Executor) error) {
	e.t.Helper()
	ctx := context.Background()
	if err := e.st.Write(ctx, func(tx *store.Tx) error { return fn(ctx, tx.Executor()) }); err != nil {
		e.t.Fatal(err)
	}
}

// msgRoom describes a room to insert; the first member is its creator and
// (for groups and channels) its admin.
type msgRoom struct {
	kind    store.RoomKind
	locked  bool
	members []chat.Caller
}

// room inserts a room and returns its id.
func (e *msgEnv) room(r msgRoom) string {
	e.t.Helper()
	users := make([]store.User, len(r.members))
	for i, m := range r.members {
		users[i] = userOf(m)
	}
	return e.fx.Room(r.kind, users, fixture.Locked(r.locked)).ID
}

// group inserts an unlocked group chat of members.
func (e *msgEnv) group(members ...chat.Caller) string {
	return e.room(msgRoom{kind: store.KindGroup, members: members})
}

// pair is the most common start of a message test: users ann and bob, and a
// group of the two that ann created.
func (e *msgEnv) pair() (ann, bob chat.Caller, room string) {
	ann, bob = e.user("ann"), e.user("bob")
	return ann, bob, e.group(ann, bob)
}

// ok runs an action that must succeed and returns its frames.
func (e *msgEnv) ok(c chat.Caller, event string, data any) []sentFrame {
	e.t.Helper()
	eff, err := e.handle(c, event, data)
	if err != nil {
		e.t.Fatalf("%s %v: %v", event, data, err)
	}
	return msgFrames(e.t, eff)
}

// send sends content to roomID and returns the dispatched message.
func (e *msgEnv) send(c chat.Caller, roomID, content string) map[string]any {
	e.t.Helper()
	return e.sendData(c, map[string]any{"room_id": roomID, "content": content})
}

// sendData runs message.send with data and returns the dispatched message.
func (e *msgEnv) sendData(c chat.Caller, data map[string]any) map[string]any {
	e.t.Helper()
	fs := e.ok(c, "message.send", data)
	f := msgOne(e.t, fs, wire.RoomGroup(data["room_id"].(string)), "message.dispatch")
	return jsonObject(e.t, f.Data)
}

// notifications connects c and returns the data of its chat.notifications
// frame, raw (to check key order) and decoded.
func (e *msgEnv) notifications(c chat.Caller) (json.RawMessage, map[string][]map[string]any) {
	e.t.Helper()
	conn, err := e.svc.Connect(context.Background(), c)
	if err != nil {
		e.t.Fatal(err)
	}
	var frame struct {
		EventType string          `json:"eventType"`
		Data      json.RawMessage `json:"data"`
		Type      *string         `json:"type"`
	}
	if err := json.Unmarshal(conn.Notifications, &frame); err != nil {
		e.t.Fatalf("notifications frame %s: %v", conn.Notifications, err)
	}
	if frame.EventType != "chat.notifications" || frame.Type != nil {
		e.t.Fatalf("notifications frame %s", conn.Notifications)
	}
	var out map[string][]map[string]any
	if err := json.Unmarshal(frame.Data, &out); err != nil {
		e.t.Fatal(err)
	}
	return frame.Data, out
}

// count runs a COUNT(*) query.
func (e *msgEnv) count(q string, args ...any) int {
	e.t.Helper()
	var n int
	ctx := context.Background()
	if err := e.st.Read(ctx, func(tx *store.Tx) error { return tx.Executor().QueryRow(ctx, q, args...).Scan(&n) }); err != nil {
		e.t.Fatal(err)
	}
	return n
}

// lastMessage returns a room's last_message_id ("" for none).
func (e *msgEnv) lastMessage(roomID string) string {
	e.t.Helper()
	var last *string
	ctx := context.Background()
	if err := e.st.Read(ctx, func(tx *store.Tx) error {
		return tx.Executor().QueryRow(ctx, "SELECT last_message_id FROM rooms WHERE id = $1", roomID).Scan(&last)
	}); err != nil {
		e.t.Fatal(err)
	}
	if last == nil {
		return ""
	}
	return *last
}

// msgFrames decodes the effects of a message action, which are all Sends.
func msgFrames(t testing.TB, effs []wire.Effect) []sentFrame {
	t.Helper()
	out := []sentFrame{}
	for _, e := range effs {
		if e.Kind != wire.Send {
			t.Fatalf("unexpected effect kind %v", e.Kind)
		}
		out = append(out, decodeFrame(t, e))
	}
	return out
}

// msgOne checks that fs is exactly one frame of eventType to group.
func msgOne(t testing.TB, fs []sentFrame, group, eventType string) sentFrame {
	t.Helper()
	if len(fs) != 1 || fs[0].Group != group || fs[0].EventType != eventType {
		t.Fatalf("frames %+v, want one %s to %s", fs, eventType, group)
	}
	return fs[0]
}

func msgArray(t *testing.T, raw json.RawMessage) []map[string]any {
	t.Helper()
	var a []map[string]any
	if err := json.Unmarshal(raw, &a); err != nil {
		t.Fatalf("%s: %v", raw, err)
	}
	return a
}

func msgKeys(t *testing.T, what string, m map[string]any, keys ...string) {
	t.Helper()
	var got []string
	for k := range m {
		got = append(got, k)
	}
	slices.Sort(got)
	keys = slices.Clone(keys)
	slices.Sort(keys)
	if !slices.Equal(got, keys) {
		t.Fatalf("%s keys %v, want %v", what, got, keys)
	}
}

var (
	messageKeys = []string{"id", "room", "sender", "content", "is_deleted", "is_edited", "is_forwarded", "created_at",
		"updated_at", "parent_message", "forwarded_from", "delivered_to", "read_receipts", "reactions", "attachments"}
	userKeys       = []string{"id", "username", "email", "first_name", "last_name"}
	attachmentKeys = []string{"id", "media_url", "media_type", "file_size", "mime_type", "caption", "metadata"}
	msgTimestamp   = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?Z$`)
)

// wantMessage checks the full §2.6 Message shape, recursively through
// parent_message and forwarded_from.
func wantMessage(t *testing.T, m map[string]any) {
	t.Helper()
	msgKeys(t, "message", m, messageKeys...)
	msgKeys(t, "room", m["room"].(map[string]any), "id")
	msgKeys(t, "sender", m["sender"].(map[string]any), userKeys...)
	for _, k := range []string{"created_at", "updated_at"} {
		if s, _ := m[k].(string); !msgTimestamp.MatchString(s) {
			t.Fatalf("%s = %v", k, m[k])
		}
	}
	for _, k := range []string{"delivered_to", "read_receipts", "reactions", "attachments"} {
		if _, ok := m[k].([]any); !ok {
			t.Fatalf("%s = %v, want an array", k, m[k])
		}
	}
	for _, r := range m["read_receipts"].([]any) {
		rm := r.(map[string]any)
		msgKeys(t, "read receipt", rm, "reader", "read_at")
		msgKeys(t, "reader", rm["reader"].(map[string]any), userKeys...)
	}
	for _, r := range m["reactions"].([]any) {
		rm := r.(map[string]any)
		msgKeys(t, "reaction", rm, "id", "user", "reaction_content", "created_at")
		msgKeys(t, "reaction user", rm["user"].(map[string]any), userKeys...)
	}
	for _, a := range m["attachments"].([]any) {
		msgKeys(t, "attachment", a.(map[string]any), attachmentKeys...)
	}
	for _, k := range []string{"parent_message", "forwarded_from"} {
		if sub, ok := m[k].(map[string]any); ok {
			wantMessage(t, sub)
		} else if m[k] != nil {
			t.Fatalf("%s = %v", k, m[k])
		}
	}
}

// wantFields checks the fields of a decoded object (what) against want,
// each compared as JSON, and names every field that differs.
func wantFields(t testing.TB, what string, got map[string]any, want map[string]any) {
	t.Helper()
	for k, w := range want {
		if !jsonEqual(t, got[k], w) {
			t.Errorf("%s.%s = %v, want %v", what, k, got[k], w)
		}
	}
}
