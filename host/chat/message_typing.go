package chat

import (
	"context"
	"encoding/json"

	"github.com/chatwasm/chatwasm/abi"
	"github.com/chatwasm/chatwasm/host/chat/field"
	"github.com/chatwasm/chatwasm/host/chat/wire"
	"github.com/chatwasm/chatwasm/host/store"
)

// typingOut is messagetyping.dispatch's data.
type typingOut struct {
	Username string `json:"username"`
}

// messageTyping is message.typing (§2.8.5): whoever may send to the room
// announces they are typing, to every member's connections, their own
// included. Nothing is stored, so there is no operation to run.
func (s *Service) messageTyping(ctx context.Context, c Caller, data json.RawMessage) ([]wire.Effect, error) {
	d, err := field.ActionData(data)
	if err != nil {
		return nil, err
	}
	rm, err := s.typingRoom(ctx, c, data, d)
	if err != nil {
		return nil, err
	}
	username := c.Username
	if username == "" {
		if err := s.st.ReadOne(ctx, func(tx *store.Tx) error {
			u, err := tx.GetUser(ctx, c.UserID)
			username = u.Username
			return err
		}); err != nil {
			return nil, err
		}
	}
	e, err := wire.SendTo(wire.RoomGroup(rm.ID), "messagetyping.dispatch", typingOut{Username: username})
	return []wire.Effect{e}, err
}

// typingRoom is checkSend for message.typing. Without a module's send
// permission hook and given a room_id, the caller's standing in the room
// comes from the access cache, filled from the database (the statement
// sendPermission runs) on a miss: a stale answer only lets one ephemeral
// frame through, and nothing is written (AccessCache).
func (s *Service) typingRoom(ctx context.Context, c Caller, data json.RawMessage, d map[string]json.RawMessage) (store.Room, error) {
	if s.request(ctx).has(c.Tenant, abi.PermSendMessage) || !field.Truthy(d["room_id"]) {
		return s.checkSend(ctx, c, data, d)
	}
	id, err := field.RoomIDArg(d["room_id"])
	if err != nil {
		return store.Room{}, err
	}
	acc, ok, slot := s.access.get(c.Tenant, id, c.UserID)
	if !ok {
		if acc, err = readResult(ctx, s.st.ReadOne, func(tx *store.Tx) (store.RoomAccess, error) {
			return sendAccess(ctx, tx, c, d["room_id"], nil)
		}); err != nil {
			return store.Room{}, err
		}
		s.access.put(slot, acc, c.UserID)
	}
	if !maySend(acc, c.UserID) {
		return store.Room{}, wire.Denied(deniedSend)
	}
	return acc.Room, nil
}
