package chat

import (
	"context"

	"github.com/chatwasm/chatwasm/abi"
	"github.com/chatwasm/chatwasm/host/chat/wire"
)

// groupNotifications is get_and_group_chat_notifications, which Connect
// runs.
var groupNotifications = &operation[NotificationsIn, wire.NotificationGroups]{
	name: abi.OpGetAndGroupNotifs, core: (*Service).groupedNotifications}

// groupedNotifications is _get_and_group_chat_notifications: every
// notification c's user is a recipient of, with its full message, grouped by
// the message's room, rooms ordered by creation time, newest first.
func (s *Service) groupedNotifications(ctx context.Context, call opCall, _ NotificationsIn) (wire.NotificationGroups, error) {
	tx, c := call.Tx, call.Caller
	pending, err := tx.PendingNotifications(ctx, c.Tenant, c.UserID)
	if err != nil {
		return nil, err
	}
	ids := make([]string, 0, len(pending))
	seen := map[string]bool{}
	for _, p := range pending {
		if !seen[p.MessageID] {
			seen[p.MessageID] = true
			ids = append(ids, p.MessageID)
		}
	}
	views, err := wire.SerializeMessages(ctx, tx, ids)
	if err != nil {
		return nil, err
	}
	byID := make(map[string]*wire.MessageView, len(views))
	for _, v := range views {
		byID[v.ID] = v
	}
	out := wire.NotificationGroups{}
	for _, p := range pending {
		if len(out) == 0 || out[len(out)-1].RoomID != p.RoomID {
			out = append(out, wire.NotificationGroup{RoomID: p.RoomID})
		}
		g := &out[len(out)-1]
		g.Notifications = append(g.Notifications, wire.NotificationView{ID: p.ID, NotificationType: p.Type, Message: byID[p.MessageID]})
	}
	return out, nil
}
