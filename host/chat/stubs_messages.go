package chat

// Placeholders replaced by the message operations (messages.go etc.).

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/chatwasm/chatwasm/host/store"
)

var errTODO = errors.New("not implemented")

func (s *Service) messageSend(ctx context.Context, c Caller, data json.RawMessage) ([]Effect, error) {
	return nil, errTODO
}
func (s *Service) messageAcknowledged(ctx context.Context, c Caller, data json.RawMessage) ([]Effect, error) {
	return nil, errTODO
}
func (s *Service) messageRead(ctx context.Context, c Caller, data json.RawMessage) ([]Effect, error) {
	return nil, errTODO
}
func (s *Service) messageReact(ctx context.Context, c Caller, data json.RawMessage) ([]Effect, error) {
	return nil, errTODO
}
func (s *Service) messageTyping(ctx context.Context, c Caller, data json.RawMessage) ([]Effect, error) {
	return nil, errTODO
}
func (s *Service) messageModify(ctx context.Context, c Caller, data json.RawMessage) ([]Effect, error) {
	return nil, errTODO
}
func (s *Service) roomMessages(ctx context.Context, c Caller, data json.RawMessage) ([]Effect, error) {
	return nil, errTODO
}
func (s *Service) groupedNotifications(ctx context.Context, tx *store.Tx, c Caller) (map[string][]any, error) {
	return map[string][]any{}, nil
}

// messageJSON serializes one message by id in the Message shape of
// PROTOCOL.md §2.6 (recursive parent_message/forwarded_from), ready for
// json.Marshal.
func (s *Service) messageJSON(ctx context.Context, tx *store.Tx, id string) (any, error) {
	return nil, errTODO
}
