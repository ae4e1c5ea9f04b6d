package wire

import (
	"encoding/json"
	"fmt"
)

// NotificationView is a serialized ChatNotification (docs/protocol.md §2.6);
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
	fs := make([]field, len(g))
	for i, grp := range g {
		v, err := json.Marshal(grp.Notifications)
		if err != nil {
			return nil, err
		}
		fs[i] = field{grp.RoomID, v}
	}
	return encodeFields(fs)
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
