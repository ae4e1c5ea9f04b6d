package store

import (
	"context"
	"database/sql"
	_ "embed"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/chatwasm/chatwasm/host/tracing"
)

//go:embed schema.sql
var schemaSQL string

// Schema returns the schema DDL with autoID substituted for {{autoid}}, split
// into single statements. Drivers call it from Migrate.
func Schema(autoID string) []string {
	ddl := strings.ReplaceAll(schemaSQL, "{{autoid}}", autoID)
	var out []string
	for _, stmt := range strings.Split(ddl, ";") {
		var lines []string
		for _, l := range strings.Split(stmt, "\n") {
			if t := strings.TrimSpace(l); t != "" && !strings.HasPrefix(t, "--") {
				lines = append(lines, l)
			}
		}
		if len(lines) > 0 {
			out = append(out, strings.Join(lines, "\n"))
		}
	}
	return out
}

// Store is the typed data access layer over one Driver.
type Store struct {
	drv Driver
	now func() time.Time
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

// Migrate brings the schema up to date.
func (s *Store) Migrate(ctx context.Context) error { return s.drv.Migrate(ctx) }

// Close closes the driver.
func (s *Store) Close() error { return s.drv.Close() }

// Write runs fn in a write transaction: everything fn does commits together or
// not at all. fn may be called more than once if the engine asks for a retry.
//
// In a traced request the transaction is a span (tracing.Transaction), with
// an event per attempt.
func (s *Store) Write(ctx context.Context, fn func(*Tx) error) error {
	ctx, span := tracing.Transaction(ctx, true)
	err := s.drv.InTx(ctx, true, func(ex Executor) error {
		span.Attempt()
		return fn(&Tx{ex: ex, d: s.drv.Dialect(), now: s.now, write: true, span: span})
	})
	span.End(err)
	return err
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
