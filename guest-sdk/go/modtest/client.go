package modtest

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	chatwasm "github.com/chatwasm/chatwasm/guest-sdk/go"
	"github.com/chatwasm/chatwasm/internal/testserver"
)

// Waits of a client: ExpectTimeout bounds every expected frame, QuietPeriod
// is how long ExpectNothing listens.
const (
	ExpectTimeout = 10 * time.Second
	QuietPeriod   = 300 * time.Millisecond
)

// Frame is one frame the server sent.
type Frame struct {
	Raw []byte
	// EventType is the frame's "eventType", "" for an error frame.
	EventType string
	// Data is the frame's "data".
	Data json.RawMessage
	// Error is the frame's "error": {"code","detail"} or the string of an
	// invalid event type.
	Error json.RawMessage
}

// Client is one WebSocket connection of a user. A reader goroutine queues
// every frame, so a timed-out wait leaves the connection usable.
type Client struct {
	t    testing.TB
	User User
	conn *testserver.Conn
}

// Connect opens a WebSocket of u and reads the chat.notifications frame the
// server sends first (unless started with --notifications=false). The
// connection is closed when the test ends.
func (s *Server) Connect(t testing.TB, u User) *Client {
	t.Helper()
	return &Client{t: t, User: u, conn: s.srv.Connect(t, u.Token)}
}

// Send sends {"event_type": eventType, "data": data}.
func (c *Client) Send(eventType string, data any) {
	c.t.Helper()
	if err := c.conn.Send(eventType, data); err != nil {
		c.t.Fatalf("modtest: %s sends %s: %v", c.User.Username, eventType, err)
	}
}

// Next returns the next frame, failing the test after ExpectTimeout.
func (c *Client) Next() Frame {
	c.t.Helper()
	f, ok := c.conn.Next(ExpectTimeout)
	if !ok {
		c.t.Fatalf("modtest: %s: no frame within %v (%v)", c.User.Username, ExpectTimeout, c.conn.ReadErr())
	}
	out := Frame{Raw: f.Raw}
	var v struct {
		EventType string          `json:"eventType"`
		Data      json.RawMessage `json:"data"`
		Error     json.RawMessage `json:"error"`
	}
	if json.Unmarshal(f.Raw, &v) == nil {
		out.EventType, out.Data, out.Error = v.EventType, v.Data, v.Error
	}
	return out
}

// Expect returns the data of the next frame, failing the test unless its
// eventType is eventType; v, if not nil, receives the data decoded.
func (c *Client) Expect(eventType string, v any) json.RawMessage {
	c.t.Helper()
	f := c.Next()
	if f.EventType != eventType {
		c.t.Fatalf("modtest: %s: got %s, want a %s frame", c.User.Username, f.Raw, eventType)
	}
	if v != nil {
		if err := json.Unmarshal(f.Data, v); err != nil {
			c.t.Fatalf("modtest: %s: %s data %s: %v", c.User.Username, eventType, f.Data, err)
		}
	}
	return f.Data
}

// ExpectError fails the test unless the next frame is the error frame
// {"error":{"code":code,"detail":detail}} (detail compared as JSON).
func (c *Client) ExpectError(code int, detail any) {
	c.t.Helper()
	f := c.Next()
	var e struct {
		Code   int             `json:"code"`
		Detail json.RawMessage `json:"detail"`
	}
	if len(f.Error) == 0 || json.Unmarshal(f.Error, &e) != nil {
		c.t.Fatalf("modtest: %s: got %s, want error %d", c.User.Username, f.Raw, code)
	}
	want, err := json.Marshal(detail)
	if err != nil {
		c.t.Fatal(err)
	}
	if e.Code != code {
		c.t.Fatalf("modtest: %s: got %s, want code %d", c.User.Username, f.Raw, code)
	}
	if !JSONEqual(e.Detail, want) {
		c.t.Fatalf("modtest: %s: got %s, want detail %s", c.User.Username, f.Raw, want)
	}
}

// ExpectNothing fails the test if a frame arrives within QuietPeriod.
func (c *Client) ExpectNothing() {
	c.t.Helper()
	if f, ok := c.conn.Next(QuietPeriod); ok {
		c.t.Fatalf("modtest: %s: unexpected frame %s", c.User.Username, f.Raw)
	}
}

// JSONEqual reports whether a and b hold equal JSON values.
func JSONEqual(a, b []byte) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	return reflect.DeepEqual(x, y)
}

// CreateRoom sends room.create with data and returns the room of the
// roomcreate.dispatch the creator receives.
func (c *Client) CreateRoom(data any) chatwasm.Room {
	c.t.Helper()
	c.Send("room.create", data)
	var r chatwasm.Room
	c.Expect("roomcreate.dispatch", &r)
	return r
}

// Messages sends room.messages for the first page of roomID's history (up
// to size messages) and returns the roommessages.dispatch's messages,
// newest first: what the room holds, as stored.
func (c *Client) Messages(roomID string, size int) []chatwasm.Message {
	c.t.Helper()
	c.Send("room.messages", map[string]any{"room_id": roomID, "paginate": map[string]int{"page": 1, "size": size}})
	var page struct {
		Data struct {
			Messages []chatwasm.Message `json:"messages"`
		} `json:"data"`
	}
	c.Expect("roommessages.dispatch", &page)
	return page.Data.Messages
}
