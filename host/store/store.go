package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"time"

	"github.com/chatwasm/chatwasm/host/tracing"
)

// Store is the typed data access layer over one Driver.
type Store struct {
	drv        Driver
	now        func() time.Time
	migrations fs.FS // nil: the schema's own (migrationsFS)
	gc         committer
	// commitHook, if not nil, runs before each commit of a write
	// transaction (WithCommitHook).
	commitHook func(ctx context.Context, ops int) error
}

// Option configures a Store.
type Option func(*Store)

// WithClock replaces the wall clock, for tests.
func WithClock(now func() time.Time) Option { return func(s *Store) { s.now = now } }

// WithWriteBatch bounds how many write operations share one transaction
// (group commit, Store.Write) to n, and sets how many such transactions
// run at once, each in a lane of its own, to lanes; 0 keeps the default
// (DefaultWriteBatch, the driver's Writers). A bound of 1 gives each operation a transaction of its own.
func WithWriteBatch(n, lanes int) Option {
	return func(s *Store) {
		if n > 0 {
			s.gc.max = n
		}
		if lanes > 0 {
			s.gc.numLanes = lanes
		}
	}
}

// WithCommitHook runs hook before each commit of a write transaction, with
// the number of operations that succeeded in it: an error fails the commit
// (the transaction rolls back and every operation in it gets the error).
// It lets tests see the batches and inject a failed commit.
func WithCommitHook(hook func(ctx context.Context, ops int) error) Option {
	return func(s *Store) { s.commitHook = hook }
}

// New returns a Store on drv. It does not migrate; call Migrate.
func New(drv Driver, opts ...Option) *Store {
	s := &Store{drv: drv, now: time.Now}
	s.gc = committer{st: s, max: DefaultWriteBatch, numLanes: max(1, drv.Writers())}
	for _, o := range opts {
		o(s)
	}
	s.gc.lanes = make([]lane, s.gc.numLanes)
	return s
}

// Driver returns the underlying driver.
func (s *Store) Driver() Driver { return s.drv }

// Close closes the driver.
func (s *Store) Close() error { return s.drv.Close() }

// Write runs fn as one write operation: everything fn does commits together
// or not at all, and Write returns once it has (or has not). fn may be
// called more than once if the engine asks for a retry, and must not call
// Write itself.
//
// Concurrent operations share transactions (group commit, groupcommit.go):
// fn may run in a savepoint of a transaction holding others, on another
// goroutine than Write's (a panic in fn is raised again in Write's), and
// sees what the operations before it in that transaction wrote. Its Tx
// serves it only until fn returns. An error from fn rolls back fn's work
// alone; a failed commit fails every operation of the transaction.
//
// In a traced request the operation's part of the transaction is a span
// (tracing.Transaction), from the wait for its turn to the commit, with an
// event per attempt.
func (s *Store) Write(ctx context.Context, fn func(*Tx) error) error {
	ctx, span := tracing.Transaction(ctx, true)
	err := s.gc.write(ctx, func(tx *Tx) error {
		span.Attempt()
		tx.span = span
		return fn(tx)
	})
	span.End(err)
	return err
}

// beforeCommit runs the commit hook, if any, on a write transaction in
// which ops operations succeeded.
func (s *Store) beforeCommit(ctx context.Context, ops int) error {
	if s.commitHook == nil {
		return nil
	}
	return s.commitHook(ctx, ops)
}

// Read runs fn in a read-only transaction (a consistent snapshot), a span
// in a traced request as Write's.
func (s *Store) Read(ctx context.Context, fn func(*Tx) error) error {
	ctx, span := tracing.Transaction(ctx, false)
	err := s.drv.InTx(ctx, false, func(ex Executor) error {
		span.Attempt()
		return fn(&Tx{ex: ex, d: s.drv.Dialect(), now: s.now, span: span})
	})
	span.End(err)
	return err
}

// ReadOne runs fn outside any transaction, for a read of exactly one
// statement: that is atomic and sees one snapshot by itself, and skips the
// BEGIN and COMMIT a transaction costs (two round trips on PostgreSQL). A
// second statement in fn would see a different snapshot: use Read.
func (s *Store) ReadOne(ctx context.Context, fn func(*Tx) error) error {
	return fn(&Tx{ex: s.drv, d: s.drv.Dialect(), now: s.now})
}

// Tx is one transaction; the typed queries are its methods.
type Tx struct {
	ex    Executor
	d     Dialect
	now   func() time.Time
	write bool
	// span is the transaction's span in a traced request.
	span tracing.Span
}

// Traced returns ctx for work in the transaction (a module's hook): under
// the transaction's span when ctx is the context that began it
// (tracing.Inside).
func (t *Tx) Traced(ctx context.Context) context.Context { return tracing.Inside(ctx, t.span) }

// Writable reports whether the transaction may write: one of Write.
func (t *Tx) Writable() bool { return t.write }

// Executor exposes the transaction's executor to code in this package's
// sub-packages and tests. Chat logic uses the typed methods instead.
func (t *Tx) Executor() Executor { return t.ex }

// Now returns the transaction's clock reading, truncated to microseconds (the
// precision stored).
func (t *Tx) Now() time.Time { return t.now().UTC().Truncate(time.Microsecond) }

// Micros converts a time to the stored representation.
func Micros(t time.Time) int64 { return t.UnixMicro() }

// FromMicros converts a stored timestamp to a UTC time.
func FromMicros(us int64) time.Time { return time.UnixMicro(us).UTC() }

// stringOrNil is the string s holds, nil for NULL.
func stringOrNil(s sql.NullString) *string {
	if !s.Valid {
		return nil
	}
	return &s.String
}

// execFound runs the statement q, which must affect a row: none is
// ErrNotFound. op names it in errors.
func (t *Tx) execFound(ctx context.Context, op, q string, args ...any) error {
	n, err := t.ex.Exec(ctx, q, args...)
	if err == nil && n == 0 {
		err = ErrNotFound
	}
	return wrap(op, err)
}

// wrap adds the operation name to a driver error, keeping it matchable with
// errors.Is.
func wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("store: %s: %w", op, err)
}

func isNotFound(err error) bool { return errors.Is(err, ErrNotFound) }
