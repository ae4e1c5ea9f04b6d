package store

import (
	"context"
	"errors"
	"fmt"
)

// Savepoint runs fn inside a savepoint of the transaction: when fn fails,
// what it did is rolled back and the transaction stays usable. PostgreSQL
// aborts a whole transaction at the first failed statement; code that runs
// in a caller's transaction and may fail without failing it (a module's
// host import in the replace layer, whose error the module may handle)
// needs this.
func (t *Tx) Savepoint(ctx context.Context, fn func() error) error {
	if _, err := t.ex.Exec(ctx, "SAVEPOINT chatwasm_sp"); err != nil {
		return wrap("savepoint", err)
	}
	if err := fn(); err != nil {
		if _, rerr := t.ex.Exec(ctx, "ROLLBACK TO SAVEPOINT chatwasm_sp"); rerr != nil {
			return errors.Join(err, fmt.Errorf("store: rollback to savepoint: %w", rerr))
		}
		_, rerr := t.ex.Exec(ctx, "RELEASE SAVEPOINT chatwasm_sp")
		return errors.Join(err, wrap("release savepoint", rerr))
	}
	_, err := t.ex.Exec(ctx, "RELEASE SAVEPOINT chatwasm_sp")
	return wrap("release savepoint", err)
}
