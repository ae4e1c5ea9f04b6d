package chat_test

import (
	"context"
	"slices"
	"testing"

	"github.com/chatwasm/chatwasm/host/chat"
	"github.com/chatwasm/chatwasm/host/chat/wire"
	"github.com/chatwasm/chatwasm/host/store"
)

func TestRoomCreateOneToOne(t *testing.T) {
	eachRoomEnv(t, func(t *testing.T, e *roomEnv) {
		ann, bob := e.user("ann"), e.user("bob")
		eff := e.ok(bob, "room.create", map[string]any{"type": "OneToOneChat", "participants": []int64{ann.UserID}})
		fs := roomFrames(t, eff)
		room := jsonObject(t, fs[0].Data)
		id := room["id"].(string)
		wantRoomEffects(t, eff,
			"sub "+roomItoa(ann.UserID)+" "+id, "sub "+roomItoa(bob.UserID)+" "+id,
			"send group-"+id+" roomcreate.dispatch")
		wantRoomKeys(t, room, roomOneToOneDetailKeys...)
		wantRoomTimestamps(t, room)
		if room["type"] != "OneToOneChat" || !jsonEqual(t, room["property"], map[string]any{"preferences": map[string]any{}}) {
			t.Fatalf("room %v", room)
		}
		if got := roomUserIDs(t, room["participants"]); !slices.Equal(got, roomIDs(ann, bob)) {
			t.Fatalf("participants %v, want ann then bob", got)
		}

		// One chat per unordered pair, whoever asks.
		exists := []string{"['Chat already exists']"}
		e.fail(ann, "room.create", map[string]any{"type": "OneToOneChat", "participants": []int64{bob.UserID}}, 4003, exists)
		e.fail(bob, "room.create", map[string]any{"type": "OneToOneChat", "participants": []any{ann.UserID, bob.UserID}}, 4003, exists)

		two := []string{"['A one to one chat can only have 2 participants']"}
		cat, dan := e.user("cat"), e.user("dan")
		stranger := e.userIn("other", "eve")
		for _, members := range []any{nil, []int64{}, []int64{cat.UserID}, []int64{ann.UserID, dan.UserID},
			[]int64{987654}, []int64{stranger.UserID}, "not a list"} {
			e.fail(cat, "room.create", map[string]any{"type": "OneToOneChat", "participants": members}, 4003, two)
		}
		// Member ids may be sent as numeric strings, and may repeat.
		e.ok(cat, "room.create", map[string]any{"type": "OneToOneChat", "participants": []any{roomItoa(dan.UserID), dan.UserID}})
		e.read(func(ctx context.Context, tx *store.Tx) error {
			rooms, err := tx.RoomsOfUser(ctx, cat.UserID)
			if len(rooms) != 1 {
				t.Errorf("cat has %d rooms, want 1: failed creations must leave nothing", len(rooms))
			}
			return err
		})
	})
}

func TestRoomCreateGroup(t *testing.T) {
	eachRoomEnv(t, func(t *testing.T, e *roomEnv) {
		ann := e.user("ann")
		var others []chat.Caller
		for _, n := range []string{"b1", "b2", "b3", "b4", "b5", "b6", "b7"} {
			others = append(others, e.user(n))
		}
		stranger := e.userIn("other", "eve")
		eff := e.ok(ann, "room.create", map[string]any{
			"type": "GroupChat", "name": "  Team  ", "description": "our team",
			"participants": append(roomIDs(others...), 424242, stranger.UserID, ann.UserID),
			"extra_fields": map[string]any{"max_participants": 10, "join_approval_required": true, "group_locked": "true",
				"avatar": "https://example.com/a.png", "property": map[string]any{"preferences": map[string]any{"theme": "dark"}},
				"unknown_field": 1},
		})
		fs := roomFrames(t, eff)
		if len(eff) != 9 || len(fs) != 1 || fs[0].EventType != "roomcreate.dispatch" {
			t.Fatalf("effects %v", roomSummary(t, eff))
		}
		room := jsonObject(t, fs[0].Data)
		wantRoomKeys(t, room, roomGroupDetailKeys...)
		wantRoomTimestamps(t, room)
		all := append([]chat.Caller{ann}, others...)
		if got := roomUserIDs(t, room["participants"]); !slices.Equal(got, roomIDs(all...)) {
			t.Fatalf("participants %v, want %v (creator first, strangers and unknown ids dropped)", got, roomIDs(all...))
		}
		for i, c := range all {
			if eff[i].Kind != wire.Subscribe || eff[i].UserID != c.UserID {
				t.Fatalf("effect %d = %+v, want subscribe of %s", i, eff[i], c.Username)
			}
		}
		if got := roomUserIDs(t, room["admins"]); !slices.Equal(got, roomIDs(ann)) {
			t.Fatalf("admins %v", got)
		}
		want := map[string]any{"type": "GroupChat", "name": "Team", "description": "our team", "max_participants": 10,
			"join_approval_required": true, "group_locked": true, "avatar": "https://example.com/a.png",
			"property": map[string]any{"preferences": map[string]any{"theme": "dark"}}}
		for k, v := range want {
			if !jsonEqual(t, room[k], v) {
				t.Errorf("%s = %v, want %v", k, room[k], v)
			}
		}
		if creator := room["creator"].(map[string]any); creator["username"] != "ann" {
			t.Fatalf("creator %v", creator)
		}
		id := room["id"].(string)
		if got := e.perms(id, ann); !slices.Equal(got, []string{"can_add_new_participants", "can_remove_participants"}) {
			t.Fatalf("creator permissions %v", got)
		}
		if got := e.perms(id, others[0]); len(got) != 0 {
			t.Fatalf("member permissions %v", got)
		}

		// Defaults, creator only.
		alone := jsonObject(t, roomFrames(t, e.ok(ann, "room.create", map[string]any{"type": "GroupChat", "name": "solo"}))[0].Data)
		for k, v := range map[string]any{"max_participants": 100, "join_approval_required": false, "group_locked": false,
			"description": nil, "avatar": nil, "property": map[string]any{"preferences": map[string]any{}}} {
			if !jsonEqual(t, alone[k], v) {
				t.Errorf("default %s = %v, want %v", k, alone[k], v)
			}
		}
		if got := roomUserIDs(t, alone["participants"]); !slices.Equal(got, roomIDs(ann)) {
			t.Fatalf("solo participants %v", got)
		}
	})
}

func TestRoomCreateChannel(t *testing.T) {
	eachRoomEnv(t, func(t *testing.T, e *roomEnv) {
		ann, bob, cat := e.user("ann"), e.user("bob"), e.user("cat")
		fs := roomFrames(t, e.ok(ann, "room.create", map[string]any{
			"type": "Channel", "name": "news", "subscribers": roomIDs(bob), "participants": roomIDs(cat),
			"extra_fields": map[string]any{"is_public": true, "max_subscribers": 10},
		}))
		room := jsonObject(t, fs[0].Data)
		wantRoomKeys(t, room, roomChannelDetailKeys...)
		if got := roomUserIDs(t, room["subscribers"]); !slices.Equal(got, roomIDs(ann, bob)) {
			t.Fatalf("subscribers %v (participants must be ignored)", got)
		}
		if got := roomUserIDs(t, room["moderators"]); !slices.Equal(got, roomIDs(ann)) {
			t.Fatalf("moderators %v", got)
		}
		if room["is_public"] != true || room["max_subscribers"] != 10.0 {
			t.Fatalf("room %v", room)
		}
		want := []string{"can_add_new_subscribers", "can_remove_subscribers", "can_send_messages"}
		if got := e.perms(room["id"].(string), ann); !slices.Equal(got, want) {
			t.Fatalf("creator permissions %v", got)
		}
		def := jsonObject(t, roomFrames(t, e.ok(ann, "room.create", map[string]any{"type": "Channel", "name": "c"}))[0].Data)
		if def["is_public"] != false || def["max_subscribers"] != 300.0 {
			t.Fatalf("channel defaults %v", def)
		}
	})
}

func TestRoomCreateErrors(t *testing.T) {
	eachRoomEnv(t, func(t *testing.T, e *roomEnv) {
		ann := e.user("ann")
		var five []int64
		for _, n := range []string{"b1", "b2", "b3", "b4", "b5"} {
			five = append(five, e.user(n).UserID)
		}
		for _, c := range []struct {
			name   string
			data   any
			code   int
			detail any
		}{
			{"no data", nil, 4003, []string{"Invalid resource type"}},
			{"data not an object", []int{1}, 4003, []string{"data must be a python dictionary/javascript object"}},
			{"unknown type", map[string]any{"type": "Room"}, 4003, []string{"Invalid resource type"}},
			{"type not a string", map[string]any{"type": 3}, 4003, []string{"Invalid resource type"}},
			{"group without name", map[string]any{"type": "GroupChat"}, 4003, map[string][]string{"name": {"This field is required."}}},
			{"blank name", map[string]any{"type": "Channel", "name": "   "}, 4003, map[string][]string{"name": {"This field may not be blank."}}},
			{"null name", map[string]any{"type": "Channel", "name": nil}, 4003, map[string][]string{"name": {"This field may not be null."}}},
			{"name too long", map[string]any{"type": "GroupChat", "name": "ééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééé"}, 4003,
				map[string][]string{"name": {"Ensure this field has no more than 64 characters."}}},
			{"several bad fields", map[string]any{"type": "GroupChat", "extra_fields": map[string]any{
				"max_participants": -1, "group_locked": "maybe", "avatar": "not a url"}}, 4003,
				map[string][]string{"name": {"This field is required."}, "max_participants": {"Ensure this value is greater than or equal to 0."},
					"group_locked": {"Must be a valid boolean."}, "avatar": {"Enter a valid URL."}}},
			{"cap not an int", map[string]any{"type": "Channel", "name": "c", "extra_fields": map[string]any{"max_subscribers": "ten"}}, 4003,
				map[string][]string{"max_subscribers": {"A valid integer is required."}}},
			{"extra_fields not an object", map[string]any{"type": "GroupChat", "name": "g", "extra_fields": "x"}, 4003,
				[]string{"extra_fields must be a python dictionary/javascript object"}},
			{"property not an object", map[string]any{"type": "GroupChat", "name": "g", "extra_fields": map[string]any{"property": []int{}}}, 4003,
				[]string{"Room property must be a python dictionary/javascript object"}},
			{"property null", map[string]any{"type": "OneToOneChat", "extra_fields": map[string]any{"property": nil}}, 4003,
				[]string{"Room Property can't be null"}},
			{"preferences not an object", map[string]any{"type": "GroupChat", "name": "g",
				"extra_fields": map[string]any{"property": map[string]any{"preferences": "dark"}}}, 4003,
				[]string{"preferences must be a python dictionary/javascript object"}},
			{"too many participants", map[string]any{"type": "GroupChat", "name": "g", "participants": five,
				"extra_fields": map[string]any{"max_participants": 5}}, 4003, []string{"['Maximum number of group participants exceeded']"}},
			{"cap of zero", map[string]any{"type": "GroupChat", "name": "g", "extra_fields": map[string]any{"max_participants": 0}}, 4003,
				[]string{"['Maximum number of group participants exceeded']"}},
			{"too many subscribers", map[string]any{"type": "Channel", "name": "c", "subscribers": five[:2],
				"extra_fields": map[string]any{"max_subscribers": 2}}, 4003, []string{"['Maximum number of channel subscribers exceeded']"}},
		} {
			t.Run(c.name, func(t *testing.T) {
				e.t = t
				e.fail(ann, "room.create", c.data, c.code, c.detail)
			})
		}
		e.t = t
		e.read(func(ctx context.Context, tx *store.Tx) error {
			rooms, err := tx.RoomsOfUser(ctx, ann.UserID)
			if len(rooms) != 0 {
				t.Errorf("failed creations left %d rooms", len(rooms))
			}
			return err
		})
		// Exactly at the cap is fine.
		room := e.create(ann, map[string]any{"type": "GroupChat", "name": "g", "participants": five[:4],
			"extra_fields": map[string]any{"max_participants": 5}})
		if len(room.Members) != 5 {
			t.Fatalf("%d members, want 5", len(room.Members))
		}
	})
}
