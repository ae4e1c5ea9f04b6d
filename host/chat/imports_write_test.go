package chat_test

import (
	"context"
	"encoding/json"
	"maps"
	"strings"
	"testing"

	"github.com/chatwasm/chatwasm/host/chat/wire"
	"github.com/chatwasm/chatwasm/host/store"
	"github.com/chatwasm/chatwasm/host/store/storetest"
)

// The write imports are tested from the replace layer of message.send
// (_create_message), where the writer module (testdata/writer) runs the
// script the message's content carries: every write import joins the
// transaction of the operation that calls it, whichever it is.

// importCall is one call of a writer script.
type importCall struct {
	Import  string `json:"import"`
	Request any    `json:"request"`
}

// outcome is a call's result or error, as the writer module reports it.
type outcome struct {
	Result json.RawMessage `json:"result"`
	Error  string          `json:"error"`
}

// writerEnv is the tenancy world with the writer module on mallory's
// tenant, granted caps.
type writerEnv struct {
	*tenancyWorld
	e *roomEnv
}

func newWriterEnv(t *testing.T, st *store.Store, caps ...string) *writerEnv {
	w := newTenancyWorld(t, st)
	svc, _ := w.module("writer", writerModule(t), []string{"_create_message", "action_writer.run"}, caps, nil)
	return &writerEnv{tenancyWorld: w, e: w.with(t, svc)}
}

// script runs message.send in room mine with the script of calls and then.
func (w *writerEnv) script(then string, forge any, calls ...importCall) ([]wire.Effect, error) {
	w.t.Helper()
	s := map[string]any{"calls": calls, "then": then}
	if forge != nil {
		s["forge"] = forge
	}
	b, err := json.Marshal(s)
	if err != nil {
		w.t.Fatal(err)
	}
	return w.e.handle(w.mallory, "message.send", map[string]any{"room_id": w.mine, "content": string(b)})
}

// outcomes runs calls, then next, and returns what each call answered.
func (w *writerEnv) outcomes(calls ...importCall) []outcome {
	w.t.Helper()
	eff, err := w.script("next", nil, calls...)
	if err != nil {
		w.t.Fatalf("%v: %v", calls, err)
	}
	var m struct {
		Outcomes []outcome `json:"outcomes"`
	}
	if err := json.Unmarshal(roomFrames(w.t, eff)[0].Data, &m); err != nil {
		w.t.Fatal(err)
	}
	if len(m.Outcomes) != len(calls) {
		w.t.Fatalf("%v: outcomes %+v", calls, m.Outcomes)
	}
	return m.Outcomes
}

// one runs one call (then next) and returns its outcome.
func (w *writerEnv) one(name string, req any) outcome {
	w.t.Helper()
	return w.outcomes(importCall{name, req})[0]
}

// wantOK fails unless o succeeded with a result containing each of want.
func wantOK(t *testing.T, what string, o outcome, want ...string) {
	t.Helper()
	if o.Error != "" {
		t.Errorf("%s: error %s", what, o.Error)
		return
	}
	for _, s := range want {
		if !strings.Contains(string(o.Result), s) {
			t.Errorf("%s: result %s lacks %s", what, o.Result, s)
		}
	}
}

// wantErr fails unless o failed with an error containing substr.
func wantErr(t *testing.T, what string, o outcome, substr string) {
	t.Helper()
	if o.Error == "" || !strings.Contains(o.Error, substr) {
		t.Errorf("%s: %s, error %q; want an error containing %q", what, o.Result, o.Error, substr)
	}
}

// core is the request of a core import.
func core(userID int64, args any) map[string]any {
	req := map[string]any{"args": args}
	if userID != 0 {
		req["user_id"] = userID
	}
	return req
}

// TestWriteImports runs each write import, and the reads a replacement
// needs, on what the caller's tenant holds and the caller may act on, and
// on what it may not: another tenant's rooms, messages and users, and rooms
// of the tenant the acting user is not in.
func TestWriteImports(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		w := newWriterEnv(t, st, "*")
		alice, trent := w.alice.UserID, w.trent.UserID
		q := func(s string) string { b, _ := json.Marshal(s); return string(b) }

		// message_create
		o := w.one("message_create", core(0, map[string]any{"room_id": w.mine, "content": "made <u>x</u>"}))
		wantOK(t, "message_create", o, `"content":"made x"`, `"username":"mallory"`, `"room":{"id":`+q(w.mine)+`}`)
		var made struct {
			ID string `json:"id"`
		}
		_ = json.Unmarshal(o.Result, &made)
		if n := w.count("SELECT COUNT(*) FROM messages WHERE id = $1 AND room_id = $2", made.ID, w.mine); n != 1 {
			t.Errorf("message_create stored %d messages %s", n, made.ID)
		}
		wantOK(t, "message_create as trent", w.one("message_create", core(trent, map[string]any{"room_id": w.theirs, "content": "by trent"})),
			`"username":"trent"`)
		wantErr(t, "message_create in another tenant's room",
			w.one("message_create", core(0, map[string]any{"room_id": w.victimDM, "content": "x"})), "4003")
		wantErr(t, "message_create as another tenant's user",
			w.one("message_create", core(alice, map[string]any{"room_id": w.mine, "content": "x"})), "4004")
		wantErr(t, "message_create in a room the sender is not in",
			w.one("message_create", core(0, map[string]any{"room_id": w.theirs, "content": "x"})), "4002")
		wantErr(t, "message_create replying to another tenant's message",
			w.one("message_create", core(0, map[string]any{"room_id": w.mine, "content": "x", "parent_message_id": w.victimMsg})), "parent_message_id")
		wantErr(t, "message_create without args", w.one("message_create", map[string]any{}), "missing args")

		// message_modify, message_react, receipt_create, delivery_ack
		wantOK(t, "message_modify", w.one("message_modify", core(0, map[string]any{"action": "update", "room_id": w.mine,
			"message_ids": []string{w.ownMsg}, "content": "edited"})), `"content":"edited"`, `"is_edited":true`)
		wantErr(t, "message_modify of another tenant's message", w.one("message_modify", core(0, map[string]any{"action": "update",
			"room_id": w.victimDM, "message_ids": []string{w.victimMsg}, "content": "pwned"})), "40")
		wantOK(t, "message_react", w.one("message_react", core(0, map[string]any{"type": "add", "message_id": w.mineMsg,
			"reaction_content": "👍"})), "👍")
		wantErr(t, "message_react to another tenant's message", w.one("message_react", core(0, map[string]any{"type": "add",
			"message_id": w.victimMsg, "reaction_content": "👍"})), "4004")
		wantOK(t, "receipt_create", w.one("receipt_create", core(0, map[string]any{"message_ids": []string{w.mineMsg}})), `"mallory"`)
		wantErr(t, "receipt_create of another tenant's message",
			w.one("receipt_create", core(0, map[string]any{"message_ids": []string{w.victimMsg}})), "4004")
		wantOK(t, "delivery_ack", w.one("delivery_ack", core(0, map[string]any{"message_ids": []string{w.mineMsg}})), `"sender_id":`)
		wantErr(t, "delivery_ack of another tenant's message",
			w.one("delivery_ack", core(0, map[string]any{"message_ids": []string{w.victimMsg}})), "4004")
		if n := w.count("SELECT COUNT(*) FROM reactions WHERE message_id = $1", w.victimMsg) +
			w.count("SELECT COUNT(*) FROM read_receipts WHERE message_id = $1", w.victimMsg); n != 0 {
			t.Errorf("acme's message got %d reactions and receipts", n)
		}

		// room_create, room_modify
		wantOK(t, "room_create", w.one("room_create", core(0, map[string]any{"type": "GroupChat", "name": "made",
			"max_members": 10, "members": []int64{trent, alice}})), `"name":"made"`, `"username":"trent"`)
		if n := w.count("SELECT COUNT(*) FROM room_members m JOIN rooms r ON r.id = m.room_id WHERE r.name = 'made' AND m.user_id = $1", alice); n != 0 {
			t.Error("room_create made acme's alice a member")
		}
		wantErr(t, "room_create as another tenant's user", w.one("room_create", core(alice, map[string]any{"type": "GroupChat",
			"name": "x", "max_members": 10, "members": []int64{}})), "4004")
		wantOK(t, "room_modify", w.one("room_modify", core(0, map[string]any{"room_id": w.mine, "action": "update",
			"name": "renamed"})), `"name":"renamed"`)
		wantErr(t, "room_modify of another tenant's room", w.one("room_modify", core(0, map[string]any{"room_id": w.victimChannel,
			"action": "update", "name": "pwned"})), "40")
		wantErr(t, "room_modify of a room the user is no admin of", w.one("room_modify", core(0, map[string]any{"room_id": w.shared,
			"action": "update", "name": "pwned"})), "4002")

		// session_register, session_update
		wantOK(t, "session_register", w.one("session_register", core(trent, map[string]any{"channel_name": "by-module"})),
			`"user_id":`+roomItoa(trent), `"channel_name":"by-module"`)
		wantErr(t, "session_register for another tenant's user",
			w.one("session_register", core(alice, map[string]any{"channel_name": "x"})), "4004")
		wantErr(t, "session_update of another session", w.one("session_update", core(0, map[string]any{"session_id": 999})), "4004")

		// notification_create, notification_read
		wantOK(t, "notification_create", w.one("notification_create", map[string]any{"message_id": w.mineMsg, "type": "REPLY",
			"recipients": []int64{trent, trent}}), `"notification_id":`)
		wantErr(t, "notification_create on another tenant's message", w.one("notification_create",
			map[string]any{"message_id": w.victimMsg, "type": "REPLY", "recipients": []int64{trent}}), "4004")
		wantErr(t, "notification_create for another tenant's user", w.one("notification_create",
			map[string]any{"message_id": w.mineMsg, "type": "REPLY", "recipients": []int64{alice}}), "4004")
		wantErr(t, "notification_create of an unknown type", w.one("notification_create",
			map[string]any{"message_id": w.mineMsg, "type": "PWNED", "recipients": []int64{trent}}), "4003")
		if n := w.count(`SELECT COUNT(*) FROM notification_recipients r JOIN notifications n ON n.id = r.notification_id
			WHERE n.message_id = $1 AND n.notification_type = 'REPLY' AND r.user_id = $2`, w.mineMsg, trent); n != 1 {
			t.Errorf("trent has %d REPLY notifications of the message", n)
		}
		wantOK(t, "notification_read", w.one("notification_read", map[string]any{"user_id": trent,
			"message_ids": []string{w.mineMsg, w.victimMsg}}), "{}")
		if n := w.count(`SELECT COUNT(*) FROM notification_recipients r JOIN notifications n ON n.id = r.notification_id
			WHERE n.message_id = $1 AND r.user_id = $2`, w.mineMsg, trent); n != 0 {
			t.Errorf("trent still has %d notifications of the message", n)
		}
		wantErr(t, "notification_read for another tenant's user", w.one("notification_read", map[string]any{"user_id": alice,
			"message_ids": []string{w.victimMsg}}), "4004")
		var pending store.Pending
		w.read(func(ctx context.Context, tx *store.Tx) (err error) {
			pending, err = tx.PendingNotifications(ctx, "acme", w.bob.UserID, store.PendingLimits{})
			return err
		})
		if len(pending.Notifications) == 0 {
			t.Error("acme's bob lost his notifications")
		}

		// room_messages, user_rooms
		wantOK(t, "room_messages", w.one("room_messages", map[string]any{"room_id": w.mine, "offset": 1}), q(made.ID))
		wantErr(t, "room_messages of another tenant's room", w.one("room_messages", map[string]any{"room_id": w.victimDM}), "4004")
		wantErr(t, "room_messages with too large a page", w.one("room_messages", map[string]any{"room_id": w.mine, "limit": 101}), "4003")
		wantOK(t, "user_rooms", w.one("user_rooms", map[string]any{"user_id": trent}), q(w.theirs), q(w.mine))
		wantErr(t, "user_rooms of another tenant's user", w.one("user_rooms", map[string]any{"user_id": alice}), "4004")
	})
}

// everyWrite is a successful call of each write import on the writer
// world, as mallory.
func (w *writerEnv) everyWrite() []importCall {
	return []importCall{
		{"message_create", core(0, map[string]any{"room_id": w.mine, "content": "rolled back"})},
		{"message_modify", core(0, map[string]any{"action": "update", "room_id": w.mine, "message_ids": []string{w.ownMsg},
			"content": "rolled back"})},
		{"message_react", core(0, map[string]any{"type": "add", "message_id": w.mineMsg, "reaction_content": "👎"})},
		{"receipt_create", core(0, map[string]any{"message_ids": []string{w.mineMsg}})},
		{"delivery_ack", core(0, map[string]any{"message_ids": []string{w.mineMsg}})},
		{"room_create", core(0, map[string]any{"type": "GroupChat", "name": "rolled back", "max_members": 10, "members": []int64{}})},
		{"room_modify", core(0, map[string]any{"room_id": w.mine, "action": "update", "name": "rolled back"})},
		{"session_register", core(0, map[string]any{"channel_name": "rolled back"})},
		{"notification_create", map[string]any{"message_id": w.mineMsg, "type": "REACTION", "recipients": []int64{w.trent.UserID}}},
		{"notification_read", map[string]any{"user_id": w.trent.UserID, "message_ids": []string{w.mineMsg}}},
	}
}

// recipientCount counts the recipients of every notification: pending is
// the count of each one's (store.Tx.NotifyRoom).
const recipientCount = "SELECT COALESCE(SUM(pending), 0) FROM notifications"

// state is what the write imports change, as counts of rows.
func (w *writerEnv) state() map[string]int {
	st := map[string]int{}
	for _, q := range []string{
		"SELECT COUNT(*) FROM messages", "SELECT COUNT(*) FROM messages WHERE is_edited",
		"SELECT COUNT(*) FROM reactions", "SELECT COUNT(*) FROM read_receipts", "SELECT COUNT(*) FROM message_deliveries",
		"SELECT COUNT(*) FROM rooms", "SELECT COUNT(*) FROM rooms WHERE name = 'rolled back'", "SELECT COUNT(*) FROM sessions",
		"SELECT COUNT(*) FROM notifications", recipientCount,
	} {
		st[q] = w.count(q)
	}
	return st
}

// TestWriteImportsRollback makes a write with each import and then fails
// the operation: nothing of them is stored. A refused write inside an
// operation that succeeds leaves nothing either, while the operation's
// other writes commit.
func TestWriteImportsRollback(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		w := newWriterEnv(t, st, "*")
		before := w.state()
		// The writes succeed (the operation carries on to next)...
		for _, o := range w.outcomes(w.everyWrite()...) {
			wantOK(t, "write", o)
		}
		if after := w.state(); maps.Equal(after, before) {
			t.Fatal("the writes changed nothing")
		}
		// ... and are undone with an operation that fails after them.
		before = w.state()
		eff, err := w.script("fail", nil, w.everyWrite()...)
		wantRefused(t, "a failing operation", eff, err, wire.CodeValidation)
		if after := w.state(); !maps.Equal(after, before) {
			t.Errorf("after a failed operation:\n%v\nwant\n%v", after, before)
		}

		// A refused import in a successful operation: its own writes are
		// undone, the operation's message is stored.
		messages := w.count("SELECT COUNT(*) FROM messages")
		o := w.one("message_create", core(0, map[string]any{"room_id": w.mine, "content": "x", "media": []map[string]any{
			{"media_url": "https://x", "media_type": "image", "mime_type": "not/a-type", "file_size": 1}}}))
		wantErr(t, "message_create with an attachment the schema refuses", o, "4005")
		if n := w.count("SELECT COUNT(*) FROM messages WHERE content = 'x'"); n != 0 {
			t.Errorf("a refused message_create left %d messages", n)
		}
		if after := w.count("SELECT COUNT(*) FROM messages"); after != messages+1 {
			t.Errorf("messages %d, want %d: the operation's own message", after, messages+1)
		}
	})
}

// TestWriteImportsCapabilities gives the writer module only log: every
// write import, and the reads of messages.read and rooms.read, are refused
// and nothing is written.
func TestWriteImportsCapabilities(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		w := newWriterEnv(t, st, "log")
		before := w.state()
		calls := append(w.everyWrite(), importCall{"session_update", core(0, map[string]any{"session_id": 0})},
			importCall{"room_messages", map[string]any{"room_id": w.mine}}, importCall{"user_rooms", map[string]any{}})
		for i, o := range w.outcomes(calls...) {
			wantErr(t, calls[i].Import+" without its capability", o, "capability not granted")
		}
		// The operation's own message, and its notification to trent.
		before["SELECT COUNT(*) FROM messages"]++
		before["SELECT COUNT(*) FROM notifications"]++
		before[recipientCount]++
		if after := w.state(); !maps.Equal(after, before) {
			t.Errorf("after refused writes:\n%v\nwant\n%v", after, before)
		}
	})
}

// TestReplacedCreateMessage replaces _create_message entirely: a message
// stored with message_create and returned is broadcast once and is in the
// history; an output naming a message that was not stored, or a stored
// message of another room, is refused with a 4006 whose detail says so.
func TestReplacedCreateMessage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		w := newWriterEnv(t, st, "messages.write")
		eff, err := w.script("return", nil, importCall{"message_create", core(0, map[string]any{"room_id": w.mine, "content": "whole job"})})
		if err != nil {
			t.Fatal(err)
		}
		fs := roomFrames(t, eff)
		if len(fs) != 1 || fs[0].EventType != "message.dispatch" || fs[0].Group != wire.RoomGroup(w.mine) {
			t.Fatalf("frames %v", roomSummary(t, eff))
		}
		m := jsonObject(t, fs[0].Data)
		if m["content"] != "whole job" {
			t.Errorf("dispatched %v", m)
		}
		if n := w.count("SELECT COUNT(*) FROM messages WHERE id = $1 AND content = 'whole job'", m["id"]); n != 1 {
			t.Errorf("the dispatched message is stored %d times", n)
		}
		page := roomFrames(t, w.e.ok(w.mallory, "room.messages", map[string]any{"room_id": w.mine,
			"paginate": map[string]int{"page": 1, "size": 1}}))
		var h struct {
			Data struct {
				Messages []map[string]any `json:"messages"`
			} `json:"data"`
		}
		if err := json.Unmarshal(page[0].Data, &h); err != nil {
			t.Fatal(err)
		}
		if len(h.Data.Messages) != 1 || h.Data.Messages[0]["id"] != m["id"] {
			t.Errorf("history %v, want %v first", h.Data.Messages, m["id"])
		}

		before := w.count("SELECT COUNT(*) FROM messages")
		forged := func(id, room string) map[string]any {
			f := map[string]any{}
			for k, v := range m {
				f[k] = v
			}
			f["id"], f["room"] = id, map[string]any{"id": room}
			return f
		}
		for _, c := range []struct {
			what  string
			forge map[string]any
		}{
			{"a message never stored", forged("8d0f4a7e-0000-4000-8000-000000000000", w.mine)},
			{"another tenant's message", forged(w.victimMsg, w.mine)},
			{"a stored message said to be in another room", forged(w.theirsMsg, w.mine)},
		} {
			eff, err := w.script("forge", c.forge)
			wantRefused(t, c.what, eff, err, wire.CodeInternal)
			if got := wire.AsError(err).Detail; got != "A module returned a message or room that was not stored." {
				t.Errorf("%s: detail %v", c.what, got)
			}
		}
		if after := w.count("SELECT COUNT(*) FROM messages"); after != before {
			t.Errorf("messages %d after refused outputs, want %d", after, before)
		}
	})
}

// TestWriteImportsInAction runs write imports from a custom action, which
// has a write transaction of its own: the writes commit with it, and a
// failing call fails the action and leaves nothing.
func TestWriteImportsInAction(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		w := newWriterEnv(t, st, "messages.write", "rooms.write")
		create := importCall{"message_create", core(w.trent.UserID, map[string]any{"room_id": w.mine, "content": "from an action"})}
		w.e.ok(w.mallory, "writer.run", map[string]any{"calls": []importCall{create}})
		if n := w.count("SELECT COUNT(*) FROM messages WHERE content = 'from an action' AND sender_id = $1", w.trent.UserID); n != 1 {
			t.Errorf("the action stored %d messages", n)
		}
		before := w.state()
		refused := importCall{"room_modify", core(0, map[string]any{"room_id": w.victimChannel, "action": "update", "name": "pwned"})}
		_, err := w.e.handle(w.mallory, "writer.run", map[string]any{"calls": []importCall{create, refused}})
		if err == nil {
			t.Fatal("an action whose import failed succeeded")
		}
		if after := w.state(); !maps.Equal(after, before) {
			t.Errorf("after a failed action:\n%v\nwant\n%v", after, before)
		}
	})
}

// TestWriteImportRoomModifyTellsNodes: a room changed by a module's
// room_modify import, which no frame of the room need tell, is told to
// every node by a wire.Changed of the room once the request succeeded (for
// their access caches); a failed one is not.
func TestWriteImportRoomModifyTellsNodes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		w := newWriterEnv(t, st, "messages.write", "rooms.write")
		changed := func(eff []wire.Effect) (rooms []string) {
			for _, e := range eff {
				if e.Kind == wire.Changed {
					rooms = append(rooms, e.RoomID)
				}
			}
			return rooms
		}
		modify := importCall{"room_modify", core(0, map[string]any{"room_id": w.mine, "action": "update", "name": "renamed"})}
		eff := w.e.ok(w.mallory, "writer.run", map[string]any{"calls": []importCall{modify}})
		if got := changed(eff); len(got) != 1 || got[0] != w.mine {
			t.Errorf("room_modify import: changed rooms %v, want [%s]", got, w.mine)
		}
		create := importCall{"message_create", core(0, map[string]any{"room_id": w.mine, "content": "no change"})}
		if got := changed(w.e.ok(w.mallory, "writer.run", map[string]any{"calls": []importCall{create}})); len(got) != 0 {
			t.Errorf("message_create import: changed rooms %v, want none", got)
		}
		refused := importCall{"room_modify", core(0, map[string]any{"room_id": w.victimChannel, "action": "update", "name": "pwned"})}
		if eff, err := w.e.handle(w.mallory, "writer.run", map[string]any{"calls": []importCall{modify, refused}}); err == nil {
			t.Fatalf("an action whose import failed succeeded with %v", eff)
		}
	})
}
