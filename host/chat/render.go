package chat

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/chatwasm/chatwasm/host/hooks"
	"github.com/chatwasm/chatwasm/host/store"
)

// A Service is the hooks.Renderer of the modules' render_* imports: it
// renders rooms, messages, users and notifications in their wire shapes
// (PROTOCOL.md §2.6), as the default serializers make them. Serializer
// hooks are not applied (a serializer hook may itself call render_*). Ids
// that are malformed, or name nothing in tenant, are store.ErrNotFound, and
// so are soft-deleted messages, as for every message-level check.
var _ hooks.Renderer = (*Service)(nil)

// RenderRoom renders a room in the "detail" form, or in the "list" form as
// viewer sees it (its peer, its last message).
func (s *Service) RenderRoom(ctx context.Context, tx *store.Tx, tenant string, viewer int64, roomID, form string) (json.RawMessage, error) {
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
		items, err := s.roomListItems(ctx, tx, Caller{UserID: viewer, Tenant: tenant}, []store.Room{rm})
		if err != nil {
			return nil, err
		}
		v = items[0]
	case "detail", "":
		if v, err = s.roomDetail(ctx, tx, rm); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("chat: render room: unknown form %q", form)
	}
	return json.Marshal(v)
}

// RenderMessage renders a message (with its replies and forwards).
func (s *Service) RenderMessage(ctx context.Context, tx *store.Tx, tenant, messageID string) (json.RawMessage, error) {
	id, err := renderID(messageID)
	if err != nil {
		return nil, err
	}
	if err := renderable(liveMessage(ctx, tx, Caller{Tenant: tenant}, id)); err != nil {
		return nil, err
	}
	vs, err := serializeMessages(ctx, tx, []string{id})
	if err != nil {
		return nil, err
	}
	return json.Marshal(vs[0])
}

// RenderUser renders a user.
func (s *Service) RenderUser(ctx context.Context, tx *store.Tx, tenant string, userID int64) (json.RawMessage, error) {
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
func (s *Service) RenderNotification(ctx context.Context, tx *store.Tx, tenant, notificationID string) (json.RawMessage, error) {
	id, err := renderID(notificationID)
	if err != nil {
		return nil, err
	}
	n, err := tx.GetNotification(ctx, tenant, id)
	if err != nil {
		return nil, err
	}
	if err := renderable(liveMessage(ctx, tx, Caller{Tenant: tenant}, n.MessageID)); err != nil {
		return nil, err
	}
	vs, err := serializeMessages(ctx, tx, []string{n.MessageID})
	if err != nil {
		return nil, err
	}
	return json.Marshal(NotificationView{ID: n.ID, NotificationType: n.Type, Message: vs[0]})
}

// renderID canonicalizes a UUID; a malformed one names nothing.
func renderID(id string) (string, error) {
	out, err := parseUUID(id)
	if err != nil {
		return "", fmt.Errorf("chat: render %q: %w", id, store.ErrNotFound)
	}
	return out, nil
}

// renderable turns liveMessage's not-found *Error into store.ErrNotFound,
// which the imports answer as a 4004.
func renderable(_ store.Message, err error) error {
	var ce *Error
	if errors.As(err, &ce) && ce.Code == CodeNotFound {
		return store.ErrNotFound
	}
	return err
}
