package chat_test

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/chatwasm/chatwasm/host/chat/wire"
	"github.com/chatwasm/chatwasm/host/store"
)

func TestFormatTime(t *testing.T) {
	for _, c := range []struct {
		in   time.Time
		want string
	}{
		{time.Date(2026, 2, 8, 10, 11, 12, 345678000, time.UTC), "2026-02-08T10:11:12.345678Z"},
		{time.Date(2026, 2, 8, 10, 11, 12, 345600000, time.UTC), "2026-02-08T10:11:12.345600Z"},
		{time.Date(2026, 2, 8, 10, 11, 12, 0, time.UTC), "2026-02-08T10:11:12Z"},
		{time.Date(2026, 2, 8, 10, 11, 12, 999, time.UTC), "2026-02-08T10:11:12Z"}, // below a microsecond
		{time.Date(2026, 2, 8, 12, 11, 12, 1000, time.FixedZone("CEST", 2*3600)), "2026-02-08T10:11:12.000001Z"},
	} {
		if got := wire.FormatTime(c.in); got != c.want {
			t.Errorf("FormatTime(%v) = %s, want %s", c.in, got, c.want)
		}
	}
}

func TestRoomDetailJSONRoundTrip(t *testing.T) {
	ann := store.User{ID: 1, Username: "ann", Email: "a@x", FirstName: "A"}
	bob := store.User{ID: 2, Username: "bob"}
	desc := "about"
	created := time.Date(2026, 2, 8, 10, 11, 12, 345678000, time.UTC)
	base := wire.RoomDetail{ID: store.NewID(), Creator: &ann, Members: []store.User{ann, bob}, Admins: []store.User{ann},
		Property: wire.RoomProperty{Preferences: json.RawMessage(`{"theme":"dark"}`)}, CreatedAt: created,
		UpdatedAt: created.Add(time.Second), Name: "n", Description: &desc, MaxMembers: 7, IsPublic: true,
		JoinApprovalRequired: true, GroupLocked: true}
	for kind, keys := range map[store.RoomKind][]string{
		store.KindGroup: roomGroupDetailKeys, store.KindChannel: roomChannelDetailKeys, store.KindOneToOne: roomOneToOneDetailKeys,
	} {
		d := base
		d.Type = kind
		switch kind {
		case store.KindChannel: // channels have no group flags
			d.JoinApprovalRequired, d.GroupLocked = false, false
		case store.KindOneToOne: // nor do 1-1 chats have any of these
			d = wire.RoomDetail{ID: d.ID, Type: kind, Members: d.Members, Admins: []store.User{}, Property: d.Property,
				CreatedAt: d.CreatedAt, UpdatedAt: d.UpdatedAt}
		default:
			d.IsPublic = false
		}
		b, err := json.Marshal(d)
		if err != nil {
			t.Fatal(err)
		}
		wantRoomKeys(t, jsonObject(t, b), keys...)
		var back wire.RoomDetail
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatal(err)
		}
		if kind == store.KindOneToOne {
			back.Admins = []store.User{}
		}
		if !reflect.DeepEqual(back, d) {
			t.Errorf("%s round trip:\n got %+v\nwant %+v", kind, back, d)
		}
	}
	// Nil member lists and preferences still serialize as [] and {}.
	b, err := json.Marshal(wire.RoomDetail{ID: "x", Type: store.KindChannel})
	if err != nil {
		t.Fatal(err)
	}
	m := jsonObject(t, b)
	if !jsonEqual(t, m["subscribers"], []any{}) || !jsonEqual(t, m["property"], map[string]any{"preferences": map[string]any{}}) ||
		m["creator"] != nil {
		t.Fatalf("empty channel %s", b)
	}
}

func TestRoomListItemJSONRoundTrip(t *testing.T) {
	bob := store.User{ID: 2, Username: "bob"}
	created := time.Date(2026, 2, 8, 10, 11, 12, 0, time.UTC)
	for kind, keys := range map[store.RoomKind][]string{
		store.KindOneToOne: {"id", "type", "peer", "last_message", "created_at", "updated_at"},
		store.KindGroup: {"id", "type", "creator", "last_message", "created_at", "updated_at", "name", "description",
			"max_participants", "avatar", "join_approval_required", "group_locked"},
		store.KindChannel: {"id", "type", "creator", "last_message", "created_at", "updated_at", "name", "description",
			"is_public", "avatar", "max_subscribers"},
	} {
		it := wire.RoomListItem{ID: "r", Type: kind, CreatedAt: created, UpdatedAt: created,
			LastMessage: json.RawMessage(`{"id":"m","content":"hi"}`)}
		if kind == store.KindOneToOne {
			it.Peer = &bob
		} else {
			it.Creator, it.Name, it.MaxMembers = &bob, "n", 9
		}
		b, err := json.Marshal(it)
		if err != nil {
			t.Fatal(err)
		}
		wantRoomKeys(t, jsonObject(t, b), keys...)
		var back wire.RoomListItem
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(back, it) {
			t.Errorf("%s round trip:\n got %+v\nwant %+v", kind, back, it)
		}
	}
	b, err := json.Marshal(wire.RoomListItem{ID: "r", Type: store.KindOneToOne})
	if err != nil {
		t.Fatal(err)
	}
	if m := jsonObject(t, b); m["peer"] != nil || m["last_message"] != nil {
		t.Fatalf("missing peer and last message must be null: %s", b)
	}
}
