package chat

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"

	"github.com/chatwasm/chatwasm/host/store"
)

// NotificationView is a serialized ChatNotification (PROTOCOL.md §2.6);
// recipients are never exposed.
type NotificationView struct {
	ID               string       `json:"id"`
	NotificationType string       `json:"notification_type"`
	Message          *MessageView `json:"message"`
}

// NotificationGroup is one room's pending notifications.
type NotificationGroup struct {
	RoomID        string             `json:"room_id"`
	Notifications []NotificationView `json:"notifications"`
}

// NotificationGroups is the data of chat.notifications: room id →
// notifications. It is a slice, not a map, because the reference orders the
// rooms (newest room first) and a Go map would lose that order in JSON.
type NotificationGroups []NotificationGroup

// MarshalJSON encodes the groups as one object keyed by room id, in order.
func (g NotificationGroups) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, grp := range g {
		if i > 0 {
			b.WriteByte(',')
		}
		k, err := json.Marshal(grp.RoomID)
		if err != nil {
			return nil, err
		}
		v, err := json.Marshal(grp.Notifications)
		if err != nil {
			return nil, err
		}
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// UnmarshalJSON implements json.Unmarshaler, keeping the rooms in the
// order of the object's keys.
func (g *NotificationGroups) UnmarshalJSON(b []byte) error {
	fs, err := objectFields(b)
	if err != nil {
		return err
	}
	out := make(NotificationGroups, 0, len(fs))
	for _, f := range fs {
		grp := NotificationGroup{RoomID: f.key}
		if err := json.Unmarshal(f.val, &grp.Notifications); err != nil {
			return fmt.Errorf("notifications of room %s: %w", f.key, err)
		}
		out = append(out, grp)
	}
	*g = out
	return nil
}

// groupedNotifications is _get_and_group_chat_notifications: every
// notification c's user is a recipient of, with its full message, grouped by
// the message's room, rooms ordered by creation time, newest first.
func (s *Service) groupedNotifications(ctx context.Context, tx *store.Tx, c Caller, _ NotificationsIn) (NotificationGroups, error) {
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
	views, err := serializeMessages(ctx, tx, ids)
	if err != nil {
		return nil, err
	}
	byID := make(map[string]*MessageView, len(views))
	for _, v := range views {
		byID[v.ID] = v
	}
	out := NotificationGroups{}
	for _, p := range pending {
		if len(out) == 0 || out[len(out)-1].RoomID != p.RoomID {
			out = append(out, NotificationGroup{RoomID: p.RoomID})
		}
		g := &out[len(out)-1]
		g.Notifications = append(g.Notifications, NotificationView{ID: p.ID, NotificationType: p.Type, Message: byID[p.MessageID]})
	}
	return out, nil
}

// notify is create_chat_notification: when notifications are enabled, one
// notification of typ for messageID whose recipients are the room's members
// except the actor. With no one to notify nothing is stored: such a row
// could never be delivered nor acknowledged (the reference keeps it forever).
func (s *Service) notify(ctx context.Context, tx *store.Tx, roomID, messageID, typ string, actor int64) error {
	if !s.cfg.Notifications {
		return nil
	}
	_, _, err := tx.NotifyRoom(ctx, roomID, messageID, typ, actor)
	return err
}
