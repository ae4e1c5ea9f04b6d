package chat_test

import (
	"slices"
	"testing"

	"github.com/chatwasm/chatwasm/host/store"
)

func TestRoomJoin(t *testing.T) {
	eachRoomEnv(t, func(t *testing.T, e *roomEnv) {
		ann, bob, cat := e.user("ann"), e.user("bob"), e.user("cat")
		pub := e.create(ann, map[string]any{"type": "Channel", "name": "pub",
			"extra_fields": map[string]any{"is_public": true, "max_subscribers": 2}})

		eff := e.ok(bob, "room.join", map[string]any{"room_id": pub.ID})
		wantRoomEffects(t, eff, "sub "+roomItoa(bob.UserID)+" "+pub.ID, "send group-"+pub.ID+" roomaddmembers.dispatch")
		data := jsonObject(t, roomFrames(t, eff)[0].Data)
		wantRoomKeys(t, data, "room", "new_members", "added_by")
		if !jsonEqual(t, data["new_members"], []string{"bob"}) || data["added_by"] != "self" {
			t.Fatalf("roomaddmembers %v", data)
		}
		wantRoomKeys(t, data["room"].(map[string]any), roomChannelDetailKeys...)
		if got, _ := e.members(pub.ID); !slices.Equal(got, roomIDs(ann, bob)) {
			t.Fatalf("members %v", got)
		}
		// Re-joining changes nothing and still broadcasts.
		wantRoomEffects(t, e.ok(bob, "room.join", map[string]any{"room_id": pub.ID}),
			"sub "+roomItoa(bob.UserID)+" "+pub.ID, "send group-"+pub.ID+" roomaddmembers.dispatch")
		e.fail(cat, "room.join", map[string]any{"room_id": pub.ID}, 4003, []string{"Maximum number of channel subscribers exceeded"})

		priv := e.channel(ann, "priv", false)
		e.fail(bob, "room.join", map[string]any{"room_id": priv.ID}, 4003,
			[]string{"Channel is private, ask a moderator to add you to the channel"})
		grp := e.create(ann, map[string]any{"type": "GroupChat", "name": "g",
			"extra_fields": map[string]any{"join_approval_required": false}})
		e.fail(bob, "room.join", map[string]any{"room_id": grp.ID}, 4003, []string{"Ask an admin to add you to the group"})
		dm := e.create(ann, map[string]any{"type": "OneToOneChat", "participants": roomIDs(cat)})
		e.fail(bob, "room.join", map[string]any{"room_id": dm.ID}, 4003, []string{"You can only join a channel/group chat"})
		e.fail(bob, "room.join", map[string]any{"room_id": nil}, 4004, "Resource not found.")
		e.fail(bob, "room.join", nil, 4004, "Resource not found.")
		e.fail(bob, "room.join", map[string]any{"room_id": map[string]int{"a": 1}}, 4003, []string{`“{"a":1}” is not a valid UUID.`})
		e.fail(bob, "room.join", map[string]any{"room_id": store.NewID()}, 4004, "Resource not found.")
		e.fail(bob, "room.join", map[string]any{"room_id": "nope"}, 4003, []string{"“nope” is not a valid UUID."})
		stranger := e.userIn("other", "eve")
		e.fail(stranger, "room.join", map[string]any{"room_id": pub.ID}, 4004, "Resource not found.")
	})
}

func TestRoomLeave(t *testing.T) {
	eachRoomEnv(t, func(t *testing.T, e *roomEnv) {
		ann, bob, cat := e.user("ann"), e.user("bob"), e.user("cat")
		grp := e.group(ann, "Team", bob, cat)
		e.ok(ann, "room.modify", map[string]any{"room_id": grp.ID, "action": "add_admin", "data": map[string]any{"users": roomIDs(bob)}})

		eff := e.ok(bob, "room.leave", map[string]any{"room_id": grp.ID})
		wantRoomEffects(t, eff, "unsub "+roomItoa(bob.UserID)+" "+grp.ID,
			"send user-"+roomItoa(bob.UserID)+" roomexit.dispatch",
			"send group-"+grp.ID+" roomremovemembers.dispatch")
		fs := roomFrames(t, eff)
		exit := jsonObject(t, fs[0].Data)
		wantRoomKeys(t, exit, "room", "message")
		if exit["message"] != "You left Team" {
			t.Fatalf("roomexit %v", exit)
		}
		removed := jsonObject(t, fs[1].Data)
		wantRoomKeys(t, removed, "room", "removed_members", "removed_by")
		if !jsonEqual(t, removed["removed_members"], []string{"bob"}) || removed["removed_by"] != "self" {
			t.Fatalf("roomremovemembers %v", removed)
		}
		room := removed["room"].(map[string]any)
		if got := roomUserIDs(t, room["participants"]); !slices.Equal(got, roomIDs(ann, cat)) {
			t.Fatalf("participants after leave %v", got)
		}
		if got := roomUserIDs(t, room["admins"]); !slices.Equal(got, roomIDs(ann)) {
			t.Fatalf("admins after leave %v", got)
		}
		if p := e.perms(grp.ID, bob); len(p) != 0 {
			t.Fatalf("bob keeps permissions %v", p)
		}
		e.fail(bob, "room.leave", map[string]any{"room_id": grp.ID}, 4002, "User is not authorized access this room")

		// The creator may leave: the room survives with its creator reference,
		// and the creator has no rights left.
		e.ok(ann, "room.leave", map[string]any{"room_id": grp.ID})
		info := jsonObject(t, roomFrames(t, e.ok(cat, "room.info", map[string]any{"room_id": grp.ID}))[0].Data)
		if c := info["creator"].(map[string]any); c["username"] != "ann" {
			t.Fatalf("creator after leaving %v", c)
		}
		if got := roomUserIDs(t, info["admins"]); len(got) != 0 {
			t.Fatalf("admins %v", got)
		}
		e.fail(ann, "room.add_members", map[string]any{"room_id": grp.ID, "members": roomIDs(bob)}, 4002,
			"User is not authorized to add new members to this room")

		// The last member leaving deletes the room and tells only them.
		eff = e.ok(cat, "room.leave", map[string]any{"room_id": grp.ID})
		wantRoomEffects(t, eff, "unsub "+roomItoa(cat.UserID)+" "+grp.ID, "send user-"+roomItoa(cat.UserID)+" roomdelete.dispatch")
		if !jsonEqual(t, roomFrames(t, eff)[0].Data, map[string]any{"room_id": grp.ID}) {
			t.Fatalf("roomdelete %s", roomFrames(t, eff)[0].Data)
		}
		if e.roomExists(cat, grp.ID) {
			t.Fatal("empty group not deleted")
		}

		dm := e.create(ann, map[string]any{"type": "OneToOneChat", "participants": roomIDs(bob)})
		e.fail(ann, "room.leave", map[string]any{"room_id": dm.ID}, 4003, []string{"You can only leave a channel/group chat"})
		e.fail(ann, "room.leave", map[string]any{"room_id": true}, 4003, []string{"Invalid room_id type"})
		ch := e.channel(ann, "c", false, bob)
		wantRoomEffects(t, e.ok(bob, "room.leave", map[string]any{"room_id": ch.ID}), "unsub "+roomItoa(bob.UserID)+" "+ch.ID,
			"send user-"+roomItoa(bob.UserID)+" roomexit.dispatch", "send group-"+ch.ID+" roomremovemembers.dispatch")
	})
}

func TestRoomAddMembers(t *testing.T) {
	eachRoomEnv(t, func(t *testing.T, e *roomEnv) {
		ann, bob, cat, dan := e.user("ann"), e.user("bob"), e.user("cat"), e.user("dan")
		stranger := e.userIn("other", "eve")
		grp := e.create(ann, map[string]any{"type": "GroupChat", "name": "g", "participants": roomIDs(bob),
			"extra_fields": map[string]any{"max_participants": 4}})

		eff := e.ok(ann, "room.add_members", map[string]any{"room_id": grp.ID,
			"members": []any{dan.UserID, cat.UserID, bob.UserID, dan.UserID}})
		wantRoomEffects(t, eff, "sub "+roomItoa(cat.UserID)+" "+grp.ID, "sub "+roomItoa(dan.UserID)+" "+grp.ID,
			"send group-"+grp.ID+" roomaddmembers.dispatch")
		data := jsonObject(t, roomFrames(t, eff)[0].Data)
		wantRoomKeys(t, data, "room", "new_members", "added_by")
		if !jsonEqual(t, data["new_members"], []string{"cat", "dan"}) || data["added_by"] != "ann" {
			t.Fatalf("roomaddmembers %v", data)
		}
		if got := roomUserIDs(t, data["room"].(map[string]any)["participants"]); !slices.Equal(got, roomIDs(ann, bob, cat, dan)) {
			t.Fatalf("participants %v", got)
		}
		// Nothing new: still broadcast, with [].
		eff = e.ok(ann, "room.add_members", map[string]any{"room_id": grp.ID, "members": []int64{}})
		wantRoomEffects(t, eff, "send group-"+grp.ID+" roomaddmembers.dispatch")
		if d := jsonObject(t, roomFrames(t, eff)[0].Data); !jsonEqual(t, d["new_members"], []string{}) {
			t.Fatalf("new_members %v", d["new_members"])
		}

		fox := e.user("fox")
		e.fail(ann, "room.add_members", map[string]any{"room_id": grp.ID, "members": roomIDs(fox)}, 4003,
			[]string{"Maximum number of group participants exceeded"})
		// Every id must name a user of the tenant; otherwise nothing is added.
		for _, members := range [][]any{{fox.UserID, 987654}, {stranger.UserID}, {"x"}} {
			e.fail(ann, "room.add_members", map[string]any{"room_id": grp.ID, "members": members}, 4004, "Resource not found.")
		}
		if got, _ := e.members(grp.ID); len(got) != 4 {
			t.Fatalf("members %v", got)
		}
		e.fail(ann, "room.add_members", map[string]any{"room_id": grp.ID}, 4003, []string{"Members must be provided"})
		e.fail(ann, "room.add_members", map[string]any{"room_id": grp.ID, "members": 5}, 4003, []string{"Members must be a list/array"})

		// Permission: members need the object permission or a role.
		e.fail(bob, "room.add_members", map[string]any{"room_id": grp.ID, "members": []int64{}}, 4002,
			"User is not authorized to add new members to this room")
		e.fail(fox, "room.add_members", map[string]any{"room_id": grp.ID, "members": []int64{}}, 4002,
			"User is not authorized to add new members to this room")
		e.ok(ann, "room.modify", map[string]any{"room_id": grp.ID, "action": "add_permission",
			"data": map[string]any{"users": roomIDs(bob), "permission": []string{"can_add_new_participants"}}})
		e.ok(bob, "room.add_members", map[string]any{"room_id": grp.ID, "members": []int64{}})
		e.fail(bob, "room.remove_members", map[string]any{"room_id": grp.ID, "members": []int64{}}, 4002,
			"User is not authorized to remove members from this room")

		dm := e.create(ann, map[string]any{"type": "OneToOneChat", "participants": roomIDs(bob)})
		e.fail(ann, "room.add_members", map[string]any{"room_id": dm.ID, "members": roomIDs(cat)}, 4003,
			[]string{"Invalid room, Can only add or remove members from Groups/Channels"})
		e.fail(ann, "room.add_members", map[string]any{"room_id": 1.5, "members": roomIDs(cat)}, 4003, []string{"Invalid room_id type"})
		e.fail(stranger, "room.add_members", map[string]any{"room_id": grp.ID, "members": []int64{}}, 4004, "Resource not found.")

		ch := e.create(ann, map[string]any{"type": "Channel", "name": "c", "extra_fields": map[string]any{"max_subscribers": 2}})
		e.fail(ann, "room.add_members", map[string]any{"room_id": ch.ID, "members": roomIDs(bob, cat)}, 4003,
			[]string{"Maximum number of channel subscribers exceeded"})
		e.ok(ann, "room.add_members", map[string]any{"room_id": ch.ID, "members": roomIDs(bob)})
	})
}

func TestRoomRemoveMembers(t *testing.T) {
	eachRoomEnv(t, func(t *testing.T, e *roomEnv) {
		ann, bob, cat, dan := e.user("ann"), e.user("bob"), e.user("cat"), e.user("dan")
		ch := e.channel(ann, "news", false, bob, cat)
		e.ok(ann, "room.modify", map[string]any{"room_id": ch.ID, "action": "add_moderator", "data": map[string]any{"users": roomIDs(bob, cat)}})

		// A moderator cannot remove the creator; non-members are skipped.
		eff := e.ok(bob, "room.remove_members", map[string]any{"room_id": ch.ID,
			"members": roomIDs(dan, ann, cat)})
		wantRoomEffects(t, eff, "unsub "+roomItoa(cat.UserID)+" "+ch.ID, "send user-"+roomItoa(cat.UserID)+" roomexit.dispatch",
			"send group-"+ch.ID+" roomremovemembers.dispatch")
		fs := roomFrames(t, eff)
		if exit := jsonObject(t, fs[0].Data); exit["message"] != "You have been removed by bob" {
			t.Fatalf("roomexit %v", exit)
		}
		removed := jsonObject(t, fs[1].Data)
		if !jsonEqual(t, removed["removed_members"], []string{"cat"}) || removed["removed_by"] != "bob" {
			t.Fatalf("roomremovemembers %v", removed)
		}
		room := removed["room"].(map[string]any)
		if got := roomUserIDs(t, room["subscribers"]); !slices.Equal(got, roomIDs(ann, bob)) {
			t.Fatalf("subscribers %v", got)
		}
		if got := roomUserIDs(t, room["moderators"]); !slices.Equal(got, roomIDs(ann, bob)) {
			t.Fatalf("moderators %v", got)
		}
		if p := e.perms(ch.ID, cat); len(p) != 0 {
			t.Fatalf("removed moderator keeps %v", p)
		}
		// Nothing to remove: still broadcast, with [].
		eff = e.ok(bob, "room.remove_members", map[string]any{"room_id": ch.ID, "members": roomIDs(ann)})
		wantRoomEffects(t, eff, "send group-"+ch.ID+" roomremovemembers.dispatch")
		if d := jsonObject(t, roomFrames(t, eff)[0].Data); !jsonEqual(t, d["removed_members"], []string{}) {
			t.Fatalf("removed_members %v", d["removed_members"])
		}

		e.fail(ann, "room.remove_members", map[string]any{"room_id": ch.ID, "members": []int64{987654}}, 4004, "Resource not found.")
		e.fail(ann, "room.remove_members", map[string]any{"room_id": ch.ID, "members": nil}, 4003, []string{"Members must be provided"})
		e.fail(cat, "room.remove_members", map[string]any{"room_id": ch.ID, "members": roomIDs(bob)}, 4002,
			"User is not authorized to remove members from this room")

		// The creator may remove themselves; removing the last members deletes
		// the room, and each removed member learns it.
		eff = e.ok(ann, "room.remove_members", map[string]any{"room_id": ch.ID, "members": roomIDs(ann)})
		if d := jsonObject(t, roomFrames(t, eff)[1].Data); !jsonEqual(t, d["removed_members"], []string{"ann"}) {
			t.Fatalf("removed_members %v", d["removed_members"])
		}
		eff = e.ok(bob, "room.remove_members", map[string]any{"room_id": ch.ID, "members": roomIDs(bob)})
		wantRoomEffects(t, eff, "unsub "+roomItoa(bob.UserID)+" "+ch.ID, "send user-"+roomItoa(bob.UserID)+" roomdelete.dispatch")
		if e.roomExists(ann, ch.ID) {
			t.Fatal("empty channel not deleted")
		}

		grp := e.group(ann, "g", bob)
		e.ok(ann, "room.remove_members", map[string]any{"room_id": grp.ID, "members": roomIDs(bob)})
		if got, _ := e.members(grp.ID); !slices.Equal(got, roomIDs(ann)) {
			t.Fatalf("group members %v", got)
		}
		dm := e.create(ann, map[string]any{"type": "OneToOneChat", "participants": roomIDs(dan)})
		e.fail(ann, "room.remove_members", map[string]any{"room_id": dm.ID, "members": roomIDs(dan)}, 4003,
			[]string{"Invalid room, Can only add or remove members from Groups/Channels"})
	})
}
