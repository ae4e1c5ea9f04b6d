// Package sqlite is the embedded store driver: database/sql on
// modernc.org/sqlite (pure Go, no cgo), in WAL mode with foreign keys on.
//
// Writes go through a pool of one connection whose transactions begin
// IMMEDIATE, so a write transaction holds SQLite's write lock from its first
// statement: check-then-write sequences (member caps, duplicate checks) are
// serialised without any retry loop. Reads use a separate pool and run in
// parallel with the writer thanks to WAL.
//
// Every connection keeps its prepared statements (stmtcache.go), and
// temporary data, such as the statement journal of a multi-row insert, stays
// in memory rather than in a file created for each statement.
//
// Checkpoints (copying the WAL back into the database file, then fsync) run
// mostly on a connection of their own, off the writer's path
// (checkpoint.go).
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"runtime"
	"strings"

	"github.com/chatwasm/chatwasm/host/store"
	sqlite "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Driver is a store.Driver on one SQLite file.
type Driver struct {
	w, r *sql.DB
	ckpt *checkpointer
}

var _ store.Driver = (*Driver)(nil)

// Open opens (creating if needed) the database file at path.
func Open(ctx context.Context, path string) (*Driver, error) {
	if path == "" {
		return nil, errors.New("sqlite: empty database path")
	}
	pragmas := "_pragma=foreign_keys(1)&_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=temp_store(MEMORY)"
	base := "file:" + (&url.URL{Path: path}).EscapedPath()
	w, err := openDB(base+"?"+pragmas+"&_txlock=immediate"+writerAutocheckpoint, stmtCacheSize)
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	if err := w.PingContext(ctx); err != nil {
		w.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	r, err := openDB(base+"?"+pragmas+"&_pragma=query_only(1)", stmtCacheSize)
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	n := max(4, runtime.GOMAXPROCS(0))
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	ckpt, err := startCheckpointer(base + "?" + pragmas)
	if err != nil {
		r.Close()
		w.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	return &Driver{w: w, r: r, ckpt: ckpt}, nil
}

// openDB opens a pool on dsn whose connections cache their prepared
// statements.
func openDB(dsn string, cacheSize int) (*sql.DB, error) {
	c, err := sqlite.NewConnector(dsn)
	if err != nil {
		return nil, err
	}
	return sql.OpenDB(connector{base: c, size: cacheSize}), nil
}

// dialect is the engine's, built once: Dialect is called by every
// transaction.
var dialect = store.Dialect{
	Name: "sqlite",
	Migration: &store.MigrationDialect{
		AutoID:      "INTEGER PRIMARY KEY AUTOINCREMENT",
		TableExists: "SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = $1",
	},
}

// Writers implements store.Driver: SQLite has one writer.
func (d *Driver) Writers() int { return 1 }

// Dialect implements store.Driver.
func (d *Driver) Dialect() store.Dialect { return dialect }

// InTx implements store.Driver.
func (d *Driver) InTx(ctx context.Context, write bool, fn func(store.Executor) error) error {
	db := d.r
	if write {
		db = d.w
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return mapErr(err)
	}
	if err := fn(executor{q: tx}); err != nil {
		_ = tx.Rollback()
		return err
	}
	err = mapErr(tx.Commit())
	if write && err == nil {
		d.ckpt.kick()
	}
	return err
}

// Exec implements store.Executor outside a transaction (on the writer).
func (d *Driver) Exec(ctx context.Context, q string, args ...any) (int64, error) {
	n, err := executor{q: d.w}.Exec(ctx, q, args...)
	d.ckpt.kick()
	return n, err
}

// Query implements store.Executor outside a transaction (on a reader).
func (d *Driver) Query(ctx context.Context, q string, args ...any) (store.Rows, error) {
	return executor{q: d.r}.Query(ctx, q, args...)
}

// QueryRow implements store.Executor outside a transaction (on a reader).
func (d *Driver) QueryRow(ctx context.Context, q string, args ...any) store.Row {
	return executor{q: d.r}.QueryRow(ctx, q, args...)
}

// Close implements store.Driver.
func (d *Driver) Close() error {
	return errors.Join(d.ckpt.stop(), d.r.Close(), d.w.Close())
}

type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

type executor struct{ q querier }

func (e executor) Exec(ctx context.Context, q string, args ...any) (int64, error) {
	res, err := e.q.ExecContext(ctx, q, args...)
	if err != nil {
		return 0, mapErr(err)
	}
	n, err := res.RowsAffected()
	return n, mapErr(err)
}

func (e executor) Query(ctx context.Context, q string, args ...any) (store.Rows, error) {
	rows, err := e.q.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, mapErr(err)
	}
	return sqlRows{rows}, nil
}

func (e executor) QueryRow(ctx context.Context, q string, args ...any) store.Row {
	return sqlRow{e.q.QueryRowContext(ctx, q, args...)}
}

type sqlRows struct{ *sql.Rows }

func (r sqlRows) Close()              { _ = r.Rows.Close() }
func (r sqlRows) Err() error          { return mapErr(r.Rows.Err()) }
func (r sqlRows) Scan(d ...any) error { return mapErr(r.Rows.Scan(d...)) }

type sqlRow struct{ *sql.Row }

func (r sqlRow) Scan(d ...any) error { return mapErr(r.Row.Scan(d...)) }

// mapErr maps SQLite's errors onto the store's sentinel errors.
func mapErr(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return store.ErrNotFound
	}
	var se *sqlite.Error
	if errors.As(err, &se) && se.Code()&0xff == sqlite3.SQLITE_CONSTRAINT {
		return fmt.Errorf("%w: %s", store.ErrConflict, strings.TrimPrefix(se.Error(), "constraint failed: "))
	}
	return err
}
