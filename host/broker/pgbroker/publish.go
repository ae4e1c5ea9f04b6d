package pgbroker

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// maxBatch bounds the envelopes one publishing transaction carries, so that
// one transaction (and the wait of the envelopes queued behind it) stays
// short under any load.
const maxBatch = 128

// publishTimeout bounds a publishing transaction. It publishes every
// envelope of its batch, so no one caller's context may cancel it (that
// would fail the others' envelopes), but a server that stopped answering
// must not hold the publishers forever.
const publishTimeout = 30 * time.Second

// notifySQL sends one notification per element of $2, in the array's order:
// pg_notify is volatile, so PostgreSQL calls it after the sort.
const notifySQL = "SELECT pg_notify($1, p) FROM unnest($2::text[]) WITH ORDINALITY AS t(p, i) ORDER BY i"

// pending is one envelope waiting to be published.
type pending struct {
	data []byte     // the envelope's JSON
	done chan error // receives the outcome, or errLead; buffered
	// lead is the batch this envelope's publisher is to publish, when done
	// received errLead.
	lead []*pending
}

// errLead tells a queued publisher that the batch in its pending's lead is
// its to publish; it never reaches a caller.
var errLead = errors.New("pgbroker: lead the next batch")

// publish sends the envelope data and returns once its notification is
// committed. Envelopes published while a publishing transaction runs queue,
// and the next transaction carries them all (at most maxBatch): one round
// trip, one commit and, packed into as few notifications as fit, one wake-up
// of each listener for the lot, instead of one of each per envelope. As in
// group commit (host/store/groupcommit.go) there is no timer: a publisher
// that finds no transaction running starts one at once, and a queued one
// waits at most for the transaction before its own. One transaction runs at
// a time, so an envelope published after another's Publish returned is
// committed, hence handled everywhere, after it.
func (b *Broker) publish(ctx context.Context, data []byte) error {
	p := &pending{data: data, done: make(chan error, 1)}
	b.pubMu.Lock()
	if b.publishing {
		b.queue = append(b.queue, p)
		b.pubMu.Unlock()
		// No select on ctx: the wait is bounded by the transaction running
		// (publishTimeout), and a publisher handed the lead must take it.
		if err := <-p.done; err != errLead {
			return err
		}
	} else {
		b.publishing = true
		b.pubMu.Unlock()
		p.lead = []*pending{p}
	}
	batch := p.lead
	p.lead = nil
	errs := b.publishBatch(context.WithoutCancel(ctx), batch)
	b.pubMu.Lock()
	next := b.queue[:min(len(b.queue), maxBatch):min(len(b.queue), maxBatch)]
	b.queue = b.queue[len(next):]
	if len(b.queue) == 0 {
		b.queue = nil
	}
	b.publishing = len(next) > 0
	b.pubMu.Unlock()
	if len(next) > 0 {
		// The next batch's first publisher runs it: this one returns now,
		// its envelope committed, rather than serve others for as long as
		// they keep coming.
		next[0].lead = next
		next[0].done <- errLead
	}
	var own error
	for i, q := range batch {
		if q == p {
			own = errs[i]
		} else {
			q.done <- errs[i]
		}
	}
	return own
}

// item is one envelope of a batch as the notifications carry it: its JSON
// inline, or the id of its broker_payloads row.
type item struct {
	inline []byte
	ref    int64
}

// single is the item as a notification of its own: the JSON object, or
// refPrefix and the row id. Nodes that predate packing read this form.
func (it item) single() string {
	if it.inline != nil {
		return string(it.inline)
	}
	return string(refPrefix) + strconv.FormatInt(it.ref, 10)
}

// appendListed appends the item as an element of a packed notification: the
// JSON object, or the row id as a JSON number.
func (it item) appendListed(dst []byte) []byte {
	if it.inline != nil {
		return append(dst, it.inline...)
	}
	return strconv.AppendInt(dst, it.ref, 10)
}

// pack lays the items, in order, into as few notification payloads as fit
// under maxInline: a JSON array of several, or one item's single form. ends[k]
// is the index after the last item of payloads[k].
func pack(items []item) (payloads []string, ends []int) {
	var buf []byte
	n := 0
	flush := func(end int) {
		if n == 1 {
			payloads = append(payloads, items[end-1].single())
		} else {
			payloads = append(payloads, string(append(buf, ']')))
		}
		ends = append(ends, end)
		buf, n = buf[:0], 0
	}
	for i, it := range items {
		size := len(it.inline)
		if it.inline == nil {
			size = 20 // an int64 in decimal, at most
		}
		if n > 0 && len(buf)+1+size+1 > maxInline {
			flush(i)
		}
		if n == 0 {
			buf = append(buf, '[')
		} else {
			buf = append(buf, ',')
		}
		buf = it.appendListed(buf)
		n++
	}
	if n > 0 {
		flush(len(items))
	}
	return payloads, ends
}

// splitDuplicates returns the ends of the runs of payloads that may share a
// transaction. PostgreSQL delivers a notification only once when one
// transaction sends it twice (same channel, same payload), so a payload
// equal to an earlier one of its run starts a new run. Rare: it takes two
// equal envelopes each too large to share a payload.
func splitDuplicates(payloads []string) []int {
	var ends []int
	start := 0
	for i, p := range payloads {
		for _, q := range payloads[start:i] {
			if p == q {
				ends = append(ends, i)
				start = i
				break
			}
		}
	}
	return append(ends, len(payloads))
}

// execer is what sends the notifications: the pool, or the transaction that
// stored the batch's large envelopes.
type execer interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
}

// publishBatch publishes the batch's envelopes, in order, and returns each
// one's error. Envelopes too large for a notification are stored in the
// transaction that sends the first notifications, so their rows are
// visible when any listener hears of them.
func (b *Broker) publishBatch(ctx context.Context, batch []*pending) []error {
	ctx, cancel := context.WithTimeout(ctx, publishTimeout)
	defer cancel()
	items := make([]item, len(batch))
	large := false
	for i, p := range batch {
		if len(p.data) <= maxInline {
			items[i].inline = p.data
		} else {
			large = true
		}
	}
	var payloads []string
	var ends, runs []int
	notify := func(ex execer, run int) error {
		from := 0
		if run > 0 {
			from = runs[run-1]
		}
		_, err := ex.Exec(ctx, notifySQL, b.cfg.Channel, payloads[from:runs[run]])
		return err
	}
	first := func(ex execer) error {
		payloads, ends = pack(items)
		runs = splitDuplicates(payloads)
		return notify(ex, 0)
	}
	var err error
	if !large {
		err = first(b.cfg.Pool)
	} else {
		err = pgx.BeginFunc(ctx, b.cfg.Pool, func(tx pgx.Tx) error {
			for i, p := range batch {
				if items[i].inline != nil {
					continue
				}
				if err := tx.QueryRow(ctx, "INSERT INTO broker_payloads (payload) VALUES ($1) RETURNING id",
					string(p.data)).Scan(&items[i].ref); err != nil {
					return err
				}
			}
			if err := b.maybePrune(ctx, tx); err != nil {
				return err
			}
			return first(tx)
		})
	}
	// sent counts the envelopes, and notified the notifications, that are
	// committed.
	sent, notified := 0, 0
	for run := 0; err == nil; run++ {
		notified = runs[run]
		sent = ends[notified-1]
		if run+1 == len(runs) {
			break
		}
		err = notify(b.cfg.Pool, run+1)
	}
	errs := make([]error, len(batch))
	for i := range batch {
		switch {
		case i >= sent:
			errs[i] = fmt.Errorf("pgbroker: publish: %w", err)
		case items[i].inline != nil:
			b.m.published.WithLabelValues("inline").Inc()
		default:
			b.m.published.WithLabelValues("table").Inc()
		}
	}
	b.m.notifications.Add(float64(notified))
	return errs
}
