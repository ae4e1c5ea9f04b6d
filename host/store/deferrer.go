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

// execLater runs sql on ex, or holds it back when ex can (Deferrer).
func execLater(ctx context.Context, ex Executor, sql string) error {
	if d, ok := ex.(Deferrer); ok {
		d.Defer(sql)
		return nil
	}
	_, err := ex.Exec(ctx, sql)
	return err
}
