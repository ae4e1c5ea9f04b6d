package field

import (
	"bytes"
	"encoding/json"
	"errors"
	"math/big"
	"strconv"
	"strings"

	"github.com/chatwasm/chatwasm/host/chat/wire"
)

// The message actions validate their payloads the way the reference's DRF
// serializers do, with DRF's stock messages (docs/protocol.md §3); they share the
// field validators of room_fields.go and add the few below.

// JsonKind names the JSON type of raw in Python's terms, for DRF messages
// such as "Expected a dictionary, but got list.".
func JsonKind(raw json.RawMessage) string {
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

// BigIntField is a DRF IntegerField with min_value 0 (a PositiveBigIntegerField):
// integers, integral floats and numeric strings are accepted.
func BigIntField(raw json.RawMessage) (int64, string) {
	if IsNull(raw) {
		return 0, MsgNotNull
	}
	var s string
	switch JsonKind(raw) {
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

// ChoiceValue renders a value as Python's str() would, for DRF's
// "\"<v>\" is not a valid choice.".
func ChoiceValue(raw json.RawMessage) string {
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

// PkField parses a primary-key field (parent_message_id, ...): nil when
// absent or null, else the canonical UUID, or the DRF/Django message.
func PkField(raw json.RawMessage) (*string, string) {
	if raw == nil || IsNull(raw) {
		return nil, ""
	}
	id, ok, err := IdArg(raw)
	if err != nil {
		// idArg reports a malformed UUID as a 4003 whose one message is
		// Django's; as a field error it becomes that field's message.
		var ce *wire.Error
		if errors.As(err, &ce) {
			if msgs, isMsgs := ce.Detail.([]string); isMsgs && len(msgs) == 1 {
				return nil, msgs[0]
			}
		}
		return nil, "Invalid pk value."
	}
	if !ok {
		return nil, "Incorrect type. Expected pk value, received " + JsonKind(raw) + "."
	}
	return &id, ""
}

// InvalidPK is DRF's message for a primary key that matches no (accessible)
// object.
func InvalidPK(id string) string {
	return "Invalid pk " + strconv.Quote(id) + " - object does not exist."
}
