package payload

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// NotificationsArgs are the args of get_and_group_chat_notifications:
// nothing beyond the caller, whose pending notifications it returns
// (NotificationGroups).
type NotificationsArgs struct{}

// Notification is a serialized chat notification, as render_notification
// and chat.notifications show it; its recipients are never exposed.
type Notification struct {
	ID string `json:"id"`
	// NotificationType is e.g. "NEW_MESSAGE".
	NotificationType string `json:"notification_type"`
	// Message is the notified message (null when a module returns none).
	Message *Message `json:"message"`
}

// NotificationGroup is one room's pending notifications.
type NotificationGroup struct {
	RoomID        string
	Notifications []Notification
}

// NotificationGroups is what get_and_group_chat_notifications returns, the
// data of chat.notifications: one JSON object from room id to the room's
// notifications, rooms newest first. It is a slice rather than a map so
// that the order of the rooms survives decoding and encoding.
type NotificationGroups []NotificationGroup

// MarshalJSON implements json.Marshaler: it is AppendJSON.
func (g NotificationGroups) MarshalJSON() ([]byte, error) { return g.AppendJSON(nil) }

// AppendJSON appends g's JSON to dst, the bytes json.Marshal writes for
// it: one object keyed by room id, in the groups' order, each room's
// notifications an array (null when nil).
func (g NotificationGroups) AppendJSON(dst []byte) ([]byte, error) {
	var err error
	dst = append(dst, '{')
	for i := range g {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(appendString(dst, g[i].RoomID), ':')
		ns := g[i].Notifications
		if ns == nil {
			dst = append(dst, "null"...)
			continue
		}
		dst = append(dst, '[')
		for j := range ns {
			if j > 0 {
				dst = append(dst, ',')
			}
			dst = append(dst, `{"id":`...)
			dst = appendString(dst, ns[j].ID)
			dst = append(dst, `,"notification_type":`...)
			dst = appendString(dst, ns[j].NotificationType)
			dst = append(dst, `,"message":`...)
			if ns[j].Message == nil {
				dst = append(dst, "null"...)
			} else if dst, err = ns[j].Message.AppendJSON(dst); err != nil {
				return nil, err
			}
			dst = append(dst, '}')
		}
		dst = append(dst, ']')
	}
	return append(dst, '}'), nil
}

// UnmarshalJSON implements json.Unmarshaler, keeping the rooms in the
// order of the object's keys.
func (g *NotificationGroups) UnmarshalJSON(data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return fmt.Errorf("notification groups: not a JSON object: %.40s", data)
	}
	out := NotificationGroups{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return fmt.Errorf("notification groups: %w", err)
		}
		grp := NotificationGroup{RoomID: tok.(string)} // an object's keys are strings
		if err := dec.Decode(&grp.Notifications); err != nil {
			return fmt.Errorf("notifications of room %s: %w", grp.RoomID, err)
		}
		out = append(out, grp)
	}
	*g = out
	return nil
}
