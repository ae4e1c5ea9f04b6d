package field

import (
	"bytes"
	"encoding/json"
	"math/big"
)

// IsNull reports whether a present value is JSON null.
func IsNull(raw json.RawMessage) bool { return string(bytes.TrimSpace(raw)) == "null" }

// IsAbsent reports whether an optional value is absent or JSON null: what
// Python reads as None.
func IsAbsent(b json.RawMessage) bool {
	return len(b) == 0 || string(b) == "null"
}

// RawObject decodes a JSON object into its members. ok is false when raw is
// not an object.
func RawObject(raw json.RawMessage) (map[string]json.RawMessage, bool) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || raw[0] != '{' {
		return nil, false
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, false
	}
	return m, true
}

// Truthy reports whether a JSON value is truthy in Python's sense: not
// absent, null, false, 0, "", [] or {}.
func Truthy(raw json.RawMessage) bool {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return false
	}
	switch raw[0] {
	case 'n', 'f':
		return false
	case '"':
		return string(raw) != `""`
	case '[', '{':
		var v []any
		if raw[0] == '[' {
			return json.Unmarshal(raw, &v) == nil && len(v) > 0
		}
		var m map[string]any
		return json.Unmarshal(raw, &m) == nil && len(m) > 0
	}
	f, ok := new(big.Float).SetString(string(raw))
	return !ok || f.Sign() != 0
}
