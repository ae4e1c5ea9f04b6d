package sqlite

import (
	"container/list"
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
)

// stmtCacheSize bounds the prepared statements kept per connection. The
// store's queries are a few dozen fixed strings plus IN lists whose length
// varies; the least recently used statement is dropped beyond the bound.
const stmtCacheSize = 128

// connector opens connections that keep their prepared statements.
//
// database/sql prepares, runs and finalizes a statement for every Exec and
// Query made without an explicit Prepare, and modernc.org/sqlite caches
// nothing, so parsing and planning SQL was a quarter of a message.send. A
// database/sql Stmt cannot fix that for the writer: preparing it on the pool
// needs a free connection, and the writer pool's only connection is held by
// the very transaction that wants the statement. Caching below database/sql,
// per driver connection, is transparent to it: Exec and Query on the pool or
// on a Tx stay as they are, with database/sql's scanning and locking.
type connector struct {
	base driver.Connector
	size int
}

// baseConn is what every modernc.org/sqlite connection implements, and what a
// wrapper must forward so that database/sql keeps using the context-aware
// paths (see sqlite.NewConnector).
type baseConn interface {
	driver.Conn
	driver.ConnBeginTx
	driver.ConnPrepareContext
	driver.ExecerContext
	driver.QueryerContext
	driver.Pinger
	driver.SessionResetter
	driver.Validator
}

// baseStmt is what modernc.org/sqlite's statements implement.
type baseStmt interface {
	driver.Stmt
	driver.StmtExecContext
	driver.StmtQueryContext
}

// Connect implements driver.Connector.
func (c connector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.base.Connect(ctx)
	if err != nil {
		return nil, err
	}
	bc, ok := conn.(baseConn)
	if !ok {
		_ = conn.Close()
		return nil, fmt.Errorf("sqlite: connection %T lacks the context-aware driver interfaces", conn)
	}
	return &cachingConn{baseConn: bc, size: c.size, byQuery: map[string]*list.Element{}}, nil
}

// Driver implements driver.Connector.
func (c connector) Driver() driver.Driver { return c.base.Driver() }

// cachingConn is a driver connection with an LRU cache of prepared
// statements keyed by SQL text. database/sql never uses a driver connection
// from two goroutines at once (rows included), so it needs no lock.
type cachingConn struct {
	baseConn
	size    int
	byQuery map[string]*list.Element // of *cachedStmt
	lru     list.List                // front: most recently used
}

// cachedStmt is one prepared statement of a cachingConn.
type cachedStmt struct {
	query string
	st    baseStmt
	// busy is set while rows read from the statement are open: SQLite
	// statements are cursors, so running it again would reset the rows
	// under their reader. A query repeated while its own rows are open (a
	// nested loop) runs uncached instead.
	busy bool
	// evicted statements are closed as soon as they are no longer busy.
	evicted bool
}

// Unwrap returns the modernc.org/sqlite connection, which sqlite.Limit and
// similar helpers look for.
func (c *cachingConn) Unwrap() driver.Conn { return c.baseConn }

// stmt returns the cached statement for query, preparing it on a miss; nil
// (and no error) when the statement is busy.
func (c *cachingConn) stmt(ctx context.Context, query string) (*cachedStmt, error) {
	if e, ok := c.byQuery[query]; ok {
		s := e.Value.(*cachedStmt)
		if s.busy {
			return nil, nil
		}
		c.lru.MoveToFront(e)
		return s, nil
	}
	ds, err := c.baseConn.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	st, ok := ds.(baseStmt)
	if !ok {
		_ = ds.Close()
		return nil, fmt.Errorf("sqlite: statement %T lacks the context-aware driver interfaces", ds)
	}
	s := &cachedStmt{query: query, st: st}
	c.byQuery[query] = c.lru.PushFront(s)
	for c.lru.Len() > c.size {
		old := c.lru.Remove(c.lru.Back()).(*cachedStmt)
		delete(c.byQuery, old.query)
		old.evicted = true
		if !old.busy {
			// Finalizing reports the statement's last execution error, which
			// its caller has already seen.
			_ = old.st.Close()
		}
	}
	return s, nil
}

// ExecContext implements driver.ExecerContext on a cached statement.
func (c *cachingConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	s, err := c.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	if s == nil {
		return c.baseConn.ExecContext(ctx, query, args)
	}
	return s.st.ExecContext(ctx, args)
}

// QueryContext implements driver.QueryerContext on a cached statement.
func (c *cachingConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	s, err := c.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	if s == nil {
		return c.baseConn.QueryContext(ctx, query, args)
	}
	r, err := s.st.QueryContext(ctx, args)
	if err != nil {
		return nil, err
	}
	cr, ok := r.(columnRows)
	if !ok {
		_ = r.Close()
		return nil, fmt.Errorf("sqlite: rows %T lack the column type interfaces", r)
	}
	s.busy = true
	return &cachedRows{columnRows: cr, s: s}, nil
}

// Close implements driver.Conn: it finalizes the cached statements, which
// SQLite requires before it really closes the connection.
func (c *cachingConn) Close() error {
	var errs []error
	for e := c.lru.Front(); e != nil; e = e.Next() {
		if err := e.Value.(*cachedStmt).st.Close(); err != nil {
			errs = append(errs, err)
		}
	}
	c.lru.Init()
	clear(c.byQuery)
	return errors.Join(append(errs, c.baseConn.Close())...)
}

// columnRows is what modernc.org/sqlite's rows implement; cachedRows forwards
// all of it so that sql.Rows.ColumnTypes reports the same as without the
// cache.
type columnRows interface {
	driver.Rows
	driver.RowsColumnTypeDatabaseTypeName
	driver.RowsColumnTypeLength
	driver.RowsColumnTypeNullable
	driver.RowsColumnTypePrecisionScale
	driver.RowsColumnTypeScanType
}

// cachedRows are the rows of a cached statement, which they hold busy until
// closed.
type cachedRows struct {
	columnRows
	s *cachedStmt
}

// Close implements driver.Rows: closing the driver's rows resets the
// statement, which can then be reused (or finalized if it was evicted).
func (r *cachedRows) Close() error {
	err := r.columnRows.Close()
	if r.s != nil {
		s := r.s
		r.s = nil
		s.busy = false
		if s.evicted {
			_ = s.st.Close() // as on eviction: the error was the rows'
		}
	}
	return err
}
