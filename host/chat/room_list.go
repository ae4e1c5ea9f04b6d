package chat

import (
	"context"
	"encoding/json"

	"github.com/chatwasm/chatwasm/abi"
	"github.com/chatwasm/chatwasm/abi/payload"
	"github.com/chatwasm/chatwasm/host/chat/wire"
	"github.com/chatwasm/chatwasm/host/store"
)

// ListRoomsIn is the input of list_rooms: nothing beyond the caller.
type ListRoomsIn = payload.ListRoomsArgs

// roomList is room.list (docs/protocol.md §2.8.8): the caller's rooms in list
// form, to all of the caller's connections. It reads no data.
var roomList = &operation[ListRoomsIn, []payload.Room]{
	event: "room.list", name: abi.OpListRooms,
	sends: "roomlist.dispatch → me",
	core:  (*Service).listRooms,
	audience: func(_ *Service, _ context.Context, c Caller, _ checked[ListRoomsIn], items []payload.Room) ([]wire.Effect, error) {
		if items == nil {
			items = []payload.Room{}
		}
		e, err := wire.SendTo(wire.UserGroup(c.UserID), "roomlist.dispatch", items)
		return []wire.Effect{e}, err
	},
}

// listRooms is _list_rooms.
func (s *Service) listRooms(ctx context.Context, call opCall, _ ListRoomsIn) ([]payload.Room, error) {
	tx, c := call.Tx, call.Caller
	rooms, err := tx.RoomsOfUser(ctx, c.UserID)
	if err != nil {
		return nil, err
	}
	return wire.RoomListItems(ctx, tx, c.Tenant, c.UserID, rooms)
}

// RoomIn names the room an operation acts on.
type RoomIn = payload.RoomArgs

// roomInfo is room.info (§2.8.9): the room's detail form to all of the
// caller's connections, for members only.
var roomInfo = &operation[RoomIn, payload.Room]{
	event: "room.info", name: abi.OpRetreiveRoom,
	sends: "roominfo.dispatch → me",
	check: func(s *Service, ctx context.Context, c Caller, _ json.RawMessage, d map[string]json.RawMessage) (checked[RoomIn], error) {
		rm, err := s.checkRoomAccess(ctx, c, d["room_id"])
		if err != nil {
			return checked[RoomIn]{}, err
		}
		return checked[RoomIn]{in: RoomIn{RoomID: rm.ID}, grant: grantRoom(rm.ID)}, nil
	},
	core:     (*Service).retrieveRoom,
	audience: toCaller[RoomIn, payload.Room]("roominfo.dispatch"),
}

// retrieveRoom is _retreive_room (sic). A room other than the one the
// request's permission check granted must pass have_room_permission here.
func (s *Service) retrieveRoom(ctx context.Context, call opCall, in RoomIn) (payload.Room, error) {
	tx, c := call.Tx, call.Caller
	var (
		rm  store.Room
		err error
	)
	if call.Grant.room(in.RoomID) {
		rm, err = tx.GetRoom(ctx, c.Tenant, in.RoomID, false)
	} else {
		rm, err = s.roomAccess(ctx, tx, c, rawID(in.RoomID))
	}
	if err != nil {
		return payload.Room{}, err
	}
	return wire.LoadRoomDetail(ctx, tx, rm)
}
