package chat

import (
	"context"
	"encoding/json"
	"slices"

	"github.com/chatwasm/chatwasm/abi"
	"github.com/chatwasm/chatwasm/abi/payload"
	"github.com/chatwasm/chatwasm/host/chat/wire"
	"github.com/chatwasm/chatwasm/host/store"
)

// roomJoin is room.join (docs/protocol.md §2.8.11): only public channels can be
// joined; there is no permission check, and the room is looked up by the
// operation itself without a type check (see uncheckedRoomID).
var roomJoin = &operation[RoomIn, payload.Room]{
	event: "room.join", name: abi.OpJoinRoom, write: true,
	sends: "roomaddmembers.dispatch → room",
	check: func(_ *Service, _ context.Context, _ Caller, _ json.RawMessage, d map[string]json.RawMessage) (checked[RoomIn], error) {
		id, err := uncheckedRoomID(d["room_id"])
		return checked[RoomIn]{in: RoomIn{RoomID: id}}, err
	},
	core:     (*Service).joinRoom,
	audience: (*Service).joined,
}

// joined subscribes the caller to the room and tells its members.
func (s *Service) joined(ctx context.Context, c Caller, chk checked[RoomIn], detail payload.Room) ([]wire.Effect, error) {
	id := chk.in.RoomID
	if detail.ID != id {
		return nil, s.forgedOutput(ctx, c, abi.OpJoinRoom, "id", detail.ID, id)
	}
	if s.moduleOutput(ctx, c, abi.OpJoinRoom) {
		// Nothing checked the room before the operation: it must exist in
		// the caller's tenant, and the caller must now be a member.
		a, err := s.audience(ctx, c, id, nil)
		if err != nil {
			return nil, err
		}
		if !a.exists || !slices.Contains(a.members, c.UserID) {
			return nil, s.forgedOutput(ctx, c, abi.OpJoinRoom, "id", id, "a room of the tenant with the caller as a member")
		}
	}
	e, err := wire.SendTo(wire.RoomGroup(id), "roomaddmembers.dispatch",
		addedEvent{Room: &detail, NewMembers: []string{c.Username}, AddedBy: "self"})
	return []wire.Effect{{Kind: wire.Subscribe, UserID: c.UserID, RoomID: id}, e}, err
}

// joinRoom is _join_room. Joining a channel one is already subscribed to
// changes nothing but still succeeds.
func (s *Service) joinRoom(ctx context.Context, call opCall, in RoomIn) (payload.Room, error) {
	tx, c := call.Tx, call.Caller
	rm, err := tx.GetRoom(ctx, c.Tenant, in.RoomID, true)
	if err != nil {
		return payload.Room{}, err
	}
	switch {
	case rm.Kind == store.KindGroup:
		return payload.Room{}, wire.Validation("Ask an admin to add you to the group")
	case rm.Kind != store.KindChannel:
		return payload.Room{}, wire.Validation("You can only join a channel/group chat")
	case !rm.IsPublic:
		return payload.Room{}, wire.Validation("Channel is private, ask a moderator to add you to the channel")
	}
	member, _, err := tx.Membership(ctx, rm.ID, c.UserID)
	if err != nil {
		return payload.Room{}, err
	}
	if !member {
		n, err := tx.CountMembers(ctx, rm.ID)
		if err != nil {
			return payload.Room{}, err
		}
		if n+1 > rm.MaxMembers {
			return payload.Room{}, wire.Validation(msgMaxSubscribers)
		}
		if err := tx.AddMembers(ctx, rm.ID, []int64{c.UserID}, false); err != nil {
			return payload.Room{}, err
		}
	}
	return wire.LoadRoomDetail(ctx, tx, rm)
}
