package chat

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/chatwasm/chatwasm/abi"
	"github.com/chatwasm/chatwasm/host/chat/wire"
	"github.com/chatwasm/chatwasm/host/hooks"
)

// Operation is one row of the operation table as other packages see it.
type Operation struct {
	// Event is the client event_type that runs it; "" for the operations
	// of a connection's lifecycle.
	Event string
	// Op is the operation's name in the module ABI (an abi.Op*), or ""
	// for an event that runs no operation of its own (message.typing,
	// session.heartbeat, which runs update_session).
	Op string
	// Write says whether the operation runs in a write transaction.
	Write bool
	// Runs is the operation an event without one of its own runs, if any
	// (session.heartbeat runs update_session).
	Runs string
	// Nested is the operation this one runs inside its transaction, as the
	// reference's EventHandler does (create_message runs
	// create_chat_notification), or "".
	Nested string
	// Sends says which events the action sends to whom, as
	// docs/protocol.md's event table shows it ("event → audience", "; "
	// between them).
	Sends string
}

// entry is one row of the operation table: an operation, with its action
// and its core on JSON payloads, types erased.
type entry struct {
	Operation
	// handle runs the client event; nil for a lifecycle operation.
	handle func(s *Service, ctx context.Context, c Caller, data json.RawMessage) ([]wire.Effect, error)
	// runJSON runs the core on JSON args (DefaultHook); nil for an event
	// without an operation.
	runJSON func(s *Service, ctx context.Context, call opCall, args json.RawMessage) (json.RawMessage, error)
	// runModules runs the operation on JSON args through the module layers
	// (RunOperation); nil for an event without an operation.
	runModules func(s *Service, ctx context.Context, req *request, c Caller, args json.RawMessage) (json.RawMessage, error)
}

// operations is the operation table (docs/protocol.md §2.8, §5.1), in the
// order of the reference's event map and then of abi.Operations. Each
// operation's descriptor is in the file of its action.
var operations = []entry{
	messageSend.entry(),
	messageAcknowledged.entry(),
	messageRead.entry(),
	messageReact.entry(),
	{Operation: Operation{Event: "message.typing", Sends: "messagetyping.dispatch → room"},
		handle: (*Service).messageTyping},
	messageModify.entry(),
	roomCreate.entry(),
	roomList.entry(),
	roomInfo.entry(),
	roomAddMembers.entry(),
	roomRemoveMembers.entry(),
	roomMessages.entry(),
	roomJoin.entry(),
	roomLeave.entry(),
	roomModify.entry(),
	{Operation: Operation{Event: "session.heartbeat", Runs: abi.OpUpdateSession,
		Sends: `{"status":"success"} → direct`}, handle: (*Service).sessionHeartbeat},
	registerSession.entry(),
	getActiveSessions.entry(),
	getExpiredSessions.entry(),
	updateSession.entry(),
	groupNotifications.entry(),
	createNotification.entry(),
	updateNotification.entry(),
}

// Operations returns the operation table.
func Operations() []Operation {
	out := make([]Operation, len(operations))
	for i, e := range operations {
		out[i] = e.Operation
	}
	return out
}

// byEvent and byOp index the operation table.
var byEvent, byOp = func() (map[string]*entry, map[string]*entry) {
	ev, op := map[string]*entry{}, map[string]*entry{}
	for i := range operations {
		e := &operations[i]
		if e.Event != "" {
			ev[e.Event] = e
		}
		if e.Op != "" {
			op[e.Op] = e
		}
	}
	return ev, op
}()

// RunOperation runs operation op on args (its JSON input) for c through
// the module layers of set, as a client request runs it: the extend chain
// outside the transaction and, inside the operation's transaction, the
// replace chain around the core and then the serializer hooks on its
// output. It returns the output as modules see it, and the events the
// modules emitted (without those of a transaction that rolled back or was
// retried). Nothing checked the args, so the core trusts none of their ids.
// It exists for tools that run one operation outside a client request
// (chatwasm module call).
func (s *Service) RunOperation(ctx context.Context, set *hooks.Set, c Caller, op string, args json.RawMessage) (json.RawMessage, []abi.Event, error) {
	e, ok := byOp[op]
	if !ok {
		return nil, nil, fmt.Errorf("chat: no operation %q", op)
	}
	req := &request{set: set, core: s.importCore}
	out, err := e.runModules(s, ctx, req, c, args)
	if err != nil {
		return nil, nil, err
	}
	return out, req.events, nil
}
