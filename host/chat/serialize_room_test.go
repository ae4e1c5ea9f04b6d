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
