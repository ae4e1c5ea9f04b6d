package wire

import "testing"

// TestRoomOfGroup: a room's group gives back its id; a user's group, the
// bare prefix and other names give none.
func TestRoomOfGroup(t *testing.T) {
	if id, ok := RoomOfGroup(RoomGroup("r1")); !ok || id != "r1" {
		t.Errorf("RoomOfGroup(RoomGroup(r1)) = %q, %v", id, ok)
	}
	for _, g := range []string{UserGroup(7), RoomGroup(""), "", "groupx"} {
		if id, ok := RoomOfGroup(g); ok || id != "" {
			t.Errorf("RoomOfGroup(%q) = %q, %v; want none", g, id, ok)
		}
	}
}
