package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/chatwasm/chatwasm/host/broker"
	"github.com/chatwasm/chatwasm/host/chat"
	"github.com/chatwasm/chatwasm/host/chat/wire"
	"github.com/chatwasm/chatwasm/host/reqlog"
	"github.com/chatwasm/chatwasm/host/store"
	"github.com/gorilla/websocket"
	"golang.org/x/time/rate"
)

// conn is one client connection. Its reader processes frames one after the
// other, in order; its writer owns all data writes and drains a bounded
// queue, so fan-out never waits for a slow client: a client that lets its
// queue fill up is disconnected. An idle connection holds as little as it
// can (see docs/decisions.md): the writer runs only while there is something
// to write, and no buffer is held for writing in between.
type conn struct {
	gw     *Gateway
	ws     *websocket.Conn
	out    *batchConn // ws's socket
	user   store.User
	caller chat.Caller
	log    *slog.Logger
	// opened is when the connection was accepted, remote the address it
	// came from (its proxy's, behind one): for the admin's session list.
	opened time.Time
	remote string
	// requests numbers the connection's frames, for their request ids
	// (the channel name, a dot, the number: reqlog).
	requests uint64
	// limiter paces the frames read; nil when there is no frame rate.
	limiter *rate.Limiter

	// The outbound queue, guarded by mu. counted and queued are the frames
	// and bytes held against QueueSize and QueueBytes: those not written
	// yet, except the one the writer is writing (the first of its batch),
	// as when the writer took frames one at a time.
	mu      sync.Mutex
	pending [][]byte // the frames queued, oldest first
	counted int
	queued  int64
	pingDue bool // a ping is to be written
	ready   bool // the socket is accepted and its first frame written: a writer may run
	writing bool // a writer runs, or ran and stopped for good
	ping    *time.Timer

	done       chan struct{} // closed when the connection must stop
	readerDone chan struct{}
	writerDone chan struct{}
	closeOnce  sync.Once
	// closeCode and closeText are the close frame the writer sends once done
	// is closed; code 0 sends none (the peer is gone or already closed).
	closeCode int
	closeText string

	// Guarded by the hub's mutex.
	groups  map[string]struct{}
	touched map[string]struct{} // non-nil while connecting, see Hub.activate
}

// newConn returns a connection whose socket attach sets once accepted.
func newConn(gw *Gateway, user store.User, channel string) *conn {
	var lim *rate.Limiter
	if gw.cfg.FrameRate > 0 {
		lim = rate.NewLimiter(rate.Limit(gw.cfg.FrameRate), gw.cfg.FrameBurst)
	}
	return &conn{
		limiter: lim,
		gw:      gw,
		user:    user,
		caller: chat.Caller{
			UserID:      user.ID,
			Tenant:      user.Tenant,
			Username:    user.Username,
			ChannelName: channel,
		},
		log:        gw.log.With("user", user.ID, "channel", channel),
		done:       make(chan struct{}),
		readerDone: make(chan struct{}),
		writerDone: make(chan struct{}),
		groups:     make(map[string]struct{}),
	}
}

// enqueue hands a frame to the writer without blocking.
func (c *conn) enqueue(frame []byte) {
	if c.closing() {
		return
	}
	n := int64(len(frame))
	c.mu.Lock()
	if c.queued != 0 && c.queued+n > c.gw.cfg.QueueBytes {
		pending := c.queued
		c.mu.Unlock()
		c.slow(websocket.ClosePolicyViolation, "outbound queue over its bytes", "bytes", pending, "limit", c.gw.cfg.QueueBytes)
		return
	}
	if c.counted >= c.gw.cfg.QueueSize {
		c.mu.Unlock()
		c.slow(websocket.ClosePolicyViolation, "outbound queue full", "queue", c.gw.cfg.QueueSize)
		return
	}
	c.pending = append(c.pending, frame)
	c.counted++
	c.queued += n
	start := c.startWriterLocked()
	c.mu.Unlock()
	if start {
		go c.writeLoop()
	}
}

// slow disconnects a client that does not drain its queue, with close code
// (0: no close frame) and the reason logged. It is counted only if this is
// what closes the connection: a queue that fills and a write that times
// out at the same moment are one slow consumer.
func (c *conn) slow(code int, reason string, attrs ...any) {
	text := "slow consumer"
	if code == 0 {
		text = ""
	}
	if c.close(code, text) {
		c.log.Warn("disconnecting slow client: "+reason, attrs...)
		c.gw.metrics.slowClosed.Inc()
	}
}

// startWriterLocked reports whether the caller must start the writer,
// marking it started; c.mu is held.
func (c *conn) startWriterLocked() bool {
	if !c.ready || c.writing {
		return false
	}
	c.writing = true
	return true
}

// startWriting lets the writer run once the socket is accepted and its first
// frame written: the frames queued meanwhile go out, and pings start.
func (c *conn) startWriting() {
	c.mu.Lock()
	c.ready = true
	c.ping = time.AfterFunc(c.gw.cfg.PingInterval, c.pingTick)
	start := (len(c.pending) > 0 || c.closing()) && c.startWriterLocked()
	c.mu.Unlock()
	if start {
		go c.writeLoop()
	}
}

// pingTick has the writer ping the client, every PingInterval.
func (c *conn) pingTick() {
	if c.closing() {
		return
	}
	c.mu.Lock()
	c.pingDue = true
	start := c.startWriterLocked()
	c.ping.Reset(c.gw.cfg.PingInterval)
	c.mu.Unlock()
	if start {
		go c.writeLoop()
	}
}

// closing reports whether the connection was asked to stop.
func (c *conn) closing() bool {
	select {
	case <-c.done:
		return true
	default:
		return false
	}
}

// close asks the connection to stop, sending a close frame with code and
// text (none when code is 0). Only the first call counts: it reports true.
func (c *conn) close(code int, text string) (first bool) {
	c.closeOnce.Do(func() {
		first = true
		c.closeCode, c.closeText = code, text
		close(c.done)
		c.mu.Lock()
		start := c.startWriterLocked()
		c.mu.Unlock()
		if start {
			go c.writeLoop()
		}
	})
	return first
}

// readLoop serves the client's frames until the connection fails or closes.
func (c *conn) readLoop(ctx context.Context) {
	cfg := c.gw.cfg
	c.ws.SetPongHandler(func(string) error {
		return c.ws.SetReadDeadline(time.Now().Add(cfg.ReadTimeout))
	})
	for {
		if !c.throttle() {
			return
		}
		// Set before every frame, not after: an operation may take longer
		// than the timeout, and pongs only refresh it while we read.
		if err := c.ws.SetReadDeadline(time.Now().Add(cfg.ReadTimeout)); err != nil {
			return
		}
		mt, r, err := c.ws.NextReader()
		if err != nil {
			c.logReadError(err)
			return
		}
		if mt == websocket.BinaryMessage {
			if err := c.discard(r); err != nil {
				return
			}
			c.rejectFrame(ctx, wire.Validation(msgBinaryFrame))
			continue
		}
		payload, err := io.ReadAll(io.LimitReader(r, cfg.MaxFrameBytes+1))
		if err != nil {
			c.logReadError(err)
			return
		}
		if int64(len(payload)) > cfg.MaxFrameBytes {
			if err := c.discard(r); err != nil {
				return
			}
			c.rejectFrame(ctx, wire.Validation(msgTooLarge(cfg.MaxFrameBytes)))
			continue
		}
		c.handle(ctx, payload)
	}
}

// throttle waits until the connection may read its next frame, and reports
// false if the connection closed meanwhile. It runs before the read, so that
// the read deadline starts after the wait.
func (c *conn) throttle() bool {
	if c.limiter == nil {
		return true
	}
	r := c.limiter.Reserve()
	d := r.Delay()
	if d == 0 {
		return true
	}
	c.gw.metrics.throttled.Inc()
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-c.done:
		r.Cancel()
		return false
	}
}

// discard reads the rest of a frame into nothing, keeping the connection
// alive while a large frame streams in.
func (c *conn) discard(r io.Reader) error {
	_, err := io.Copy(io.Discard, deadlineReader{r: r, ws: c.ws, d: c.gw.cfg.ReadTimeout})
	if err != nil {
		c.logReadError(err)
	}
	return err
}

type deadlineReader struct {
	r  io.Reader
	ws *websocket.Conn
	d  time.Duration
}

func (d deadlineReader) Read(p []byte) (int, error) {
	if err := d.ws.SetReadDeadline(time.Now().Add(d.d)); err != nil {
		return 0, err
	}
	return d.r.Read(p)
}

func (c *conn) logReadError(err error) {
	if websocket.IsCloseError(err, websocket.CloseNormalClosure, websocket.CloseGoingAway, websocket.CloseNoStatusReceived) {
		return
	}
	select {
	case <-c.done: // we closed it
	default:
		c.log.Debug("connection read failed", "err", err)
	}
}

// handle runs one text frame through the chat service and applies the
// effects it returns.
func (c *conn) handle(ctx context.Context, payload []byte) {
	m := c.gw.metrics
	c.requests++
	ctx = reqlog.WithID(ctx, c.caller.ChannelName+"."+strconv.FormatUint(c.requests, 10))
	eventType, data, err := decodeFrame(payload)
	if err != nil {
		m.framesIn.WithLabelValues(labelInvalidFrame).Inc()
		c.logOperation(ctx, "", nil, strconv.Itoa(c.rejectFrame(ctx, err)), 0)
		return
	}
	start := time.Now()
	effects, err := c.gw.svc.Handle(ctx, c.caller, eventType, data)
	if errors.Is(err, wire.ErrUnknownEvent) {
		m.framesIn.WithLabelValues(labelUnknownEvent).Inc()
		m.errors.WithLabelValues(labelInvalidEvent).Inc()
		c.enqueue(invalidEventFrame)
		c.logOperation(ctx, eventType, nil, "invalid event type", time.Since(start))
		return
	}
	m.framesIn.WithLabelValues(eventType).Inc()
	result := "ok"
	if err != nil {
		result = strconv.Itoa(c.reject(ctx, err))
	} else {
		c.apply(ctx, effects)
	}
	took := time.Since(start)
	m.opLatency.WithLabelValues(eventType).Observe(took.Seconds())
	c.logOperation(ctx, eventType, data, result, took)
}

// logOperation writes the debug line of one request: its event type, the
// room it names if any, its result ("ok" or the error frame's code) and how
// long the operation took.
func (c *conn) logOperation(ctx context.Context, eventType string, data json.RawMessage, result string, took time.Duration) {
	if !c.log.Enabled(ctx, slog.LevelDebug) {
		return
	}
	attrs := []any{"event", eventType, "result", result, "duration", took}
	var room struct {
		RoomID any `json:"room_id"`
	}
	if json.Unmarshal(data, &room) == nil && room.RoomID != nil { // informational: a frame may name none
		attrs = append(attrs, "room", room.RoomID)
	}
	c.log.DebugContext(ctx, "operation", attrs...)
}

// rejectFrame answers a frame that never reached an operation: its error
// goes through the modules' exception hook like an operation's.
func (c *conn) rejectFrame(ctx context.Context, err error) int {
	return c.reject(ctx, c.gw.svc.MapError(ctx, c.caller, "", err))
}

// reject sends the error frame of err to this connection and returns its
// code.
func (c *conn) reject(ctx context.Context, err error) int {
	var ce *wire.Error
	if !errors.As(err, &ce) {
		c.log.ErrorContext(ctx, "operation failed", "err", err)
		ce = wire.Internal(err)
	}
	frame, ferr := errorFrame(ce)
	if ferr != nil {
		c.log.ErrorContext(ctx, "error frame", "err", ferr)
		ce, frame = wire.Internal(ferr), internalErrorFrame
	}
	c.gw.metrics.errors.WithLabelValues(strconv.Itoa(ce.Code)).Inc()
	c.enqueue(frame)
	return ce.Code
}

// frameTooLarge answers the request whose effect was a frame of n bytes,
// over MaxOutFrameBytes, with a 4003 instead of sending it to anyone.
func (c *conn) frameTooLarge(n int) {
	c.log.Warn("frame over the outbound limit not sent", "bytes", n, "limit", c.gw.cfg.MaxOutFrameBytes)
	c.gw.metrics.oversized.Inc()
	frame, err := errorFrame(wire.Validation(fmt.Sprintf(msgReplyTooLarge, n, c.gw.cfg.MaxOutFrameBytes)))
	if err != nil {
		frame = internalErrorFrame
	}
	c.gw.metrics.errors.WithLabelValues(strconv.Itoa(wire.CodeValidation)).Inc()
	c.enqueue(frame)
}

// msgReplyTooLarge is the detail of the 4003 a request gets when what it
// would send is over MaxOutFrameBytes.
const msgReplyTooLarge = "The response is too large (%d bytes, at most %d): ask for less, e.g. paginate room.messages."

// apply carries out an operation's effects in order. Everything addressed to
// a group goes through the broker, so other nodes see it too.
func (c *conn) apply(ctx context.Context, effects []wire.Effect) {
	for _, e := range effects {
		env := broker.Envelope{Origin: c.gw.cfg.NodeID}
		switch e.Kind {
		case wire.Send:
			if len(e.Frame) > c.gw.cfg.MaxOutFrameBytes {
				c.frameTooLarge(len(e.Frame))
				continue
			}
			if e.Group == "" {
				c.enqueue(e.Frame)
				continue
			}
			env.Kind, env.Group, env.Frame = broker.KindSend, e.Group, e.Frame
		case wire.Subscribe:
			env.Kind, env.Group, env.UserID = broker.KindSubscribe, wire.RoomGroup(e.RoomID), e.UserID
		case wire.Unsubscribe:
			env.Kind, env.Group, env.UserID = broker.KindUnsubscribe, wire.RoomGroup(e.RoomID), e.UserID
		case wire.Changed:
			env.Kind, env.Group = broker.KindChanged, wire.RoomGroup(e.RoomID)
		default:
			c.log.Error("unknown effect kind", "kind", e.Kind)
			continue
		}
		// The operation has committed: a failed publish cannot be undone or
		// reported to the client as a failure of the operation.
		if err := c.gw.broker.Publish(ctx, env); err != nil {
			c.log.Error("publish failed", "kind", env.Kind, "group", env.Group, "err", err)
		}
	}
}

// writeLoop owns the connection's data writes: queued frames and pings, and
// the close frame when the connection stops. It runs while there is
// something to write: it returns when the queue is empty, and the next frame
// (or ping, or close) starts it again. It writes all the frames it finds
// queued as one batch, in one write system call.
func (c *conn) writeLoop() {
	for {
		c.mu.Lock()
		if c.closing() {
			// writing stays true: no writer runs after this one.
			c.mu.Unlock()
			c.finish()
			c.stopWriting()
			return
		}
		batch, ping := c.pending, c.pingDue
		if len(batch) == 0 && !ping {
			c.writing = false
			c.mu.Unlock()
			return
		}
		c.pending, c.pingDue = nil, false
		if len(batch) > 0 { // the first is being written: no longer held against the limits
			c.counted--
			c.queued -= int64(len(batch[0]))
		}
		c.mu.Unlock()
		err := c.writeBatch(batch, ping)
		if len(batch) > 0 {
			c.gw.metrics.writes.Inc()
			c.gw.metrics.framesOut.Add(float64(len(batch)))
		}
		if len(batch) > 1 {
			var rest int64
			for _, f := range batch[1:] {
				rest += int64(len(f))
			}
			c.mu.Lock()
			c.counted -= len(batch) - 1
			c.queued -= rest
			c.mu.Unlock()
		}
		if err != nil {
			// A write that timed out is a client that did not drain its
			// queue in WriteTimeout: a slow consumer, even when the traffic
			// to it was too thin to fill the queue first (unless it was
			// already being closed, as one whose queue filled up is).
			// Either way a writer still runs (this one): no other starts.
			if ne := net.Error(nil); errors.As(err, &ne) && ne.Timeout() {
				c.slow(0, "a write timed out", "timeout", c.gw.cfg.WriteTimeout)
			} else {
				c.log.Debug("connection write failed", "err", err)
			}
			c.close(0, "")
			_ = c.ws.Close() // unblocks the reader
			c.stopWriting()
			return
		}
	}
}

// writeBatch writes frames, then a ping if ping is set, with one write to
// the socket (more only past maxBatchBytes).
func (c *conn) writeBatch(frames [][]byte, ping bool) (err error) {
	c.out.collect(c.gw.cfg.WriteTimeout)
	defer func() {
		if ferr := c.out.flush(); err == nil {
			err = ferr
		}
	}()
	for _, f := range frames {
		if err := c.ws.WriteMessage(websocket.TextMessage, f); err != nil {
			return err
		}
	}
	if ping {
		return c.ws.WriteControl(websocket.PingMessage, nil, time.Now().Add(c.gw.cfg.WriteTimeout))
	}
	return nil
}

// write writes one frame straight to the socket: the first, before the
// writer runs.
func (c *conn) write(frame []byte) error {
	if err := c.ws.SetWriteDeadline(time.Now().Add(c.gw.cfg.WriteTimeout)); err != nil {
		return err
	}
	return c.ws.WriteMessage(websocket.TextMessage, frame)
}

// finish sends the close frame, gives the client a moment to answer it (a
// clean close handshake) and closes the socket.
func (c *conn) finish() {
	if c.closeCode != 0 {
		msg := websocket.FormatCloseMessage(c.closeCode, c.closeText)
		if err := c.ws.WriteControl(websocket.CloseMessage, msg, time.Now().Add(c.gw.cfg.WriteTimeout)); err == nil {
			t := time.NewTimer(c.gw.cfg.CloseGrace)
			select {
			case <-c.readerDone:
			case <-t.C:
			}
			t.Stop()
		}
	}
	_ = c.ws.Close()
}

// stopWriting ends the writer for good: no more pings, the frames still
// queued dropped.
func (c *conn) stopWriting() {
	c.mu.Lock()
	c.ping.Stop()
	c.pending = nil
	c.mu.Unlock()
	close(c.writerDone)
}
