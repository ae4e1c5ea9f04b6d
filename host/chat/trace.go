package chat

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"

	"github.com/chatwasm/chatwasm/host/chat/wire"
)

// traceHandle is handle in an operation span: its event type, caller,
// request id, the room it acts on and its result (as the gateway's debug
// line of the operation gives them), with an error status when it fails.
// The hook calls and transactions of the request are its children.
func (s *Service) traceHandle(ctx context.Context, c Caller, eventType string, data json.RawMessage) ([]wire.Effect, error) {
	// A client chooses the event types the server does not know: the span
	// name stays one of a known few.
	name := "custom action"
	if _, ok := byEvent[eventType]; ok {
		name = eventType
	}
	ctx, span := s.tracer.Operation(ctx, name, eventType, c.UserID, c.Tenant)
	if span.Recording() {
		// The room as sent, for a refused action; the one the checks
		// resolved replaces it (operation.handle).
		var d struct {
			RoomID string `json:"room_id"`
		}
		if json.Unmarshal(data, &d) == nil { // informational: a frame may name none, or not as a string
			span.Room(d.RoomID)
		}
	}
	eff, err := s.handle(ctx, c, eventType, data)
	span.EndOperation(result(err), err)
	return eff, err
}

// result is the result of an action that returned err, as the gateway
// answers it: "ok", the error frame's code, or "invalid event type".
func result(err error) string {
	var ce *wire.Error
	switch {
	case err == nil:
		return "ok"
	case errors.Is(err, wire.ErrUnknownEvent):
		return "invalid event type"
	case errors.As(err, &ce):
		return strconv.Itoa(ce.Code)
	default:
		return strconv.Itoa(wire.CodeInternal)
	}
}
