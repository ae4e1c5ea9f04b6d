package e2e

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// TestSlowReaderInBusyRoom: in a room with steady traffic (alice sends
// messages of 512 KiB one after the other, each once the previous one came
// back), one member's client reads its first frame and then never reads
// again. Bob, who reads, gets every message exactly once; the slow client
// is disconnected as a slow consumer (its queue over its byte budget, or,
// when the traffic is too thin for that, a write to it timed out), counted
// in chatwasm_slow_consumer_disconnects_total, and finds its connection
// ended once it reads; and the server's resident memory never grows by as much as the
// room's traffic: what a connection that does not read can hold is bounded
// by its outbound queue's byte budget, whatever is sent to it.
func TestSlowReaderInBusyRoom(t *testing.T) {
	t.Parallel()
	const (
		pad = 512 << 10 // bytes of each message
		// The traffic is five times the outbound queue's byte budget
		// (gateway.DefaultConfig().QueueBytes, 32 MiB): a server holding
		// everything for the slow client would hold 160 MiB more. One
		// bounding its queue holds at most the budget, twice with the
		// garbage collector's headroom, plus the frames in flight: about
		// 95 MiB measured, well below 144 MiB.
		queueBytes = 32 << 20
		messages   = 5 * queueBytes / pad
		rssBound   = 9 * queueBytes / 2
	)
	s := startServer(t, withFlags("--frame-rate", "0"))
	alice, bob := s.login(t, "alice"), s.login(t, "bob")
	slowUser := s.CreateUser(t, "slow")
	room := createGroup(t, alice, "busy", []user{bob.u, slowUser}, nil, bob)

	ws, _, err := websocket.DefaultDialer.Dial(s.WSURL(slowUser.Token), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	// Its first frame says it is in its rooms' groups; then it stops reading.
	if _, first, err := ws.ReadMessage(); err != nil {
		t.Fatal(err)
	} else if !bytes.Contains(first, []byte(`"chat.notifications"`)) {
		t.Fatalf("the slow client's first frame is %s, want chat.notifications", first)
	}

	disconnects := s.metric(t, "chatwasm_slow_consumer_disconnects_total")
	rss := s.metric(t, "process_resident_memory_bytes")
	if rss <= 0 {
		t.Fatal("the server does not expose process_resident_memory_bytes")
	}
	received := watch(bob)
	sender := sendAcked(t, alice, room, "busy", pad)
	peak := rss
	for len(sender.acknowledged()) < messages {
		select {
		case <-sender.done:
			t.Fatalf("alice's connection ended after %d messages: %v", len(sender.acknowledged()), alice.ReadErr())
		case <-time.After(50 * time.Millisecond):
		}
		peak = max(peak, s.metric(t, "process_resident_memory_bytes"))
	}
	sender.stop()

	if got := s.metric(t, "chatwasm_slow_consumer_disconnects_total") - disconnects; got != 1 {
		t.Errorf("slow consumer disconnects: %v more, want 1 (the slow client alone)", got)
	}
	t.Logf("RSS %.0f MiB before the traffic, %.0f MiB at most during it", rss/(1<<20), peak/(1<<20))
	if grown := peak - rss; grown >= rssBound {
		t.Errorf("the server's RSS grew by %.0f MiB (from %.0f MiB) while %d MiB went to the room, want less than %d MiB",
			grown/(1<<20), rss/(1<<20), messages*pad>>20, rssBound>>20)
	}
	eventually(t, "bob received every message", func() bool {
		for _, content := range sender.acknowledged() {
			if received.count(content) == 0 {
				return false
			}
		}
		return true
	})
	for content, n := range received.from("busy") {
		if n != 1 {
			t.Errorf("bob received %q %d times", content, n)
		}
	}

	// Reading at last, the slow client gets what was on its way, then the
	// end of its connection (abrupt when the server's write to it timed out
	// first); the server no longer counts it.
	for {
		if _, _, err = ws.ReadMessage(); err != nil {
			break
		}
	}
	var ce *websocket.CloseError
	if errors.As(err, &ce) && ce.Code != websocket.ClosePolicyViolation && ce.Code != websocket.CloseAbnormalClosure {
		t.Errorf("the slow client's connection ended with %v, want close 1008 or an abrupt end", err)
	}
	eventually(t, "the slow connection is closed", func() bool {
		return s.metric(t, "chatwasm_connections_open") == 2
	})
}
