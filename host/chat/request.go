package chat

import (
	"context"
	"encoding/json"
	"sync"

	"github.com/chatwasm/chatwasm/abi"
	"github.com/chatwasm/chatwasm/host/chat/wire"
	"github.com/chatwasm/chatwasm/host/hooks"
	"github.com/chatwasm/chatwasm/host/store"
)

// request is what the module layers of one client request share: the module
// set it holds from start to end, so that every hook of the request sees the
// same modules even if a reload swaps them meanwhile, and what the modules
// produced that the gateway must deliver once the request succeeded (the
// events they emitted, the fields they added to messages).
//
// A request exists only while modules are loaded: without them every method
// works on a nil *request and reports that nothing is hooked.
type request struct {
	set *hooks.Set
	// core runs an operation's core for the write imports
	// (hooks.CallInfo.Core).
	core func(ctx context.Context, tx *store.Tx, tenant string, user abi.Caller, op string, args json.RawMessage) (json.RawMessage, error)

	mu     sync.Mutex
	events []abi.Event
	// subs are the Subscribe/Unsubscribe effects of the membership changes
	// modules made through their imports.
	subs []wire.Effect
	// extras are the fields added to messages, by message id, that the
	// request's frames must carry (see patchMessages).
	extras map[string]map[string]json.RawMessage
	// cut is whether the connect's get_and_group_chat_notifications core
	// left notifications out for the frame's size (Connection.NotificationsCut).
	cut bool
	// room is the room the request's permission check resolved, for
	// handle_exception (checkedRoom).
	room string
}

type requestKey struct{}

// begin starts a request on the current module set. end releases the set.
// With no module loaded, ctx is returned as it is and the request is nil.
func (s *Service) begin(ctx context.Context) (_ context.Context, _ *request, end func()) {
	set, release := s.mods.Acquire()
	if set == nil {
		return ctx, nil, release
	}
	r := &request{set: set, core: s.importCore}
	return context.WithValue(ctx, requestKey{}, r), r, release
}

// request returns the request ctx belongs to, nil without modules. A call
// outside Handle or Connect (tests, benchmarks) starts none.
func (s *Service) request(ctx context.Context) *request {
	if s.mods == nil {
		return nil
	}
	r, _ := ctx.Value(requestKey{}).(*request)
	return r
}

// has reports whether a module hooks any of hooks for tenant.
func (r *request) has(tenant string, hooks ...string) bool {
	if r == nil {
		return false
	}
	for _, h := range hooks {
		if r.set.Has(tenant, h) {
			return true
		}
	}
	return false
}

// hooksOp reports whether a module hooks operation op for tenant: its
// extend or replace layer, or a serializer of its output.
func (r *request) hooksOp(tenant, op string) bool {
	if r == nil {
		return false
	}
	return r.has(tenant, op, abi.ReplaceHook(op)) || r.serializes(tenant)
}

// hooksNested reports whether a module hooks op, an operation that another
// runs inside its transaction (create_chat_notification, ...), for tenant:
// its extend or replace layer.
func (r *request) hooksNested(tenant, op string) bool {
	return r.has(tenant, op, abi.ReplaceHook(op))
}

// modules names the modules of op's extend and replace layers for tenant,
// outermost first, for the logs.
func (r *request) modules(tenant, op string) []string {
	if r == nil {
		return nil
	}
	return append(r.set.Hooking(tenant, op), r.set.Hooking(tenant, abi.ReplaceHook(op))...)
}

// serializes reports whether a serializer hook applies to tenant.
func (r *request) serializes(tenant string) bool {
	return r.has(tenant, abi.SerializeMessageHook, abi.SerializeRoomHook)
}

// call is the CallInfo of c's hooks, in transaction tx (nil outside one).
func (r *request) call(c Caller, tx *store.Tx) hooks.CallInfo {
	return hooks.CallInfo{
		Tenant:     c.Tenant,
		Caller:     abi.Caller{UserID: c.UserID, Username: c.Username, SessionID: c.SessionID},
		Tx:         tx,
		Emit:       r.emit,
		Membership: r.membership,
		Core:       r.core,
	}
}

// membership records the subscription changes that a module's membership
// change implies, to be applied when the request succeeds.
func (r *request) membership(_ context.Context, roomID string, userIDs []int64, added bool) {
	kind := wire.Unsubscribe
	if added {
		kind = wire.Subscribe
	}
	r.mu.Lock()
	for _, id := range userIDs {
		r.subs = append(r.subs, wire.Effect{Kind: kind, UserID: id, RoomID: roomID})
	}
	r.mu.Unlock()
}

// changed records that a module's import changed the standing of members
// of room roomID, to be told to every node when the request succeeds
// (wire.Changed).
func (r *request) changed(roomID string) {
	if r == nil {
		return
	}
	r.mu.Lock()
	r.subs = append(r.subs, wire.Effect{Kind: wire.Changed, RoomID: roomID})
	r.mu.Unlock()
}

// emit records an event a module emitted, to be sent when the request
// succeeds.
func (r *request) emit(_ context.Context, ev abi.Event) error {
	r.mu.Lock()
	r.events = append(r.events, ev)
	r.mu.Unlock()
	return nil
}

// mark is a position in what modules produced during a request.
type mark struct{ events, subs int }

// mark returns the position to roll the emitted events and membership
// changes back to.
func (r *request) mark() mark {
	r.mu.Lock()
	defer r.mu.Unlock()
	return mark{len(r.events), len(r.subs)}
}

// rollback drops the events and membership changes recorded since m: those
// of a transaction that rolled back or is being retried.
func (r *request) rollback(m mark) {
	r.mu.Lock()
	r.events = r.events[:min(m.events, len(r.events))]
	r.subs = r.subs[:min(m.subs, len(r.subs))]
	r.mu.Unlock()
}

// keepExtras records the fields added to the messages of out, so that
// finish writes them into the frames built from it.
func (r *request) keepExtras(out any) {
	ex := collectExtras(out)
	if len(ex) == 0 {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.extras == nil {
		r.extras = map[string]map[string]json.RawMessage{}
	}
	for id, fields := range ex {
		r.extras[id] = fields
	}
}

// noteCut records whether the notifications core left pending
// notifications out for the frame's size; a core run again (a retried
// transaction, a module calling next twice) replaces it.
func (r *request) noteCut(cut bool) {
	if r == nil {
		return
	}
	r.mu.Lock()
	r.cut = cut
	r.mu.Unlock()
}

// notificationsCut is what noteCut recorded.
func (r *request) notificationsCut() bool {
	if r == nil {
		return false
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.cut
}

// patch writes the fields modules added to messages into the frame b.
func (r *request) patch(b []byte) ([]byte, error) {
	if r == nil {
		return b, nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.extras) == 0 {
		return b, nil
	}
	return wire.PatchMessages(b, r.extras)
}

// finish completes a successful request's effects: the frames get the
// fields modules added to their messages, then the subscription changes of
// modules' membership changes and the emitted events follow the operation's
// own effects (after a Subscribe of the same request, so that a user just
// added to a room receives an event emitted to it).
func (r *request) finish(eff []wire.Effect) ([]wire.Effect, error) {
	if r == nil {
		return eff, nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.extras) > 0 {
		for i := range eff {
			if eff[i].Kind != wire.Send {
				continue
			}
			b, err := wire.PatchMessages(eff[i].Frame, r.extras)
			if err != nil {
				return nil, err
			}
			eff[i].Frame = b
		}
	}
	eff = append(eff, r.subs...)
	r.subs = nil
	for _, ev := range r.events {
		group := wire.RoomGroup(ev.RoomID)
		if ev.To == abi.ToUser {
			group = wire.UserGroup(ev.UserID)
		}
		e, err := wire.SendTo(group, ev.EventType, ev.Data)
		if err != nil {
			return nil, err
		}
		eff = append(eff, e)
	}
	r.events = nil
	return eff, nil
}
