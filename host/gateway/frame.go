package gateway

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/chatwasm/chatwasm/host/chat/wire"
)

// Validation messages of frames that never reach an operation (docs/decisions.md:
// a 4003 error frame, the socket stays open).
const (
	msgBinaryFrame = "Binary frames are not supported: send JSON text frames"
	msgNotObject   = "Frame must be a JSON object"
)

func msgTooLarge(limit int64) string {
	return fmt.Sprintf("Frame exceeds the maximum size of %d bytes", limit)
}

// decodeFrame parses a text frame. A frame that is not a JSON object is a
// 4003 *wire.Error. eventType is "" when event_type is missing or is not a
// string, which the service answers as an unknown event.
//
// The frame is read as a map, not into a struct: encoding/json matches
// struct fields without regard to case, and the reference reads exactly
// "event_type" and "data" ({"EVENT_TYPE": ...} is an unknown event there).
func decodeFrame(payload []byte) (eventType string, data json.RawMessage, err error) {
	var f map[string]json.RawMessage
	if err := json.Unmarshal(payload, &f); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return "", nil, wire.Validation(msgNotObject)
		}
		return "", nil, wire.Validation("Malformed JSON: " + err.Error())
	}
	// null decodes into the struct without error but is not an object.
	if t := bytes.TrimLeft(payload, " \t\r\n"); len(t) == 0 || t[0] != '{' {
		return "", nil, wire.Validation(msgNotObject)
	}
	if et := f["event_type"]; len(et) > 0 && et[0] == '"' {
		if err := json.Unmarshal(et, &eventType); err != nil {
			eventType = ""
		}
	}
	return eventType, f["data"], nil
}

// errorFrame encodes {"error": {"code": ..., "detail": ...}}.
func errorFrame(e *wire.Error) ([]byte, error) {
	type body struct {
		Code   int `json:"code"`
		Detail any `json:"detail"`
	}
	b, err := json.Marshal(struct {
		Error body `json:"error"`
	}{body{e.Code, e.Detail}})
	if err != nil {
		return nil, fmt.Errorf("gateway: encode error frame %d: %w", e.Code, err)
	}
	return b, nil
}

// internalErrorFrame is the 4006 frame, pre-encoded: it is the fallback when
// another error frame cannot be encoded.
var internalErrorFrame = []byte(`{"error":{"code":4006,"detail":"Internal server error."}}`)

// invalidEventFrame answers a missing or unknown event_type (docs/protocol.md §3:
// a plain string, not the object form).
var invalidEventFrame = []byte(`{"error":"invalid event type"}`)
