package testserver

import (
	"reflect"
	"strings"
	"testing"
)

// heartbeat sends session.heartbeat on c and fails unless the next frame
// is its reply.
func heartbeat(t *testing.T, c *Conn) {
	t.Helper()
	if err := c.Send("session.heartbeat", map[string]any{}); err != nil {
		t.Fatal(err)
	}
	f, ok := c.Next(frameTimeout)
	if !ok {
		t.Fatalf("no reply to the heartbeat (%v)", c.ReadErr())
	}
	if want := map[string]any{"status": "success"}; !reflect.DeepEqual(f.Object, want) {
		t.Errorf("heartbeat reply %s, want %v", f, want)
	}
}

// TestServer starts a server, creates a user, connects it, and stops the
// server cleanly.
func TestServer(t *testing.T) {
	s := Start(t)
	u := s.CreateUser(t, "alice")
	if u.Username != "alice" {
		t.Errorf("username %q, want alice", u.Username)
	}
	if u.Token == "" {
		t.Fatal("no token")
	}
	c := s.Connect(t, u.Token)
	if c.Notifications == nil {
		t.Error("Connect kept no chat.notifications data")
	}
	heartbeat(t, c)
	c.Close()
	if err := s.Stop(); err != nil {
		t.Fatalf("stop: %v", err)
	}
	if err := s.Stop(); err != nil {
		t.Errorf("second stop: %v, want the first's result", err)
	}
	if !strings.Contains(s.Log(), "msg=listening") {
		t.Errorf("the log has no listening line:\n%s", s.Log())
	}
}

// TestFlags: the flags that change what a client sees are read back, and a
// second node shares the first's database and secrets.
func TestFlags(t *testing.T) {
	s := Start(t, WithFlags("--ws-path", "/ws/", "--notifications=false"))
	if s.WSPath != "/ws/" {
		t.Errorf("WSPath %q, want /ws/", s.WSPath)
	}
	if s.Notifications {
		t.Error("Notifications on with --notifications=false")
	}
	// Without chat.notifications, the heartbeat's reply is the first frame.
	c := s.Connect(t, s.CreateUser(t, "bob").Token)
	heartbeat(t, c)
	if c.Notifications != nil {
		t.Errorf("Notifications %v without chat.notifications", c.Notifications)
	}

	other := Start(t, SharingDatabaseWith(s), WithFlags("--ws-path", "/ws/", "--notifications=false"))
	type shared struct{ DB, Secret, AdminToken string }
	if got, want := (shared{other.DB, other.Secret, other.AdminToken}), (shared{s.DB, s.Secret, s.AdminToken}); got != want {
		t.Errorf("second node %+v, want the first's %+v", got, want)
	}
	heartbeat(t, other.Connect(t, other.CreateUser(t, "carol").Token))
}
