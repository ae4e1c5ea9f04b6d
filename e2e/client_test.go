package e2e

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/chatwasm/chatwasm/internal/testserver"
	"github.com/gorilla/websocket"
)

// Waits of the client. expectTimeout bounds every expected frame;
// quietPeriod is how long expectNothing listens to prove a frame is NOT
// delivered.
const (
	expectTimeout = 10 * time.Second
	quietPeriod   = 400 * time.Millisecond
)

// frame is one message received from the server.
type frame = testserver.Frame

// client is one WebSocket connection of a user, with the exact checks of
// the frames the suite expects.
type client struct {
	*testserver.Conn
	t *testing.T
	u user
}

// dial opens a WebSocket to rawURL with header; the connection is closed
// at cleanup.
func dial(t *testing.T, rawURL string, header http.Header) (*client, error) {
	t.Helper()
	conn, err := testserver.Dial(t, rawURL, header)
	if err != nil {
		return nil, err
	}
	return &client{Conn: conn, t: t}, nil
}

// connect opens a connection of u and, when the server has notifications on,
// reads the chat.notifications frame that arrives first.
func (s *server) connect(t *testing.T, u user) *client {
	t.Helper()
	return &client{Conn: s.Connect(t, u.Token), t: t, u: u}
}

// connectN opens n connections of u, as connect does.
func (s *server) connectN(t *testing.T, u user, n int) []*client {
	t.Helper()
	cs := make([]*client, 0, n)
	for range n {
		cs = append(cs, s.connect(t, u))
	}
	return cs
}

// login creates user name and connects it.
func (s *server) login(t *testing.T, name string) *client {
	t.Helper()
	return s.connect(t, s.CreateUser(t, name))
}

// sendRaw writes one raw message or fails the test.
func (c *client) sendRaw(msgType int, b []byte) {
	c.t.Helper()
	if err := c.WriteMessage(msgType, b); err != nil {
		c.t.Fatalf("%s: write: %v", c.u.Username, err)
	}
}

// send sends {"event_type": event, "data": data} or fails the test.
func (c *client) send(event string, data any) {
	c.t.Helper()
	if err := c.Send(event, data); err != nil {
		c.t.Fatalf("%s: send %s: %v", c.u.Username, event, err)
	}
}

// nextFrame returns the next frame or fails the test after expectTimeout.
func (c *client) nextFrame() frame {
	c.t.Helper()
	f, ok := c.Next(expectTimeout)
	if !ok {
		c.t.Fatalf("%s: no frame within %v (connection: %v)", c.u.Username, expectTimeout, c.ReadErr())
	}
	return f
}

// expectFrame reads the next frame and checks it is a group-delivered
// eventType frame: exactly {"type": "broadcast_group", "eventType", "data"}.
func (c *client) expectFrame(eventType string) frame {
	c.t.Helper()
	f := c.nextFrame()
	if f.Type != websocket.TextMessage || f.Object == nil {
		c.t.Fatalf("%s: got %s, want a JSON object text frame with eventType %s", c.u.Username, f, eventType)
	}
	if f.EventType() != eventType {
		c.t.Fatalf("%s: got frame %s, want eventType %s", c.u.Username, f, eventType)
	}
	assertKeys(c.t, f.Object, "type", "eventType", "data")
	if f.Object["type"] != "broadcast_group" {
		c.t.Fatalf("%s: %s frame has type %v, want broadcast_group", c.u.Username, eventType, f.Object["type"])
	}
	return f
}

// expect reads the next frame, checks it is eventType and returns its data.
func (c *client) expect(eventType string) any {
	c.t.Helper()
	return c.expectFrame(eventType).Object["data"]
}

// expectObject is expect for an event whose data is an object.
func (c *client) expectObject(eventType string) map[string]any {
	c.t.Helper()
	return asObject(c.t, c.expect(eventType))
}

// expectError reads the next frame, checks it is exactly
// {"error": {"code": code, "detail": ...}} and returns the detail.
func (c *client) expectError(code int) any {
	c.t.Helper()
	f := c.nextFrame()
	if f.Object == nil {
		c.t.Fatalf("%s: got %s, want an error frame with code %d", c.u.Username, f, code)
	}
	e, ok := f.Object["error"].(map[string]any)
	if !ok || len(f.Object) != 1 {
		c.t.Fatalf("%s: got %s, want {\"error\": {\"code\": %d, ...}}", c.u.Username, f, code)
	}
	assertKeys(c.t, e, "code", "detail")
	if got, ok := e["code"].(float64); !ok || int(got) != code {
		c.t.Fatalf("%s: got error %s, want code %d", c.u.Username, f, code)
	}
	return e["detail"]
}

// expectErrorDetail expects a code error whose detail is exactly detail
// (compared as JSON values: a string, or []any of strings, or an object).
func (c *client) expectErrorDetail(code int, detail any) {
	c.t.Helper()
	got := c.expectError(code)
	if !jsonEqual(got, detail) {
		c.t.Fatalf("%s: error %d detail %s, want %s", c.u.Username, code, mustJSON(got), mustJSON(detail))
	}
}

// expectValidation expects a 4003 whose detail is an array holding msg (the
// reference's tests check list membership).
func (c *client) expectValidation(msg string) {
	c.t.Helper()
	d := c.expectError(4003)
	list, ok := d.([]any)
	if !ok {
		c.t.Fatalf("%s: 4003 detail %s is not an array (want one holding %q)", c.u.Username, mustJSON(d), msg)
	}
	for _, v := range list {
		if v == msg {
			return
		}
	}
	c.t.Fatalf("%s: 4003 detail %s does not hold %q", c.u.Username, mustJSON(d), msg)
}

// expectErrorContaining expects a code error whose JSON-encoded detail
// contains substr (the reference's str(detail) checks).
func (c *client) expectErrorContaining(code int, substr string) any {
	c.t.Helper()
	d := c.expectError(code)
	if !bytes.Contains(mustJSONBytes(d), []byte(substr)) && !containsString(d, substr) {
		c.t.Fatalf("%s: error %d detail %s does not contain %q", c.u.Username, code, mustJSON(d), substr)
	}
	return d
}

// expectInvalidEvent expects exactly {"error": "invalid event type"}.
func (c *client) expectInvalidEvent() {
	c.t.Helper()
	f := c.nextFrame()
	if !jsonEqual(f.Object, map[string]any{"error": "invalid event type"}) {
		c.t.Fatalf("%s: got %s, want {\"error\": \"invalid event type\"}", c.u.Username, f)
	}
}

// expectNothing proves no frame arrives within d.
func (c *client) expectNothing(d time.Duration) {
	c.t.Helper()
	if f, ok := c.Next(d); ok {
		c.t.Fatalf("%s: got unexpected frame %s", c.u.Username, f)
	}
}

// expectClose waits for the server to close the connection and returns the
// close code it sent; a frame before the close fails the test.
func (c *client) expectClose() int {
	c.t.Helper()
	timer := time.NewTimer(expectTimeout)
	defer timer.Stop()
	select {
	case f, ok := <-c.Frames():
		if ok {
			c.t.Fatalf("%s: got frame %s, want the connection closed", c.u.Username, f)
		}
	case <-timer.C:
		c.t.Fatalf("%s: connection not closed within %v", c.u.Username, expectTimeout)
	}
	var ce *websocket.CloseError
	if !errors.As(c.ReadErr(), &ce) {
		c.t.Fatalf("%s: connection ended without a close frame: %v", c.u.Username, c.ReadErr())
	}
	return ce.Code
}

// heartbeat sends session.heartbeat and expects exactly {"status": "success"}
// on this connection: it proves the connection is alive and in sync.
func (c *client) heartbeat() {
	c.t.Helper()
	c.send("session.heartbeat", map[string]any{})
	f := c.nextFrame()
	if !jsonEqual(f.Object, map[string]any{"status": "success"}) {
		c.t.Fatalf("%s: heartbeat reply %s, want {\"status\": \"success\"}", c.u.Username, f)
	}
}

// expectAll reads eventType from every client and returns their data.
func expectAll(eventType string, cs ...*client) []any {
	var out []any
	for _, c := range cs {
		c.t.Helper()
		out = append(out, c.expect(eventType))
	}
	return out
}

// expectSame reads eventType from every client, checks all got the same
// data and returns it.
func expectSame(t *testing.T, eventType string, cs ...*client) any {
	t.Helper()
	all := expectAll(eventType, cs...)
	for i, d := range all[1:] {
		if !jsonEqual(d, all[0]) {
			t.Fatalf("%s: %s got %s, but %s got %s", eventType, cs[i+1].u.Username, mustJSON(d),
				cs[0].u.Username, mustJSON(all[0]))
		}
	}
	return all[0]
}

// quiet proves that none of the clients receives anything for quietPeriod.
func quiet(cs ...*client) {
	var wg sync.WaitGroup
	got := make([]frame, len(cs))
	ok := make([]bool, len(cs))
	for i, c := range cs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got[i], ok[i] = c.Next(quietPeriod)
		}()
	}
	wg.Wait()
	for i, c := range cs {
		if ok[i] {
			c.t.Helper()
			c.t.Fatalf("%s: got unexpected frame %s", c.u.Username, got[i])
		}
	}
}

// jsonEqual compares two values as JSON documents.
func jsonEqual(a, b any) bool {
	var x, y any
	if json.Unmarshal(mustJSONBytes(a), &x) != nil || json.Unmarshal(mustJSONBytes(b), &y) != nil {
		return false
	}
	return reflect.DeepEqual(x, y)
}

func mustJSONBytes(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		return []byte(fmt.Sprintf("<unencodable %T: %v>", v, err))
	}
	return b
}

func mustJSON(v any) string { return string(mustJSONBytes(v)) }

// containsString reports whether any string inside v contains substr.
func containsString(v any, substr string) bool {
	switch x := v.(type) {
	case string:
		return bytes.Contains([]byte(x), []byte(substr))
	case []any:
		for _, e := range x {
			if containsString(e, substr) {
				return true
			}
		}
	case map[string]any:
		for _, e := range x {
			if containsString(e, substr) {
				return true
			}
		}
	}
	return false
}
