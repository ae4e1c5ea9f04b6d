package store

import "context"

// Deferrer is an Executor that can hold a statement back to send it with
// the next one it runs (or with the commit), in one round trip. A driver
// whose every statement is a round trip (PostgreSQL) offers it for the
// statements whose outcome nobody waits for: SAVEPOINT, RELEASE. A held
// statement that fails fails the statement it travels with, and its
// transaction: PostgreSQL then answers COMMIT with a rollback.
type Deferrer interface {
	// Defer holds sql, a statement without parameters or result rows.
	Defer(sql string)
}

// Holder is an Executor that can hold back a statement with parameters
// whose result its operation does not read (message.send's notification
// and last_message),
// to send it with the next statement or the commit, in one round trip. The
// operation has returned by then: should the held statement fail, the
// transaction is lost, and the error reported, wrapped, is a *HeldError
// naming the statement's owner, which group commit fails alone while it
// runs the other operations of the transaction again (see committer.run).
type Holder interface {
	// Hold holds sql with args for owner, or reports false if it cannot
	// (the statement has not run on the connection before, say): then it
	// is to be run at once. With found, a statement that affects no row
	// fails with ErrNotFound.
	Hold(owner any, found bool, sql string, args ...any) bool
}

// HeldError is the error of a held statement (Holder): Owner's, whatever
// statement or commit reported it.
type HeldError struct {
	// Owner is what was passed to Hold: in a shared transaction the
	// operation's executor, else nil.
	Owner any
	Err   error
}

func (e *HeldError) Error() string { return "held statement: " + e.Err.Error() }

func (e *HeldError) Unwrap() error { return e.Err }

// execLater runs sql on ex, or holds it back when ex can (Deferrer).
func execLater(ctx context.Context, ex Executor, sql string) error {
	if d, ok := ex.(Deferrer); ok {
		d.Defer(sql)
		return nil
	}
	_, err := ex.Exec(ctx, sql)
	return err
}

// execHeld runs sql with args on ex, or holds it back when ex can (Holder).
// With found, a statement that affects no row fails with ErrNotFound.
func execHeld(ctx context.Context, ex Executor, found bool, sql string, args ...any) error {
	if h, ok := ex.(Holder); ok && h.Hold(nil, found, sql, args...) {
		return nil
	}
	n, err := ex.Exec(ctx, sql, args...)
	if err == nil && found && n == 0 {
		err = ErrNotFound
	}
	return err
}
