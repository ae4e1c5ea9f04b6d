package chat

import (
	"context"
	"encoding/json"

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
	rm, err := s.checkSend(ctx, c, data, d)
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
