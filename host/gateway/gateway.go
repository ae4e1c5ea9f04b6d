// Package gateway is chatwasm's WebSocket endpoint: it authenticates
// connections, decodes and validates frames, hands them to chat.Service, and
// applies the effects that come back, fanning group traffic out through a
// broker.Broker to the Hub of every node.
package gateway

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/chatwasm/chatwasm/host/auth"
	"github.com/chatwasm/chatwasm/host/broker"
	"github.com/chatwasm/chatwasm/host/chat"
	"github.com/chatwasm/chatwasm/host/chat/wire"
	"github.com/chatwasm/chatwasm/host/store"
	"github.com/gorilla/websocket"
)

// Config tunes the gateway. Zero fields take their DefaultConfig value.
type Config struct {
	// MaxFrameBytes is the largest client frame processed; a larger one is
	// discarded as it streams in and answered with a 4003 error frame.
	MaxFrameBytes int64
	// NodeID names this node in channel names and broker envelopes.
	NodeID string
	// QueueSize is how many outbound frames a connection may have pending
	// before it is disconnected as too slow.
	QueueSize int
	// QueueBytes is how many bytes of outbound frames a connection may
	// have pending: one more frame past it disconnects the connection as
	// too slow, like a full queue (a frame is always taken into an empty
	// queue).
	QueueBytes int64
	// MaxOutFrameBytes is the largest frame an operation may send: a larger
	// one is not sent to anyone, and the client whose request produced it
	// gets a 4003 saying so instead. The connect's chat.notifications is cut
	// to it by chat.Service (chat.Config.MaxFrameBytes, the same value).
	MaxOutFrameBytes int
	// PingInterval is how often the server pings an idle client.
	PingInterval time.Duration
	// ReadTimeout closes a connection from which nothing (not even a pong)
	// arrived for that long.
	ReadTimeout time.Duration
	// WriteTimeout bounds one write to the client.
	WriteTimeout time.Duration
	// CloseGrace is how long the server waits for the client to answer its
	// close frame before dropping the connection.
	CloseGrace time.Duration
	// FrameRate is how many frames per second a connection may send on
	// average, FrameBurst how many at once. A client over the rate is
	// slowed down, not refused: its next frame is read when the rate allows
	// (TCP pushes back on the client meanwhile), so nothing it sends is
	// lost. 0 means no limit.
	FrameRate  float64
	FrameBurst int
	// MaxConnsPerUser caps the connections one user may have open on this
	// node; one more is closed right after the upgrade with 1008 (policy
	// violation) and "too many connections". 0 means no limit.
	MaxConnsPerUser int
}

// DefaultConfig returns the default tuning: 1 MiB frames in, 16 MiB out,
// 256 queued frames or 32 MiB,
// a ping every 25 s, 60 s read timeout, 20 frames a second (bursts of 50)
// and 32 connections per user.
func DefaultConfig() Config {
	return Config{
		MaxFrameBytes:    1 << 20,
		QueueSize:        256,
		QueueBytes:       32 << 20,
		MaxOutFrameBytes: chat.DefaultMaxFrameBytes,
		PingInterval:     25 * time.Second,
		ReadTimeout:      60 * time.Second,
		WriteTimeout:     10 * time.Second,
		CloseGrace:       time.Second,
		FrameRate:        20,
		FrameBurst:       50,
		MaxConnsPerUser:  32,
	}
}

func (c Config) withDefaults() Config {
	d := DefaultConfig()
	setDefault(&c.MaxFrameBytes, d.MaxFrameBytes)
	if c.NodeID == "" {
		var b [4]byte
		_, _ = rand.Read(b[:])
		c.NodeID = hex.EncodeToString(b[:])
	}
	setDefault(&c.QueueSize, d.QueueSize)
	setDefault(&c.QueueBytes, d.QueueBytes)
	setDefault(&c.MaxOutFrameBytes, d.MaxOutFrameBytes)
	setDefault(&c.PingInterval, d.PingInterval)
	setDefault(&c.ReadTimeout, d.ReadTimeout)
	setDefault(&c.WriteTimeout, d.WriteTimeout)
	setDefault(&c.CloseGrace, d.CloseGrace)
	setDefault(&c.FrameBurst, d.FrameBurst)
	return c
}

// setDefault replaces a zero or negative setting with its default.
func setDefault[T int | int64 | time.Duration](v *T, def T) {
	if *v <= 0 {
		*v = def
	}
}

// Authenticator resolves a connection's access token to its user
// (identity.Resolver). A bad token wraps auth.ErrInvalidToken, a user that
// does not exist is store.ErrNotFound: both close the connection with 4001.
type Authenticator interface {
	Authenticate(ctx context.Context, token string) (store.User, error)
}

// Deps are the parts a Gateway is built from.
type Deps struct {
	Service *chat.Service
	Auth    Authenticator
	// Hub is this node's fan-out table; Broker must deliver to Hub.Apply.
	Hub     *Hub
	Broker  broker.Broker
	Metrics *Metrics
	// Log may be nil (discard).
	Log *slog.Logger
}

// The sizes of gorilla/websocket's buffers: a connection's reader, and the
// pooled buffer a frame is written through.
const (
	readBufferSize  = 1 << 10
	writeBufferSize = 4 << 10
)

// Gateway is the WebSocket endpoint, an http.Handler.
type Gateway struct {
	cfg      Config
	svc      *chat.Service
	auth     Authenticator
	hub      *Hub
	broker   broker.Broker
	metrics  *Metrics
	log      *slog.Logger
	upgrader websocket.Upgrader

	mu      sync.Mutex
	closing bool
	conns   map[*conn]struct{}
	perUser map[int64]int // open connections by user
	wg      sync.WaitGroup
}

// New returns a Gateway.
func New(cfg Config, d Deps) (*Gateway, error) {
	if d.Service == nil || d.Auth == nil || d.Hub == nil || d.Broker == nil || d.Metrics == nil {
		return nil, errors.New("gateway: Service, Auth, Hub, Broker and Metrics are required")
	}
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	cfg = cfg.withDefaults()
	return &Gateway{
		cfg:     cfg,
		svc:     d.Service,
		auth:    d.Auth,
		hub:     d.Hub,
		broker:  d.Broker,
		metrics: d.Metrics,
		log:     d.Log,
		upgrader: websocket.Upgrader{
			// An idle connection holds its read buffer, so a small one:
			// client frames are small, and a larger one is read straight
			// into its destination past it. The write buffer is taken
			// from a pool for each frame written, and held by no idle
			// connection.
			ReadBufferSize:  readBufferSize,
			WriteBufferSize: writeBufferSize,
			WriteBufferPool: &sync.Pool{},
			// Tokens, not cookies, authenticate: a foreign page cannot ride
			// on a browser's ambient credentials, so any Origin may connect.
			CheckOrigin: func(*http.Request) bool { return true },
		},
		conns:   make(map[*conn]struct{}),
		perUser: make(map[int64]int),
	}, nil
}

// ServeHTTP upgrades the request and serves the connection until it closes.
func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !isHandshake(r) {
		// Not a handshake the upgrader would accept: it answers it (400)
		// before anything runs, since a connection opens its session
		// before it is accepted.
		_, _ = g.upgrader.Upgrade(w, r, nil)
		return
	}
	user, authErr := g.authenticate(r)
	if authErr != nil && !errors.Is(authErr, auth.ErrInvalidToken) && !errors.Is(authErr, store.ErrNotFound) {
		g.log.Error("connect: load user", "err", authErr)
		http.Error(w, "internal server error", http.StatusInternalServerError)
		return
	}
	if authErr != nil {
		// Accept, then close with 4001, so that clients see the reference's
		// close code instead of an opaque handshake failure.
		ws, err := g.upgrader.Upgrade(w, r, nil)
		if err != nil {
			return // the upgrader has answered the request
		}
		g.metrics.authFailures.Inc()
		g.log.Info("connection rejected", "reason", "authentication", "remote", r.RemoteAddr, "err", authErr)
		g.closeNow(ws, wire.CodeUnauthenticated, "unauthenticated")
		return
	}
	// The connection outlives no request context we do not control: it is
	// cancelled when the connection ends, not when the handler's would be.
	ctx, cancel := context.WithCancel(context.WithoutCancel(r.Context()))
	g.serve(ctx, cancel, w, r, user)
}

// isHandshake reports whether r is a WebSocket handshake the upgrader
// accepts as far as its request line and headers go (RFC 6455 §4.2.1).
func isHandshake(r *http.Request) bool {
	return r.Method == http.MethodGet && websocket.IsWebSocketUpgrade(r) &&
		r.Header.Get("Sec-WebSocket-Version") == "13" && r.Header.Get("Sec-WebSocket-Key") != ""
}

// authenticate resolves the request's token to a user. A missing or bad
// token wraps auth.ErrInvalidToken, a deleted user store.ErrNotFound.
func (g *Gateway) authenticate(r *http.Request) (store.User, error) {
	return g.auth.Authenticate(r.Context(), auth.FromRequest(r))
}

// serve sets up an authenticated connection and hands it to a reader of
// its own. As in the reference (docs/protocol.md §2.4), the connection is
// subscribed to its groups and has its session before the socket is
// accepted: a client that sees the handshake complete misses nothing sent
// to it afterwards. The reader is a new goroutine, not the one that served
// the HTTP request: that one returns, and with it what the connection no
// longer needs (the request, net/http's buffers, the deep stack of the
// connect).
func (g *Gateway) serve(ctx context.Context, cancel context.CancelFunc, w http.ResponseWriter, r *http.Request, user store.User) {
	c := newConn(g, user, g.cfg.NodeID+"."+rand.Text())
	if err := g.register(c); err != nil {
		defer cancel()
		code, text := websocket.CloseGoingAway, "server shutting down"
		if errors.Is(err, errTooManyConns) {
			g.metrics.connLimited.Inc()
			g.log.Info("connection rejected", "user", user.ID, "err", err)
			code, text = websocket.ClosePolicyViolation, "too many connections"
		}
		if ws, err := g.upgrader.Upgrade(w, r, nil); err == nil {
			g.closeNow(ws, code, text)
		}
		return
	}
	// In the hub before Connect reads the user's rooms, so that a room joined
	// or left meanwhile is not missed (see Hub.activate).
	g.hub.add(c)
	end := func() {
		g.hub.remove(c)
		g.unregister(c)
		cancel()
	}

	cn, err := g.svc.Connect(ctx, c.caller)
	if err != nil {
		defer end()
		c.log.Error("connect failed", "err", err)
		if ws, err := g.upgrader.Upgrade(w, r, nil); err == nil {
			g.closeNow(ws, websocket.CloseInternalServerErr, "internal server error")
		}
		return
	}
	c.caller.SessionID = cn.Session.ID
	groups := make([]string, len(cn.RoomIDs))
	for i, id := range cn.RoomIDs {
		groups[i] = wire.RoomGroup(id)
	}
	g.hub.activate(c, groups)
	select {
	case <-c.done:
		// Shutdown or DisconnectUser closed it while it connected: accept
		// it only to close it with their code. Connect committed, so what
		// modules emitted meanwhile still goes out.
		defer end()
		c.apply(ctx, cn.Effects)
		c.apply(ctx, g.svc.Disconnect(ctx, c.caller))
		if ws, err := g.upgrader.Upgrade(w, r, nil); err == nil {
			g.closeNow(ws, c.closeCode, c.closeText)
		}
		return
	default:
	}
	hj := &hijacker{ResponseWriter: w}
	ws, err := g.upgrader.Upgrade(hj, r, nil)
	if err != nil {
		// The upgrader has answered the request; the session ends here,
		// and what modules emitted while it connected still goes out.
		defer end()
		c.apply(ctx, cn.Effects)
		c.apply(ctx, g.svc.Disconnect(ctx, c.caller))
		return
	}
	c.remote = r.RemoteAddr
	g.attach(c, ws, hj.conn)
	c.log.Debug("connection opened", "remote", r.RemoteAddr, "session", cn.Session.ID, "rooms", len(cn.RoomIDs))
	// chat.notifications goes out before anything queued meanwhile: the
	// writer is not running yet.
	if cn.NotificationsCut {
		g.metrics.notifsCut.Inc()
		c.log.Info("chat.notifications cut to the newest that fit the outbound frame limit", "limit", g.cfg.MaxOutFrameBytes)
	}
	if cn.Notifications != nil {
		if err := c.write(cn.Notifications); err != nil {
			defer end()
			c.log.Debug("connection write failed", "err", err)
			_ = ws.Close()
			c.apply(ctx, g.svc.Disconnect(ctx, c.caller))
			return
		}
	}
	c.startWriting()
	effects := cn.Effects
	go func() {
		defer end()
		opened := time.Now()
		// Events modules emitted while the connection was set up go out now
		// that it receives them.
		c.apply(ctx, effects)
		c.readLoop(ctx)
		c.apply(ctx, g.svc.Disconnect(ctx, c.caller))
		close(c.readerDone)
		c.close(0, "")
		<-c.writerDone
		c.log.Debug("connection closed", "code", c.closeCode, "reason", c.closeText, "requests", c.requests,
			"duration", time.Since(opened))
	}()
}

// closeNow closes a connection that has no writer running: close frame,
// wait briefly for the client's answer, drop.
func (g *Gateway) closeNow(ws *websocket.Conn, code int, text string) {
	msg := websocket.FormatCloseMessage(code, text)
	if err := ws.WriteControl(websocket.CloseMessage, msg, time.Now().Add(g.cfg.WriteTimeout)); err == nil {
		_ = ws.SetReadDeadline(time.Now().Add(g.cfg.CloseGrace))
		for {
			if _, _, err := ws.NextReader(); err != nil {
				break
			}
		}
	}
	_ = ws.Close()
}

var (
	errClosing      = errors.New("gateway: shutting down")
	errTooManyConns = errors.New("gateway: too many connections for this user")
)

// register counts a new connection in, unless the gateway is shutting down
// or its user already has MaxConnsPerUser connections open.
func (g *Gateway) register(c *conn) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closing {
		return errClosing
	}
	if max := g.cfg.MaxConnsPerUser; max > 0 && g.perUser[c.user.ID] >= max {
		return fmt.Errorf("%w (%d open)", errTooManyConns, max)
	}
	g.conns[c] = struct{}{}
	g.perUser[c.user.ID]++
	g.wg.Add(1)
	g.metrics.conns.Inc()
	return nil
}

// attach gives an accepted connection its socket. Under g.mu, because
// Shutdown may drop the sockets of the connections it counts, and Sessions
// lists those that have one.
func (g *Gateway) attach(c *conn, ws *websocket.Conn, out *batchConn) {
	g.mu.Lock()
	c.ws, c.out, c.opened = ws, out, time.Now()
	g.mu.Unlock()
}

func (g *Gateway) unregister(c *conn) {
	g.mu.Lock()
	delete(g.conns, c)
	if g.perUser[c.user.ID]--; g.perUser[c.user.ID] <= 0 {
		delete(g.perUser, c.user.ID)
	}
	g.mu.Unlock()
	g.metrics.conns.Dec()
	g.wg.Done()
}

// DisconnectUser closes every local connection of a user with code and
// text, e.g. after the user was deleted.
func (g *Gateway) DisconnectUser(userID int64, code int, text string) {
	for _, c := range g.hub.userConns(userID) {
		c.close(code, text)
	}
}

// Shutdown refuses new connections, closes the open ones with 1001 (going
// away) and waits for them to finish, or for ctx. When ctx ends first, the
// remaining connections are dropped without a close handshake.
func (g *Gateway) Shutdown(ctx context.Context) error {
	g.mu.Lock()
	g.closing = true
	conns := slices.Collect(maps.Keys(g.conns))
	g.mu.Unlock()
	for _, c := range conns {
		c.close(websocket.CloseGoingAway, "server shutting down")
	}
	done := make(chan struct{})
	go func() {
		g.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		g.mu.Lock()
		for c := range g.conns {
			if c.ws != nil { // nil: not accepted yet; it sees done when it is
				_ = c.ws.Close()
			}
		}
		g.mu.Unlock()
		return ctx.Err()
	}
}
