package e2e

import (
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// TestConnectionsPerUserFlag: --max-conns-per-user caps a user's open
// connections; one more is closed with 1008, other users connect, and a
// closed connection frees its place.
func TestConnectionsPerUserFlag(t *testing.T) {
	t.Parallel()
	s := startServer(t, withFlags("--max-conns-per-user", "2"))
	alice := s.CreateUser(t, "alice")
	first := s.connect(t, alice)
	s.connect(t, alice)
	over, err := dial(t, s.WSURL(alice.Token), nil)
	if err != nil {
		t.Fatal(err)
	}
	over.u = alice
	if code := over.expectClose(); code != websocket.ClosePolicyViolation {
		t.Fatalf("third connection closed with %d, want 1008", code)
	}
	s.login(t, "bob").heartbeat()
	first.Close()
	deadline := time.Now().Add(expectTimeout)
	for {
		c, err := dial(t, s.WSURL(alice.Token), nil)
		if err != nil {
			t.Fatal(err)
		}
		c.u = alice
		if f, ok := c.Next(expectTimeout); ok && f.EventType() == "chat.notifications" {
			c.heartbeat()
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("no place freed by the closed connection")
		}
	}
}

// TestFrameRateFlag: with --frame-rate a burst of frames is answered in
// full and in order, over time.
func TestFrameRateFlag(t *testing.T) {
	t.Parallel()
	const rate, burst, frames = 20, 2, 12
	s := startServer(t, withFlags("--frame-rate", "20", "--frame-burst", "2"))
	alice := s.login(t, "alice")
	start := time.Now()
	for range frames {
		alice.send("session.heartbeat", map[string]any{})
	}
	for i := range frames {
		f := alice.nextFrame()
		if !jsonEqual(f.Object, map[string]any{"status": "success"}) {
			t.Fatalf("answer %d: %s", i, f)
		}
	}
	// A lower bound only: a slow machine makes it longer, never shorter.
	if min := time.Duration(frames-burst) * time.Second / rate; time.Since(start) < min*9/10 {
		t.Errorf("%d frames answered in %v at --frame-rate %d --frame-burst %d, want at least %v",
			frames, time.Since(start), rate, burst, min)
	}
}
