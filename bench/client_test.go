package bench

import (
	"bytes"
	"encoding/json"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// client is one WebSocket connection of a user. Its reader hands every
// frame to the handler when one is set, and queues it for waitFor otherwise.
type client struct {
	u       user
	conn    *websocket.Conn
	frames  chan []byte
	handler atomic.Pointer[func([]byte)]
	writeMu sync.Mutex
}

// dial connects u to n and returns once the server has set the connection
// up; it is closed at cleanup.
func dial(tb testing.TB, n *node, u user) *client {
	tb.Helper()
	wsURL := url.URL{Scheme: "ws", Host: n.addr, Path: "/messaging/", RawQuery: url.Values{"token": {u.Token}}.Encode()}
	d := websocket.Dialer{HandshakeTimeout: waitTimeout}
	conn, _, err := d.Dial(wsURL.String(), nil)
	if err != nil {
		tb.Fatalf("dial %s as %s: %v", n.addr, u.Username, err)
	}
	c := &client{u: u, conn: conn, frames: make(chan []byte, 1024)}
	go c.read()
	tb.Cleanup(func() { _ = c.conn.Close() })
	// The server sends it once the connection is in its rooms' groups:
	// until then, broadcasts would miss it.
	c.waitFor(tb, "chat.notifications")
	return c
}

func (c *client) read() {
	defer close(c.frames)
	for {
		_, raw, err := c.conn.ReadMessage()
		if err != nil {
			return
		}
		if h := c.handler.Load(); h != nil {
			(*h)(raw)
			continue
		}
		select {
		case c.frames <- raw:
		default: // nobody waits for it
		}
	}
}

// handle sets (or, with nil, removes) the frame handler; it runs on the
// reader goroutine.
func (c *client) handle(h func([]byte)) {
	if h == nil {
		c.handler.Store(nil)
		return
	}
	c.handler.Store(&h)
}

// send writes one request.
func (c *client) send(event string, data any) error {
	b, err := json.Marshal(map[string]any{"event_type": event, "data": data})
	if err != nil {
		return err
	}
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	if err := c.conn.SetWriteDeadline(time.Now().Add(waitTimeout)); err != nil {
		return err
	}
	return c.conn.WriteMessage(websocket.TextMessage, b)
}

// waitFor skips frames until one of eventType arrives and returns its data.
func (c *client) waitFor(tb testing.TB, eventType string) json.RawMessage {
	tb.Helper()
	timer := time.NewTimer(waitTimeout)
	defer timer.Stop()
	mark := []byte(`"eventType":"` + eventType + `"`)
	for {
		select {
		case raw, ok := <-c.frames:
			if !ok {
				tb.Fatalf("%s: connection closed while waiting for %s", c.u.Username, eventType)
			}
			if !bytes.Contains(raw, mark) {
				continue
			}
			var f struct {
				Data json.RawMessage `json:"data"`
			}
			if err := json.Unmarshal(raw, &f); err != nil {
				tb.Fatalf("%s: %s: %v", c.u.Username, raw, err)
			}
			return f.Data
		case <-timer.C:
			tb.Fatalf("%s: no %s within %v", c.u.Username, eventType, waitTimeout)
		}
	}
}

// createGroup has creator create a GroupChat with members and waits until
// every connection in conns has its roomcreate.dispatch; it returns its id.
func createGroup(tb testing.TB, creator *client, members []user, conns []*client) string {
	tb.Helper()
	ids := make([]int64, len(members))
	for i, u := range members {
		ids[i] = u.ID
	}
	if err := creator.send("room.create", map[string]any{"type": "GroupChat", "name": "bench", "participants": ids}); err != nil {
		tb.Fatal(err)
	}
	var room struct {
		ID string `json:"id"`
	}
	for _, c := range conns {
		if err := json.Unmarshal(c.waitFor(tb, "roomcreate.dispatch"), &room); err != nil || room.ID == "" {
			tb.Fatalf("roomcreate.dispatch: %v", err)
		}
	}
	return room.ID
}
