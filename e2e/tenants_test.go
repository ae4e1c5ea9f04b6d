package e2e

import (
	"testing"
)

// TestTenantIsolation: users of different tenants never share a room and
// never see each other's rooms, messages or users; to a caller, the other
// tenant's objects do not exist.
func TestTenantIsolation(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	alice := s.connect(t, s.CreateUserIn(t, "acme", "alice"))
	bob := s.connect(t, s.CreateUserIn(t, "acme", "bob"))
	eve := s.connect(t, s.CreateUserIn(t, "evil", "eve"))
	dan := s.login(t, "dan") // default tenant

	// Cross-tenant ids are unknown users.
	for _, pair := range [][2]*client{{alice, eve}, {eve, alice}, {dan, alice}} {
		pair[0].send("room.create", map[string]any{"type": "OneToOneChat", "participants": []int64{pair[1].u.ID}})
		pair[0].expectErrorContaining(4003, "A one to one chat can only have 2 participants")
	}
	room := createRoom(t, alice, map[string]any{"type": "GroupChat", "name": "acme only",
		"participants": []int64{bob.u.ID, eve.u.ID, dan.u.ID}}, bob)
	assertUserIDs(t, "participants", room["participants"], alice.u, bob.u)
	group := room["id"].(string)
	public := createChannel(t, alice, "acme public", []user{bob.u}, map[string]any{"is_public": true}, bob)
	m := sendMessage(t, alice, public, "acme news", bob)
	quiet(eve, dan)

	alice.send("room.add_members", map[string]any{"room_id": group, "members": []int64{eve.u.ID}})
	alice.expectErrorDetail(4004, "Resource not found.")
	alice.send("room.remove_members", map[string]any{"room_id": group, "members": []int64{eve.u.ID}})
	alice.expectErrorDetail(4004, "Resource not found.")
	modify(alice, group, "add_admin", map[string]any{"users": []int64{eve.u.ID}})
	assertUserIDs(t, "admins", get(t, expectSame(t, "roomupdate.dispatch", alice, bob), "admins"), alice.u)

	// The other tenant's rooms and messages do not exist for eve.
	for _, req := range []struct {
		event string
		data  map[string]any
	}{
		{"room.join", map[string]any{"room_id": public}},
		{"room.info", map[string]any{"room_id": public}},
		{"room.messages", map[string]any{"room_id": group}},
		{"room.leave", map[string]any{"room_id": group}},
		{"room.modify", map[string]any{"room_id": group, "action": "delete"}},
		{"room.add_members", map[string]any{"room_id": group, "members": []int64{eve.u.ID}}},
		{"message.send", map[string]any{"room_id": public, "content": "spam"}},
		{"message.typing", map[string]any{"room_id": public}},
		{"message.read", map[string]any{"message_id": m["id"]}},
		{"message.acknowledged", map[string]any{"message_id": m["id"]}},
		{"message.react", map[string]any{"type": "add", "message_id": m["id"], "reaction_content": "x"}},
		{"message.modify", map[string]any{"action": "delete", "message_id": m["id"]}},
	} {
		eve.send(req.event, req.data)
		f := eve.nextFrame()
		if !jsonEqual(f.Object, map[string]any{"error": map[string]any{"code": 4004, "detail": "Resource not found."}}) {
			t.Errorf("eve %s on acme's room/message: got %s, want 4004 Resource not found.", req.event, f)
		}
	}
	if list := roomList(t, eve); len(list) != 0 {
		t.Fatalf("eve sees rooms %s", mustJSON(list))
	}

	// eve's own room and message are equally invisible to acme.
	evil := createChannel(t, eve, "evil public", nil, map[string]any{"is_public": true})
	em := sendMessage(t, eve, evil, "evil news")
	alice.send("room.join", map[string]any{"room_id": evil})
	alice.expectErrorDetail(4004, "Resource not found.")
	alice.send("message.send", map[string]any{"room_id": group, "content": "fwd",
		"extra_fields": map[string]any{"forwarded_from_id": em["id"]}})
	f := alice.nextFrame()
	if _, ok := f.Object["error"]; !ok {
		t.Fatalf("forwarding another tenant's message: got %s, want an error", f)
	}
	quiet(alice, bob, eve, dan)
	if list := roomList(t, dan); len(list) != 0 {
		t.Fatalf("dan sees rooms %s", mustJSON(list))
	}
	if list := roomList(t, alice); len(list) != 2 {
		t.Fatalf("alice sees %d rooms, want her 2", len(list))
	}
}
