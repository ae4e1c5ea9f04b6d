package chat

import (
	"context"
	"encoding/json"

	"github.com/chatwasm/chatwasm/host/chat/field"
	"github.com/chatwasm/chatwasm/host/chat/wire"
	"github.com/chatwasm/chatwasm/host/store"
)

// ListRoomsIn is the input of list_rooms: nothing beyond the caller.
type ListRoomsIn struct{}

// roomList is room.list (PROTOCOL.md §2.8.8): the caller's rooms in list
// form, to all of the caller's connections.
func (s *Service) roomList(ctx context.Context, c Caller, _ json.RawMessage) ([]wire.Effect, error) {
	items, err := run(ctx, s, "list_rooms", false, c, ListRoomsIn{}, s.listRooms)
	if err != nil {
		return nil, err
	}
	if items == nil {
		items = []wire.RoomListItem{}
	}
	e, err := wire.SendTo(wire.UserGroup(c.UserID), "roomlist.dispatch", items)
	return []wire.Effect{e}, err
}

// listRooms is _list_rooms.
func (s *Service) listRooms(ctx context.Context, tx *store.Tx, c Caller, _ ListRoomsIn) ([]wire.RoomListItem, error) {
	rooms, err := tx.RoomsOfUser(ctx, c.UserID)
	if err != nil {
		return nil, err
	}
	return wire.RoomListItems(ctx, tx, c.Tenant, c.UserID, rooms)
}

// RoomIn names the room an operation acts on.
type RoomIn struct {
	RoomID string `json:"room_id"`
}

// roomInfo is room.info (§2.8.9): the room's detail form to all of the
// caller's connections, for members only.
func (s *Service) roomInfo(ctx context.Context, c Caller, data json.RawMessage) ([]wire.Effect, error) {
	d, err := field.ActionData(data)
	if err != nil {
		return nil, err
	}
	rm, err := s.checkRoomAccess(ctx, c, d["room_id"])
	if err != nil {
		return nil, err
	}
	ctx = withGrant(ctx, []string{rm.ID}, nil)
	detail, err := run(ctx, s, "retreive_room", false, c, RoomIn{RoomID: rm.ID}, s.retrieveRoom)
	if err != nil {
		return nil, err
	}
	e, err := wire.SendTo(wire.UserGroup(c.UserID), "roominfo.dispatch", detail)
	return []wire.Effect{e}, err
}

// retrieveRoom is _retreive_room (sic). A room other than the one the
// request's permission check granted must pass have_room_permission here.
func (s *Service) retrieveRoom(ctx context.Context, tx *store.Tx, c Caller, in RoomIn) (wire.RoomDetail, error) {
	var (
		rm  store.Room
		err error
	)
	if grantOf(ctx).room(in.RoomID) {
		rm, err = tx.GetRoom(ctx, c.Tenant, in.RoomID, false)
	} else {
		rm, err = s.roomAccess(ctx, tx, c, rawID(in.RoomID))
	}
	if err != nil {
		return wire.RoomDetail{}, err
	}
	return wire.LoadRoomDetail(ctx, tx, rm)
}
