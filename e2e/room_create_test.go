package e2e

import (
	"strings"
	"testing"
)

func TestRoomCreateOneToOne(t *testing.T) {
	t.Parallel()
	s, alice, bob, carol := startTrio(t)
	alice2 := s.connect(t, alice.u)

	room := createRoom(t, alice, map[string]any{"type": "OneToOneChat", "participants": []int64{bob.u.ID}}, alice2, bob)
	assertUserIDs(t, "participants", room["participants"], alice.u, bob.u)
	assertUser(t, asArray(t, room["participants"])[0], alice.u)
	assertEqual(t, "property", room["property"], map[string]any{"preferences": map[string]any{}})
	quiet(carol)

	// One 1-1 per unordered pair.
	bob.send("room.create", map[string]any{"type": "OneToOneChat", "participants": []int64{alice.u.ID}})
	bob.expectErrorContaining(4003, "Chat already exists")
	alice.send("room.create", map[string]any{"type": "OneToOneChat", "participants": []int64{bob.u.ID}})
	alice.expectErrorContaining(4003, "Chat already exists")

	// Exactly two participants; unknown users are dropped.
	for _, participants := range []any{[]int64{}, []int64{alice.u.ID}, []int64{bob.u.ID, carol.u.ID}, []int64{999999}, nil} {
		data := map[string]any{"type": "OneToOneChat"}
		if participants != nil {
			data["participants"] = participants
		}
		alice.send("room.create", data)
		alice.expectErrorContaining(4003, "A one to one chat can only have 2 participants")
	}
	quiet(alice, alice2, bob, carol)

	// No orphan rooms were left by the refused creations.
	list := roomList(t, alice)
	if len(list) != 1 || getString(t, list[0], "id") != room["id"] {
		t.Fatalf("alice's rooms = %s, want only %s", mustJSON(list), room["id"])
	}
	alice2.expect("roomlist.dispatch")
	if list := roomList(t, carol); len(list) != 0 {
		t.Fatalf("carol's rooms = %s, want none", mustJSON(list))
	}
}

func TestRoomCreateGroup(t *testing.T) {
	t.Parallel()
	s, alice, bob := startPair(t)
	var others []user
	others = append(others, bob.u)
	for _, n := range []string{"u1", "u2", "u3", "u4", "u5", "u6"} {
		others = append(others, s.CreateUser(t, n))
	}

	room := createRoom(t, alice, map[string]any{
		"type": "GroupChat", "name": "Seven", "participants": append(ids(others...), 999999),
	}, bob)
	assertUserIDs(t, "participants", room["participants"], append([]user{alice.u}, others...)...)
	assertUserIDs(t, "admins", room["admins"], alice.u)
	assertUser(t, room["creator"], alice.u)
	assertEqual(t, "group defaults", map[string]any{
		"name": room["name"], "description": room["description"], "max_participants": room["max_participants"],
		"avatar": room["avatar"], "join_approval_required": room["join_approval_required"],
		"group_locked": room["group_locked"], "property": room["property"],
	}, map[string]any{
		"name": "Seven", "description": nil, "max_participants": 100, "avatar": nil,
		"join_approval_required": false, "group_locked": false, "property": map[string]any{"preferences": map[string]any{}},
	})

	room = createRoom(t, alice, map[string]any{
		"type": "GroupChat", "name": "Tuned", "description": "about",
		"extra_fields": map[string]any{"max_participants": 10, "join_approval_required": true, "group_locked": true,
			"avatar": "https://example.test/a.png"},
	})
	assertEqual(t, "tuned group", map[string]any{
		"description": room["description"], "max_participants": room["max_participants"],
		"join_approval_required": room["join_approval_required"], "group_locked": room["group_locked"],
		"avatar": room["avatar"],
	}, map[string]any{"description": "about", "max_participants": 10, "join_approval_required": true,
		"group_locked": true, "avatar": "https://example.test/a.png"})

	room = createRoom(t, alice, map[string]any{
		"type": "GroupChat", "name": "Dark",
		"extra_fields": map[string]any{"property": map[string]any{"preferences": map[string]any{"theme": "dark"}}},
	})
	assertEqual(t, "preferences", get(t, room, "property", "preferences"), map[string]any{"theme": "dark"})
	assertUserIDs(t, "participants", room["participants"], alice.u)

	room = createRoom(t, alice, map[string]any{"type": "GroupChat", "name": "Dups",
		"participants": []int64{alice.u.ID, bob.u.ID, bob.u.ID}}, bob)
	assertUserIDs(t, "participants given twice", room["participants"], alice.u, bob.u)
	createRoom(t, alice, map[string]any{"type": "GroupChat", "name": "Empty list", "participants": []int64{}})
	// Lengths count characters, not bytes.
	createRoom(t, alice, map[string]any{"type": "GroupChat", "name": strings.Repeat("é", 64)})

	// Cap, atomically: no room is left behind.
	alice.send("room.create", map[string]any{"type": "GroupChat", "name": "Too many", "participants": ids(others...),
		"extra_fields": map[string]any{"max_participants": 5}})
	alice.expectErrorContaining(4003, "Maximum number of group participants exceeded")
	quiet(bob)

	alice.send("room.create", map[string]any{"type": "GroupChat"})
	alice.expectErrorDetail(4003, map[string]any{"name": []any{"This field is required."}})
	alice.send("room.create", map[string]any{"type": "GroupChat", "name": strings.Repeat("é", 65)})
	alice.expectErrorDetail(4003, map[string]any{"name": []any{"Ensure this field has no more than 64 characters."}})
	alice.send("room.create", map[string]any{"type": "GroupChat", "name": "P", "extra_fields": map[string]any{"property": "dark"}})
	alice.expectValidation("Room property must be a python dictionary/javascript object")
	alice.send("room.create", map[string]any{"type": "GroupChat", "name": "P",
		"extra_fields": map[string]any{"property": map[string]any{"preferences": []any{"dark"}}}})
	alice.expectValidation("preferences must be a python dictionary/javascript object")
	for _, typ := range []any{"Bogus", "groupchat", 5, nil} {
		alice.send("room.create", map[string]any{"type": typ, "name": "X"})
		alice.expectValidation("Invalid resource type")
	}
	alice.send("room.create", map[string]any{"name": "X"})
	alice.expectValidation("Invalid resource type")

	list := roomList(t, alice)
	if len(list) != 6 {
		t.Fatalf("alice has %d rooms after 6 successful and many refused creations: %s", len(list), mustJSON(list))
	}
	for _, r := range list {
		if n := get(t, r, "name"); n == "Too many" || n == "P" || n == "X" {
			t.Fatalf("a refused room.create left room %s", mustJSON(r))
		}
	}
}

func TestRoomCreateChannel(t *testing.T) {
	t.Parallel()
	s, alice, bob := startPair(t)
	subs := []user{bob.u}
	for _, n := range []string{"s1", "s2", "s3", "s4", "s5", "s6"} {
		subs = append(subs, s.CreateUser(t, n))
	}

	room := createRoom(t, alice, map[string]any{"type": "Channel", "name": "News", "subscribers": ids(subs...)}, bob)
	assertUserIDs(t, "subscribers", room["subscribers"], append([]user{alice.u}, subs...)...)
	assertUserIDs(t, "moderators", room["moderators"], alice.u)
	assertUser(t, room["creator"], alice.u)
	assertEqual(t, "channel defaults", map[string]any{
		"description": room["description"], "is_public": room["is_public"], "avatar": room["avatar"],
		"max_subscribers": room["max_subscribers"],
	}, map[string]any{"description": nil, "is_public": false, "avatar": nil, "max_subscribers": 300})

	room = createRoom(t, alice, map[string]any{"type": "Channel", "name": "Open",
		"extra_fields": map[string]any{"is_public": true, "max_subscribers": 10}})
	assertEqual(t, "is_public", room["is_public"], true)
	assertEqual(t, "max_subscribers", room["max_subscribers"], 10)

	// participants mean nothing to a channel.
	room = createRoom(t, alice, map[string]any{"type": "Channel", "name": "Solo", "participants": []int64{bob.u.ID}})
	assertUserIDs(t, "subscribers", room["subscribers"], alice.u)
	quiet(bob)

	alice.send("room.create", map[string]any{"type": "Channel", "name": "Capped", "subscribers": ids(subs...),
		"extra_fields": map[string]any{"max_subscribers": 3}})
	alice.expectErrorContaining(4003, "Maximum number of channel subscribers exceeded")
	alice.send("room.create", map[string]any{"type": "Channel"})
	alice.expectErrorDetail(4003, map[string]any{"name": []any{"This field is required."}})
	quiet(alice, bob)
	if n := len(roomList(t, alice)); n != 3 {
		t.Fatalf("alice has %d rooms, want 3", n)
	}
}
