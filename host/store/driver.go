package store

import (
	"context"
	"errors"
)

// Errors every driver maps its engine's errors onto, so that callers can use
// errors.Is without knowing which database is underneath.
var (
	// ErrNotFound is returned by Row.Scan when the query matched no row.
	ErrNotFound = errors.New("store: not found")
	// ErrConflict wraps a unique, check or foreign-key violation.
	ErrConflict = errors.New("store: constraint violated")
	// ErrRetry wraps an engine's report that a transaction collided with
	// another one (a serialization failure, a deadlock) and was aborted for
	// that alone: running it again may succeed.
	ErrRetry = errors.New("store: transaction conflict")
)

// Executor runs SQL written with $1..$N placeholders.
type Executor interface {
	// Exec runs a statement and returns the number of rows it affected.
	Exec(ctx context.Context, sql string, args ...any) (int64, error)
	// Query runs a query; the caller must Close the rows.
	Query(ctx context.Context, sql string, args ...any) (Rows, error)
	// QueryRow runs a query expected to return at most one row.
	QueryRow(ctx context.Context, sql string, args ...any) Row
}

// Rows is a result set, in the shape shared by database/sql and pgx.
type Rows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
	Close()
}

// Row is a single-row result. Scan returns ErrNotFound for no row.
type Row interface {
	Scan(dest ...any) error
}

// Dialect holds the few places where the engines' SQL differs.
type Dialect struct {
	// Name is "sqlite" or "postgres".
	Name string
	// ForUpdate is appended to a SELECT that must lock the rows it reads
	// until the transaction ends. SQLite needs none: its write transactions
	// hold the database lock from BEGIN IMMEDIATE.
	ForUpdate string
	// ArrayParams is true when a Go slice binds to one parameter as an
	// array (PostgreSQL: col = ANY($n)). SQLite has no arrays: there a list
	// is bound as one JSON array text and read with json_each.
	ArrayParams bool
	// Migration is what the migration runner needs of the engine; a
	// pointer, so that the Dialect every transaction copies stays small.
	Migration *MigrationDialect
}

// MigrationDialect holds the engine's SQL for the migration runner.
type MigrationDialect struct {
	// AutoID is the column type of an auto-increment integer primary key,
	// written {{autoid}} in the migrations.
	AutoID string
	// TableExists is a query returning a row when the table named $1
	// exists where the migrations create tables.
	TableExists string
	// Lock is the statement that starts each migration's write
	// transaction, taking a lock held until it ends, so that migrators in
	// several processes take turns. Empty when the write transaction holds
	// such a lock already (SQLite's BEGIN IMMEDIATE).
	Lock string
}

// Driver is one database engine.
type Driver interface {
	// Dialect describes the engine's SQL differences.
	Dialect() Dialect
	// InTx runs fn in a transaction and commits it if fn returns nil. A write
	// transaction takes the locks that make check-then-write safe. A driver
	// whose engine reports transient serialization failures (PostgreSQL)
	// retries by calling fn again, so fn must not have side effects outside
	// the transaction; SQLite's write transactions are serialised up front
	// and never need one.
	InTx(ctx context.Context, write bool, fn func(Executor) error) error
	// Writers is how many write transactions the engine usefully runs at
	// once: the lanes of group commit (Store.Write).
	Writers() int
	// Executor runs statements outside any transaction.
	Executor
	// Close releases the driver's connections.
	Close() error
}
