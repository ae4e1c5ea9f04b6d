package chat

import (
	"bytes"
	"encoding/json"
	"errors"
	"math/big"
	"strconv"
	"strings"
)

// The message actions validate their payloads the way the reference's DRF
// serializers do, with DRF's stock messages (PROTOCOL.md §3); they share the
// field validators of room_fields.go and add the few below.

// jsonKind names the JSON type of raw in Python's terms, for DRF messages
// such as "Expected a dictionary, but got list.".
func jsonKind(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return "NoneType"
	}
	switch raw[0] {
	case 'n':
		return "NoneType"
	case 't', 'f':
		return "bool"
	case '"':
		return "str"
	case '[':
		return "list"
	case '{':
		return "dict"
	}
	if bytes.ContainsAny(raw, ".eE") {
		return "float"
	}
	return "int"
}

// bigIntField is a DRF IntegerField with min_value 0 (a PositiveBigIntegerField):
// integers, integral floats and numeric strings are accepted.
func bigIntField(raw json.RawMessage) (int64, string) {
	if isNull(raw) {
		return 0, msgNotNull
	}
	var s string
	switch jsonKind(raw) {
	case "str":
		if err := json.Unmarshal(raw, &s); err != nil {
			return 0, msgNotInt
		}
		s = strings.TrimSpace(s)
	case "int", "float":
		s = string(bytes.TrimSpace(raw))
	default:
		return 0, msgNotInt
	}
	f, ok := new(big.Float).SetString(s)
	if !ok || !f.IsInt() {
		return 0, msgNotInt
	}
	n, _ := f.Int(nil)
	if n.Sign() < 0 {
		return 0, "Ensure this value is greater than or equal to 0."
	}
	if !n.IsInt64() {
		return 0, "Ensure this value is less than or equal to 9223372036854775807."
	}
	return n.Int64(), ""
}

// choiceValue renders a value as Python's str() would, for DRF's
// "\"<v>\" is not a valid choice.".
func choiceValue(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	switch string(bytes.TrimSpace(raw)) {
	case "true":
		return "True"
	case "false":
		return "False"
	}
	return string(bytes.TrimSpace(raw))
}

// pkField parses a primary-key field (parent_message_id, ...): nil when
// absent or null, else the canonical UUID, or the DRF/Django message.
func pkField(raw json.RawMessage) (*string, string) {
	if raw == nil || isNull(raw) {
		return nil, ""
	}
	id, ok, err := idArg(raw)
	if err != nil {
		// idArg reports a malformed UUID as a 4003 whose one message is
		// Django's; as a field error it becomes that field's message.
		var ce *Error
		if errors.As(err, &ce) {
			if msgs, isMsgs := ce.Detail.([]string); isMsgs && len(msgs) == 1 {
				return nil, msgs[0]
			}
		}
		return nil, "Invalid pk value."
	}
	if !ok {
		return nil, "Incorrect type. Expected pk value, received " + jsonKind(raw) + "."
	}
	return &id, ""
}

// invalidPK is DRF's message for a primary key that matches no (accessible)
// object.
func invalidPK(id string) string {
	return "Invalid pk " + strconv.Quote(id) + " - object does not exist."
}
