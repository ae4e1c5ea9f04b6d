package pgbroker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/chatwasm/chatwasm/host/broker"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Reconnection backoff bounds.
const (
	minBackoff = 50 * time.Millisecond
	maxBackoff = 5 * time.Second
)

// connectTimeout bounds one attempt to open and set up the listening
// connection, so that an unreachable server counts as a failed attempt.
const connectTimeout = 10 * time.Second

// connect opens the listening connection and LISTENs on the channel.
func (b *Broker) connect(ctx context.Context) (*pgx.Conn, error) {
	ctx, cancel := context.WithTimeout(ctx, connectTimeout)
	defer cancel()
	conn, err := pgx.ConnectConfig(ctx, b.listenCfg)
	if err != nil {
		return nil, fmt.Errorf("pgbroker: connect: %w", err)
	}
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{b.cfg.Channel}.Sanitize()); err != nil {
		_ = conn.Close(context.Background())
		return nil, fmt.Errorf("pgbroker: listen: %w", err)
	}
	return conn, nil
}

// run delivers notifications until ctx ends, replacing the connection
// whenever it is lost.
func (b *Broker) run(ctx context.Context, conn *pgx.Conn) {
	defer close(b.done)
	for {
		err := b.listen(ctx, conn)
		_ = conn.Close(context.Background())
		if ctx.Err() != nil {
			return
		}
		b.log.Warn("listening connection lost; reconnecting", "err", err)
		b.m.lost.Inc()
		if conn = b.reconnect(ctx); conn == nil {
			return
		}
		b.log.Info("listening connection re-established")
		b.missed()
		b.m.reconnects.Inc()
	}
}

// reconnect retries connect with exponential backoff until it succeeds or ctx
// ends (nil).
func (b *Broker) reconnect(ctx context.Context) *pgx.Conn {
	wait := minBackoff
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(wait):
		}
		conn, err := b.connect(ctx)
		if err == nil {
			return conn
		}
		if ctx.Err() != nil {
			return nil
		}
		b.m.connectErrors.Inc()
		b.log.Warn("reconnect failed", "err", err, "retry_in", 2*wait)
		wait = min(2*wait, maxBackoff)
	}
}

// listen handles notifications on conn until it fails or ctx ends.
func (b *Broker) listen(ctx context.Context, conn *pgx.Conn) error {
	for {
		wctx, cancel := context.WithTimeout(ctx, b.cfg.IdleCheck)
		n, err := conn.WaitForNotification(wctx)
		cancel()
		switch {
		case err == nil:
			b.deliver(ctx, conn, n)
		case ctx.Err() != nil:
			return ctx.Err()
		case pgconn.Timeout(err):
			// Quiet for a while: make sure the server is still there. A
			// timed-out wait leaves the connection usable.
			pctx, cancel := context.WithTimeout(ctx, connectTimeout)
			err = conn.Ping(pctx)
			cancel()
			if err != nil {
				return fmt.Errorf("ping: %w", err)
			}
		default:
			return err
		}
	}
}

// deliver decodes one notification and hands its envelopes to the handler,
// in order. A notification, or an element of a packed one, that cannot be
// turned into an envelope is logged and dropped: it cannot be retried, and
// later ones must not wait behind it.
func (b *Broker) deliver(ctx context.Context, conn *pgx.Conn, n *pgconn.Notification) {
	switch {
	case strings.HasPrefix(n.Payload, "["):
		var elems []json.RawMessage
		if err := json.Unmarshal([]byte(n.Payload), &elems); err != nil {
			b.drop(n, err)
			return
		}
		for _, e := range elems {
			if len(e) > 0 && e[0] == '{' {
				b.handle(n, e)
				continue
			}
			id, err := strconv.ParseInt(string(e), 10, 64)
			if err != nil {
				b.drop(n, fmt.Errorf("packed element %.40q: %w", e, err))
				continue
			}
			b.deliverStored(ctx, conn, n, id)
		}
	case strings.HasPrefix(n.Payload, string(refPrefix)):
		id, err := strconv.ParseInt(n.Payload[1:], 10, 64)
		if err != nil {
			b.drop(n, err)
			return
		}
		b.deliverStored(ctx, conn, n, id)
	default:
		b.handle(n, []byte(n.Payload))
	}
}

// deliverStored fetches the stored envelope id and hands it to the handler.
// It is fetched on the listening connection itself: notifications arriving
// meanwhile are buffered by pgx, so order is kept.
func (b *Broker) deliverStored(ctx context.Context, conn *pgx.Conn, n *pgconn.Notification, id int64) {
	fctx, cancel := context.WithTimeout(ctx, connectTimeout)
	data, err := fetchPayload(fctx, conn, id)
	cancel()
	if err != nil {
		b.drop(n, err)
		return
	}
	b.handle(n, data)
}

// handle decodes one envelope of n and hands it to the handler.
func (b *Broker) handle(n *pgconn.Notification, data []byte) {
	var env broker.Envelope
	if err := json.Unmarshal(data, &env); err != nil {
		b.drop(n, err)
		return
	}
	b.m.delivered.Inc()
	b.cfg.Handler(env)
}

func (b *Broker) drop(n *pgconn.Notification, err error) {
	if errors.Is(err, context.Canceled) {
		return
	}
	b.m.dropped.Inc()
	b.missed()
	b.log.Error("dropped an undeliverable notification", "err", err, "sender_pid", n.PID, "payload_bytes", len(n.Payload))
}
