package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/chatwasm/chatwasm/host/store"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// txConn is the executor of one transaction on its connection. Every
// statement is a round trip, and on a busy server the round trips, not the
// statements, are the cost; so the statements whose outcome nobody waits
// for — BEGIN, and the savepoints group commit wraps each operation in
// (store.Deferrer) — are held back and sent with the next statement, in
// one pgx batch, and the last of them with COMMIT. A transaction then
// costs its statements and its COMMIT, and an operation in a shared one
// its statements alone.
//
// A batch carries only a statement that ran on the connection before
// (known): pgx prepares a new one first, and a prepare that fails (a
// statement naming no table, say) would fail the batch before its held
// statements ran. Should a held statement still not run (the server
// gone, a statement pgx cannot encode), which savepoint is open is
// unknown, and a ROLLBACK TO SAVEPOINT could undo another operation's
// work: the transaction is lost then, every statement after and its
// commit fail, as when a savepoint statement failed on its own.
//
// A statement with parameters whose result its operation does not read
// (store.Holder: message.send's notification) is held the same way, once
// known; its failure loses the transaction too, with a *store.HeldError
// naming its owner, which group commit alone fails.
type txConn struct {
	conn *pgx.Conn
	// known are the statements run on the connection (see Driver.known).
	known map[string]bool
	// held are the statements waiting for the next one, BEGIN first
	// until it has been sent.
	held []heldStmt
	// begun says BEGIN has been sent.
	begun bool
	// lost is the error that lost the transaction.
	lost error
}

// heldStmt is a statement held back: a savepoint's, without arguments,
// or one of store.Holder (data), whose failure is its owner's.
type heldStmt struct {
	sql  string
	args []any
	data bool
	// found says the statement must affect a row.
	found bool
	owner any
}

// maxKnown bounds a connection's known statements, as pgx's statement
// cache is bounded (512 by default): a text built for a list of ids is
// new for each length.
const maxKnown = 1024

var (
	_ store.Executor = (*txConn)(nil)
	_ store.Deferrer = (*txConn)(nil)
	_ store.Holder   = (*txConn)(nil)
)

// beginSQL is the statement that begins a transaction with opts.
func beginSQL(opts pgx.TxOptions) string {
	var b strings.Builder
	b.WriteString("begin isolation level ")
	b.WriteString(strings.ToLower(string(opts.IsoLevel)))
	if opts.AccessMode != "" {
		b.WriteString(" ")
		b.WriteString(strings.ToLower(string(opts.AccessMode)))
	}
	return b.String()
}

// Defer implements store.Deferrer.
func (c *txConn) Defer(sql string) { c.held = append(c.held, heldStmt{sql: sql}) }

// Hold implements store.Holder: only a statement known on the connection
// (see txConn), in a transaction no failed statement aborted, is held.
func (c *txConn) Hold(owner any, found bool, sql string, args ...any) bool {
	if c.lost != nil || !c.known[sql] || c.conn.PgConn().TxStatus() == 'E' {
		return false
	}
	c.begun = true
	c.held = append(c.held, heldStmt{sql: sql, args: args, data: true, found: found, owner: owner})
	return true
}

// readHeld reads the result of held statement h from br: its error, or
// store.ErrNotFound if it had to affect a row and did not.
func readHeld(br pgx.BatchResults, h heldStmt) error {
	tag, err := br.Exec()
	if err == nil && h.found && tag.RowsAffected() == 0 {
		err = store.ErrNotFound
	}
	return err
}

// hasData reports whether a held statement has arguments (then they can
// only go in a batch), and whether one must affect a row.
func (c *txConn) hasData() (data, found bool) {
	for _, h := range c.held {
		data, found = data || h.data, found || h.found
	}
	return data, found
}

// heldFailed loses the transaction to the failure of held statement h.
func (c *txConn) heldFailed(h heldStmt, err error) error {
	err = mapErr(err)
	if h.data {
		err = &store.HeldError{Owner: h.owner, Err: err}
	}
	c.lost = fmt.Errorf("postgres: transaction lost: %w", err)
	return c.lost
}

// Exec implements store.Executor.
func (c *txConn) Exec(ctx context.Context, sql string, args ...any) (int64, error) {
	// pgx sends a statement without arguments by the simple protocol,
	// outside any batch.
	batch, err := c.prepare(ctx, sql, len(args) > 0)
	if err != nil {
		return 0, err
	}
	if !batch {
		n, err := executor{q: c.conn}.Exec(ctx, sql, args...)
		c.ran(sql, err)
		return n, err
	}
	br, err := c.send(ctx, sql, args)
	if err != nil {
		return 0, err
	}
	tag, err := br.Exec()
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return 0, mapErr(err)
	}
	return tag.RowsAffected(), nil
}

// Query implements store.Executor.
func (c *txConn) Query(ctx context.Context, sql string, args ...any) (store.Rows, error) {
	batch, err := c.prepare(ctx, sql, true)
	if err != nil {
		return nil, err
	}
	if !batch {
		rows, err := executor{q: c.conn}.Query(ctx, sql, args...)
		c.ran(sql, err)
		return rows, err
	}
	br, err := c.send(ctx, sql, args)
	if err != nil {
		return nil, err
	}
	rows, err := br.Query()
	if err != nil {
		rows.Close()
		_ = br.Close() // the query's error is the one to report
		return nil, mapErr(err)
	}
	return pgRows{batchRows{Rows: rows, br: br}}, nil
}

// QueryRow implements store.Executor.
func (c *txConn) QueryRow(ctx context.Context, sql string, args ...any) store.Row {
	batch, err := c.prepare(ctx, sql, true)
	if err != nil {
		return errRow{err}
	}
	if !batch {
		return knownRow{Row: executor{q: c.conn}.QueryRow(ctx, sql, args...), c: c, sql: sql}
	}
	br, err := c.send(ctx, sql, args)
	if err != nil {
		return errRow{err}
	}
	return batchRow{row: br.QueryRow(), br: br}
}

// prepare readies the connection for sql: it reports whether sql goes in
// one batch with the held statements, or sends those first, on their own
// (a round trip), to run sql alone. It fails once the transaction is
// lost. A statement without arguments (batchable false) never goes in a
// batch; nor does one in a transaction that a failed statement aborted,
// which refuses even the prepare pgx may send first, until the held
// ROLLBACK TO SAVEPOINT has run.
func (c *txConn) prepare(ctx context.Context, sql string, batchable bool) (bool, error) {
	c.begun = true
	if c.lost != nil {
		return false, c.lost
	}
	if len(c.held) == 0 {
		return false, nil
	}
	if batchable && c.known[sql] && c.conn.PgConn().TxStatus() != 'E' {
		return true, nil
	}
	if _, err := c.flush(ctx, ""); err != nil {
		return false, err
	}
	return false, nil
}

// flush sends the held statements and then final (COMMIT, or nothing),
// and forgets them, returning final's command tag. Statements without
// arguments go in one string by the simple protocol, whose tag is the
// last statement's; held data statements need a batch. The failure of a
// held statement loses the transaction.
func (c *txConn) flush(ctx context.Context, final string) (pgconn.CommandTag, error) {
	if data, _ := c.hasData(); !data {
		tag, err := c.conn.Exec(ctx, c.withHeld(final))
		if err != nil && final == "" {
			return tag, c.heldFailed(heldStmt{}, err)
		}
		return tag, mapErr(err)
	}
	held := c.held
	c.held = c.held[:0]
	b := &pgx.Batch{QueuedQueries: make([]*pgx.QueuedQuery, 0, len(held)+1)}
	for _, h := range held {
		b.Queue(h.sql, h.args...)
	}
	if final != "" {
		b.Queue(final)
	}
	br := c.conn.SendBatch(ctx, b)
	defer br.Close()
	for _, h := range held {
		if err := readHeld(br, h); err != nil {
			return pgconn.CommandTag{}, c.heldFailed(h, err)
		}
	}
	if final == "" {
		return pgconn.CommandTag{}, nil
	}
	tag, err := br.Exec()
	return tag, mapErr(err)
}

// ran records that sql ran on the connection, unless it failed.
func (c *txConn) ran(sql string, err error) {
	if err != nil || c.known[sql] {
		return
	}
	if len(c.known) >= maxKnown {
		clear(c.known)
	}
	c.known[sql] = true
}

// withHeld returns the held statements followed by sql, in one string for
// the simple protocol, and forgets them.
func (c *txConn) withHeld(sql string) string {
	all := make([]string, 0, len(c.held)+1)
	for _, h := range c.held {
		all = append(all, h.sql)
	}
	if sql != "" {
		all = append(all, sql)
	}
	c.held = c.held[:0]
	return strings.Join(all, ";\n")
}

// send sends the held statements and then sql in one batch, and reads the
// held statements' results: what is left to read is sql's. If a held
// statement did not run, the transaction is lost.
func (c *txConn) send(ctx context.Context, sql string, args []any) (pgx.BatchResults, error) {
	b := &pgx.Batch{QueuedQueries: make([]*pgx.QueuedQuery, 0, len(c.held)+1)}
	for _, h := range c.held {
		b.Queue(h.sql, h.args...)
	}
	held := c.held
	c.held = c.held[:0]
	b.Queue(sql, args...)
	br := c.conn.SendBatch(ctx, b)
	for _, h := range held {
		if err := readHeld(br, h); err != nil {
			_ = br.Close() // the held statement's error is the one to report
			return nil, c.heldFailed(h, err)
		}
	}
	return br, nil
}

// commit commits the transaction, sending the held statements with
// COMMIT. A transaction that never sent a statement was never begun, and
// has nothing to commit.
func (c *txConn) commit(ctx context.Context) error {
	if c.lost != nil {
		c.rollback(ctx)
		return c.lost
	}
	if !c.begun {
		return nil
	}
	// A held statement that must affect a row is checked here, once its
	// result is back: sent with COMMIT, the server would have committed
	// by then. (message.send's is always sent with its insert.)
	if _, found := c.hasData(); found {
		if _, err := c.flush(ctx, ""); err != nil {
			c.rollback(ctx)
			return err
		}
	}
	tag, err := c.flush(ctx, "commit")
	if err != nil {
		c.rollback(ctx)
		return err
	}
	// PostgreSQL answers COMMIT of a transaction a failed statement
	// aborted with ROLLBACK.
	if tag.String() == "ROLLBACK" {
		return pgx.ErrTxCommitRollback
	}
	return nil
}

// rollback rolls back the transaction, if it was begun. A failure leaves
// the connection in the transaction, and the pool then discards it.
func (c *txConn) rollback(ctx context.Context) {
	c.held = c.held[:0]
	if !c.begun || c.conn.PgConn().TxStatus() == 'I' {
		return
	}
	_, _ = c.conn.Exec(ctx, "rollback")
}

// knownRow is the row of a statement run alone: once read, the statement
// is known.
type knownRow struct {
	store.Row
	c   *txConn
	sql string
}

func (r knownRow) Scan(dest ...any) error {
	err := r.Row.Scan(dest...)
	if err == nil || errors.Is(err, store.ErrNotFound) {
		r.c.ran(r.sql, nil)
	}
	return err
}

// batchRows are the rows of a query sent in a batch: closing them closes
// the batch, which frees the connection.
type batchRows struct {
	pgx.Rows
	br pgx.BatchResults
}

func (r batchRows) Close() {
	r.Rows.Close()
	_ = r.br.Close() // an error here is the rows' own, read by Err
}

// batchRow is the row of a query sent in a batch.
type batchRow struct {
	row pgx.Row
	br  pgx.BatchResults
}

func (r batchRow) Scan(dest ...any) error {
	err := r.row.Scan(dest...)
	if cerr := r.br.Close(); err == nil && !errors.Is(cerr, pgx.ErrNoRows) {
		err = cerr
	}
	return mapErr(err)
}

// errRow is a Row whose Scan fails with err.
type errRow struct{ err error }

func (r errRow) Scan(...any) error { return r.err }
