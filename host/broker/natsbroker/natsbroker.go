// Package natsbroker is a multi-node broker.Broker over NATS core
// publish/subscribe, for deployments past what one PostgreSQL's
// LISTEN/NOTIFY carries.
//
// Every group has a subject (Subject): a KindSend or KindChanged envelope is
// published on its group's subject, and the envelopes that name a user (KindSubscribe,
// KindUnsubscribe, KindDisconnect) on the subject of that user's own group
// (wire.UserGroup). A node subscribes only to the subjects of the groups its
// hub has local connections in, told by the hub through broker.Interest
// (Watch when a group gets its first local connection, Unwatch when it loses
// its last), so its inbound traffic is what its own clients need: a node
// with no member of a busy room connected receives nothing of that room.
//
// Ordering: envelopes published by one node are handled by every node in the
// order published. A node publishes on one NATS connection, NATS delivers
// one connection's messages to each subscribing connection in the order
// sent, whatever their subjects, and every subscription of a node feeds one
// channel drained by one goroutine, which calls the handler. Envelopes of
// different nodes have no common order (unlike pgbroker's commit order): two
// nodes may see two other nodes' concurrent envelopes in different orders.
//
// Joins: a node subscribes to a group's subject when it handles the
// KindSubscribe that puts its first local connection in the group, and NATS
// routes to it only what is published after that subscription reaches the
// server. So that a member added by node A does not miss A's own next
// events to the room (a room.create's roomcreate.dispatch follows its
// KindSubscribe at once), A also sends each KindSend to a group, for
// JoinWindow after it published a KindSubscribe to it, to the subjects of
// the users it added. Each envelope carries its publisher's instance id and
// a sequence number; a node handles an envelope only if its number is above
// the last one it handled from that instance, so such a copy, or any
// duplicate, is handled once. (A copy can reach a node whose user another
// node removed from the group within the window: its hub gives it to the
// group's local connections, if it has any, which had it already or were
// to have it.) Another node's events published in the few moments before
// the subscription reaches the server are not received, as an event
// published before a connection's Connect read its rooms is not.
//
// A node that cannot keep up at all (64Ki envelopes waiting for its
// handler) has the client drop what comes next; each drop is logged and
// counted in chatwasm_broker_dropped_total.
//
// Reconnects: the client reconnects on its own (forever, with backoff) and
// subscribes again; each loss and each reconnect is logged and counted.
// Envelopes published while a node is disconnected are not delivered to it
// (NATS core keeps nothing); envelopes a node publishes while disconnected
// are buffered by the client (up to 8 MiB) and sent after its reconnect, to
// the nodes connected then. None is ever handled twice.
//
// NATS refuses a message larger than the server's max_payload (1 MiB by
// default): raise it to the server's limit of 64 MiB to carry frames up to
// --max-out-frame-bytes; Publish returns the error otherwise.
package natsbroker

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/chatwasm/chatwasm/host/broker"
	"github.com/chatwasm/chatwasm/host/chat/wire"
	"github.com/nats-io/nats.go"
	"github.com/prometheus/client_golang/prometheus"
)

// DefaultPrefix is the first token of every subject when Config.Prefix is
// empty.
const DefaultPrefix = "chatwasm"

// JoinWindow is how long after publishing a KindSubscribe a node also sends
// a group's envelopes to the subjects of the users it added. A node holding
// such a user subscribes to the group within a round trip to NATS; the
// window only needs to outlast that, by far.
const JoinWindow = 10 * time.Second

// inboxSize is how many received envelopes may wait for the handler. The
// client drops messages beyond it (a slow consumer), which is logged and
// counted; the handler (the hub's Apply) never blocks, so it is only reached
// when the node cannot keep up at all.
const inboxSize = 1 << 16

// reconnectFlushTimeout bounds the wait, after a reconnect, for the server
// to confirm the subscriptions sent again, and a Flush without a deadline.
const reconnectFlushTimeout = 10 * time.Second

// stampSize is the size of what precedes the envelope's JSON in a message:
// the publishing broker's instance id and the message's sequence number,
// each 8 bytes big-endian (cheaper than NATS headers, parsed into a map).
const stampSize = 16

// Config configures a Broker.
type Config struct {
	// URL is the NATS server, or a comma-separated list of servers of one
	// cluster, e.g. nats://user:password@host:4222 (required).
	URL string
	// Handler is called for every envelope, on one goroutine, in order
	// (required). It must not block for long: it holds up delivery.
	Handler broker.Handler
	// NodeID names the connection and is stamped as the Origin of
	// envelopes published without one; a random id if empty.
	NodeID string
	// Prefix is the first token of every subject; DefaultPrefix if empty.
	// Nodes that must reach each other use the same one.
	Prefix string
	// CredsFile is a NATS credentials file (user JWT and NKey seed).
	CredsFile string
	// CAFile verifies the server's certificate (TLS); CertFile and KeyFile
	// are this node's client certificate, for servers that require one.
	CAFile, CertFile, KeyFile string
	// Registerer receives the broker's metrics; none are registered if nil.
	Registerer prometheus.Registerer
	// Missed, if not nil, is called when this node may have missed
	// envelopes: after the connection was re-established, and after an
	// envelope was dropped. A node that keeps state up to date from the
	// envelopes (chat.AccessCache) drops it then.
	Missed func()
	// Logger logs connection losses, reconnects and dropped messages;
	// slog.Default() if nil.
	Logger *slog.Logger
}

// missed calls Config.Missed, if any.
func (b *Broker) missed() {
	if b.cfg.Missed != nil {
		b.cfg.Missed()
	}
}

// Broker is a broker.Broker over NATS. It implements broker.Interest.
type Broker struct {
	cfg      Config
	nc       *nats.Conn
	m        *metrics
	log      *slog.Logger
	instance uint64 // random: a restarted node is a new publisher
	inbox    chan *nats.Msg

	pubMu  sync.Mutex          // orders publishes; guards seq and joined
	seq    uint64              // the last sequence number published
	joined map[string][]joiner // group → users this node added lately

	subMu sync.Mutex
	subs  map[string]*nats.Subscription // watched group → its subscription

	closed atomic.Bool
	once   sync.Once
	quit   chan struct{} // closed by Close
	done   chan struct{} // closed when run has returned
}

// joiner is a user this node subscribed to a group, until when its subject
// also receives the group's envelopes.
type joiner struct {
	user  int64
	until time.Time
}

var (
	_ broker.Broker   = (*Broker)(nil)
	_ broker.Interest = (*Broker)(nil)
)

// New connects to NATS and returns the broker, subscribed to nothing until
// the hub watches groups. The first connection must succeed; later losses
// are retried forever.
func New(ctx context.Context, cfg Config) (*Broker, error) {
	if cfg.URL == "" || cfg.Handler == nil {
		return nil, errors.New("natsbroker: URL and Handler are required")
	}
	if cfg.Prefix == "" {
		cfg.Prefix = DefaultPrefix
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	var inst [8]byte
	_, _ = rand.Read(inst[:])
	if cfg.NodeID == "" {
		cfg.NodeID = hex.EncodeToString(inst[:])
	}
	b := &Broker{
		cfg:      cfg,
		m:        newMetrics(),
		log:      cfg.Logger.With("component", "natsbroker", "node", cfg.NodeID),
		instance: binary.BigEndian.Uint64(inst[:]),
		inbox:    make(chan *nats.Msg, inboxSize),
		subs:     make(map[string]*nats.Subscription),
		joined:   make(map[string][]joiner),
		quit:     make(chan struct{}),
		done:     make(chan struct{}),
	}
	opts := []nats.Option{
		nats.Name("chatwasm " + cfg.NodeID),
		nats.MaxReconnects(-1),
		nats.RetryOnFailedConnect(false),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			if b.closed.Load() {
				return
			}
			b.m.lost.Inc()
			b.log.Warn("NATS connection lost; reconnecting", "err", err)
		}),
		nats.ReconnectHandler(func(nc *nats.Conn) {
			// The client has sent the subscriptions again; once the server
			// has them, this node receives what is published: only then
			// is it counted as reconnected.
			if err := nc.FlushTimeout(reconnectFlushTimeout); err != nil {
				b.log.Warn("NATS reconnect: flush", "err", err)
			}
			b.missed()
			b.m.reconnects.Inc()
			b.log.Info("NATS connection re-established", "server", nc.ConnectedUrlRedacted())
		}),
		nats.ErrorHandler(func(_ *nats.Conn, sub *nats.Subscription, err error) {
			if errors.Is(err, nats.ErrSlowConsumer) {
				b.m.dropped.Inc()
				b.missed()
			}
			subject := ""
			if sub != nil {
				subject = sub.Subject
			}
			b.log.Error("NATS error", "err", err, "subject", subject)
		}),
	}
	if cfg.CredsFile != "" {
		opts = append(opts, nats.UserCredentials(cfg.CredsFile))
	}
	if cfg.CAFile != "" {
		opts = append(opts, nats.RootCAs(cfg.CAFile))
	}
	if cfg.CertFile != "" || cfg.KeyFile != "" {
		opts = append(opts, nats.ClientCert(cfg.CertFile, cfg.KeyFile))
	}
	if deadline, ok := ctx.Deadline(); ok {
		opts = append(opts, nats.Timeout(time.Until(deadline)))
	}
	nc, err := nats.Connect(cfg.URL, opts...)
	if err != nil {
		return nil, fmt.Errorf("natsbroker: connect: %w", err)
	}
	b.nc = nc
	// Registered last, so that a failed New can be retried with the same
	// registry.
	if err := b.m.register(cfg.Registerer, b.subscriptions); err != nil {
		nc.Close()
		return nil, err
	}
	// Every node receives the control envelopes.
	b.Watch(broker.ControlGroup)
	go b.run()
	return b, nil
}

// Subject returns the NATS subject of group: prefix.g.<group> when the
// group is a valid subject token (every group chatwasm makes is), else
// prefix.x.<the group in unpadded base64url>.
func Subject(prefix, group string) string {
	for i := 0; i < len(group); i++ {
		c := group[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return prefix + ".x." + base64.RawURLEncoding.EncodeToString([]byte(group))
		}
	}
	if group == "" {
		return prefix + ".x."
	}
	return prefix + ".g." + group
}

// subject returns the subject env is published on.
func (b *Broker) subject(env broker.Envelope) string {
	if env.Kind == broker.KindSend || env.Kind == broker.KindModules || env.Kind == broker.KindChanged {
		return Subject(b.cfg.Prefix, env.Group)
	}
	return Subject(b.cfg.Prefix, wire.UserGroup(env.UserID))
}

// Publish implements broker.Broker: it hands the envelope to the NATS
// client, which sends it soon after; it does not wait for any node.
// Envelopes published one after the other (not concurrently) are handled in
// that order everywhere.
func (b *Broker) Publish(_ context.Context, env broker.Envelope) error {
	if b.closed.Load() {
		return errors.New("natsbroker: publish on a closed broker")
	}
	if env.Origin == "" {
		env.Origin = b.cfg.NodeID
	}
	body, err := json.Marshal(env)
	if err != nil {
		return fmt.Errorf("natsbroker: encode envelope: %w", err)
	}
	data := make([]byte, stampSize, stampSize+len(body))
	data = append(data, body...)
	binary.BigEndian.PutUint64(data, b.instance)
	// The sequence number is taken and the message written under one lock,
	// so that concurrent publishers send in the order of their numbers.
	b.pubMu.Lock()
	defer b.pubMu.Unlock()
	b.seq++
	binary.BigEndian.PutUint64(data[8:], b.seq)
	msg := &nats.Msg{Subject: b.subject(env), Data: data}
	if err := b.nc.PublishMsg(msg); err != nil {
		return fmt.Errorf("natsbroker: publish: %w", err)
	}
	b.m.published.WithLabelValues("group").Inc()
	switch env.Kind {
	case broker.KindSubscribe:
		b.joined[env.Group] = append(b.joined[env.Group], joiner{env.UserID, time.Now().Add(JoinWindow)})
	case broker.KindUnsubscribe:
		b.joined[env.Group] = slices.DeleteFunc(b.joined[env.Group], func(j joiner) bool { return j.user == env.UserID })
		if len(b.joined[env.Group]) == 0 {
			delete(b.joined, env.Group)
		}
	case broker.KindSend, broker.KindChanged:
		return b.copyToJoiners(env.Group, msg)
	}
	return nil
}

// copyToJoiners sends msg again to the subjects of the users this node
// added to group within JoinWindow, forgetting those added before. It needs
// b.pubMu.
func (b *Broker) copyToJoiners(group string, msg *nats.Msg) error {
	js := b.joined[group]
	if len(js) == 0 {
		return nil
	}
	now := time.Now()
	live := js[:0]
	for _, j := range js {
		if now.After(j.until) {
			continue
		}
		live = append(live, j)
		cp := &nats.Msg{Subject: Subject(b.cfg.Prefix, wire.UserGroup(j.user)), Data: msg.Data}
		if err := b.nc.PublishMsg(cp); err != nil {
			return fmt.Errorf("natsbroker: publish to a new member: %w", err)
		}
		b.m.published.WithLabelValues("joiner").Inc()
	}
	if len(live) == 0 {
		delete(b.joined, group)
	} else {
		b.joined[group] = live
	}
	return nil
}

// Watch implements broker.Interest: it subscribes to group's subject.
func (b *Broker) Watch(group string) {
	b.subMu.Lock()
	defer b.subMu.Unlock()
	if _, ok := b.subs[group]; ok || b.closed.Load() {
		return
	}
	sub, err := b.nc.ChanSubscribe(Subject(b.cfg.Prefix, group), b.inbox)
	if err != nil {
		b.log.Error("subscribe", "group", group, "err", err)
		return
	}
	b.subs[group] = sub
}

// Unwatch implements broker.Interest: it unsubscribes from group's subject.
func (b *Broker) Unwatch(group string) {
	b.subMu.Lock()
	defer b.subMu.Unlock()
	sub, ok := b.subs[group]
	if !ok {
		return
	}
	delete(b.subs, group)
	if err := sub.Unsubscribe(); err != nil && !errors.Is(err, nats.ErrConnectionClosed) {
		b.log.Error("unsubscribe", "group", group, "err", err)
	}
}

// Flush returns once the NATS server has processed everything this node
// sent so far, its subscriptions included: envelopes published from then on
// reach this node's watched groups. Without a deadline in ctx it waits at
// most 10 seconds.
func (b *Broker) Flush(ctx context.Context) error {
	if _, ok := ctx.Deadline(); !ok { // the client requires one
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, reconnectFlushTimeout)
		defer cancel()
	}
	if err := b.nc.FlushWithContext(ctx); err != nil {
		return fmt.Errorf("natsbroker: flush: %w", err)
	}
	return nil
}

// subscriptions returns how many groups the node is subscribed to.
func (b *Broker) subscriptions() float64 {
	b.subMu.Lock()
	defer b.subMu.Unlock()
	return float64(len(b.subs))
}

// run hands received envelopes to the handler, in order, until Close.
func (b *Broker) run() {
	defer close(b.done)
	last := make(map[uint64]uint64) // publisher instance → last sequence number handled
	for {
		var msg *nats.Msg
		select {
		case <-b.quit:
			return
		case msg = <-b.inbox:
		}
		if len(msg.Data) < stampSize {
			b.drop(msg, errors.New("no publisher sequence number"))
			continue
		}
		inst, seq := binary.BigEndian.Uint64(msg.Data), binary.BigEndian.Uint64(msg.Data[8:])
		if seq <= last[inst] {
			b.m.duplicates.Inc()
			continue
		}
		last[inst] = seq
		var env broker.Envelope
		if err := json.Unmarshal(msg.Data[stampSize:], &env); err != nil {
			b.drop(msg, err)
			continue
		}
		b.m.delivered.Inc()
		b.cfg.Handler(env)
	}
}

// drop logs and counts a message that cannot be turned into an envelope: it
// cannot be retried, and later ones must not wait behind it.
func (b *Broker) drop(msg *nats.Msg, err error) {
	b.m.dropped.Inc()
	b.missed()
	b.log.Error("dropped an undeliverable message", "err", err, "subject", msg.Subject, "bytes", len(msg.Data))
}

// Close drains nothing: it closes the NATS connection and waits for the
// handler to finish its current envelope. Envelopes received but not yet
// handled are discarded, as the node is going away.
func (b *Broker) Close() error {
	b.once.Do(func() {
		b.closed.Store(true)
		b.subMu.Lock()
		b.nc.Close()
		b.subMu.Unlock()
		close(b.quit)
		<-b.done
	})
	return nil
}

// NodeID returns the id this broker stamps on envelopes.
func (b *Broker) NodeID() string { return b.cfg.NodeID }
