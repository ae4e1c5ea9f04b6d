package chat

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/chatwasm/chatwasm/abi"
	"github.com/chatwasm/chatwasm/abi/payload"
	"github.com/chatwasm/chatwasm/host/chat/wire"
	"github.com/chatwasm/chatwasm/host/hooks"
	"github.com/chatwasm/chatwasm/host/store"
)

// runCore executes one EventHandler operation (docs/protocol.md §5.1), o, with
// core as its default sync helper (o.core, or the fused check and core of
// a fast path), which runs inside one transaction with what the request's
// checks granted, g.
//
// This is the single seam through which every operation passes, and where
// the module layers wrap it (docs/architecture.md, "The operation pipeline"): the
// extend chain (hook name) around the whole call, outside the transaction;
// inside it, the replace chain (hook "_"+name) around core, and then the
// serializer hooks on the messages and rooms of the result. In and Out are
// the JSON payloads modules see; an operation no module hooks costs a map
// lookup or two and encodes nothing.
func runCore[In, Out any](ctx context.Context, s *Service, o *operation[In, Out], c Caller, g granted, in In,
	core func(s *Service, ctx context.Context, call opCall, in In) (Out, error)) (Out, error) {
	return runChecked(ctx, s, o, c, in, func(context.Context, *store.Tx) (granted, error) { return g, nil }, core)
}

// runChecked is runCore with the action's permission check, check, run
// first in the operation's transaction (before the replace chain, when a
// module hooks the operation) rather than in a transaction of its own
// before it: for a fast path, when no module takes part in the check or in
// the operation's extend layer, so that nothing could tell the difference
// but the work saved. What check grants is the core's grant.
func runChecked[In, Out any](ctx context.Context, s *Service, o *operation[In, Out], c Caller, in In,
	check func(ctx context.Context, tx *store.Tx) (granted, error),
	core func(s *Service, ctx context.Context, call opCall, in In) (Out, error)) (Out, error) {
	if req := s.request(ctx); req.hooksOp(c.Tenant, o.name) || o.nested != "" && req.hooksNested(c.Tenant, o.nested) {
		return runHooked(ctx, s, req, o, c, check, in, core)
	}
	txfn := s.st.Read
	if o.write {
		txfn = s.st.Write
	}
	var out Out
	err := txfn(ctx, func(tx *store.Tx) error {
		g, err := check(ctx, tx)
		if err != nil {
			return err
		}
		out, err = core(s, ctx, opCall{Tx: tx, Caller: c, Grant: g}, in)
		return err
	})
	return out, err
}

// runHooked is runChecked with the module layers of req.
func runHooked[In, Out any](ctx context.Context, s *Service, req *request, o *operation[In, Out], c Caller,
	check func(ctx context.Context, tx *store.Tx) (granted, error), in In,
	core func(s *Service, ctx context.Context, call opCall, in In) (Out, error)) (Out, error) {
	name := o.name
	txfn := s.st.Read
	if o.write {
		txfn = s.st.Write
	}
	set, call, replace := req.set, req.call(c, nil), abi.ReplaceHook(name)
	// A layer's output must name stored objects only (checkStored): what
	// the layers below returned is, the rest is looked up.
	replaced, extended := req.has(c.Tenant, replace), req.has(c.Tenant, name)
	var inner storedObjects
	res, err := hooks.Call(ctx, set, name, call, in, func(ctx context.Context, in In) (withExtras[Out], error) {
		var out Out
		// Events emitted in a transaction that rolls back, or that is
		// retried, are dropped.
		mark := req.mark()
		err := txfn(ctx, func(tx *store.Tx) error {
			req.rollback(mark)
			g, err := check(ctx, tx)
			if err != nil {
				return err
			}
			inTx := call
			inTx.Tx = tx
			var fromCore storedObjects
			p, err := hooks.Call(ctx, set, replace, inTx, in, func(ctx context.Context, in In) (withExtras[Out], error) {
				out, err := core(s, ctx, opCall{Tx: tx, Caller: c, Grant: g}, in)
				if err == nil && replaced {
					fromCore = outputObjects(&out)
				}
				return withExtras[Out]{out}, err
			})
			if err != nil {
				return err
			}
			out = p.v
			if replaced {
				if err := s.checkStored(ctx, tx, c, name, outputObjects(&out).beyond(fromCore)); err != nil {
					return err
				}
			}
			return decorate(ctx, req, inTx, &out)
		})
		if err != nil {
			req.rollback(mark)
		} else if extended {
			inner = outputObjects(&out)
		}
		return withExtras[Out]{out}, err
	})
	if err != nil {
		var zero Out
		return zero, err
	}
	if extended {
		// The extend layer returns after the commit: what it changed is
		// checked in a transaction of its own. Its rooms are left to the
		// audience's check (forgedOutput), which refuses any it did not
		// resolve, stored or not.
		rest := outputObjects(&res.v).beyond(inner)
		rest.rooms = nil
		if !rest.empty() {
			if err := s.st.Read(ctx, func(tx *store.Tx) error { return s.checkStored(ctx, tx, c, name, rest) }); err != nil {
				var zero Out
				return zero, err
			}
		}
	}
	req.keepExtras(&res.v)
	return res.v, nil
}

// runNested runs operation o inside the transaction of the operation whose
// core calls it (call.Tx), as the reference's EventHandler runs
// create_chat_notification inside create_message: o's extend chain and,
// within it, its replace chain around o's core, every layer in call.Tx
// (the calling operation runs through runHooked, which drops the events of
// a transaction that rolls back or retries). g is what the calling core
// grants o's core: the objects it stored or checked.
func runNested[In, Out any](ctx context.Context, s *Service, o *operation[In, Out], call opCall, g granted, in In) (Out, error) {
	req := s.request(ctx)
	info := req.call(call.Caller, call.Tx)
	inner := opCall{Tx: call.Tx, Caller: call.Caller, Grant: g}
	return hooks.Call(ctx, req.set, o.name, info, in, func(ctx context.Context, in In) (Out, error) {
		return hooks.Call(ctx, req.set, abi.ReplaceHook(o.name), info, in, func(ctx context.Context, in In) (Out, error) {
			return o.core(s, ctx, inner, in)
		})
	})
}

// withExtras is an operation's output as modules exchange it: the JSON of v
// with the fields modules added to its messages (MessageView.Extra) in
// place, named keys included (see wire.PatchMessages).
type withExtras[T any] struct{ v T }

// MarshalJSON implements json.Marshaler.
func (p withExtras[T]) MarshalJSON() ([]byte, error) { return encodeOut(&p.v) }

// UnmarshalJSON implements json.Unmarshaler. It reads what a module
// returned: each room in the form of its place in the output (decodeRooms),
// then checked and normalised (normalizeRooms).
func (p *withExtras[T]) UnmarshalJSON(b []byte) error {
	if err := json.Unmarshal(b, &p.v); err != nil {
		return err
	}
	if err := decodeRooms(b, &p.v); err != nil {
		return err
	}
	return normalizeRooms(&p.v)
}

// decodeRooms decodes again, from b, the rooms of out (b decoded) in the
// form of their place: the elements of list_rooms' result in the list form,
// the other rooms in the detail form, whatever members a module gave them.
// Decoding alone takes an object's form from its members.
func decodeRooms(b []byte, out any) error {
	var room *payload.Room
	inResult := false // the room is out's "room" member
	switch o := out.(type) {
	case *[]payload.Room:
		var raws []json.RawMessage
		if err := json.Unmarshal(b, &raws); err != nil {
			return err
		}
		for i, raw := range raws {
			r, err := payload.DecodeRoom(raw, true)
			if err != nil {
				return err
			}
			(*o)[i] = r
		}
		return nil
	case *payload.Room:
		room = o
	case **payload.Room:
		room = *o
	case *MembersOut:
		room, inResult = o.Room, true
	case *ModifyRoomOut:
		room, inResult = o.Room, true
	}
	if room == nil {
		return nil
	}
	if inResult {
		var res struct {
			Room json.RawMessage `json:"room"`
		}
		if err := json.Unmarshal(b, &res); err != nil {
			return err
		}
		b = res.Room
	}
	r, err := payload.DecodeRoom(b, false)
	*room = r
	return err
}

// normalizeRooms puts the times of the rooms of out, a module's output, in
// the host's format (wire.FormatTime), as the host writes them: a module
// may return any RFC 3339 time. A time that is not one fails the output.
func normalizeRooms(out any) error {
	return walk(out, visitor{room: func(r *payload.Room, _ bool) error {
		for _, t := range []struct {
			name string
			s    *string
		}{{"created_at", &r.CreatedAt}, {"updated_at", &r.UpdatedAt}} {
			tm, err := wire.ParseTime(*t.s)
			if err != nil {
				return fmt.Errorf("room %s: %w", t.name, err)
			}
			*t.s = wire.FormatTime(tm)
		}
		return nil
	}})
}

// encodeOut encodes the operation output *v (a pointer, as the walkers of
// serialize_hooks.go take it) with its messages' extra fields.
func encodeOut(v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	if ex := collectExtras(v); len(ex) > 0 {
		return wire.PatchMessages(b, ex)
	}
	return b, nil
}

// moduleOutput reports whether modules take part in operation op for c,
// so that its output may not be the default core's: then the ids in it
// that would decide who receives a frame are checked (forgedOutput).
func (s *Service) moduleOutput(ctx context.Context, c Caller, op string) bool {
	return s.request(ctx).has(c.Tenant, op, abi.ReplaceHook(op))
}

// forgedOutput is the 4006 of an operation output that names, where the
// host decides who receives a frame or joins a room's group, a room or user
// the host did not resolve for the caller's tenant. The log names the
// modules hooking the operation, one of which returned it.
func (s *Service) forgedOutput(ctx context.Context, c Caller, op, what string, got, want any) error {
	s.log.ErrorContext(ctx, "module output names a room or user the host did not resolve; request refused",
		"op", op, "tenant", c.Tenant, "user", c.UserID, "modules", s.request(ctx).modules(c.Tenant, op),
		"field", what, "got", got, "want", want)
	return wire.Internal(fmt.Errorf("chat: %s output: %s %v, want %v", op, what, got, want))
}

// rawID is a canonical id as the JSON a permission rule reads it from.
func rawID(id string) json.RawMessage { return json.RawMessage(strconv.Quote(id)) }

// regrant runs rule, the default of the operation's permission check, when
// roomID, the room a core was given, is not one the request's check
// granted (see granted).
func regrant(g granted, roomID string, rule func() error) error {
	if g.room(roomID) {
		return nil
	}
	return rule()
}

// regrantMessages checks the messages among ids that the request's
// permission check did not grant the way have_message_permission does:
// each must exist in the caller's tenant and not be soft-deleted (4004),
// in a room the caller is a member of (4002), checked in order.
func (s *Service) regrantMessages(ctx context.Context, call opCall, ids []string) error {
	rest := call.Grant.ungranted(ids)
	if len(rest) == 0 {
		return nil
	}
	msgs, err := call.Tx.MessagesInTenant(ctx, call.Caller.Tenant, rest)
	if err != nil {
		return err
	}
	return s.regrantLoaded(ctx, call, msgs, rest)
}

// regrantLoaded is regrantMessages on messages already loaded with
// MessagesInTenant: those of ids the permission check did not grant.
func (s *Service) regrantLoaded(ctx context.Context, call opCall, msgs map[string]store.Message, ids []string) error {
	tx, c, g := call.Tx, call.Caller, call.Grant
	member := map[string]bool{}
	for _, id := range ids {
		if g.message(id) {
			continue
		}
		m, ok := msgs[id]
		if !ok || m.IsDeleted {
			return wire.NotFound()
		}
		in, seen := member[m.RoomID]
		if !seen {
			var err error
			if in, _, err = tx.Membership(ctx, m.RoomID, c.UserID); err != nil {
				return err
			}
			member[m.RoomID] = in
		}
		if !in {
			return wire.Denied(deniedMessageAccess)
		}
	}
	return nil
}
