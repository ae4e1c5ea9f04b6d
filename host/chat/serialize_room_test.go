package chat_test

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/chatwasm/chatwasm/abi"
	"github.com/chatwasm/chatwasm/abi/payload"
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

// TestRoomDetailJSONRoundTrip: the detail form of each kind has the keys
// the wire shows, and reads back as it was.
func TestRoomDetailJSONRoundTrip(t *testing.T) {
	ann := abi.User{ID: 1, Username: "ann", Email: "a@x", FirstName: "A"}
	bob := abi.User{ID: 2, Username: "bob"}
	desc := "about"
	created := time.Date(2026, 2, 8, 10, 11, 12, 345678000, time.UTC)
	base := payload.Room{ID: store.NewID(), Creator: &ann, Members: []abi.User{ann, bob}, Admins: []abi.User{ann},
		Property: payload.RoomProperty{Preferences: json.RawMessage(`{"theme":"dark"}`)}, CreatedAt: wire.FormatTime(created),
		UpdatedAt: wire.FormatTime(created.Add(time.Second)), Name: "n", Description: &desc, MaxMembers: 7, IsPublic: true,
		JoinApprovalRequired: true, GroupLocked: true}
	for kind, keys := range map[store.RoomKind][]string{
		store.KindGroup: roomGroupDetailKeys, store.KindChannel: roomChannelDetailKeys, store.KindOneToOne: roomOneToOneDetailKeys,
	} {
		d := base
		d.Type = string(kind)
		switch kind {
		case store.KindChannel: // channels have no group flags
			d.JoinApprovalRequired, d.GroupLocked = false, false
		case store.KindOneToOne: // nor do 1-1 chats have any of these
			d = payload.Room{ID: d.ID, Type: d.Type, Members: d.Members, Admins: []abi.User{}, Property: d.Property,
				CreatedAt: d.CreatedAt, UpdatedAt: d.UpdatedAt}
		default:
			d.IsPublic = false
		}
		b, err := json.Marshal(d)
		if err != nil {
			t.Fatal(err)
		}
		wantRoomKeys(t, jsonObject(t, b), keys...)
		var back payload.Room
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatal(err)
		}
		if kind == store.KindOneToOne {
			back.Admins = []abi.User{}
		}
		if !reflect.DeepEqual(back, d) {
			t.Errorf("%s round trip:\n got %+v\nwant %+v", kind, back, d)
		}
	}
	// Nil member lists and preferences still serialize as [] and {}.
	b, err := json.Marshal(payload.Room{ID: "x", Type: payload.Channel})
	if err != nil {
		t.Fatal(err)
	}
	m := jsonObject(t, b)
	if !jsonEqual(t, m["subscribers"], []any{}) || !jsonEqual(t, m["property"], map[string]any{"preferences": map[string]any{}}) ||
		m["creator"] != nil {
		t.Fatalf("empty channel %s", b)
	}
}

// TestRoomListItemJSONRoundTrip: the list form of each kind has the keys
// the wire shows, and reads back as it was.
func TestRoomListItemJSONRoundTrip(t *testing.T) {
	bob := abi.User{ID: 2, Username: "bob"}
	created := wire.FormatTime(time.Date(2026, 2, 8, 10, 11, 12, 0, time.UTC))
	for kind, keys := range map[store.RoomKind][]string{
		store.KindOneToOne: {"id", "type", "peer", "last_message", "created_at", "updated_at"},
		store.KindGroup: {"id", "type", "creator", "last_message", "created_at", "updated_at", "name", "description",
			"max_participants", "avatar", "join_approval_required", "group_locked"},
		store.KindChannel: {"id", "type", "creator", "last_message", "created_at", "updated_at", "name", "description",
			"is_public", "avatar", "max_subscribers"},
	} {
		it := payload.Room{ID: "r", Type: string(kind), CreatedAt: created, UpdatedAt: created,
			LastMessage: &payload.Message{ID: "m", Content: "hi", DeliveredTo: []string{},
				ReadReceipts: []payload.ReadReceipt{}, Reactions: []payload.Reaction{}, Attachments: []payload.Attachment{}},
			List: true}
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
		var back payload.Room
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(back, it) {
			t.Errorf("%s round trip:\n got %+v\nwant %+v", kind, back, it)
		}
	}
	b, err := json.Marshal(payload.Room{ID: "r", Type: payload.OneToOneChat, List: true})
	if err != nil {
		t.Fatal(err)
	}
	if m := jsonObject(t, b); m["peer"] != nil || m["last_message"] != nil {
		t.Fatalf("missing peer and last message must be null: %s", b)
	}
}
