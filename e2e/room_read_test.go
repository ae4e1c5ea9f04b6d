package e2e

import (
	"testing"

	"github.com/chatwasm/chatwasm/internal/testserver"
)

func TestRoomList(t *testing.T) {
	t.Parallel()
	s, alice, bob, carol := startTrio(t)
	alice2 := s.connect(t, alice.u)

	if list := roomList(t, alice); len(list) != 0 {
		t.Fatalf("new user's rooms = %s, want []", mustJSON(list))
	}
	alice2.expect("roomlist.dispatch")

	dm := createOneToOne(t, alice, bob.u, alice2, bob)
	group := createGroup(t, alice, "G", []user{carol.u}, nil, alice2, carol)
	ch1 := createChannel(t, alice, "C1", nil, nil, alice2)
	ch2 := createChannel(t, alice, "C2", nil, nil, alice2)
	sendMessage(t, carol, group, "first", alice, alice2)
	last := sendMessage(t, bob, dm, "second", alice, alice2)

	// Rooms by last message, newest first; rooms without messages last, newest
	// created first (docs/decisions.md).
	list := roomList(t, alice)
	var order []string
	for _, r := range list {
		order = append(order, getString(t, r, "id"))
	}
	assertEqual(t, "room order", order, []string{dm, group, ch2, ch1})
	assertEqual(t, "roomlist on the other device", alice2.expect("roomlist.dispatch"), list)
	quiet(bob, carol) // private to alice's connections

	dmItem := findRoom(t, list, dm)
	assertUser(t, dmItem["peer"], bob.u)
	assertEqual(t, "1-1 last_message", dmItem["last_message"], last)
	assertUser(t, findRoom(t, list, group)["creator"], alice.u)
	assertEqual(t, "last_message of a room without messages", findRoom(t, list, ch1)["last_message"], nil)

	bobList := roomList(t, bob)
	if len(bobList) != 1 {
		t.Fatalf("bob's rooms = %s, want only the 1-1", mustJSON(bobList))
	}
	assertUser(t, findRoom(t, bobList, dm)["peer"], alice.u)
	if list := roomList(t, carol); len(list) != 1 || findRoom(t, list, group) == nil {
		t.Fatalf("carol's rooms = %s, want only G", mustJSON(list))
	}

	// data is ignored by room.list.
	bob.send("room.list", testserver.NoData)
	assertEqual(t, "room.list without data", len(asArray(t, bob.expect("roomlist.dispatch"))), 1)
	bob.send("room.list", nil)
	assertEqual(t, "room.list with null data", len(asArray(t, bob.expect("roomlist.dispatch"))), 1)
	quiet(alice, alice2, bob, carol)
}

func TestRoomInfo(t *testing.T) {
	t.Parallel()
	s, alice, bob, carol := startTrio(t)
	alice2 := s.connect(t, alice.u)
	group := createGroup(t, alice, "G", []user{bob.u}, nil, alice2, bob)

	info := roomInfo(t, alice, group)
	assertRoomDetail(t, info, "GroupChat")
	assertUserIDs(t, "participants", info["participants"], alice.u, bob.u)
	assertEqual(t, "roominfo on alice's other device", alice2.expect("roominfo.dispatch"), info)
	quiet(bob)

	carol.send("room.info", map[string]any{"room_id": group})
	carol.expectErrorDetail(4002, "User is not authorized access this room")
	carol.send("room.info", map[string]any{"room_id": "7b0f4a5e-9a51-4a36-9f0e-2f1f6a2b3c4d"})
	carol.expectErrorDetail(4004, "Resource not found.")
	carol.send("room.info", map[string]any{"room_id": 12345})
	carol.expectErrorDetail(4004, "Resource not found.")
	carol.send("room.info", map[string]any{"room_id": "abc"})
	carol.expectErrorDetail(4003, []any{"“abc” is not a valid UUID."})
	for _, bad := range []any{true, 1.5, []any{group}, map[string]any{}} {
		carol.send("room.info", map[string]any{"room_id": bad})
		carol.expectValidation("Invalid room_id type")
	}
	carol.send("room.info", map[string]any{})
	carol.expectValidation("Invalid room_id type")
	quiet(alice, alice2, bob, carol)
}
