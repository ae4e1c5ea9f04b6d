package e2e

import (
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// TestFramesFuzzedOverALiveSocket: one client sends 200 generated frames
// (random bytes, binary frames, JSON of every kind, real event types with
// random data) while another keeps chatting. The fuzzing client's
// connection stays open and answers its heartbeat, the other's messages all
// arrive in order, and the server logs no panic. The generator is seeded,
// so a failure replays.
func TestFramesFuzzedOverALiveSocket(t *testing.T) {
	t.Parallel()
	// The default frame rate paces mallory (bursts of 50, then 20 a
	// second), so that however slow the machine, the server's replies to
	// her never fill her outbound queue: being dropped as a slow consumer
	// is not what this test is about.
	s, alice, bob := startPair(t)
	mallory := s.login(t, "mallory")
	room := createGroup(t, alice, "calm", []user{bob.u}, nil, bob)
	own := createGroup(t, mallory, "own", nil, nil)

	rng := rand.New(rand.NewPCG(1, 2))
	events := []string{"message.send", "message.react", "message.modify", "message.read", "message.acknowledged",
		"message.typing", "room.create", "room.list", "room.info", "room.add_members", "room.remove_members",
		"room.messages", "room.join", "room.leave", "room.modify", "session.heartbeat", "", "nope", "room."}
	values := []any{nil, true, 0, -1, 1e308, "", "x", room, strings.Repeat("é", 300), []any{}, []any{room, 1},
		map[string]any{}, map[string]any{"room_id": room}, map[string]any{"room_id": []any{room}}}
	randomValue := func() any { return values[rng.IntN(len(values))] }
	fuzzed := make(chan struct{})
	go func() {
		defer close(fuzzed)
		for i := range 200 {
			var b []byte
			msgType := websocket.TextMessage
			switch rng.IntN(4) {
			case 0: // bytes
				b = make([]byte, rng.IntN(64))
				for j := range b {
					b[j] = byte(rng.IntN(256))
				}
				if rng.IntN(4) == 0 {
					msgType = websocket.BinaryMessage
				}
			case 1: // any JSON
				b, _ = json.Marshal(randomValue())
			default: // an event with random data
				data := map[string]any{}
				for range rng.IntN(4) {
					data[[]string{"room_id", "message_id", "content", "type", "members", "paginate", "extra_fields"}[rng.IntN(7)]] = randomValue()
				}
				b, _ = json.Marshal(map[string]any{"event_type": events[rng.IntN(len(events))], "data": data})
			}
			if err := mallory.WriteMessage(msgType, b); err != nil {
				t.Errorf("frame %d: write: %v", i, err)
				return
			}
		}
	}()
	for i := range 20 {
		sendMessage(t, alice, room, strings.Repeat("calm ", i+1), bob)
	}
	// Whatever mallory's frames did, its connection still serves it: its
	// message, sent after them all, comes back.
	<-fuzzed
	mallory.send("message.send", map[string]any{"room_id": own, "content": "still here"})
	deadline := time.Now().Add(expectTimeout)
	for {
		f, ok := mallory.Next(time.Until(deadline))
		if !ok {
			t.Fatalf("mallory's connection ended: %v", mallory.ReadErr())
		}
		if strings.Contains(string(f.Raw), `"content":"still here"`) {
			break
		}
	}
	if strings.Contains(s.Log(), "panic") {
		t.Errorf("the server log mentions a panic:\n%s", s.Log())
	}
	s.assertHealthy(t)
}
