package chat

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/chatwasm/chatwasm/host/chat/field"
	"github.com/chatwasm/chatwasm/host/chat/wire"
	"github.com/chatwasm/chatwasm/host/store"
)

// Permission-denied messages of the message checks (docs/protocol.md §2.7).
const (
	deniedMessageAccess = "User is not authorized to access this message"
	deniedMessageModify = "User is not authorized to modify this message"
)

// liveMessage loads a message of the caller's tenant that is not
// soft-deleted: a soft-deleted message is "not found" for every
// message-level check (docs/protocol.md §2.8.6).
func liveMessage(ctx context.Context, tx *store.Tx, c Caller, id string) (store.Message, error) {
	m, err := tx.GetMessage(ctx, c.Tenant, id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && m.IsDeleted) {
		return store.Message{}, wire.NotFound()
	}
	return m, err
}

// messageArgs is data.message_id as validated by the message checks.
type messageArgs struct {
	// Msgs are the messages, de-duplicated, in the order sent.
	Msgs []store.Message
	// IsList says whether message_id was a list.
	IsList bool
}

// IDs returns the messages' ids.
func (a messageArgs) IDs() []string {
	ids := make([]string, len(a.Msgs))
	for i, m := range a.Msgs {
		ids[i] = m.ID
	}
	return ids
}

// messageAccess is have_message_permission (§2.7): message_id is a string,
// an int or a list of them; every message must exist and not be
// soft-deleted (4004) and the caller must be a member of its room (4002),
// checked message by message, stopping at the first failure.
func (s *Service) messageAccess(ctx context.Context, tx *store.Tx, c Caller, rawMessageID json.RawMessage) (messageArgs, error) {
	ids, isList, err := field.MessageIDArgs(rawMessageID)
	if err != nil {
		return messageArgs{}, err
	}
	args := messageArgs{IsList: isList}
	member := map[string]bool{}
	for _, id := range ids {
		m, err := liveMessage(ctx, tx, c, id)
		if err != nil {
			return messageArgs{}, err
		}
		ok, seen := member[m.RoomID]
		if !seen {
			if ok, _, err = tx.Membership(ctx, m.RoomID, c.UserID); err != nil {
				return messageArgs{}, err
			}
			member[m.RoomID] = ok
		}
		if !ok {
			return messageArgs{}, wire.Denied(deniedMessageAccess)
		}
		args.Msgs = append(args.Msgs, m)
	}
	return args, nil
}

// messageSender is is_message_sender (§2.7): at least one message, each
// existing, not soft-deleted and sent by the caller, all in one room, which
// it returns.
func (s *Service) messageSender(ctx context.Context, tx *store.Tx, c Caller, rawMessageID json.RawMessage) (messageArgs, store.Room, error) {
	ids, isList, err := field.MessageIDArgs(rawMessageID)
	if err != nil {
		return messageArgs{}, store.Room{}, err
	}
	if len(ids) == 0 {
		return messageArgs{}, store.Room{}, wire.Validation("Atleast one message_id is required for modification")
	}
	args := messageArgs{IsList: isList}
	for _, id := range ids {
		m, err := liveMessage(ctx, tx, c, id)
		if err != nil {
			return messageArgs{}, store.Room{}, err
		}
		if m.SenderID != c.UserID {
			return messageArgs{}, store.Room{}, wire.Denied(deniedMessageModify)
		}
		args.Msgs = append(args.Msgs, m)
	}
	roomID := args.Msgs[0].RoomID
	for _, m := range args.Msgs[1:] {
		if m.RoomID != roomID {
			return messageArgs{}, store.Room{}, wire.Validation("All messages marked for modification must come from the same room")
		}
	}
	rm, err := tx.GetRoom(ctx, c.Tenant, roomID, false)
	return args, rm, err
}
