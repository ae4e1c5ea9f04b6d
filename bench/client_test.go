package bench

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/chatwasm/chatwasm/internal/testserver"
)

// client is one WebSocket connection of a user: frames go to the handler
// the load sets (Handle), and are queued for waitFor otherwise.
type client struct {
	*testserver.Conn
	u testserver.User
}

// dial connects u to n and returns once the server has set the connection
// up; it is closed at cleanup.
func dial(tb testing.TB, n *testserver.Server, u testserver.User) *client {
	tb.Helper()
	return &client{Conn: n.Connect(tb, u.Token), u: u}
}

// waitFor skips frames until one of eventType arrives and returns its data.
func (c *client) waitFor(tb testing.TB, eventType string) json.RawMessage {
	tb.Helper()
	deadline := time.Now().Add(waitTimeout)
	mark := []byte(`"eventType":"` + eventType + `"`)
	for {
		f, ok := c.Next(time.Until(deadline))
		if !ok {
			tb.Fatalf("%s: no %s within %v (%v)", c.u.Username, eventType, waitTimeout, c.ReadErr())
		}
		if !bytes.Contains(f.Raw, mark) {
			continue
		}
		var data struct {
			Data json.RawMessage `json:"data"`
		}
		if err := json.Unmarshal(f.Raw, &data); err != nil {
			tb.Fatalf("%s: %s: %v", c.u.Username, f.Raw, err)
		}
		return data.Data
	}
}

// createGroup has creator create a GroupChat with members and waits until
// every connection in conns has its roomcreate.dispatch; it returns its id.
func createGroup(tb testing.TB, creator *client, members []testserver.User, conns []*client) string {
	tb.Helper()
	ids := make([]int64, len(members))
	for i, u := range members {
		ids[i] = u.ID
	}
	if err := creator.Send("room.create", map[string]any{"type": "GroupChat", "name": "bench", "participants": ids}); err != nil {
		tb.Fatal(err)
	}
	var room struct {
		ID string `json:"id"`
	}
	for _, c := range conns {
		if err := json.Unmarshal(c.waitFor(tb, "roomcreate.dispatch"), &room); err != nil {
			tb.Fatalf("roomcreate.dispatch to %s: %v", c.u.Username, err)
		}
		if room.ID == "" {
			tb.Fatalf("roomcreate.dispatch to %s: no room id", c.u.Username)
		}
	}
	return room.ID
}
