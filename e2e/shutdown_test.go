package e2e

import (
	"testing"

	"github.com/gorilla/websocket"
)

// TestGracefulShutdown: SIGTERM with open connections closes them with a
// close frame and the process exits 0.
func TestGracefulShutdown(t *testing.T) {
	t.Parallel()
	s, alice, bob := startPair(t)
	alice2 := s.connect(t, alice.u)
	dm := createOneToOne(t, alice, bob.u, alice2, bob)
	sendMessage(t, bob, dm, "before shutdown", alice, alice2)

	if err := s.Stop(); err != nil {
		t.Fatalf("stop: %v", err)
	}
	for _, c := range []*client{alice, alice2, bob} {
		if code := c.expectClose(); code != websocket.CloseGoingAway && code != websocket.CloseNormalClosure {
			t.Errorf("%s: close code %d on shutdown, want 1001 (going away) or 1000", c.u.Username, code)
		}
	}
	if _, err := dial(t, s.WSURL(bob.u.Token), nil); err == nil {
		t.Fatalf("the server still accepts connections after exiting")
	}
}
