package e2e

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestAuthRejectsWith4001 covers every way a connection can fail to
// authenticate: the upgrade is accepted, then the server closes with 4001.
func TestAuthRejectsWith4001(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	alice := s.CreateUser(t, "alice")
	expired := s.Token(t, alice.ID, "1s")
	gone := s.CreateUser(t, "gone")
	s.deleteUser(t, gone.ID)
	s.CreateUser(t, "successor") // must not inherit gone's id or token

	parts := strings.Split(alice.Token, ".")
	if len(parts) != 3 {
		t.Fatalf("token %q is not a JWT", alice.Token)
	}
	sig := []byte(parts[2])
	mid := len(sig) / 2
	if sig[mid] == 'A' {
		sig[mid] = 'B'
	} else {
		sig[mid] = 'A'
	}
	tampered := parts[0] + "." + parts[1] + "." + string(sig)

	other := startServer(t)
	foreign := other.CreateUser(t, "alice").Token // same claims shape, other secret

	time.Sleep(2500 * time.Millisecond) // let the 1s token expire
	cases := []struct {
		name, url string
		header    http.Header
	}{
		{"missing token", s.WSURL(""), nil},
		{"empty token", s.WSURL("") + "?token=", nil},
		{"garbage token", s.WSURL("not-a-jwt"), nil},
		{"tampered signature", s.WSURL(tampered), nil},
		{"signed with another secret", s.WSURL(foreign), nil},
		{"expired token", s.WSURL(expired), nil},
		{"deleted user", s.WSURL(gone.Token), nil},
		{"garbage bearer header", s.WSURL(""), http.Header{"Authorization": {"Bearer not-a-jwt"}}},
	}
	for _, tc := range cases {
		c, err := dial(t, tc.url, tc.header)
		if err != nil {
			t.Errorf("%s: upgrade refused (%v); want it accepted, then close 4001", tc.name, err)
			continue
		}
		c.u.Username = tc.name
		if code := c.expectClose(); code != 4001 {
			t.Errorf("%s: close code %d, want 4001", tc.name, code)
		}
	}
}

// TestAuthBearerHeader connects with the token in an Authorization header.
func TestAuthBearerHeader(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	u := s.CreateUser(t, "alice")
	c, err := dial(t, s.WSURL(""), http.Header{"Authorization": {"Bearer " + u.Token}})
	if err != nil {
		t.Fatalf("dial with bearer header: %v", err)
	}
	c.u = u
	assertEqual(t, "first frame event", c.nextFrame().EventType(), "chat.notifications")
	c.heartbeat()
}

// TestWSPath serves the WebSocket on --ws-path only.
func TestWSPath(t *testing.T) {
	t.Parallel()
	s := startServer(t, withWSPath("/chat/ws/"))
	c := s.login(t, "alice")
	c.heartbeat()
	u := s.CreateUser(t, "bob")
	// The default path is not the chat any more: the upgrade fails or, if
	// something answers, no chat frame comes.
	if c, err := dial(t, "ws://"+s.Addr+"/messaging/?token="+u.Token, nil); err == nil {
		c.u = u
		c.expectNothing(quietPeriod)
	}
}
