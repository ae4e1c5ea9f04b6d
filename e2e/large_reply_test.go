package e2e

import (
	"strings"
	"testing"
)

// TestLargeReplyRefused: an unpaginated history larger than the outbound
// frame limit (16 MiB) is not built into one frame for the client: the
// request gets a 4003 saying so, the connection stays usable, and the
// paginated history still serves the same messages.
func TestLargeReplyRefused(t *testing.T) {
	t.Parallel()
	_, alice, _ := startPair(t)
	room := createGroup(t, alice, "big", nil, nil)
	big := strings.Repeat("x", 900_000)
	for range 20 { // 18 MB of content
		alice.send("message.send", map[string]any{"room_id": room, "content": big})
		alice.expect("message.dispatch")
	}
	alice.send("room.messages", map[string]any{"room_id": room})
	detail := alice.expectError(4003)
	if !strings.Contains(mustJSON(detail), "The response is too large") {
		t.Fatalf("detail %s, want the response-too-large message", mustJSON(detail))
	}
	alice.heartbeat()
	page := paginate(t, alice, room, 1, 5)
	if msgs := asArray(t, get(t, page, "data", "messages")); len(msgs) != 5 {
		t.Fatalf("paginated history: %d messages, want 5", len(msgs))
	}
}
