package chat

import (
	"context"
	"encoding/json"

	"github.com/chatwasm/chatwasm/abi"
	"github.com/chatwasm/chatwasm/abi/payload"
	"github.com/chatwasm/chatwasm/host/chat/wire"
	"github.com/chatwasm/chatwasm/host/store"
)

// roomLeave is room.leave (docs/protocol.md §2.8.12).
var roomLeave = &operation[RoomIn, *payload.Room]{
	event: "room.leave", name: abi.OpLeaveRoom, write: true,
	sends: "roomexit.dispatch → me; roomdelete.dispatch → me; roomremovemembers.dispatch → room",
	check: func(s *Service, ctx context.Context, c Caller, _ json.RawMessage, d map[string]json.RawMessage) (checked[RoomIn], error) {
		rm, err := s.checkRoomAccess(ctx, c, d["room_id"])
		if err != nil {
			return checked[RoomIn]{}, err
		}
		if rm.Kind == store.KindOneToOne {
			return checked[RoomIn]{}, wire.Validation("You can only leave a channel/group chat")
		}
		return checked[RoomIn]{in: RoomIn{RoomID: rm.ID}, grant: grantRoom(rm.ID)}, nil
	},
	core:     (*Service).leaveRoom,
	audience: (*Service).left,
}

// left unsubscribes the caller from the room and tells them, and the
// members left, if any.
func (s *Service) left(ctx context.Context, c Caller, chk checked[RoomIn], room *payload.Room) ([]wire.Effect, error) {
	id := chk.in.RoomID
	if room != nil && room.ID != id {
		return nil, s.forgedOutput(ctx, c, abi.OpLeaveRoom, "id", room.ID, id)
	}
	unsub := wire.Effect{Kind: wire.Unsubscribe, UserID: c.UserID, RoomID: id}
	if room == nil {
		e, err := wire.SendTo(wire.UserGroup(c.UserID), "roomdelete.dispatch", deleteEvent{RoomID: id})
		return []wire.Effect{unsub, e}, err
	}
	exit, err := wire.SendTo(wire.UserGroup(c.UserID), "roomexit.dispatch", exitEvent{Room: room, Message: "You left " + room.Name})
	if err != nil {
		return nil, err
	}
	removed, err := wire.SendTo(wire.RoomGroup(id), "roomremovemembers.dispatch",
		removedEvent{Room: room, RemovedMembers: []string{c.Username}, RemovedBy: "self"})
	return []wire.Effect{unsub, exit, removed}, err
}

// leaveRoom is _leave_room: the caller loses membership, role and
// permissions (a creator keeps only the creator reference); the room is
// deleted, and nil returned, when nobody is left. The room is looked up in
// the caller's tenant, and only a group or channel can be left, whichever
// room a module passes.
func (s *Service) leaveRoom(ctx context.Context, call opCall, in RoomIn) (*payload.Room, error) {
	tx, c := call.Tx, call.Caller
	rm, err := tx.GetRoom(ctx, c.Tenant, in.RoomID, true)
	if err != nil {
		return nil, err
	}
	if rm.Kind == store.KindOneToOne {
		return nil, wire.Validation("You can only leave a channel/group chat")
	}
	member, _, err := tx.Membership(ctx, rm.ID, c.UserID)
	if err != nil {
		return nil, err
	}
	if !member {
		return nil, wire.Denied(deniedRoomAccess)
	}
	if err := tx.RemoveMembers(ctx, rm.ID, []int64{c.UserID}); err != nil {
		return nil, err
	}
	n, err := tx.CountMembers(ctx, rm.ID)
	if err != nil {
		return nil, err
	}
	if n == 0 {
		return nil, tx.DeleteRoom(ctx, rm.ID)
	}
	d, err := wire.LoadRoomDetail(ctx, tx, rm)
	return &d, err
}
