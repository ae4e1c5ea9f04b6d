package chat

import (
	"context"

	"github.com/chatwasm/chatwasm/abi"
	"github.com/chatwasm/chatwasm/abi/payload"
	"github.com/chatwasm/chatwasm/host/chat/wire"
	"github.com/chatwasm/chatwasm/host/store"
)

// groupNotifications is get_and_group_chat_notifications, which Connect
// runs.
var groupNotifications = &operation[NotificationsIn, payload.NotificationGroups]{
	name: abi.OpGetAndGroupNotifs, core: (*Service).groupedNotifications}

// groupedNotifications is _get_and_group_chat_notifications: the
// notifications c's user is a recipient of, with their full messages,
// grouped by the message's room, rooms ordered by creation time, newest
// first, within the connect's limits (pendingNotifications).
func (s *Service) groupedNotifications(ctx context.Context, call opCall, _ NotificationsIn) (payload.NotificationGroups, error) {
	p, views, err := s.pendingNotifications(ctx, call.Tx, call.Caller)
	if err != nil {
		return nil, err
	}
	s.request(ctx).noteCut(p.Cut)
	out := payload.NotificationGroups{}
	for _, q := range p.Notifications {
		if len(out) == 0 || out[len(out)-1].RoomID != q.Message.RoomID {
			out = append(out, payload.NotificationGroup{RoomID: q.Message.RoomID})
		}
		g := &out[len(out)-1]
		g.Notifications = append(g.Notifications, payload.Notification{ID: q.ID, NotificationType: q.Type, Message: views[q.MessageID]})
	}
	return out, nil
}

// pendingNotifications reads what a connect of c sends: c's pending
// notifications, the newest ConnectNotificationsPerRoom of each room, and
// of those no more than a frame of MaxFrameBytes may hold (with the one
// that crosses it, for the exact cut: notificationsFrame), and their
// messages' views; in a fixed number of statements however long the
// backlog, so that neither the time nor the memory a connect takes grows
// with it beyond what the frame carries.
func (s *Service) pendingNotifications(ctx context.Context, tx *store.Tx, c Caller) (store.Pending, map[string]*wire.MessageView, error) {
	p, err := tx.PendingNotifications(ctx, c.Tenant, c.UserID,
		store.PendingLimits{PerRoom: s.cfg.ConnectNotificationsPerRoom, Bytes: int64(s.maxFrameBytes())})
	if err != nil {
		return store.Pending{}, nil, err
	}
	rows := make([]store.Message, len(p.Notifications))
	for i, q := range p.Notifications {
		rows[i] = q.Message
	}
	views, err := wire.SerializeRows(ctx, tx, rows)
	return p, views, err
}
