package e2e

import "testing"

// TestNullCharactersRefused: a NUL in any text field is the same clear 4003
// on both engines (PostgreSQL cannot store it; SQLite used to accept it),
// and nothing is stored.
func TestNullCharactersRefused(t *testing.T) {
	t.Parallel()
	_, alice, bob := startPair(t)
	const nul = "Null characters are not allowed."

	alice.send("room.create", map[string]any{"type": "GroupChat", "name": "a\x00b", "participants": ids(bob.u)})
	alice.expectErrorDetail(4003, map[string]any{"name": []any{nul}})
	alice.send("room.create", map[string]any{"type": "GroupChat", "name": "ok", "description": "d\x00",
		"participants": ids(bob.u)})
	alice.expectErrorDetail(4003, map[string]any{"description": []any{nul}})

	room := createGroup(t, alice, "clean", []user{bob.u}, nil, bob)
	m := sendMessage(t, alice, room, "hello", bob)
	alice.send("message.react", map[string]any{"message_id": m["id"], "type": "add", "reaction_content": "\x00"})
	alice.expectErrorDetail(4003, map[string]any{"reaction_content": []any{nul}})
	alice.send("message.send", map[string]any{"room_id": room, "content": "x\x00y"})
	alice.expectErrorDetail(4003, map[string]any{"content": []any{nul}})
	if got := len(history(t, alice, room)); got != 1 {
		t.Fatalf("%d messages stored, want 1", got)
	}
	quiet(alice, bob)
}
