package chat

import (
	"context"
	"encoding/json"

	"github.com/chatwasm/chatwasm/host/chat/field"
	"github.com/chatwasm/chatwasm/host/chat/wire"
	"github.com/chatwasm/chatwasm/host/store"
)

// roomLeave is room.leave (PROTOCOL.md §2.8.12).
func (s *Service) roomLeave(ctx context.Context, c Caller, data json.RawMessage) ([]wire.Effect, error) {
	d, err := field.ActionData(data)
	if err != nil {
		return nil, err
	}
	rm, err := s.checkRoomAccess(ctx, c, d["room_id"])
	if err != nil {
		return nil, err
	}
	if rm.Kind == store.KindOneToOne {
		return nil, wire.Validation("You can only leave a channel/group chat")
	}
	ctx = withGrant(ctx, []string{rm.ID}, nil)
	room, err := run(ctx, s, "leave_room", true, c, RoomIn{RoomID: rm.ID}, s.leaveRoom)
	if err != nil {
		return nil, err
	}
	if room != nil && room.ID != rm.ID {
		return nil, s.forgedOutput(ctx, c, "leave_room", "id", room.ID, rm.ID)
	}
	unsub := wire.Effect{Kind: wire.Unsubscribe, UserID: c.UserID, RoomID: rm.ID}
	if room == nil {
		e, err := wire.SendTo(wire.UserGroup(c.UserID), "roomdelete.dispatch", deleteEvent{RoomID: rm.ID})
		return []wire.Effect{unsub, e}, err
	}
	exit, err := wire.SendTo(wire.UserGroup(c.UserID), "roomexit.dispatch", exitEvent{Room: room, Message: "You left " + room.Name})
	if err != nil {
		return nil, err
	}
	removed, err := wire.SendTo(wire.RoomGroup(rm.ID), "roomremovemembers.dispatch",
		removedEvent{Room: room, RemovedMembers: []string{c.Username}, RemovedBy: "self"})
	return []wire.Effect{unsub, exit, removed}, err
}

// leaveRoom is _leave_room: the caller loses membership, role and
// permissions (a creator keeps only the creator reference); the room is
// deleted, and nil returned, when nobody is left. The room is looked up in
// the caller's tenant, and only a group or channel can be left, whichever
// room a module passes.
func (s *Service) leaveRoom(ctx context.Context, tx *store.Tx, c Caller, in RoomIn) (*wire.RoomDetail, error) {
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
