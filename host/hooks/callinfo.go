package hooks

import (
	"context"

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
}
