package testserver

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// Waits of a connection: the handshake, a write, and a frame Connect
// expects.
const (
	dialTimeout  = 10 * time.Second
	writeTimeout = 10 * time.Second
	frameTimeout = 10 * time.Second
)

// NoData makes Send omit the "data" key of the frame.
var NoData = &struct{}{}

// Frame is one message the server sent.
type Frame struct {
	// Type is the WebSocket message type (websocket.TextMessage, …).
	Type int
	Raw  []byte
	// Object is Raw decoded, nil when Raw is not a JSON object.
	Object map[string]any
}

// String shows the frame as received.
func (f Frame) String() string { return string(f.Raw) }

// EventType is the frame's "eventType", or "".
func (f Frame) EventType() string {
	s, _ := f.Object["eventType"].(string)
	return s
}

// Conn is one WebSocket connection. A reader goroutine queues every frame
// (or hands it to the handler, when one is set), so that waits are done on
// a channel with a timer and a timed-out wait leaves the connection usable.
type Conn struct {
	ws     *websocket.Conn
	frames chan Frame // closed when the read side ended
	// readErr is why the read side ended; nil until then.
	readErr atomic.Pointer[error]
	handler atomic.Pointer[func([]byte)]
	// Notifications is the data of the chat.notifications frame Connect
	// read (nil when the server has notifications off).
	Notifications map[string]any

	writeMu   sync.Mutex
	closeOnce sync.Once
}

// WSURL is the WebSocket URL of the server, with token as ?token= when set.
func (s *Server) WSURL(token string) string {
	u := url.URL{Scheme: "ws", Host: s.Addr, Path: s.WSPath}
	if token != "" {
		u.RawQuery = url.Values{"token": {token}}.Encode()
	}
	return u.String()
}

// Dial opens a WebSocket to rawURL with header and starts its reader; the
// connection is closed when the test ends.
func Dial(tb testing.TB, rawURL string, header http.Header) (*Conn, error) {
	tb.Helper()
	d := websocket.Dialer{HandshakeTimeout: dialTimeout}
	ws, resp, err := d.Dial(rawURL, header)
	if err != nil {
		if resp != nil {
			return nil, fmt.Errorf("dial %s: %w (HTTP %d)", rawURL, err, resp.StatusCode)
		}
		return nil, fmt.Errorf("dial %s: %w", rawURL, err)
	}
	c := &Conn{ws: ws, frames: make(chan Frame, 4096)}
	go c.read()
	tb.Cleanup(c.Close)
	return c, nil
}

// Connect opens a connection with token and, when the server has
// notifications on, reads the chat.notifications frame that comes first:
// the server sends it once the connection is in its rooms' groups, so that
// no broadcast after Connect can miss it. It fails the test unless that
// frame is exactly {"eventType", "data"} with an object as data.
func (s *Server) Connect(tb testing.TB, token string) *Conn {
	tb.Helper()
	c, err := Dial(tb, s.WSURL(token), nil)
	if err != nil {
		tb.Fatalf("connect: %v", err)
	}
	if !s.Notifications {
		return c
	}
	f, ok := c.Next(frameTimeout)
	if !ok {
		tb.Fatalf("connect: no chat.notifications within %v (%v)", frameTimeout, c.ReadErr())
	}
	data, isObject := f.Object["data"].(map[string]any)
	switch {
	case f.EventType() != "chat.notifications":
		tb.Fatalf("connect: first frame %s, want chat.notifications", f)
	case len(f.Object) != 2 || !isObject:
		tb.Fatalf("connect: chat.notifications frame %s, want exactly eventType and an object as data", f)
	}
	c.Notifications = data
	return c
}

// read queues every frame until the connection's read side ends.
func (c *Conn) read() {
	defer close(c.frames)
	for {
		typ, raw, err := c.ws.ReadMessage()
		if err != nil {
			c.readErr.Store(&err)
			return
		}
		if h := c.handler.Load(); h != nil {
			(*h)(raw)
			continue
		}
		f := Frame{Type: typ, Raw: raw}
		var v map[string]any
		if json.Unmarshal(raw, &v) == nil {
			f.Object = v
		}
		c.frames <- f
	}
}

// Handle sets (or, with nil, removes) a handler that gets every frame
// instead of the queue; it runs on the reader goroutine.
func (c *Conn) Handle(h func(raw []byte)) {
	if h == nil {
		c.handler.Store(nil)
		return
	}
	c.handler.Store(&h)
}

// Frames is the queue of received frames, closed when the read side ended.
func (c *Conn) Frames() <-chan Frame { return c.frames }

// ReadErr is why the read side ended, nil while it has not.
func (c *Conn) ReadErr() error {
	if err := c.readErr.Load(); err != nil {
		return *err
	}
	return nil
}

// Next waits up to d for the next frame; ok is false on timeout or when the
// connection ended.
func (c *Conn) Next(d time.Duration) (f Frame, ok bool) {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case f, ok = <-c.frames:
		return f, ok
	case <-timer.C:
		return Frame{}, false
	}
}

// WriteMessage writes one raw WebSocket message; safe from any goroutine.
func (c *Conn) WriteMessage(msgType int, b []byte) error {
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	if err := c.ws.SetWriteDeadline(time.Now().Add(writeTimeout)); err != nil {
		return err
	}
	return c.ws.WriteMessage(msgType, b)
}

// Request is the client frame of event with data (NoData omits "data").
func Request(event string, data any) ([]byte, error) {
	m := map[string]any{"event_type": event}
	if data != NoData {
		m["data"] = data
	}
	return json.Marshal(m)
}

// Send sends {"event_type": event, "data": data}; safe from any goroutine.
func (c *Conn) Send(event string, data any) error {
	b, err := Request(event, data)
	if err != nil {
		return err
	}
	return c.WriteMessage(websocket.TextMessage, b)
}

// Close sends a normal close and releases the connection. Idempotent.
func (c *Conn) Close() {
	c.closeOnce.Do(func() {
		c.writeMu.Lock()
		_ = c.ws.WriteControl(websocket.CloseMessage,
			websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(time.Second))
		c.writeMu.Unlock()
		_ = c.ws.Close()
	})
}
