package chat

// Placeholders replaced by the room operations (rooms.go etc.).

import (
	"context"
	"encoding/json"

	"github.com/chatwasm/chatwasm/host/store"
)

func (s *Service) roomCreate(ctx context.Context, c Caller, data json.RawMessage) ([]Effect, error) {
	return nil, errTODO
}
func (s *Service) roomList(ctx context.Context, c Caller, data json.RawMessage) ([]Effect, error) {
	return nil, errTODO
}
func (s *Service) roomInfo(ctx context.Context, c Caller, data json.RawMessage) ([]Effect, error) {
	return nil, errTODO
}
func (s *Service) roomAddMembers(ctx context.Context, c Caller, data json.RawMessage) ([]Effect, error) {
	return nil, errTODO
}
func (s *Service) roomRemoveMembers(ctx context.Context, c Caller, data json.RawMessage) ([]Effect, error) {
	return nil, errTODO
}
func (s *Service) roomJoin(ctx context.Context, c Caller, data json.RawMessage) ([]Effect, error) {
	return nil, errTODO
}
func (s *Service) roomLeave(ctx context.Context, c Caller, data json.RawMessage) ([]Effect, error) {
	return nil, errTODO
}
func (s *Service) roomModify(ctx context.Context, c Caller, data json.RawMessage) ([]Effect, error) {
	return nil, errTODO
}

// roomAccess is have_room_permission (PROTOCOL.md §2.7): rawRoomID must be a
// string or int; the caller must be a member. Returns the room.
func (s *Service) roomAccess(ctx context.Context, tx *store.Tx, c Caller, rawRoomID json.RawMessage) (store.Room, error) {
	return store.Room{}, errTODO
}

// sendPermission is have_send_message_permission (§2.7) on the frame's
// room_id, or on message_id's room when room_id is falsy. Returns the room.
func (s *Service) sendPermission(ctx context.Context, tx *store.Tx, c Caller, rawRoomID, rawMessageID json.RawMessage) (store.Room, error) {
	return store.Room{}, errTODO
}
