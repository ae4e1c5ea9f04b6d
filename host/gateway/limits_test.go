package gateway

import (
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// TestFrameRateSlowsDownWithoutLoss: a client sending faster than
// FrameRate gets every answer, in order, only later: the frames over the
// burst are read at the rate.
func TestFrameRateSlowsDownWithoutLoss(t *testing.T) {
	const rate, burst, frames = 20, 2, 12
	e := newEnv(t, Config{FrameRate: rate, FrameBurst: burst})
	ws := e.connect(e.user("alice"))
	start := time.Now()
	for range frames {
		if err := ws.WriteMessage(websocket.TextMessage, []byte(`{"event_type":"session.heartbeat"}`)); err != nil {
			t.Fatal(err)
		}
	}
	for i := range frames {
		if got := string(readRaw(t, ws)); got != `{"status":"success"}` {
			t.Fatalf("answer %d: %s", i, got)
		}
	}
	// A lower bound only: a slow machine makes it longer, never shorter.
	if min := time.Duration(frames-burst) * time.Second / rate; time.Since(start) < min*9/10 {
		t.Errorf("%d frames at %d/s (burst %d) answered in %v, want at least %v", frames, rate, burst, time.Since(start), min)
	}
	if got := e.counter("chatwasm_frames_throttled_total", nil); got < frames-burst-1 {
		t.Errorf("throttled frames counted = %v, want about %d", got, frames-burst)
	}
}

// TestFrameRateOff: with no FrameRate (the zero Config) nothing waits.
func TestFrameRateOff(t *testing.T) {
	e := newEnv(t, Config{})
	ws := e.connect(e.user("alice"))
	for range 200 {
		heartbeat(t, ws)
	}
	if got := e.counter("chatwasm_frames_throttled_total", nil); got != 0 {
		t.Errorf("throttled frames counted = %v with no frame rate", got)
	}
}

// TestMaxConnsPerUser: one connection over the user's cap is closed with
// 1008; other users are not affected, and closing one frees a place.
func TestMaxConnsPerUser(t *testing.T) {
	e := newEnv(t, Config{MaxConnsPerUser: 2})
	alice, bob := e.user("alice"), e.user("bob")
	first := e.connect(alice)
	e.connect(alice)
	over := e.open(alice)
	expectClose(t, over, websocket.ClosePolicyViolation)
	heartbeat(t, e.connect(bob))
	if got := e.counter("chatwasm_connections_over_user_limit_total", nil); got != 1 {
		t.Errorf("refused connections counted = %v, want 1", got)
	}
	first.Close()
	eventually(t, "a place freed by a closed connection", func() bool {
		ws := e.open(alice)
		defer ws.Close()
		f := readFrameOrClose(ws)
		return f != nil && f["eventType"] == "chat.notifications"
	})
}

// readFrameOrClose returns the next frame, or nil when the server closed
// the connection instead.
func readFrameOrClose(ws *websocket.Conn) map[string]any {
	_ = ws.SetReadDeadline(time.Now().Add(5 * time.Second))
	var f map[string]any
	if err := ws.ReadJSON(&f); err != nil {
		return nil
	}
	return f
}

// TestWriteTimeoutIsSlowConsumer: a client that does not read, sent too
// little to fill its queue, is disconnected once a write to it times out,
// and counted as a slow consumer like one whose queue filled up.
func TestWriteTimeoutIsSlowConsumer(t *testing.T) {
	e := newEnv(t, Config{WriteTimeout: 100 * time.Millisecond, QueueSize: 1 << 16, QueueBytes: 1 << 40})
	alice := e.user("alice")
	e.connect(alice) // and never read again
	var c *conn
	e.hub.mu.RLock()
	for c = range e.hub.users[alice.ID] { // its one connection
	}
	e.hub.mu.RUnlock()
	// Far more than the socket buffers hold, a MiB at a time, until the
	// writer gives up on a write.
	frame := make([]byte, 1<<20)
	for sent := 0; ; sent++ {
		if closed, _ := closedWith(c); closed {
			break
		}
		if sent == 1<<10 {
			t.Fatal("the connection was not closed after 1 GiB sent to a client that does not read")
		}
		c.enqueue(frame)
		time.Sleep(10 * time.Millisecond)
	}
	eventually(t, "the slow consumer counted", func() bool {
		return e.counter("chatwasm_slow_consumer_disconnects_total", nil) == 1
	})
}
