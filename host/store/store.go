package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"time"
)

// Store is the typed data access layer over one Driver.
type Store struct {
	drv        Driver
	now        func() time.Time
	migrations fs.FS // nil: the schema's own (migrationsFS)
}

// Option configures a Store.
type Option func(*Store)

// WithClock replaces the wall clock, for tests.
func WithClock(now func() time.Time) Option { return func(s *Store) { s.now = now } }

// New returns a Store on drv. It does not migrate; call Migrate.
func New(drv Driver, opts ...Option) *Store {
	s := &Store{drv: drv, now: time.Now}
	for _, o := range opts {
		o(s)
	}
	return s
}

// Driver returns the underlying driver.
func (s *Store) Driver() Driver { return s.drv }

// Close closes the driver.
func (s *Store) Close() error { return s.drv.Close() }

// Write runs fn in a write transaction: everything fn does commits together or
// not at all. fn may be called more than once if the engine asks for a retry.
func (s *Store) Write(ctx context.Context, fn func(*Tx) error) error {
	return s.drv.InTx(ctx, true, func(ex Executor) error {
		return fn(&Tx{ex: ex, d: s.drv.Dialect(), now: s.now, write: true})
	})
}

// Read runs fn in a read-only transaction (a consistent snapshot).
func (s *Store) Read(ctx context.Context, fn func(*Tx) error) error {
	return s.drv.InTx(ctx, false, func(ex Executor) error {
		return fn(&Tx{ex: ex, d: s.drv.Dialect(), now: s.now})
	})
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
}

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
