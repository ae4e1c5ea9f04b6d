package chat

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/chatwasm/chatwasm/abi/payload"
	"github.com/chatwasm/chatwasm/host/chat/wire"
	"github.com/chatwasm/chatwasm/host/store"
)

// A module layer may return an output the core did not make: a replace hook
// that does the whole job with the write imports, or one that makes up its
// result. The messages and rooms of such an output must exist, in the
// caller's tenant, in the operation's transaction, or clients would be sent
// (and modules handed) objects that were never stored. The check costs
// nothing when no module hooks the operation and, when one does, a query
// only for the objects the core did not return itself.

// storedObjects are the messages (id → the room id the output gives it)
// and rooms an operation's output presents as stored.
type storedObjects struct {
	messages map[string]string
	rooms    []string
}

// outputObjects returns the stored objects of out, a pointer to an
// operation's output (see walk): every message, nested ones included, and
// every room detail, but not the room a room.modify output reports deleted.
func outputObjects(out any) storedObjects {
	var objs storedObjects
	if o, ok := out.(*ModifyRoomOut); ok && o.Deleted {
		return objs
	}
	_ = walk(out, visitor{
		message: func(m *wire.MessageView, _ bool) error {
			if objs.messages == nil {
				objs.messages = map[string]string{}
			}
			objs.messages[m.ID] = m.Room.ID
			return nil
		},
		room: func(r *payload.Room, list bool) error {
			if !list {
				objs.rooms = append(objs.rooms, r.ID)
			}
			return nil
		},
	})
	return objs
}

// beyond returns the objects of o that are not among trusted (with the
// same room, for a message).
func (o storedObjects) beyond(trusted storedObjects) storedObjects {
	var rest storedObjects
	for id, room := range o.messages {
		if r, ok := trusted.messages[id]; !ok || r != room {
			if rest.messages == nil {
				rest.messages = map[string]string{}
			}
			rest.messages[id] = room
		}
	}
	for _, id := range o.rooms {
		if !slices.Contains(trusted.rooms, id) {
			rest.rooms = append(rest.rooms, id)
		}
	}
	return rest
}

// empty reports whether o names no object.
func (o storedObjects) empty() bool { return len(o.messages) == 0 && len(o.rooms) == 0 }

// checkStored refuses the output of operation op for c if one of objs, its
// objects the layers below did not return, is not stored in c's tenant as
// tx sees it, or is a stored message of another room than the output says.
func (s *Service) checkStored(ctx context.Context, tx *store.Tx, c Caller, op string, objs storedObjects) error {
	if len(objs.messages) > 0 {
		ids := slices.Sorted(maps.Keys(objs.messages))
		ms, err := tx.MessagesInTenant(ctx, c.Tenant, ids)
		if err != nil {
			return err
		}
		for _, id := range ids {
			if m, ok := ms[id]; !ok || m.RoomID != objs.messages[id] {
				return s.unstoredOutput(ctx, c, op, "message", id)
			}
		}
	}
	for _, id := range objs.rooms {
		_, err := tx.GetRoom(ctx, c.Tenant, id, false)
		if errors.Is(err, store.ErrNotFound) {
			return s.unstoredOutput(ctx, c, op, "room", id)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// unstoredDetail is the detail of the 4006 of an output naming an object
// that was not stored: the client's error frame and what the exception
// hook receives.
const unstoredDetail = "A module returned a message or room that was not stored."

// unstoredOutput is the 4006 of an operation output naming a message or
// room (what, id) that does not exist in the operation's transaction. The
// log names the modules hooking the operation, one of which returned it.
func (s *Service) unstoredOutput(ctx context.Context, c Caller, op, what, id string) error {
	s.log.ErrorContext(ctx, "module output names a message or room that was not stored; request refused",
		"op", op, "tenant", c.Tenant, "user", c.UserID, "modules", s.request(ctx).modules(c.Tenant, op),
		"object", what, "id", id)
	return &wire.Error{Code: wire.CodeInternal, Detail: unstoredDetail,
		Err: fmt.Errorf("chat: %s output: %s %q does not exist", op, what, id)}
}
