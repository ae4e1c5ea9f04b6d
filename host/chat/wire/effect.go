package wire

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"sync"
)

// Group names of the fan-out layer (docs/protocol.md §1.14).

// UserGroup is the group of all of a user's connections.
func UserGroup(userID int64) string { return fmt.Sprintf("user-%d", userID) }

// RoomGroup is the group of every connection of a room's members.
func RoomGroup(roomID string) string { return roomGroupPrefix + roomID }

const roomGroupPrefix = "group-"

// RoomOfGroup returns the room id of a RoomGroup; ok is false for another
// group.
func RoomOfGroup(group string) (roomID string, ok bool) {
	roomID, ok = strings.CutPrefix(group, roomGroupPrefix)
	if !ok || roomID == "" {
		return "", false
	}
	return roomID, true
}

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
	// Changed tells every node that the stored standing of members in room
	// RoomID changed where no frame to the room says so (a module's
	// room_modify import), for the state nodes keep per room
	// (chat.AccessCache). No client sees it.
	Changed
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
	if a, ok := data.(jsonAppender); ok && !nilPointer(data) {
		return sendAppended(group, eventType, a)
	}
	b, err := json.Marshal(broadcast{Type: "broadcast_group", EventType: eventType, Data: data})
	if err != nil {
		return Effect{}, fmt.Errorf("chat: encode %s: %w", eventType, err)
	}
	return Effect{Kind: Send, Group: group, Frame: b}, nil
}

// jsonAppender is data that writes its own JSON, the bytes json.Marshal
// would write, as abi/payload's results holding messages do: encoding/json
// would re-read each message's encoding.
type jsonAppender interface {
	AppendJSON(dst []byte) ([]byte, error)
}

// sendAppended is SendTo for data that appends its own JSON: the same
// envelope, written directly.
func sendAppended(group, eventType string, data jsonAppender) (Effect, error) {
	ev, err := json.Marshal(eventType)
	if err != nil {
		return Effect{}, fmt.Errorf("chat: encode %s: %w", eventType, err)
	}
	buf := frameBufs.Get().(*[]byte)
	defer frameBufs.Put(buf)
	b := append((*buf)[:0], `{"type":"broadcast_group","eventType":`...)
	b = append(b, ev...)
	b = append(b, `,"data":`...)
	if b, err = data.AppendJSON(b); err != nil {
		return Effect{}, fmt.Errorf("chat: encode %s: %w", eventType, err)
	}
	b = append(b, '}')
	*buf = b
	return Effect{Kind: Send, Group: group, Frame: bytes.Clone(b)}, nil
}

// nilPointer reports whether v is a nil pointer, which json.Marshal writes
// as null where its AppendJSON method could not be called.
func nilPointer(v any) bool {
	r := reflect.ValueOf(v)
	return r.Kind() == reflect.Pointer && r.IsNil()
}

// frameBufs are the buffers frames are appended in, kept between frames as
// encoding/json keeps its own: a history page grows one to megabytes.
var frameBufs = sync.Pool{New: func() any { return new([]byte) }}

// Direct builds a Send of an already shaped frame to the requesting
// connection only (heartbeat reply).
func Direct(frame any) (Effect, error) {
	b, err := json.Marshal(frame)
	if err != nil {
		return Effect{}, fmt.Errorf("chat: encode frame: %w", err)
	}
	return Effect{Kind: Send, Frame: b}, nil
}
