package e2e

import (
	"testing"
)

func TestRoomJoin(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	alice := s.login(t, "alice")
	sub := s.login(t, "sub")
	bob := s.login(t, "bob")
	bob2 := s.connect(t, bob.u)

	public := createChannel(t, alice, "Public", []user{sub.u}, map[string]any{"is_public": true}, sub)
	bob.send("room.join", map[string]any{"room_id": public})
	d := asObject(t, expectSame(t, "roomaddmembers.dispatch", alice, sub, bob, bob2))
	assertKeys(t, d, "room", "new_members", "added_by")
	assertEqual(t, "new_members", d["new_members"], []any{"bob"})
	assertEqual(t, "added_by", d["added_by"], "self")
	room := assertRoomDetail(t, d["room"], "Channel")
	assertUserIDs(t, "subscribers", room["subscribers"], alice.u, sub.u, bob.u)

	// The joiner's open connections receive the room's traffic at once.
	sendMessage(t, alice, public, "welcome", sub, bob, bob2)

	// Leaving and joining again restores the traffic.
	bob.send("room.leave", map[string]any{"room_id": public})
	expectSame(t, "roomexit.dispatch", bob, bob2)
	expectSame(t, "roomremovemembers.dispatch", alice, sub)
	sendMessage(t, alice, public, "bob is away", sub)
	quiet(bob, bob2)
	bob.send("room.join", map[string]any{"room_id": public})
	expectSame(t, "roomaddmembers.dispatch", alice, sub, bob, bob2)
	sendMessage(t, alice, public, "welcome back", sub, bob, bob2)

	// Joining again is a no-op that still broadcasts.
	bob2.send("room.join", map[string]any{"room_id": public})
	d = asObject(t, expectSame(t, "roomaddmembers.dispatch", alice, sub, bob, bob2))
	assertEqual(t, "new_members on re-join", d["new_members"], []any{"bob"})
	assertUserIDs(t, "subscribers", get(t, d, "room", "subscribers"), alice.u, sub.u, bob.u)

	private := createChannel(t, alice, "Private", nil, nil)
	group := createGroup(t, alice, "G", nil, map[string]any{"join_approval_required": false})
	dm := createOneToOne(t, alice, sub.u, sub)
	bob.send("room.join", map[string]any{"room_id": private})
	bob.expectValidation("Channel is private, ask a moderator to add you to the channel")
	bob.send("room.join", map[string]any{"room_id": group})
	bob.expectValidation("Ask an admin to add you to the group")
	bob.send("room.join", map[string]any{"room_id": dm})
	bob.expectValidation("You can only join a channel/group chat")
	bob.send("room.join", map[string]any{"room_id": "7b0f4a5e-9a51-4a36-9f0e-2f1f6a2b3c4d"})
	bob.expectErrorDetail(4004, "Resource not found.")
	bob.send("room.join", map[string]any{"room_id": "nope"})
	bob.expectErrorDetail(4003, []any{"“nope” is not a valid UUID."})
	bob.send("room.join", map[string]any{})
	bob.expectErrorDetail(4004, "Resource not found.")

	// max_subscribers holds on join.
	full := createChannel(t, alice, "Full", []user{sub.u}, map[string]any{"is_public": true, "max_subscribers": 2}, sub)
	bob.send("room.join", map[string]any{"room_id": full})
	bob.expectValidation("Maximum number of channel subscribers exceeded")
	quiet(alice, sub, bob, bob2)
	assertUserIDs(t, "subscribers of the full channel", roomInfo(t, alice, full)["subscribers"], alice.u, sub.u)
}

func TestRoomLeave(t *testing.T) {
	t.Parallel()
	s, alice, bob, carol := startTrio(t)
	bob2 := s.connect(t, bob.u)
	dave := s.login(t, "dave")
	group := createGroup(t, alice, "Team", []user{bob.u, carol.u}, nil, bob, bob2, carol)

	bob.send("room.leave", map[string]any{"room_id": group})
	exit := asObject(t, expectSame(t, "roomexit.dispatch", bob, bob2))
	assertKeys(t, exit, "room", "message")
	assertEqual(t, "roomexit message", exit["message"], "You left Team")
	assertUserIDs(t, "participants after leave", assertRoomDetail(t, exit["room"], "GroupChat")["participants"], alice.u, carol.u)
	rm := asObject(t, expectSame(t, "roomremovemembers.dispatch", alice, carol))
	assertKeys(t, rm, "room", "removed_members", "removed_by")
	assertEqual(t, "removed_members", rm["removed_members"], []any{"bob"})
	assertEqual(t, "removed_by", rm["removed_by"], "self")
	quiet(bob, bob2, dave)

	// The leaver no longer receives the room's traffic and has lost access.
	sendMessage(t, alice, group, "after bob left", carol)
	quiet(bob, bob2)
	bob.send("room.info", map[string]any{"room_id": group})
	bob.expectErrorDetail(4002, "User is not authorized access this room")
	dave.send("room.leave", map[string]any{"room_id": group})
	dave.expectErrorDetail(4002, "User is not authorized access this room")

	dm := createOneToOne(t, alice, dave.u, dave)
	dave.send("room.leave", map[string]any{"room_id": dm})
	dave.expectValidation("You can only leave a channel/group chat")

	// A moderator leaving a channel loses the role too.
	ch := createChannel(t, alice, "Ch", []user{dave.u}, nil, dave)
	modify(alice, ch, "add_moderator", map[string]any{"users": []int64{dave.u.ID}})
	expectSame(t, "roomupdate.dispatch", alice, dave)
	dave.send("room.leave", map[string]any{"room_id": ch})
	exit = dave.expectObject("roomexit.dispatch")
	assertEqual(t, "roomexit message", exit["message"], "You left Ch")
	rm = alice.expectObject("roomremovemembers.dispatch")
	assertUserIDs(t, "subscribers", get(t, rm, "room", "subscribers"), alice.u)
	assertUserIDs(t, "moderators", get(t, rm, "room", "moderators"), alice.u)

	// The creator may leave: the group survives without her and she loses
	// her rights over it.
	alice.send("room.leave", map[string]any{"room_id": group})
	assertEqual(t, "creator leaves", alice.expectObject("roomexit.dispatch")["message"], "You left Team")
	rm = carol.expectObject("roomremovemembers.dispatch")
	assertUserIDs(t, "participants", get(t, rm, "room", "participants"), carol.u)
	modify(alice, group, "update", map[string]any{"name": "Mine"})
	alice.expectErrorDetail(4002, "User is not an admin of this room")

	// The last member leaving deletes the room; only the leaver (all her
	// connections) is told.
	carol2 := s.connect(t, carol.u)
	carol.send("room.leave", map[string]any{"room_id": group})
	assertEqual(t, "roomdelete", expectSame(t, "roomdelete.dispatch", carol, carol2), map[string]any{"room_id": group})
	carol.send("room.info", map[string]any{"room_id": group})
	carol.expectErrorDetail(4004, "Resource not found.")
	quiet(alice, bob, bob2, carol, carol2, dave)
}

func TestRoomAddMembers(t *testing.T) {
	t.Parallel()
	s, alice, bob, carol := startTrio(t)
	carol2 := s.connect(t, carol.u)
	dave := s.login(t, "dave")
	erin := s.CreateUser(t, "erin")
	group := createGroup(t, alice, "G", []user{bob.u}, nil, bob)

	alice.send("room.add_members", map[string]any{"room_id": group, "members": []int64{carol.u.ID}})
	d := asObject(t, expectSame(t, "roomaddmembers.dispatch", alice, bob, carol, carol2))
	assertKeys(t, d, "room", "new_members", "added_by")
	assertEqual(t, "new_members", d["new_members"], []any{"carol"})
	assertEqual(t, "added_by", d["added_by"], "alice")
	assertUserIDs(t, "participants", assertRoomDetail(t, d["room"], "GroupChat")["participants"], alice.u, bob.u, carol.u)
	quiet(dave)

	// Fan-out follows DB membership: carol's already open connections get the
	// room's next message.
	sendMessage(t, bob, group, "hi carol", alice, carol, carol2)

	// Members already present are skipped; duplicates collapse.
	alice.send("room.add_members", map[string]any{"room_id": group, "members": []int64{carol.u.ID, dave.u.ID, dave.u.ID}})
	d = asObject(t, expectSame(t, "roomaddmembers.dispatch", alice, bob, carol, carol2, dave))
	assertEqual(t, "new_members", d["new_members"], []any{"dave"})
	alice.send("room.add_members", map[string]any{"room_id": group, "members": []int64{bob.u.ID}})
	d = asObject(t, expectSame(t, "roomaddmembers.dispatch", alice, bob, carol, carol2, dave))
	assertEqual(t, "new_members when nobody is new", d["new_members"], []any{})

	// An unknown user fails the whole call.
	alice.send("room.add_members", map[string]any{"room_id": group, "members": []int64{erin.ID, 999999}})
	alice.expectErrorDetail(4004, "Resource not found.")
	quiet(alice, bob, carol, carol2, dave)
	assertUserIDs(t, "participants", roomInfo(t, alice, group)["participants"], alice.u, bob.u, carol.u, dave.u)

	bob.send("room.add_members", map[string]any{"room_id": group, "members": []int64{erin.ID}})
	bob.expectErrorDetail(4002, "User is not authorized to add new members to this room")
	outsider := s.login(t, "outsider")
	outsider.send("room.add_members", map[string]any{"room_id": group, "members": []int64{erin.ID}})
	outsider.expectErrorDetail(4002, "User is not authorized to add new members to this room")

	// The object permission lets a plain participant add members.
	modify(alice, group, "add_permission", map[string]any{"users": []int64{bob.u.ID}, "permission": []string{"can_add_new_participants"}})
	expectSame(t, "roomupdate.dispatch", alice, bob, carol, carol2, dave)
	bob.send("room.add_members", map[string]any{"room_id": group, "members": []int64{erin.ID}})
	d = asObject(t, expectSame(t, "roomaddmembers.dispatch", alice, bob, carol, carol2, dave))
	assertEqual(t, "added_by", d["added_by"], "bob")
	assertEqual(t, "new_members", d["new_members"], []any{"erin"})

	dm := createOneToOne(t, alice, outsider.u, outsider)
	alice.send("room.add_members", map[string]any{"room_id": dm, "members": []int64{bob.u.ID}})
	alice.expectValidation("Invalid room, Can only add or remove members from Groups/Channels")
	alice.send("room.add_members", map[string]any{"room_id": group})
	alice.expectError(4003)
	alice.send("room.add_members", map[string]any{"room_id": group, "members": "everyone"})
	alice.expectError(4003)
	alice.send("room.add_members", map[string]any{"members": []int64{bob.u.ID}})
	alice.expectValidation("Invalid room_id type")

	// Caps are checked against the users actually new.
	small := createGroup(t, alice, "Small", []user{bob.u}, map[string]any{"max_participants": 3}, bob)
	alice.send("room.add_members", map[string]any{"room_id": small, "members": []int64{carol.u.ID, dave.u.ID}})
	alice.expectValidation("Maximum number of group participants exceeded")
	alice.send("room.add_members", map[string]any{"room_id": small, "members": []int64{bob.u.ID, carol.u.ID}})
	d = asObject(t, expectSame(t, "roomaddmembers.dispatch", alice, bob, carol, carol2))
	assertEqual(t, "new_members up to the cap", d["new_members"], []any{"carol"})
	// Channels: can_add_new_subscribers lets a subscriber add others.
	news := createChannel(t, alice, "News", []user{bob.u}, nil, bob)
	modify(alice, news, "add_permission", map[string]any{"users": []int64{bob.u.ID}, "permission": []string{"can_add_new_subscribers"}})
	expectSame(t, "roomupdate.dispatch", alice, bob)
	bob.send("room.add_members", map[string]any{"room_id": news, "members": []int64{dave.u.ID}})
	d = asObject(t, expectSame(t, "roomaddmembers.dispatch", alice, bob, dave))
	assertEqual(t, "added_by", d["added_by"], "bob")
	dave.send("room.add_members", map[string]any{"room_id": news, "members": []int64{carol.u.ID}})
	dave.expectErrorDetail(4002, "User is not authorized to add new members to this room")

	ch := createChannel(t, alice, "SmallCh", nil, map[string]any{"max_subscribers": 2})
	alice.send("room.add_members", map[string]any{"room_id": ch, "members": []int64{bob.u.ID, carol.u.ID}})
	alice.expectValidation("Maximum number of channel subscribers exceeded")
	alice.send("room.add_members", map[string]any{"room_id": ch, "members": []int64{bob.u.ID}})
	d = asObject(t, expectSame(t, "roomaddmembers.dispatch", alice, bob))
	assertUserIDs(t, "subscribers", get(t, d, "room", "subscribers"), alice.u, bob.u)
	quiet(alice, bob, carol, carol2, dave, outsider)
}

func TestRoomRemoveMembers(t *testing.T) {
	t.Parallel()
	s, alice, bob, carol := startTrio(t)
	carol2 := s.connect(t, carol.u)
	dave := s.login(t, "dave")
	erin := s.login(t, "erin")
	group := createGroup(t, alice, "G", []user{bob.u, carol.u, dave.u}, nil, bob, carol, carol2, dave)
	modify(alice, group, "add_admin", map[string]any{"users": []int64{bob.u.ID}})
	expectSame(t, "roomupdate.dispatch", alice, bob, carol, carol2, dave)

	bob.send("room.remove_members", map[string]any{"room_id": group, "members": []int64{carol.u.ID}})
	exit := asObject(t, expectSame(t, "roomexit.dispatch", carol, carol2))
	assertKeys(t, exit, "room", "message")
	assertEqual(t, "roomexit message", exit["message"], "You have been removed by bob")
	rm := asObject(t, expectSame(t, "roomremovemembers.dispatch", alice, bob, dave))
	assertKeys(t, rm, "room", "removed_members", "removed_by")
	assertEqual(t, "removed_members", rm["removed_members"], []any{"carol"})
	assertEqual(t, "removed_by", rm["removed_by"], "bob")
	assertUserIDs(t, "participants", get(t, rm, "room", "participants"), alice.u, bob.u, dave.u)
	quiet(carol, carol2, erin)
	sendMessage(t, dave, group, "carol is gone", alice, bob)
	quiet(carol, carol2)

	// The creator and non-members are skipped silently; the broadcast still
	// goes out with what was removed.
	bob.send("room.remove_members", map[string]any{"room_id": group, "members": []int64{alice.u.ID, erin.u.ID}})
	rm = asObject(t, expectSame(t, "roomremovemembers.dispatch", alice, bob, dave))
	assertEqual(t, "removed_members", rm["removed_members"], []any{})
	assertUserIDs(t, "participants", get(t, rm, "room", "participants"), alice.u, bob.u, dave.u)

	bob.send("room.remove_members", map[string]any{"room_id": group, "members": []int64{999999}})
	bob.expectErrorDetail(4004, "Resource not found.")
	dave.send("room.remove_members", map[string]any{"room_id": group, "members": []int64{bob.u.ID}})
	dave.expectErrorDetail(4002, "User is not authorized to remove members from this room")
	erin.send("room.remove_members", map[string]any{"room_id": group, "members": []int64{dave.u.ID}})
	erin.expectErrorDetail(4002, "User is not authorized to remove members from this room")
	bob.send("room.remove_members", map[string]any{"room_id": group})
	bob.expectError(4003)

	// Removing an admin removes the role too.
	alice.send("room.remove_members", map[string]any{"room_id": group, "members": []int64{bob.u.ID}})
	assertEqual(t, "roomexit message", bob.expectObject("roomexit.dispatch")["message"], "You have been removed by alice")
	rm = asObject(t, expectSame(t, "roomremovemembers.dispatch", alice, dave))
	assertUserIDs(t, "admins", get(t, rm, "room", "admins"), alice.u)
	assertUserIDs(t, "participants", get(t, rm, "room", "participants"), alice.u, dave.u)
	// Re-added, bob is a plain participant.
	alice.send("room.add_members", map[string]any{"room_id": group, "members": []int64{bob.u.ID}})
	expectSame(t, "roomaddmembers.dispatch", alice, bob, dave)
	bob.send("room.remove_members", map[string]any{"room_id": group, "members": []int64{dave.u.ID}})
	bob.expectErrorDetail(4002, "User is not authorized to remove members from this room")

	// The creator may remove herself; the room lives on.
	alice.send("room.remove_members", map[string]any{"room_id": group, "members": []int64{alice.u.ID}})
	assertEqual(t, "roomexit", alice.expectObject("roomexit.dispatch")["message"], "You have been removed by alice")
	rm = asObject(t, expectSame(t, "roomremovemembers.dispatch", bob, dave))
	assertEqual(t, "removed_members", rm["removed_members"], []any{"alice"})
	assertUserIDs(t, "participants", get(t, rm, "room", "participants"), bob.u, dave.u)
	sendMessage(t, bob, group, "alice left", dave)
	quiet(alice)

	dm := createOneToOne(t, alice, erin.u, erin)
	alice.send("room.remove_members", map[string]any{"room_id": dm, "members": []int64{erin.u.ID}})
	alice.expectValidation("Invalid room, Can only add or remove members from Groups/Channels")

	// Channels: the remove permission lets a subscriber remove others.
	ch := createChannel(t, alice, "Ch", []user{bob.u, dave.u}, nil, bob, dave)
	modify(alice, ch, "add_permission", map[string]any{"users": []int64{bob.u.ID}, "permission": []string{"can_remove_subscribers"}})
	expectSame(t, "roomupdate.dispatch", alice, bob, dave)
	bob.send("room.remove_members", map[string]any{"room_id": ch, "members": []int64{dave.u.ID}})
	assertEqual(t, "roomexit", dave.expectObject("roomexit.dispatch")["message"], "You have been removed by bob")
	rm = asObject(t, expectSame(t, "roomremovemembers.dispatch", alice, bob))
	assertUserIDs(t, "subscribers", get(t, rm, "room", "subscribers"), alice.u, bob.u)
	quiet(alice, bob, carol, carol2, dave, erin)
}

// TestRoomRemoveLastMemberDeletes: a group left with no participants by
// room.remove_members is deleted (docs/protocol.md §1.5), without a server fault.
func TestRoomRemoveLastMemberDeletes(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	alice := s.login(t, "alice")
	outsider := s.login(t, "outsider")
	group := createGroup(t, alice, "solo", nil, nil)
	alice.send("room.remove_members", map[string]any{"room_id": group, "members": []int64{alice.u.ID}})
	f := alice.nextFrame()
	switch f.EventType() {
	case "roomdelete.dispatch":
		assertEqual(t, "roomdelete", f.Object["data"], map[string]any{"room_id": group})
	case "roomexit.dispatch":
		assertEqual(t, "roomexit message", get(t, f.Object, "data", "message"), "You have been removed by alice")
	default:
		t.Fatalf("removing the last member: got %s, want roomdelete (or roomexit)", f)
	}
	outsider.send("room.info", map[string]any{"room_id": group})
	outsider.expectErrorDetail(4004, "Resource not found.")
	if list := roomList(t, alice); len(list) != 0 {
		t.Fatalf("alice's rooms = %s", mustJSON(list))
	}
}
