package chat

// Placeholders replaced by the room operations (rooms.go etc.).

import (
	"context"
	"encoding/json"
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
