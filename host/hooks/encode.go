package hooks

import (
	"encoding/json"
	"reflect"
)

// encode returns json.Marshal(v). For a v that is a json.Marshaler (an
// operation's output is: chat's withExtras) it calls MarshalJSON itself and
// keeps its bytes when they are already what json.Marshal would make of them
// (compact, with <, >, &, U+2028 and U+2029 escaped): json.Marshal would
// otherwise copy them through its scanner once more, a second full pass over
// a payload that, for a message, was just compacted by the json.Marshal
// inside MarshalJSON. Marshalers are host code, trusted to write valid JSON,
// which json.Marshal would check again.
func encode[T any](v T) ([]byte, error) {
	m, ok := any(v).(json.Marshaler)
	if !ok || nilPointer(v) {
		return json.Marshal(v)
	}
	b, err := m.MarshalJSON()
	if err != nil || !compactEscaped(b) {
		// json.Marshal's own error (a *json.MarshalerError) or its rewrite.
		return json.Marshal(v)
	}
	return b, nil
}

// nilPointer reports whether v is a nil pointer, which json.Marshal encodes
// as null without calling its MarshalJSON.
func nilPointer(v any) bool {
	r := reflect.ValueOf(v)
	return r.Kind() == reflect.Pointer && r.IsNil()
}

// compactEscaped reports whether the JSON text b has no white space outside
// its strings and nothing that json.Marshal escapes inside them (<, >, &,
// U+2028, U+2029), so that json.Marshal's compaction would leave it as it
// is.
func compactEscaped(b []byte) bool {
	inString, escaped := false, false
	for i, c := range b {
		switch {
		case c == '<' || c == '>' || c == '&':
			return false
		case c == 0xE2 && i+2 < len(b) && b[i+1] == 0x80 && b[i+2]&^1 == 0xA8:
			return false
		case inString:
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
		case c == '"':
			inString = true
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			return false
		}
	}
	return !inString
}
