package wire

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/chatwasm/chatwasm/abi/payload"
	"github.com/chatwasm/chatwasm/host/hooks"
	"github.com/chatwasm/chatwasm/host/store"
	"github.com/google/uuid"
)

// Renderer is the hooks.Renderer of the modules' render_* imports: it
// renders rooms, messages, users and notifications in their wire shapes
// (docs/protocol.md §2.6), as the default serializers make them. Serializer
// hooks are not applied (a serializer hook may itself call render_*). Ids
// that are malformed, or name nothing in tenant, are store.ErrNotFound, and
// so are soft-deleted messages, as for every message-level check.
type Renderer struct{}

var _ hooks.Renderer = Renderer{}

// RenderRoom renders a room in the "detail" form, or in the "list" form as
// viewer sees it (its peer, its last message).
func (Renderer) RenderRoom(ctx context.Context, tx *store.Tx, tenant string, viewer int64, roomID, form string) (json.RawMessage, error) {
	id, err := renderID(roomID)
	if err != nil {
		return nil, err
	}
	rm, err := tx.GetRoom(ctx, tenant, id, false)
	if err != nil {
		return nil, err
	}
	var v any
	switch form {
	case "list":
		items, err := RoomListItems(ctx, tx, tenant, viewer, []store.Room{rm})
		if err != nil {
			return nil, err
		}
		v = items[0]
	case "detail", "":
		if v, err = LoadRoomDetail(ctx, tx, rm); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("chat: render room: unknown form %q", form)
	}
	return json.Marshal(v)
}

// RenderMessage renders a message (with its replies and forwards).
func (Renderer) RenderMessage(ctx context.Context, tx *store.Tx, tenant, messageID string) (json.RawMessage, error) {
	id, err := renderID(messageID)
	if err != nil {
		return nil, err
	}
	if err := liveRenderMessage(ctx, tx, tenant, id); err != nil {
		return nil, err
	}
	vs, err := SerializeMessages(ctx, tx, []string{id})
	if err != nil {
		return nil, err
	}
	return json.Marshal(vs[0])
}

// RenderUser renders a user.
func (Renderer) RenderUser(ctx context.Context, tx *store.Tx, tenant string, userID int64) (json.RawMessage, error) {
	users, err := tx.UsersByID(ctx, tenant, []int64{userID})
	if err != nil {
		return nil, err
	}
	u, ok := users[userID]
	if !ok {
		return nil, fmt.Errorf("chat: render user %d: %w", userID, store.ErrNotFound)
	}
	return json.Marshal(u)
}

// RenderNotification renders a ChatNotification with its message.
func (Renderer) RenderNotification(ctx context.Context, tx *store.Tx, tenant, notificationID string) (json.RawMessage, error) {
	id, err := renderID(notificationID)
	if err != nil {
		return nil, err
	}
	n, err := tx.GetNotification(ctx, tenant, id)
	if err != nil {
		return nil, err
	}
	if err := liveRenderMessage(ctx, tx, tenant, n.MessageID); err != nil {
		return nil, err
	}
	vs, err := SerializeMessages(ctx, tx, []string{n.MessageID})
	if err != nil {
		return nil, err
	}
	return json.Marshal(payload.Notification{ID: n.ID, NotificationType: n.Type, Message: vs[0]})
}

// renderID canonicalizes a UUID; a malformed one names nothing.
func renderID(id string) (string, error) {
	u, err := uuid.Parse(id)
	if err != nil {
		return "", fmt.Errorf("chat: render %q: %w", id, store.ErrNotFound)
	}
	return u.String(), nil
}

// liveRenderMessage is store.ErrNotFound for a message that is not in tenant or
// is soft-deleted, which the imports answer as a 4004.
func liveRenderMessage(ctx context.Context, tx *store.Tx, tenant, id string) error {
	m, err := tx.GetMessage(ctx, tenant, id)
	if err == nil && m.IsDeleted {
		return fmt.Errorf("chat: render message %s: %w", id, store.ErrNotFound)
	}
	return err
}
