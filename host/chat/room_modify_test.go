package chat_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chatwasm/chatwasm/host/chat/wire"
)

func TestRoomModifyUpdate(t *testing.T) {
	eachRoomEnv(t, func(t *testing.T, e *roomEnv) {
		ann, bob := e.user("ann"), e.user("bob")
		grp := e.create(ann, map[string]any{"type": "GroupChat", "name": "g", "description": "d",
			"participants": roomIDs(bob), "extra_fields": map[string]any{"property": map[string]any{"preferences": map[string]any{"a": 1}}}})

		if _, err := e.st.Driver().Exec(context.Background(), "UPDATE rooms SET updated_at = 0 WHERE id = $1", grp.ID); err != nil {
			t.Fatal(err)
		}
		eff := e.ok(ann, "room.modify", map[string]any{"room_id": grp.ID, "action": "update", "data": map[string]any{
			"name": "renamed", "description": "", "avatar": "https://x.io/a.png", "group_locked": true,
			"join_approval_required": "yes", "is_public": true, "max_participants": 1,
			"property": map[string]any{"preferences": map[string]any{"b": 2}}}})
		wantRoomEffects(t, eff, "send group-"+grp.ID+" roomupdate.dispatch")
		room := jsonObject(t, roomFrames(t, eff)[0].Data)
		wantRoomKeys(t, room, roomGroupDetailKeys...)
		for k, v := range map[string]any{"name": "renamed", "description": "d", "avatar": "https://x.io/a.png",
			"group_locked": true, "join_approval_required": false, "max_participants": 100,
			"property": map[string]any{"preferences": map[string]any{"b": 2}}} {
			if !jsonEqual(t, room[k], v) {
				t.Errorf("%s = %v, want %v", k, room[k], v)
			}
		}
		if room["updated_at"] == wire.FormatTime(time.UnixMicro(0)) {
			t.Errorf("updated_at not bumped")
		}

		ch := e.channel(ann, "c", false, bob)
		room = jsonObject(t, roomFrames(t, e.ok(ann, "room.modify", map[string]any{"room_id": ch.ID, "action": "update",
			"data": map[string]any{"is_public": true, "group_locked": true}}))[0].Data)
		wantRoomKeys(t, room, roomChannelDetailKeys...)
		if room["is_public"] != true {
			t.Fatalf("is_public %v", room["is_public"])
		}

		// A 1-1 chat takes only the property; any participant may update it.
		dm := e.create(ann, map[string]any{"type": "OneToOneChat", "participants": roomIDs(bob)})
		room = jsonObject(t, roomFrames(t, e.ok(bob, "room.modify", map[string]any{"room_id": dm.ID, "action": "update",
			"data": map[string]any{"name": "x", "property": map[string]any{"preferences": map[string]any{"mute": true}}}}))[0].Data)
		wantRoomKeys(t, room, roomOneToOneDetailKeys...)
		if !jsonEqual(t, room["property"], map[string]any{"preferences": map[string]any{"mute": true}}) {
			t.Fatalf("property %v", room["property"])
		}

		for _, c := range []struct {
			data   map[string]any
			detail any
		}{
			{map[string]any{"room_id": grp.ID}, []string{"Action must be provided"}},
			{map[string]any{"room_id": grp.ID, "action": ""}, []string{"Action must be provided"}},
			{map[string]any{"room_id": grp.ID, "action": "rename"}, []string{"Invalid action type"}},
			{map[string]any{"room_id": grp.ID, "action": 7}, []string{"Invalid action type"}},
			{map[string]any{"room_id": grp.ID, "action": "update"}, []string{"data must be provided"}},
			{map[string]any{"room_id": grp.ID, "action": "update", "data": map[string]any{}}, []string{"data must be provided"}},
			{map[string]any{"room_id": grp.ID, "action": "update", "data": []int{1}}, []string{"data must be a python dictionary/javascript object"}},
			{map[string]any{"room_id": grp.ID, "action": "update", "data": map[string]any{"name": strings.Repeat("n", 65)}},
				map[string][]string{"name": {"Ensure this field has no more than 64 characters."}}},
			{map[string]any{"room_id": grp.ID, "action": "update", "data": map[string]any{"avatar": "nope"}},
				map[string][]string{"avatar": {"Enter a valid URL."}}},
			{map[string]any{"room_id": grp.ID, "action": "update", "data": map[string]any{"property": "x"}},
				[]string{"Room property must be a python dictionary/javascript object"}},
			{map[string]any{"room_id": grp.ID, "action": "update", "data": map[string]any{"property": map[string]any{"preferences": 1}}},
				[]string{"preferences must be a python dictionary/javascript object"}},
		} {
			e.fail(ann, "room.modify", c.data, 4003, c.detail)
		}
		e.fail(bob, "room.modify", map[string]any{"room_id": grp.ID, "action": "update", "data": map[string]any{"name": "x"}}, 4002,
			"User is not an admin of this room")
		e.fail(bob, "room.modify", map[string]any{"room_id": grp.ID}, 4002, "User is not an admin of this room")
		e.fail(ann, "room.modify", map[string]any{"room_id": nil, "action": "update"}, 4004, "Resource not found.")
		e.fail(ann, "room.modify", nil, 4004, "Resource not found.")
		e.fail(ann, "room.modify", map[string]any{"room_id": []string{grp.ID}, "action": "update"}, 4003,
			[]string{"“[\"" + grp.ID + "\"]” is not a valid UUID."})
		e.fail(ann, "room.modify", map[string]any{"room_id": "zz", "action": "update"}, 4003, []string{"“zz” is not a valid UUID."})
	})
}

func TestRoomModifyDelete(t *testing.T) {
	eachRoomEnv(t, func(t *testing.T, e *roomEnv) {
		ann, bob, cat := e.user("ann"), e.user("bob"), e.user("cat")
		grp := e.group(ann, "g", bob, cat)
		e.ok(ann, "room.modify", map[string]any{"room_id": grp.ID, "action": "add_admin", "data": map[string]any{"users": roomIDs(bob)}})
		e.fail(bob, "room.modify", map[string]any{"room_id": grp.ID, "action": "delete"}, 4002, "User is not the creator of this room")

		eff := e.ok(ann, "room.modify", map[string]any{"room_id": grp.ID, "action": "delete"})
		wantRoomEffects(t, eff, "send group-"+grp.ID+" roomdelete.dispatch",
			"unsub "+roomItoa(ann.UserID)+" "+grp.ID, "unsub "+roomItoa(bob.UserID)+" "+grp.ID, "unsub "+roomItoa(cat.UserID)+" "+grp.ID)
		if !jsonEqual(t, roomFrames(t, eff)[0].Data, map[string]any{"room_id": grp.ID}) {
			t.Fatalf("roomdelete %s", roomFrames(t, eff)[0].Data)
		}
		if e.roomExists(ann, grp.ID) {
			t.Fatal("room not deleted")
		}
		e.fail(ann, "room.modify", map[string]any{"room_id": grp.ID, "action": "delete"}, 4004, "Resource not found.")

		// Any participant deletes a 1-1 chat; the creator must still be a member.
		dm := e.create(ann, map[string]any{"type": "OneToOneChat", "participants": roomIDs(bob)})
		e.fail(cat, "room.modify", map[string]any{"room_id": dm.ID, "action": "delete"}, 4002, "User is not the creator of this room")
		e.ok(bob, "room.modify", map[string]any{"room_id": dm.ID, "action": "delete"})
		ch := e.channel(ann, "c", false, bob)
		e.ok(ann, "room.leave", map[string]any{"room_id": ch.ID})
		e.fail(ann, "room.modify", map[string]any{"room_id": ch.ID, "action": "delete"}, 4002, "User is not the creator of this room")
		// The pair may chat again after deleting their 1-1.
		e.create(ann, map[string]any{"type": "OneToOneChat", "participants": roomIDs(bob)})
	})
}

func TestRoomModifyRoles(t *testing.T) {
	eachRoomEnv(t, func(t *testing.T, e *roomEnv) {
		ann, bob, cat, dan := e.user("ann"), e.user("bob"), e.user("cat"), e.user("dan")
		grp := e.group(ann, "g", bob, cat)
		modify := func(action string, data map[string]any) map[string]any {
			t.Helper()
			eff := e.ok(ann, "room.modify", map[string]any{"room_id": grp.ID, "action": action, "data": data})
			wantRoomEffects(t, eff, "send group-"+grp.ID+" roomupdate.dispatch")
			return jsonObject(t, roomFrames(t, eff)[0].Data)
		}
		groupPerms := []string{"can_add_new_participants", "can_remove_participants"}

		// The creator and non-members are dropped from users.
		room := modify("add_admin", map[string]any{"users": []any{bob.UserID, ann.UserID, dan.UserID, roomItoa(bob.UserID)}})
		if got := roomUserIDs(t, room["admins"]); !slices.Equal(got, roomIDs(ann, bob)) {
			t.Fatalf("admins %v", got)
		}
		if got := e.perms(grp.ID, bob); !slices.Equal(got, groupPerms) {
			t.Fatalf("new admin permissions %v", got)
		}
		// An admin may modify but not delete.
		e.ok(bob, "room.modify", map[string]any{"room_id": grp.ID, "action": "update", "data": map[string]any{"name": "by bob"}})
		room = modify("remove_admin", map[string]any{"users": roomIDs(ann, bob)})
		if got := roomUserIDs(t, room["admins"]); !slices.Equal(got, roomIDs(ann)) {
			t.Fatalf("admins after remove %v (creator must stay)", got)
		}
		if got := e.perms(grp.ID, bob); len(got) != 0 {
			t.Fatalf("removed admin permissions %v", got)
		}
		if got := e.perms(grp.ID, ann); !slices.Equal(got, groupPerms) {
			t.Fatalf("creator permissions %v", got)
		}

		modify("add_permission", map[string]any{"users": roomIDs(cat), "permission": []string{"can_remove_participants"}})
		if got := e.perms(grp.ID, cat); !slices.Equal(got, []string{"can_remove_participants"}) {
			t.Fatalf("granted %v", got)
		}
		// Object permissions never make an admin.
		e.fail(cat, "room.modify", map[string]any{"room_id": grp.ID, "action": "update", "data": map[string]any{"name": "x"}}, 4002,
			"User is not an admin of this room")
		modify("remove_permission", map[string]any{"users": roomIDs(cat), "permission": []string{"can_remove_participants"}})
		if got := e.perms(grp.ID, cat); len(got) != 0 {
			t.Fatalf("after revoke %v", got)
		}

		ch := e.channel(ann, "c", false, bob)
		e.ok(ann, "room.modify", map[string]any{"room_id": ch.ID, "action": "add_moderator", "data": map[string]any{"users": roomIDs(bob)}})
		if got := e.perms(ch.ID, bob); !slices.Equal(got, []string{"can_add_new_subscribers", "can_remove_subscribers", "can_send_messages"}) {
			t.Fatalf("moderator permissions %v", got)
		}
		e.ok(ann, "room.modify", map[string]any{"room_id": ch.ID, "action": "remove_moderator", "data": map[string]any{"users": roomIDs(bob)}})
		if _, admins := e.members(ch.ID); !slices.Equal(admins, roomIDs(ann)) {
			t.Fatalf("moderators %v", admins)
		}

		for _, c := range []struct {
			room   string
			action string
			data   map[string]any
			detail string
		}{
			{grp.ID, "add_admin", map[string]any{"name": "x"}, "User ids must be provided"},
			{grp.ID, "add_admin", map[string]any{"users": []int64{}}, "User ids must be provided"},
			{grp.ID, "add_admin", map[string]any{"users": bob.UserID}, "User ids must be a list/array"},
			{grp.ID, "add_moderator", map[string]any{"users": roomIDs(bob)}, "Room should be a channel to modify the moderators"},
			{ch.ID, "remove_admin", map[string]any{"users": roomIDs(bob)}, "Room should be a group chat to modify the admins"},
			{grp.ID, "add_permission", map[string]any{"users": roomIDs(bob)}, "Permission to add or remove should be passed"},
			{grp.ID, "add_permission", map[string]any{"users": roomIDs(bob), "permissions": []string{"can_remove_participants"}},
				"Permission to add or remove should be passed"},
			{grp.ID, "add_permission", map[string]any{"users": roomIDs(bob), "permission": "can_remove_participants"}, "Permission must be a list"},
			{grp.ID, "remove_permission", map[string]any{"users": roomIDs(bob), "permission": []string{"can_send_messages"}},
				"Permission 'can_send_messages' is not a valid group chat permission"},
			{ch.ID, "add_permission", map[string]any{"users": roomIDs(bob), "permission": []string{"can_add_new_participants"}},
				"Permission 'can_add_new_participants' is not a valid channel permission"},
		} {
			e.fail(ann, "room.modify", map[string]any{"room_id": c.room, "action": c.action, "data": c.data}, 4003, []string{c.detail})
		}

		// Roles do not exist in a 1-1 chat: a silent no-op that still broadcasts.
		dm := e.create(bob, map[string]any{"type": "OneToOneChat", "participants": roomIDs(cat)})
		eff := e.ok(cat, "room.modify", map[string]any{"room_id": dm.ID, "action": "add_admin", "data": map[string]any{"users": "junk"}})
		wantRoomEffects(t, eff, "send group-"+dm.ID+" roomupdate.dispatch")
		if _, admins := e.members(dm.ID); len(admins) != 0 {
			t.Fatalf("1-1 admins %v", admins)
		}
	})
}
