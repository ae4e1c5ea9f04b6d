package e2e

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// Waits of the client. expectTimeout bounds every expected frame;
// quietPeriod is how long expectNothing listens to prove a frame is NOT
// delivered.
const (
	expectTimeout = 10 * time.Second
	quietPeriod   = 400 * time.Millisecond
	writeTimeout  = 10 * time.Second
)

// noData makes send omit the "data" key of the frame.
var noData = &struct{}{}

// frame is one message received from the server.
type frame struct {
	msgType int
	raw     []byte
	v       map[string]any // nil when raw is not a JSON object
}

// String shows the frame as received.
func (f frame) String() string { return string(f.raw) }

// eventType is the frame's eventType, or "".
func (f frame) eventType() string {
	s, _ := f.v["eventType"].(string)
	return s
}

// client is one WebSocket connection of a user. A reader goroutine queues
// every frame, so waits are done on a channel with a timer and a timed-out
// wait leaves the connection usable.
type client struct {
	t      *testing.T
	u      user
	conn   *websocket.Conn
	frames chan frame // closed when the connection's read side ended
	// readErr is why the read side ended; valid once frames is closed.
	readErr error
	// notifications is the data of the chat.notifications frame read at
	// connect (nil when the server has notifications off).
	notifications map[string]any

	writeMu sync.Mutex
	closed  chan struct{}
}

// wsURL is the WebSocket URL of the server, with token as ?token= when set.
func (s *server) wsURL(token string) string {
	u := url.URL{Scheme: "ws", Host: s.addr, Path: s.wsPath}
	if token != "" {
		u.RawQuery = url.Values{"token": {token}}.Encode()
	}
	return u.String()
}

// dial opens a WebSocket to rawURL with header and starts its reader; the
// connection is closed at cleanup.
func dial(t *testing.T, rawURL string, header http.Header) (*client, error) {
	t.Helper()
	d := websocket.Dialer{HandshakeTimeout: expectTimeout}
	conn, resp, err := d.Dial(rawURL, header)
	if err != nil {
		if resp != nil {
			return nil, fmt.Errorf("dial %s: %w (HTTP %d)", rawURL, err, resp.StatusCode)
		}
		return nil, fmt.Errorf("dial %s: %w", rawURL, err)
	}
	c := &client{t: t, conn: conn, frames: make(chan frame, 4096), closed: make(chan struct{})}
	go c.read()
	t.Cleanup(c.close)
	return c, nil
}

// read queues every frame until the connection's read side ends.
func (c *client) read() {
	defer close(c.frames)
	for {
		typ, raw, err := c.conn.ReadMessage()
		if err != nil {
			c.readErr = err
			return
		}
		f := frame{msgType: typ, raw: raw}
		var v map[string]any
		if json.Unmarshal(raw, &v) == nil {
			f.v = v
		}
		c.frames <- f
	}
}

// close sends a normal close and releases the connection. Idempotent.
func (c *client) close() {
	select {
	case <-c.closed:
		return
	default:
		close(c.closed)
	}
	c.writeMu.Lock()
	_ = c.conn.WriteControl(websocket.CloseMessage,
		websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(time.Second))
	c.writeMu.Unlock()
	_ = c.conn.Close()
}

// connect opens a connection of u and, when the server has notifications on,
// reads the chat.notifications frame that arrives first.
func (s *server) connect(t *testing.T, u user) *client {
	t.Helper()
	c, err := dial(t, s.wsURL(u.Token), nil)
	if err != nil {
		t.Fatalf("connect %s: %v", u.Username, err)
	}
	c.u = u
	if s.notifications {
		f := c.nextFrame()
		if f.eventType() != "chat.notifications" {
			t.Fatalf("%s: first frame after connect is %s, want chat.notifications", u.Username, f)
		}
		assertKeys(t, f.v, "eventType", "data")
		c.notifications = asObject(t, f.v["data"])
	}
	return c
}

// login creates user name and connects it.
func (s *server) login(t *testing.T, name string) *client {
	t.Helper()
	return s.connect(t, s.createUser(t, name))
}

// writeFrame writes one raw WebSocket message.
func (c *client) writeFrame(msgType int, b []byte) error {
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	if err := c.conn.SetWriteDeadline(time.Now().Add(writeTimeout)); err != nil {
		return err
	}
	return c.conn.WriteMessage(msgType, b)
}

// sendRaw writes one raw message or fails the test.
func (c *client) sendRaw(msgType int, b []byte) {
	c.t.Helper()
	if err := c.writeFrame(msgType, b); err != nil {
		c.t.Fatalf("%s: write: %v", c.u.Username, err)
	}
}

// request is the client frame of event with data (noData omits "data").
func request(event string, data any) ([]byte, error) {
	m := map[string]any{"event_type": event}
	if data != noData {
		m["data"] = data
	}
	return json.Marshal(m)
}

// trySend sends {"event_type": event, "data": data}; safe from any
// goroutine (it does not touch the test).
func (c *client) trySend(event string, data any) error {
	b, err := request(event, data)
	if err != nil {
		return err
	}
	return c.writeFrame(websocket.TextMessage, b)
}

// send sends {"event_type": event, "data": data} or fails the test.
func (c *client) send(event string, data any) {
	c.t.Helper()
	if err := c.trySend(event, data); err != nil {
		c.t.Fatalf("%s: send %s: %v", c.u.Username, event, err)
	}
}

// next waits up to d for the next frame; ok is false on timeout or when the
// connection ended.
func (c *client) next(d time.Duration) (f frame, ok bool) {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case f, ok = <-c.frames:
		return f, ok
	case <-timer.C:
		return frame{}, false
	}
}

// nextFrame returns the next frame or fails the test after expectTimeout.
func (c *client) nextFrame() frame {
	c.t.Helper()
	timer := time.NewTimer(expectTimeout)
	defer timer.Stop()
	select {
	case f, ok := <-c.frames:
		if !ok {
			c.t.Fatalf("%s: connection ended while a frame was expected: %v", c.u.Username, c.readErr)
		}
		return f
	case <-timer.C:
		c.t.Fatalf("%s: no frame within %v", c.u.Username, expectTimeout)
		return frame{}
	}
}

// expectFrame reads the next frame and checks it is a group-delivered
// eventType frame: exactly {"type": "broadcast_group", "eventType", "data"}.
func (c *client) expectFrame(eventType string) frame {
	c.t.Helper()
	f := c.nextFrame()
	if f.msgType != websocket.TextMessage || f.v == nil {
		c.t.Fatalf("%s: got %s, want a JSON object text frame with eventType %s", c.u.Username, f, eventType)
	}
	if f.eventType() != eventType {
		c.t.Fatalf("%s: got frame %s, want eventType %s", c.u.Username, f, eventType)
	}
	assertKeys(c.t, f.v, "type", "eventType", "data")
	if f.v["type"] != "broadcast_group" {
		c.t.Fatalf("%s: %s frame has type %v, want broadcast_group", c.u.Username, eventType, f.v["type"])
	}
	return f
}

// expect reads the next frame, checks it is eventType and returns its data.
func (c *client) expect(eventType string) any {
	c.t.Helper()
	return c.expectFrame(eventType).v["data"]
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
	if f.v == nil {
		c.t.Fatalf("%s: got %s, want an error frame with code %d", c.u.Username, f, code)
	}
	e, ok := f.v["error"].(map[string]any)
	if !ok || len(f.v) != 1 {
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
	if !jsonEqual(f.v, map[string]any{"error": "invalid event type"}) {
		c.t.Fatalf("%s: got %s, want {\"error\": \"invalid event type\"}", c.u.Username, f)
	}
}

// expectNothing proves no frame arrives within d.
func (c *client) expectNothing(d time.Duration) {
	c.t.Helper()
	if f, ok := c.next(d); ok {
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
	case f, ok := <-c.frames:
		if ok {
			c.t.Fatalf("%s: got frame %s, want the connection closed", c.u.Username, f)
		}
	case <-timer.C:
		c.t.Fatalf("%s: connection not closed within %v", c.u.Username, expectTimeout)
	}
	var ce *websocket.CloseError
	if !errors.As(c.readErr, &ce) {
		c.t.Fatalf("%s: connection ended without a close frame: %v", c.u.Username, c.readErr)
	}
	return ce.Code
}

// heartbeat sends session.heartbeat and expects exactly {"status": "success"}
// on this connection: it proves the connection is alive and in sync.
func (c *client) heartbeat() {
	c.t.Helper()
	c.send("session.heartbeat", map[string]any{})
	f := c.nextFrame()
	if !jsonEqual(f.v, map[string]any{"status": "success"}) {
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
			got[i], ok[i] = c.next(quietPeriod)
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
