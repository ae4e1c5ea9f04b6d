package e2e

import (
	"testing"
)

func TestRoomModifyGroup(t *testing.T) {
	t.Parallel()
	s, alice, bob, carol := startTrio(t)
	outsider := s.login(t, "outsider")
	group := createGroup(t, alice, "G", []user{bob.u, carol.u}, nil, bob, carol)
	all := []*client{alice, bob, carol}

	// Roles: the creator's id and non-members are dropped silently.
	modify(alice, group, "add_admin", map[string]any{"users": []int64{bob.u.ID, alice.u.ID, outsider.u.ID, bob.u.ID}})
	room := assertRoomDetail(t, expectSame(t, "roomupdate.dispatch", all...), "GroupChat")
	assertUserIDs(t, "admins", room["admins"], alice.u, bob.u)
	quiet(outsider)

	// An admin updates; only truthy strings and JSON booleans apply, caps
	// cannot change, preferences are replaced.
	modify(bob, group, "update", map[string]any{"name": "Renamed", "description": "D", "avatar": "https://example.test/g.png",
		"group_locked": true, "join_approval_required": true,
		"property": map[string]any{"preferences": map[string]any{"theme": "dark", "mute": true}}})
	room = assertRoomDetail(t, expectSame(t, "roomupdate.dispatch", all...), "GroupChat")
	assertEqual(t, "updated group", map[string]any{"name": room["name"], "description": room["description"],
		"avatar": room["avatar"], "group_locked": room["group_locked"], "join_approval_required": room["join_approval_required"],
		"preferences": get(t, room, "property", "preferences")},
		map[string]any{"name": "Renamed", "description": "D", "avatar": "https://example.test/g.png", "group_locked": true,
			"join_approval_required": true, "preferences": map[string]any{"theme": "dark", "mute": true}})
	modify(alice, group, "update", map[string]any{"name": "", "description": "", "group_locked": "no",
		"max_participants": 7, "property": map[string]any{"preferences": map[string]any{"theme": "light"}}})
	room = assertRoomDetail(t, expectSame(t, "roomupdate.dispatch", all...), "GroupChat")
	assertEqual(t, "after a falsy update", map[string]any{"name": room["name"], "description": room["description"],
		"group_locked": room["group_locked"], "max_participants": room["max_participants"],
		"preferences": get(t, room, "property", "preferences")},
		map[string]any{"name": "Renamed", "description": "D", "group_locked": true, "max_participants": 100,
			"preferences": map[string]any{"theme": "light"}})

	// Locked: only the creator and admins send (and type).
	carol.send("message.send", map[string]any{"room_id": group, "content": "may I?"})
	carol.expectErrorDetail(4002, "User is not authorized to send message to this room")
	carol.send("message.typing", map[string]any{"room_id": group})
	carol.expectErrorDetail(4002, "User is not authorized to send message to this room")
	sendMessage(t, bob, group, "admins may", alice, carol)

	// Admin privileges.
	modify(carol, group, "update", map[string]any{"name": "Mine"})
	carol.expectErrorDetail(4002, "User is not an admin of this room")
	modify(outsider, group, "update", map[string]any{"name": "Mine"})
	outsider.expectErrorDetail(4002, "User is not an admin of this room")
	modify(bob, group, "delete", nil)
	bob.expectErrorDetail(4002, "User is not the creator of this room")
	modify(carol, group, "delete", nil)
	carol.expectErrorDetail(4002, "User is not the creator of this room")

	// Object permissions never confer admin privileges.
	modify(alice, group, "add_permission", map[string]any{"users": []int64{carol.u.ID},
		"permission": []string{"can_add_new_participants", "can_remove_participants"}})
	expectSame(t, "roomupdate.dispatch", all...)
	modify(carol, group, "update", map[string]any{"name": "Mine"})
	carol.expectErrorDetail(4002, "User is not an admin of this room")
	modify(alice, group, "remove_permission", map[string]any{"users": []int64{carol.u.ID}, "permission": []string{"can_add_new_participants"}})
	expectSame(t, "roomupdate.dispatch", all...)
	carol.send("room.add_members", map[string]any{"room_id": group, "members": []int64{outsider.u.ID}})
	carol.expectErrorDetail(4002, "User is not authorized to add new members to this room")

	// remove_admin revokes the role; the creator's role cannot be removed.
	modify(alice, group, "remove_admin", map[string]any{"users": []int64{bob.u.ID, alice.u.ID}})
	room = assertRoomDetail(t, expectSame(t, "roomupdate.dispatch", all...), "GroupChat")
	assertUserIDs(t, "admins", room["admins"], alice.u)
	modify(bob, group, "update", map[string]any{"name": "Bob's"})
	bob.expectErrorDetail(4002, "User is not an admin of this room")

	// Validation of the request.
	cases := []struct {
		action string
		data   map[string]any
		want   string
	}{
		{"", map[string]any{"name": "x"}, "Action must be provided"},
		{"rename", map[string]any{"name": "x"}, "Invalid action type"},
		{"update", nil, "data must be provided"},
		{"update", map[string]any{}, "data must be provided"},
		{"add_admin", map[string]any{"users": []int64{}}, "User ids must be provided"},
		{"add_admin", map[string]any{"other": 1}, "User ids must be provided"},
		{"add_admin", map[string]any{"users": bob.u.ID}, "User ids must be a list/array"},
		{"add_moderator", map[string]any{"users": []int64{bob.u.ID}}, "Room should be a channel to modify the moderators"},
		{"remove_moderator", map[string]any{"users": []int64{bob.u.ID}}, "Room should be a channel to modify the moderators"},
		{"add_permission", map[string]any{"users": []int64{bob.u.ID}}, "Permission to add or remove should be passed"},
		{"add_permission", map[string]any{"users": []int64{bob.u.ID}, "permission": []string{}}, "Permission to add or remove should be passed"},
		{"add_permission", map[string]any{"users": []int64{bob.u.ID}, "permission": "can_remove_participants"}, "Permission must be a list"},
		{"add_permission", map[string]any{"users": []int64{bob.u.ID}, "permission": []string{"can_send_messages"}}, "Permission 'can_send_messages' is not a valid group chat permission"},
		{"remove_permission", map[string]any{"users": []int64{bob.u.ID}, "permission": []string{"bogus"}}, "Permission 'bogus' is not a valid group chat permission"},
	}
	for _, tc := range cases {
		modify(alice, group, tc.action, tc.data)
		alice.expectValidation(tc.want)
	}
	alice.send("room.modify", map[string]any{"room_id": group, "data": map[string]any{"name": "x"}})
	alice.expectValidation("Action must be provided")
	modify(alice, group, "update", map[string]any{"property": map[string]any{"preferences": "dark"}})
	alice.expectError(4003)
	modify(alice, group, "update", map[string]any{"property": "dark"})
	alice.expectError(4003)
	assertEqual(t, "preferences after refused updates", get(t, roomInfo(t, alice, group), "property", "preferences"),
		map[string]any{"theme": "light"})
	quiet(alice, bob, carol, outsider)

	// The creator deletes: every member is told, and the room is gone.
	modify(alice, group, "delete", nil)
	assertEqual(t, "roomdelete", expectSame(t, "roomdelete.dispatch", all...), map[string]any{"room_id": group})
	quiet(outsider)
	alice.send("room.info", map[string]any{"room_id": group})
	alice.expectErrorDetail(4004, "Resource not found.")
	bob.send("message.send", map[string]any{"room_id": group, "content": "anyone?"})
	bob.expectErrorDetail(4004, "Resource not found.")
	if list := roomList(t, carol); len(list) != 0 {
		t.Fatalf("carol's rooms after the delete = %s", mustJSON(list))
	}
	quiet(alice, bob, carol)
}

func TestRoomModifyChannel(t *testing.T) {
	t.Parallel()
	_, alice, bob, carol := startTrio(t)
	ch := createChannel(t, alice, "News", []user{bob.u, carol.u}, nil, bob, carol)
	all := []*client{alice, bob, carol}

	// Subscribers need can_send_messages (or a role) to send and to type.
	bob.send("message.send", map[string]any{"room_id": ch, "content": "hello"})
	bob.expectErrorDetail(4002, "User is not authorized to send message to this room")
	bob.send("message.typing", map[string]any{"room_id": ch})
	bob.expectErrorDetail(4002, "User is not authorized to send message to this room")
	modify(alice, ch, "add_permission", map[string]any{"users": []int64{bob.u.ID}, "permission": []string{"can_send_messages"}})
	expectSame(t, "roomupdate.dispatch", all...)
	sendMessage(t, bob, ch, "hello", alice, carol)
	modify(alice, ch, "remove_permission", map[string]any{"users": []int64{bob.u.ID}, "permission": []string{"can_send_messages"}})
	expectSame(t, "roomupdate.dispatch", all...)
	bob.send("message.send", map[string]any{"room_id": ch, "content": "again"})
	bob.expectErrorDetail(4002, "User is not authorized to send message to this room")

	// Moderators send and administer.
	modify(alice, ch, "add_moderator", map[string]any{"users": []int64{carol.u.ID}})
	room := assertRoomDetail(t, expectSame(t, "roomupdate.dispatch", all...), "Channel")
	assertUserIDs(t, "moderators", room["moderators"], alice.u, carol.u)
	sendMessage(t, carol, ch, "from a moderator", alice, bob)
	modify(carol, ch, "update", map[string]any{"is_public": true, "name": "Open News", "group_locked": true})
	room = assertRoomDetail(t, expectSame(t, "roomupdate.dispatch", all...), "Channel")
	assertEqual(t, "is_public", room["is_public"], true)
	assertEqual(t, "name", room["name"], "Open News")
	modify(alice, ch, "update", map[string]any{"is_public": "false"})
	assertEqual(t, "is_public after a non-boolean", get(t, expectSame(t, "roomupdate.dispatch", all...), "is_public"), true)
	modify(carol, ch, "delete", nil)
	carol.expectErrorDetail(4002, "User is not the creator of this room")
	modify(bob, ch, "update", map[string]any{"name": "x"})
	bob.expectErrorDetail(4002, "User is not an admin of this room")
	modify(alice, ch, "remove_moderator", map[string]any{"users": []int64{carol.u.ID}})
	room = assertRoomDetail(t, expectSame(t, "roomupdate.dispatch", all...), "Channel")
	assertUserIDs(t, "moderators", room["moderators"], alice.u)
	carol.send("message.send", map[string]any{"room_id": ch, "content": "still?"})
	carol.expectErrorDetail(4002, "User is not authorized to send message to this room")

	modify(alice, ch, "add_admin", map[string]any{"users": []int64{bob.u.ID}})
	alice.expectValidation("Room should be a group chat to modify the admins")
	modify(alice, ch, "add_permission", map[string]any{"users": []int64{bob.u.ID}, "permission": []string{"can_add_new_participants"}})
	alice.expectValidation("Permission 'can_add_new_participants' is not a valid channel permission")
	quiet(all...)

	modify(alice, ch, "delete", nil)
	assertEqual(t, "roomdelete", expectSame(t, "roomdelete.dispatch", all...), map[string]any{"room_id": ch})
	quiet(all...)
}

func TestRoomModifyOneToOne(t *testing.T) {
	t.Parallel()
	_, alice, bob, carol := startTrio(t)
	dm := createOneToOne(t, alice, bob.u, bob)

	// Role and permission actions are a no-op that still broadcasts.
	modify(alice, dm, "add_admin", map[string]any{"users": []int64{bob.u.ID}})
	room := assertRoomDetail(t, expectSame(t, "roomupdate.dispatch", alice, bob), "OneToOneChat")
	assertUserIDs(t, "participants", room["participants"], alice.u, bob.u)
	modify(bob, dm, "update", map[string]any{"name": "ignored", "property": map[string]any{"preferences": map[string]any{"pin": 1}}})
	room = assertRoomDetail(t, expectSame(t, "roomupdate.dispatch", alice, bob), "OneToOneChat")
	assertEqual(t, "preferences", get(t, room, "property", "preferences"), map[string]any{"pin": 1})
	modify(carol, dm, "update", map[string]any{"property": map[string]any{"preferences": map[string]any{}}})
	carol.expectErrorDetail(4002, "User is not an admin of this room")
	modify(carol, dm, "delete", nil)
	carol.expectErrorDetail(4002, "User is not the creator of this room")

	// Any participant deletes a 1-1; then the pair may open a new one.
	msg := sendMessage(t, alice, dm, "bye", bob)
	modify(bob, dm, "delete", nil)
	assertEqual(t, "roomdelete", expectSame(t, "roomdelete.dispatch", alice, bob), map[string]any{"room_id": dm})
	quiet(carol)
	// Its messages went with it.
	bob.send("message.react", map[string]any{"type": "add", "message_id": msg["id"], "reaction_content": "x"})
	bob.expectErrorDetail(4004, "Resource not found.")
	again := createOneToOne(t, bob, alice.u, alice)
	if again == dm {
		t.Fatalf("the new 1-1 reuses the deleted room's id")
	}
	if msgs := history(t, alice, again); len(msgs) != 0 {
		t.Fatalf("history of the new 1-1 = %s", mustJSON(msgs))
	}
	quiet(alice, bob, carol)
}
