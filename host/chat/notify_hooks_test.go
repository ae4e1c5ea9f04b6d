package chat_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/chatwasm/chatwasm/abi"
	"github.com/chatwasm/chatwasm/host/chat"
	"github.com/chatwasm/chatwasm/host/chat/fixture"
	"github.com/chatwasm/chatwasm/host/chat/wire"
	"github.com/chatwasm/chatwasm/host/hooks"
	"github.com/chatwasm/chatwasm/host/store"
	"github.com/chatwasm/chatwasm/host/store/storetest"
	"github.com/chatwasm/chatwasm/internal/gobuild"
)

// notifyEnv is a message environment whose service runs the notify test
// module (testdata/notify) with a config of the test's choosing.
type notifyEnv struct {
	*msgEnv
	alice, bob, carol chat.Caller
	room              string
	// cfg is the configuration of the service module makes.
	cfg chat.Config
	// hooks, if not nil, are the only hooks the module is subscribed to.
	hooks []string
	// opts are the service's options besides its modules.
	opts []chat.Option
}

func newNotifyEnv(t *testing.T, st *store.Store) *notifyEnv {
	e := &notifyEnv{msgEnv: newMsgEnv(t, st, chat.DefaultConfig()), cfg: chat.DefaultConfig()}
	e.alice, e.bob, e.carol = e.user("alice"), e.user("bob"), e.user("carol")
	e.room = e.group(e.alice, e.bob, e.carol)
	return e
}

// module makes the env's service run the notify module with config.
func (e *notifyEnv) module(config map[string]string) {
	e.t.Helper()
	wasm, err := gobuild.Wasm(filepath.Join("testdata", "notify"))
	if err != nil {
		e.t.Fatal(err)
	}
	cfg, err := json.Marshal(config) // JSON is YAML
	if err != nil {
		e.t.Fatal(err)
	}
	path := filepath.Join(e.t.TempDir(), "modules.yaml")
	// timeout: 1m, the longest allowed: these tests are not about
	// timeouts, and a loaded machine must not fail them.
	yaml := fmt.Sprintf("modules:\n  - name: notify\n    path: %s\n    capabilities: [\"*\"]\n    timeout: 1m\n    config: %s\n", wasm, cfg)
	if e.hooks != nil {
		hs, _ := json.Marshal(e.hooks)
		yaml += fmt.Sprintf("    hooks: %s\n", hs)
	}
	if err := os.WriteFile(path, []byte(yaml), 0o644); err != nil {
		e.t.Fatal(err)
	}
	m, err := hooks.NewManager(context.Background(), path, hooks.Options{Store: e.st, WireError: wire.WireError,
		CacheDir: filepath.Join(os.TempDir(), "chatwasm-chat-test", "compile-cache")})
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { _ = m.Close(context.Background()) })
	e.svc = chat.New(e.st, e.cfg, nil, append([]chat.Option{chat.WithModules(m)}, e.opts...)...)
}

// seen is what the module's hook recorded ("" if it was not called, or
// its transaction rolled back).
func (e *notifyEnv) seen(hook string) string {
	e.t.Helper()
	var v string
	ctx := context.Background()
	if err := e.st.Read(ctx, func(tx *store.Tx) error {
		var err error
		v, err = tx.ModuleKVGet(ctx, "notify", fixture.DefaultTenant, "seen/"+hook)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		return err
	}); err != nil {
		e.t.Fatal(err)
	}
	return v
}

// notified returns the type and recipients of the notifications of
// message id.
func (e *notifyEnv) notified(id string) map[string][]int64 {
	e.t.Helper()
	out := map[string][]int64{}
	ctx := context.Background()
	err := e.st.Read(ctx, func(tx *store.Tx) error {
		rows, err := tx.Executor().Query(ctx, `SELECT id, notification_type FROM notifications WHERE message_id = $1`, id)
		if err != nil {
			return err
		}
		types := map[string]string{}
		for rows.Next() {
			var nid, typ string
			if err := rows.Scan(&nid, &typ); err != nil {
				rows.Close()
				return err
			}
			types[nid] = typ
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for nid, typ := range types {
			us, err := tx.NotificationRecipients(ctx, nid)
			if err != nil {
				return err
			}
			if len(us) > 0 {
				out[typ] = append(out[typ], us...)
				slices.Sort(out[typ])
			}
		}
		return nil
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return out
}

// notifyCase runs fn as subtest name on each store driver, with a fresh
// store and notifyEnv.
func notifyCase(t *testing.T, name string, fn func(t *testing.T, e *notifyEnv)) {
	t.Run(name, func(t *testing.T) {
		storetest.Each(t, func(t *testing.T, st *store.Store) { fn(t, newNotifyEnv(t, st)) })
	})
}

func ids(cs ...chat.Caller) string {
	s := make([]string, len(cs))
	for i, c := range cs {
		s[i] = strconv.FormatInt(c.UserID, 10)
	}
	return strings.Join(s, ",")
}

// TestCreateChatNotificationHooks: create_chat_notification runs in both
// layers inside message.send's and message.react's transaction, gets the
// room's members but the actor as recipients, and decides who is notified
// (a muted user dropped) and how (another type); what it refuses or fails
// rolls the message back.
func TestCreateChatNotificationHooks(t *testing.T) {
	{
		notifyCase(t, "both layers see the recipients; a muted user is dropped", func(t *testing.T, e *notifyEnv) {
			e.module(map[string]string{"mute": ids(e.bob)})
			m := e.send(e.alice, e.room, "hello")
			id := m["id"].(string)
			want := fmt.Sprintf(`{"message_id":%q,"room_id":%q,"notification_type":"NEW_MESSAGE","user_id":%d,"recipients":[%s]}`,
				id, e.room, e.alice.UserID, ids(e.bob, e.carol))
			for _, hook := range []string{abi.OpCreateChatNotification, abi.ReplaceHook(abi.OpCreateChatNotification)} {
				if got := e.seen(hook); got != want {
					t.Errorf("%s args\n got %s\nwant %s", hook, got, want)
				}
			}
			if got := e.notified(id); !slices.Equal(got[store.NotifyNewMessage], []int64{e.carol.UserID}) || len(got) != 1 {
				t.Errorf("notifications %v, want NEW_MESSAGE to carol only", got)
			}
			// A reply by carol: REPLY to alice and bob, bob muted.
			r := e.sendData(e.carol, map[string]any{"room_id": e.room, "content": "re",
				"extra_fields": map[string]any{"parent_message_id": id}})
			if got := e.notified(r["id"].(string)); !slices.Equal(got[store.NotifyReply], []int64{e.alice.UserID}) {
				t.Errorf("reply notifications %v, want REPLY to alice", got)
			}
		})
		notifyCase(t, "recipients who are not members are dropped, whatever their tenant", func(t *testing.T, e *notifyEnv) {
			outsider, foreigner := e.user("oscar"), e.userIn("other", "olga")
			e.module(map[string]string{"mute": ids(e.carol), "add": ids(outsider, foreigner, e.bob)})
			id := e.send(e.alice, e.room, "hello")["id"].(string)
			if got := e.notified(id); !slices.Equal(got[store.NotifyNewMessage], []int64{e.bob.UserID}) || len(got) != 1 {
				t.Errorf("notifications %v, want NEW_MESSAGE to bob only", got)
			}
			_, pending := e.notifications(foreigner)
			if len(pending) != 0 {
				t.Errorf("the other tenant's user has notifications: %v", pending)
			}
		})
		notifyCase(t, "a reaction's notification retyped", func(t *testing.T, e *notifyEnv) {
			id := e.send(e.alice, e.room, "hello")["id"].(string)
			e.module(map[string]string{"retype": "REACTION=REPLY"})
			e.ok(e.bob, "message.react", map[string]any{"message_id": id, "type": "add", "reaction_content": "👍"})
			got := e.notified(id)
			if !slices.Equal(got[store.NotifyReply], []int64{e.alice.UserID, e.carol.UserID}) || len(got) != 2 ||
				!slices.Equal(got[store.NotifyNewMessage], []int64{e.bob.UserID, e.carol.UserID}) {
				t.Errorf("notifications %v, want the send's NEW_MESSAGE and the reaction as REPLY to alice and carol", got)
			}
			if s := e.seen(abi.ReplaceHook(abi.OpCreateChatNotification)); !strings.Contains(s, `"notification_type":"REPLY"`) {
				t.Errorf("the replace layer got %s, want the type the extend layer passed", s)
			}
		})
		notifyCase(t, "a layer that skips next stores nothing", func(t *testing.T, e *notifyEnv) {
			e.module(map[string]string{"skip": abi.ReplaceHook(abi.OpCreateChatNotification)})
			id := e.send(e.alice, e.room, "hello")["id"].(string)
			if got := e.notified(id); len(got) != 0 {
				t.Errorf("notifications %v, want none", got)
			}
			if n := e.count("SELECT COUNT(*) FROM messages WHERE id = $1", id); n != 1 {
				t.Errorf("%d messages stored", n)
			}
		})
		notifyCase(t, "a failing layer rolls the message back", func(t *testing.T, e *notifyEnv) {
			e.module(map[string]string{"fail": abi.OpCreateChatNotification})
			e.fail(e.alice, "message.send", map[string]any{"room_id": e.room, "content": "hello"}, 4003,
				[]string{"refused by notify"})
			if n := e.count("SELECT COUNT(*) FROM messages WHERE room_id = $1", e.room); n != 0 {
				t.Errorf("%d messages stored", n)
			}
			if s := e.seen(abi.OpCreateChatNotification); s != "" {
				t.Errorf("the extend layer's key-value write survived the rollback: %s", s)
			}
		})
		notifyCase(t, "with only the notification hooks, message.send's shortcut rolls back too", func(t *testing.T, e *notifyEnv) {
			// No module takes part in the send check or create_message:
			// the check runs in create_message's own transaction.
			e.hooks = []string{abi.OpCreateChatNotification, abi.ReplaceHook(abi.OpCreateChatNotification)}
			e.module(map[string]string{"fail": abi.ReplaceHook(abi.OpCreateChatNotification),
				"emit": abi.OpCreateChatNotification})
			e.fail(e.alice, "message.send", map[string]any{"room_id": e.room, "content": "hello"}, 4003,
				[]string{"refused by notify"})
			if n := e.count("SELECT COUNT(*) FROM messages WHERE room_id = $1", e.room); n != 0 {
				t.Errorf("%d messages stored", n)
			}
			e.module(map[string]string{"mute": ids(e.carol), "emit": abi.OpCreateChatNotification})
			fs := e.ok(e.alice, "message.send", map[string]any{"room_id": e.room, "content": "hello"})
			if len(fs) != 2 || fs[1].EventType != "notify.emitted" {
				t.Fatalf("frames %+v, want message.dispatch and only the emitted event of the request that succeeded", fs)
			}
			id := e.lastMessage(e.room)
			if got := e.notified(id); !slices.Equal(got[store.NotifyNewMessage], []int64{e.bob.UserID}) {
				t.Errorf("notifications %v, want bob's only", got)
			}
		})
		notifyCase(t, "events emitted by the nested hook follow the request", func(t *testing.T, e *notifyEnv) {
			e.module(map[string]string{"emit": abi.ReplaceHook(abi.OpCreateChatNotification)})
			fs := e.ok(e.alice, "message.send", map[string]any{"room_id": e.room, "content": "hello"})
			if len(fs) != 2 || fs[0].EventType != "message.dispatch" {
				t.Fatalf("frames %+v, want message.dispatch then the emitted event", fs)
			}
			f := msgOne(t, fs[1:], wire.UserGroup(e.alice.UserID), "notify.emitted")
			if string(f.Data) != `{"hook":"_create_chat_notification"}` {
				t.Errorf("emitted %s", f.Data)
			}
		})
		notifyCase(t, "forged ids", func(t *testing.T, e *notifyEnv) {
			other := e.userIn("other", "oscar")
			foreign := e.fx.Message(e.fx.Room(store.KindGroup, []store.User{userOf(other)}), userOf(other), "theirs")
			second := e.group(e.alice, e.bob)
			theirs := e.send(e.bob, second, "in the second room")["id"].(string)
			e.module(map[string]string{"forge_message": foreign.ID})
			e.fail(e.alice, "message.send", map[string]any{"room_id": e.room, "content": "x"}, 4004, nil)
			// The new message, in a room it is not in.
			e.module(map[string]string{"forge_room": second})
			e.fail(e.alice, "message.send", map[string]any{"room_id": e.room, "content": "x"}, 4003,
				map[string][]string{"room_id": {"Not the room of the message."}})
			if n := e.count("SELECT COUNT(*) FROM messages WHERE room_id = $1", e.room); n != 0 {
				t.Errorf("%d messages stored by refused sends", n)
			}
			// Another message of a room of hers, with its room: allowed, and
			// notified in its place, to the recipients passed (bob and carol)
			// that are members of that room: bob. (alice has bob's send's.)
			e.module(map[string]string{"forge_message": theirs, "forge_room": second})
			e.send(e.alice, e.room, "x")
			if got := e.notified(theirs); !slices.Equal(got[store.NotifyNewMessage], []int64{e.alice.UserID, e.bob.UserID}) {
				t.Errorf("notifications of the forged message %v, want NEW_MESSAGE to alice and bob", got)
			}
		})
	}
}

// TestUpdateChatNotificationHooks: update_chat_notification runs in both
// layers inside message.acknowledged's transaction and decides whether the
// caller's notifications are cleared.
func TestUpdateChatNotificationHooks(t *testing.T) {
	{
		notifyCase(t, "pass-through clears", func(t *testing.T, e *notifyEnv) {
			id := e.send(e.alice, e.room, "hello")["id"].(string)
			e.module(nil)
			e.ok(e.bob, "message.acknowledged", map[string]any{"message_id": id})
			want := fmt.Sprintf(`{"message_ids":[%q],"user_id":%d}`, id, e.bob.UserID)
			for _, hook := range []string{abi.OpUpdateChatNotification, abi.ReplaceHook(abi.OpUpdateChatNotification)} {
				if got := e.seen(hook); got != want {
					t.Errorf("%s args %s, want %s", hook, got, want)
				}
			}
			if got := e.notified(id); !slices.Equal(got[store.NotifyNewMessage], []int64{e.carol.UserID}) {
				t.Errorf("notifications %v, want carol's only", got)
			}
		})
		notifyCase(t, "skipping next keeps them", func(t *testing.T, e *notifyEnv) {
			id := e.send(e.alice, e.room, "hello")["id"].(string)
			e.module(map[string]string{"skip": abi.ReplaceHook(abi.OpUpdateChatNotification)})
			fs := e.ok(e.bob, "message.acknowledged", map[string]any{"message_id": id})
			if m := msgArray(t, msgOne(t, fs, wire.UserGroup(e.alice.UserID), "messagedelivered.dispatch").Data); len(m) != 1 ||
				fmt.Sprint(m[0]["delivered_to"]) != "[bob]" {
				t.Errorf("delivered %v", m)
			}
			if got := e.notified(id); !slices.Equal(got[store.NotifyNewMessage], []int64{e.bob.UserID, e.carol.UserID}) {
				t.Errorf("notifications %v, want bob's kept", got)
			}
		})
		notifyCase(t, "another user's notifications are refused", func(t *testing.T, e *notifyEnv) {
			id := e.send(e.alice, e.room, "hello")["id"].(string)
			e.module(map[string]string{"forge_user": strconv.FormatInt(e.carol.UserID, 10)})
			e.fail(e.bob, "message.acknowledged", map[string]any{"message_id": id}, 4003,
				map[string][]string{"user_id": {"Only the caller's notifications can be updated."}})
			if n := e.count("SELECT COUNT(*) FROM message_deliveries WHERE message_id = $1", id); n != 0 {
				t.Errorf("the delivery survived the refusal: %d", n)
			}
			if got := e.notified(id); len(got[store.NotifyNewMessage]) != 2 {
				t.Errorf("notifications %v, want both kept", got)
			}
		})
		notifyCase(t, "notifications off", func(t *testing.T, e *notifyEnv) {
			e.cfg.Notifications = false
			e.module(nil)
			id := e.send(e.alice, e.room, "hello")["id"].(string)
			e.ok(e.bob, "message.acknowledged", map[string]any{"message_id": id})
			if got := e.notified(id); len(got) != 0 {
				t.Errorf("notifications %v with notifications off", got)
			}
			if e.seen(abi.OpCreateChatNotification) == "" || e.seen(abi.OpUpdateChatNotification) == "" {
				t.Error("the hooks did not run with notifications off")
			}
		})
	}
}
