package chat

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/chatwasm/chatwasm/host/chat/field"
	"github.com/chatwasm/chatwasm/host/chat/wire"
	"github.com/chatwasm/chatwasm/host/store"
	"github.com/chatwasm/chatwasm/host/tracing"
)

// An operation describes one operation of the chat: its client event, its
// name in the module ABI, its transaction, and the stages every action
// goes through (handle): decode the data, run the permission checks
// (check), run the operation with what they granted (run: the core in a
// transaction, wrapped by the modules' chains), then refuse an output that
// names what the host did not resolve and address the frames (audience).
// Dispatch (Handle), the modules' default chain (DefaultHook, RunOperation)
// and the write flags all read the table built from these (operations).
type operation[In, Out any] struct {
	// event is the client event_type that runs the operation; "" for the
	// operations of a connection's lifecycle, which Connect, Disconnect and
	// session.heartbeat run.
	event string
	// name is the operation's name in the module ABI (an abi.Op*): its
	// extend hook, and with a "_" its replace hook.
	name string
	// sends documents what audience sends, for docs/protocol.md's event
	// table (Operation.Sends).
	sends string
	// nested is the operation the core runs inside its transaction, if any
	// (create_chat_notification, update_chat_notification): when a module
	// hooks it, the operation runs through the module pipeline (runHooked),
	// which drops the events of a transaction that rolls back or retries.
	nested string
	// write says whether the operation runs in a write transaction; the
	// replace layer of a read operation can only read.
	write bool
	// check runs the action's permission checks and validates its data d
	// (data as sent, for the checks that read it raw), in the reference's
	// order, which interleaves the two: the first error is the client's.
	// It returns the core's input and what the checks granted. nil for an
	// action that reads no data and checks nothing.
	check checkFunc[In]
	// fast, if not nil, runs check and the operation in one go when no
	// module takes part in them; ok false leaves the action to the general
	// path. It must give the same results and errors, in the same order.
	fast func(s *Service, ctx context.Context, c Caller, o *operation[In, Out], d map[string]json.RawMessage) (chk checked[In], out Out, ok bool, err error)
	// core is the operation's default logic (the reference's "_"+name
	// sync helper). It runs in call.Tx and trusts only the ids of in that
	// call.Grant holds (see granted).
	core func(s *Service, ctx context.Context, call opCall, in In) (Out, error)
	// audience turns the output into the effects to apply: it refuses an
	// output naming, where the host decides who receives a frame, a room
	// or user the host did not resolve (forgedOutput), and addresses the
	// frames.
	audience audienceFunc[In, Out]
}

// checkFunc is an operation's check.
type checkFunc[In any] func(s *Service, ctx context.Context, c Caller, data json.RawMessage, d map[string]json.RawMessage) (checked[In], error)

// audienceFunc is an operation's audience.
type audienceFunc[In, Out any] func(s *Service, ctx context.Context, c Caller, chk checked[In], out Out) ([]wire.Effect, error)

// checked is what an action's permission checks resolved.
type checked[In any] struct {
	// in is the operation's input.
	in In
	// grant is what the checks allowed the caller to act on.
	grant granted
	// msgs are the messages a message check resolved, de-duplicated, in
	// the order sent: their rooms and senders receive the output.
	msgs []store.Message
	// none says the action has nothing to act on: it ends there, without
	// running the operation and without effects.
	none bool
}

// room is the room the checks resolved: the one they granted, else that of
// the first message; "" for none.
func (chk checked[In]) room() string {
	if len(chk.grant.rooms) > 0 {
		return chk.grant.rooms[0]
	}
	if len(chk.msgs) > 0 {
		return chk.msgs[0].RoomID
	}
	return ""
}

// opCall is the request state a core runs with.
type opCall struct {
	// Tx is the operation's transaction.
	Tx *store.Tx
	// Caller is who the request runs for.
	Caller Caller
	// Grant is what the request's permission checks granted; nothing for
	// a core run outside a client request (DefaultHook).
	Grant granted
}

// granted is what a request's permission checks resolved, in the caller's
// tenant, and allowed the caller to act on: by the default rule or by a
// module's permission hook. An operation's input is the modules' to change
// (a layer may call next with other args), so a core trusts only these ids
// of its input; any other room or message it is given must exist in the
// caller's tenant and pass the default check there and then, or a module
// could reach another tenant's data, or rooms of its own tenant the caller
// has no right to (docs/protocol.md §2.7 checks what the client sent). Only the
// checks of an action make one (grantRoom, grantMessages).
type granted struct {
	rooms    []string
	messages []string
}

// grantRoom grants the room id and the messages ids.
func grantRoom(id string, messages ...string) granted {
	return granted{rooms: []string{id}, messages: messages}
}

// grantNothing is the check of an operation run on args nothing checked.
func grantNothing(context.Context, *store.Tx) (granted, error) { return granted{}, nil }

// grantMessages grants the messages ids.
func grantMessages(ids []string) granted { return granted{messages: ids} }

// room reports whether the permission check granted room id.
func (g granted) room(id string) bool { return slices.Contains(g.rooms, id) }

// message reports whether the permission check granted message id.
func (g granted) message(id string) bool { return slices.Contains(g.messages, id) }

// ungranted returns the ids among ids that the permission check did not
// grant, nil when it granted them all.
func (g granted) ungranted(ids []string) []string {
	var out []string
	for _, id := range ids {
		if !g.message(id) {
			out = append(out, id)
		}
	}
	return out
}

// handle runs the action of the client event o.event.
func (o *operation[In, Out]) handle(s *Service, ctx context.Context, c Caller, data json.RawMessage) ([]wire.Effect, error) {
	if o.check == nil {
		var none checked[In]
		out, err := o.run(ctx, s, c, none.grant, none.in)
		if err != nil {
			return nil, err
		}
		return o.audience(s, ctx, c, none, out)
	}
	d, err := field.ActionData(data)
	if err != nil {
		return nil, err
	}
	if room, ok := d["room_id"]; ok {
		// The writes of one room share a lane of group commit: lanes of
		// their own would wait on each other's lock of the room's row.
		ctx = store.WithWriteKey(ctx, string(room))
	}
	var (
		chk checked[In]
		out Out
		ok  bool
	)
	if o.fast != nil {
		chk, out, ok, err = o.fast(s, ctx, c, o, d)
	}
	if !ok {
		if chk, err = o.check(s, ctx, c, data, d); err != nil || chk.none {
			return nil, err
		}
		s.request(ctx).checkedRoom(chk.room())
		out, err = o.run(ctx, s, c, chk.grant, chk.in)
	}
	if err != nil {
		return nil, err
	}
	if s.tracer != nil {
		tracing.Room(ctx, chk.room())
	}
	return o.audience(s, ctx, c, chk, out)
}

// run executes the operation on in for c, with what the request's checks
// granted (see runCore).
func (o *operation[In, Out]) run(ctx context.Context, s *Service, c Caller, g granted, in In) (Out, error) {
	return runCore(ctx, s, o, c, g, in, o.core)
}

// runJSON runs the core on JSON args in call.Tx, encoding the result as
// modules see it (with the fields modules added to messages).
func (o *operation[In, Out]) runJSON(s *Service, ctx context.Context, call opCall, args json.RawMessage) (json.RawMessage, error) {
	var in In
	if err := json.Unmarshal(args, &in); err != nil {
		return nil, wire.Validation(fmt.Sprintf("invalid args: %v", err))
	}
	out, err := o.core(s, ctx, call, in)
	if err != nil {
		return nil, err
	}
	return encodeOut(&out)
}

// runModules runs the operation on JSON args with the module layers of req
// (runHooked), encoding the result as modules see it. Nothing checked the
// args: the core grants nothing.
func (o *operation[In, Out]) runModules(s *Service, ctx context.Context, req *request, c Caller, args json.RawMessage) (json.RawMessage, error) {
	var in In
	if err := json.Unmarshal(args, &in); err != nil {
		return nil, wire.Validation(fmt.Sprintf("invalid args: %v", err))
	}
	out, err := runHooked(ctx, s, req, o, c, grantNothing, in, o.core)
	if err != nil {
		return nil, err
	}
	return encodeOut(&out)
}

// entry is the operation's row of the operation table.
func (o *operation[In, Out]) entry() entry {
	e := entry{Operation: Operation{Event: o.event, Op: o.name, Write: o.write, Sends: o.sends, Nested: o.nested},
		runJSON:    o.runJSON,
		runModules: o.runModules}
	if o.event != "" {
		e.handle = o.handle
	}
	return e
}

// checkMessages is the check of an operation on the messages that data's
// message_id names: the message permission check (checkMessageAccess),
// then input makes the core's input from what it resolved, which is
// granted. With skipNone, resolving no message skips the operation.
func checkMessages[In any](skipNone bool, input func(messageArgs) In) checkFunc[In] {
	return func(s *Service, ctx context.Context, c Caller, _ json.RawMessage, d map[string]json.RawMessage) (checked[In], error) {
		args, err := s.checkMessageAccess(ctx, c, d["message_id"])
		if err != nil {
			return checked[In]{}, err
		}
		if skipNone && len(args.Msgs) == 0 {
			return checked[In]{none: true}, nil
		}
		return checked[In]{in: input(args), grant: grantMessages(args.IDs()), msgs: args.Msgs}, nil
	}
}

// toRoom is the audience of an operation whose output goes, as eventType,
// to the group of the room that room names in the checked request.
func toRoom[In, Out any](eventType string, room func(checked[In]) string) audienceFunc[In, Out] {
	return func(_ *Service, _ context.Context, _ Caller, chk checked[In], out Out) ([]wire.Effect, error) {
		e, err := wire.SendTo(wire.RoomGroup(room(chk)), eventType, out)
		return []wire.Effect{e}, err
	}
}

// toCaller is the audience of an operation whose output goes, as
// eventType, to all of the caller's connections.
func toCaller[In, Out any](eventType string) audienceFunc[In, Out] {
	return func(_ *Service, _ context.Context, c Caller, _ checked[In], out Out) ([]wire.Effect, error) {
		e, err := wire.SendTo(wire.UserGroup(c.UserID), eventType, out)
		return []wire.Effect{e}, err
	}
}
