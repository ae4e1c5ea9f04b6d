package chatwasm

import (
	"fmt"

	"github.com/chatwasm/chatwasm/abi"
)

// EmitToRoom sends {"type":"broadcast_group","eventType":eventType,
// "data":data} to every connection of the room's members once the
// operation commits, never if it fails (capability events.emit).
func (c Call) EmitToRoom(roomID, eventType string, data any) error {
	return emit(abi.Event{To: abi.ToRoom, RoomID: roomID, EventType: eventType}, data)
}

// EmitToUser sends the event to every connection of one user once the
// operation commits (capability events.emit).
func (c Call) EmitToUser(userID int64, eventType string, data any) error {
	return emit(abi.Event{To: abi.ToUser, UserID: userID, EventType: eventType}, data)
}

func emit(ev abi.Event, data any) error {
	b, err := encode(data)
	if err != nil {
		return fmt.Errorf("chatwasm: emit %s: %w", ev.EventType, err)
	}
	ev.Data = b
	return invoke(abi.ImportEmit, ev, nil)
}

// Level is the level of a log record.
type Level string

// The log levels.
const (
	LevelDebug Level = "debug"
	LevelInfo  Level = "info"
	LevelWarn  Level = "warn"
	LevelError Level = "error"
)

// Log writes a record to the server's log, with the module, hook and tenant
// attached (capability log). args are alternating keys and values, as for
// log/slog: c.Log(chatwasm.LevelWarn, "webhook failed", "status", 500).
// Logging is best effort: a module may ignore the error.
func (c Call) Log(level Level, msg string, args ...any) error {
	return invoke(abi.ImportLog, abi.LogRequest{Level: string(level), Message: msg, Attrs: attrs(args)}, nil)
}

// attrs pairs alternating keys and values as log/slog does: a key that is
// not a string, or lacks a value, is logged under "!BADKEY".
func attrs(args []any) map[string]any {
	if len(args) == 0 {
		return nil
	}
	m := make(map[string]any, len(args)/2+1)
	for i := 0; i < len(args); i++ {
		key, ok := args[i].(string)
		if !ok || i+1 == len(args) {
			m["!BADKEY"] = args[i]
			continue
		}
		m[key] = args[i+1]
		i++
	}
	return m
}
