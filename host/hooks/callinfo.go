package hooks

import (
	"context"
	"encoding/json"

	"github.com/chatwasm/chatwasm/abi"
	"github.com/chatwasm/chatwasm/host/store"
)

// CallInfo is what a hook call knows besides its payload.
type CallInfo struct {
	// Tenant scopes every host import: other tenants' rooms, messages and
	// users do not exist for the module.
	Tenant string
	// Caller is the user the operation runs for.
	Caller abi.Caller
	// Tx is the transaction the call runs in, if any. In the replace layer
	// it is the operation's transaction: the data imports and the key-value
	// store use it, so a module's writes commit or roll back with the
	// operation. Whenever Run is called inside a transaction, pass it here:
	// an import that opened its own would wait for the writer lock held by
	// the caller.
	Tx *store.Tx
	// Emit receives the events a module emits (import emit), to be sent
	// after the operation commits. Events emitted in a transaction belong to
	// it: the caller drops them when it rolls back or retries. Nil refuses
	// emit with a 4006 the module sees.
	Emit func(ctx context.Context, ev abi.Event) error
	// Membership receives the membership changes a module made (imports
	// members_add and members_remove), so that the caller moves the live
	// subscriptions of those users after the transaction commits: fan-out
	// follows DB membership whoever changed it. Like Emit, the changes belong
	// to the transaction. Nil ignores them.
	Membership func(ctx context.Context, roomID string, userIDs []int64, added bool)
	// Core runs the default core of operation op (an abi.Op*) on args in
	// tx, for user of tenant, as the end of op's replace chain runs it, and
	// returns its result as modules see it: the imports of abi.CoreImports.
	// user is a user of tenant. Nil refuses those imports with a 4006.
	Core func(ctx context.Context, tx *store.Tx, tenant string, user abi.Caller, op string, args json.RawMessage) (json.RawMessage, error)
}
