// Package pgbroker is the multi-node broker.Broker: fan-out between chatwasm
// nodes that share a PostgreSQL database, over LISTEN/NOTIFY.
//
// Every node holds one dedicated connection (outside the pool) that LISTENs
// on one channel, and publishes with pg_notify on a pooled connection. An
// envelope reaches every node, this one included, only through the
// notification: a node does not short-cut its own envelopes to its handler.
// PostgreSQL delivers notifications to every listener in the order of the
// commits that sent them, so all nodes handle all envelopes in the same total
// order, whoever published them; delivering local envelopes directly would
// let a node's own events overtake (or be overtaken by) other nodes' events
// differently on each node. The price is one database round trip before a
// node sees its own envelopes, which are in any case published just after a
// database commit.
//
// Envelopes published concurrently on one node share a transaction, and as
// many as fit share a notification: one round trip, one commit (PostgreSQL
// takes a cluster-wide lock to queue a transaction's notifications) and one
// wake-up of each listener for the lot. Publishing transactions run one at a
// time per node, so each node's envelopes are still committed, hence
// handled, in the order their Publish calls returned.
//
// A NOTIFY payload must be shorter than 8000 bytes. A larger envelope is
// stored in the broker_payloads table, in the same transaction as a
// notification that carries only its row id; listeners read it from there.
// Rows are pruned by publishers once older than Config.PayloadTTL.
//
// A notification carries one envelope, as its JSON object ('{') or as '@' and
// a row id, or several, as a JSON array whose elements are envelopes or row
// ids (numbers). A lone envelope, the rule on an idle node, travels in the
// first forms, which is all that nodes before packing read: during a rolling
// upgrade from such a version, the old nodes drop (log, count and report
// through Config.Missed) the packed notifications of the new ones, so their
// clients may miss live events from the new nodes under load until the
// upgrade is done, as on any broker gap; they catch up from the database on
// reconnect.
//
// When the listening connection is lost, the broker reconnects with
// exponential backoff, logs each loss and counts it. Envelopes published
// while a node is not listening are not delivered to that node (NOTIFY has no
// replay); none is ever delivered twice, since a notification reaches one
// listening session once and the new session only receives what is sent
// after its LISTEN.
package pgbroker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/chatwasm/chatwasm/host/broker"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
)

// DefaultChannel is the notification channel used when Config.Channel is
// empty.
const DefaultChannel = "chatwasm_fanout"

// maxInline is the largest payload sent in the notification itself:
// PostgreSQL requires a NOTIFY payload to be shorter than 8000 bytes.
const maxInline = 7999

// Config configures a Broker.
type Config struct {
	// Pool publishes envelopes and stores large ones (required). The
	// listening connection is opened separately with the pool's connection
	// settings.
	Pool *pgxpool.Pool
	// Handler is called for every envelope, on one goroutine, in order
	// (required). It must not block for long: it holds up delivery.
	Handler broker.Handler
	// NodeID is stamped as the Origin of envelopes published without one;
	// a random id if empty.
	NodeID string
	// Channel is the notification channel; DefaultChannel if empty. Nodes
	// that must reach each other use the same one.
	Channel string
	// Registerer receives the broker's metrics; none are registered if nil.
	Registerer prometheus.Registerer
	// Logger logs connection losses and undeliverable notifications;
	// slog.Default() if nil.
	Logger *slog.Logger
	// Missed, if not nil, is called when this node may have missed
	// envelopes: after the connection was re-established, and after an
	// envelope was dropped. A node that keeps state up to date from the
	// envelopes (chat.AccessCache) drops it then.
	Missed func()
	// PayloadTTL is how long a large envelope is kept for listeners to
	// fetch; 5 minutes if zero.
	PayloadTTL time.Duration
	// IdleCheck is how long the listener waits for a notification before it
	// pings the server, so that a silently dead connection is noticed; 30
	// seconds if zero.
	IdleCheck time.Duration
}

// missed calls Config.Missed, if any.
func (b *Broker) missed() {
	if b.cfg.Missed != nil {
		b.cfg.Missed()
	}
}

// Broker is a broker.Broker over PostgreSQL LISTEN/NOTIFY.
type Broker struct {
	cfg       Config
	listenCfg *pgx.ConnConfig
	m         *metrics
	log       *slog.Logger

	lastPrune atomic.Int64 // unix nanoseconds of the last prune of broker_payloads

	// The publishers' queue (see publish).
	pubMu      sync.Mutex
	publishing bool       // a publishing transaction runs
	queue      []*pending // envelopes for the next one

	cancel context.CancelFunc
	done   chan struct{}
	closed atomic.Bool
	once   sync.Once
}

var _ broker.Broker = (*Broker)(nil)

// New creates the payload table if needed, starts listening and returns the
// broker. The first connection must succeed; later losses are retried.
func New(ctx context.Context, cfg Config) (*Broker, error) {
	if cfg.Pool == nil || cfg.Handler == nil {
		return nil, errors.New("pgbroker: Pool and Handler are required")
	}
	if cfg.NodeID == "" {
		cfg.NodeID = uuid.NewString()
	}
	if cfg.Channel == "" {
		cfg.Channel = DefaultChannel
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.PayloadTTL <= 0 {
		cfg.PayloadTTL = 5 * time.Minute
	}
	if cfg.IdleCheck <= 0 {
		cfg.IdleCheck = 30 * time.Second
	}
	if err := createPayloadTable(ctx, cfg.Pool); err != nil {
		return nil, err
	}
	lc := cfg.Pool.Config().ConnConfig.Copy()
	if lc.RuntimeParams == nil {
		lc.RuntimeParams = map[string]string{}
	}
	// Named, so operators (and tests) can find the listener in
	// pg_stat_activity.
	lc.RuntimeParams["application_name"] = ListenerApplicationName(cfg.NodeID)
	b := &Broker{
		cfg:       cfg,
		listenCfg: lc,
		m:         newMetrics(),
		log:       cfg.Logger.With("component", "pgbroker", "node", cfg.NodeID, "channel", cfg.Channel),
		done:      make(chan struct{}),
	}
	conn, err := b.connect(ctx)
	if err != nil {
		return nil, err
	}
	// Registered last, so that a failed New can be retried with the same
	// registry.
	if err := b.m.register(cfg.Registerer); err != nil {
		_ = conn.Close(context.WithoutCancel(ctx))
		return nil, err
	}
	lctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	b.cancel = cancel
	go b.run(lctx, conn)
	return b, nil
}

// ListenerApplicationName is the application_name of the listening
// connection of node nodeID.
func ListenerApplicationName(nodeID string) string { return "chatwasm-broker " + nodeID }

// NodeID returns the id this broker stamps on envelopes.
func (b *Broker) NodeID() string { return b.cfg.NodeID }

// Publish implements broker.Broker: it returns once the notification is
// committed, before any node has handled it. Envelopes published one after
// the other (not concurrently) are handled in that order everywhere.
// Concurrent envelopes share a transaction and, as many as fit, a
// notification (see publish). A ctx already done fails the call; once
// queued, the envelope's transaction is bounded by its own timeout rather
// than by ctx, since it publishes other callers' envelopes too.
func (b *Broker) Publish(ctx context.Context, env broker.Envelope) error {
	if b.closed.Load() {
		return errors.New("pgbroker: publish on a closed broker")
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("pgbroker: publish: %w", err)
	}
	if env.Origin == "" {
		env.Origin = b.cfg.NodeID
	}
	data, err := json.Marshal(env)
	if err != nil {
		return fmt.Errorf("pgbroker: encode envelope: %w", err)
	}
	return b.publish(ctx, data)
}

// Close stops listening and waits for the listener to finish its current
// envelope. It does not close the pool.
func (b *Broker) Close() error {
	b.once.Do(func() {
		b.closed.Store(true)
		b.cancel()
		<-b.done
	})
	return nil
}
