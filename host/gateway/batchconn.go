package gateway

import (
	"bufio"
	"net"
	"net/http"
	"sync"
	"time"
)

// maxBatchBytes bounds the frames gathered into one write: a batch that
// would pass it is sent first, and a write as large as it on its own goes
// straight to the socket instead of being copied.
const maxBatchBytes = 64 << 10

// batchBufs holds the buffers batches are gathered in: a connection holds
// one only while its writer writes.
var batchBufs = sync.Pool{New: func() any { b := make([]byte, 0, 4<<10); return &b }}

// batchConn is a connection's socket as gorilla/websocket writes to it.
// gorilla frames each message and writes it to the socket at once; between
// collect and flush, those writes (whole frames, gorilla's control frames
// included) gather in one buffer instead, so that the frames a writer finds
// queued together go out with one write system call, in their order.
type batchConn struct {
	net.Conn
	mu sync.Mutex
	// buf gathers the writes while collecting; nil when they go straight
	// through. timeout bounds each write of a batch to the socket (at most
	// maxBatchBytes, as a frame's write was bounded before): gorilla's own
	// deadlines are ignored meanwhile, since a frame's write is deferred to
	// the batch's.
	buf     *[]byte
	timeout time.Duration
}

// collect starts gathering writes; each write to the socket that sends them
// must finish within timeout.
func (b *batchConn) collect(timeout time.Duration) {
	b.mu.Lock()
	b.buf, b.timeout = batchBufs.Get().(*[]byte), timeout
	b.mu.Unlock()
}

// flush sends what was gathered and lets writes go straight through again.
func (b *batchConn) flush() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.buf == nil {
		return nil
	}
	err := b.sendLocked()
	if cap(*b.buf) <= maxBatchBytes {
		batchBufs.Put(b.buf)
	}
	b.buf = nil
	return err
}

// sendLocked writes the gathered bytes; b.mu is held.
func (b *batchConn) sendLocked() error {
	if len(*b.buf) == 0 {
		return nil
	}
	err := b.Conn.SetWriteDeadline(time.Now().Add(b.timeout))
	if err == nil {
		_, err = b.Conn.Write(*b.buf)
	}
	*b.buf = (*b.buf)[:0]
	return err
}

// Write sends p, or gathers it while collecting. Writes never interleave:
// each holds b.mu for as long as it writes to the socket.
func (b *batchConn) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.buf == nil {
		return b.Conn.Write(p)
	}
	if len(*b.buf)+len(p) > maxBatchBytes {
		if err := b.sendLocked(); err != nil {
			return 0, err
		}
		if len(p) >= maxBatchBytes {
			if err := b.Conn.SetWriteDeadline(time.Now().Add(b.timeout)); err != nil {
				return 0, err
			}
			return b.Conn.Write(p)
		}
	}
	*b.buf = append(*b.buf, p...)
	return len(p), nil
}

// SetWriteDeadline sets the socket's write deadline, unless a batch is
// being gathered: its deadline holds until it is sent.
func (b *batchConn) SetWriteDeadline(t time.Time) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.buf != nil {
		return nil
	}
	return b.Conn.SetWriteDeadline(t)
}

// hijacker hands the upgrader the connection's socket as a batchConn.
type hijacker struct {
	http.ResponseWriter
	conn *batchConn
}

// Hijack takes over the HTTP connection (http.Hijacker).
func (h *hijacker) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	hj, ok := h.ResponseWriter.(http.Hijacker)
	if !ok {
		return nil, nil, http.ErrNotSupported
	}
	nc, brw, err := hj.Hijack()
	if err != nil {
		return nil, nil, err
	}
	h.conn = &batchConn{Conn: nc}
	return h.conn, brw, nil
}
