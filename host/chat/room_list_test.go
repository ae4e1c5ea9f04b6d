package chat_test

import (
	"context"
	"encoding/json"
	"slices"
	"testing"

	"github.com/chatwasm/chatwasm/host/store"
)

func TestRoomList(t *testing.T) {
	eachRoomEnv(t, func(t *testing.T, e *roomEnv) {
		ann, bob, cat := e.user("ann"), e.user("bob"), e.user("cat")

		eff := e.ok(ann, "room.list", nil)
		wantRoomEffects(t, eff, "send user-"+roomItoa(ann.UserID)+" roomlist.dispatch")
		if fs := roomFrames(t, eff); string(fs[0].Data) != "[]" {
			t.Fatalf("empty list = %s, want []", fs[0].Data)
		}

		dm := e.create(ann, map[string]any{"type": "OneToOneChat", "participants": roomIDs(bob)})
		grp := e.group(bob, "grp", ann)
		ch := e.channel(cat, "news", true, ann)
		e.group(bob, "not ann's", cat)
		// Distinct creation times: dm oldest, ch newest.
		for i, id := range []string{dm.ID, grp.ID, ch.ID} {
			if _, err := e.st.Driver().Exec(context.Background(), "UPDATE rooms SET created_at = $1 WHERE id = $2",
				int64(1_000_000*(i+1)), id); err != nil {
				t.Fatal(err)
			}
		}

		list := func() []map[string]any {
			t.Helper()
			fs := roomFrames(t, e.ok(ann, "room.list", map[string]any{}))
			var items []map[string]any
			if err := json.Unmarshal(fs[0].Data, &items); err != nil {
				t.Fatal(err)
			}
			return items
		}
		ids := func(items []map[string]any) []string {
			var out []string
			for _, it := range items {
				out = append(out, it["id"].(string))
			}
			return out
		}
		items := list()
		if got, want := ids(items), []string{ch.ID, grp.ID, dm.ID}; !slices.Equal(got, want) {
			t.Fatalf("order without messages %v, want newest room first %v", got, want)
		}
		byType := map[string]map[string]any{}
		for _, it := range items {
			byType[it["type"].(string)] = it
			wantRoomTimestamps(t, it)
			if it["last_message"] != nil {
				t.Fatalf("last_message %v, want null", it["last_message"])
			}
		}
		wantRoomKeys(t, byType["OneToOneChat"], "id", "type", "peer", "last_message", "created_at", "updated_at")
		if peer := byType["OneToOneChat"]["peer"].(map[string]any); peer["username"] != "bob" {
			t.Fatalf("peer %v, want bob", peer)
		}
		wantRoomKeys(t, byType["GroupChat"], "id", "type", "creator", "last_message", "created_at", "updated_at", "name",
			"description", "max_participants", "avatar", "join_approval_required", "group_locked")
		if c := byType["GroupChat"]["creator"].(map[string]any); c["username"] != "bob" {
			t.Fatalf("group creator %v", c)
		}
		wantRoomKeys(t, byType["Channel"], "id", "type", "creator", "last_message", "created_at", "updated_at", "name",
			"description", "is_public", "avatar", "max_subscribers")

		// Rooms with messages come first, the most recent message first.
		e.ok(bob, "message.send", map[string]any{"room_id": dm.ID, "content": "first"})
		e.ok(ann, "message.send", map[string]any{"room_id": grp.ID, "content": "second"})
		items = list()
		if got, want := ids(items), []string{grp.ID, dm.ID, ch.ID}; !slices.Equal(got, want) {
			t.Fatalf("order with messages %v, want %v", got, want)
		}
		last, ok := items[0]["last_message"].(map[string]any)
		if !ok || last["content"] != "second" {
			t.Fatalf("last_message %v", items[0]["last_message"])
		}

		// Another user sees only their rooms.
		fs := roomFrames(t, e.ok(cat, "room.list", nil))
		var catItems []map[string]any
		if err := json.Unmarshal(fs[0].Data, &catItems); err != nil {
			t.Fatal(err)
		}
		if len(catItems) != 2 {
			t.Fatalf("cat sees %d rooms, want 2", len(catItems))
		}
	})
}

func TestRoomInfo(t *testing.T) {
	eachRoomEnv(t, func(t *testing.T, e *roomEnv) {
		ann, bob := e.user("ann"), e.user("bob")
		stranger := e.userIn("other", "eve")
		grp := e.group(ann, "grp", bob)

		eff := e.ok(bob, "room.info", map[string]any{"room_id": grp.ID})
		wantRoomEffects(t, eff, "send user-"+roomItoa(bob.UserID)+" roominfo.dispatch")
		room := jsonObject(t, roomFrames(t, eff)[0].Data)
		wantRoomKeys(t, room, roomGroupDetailKeys...)
		if room["id"] != grp.ID || room["name"] != "grp" {
			t.Fatalf("room %v", room)
		}

		cat := e.user("cat")
		e.fail(cat, "room.info", map[string]any{"room_id": grp.ID}, 4002, "User is not authorized access this room")
		e.fail(stranger, "room.info", map[string]any{"room_id": grp.ID}, 4004, "Resource not found.")
		e.fail(ann, "room.info", map[string]any{"room_id": store.NewID()}, 4004, "Resource not found.")
		e.fail(ann, "room.info", map[string]any{"room_id": 12345}, 4004, "Resource not found.")
		e.fail(ann, "room.info", map[string]any{"room_id": "abc"}, 4003, []string{"“abc” is not a valid UUID."})
		e.fail(ann, "room.info", map[string]any{"room_id": []string{grp.ID}}, 4003, []string{"Invalid room_id type"})
		e.fail(ann, "room.info", map[string]any{}, 4003, []string{"Invalid room_id type"})
		e.fail(ann, "room.info", nil, 4003, []string{"Invalid room_id type"})
	})
}
