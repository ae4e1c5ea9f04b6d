package wire

import (
	"encoding/json"
	"fmt"
)

// Group names of the fan-out layer (docs/protocol.md §1.14).

// UserGroup is the group of all of a user's connections.
func UserGroup(userID int64) string { return fmt.Sprintf("user-%d", userID) }

// RoomGroup is the group of every connection of a room's members.
func RoomGroup(roomID string) string { return "group-" + roomID }

// EffectKind says what an Effect does.
type EffectKind int

const (
	// Send delivers Frame to every connection in Group (or only to the
	// requesting connection when Group is empty).
	Send EffectKind = iota
	// Subscribe adds every live connection of UserID to RoomGroup(RoomID).
	Subscribe
	// Unsubscribe removes every connection of UserID from RoomGroup(RoomID).
	Unsubscribe
)

// Effect is one thing the gateway must do after an operation committed. An
// operation returns its effects in the order the reference performs them
// (e.g. unsubscribe, then roomexit, then roomremovemembers).
type Effect struct {
	Kind EffectKind
	// Group is the target of a Send; "" means the requesting connection only.
	Group string
	// Frame is the complete, encoded server frame of a Send.
	Frame json.RawMessage
	// UserID and RoomID are the subject of a Subscribe or Unsubscribe.
	UserID int64
	RoomID string
}

// broadcast is the envelope of every group-delivered frame; the "type" key is
// kept for wire compatibility (docs/protocol.md §7.1.5).
type broadcast struct {
	Type      string `json:"type"`
	EventType string `json:"eventType"`
	Data      any    `json:"data"`
}

// SendTo builds a Send of eventType with data to group, in the
// {"type":"broadcast_group","eventType":...,"data":...} envelope.
func SendTo(group, eventType string, data any) (Effect, error) {
	b, err := json.Marshal(broadcast{Type: "broadcast_group", EventType: eventType, Data: data})
	if err != nil {
		return Effect{}, fmt.Errorf("chat: encode %s: %w", eventType, err)
	}
	return Effect{Kind: Send, Group: group, Frame: b}, nil
}

// Direct builds a Send of an already shaped frame to the requesting
// connection only (heartbeat reply).
func Direct(frame any) (Effect, error) {
	b, err := json.Marshal(frame)
	if err != nil {
		return Effect{}, fmt.Errorf("chat: encode frame: %w", err)
	}
	return Effect{Kind: Send, Frame: b}, nil
}
