package gateway

import (
	"bytes"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chatwasm/chatwasm/host/store"
	"github.com/gorilla/websocket"
)

// connOf returns the server side of a user's one connection.
func (e *env) connOf(u store.User) *conn {
	e.tb.Helper()
	e.hub.mu.RLock()
	defer e.hub.mu.RUnlock()
	for c := range e.hub.users[u.ID] {
		return c
	}
	e.tb.Fatalf("user %d has no connection", u.ID)
	return nil
}

// stallWriter holds c's socket, so that its writer waits at its next write
// until the returned function is called.
func stallWriter(c *conn) (release func()) {
	c.out.mu.Lock()
	return c.out.mu.Unlock
}

// TestQueuedFramesCoalesced: frames queued while the writer is busy go out
// together in one write, each intact and in the order queued.
func TestQueuedFramesCoalesced(t *testing.T) {
	e := newEnv(t, Config{})
	alice := e.user("alice")
	ws := e.connect(alice)
	c := e.connOf(alice)
	writes, framesOut := e.counter("chatwasm_outbound_writes_total", nil), e.counter("chatwasm_frames_out_total", nil)

	const frames = 100
	want := make([]string, frames)
	for i := range want {
		// Of several sizes, one past gorilla's write buffer and one past
		// a batch, so that frames cross every boundary.
		n := 1 + i*37
		switch i {
		case 10:
			n = writeBufferSize + 100
		case 20:
			n = maxBatchBytes + 1
		}
		want[i] = fmt.Sprintf(`{"n":%d,"pad":"%s"}`, i, strings.Repeat(string(rune('a'+i%26)), n))
	}
	release := stallWriter(c)
	c.enqueue([]byte(want[0])) // the writer takes it and waits for the socket
	eventually(t, "the writer to take the first frame", func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		return len(c.pending) == 0
	})
	for _, f := range want[1:] {
		c.enqueue([]byte(f))
	}
	release()
	for i, w := range want {
		if got := string(readRaw(t, ws)); got != w {
			t.Fatalf("frame %d: got %d bytes %.40q, want %d bytes %.40q", i, len(got), got, len(w), w)
		}
	}
	if got := e.counter("chatwasm_frames_out_total", nil) - framesOut; got != frames {
		t.Errorf("frames out counted %v, want %d", got, frames)
	}
	if got := e.counter("chatwasm_outbound_writes_total", nil) - writes; got != 2 {
		t.Errorf("%v batches written, want 2: the first frame, then the %d queued behind it", got, frames-1)
	}
	expectSilence(t, ws)
}

// TestQueueBoundWithWriteInFlight: the frame being written does not count
// against QueueSize, the frames behind it do, as when the writer took one
// frame at a time: QueueSize more are taken, one past them disconnects the
// client as a slow consumer.
func TestQueueBoundWithWriteInFlight(t *testing.T) {
	const size = 4
	e := newEnv(t, Config{QueueSize: size})
	alice := e.user("alice")
	ws := e.connect(alice)
	c := e.connOf(alice)
	release := stallWriter(c)
	c.enqueue([]byte(`{"n":0}`))
	eventually(t, "the writer to take the first frame", func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		return len(c.pending) == 0
	})
	for i := 1; i <= size; i++ {
		c.enqueue(fmt.Appendf(nil, `{"n":%d}`, i))
	}
	if closed, _ := closedWith(c); closed {
		t.Fatalf("closed with %d frames queued behind the one being written, QueueSize %d", size, size)
	}
	c.enqueue([]byte(`{"n":"over"}`))
	if closed, code := closedWith(c); !closed || code != websocket.ClosePolicyViolation {
		t.Fatalf("one frame over the queue: closed %v with %d, want 1008", closed, code)
	}
	release()
	expectClose(t, ws, websocket.ClosePolicyViolation)
	if got := e.counter("chatwasm_slow_consumer_disconnects_total", nil); got != 1 {
		t.Errorf("slow consumer disconnects = %v, want 1", got)
	}
}

// TestIdleWriterStopsAndPings: a connection's writer stops once its queue is
// empty, yet the client is still pinged every PingInterval, and frames
// queued afterwards still arrive.
func TestIdleWriterStopsAndPings(t *testing.T) {
	e := newEnv(t, Config{PingInterval: 20 * time.Millisecond})
	alice := e.user("alice")
	ws := e.connect(alice)
	c := e.connOf(alice)
	pings := make(chan struct{}, 16)
	ws.SetPingHandler(func(string) error {
		select {
		case pings <- struct{}{}:
		default:
		}
		return ws.WriteControl(websocket.PongMessage, nil, time.Now().Add(time.Second))
	})
	var reads sync.WaitGroup
	frames := make(chan string, 16)
	reads.Go(func() {
		defer close(frames)
		for {
			_ = ws.SetReadDeadline(time.Now().Add(5 * time.Second))
			_, b, err := ws.ReadMessage()
			if err != nil {
				return
			}
			frames <- string(b)
		}
	})
	for range 3 {
		select {
		case <-pings:
		case <-time.After(5 * time.Second):
			t.Fatal("no ping within 5s at a 20ms interval")
		}
	}
	eventually(t, "the writer to stop between pings", func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		return !c.writing
	})
	c.enqueue([]byte(`{"after":"idle"}`))
	if got := <-frames; got != `{"after":"idle"}` {
		t.Fatalf("got %s after the writer stopped, want the frame queued", got)
	}
	ws.Close()
	reads.Wait()
}

// countingConn counts the writes that reach a socket.
type countingConn struct {
	net.Conn
	mu     sync.Mutex
	writes [][]byte
}

func (c *countingConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	c.writes = append(c.writes, bytes.Clone(p))
	c.mu.Unlock()
	return len(p), nil
}

func (c *countingConn) SetWriteDeadline(time.Time) error { return nil }

// TestBatchConn: writes go straight through, except between collect and
// flush, where they gather into one write; one too large to gather goes
// out on its own after what was gathered before it.
func TestBatchConn(t *testing.T) {
	sock := &countingConn{}
	b := &batchConn{Conn: sock}
	write := func(s string) {
		t.Helper()
		if n, err := b.Write([]byte(s)); err != nil || n != len(s) {
			t.Fatalf("Write(%d bytes) = %d, %v", len(s), n, err)
		}
	}
	write("a")
	b.collect(time.Minute)
	write("b")
	write("c")
	if len(sock.writes) != 1 {
		t.Fatalf("%d writes reached the socket while collecting, want only the one before", len(sock.writes))
	}
	big := strings.Repeat("x", maxBatchBytes)
	write(big)
	write("d")
	if err := b.flush(); err != nil {
		t.Fatal(err)
	}
	write("e")
	var got []string
	for _, w := range sock.writes {
		got = append(got, string(w))
	}
	if want := []string{"a", "bc", big, "d", "e"}; strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("socket writes %.20q, want %.20q", got, want)
	}
}
