package payload

import (
	"encoding/json"
	"slices"
)

// Serialized messages and rooms may carry members this package does not
// name: those a serializer module added, or those of a newer host. A hook
// that decodes such an object and returns it must not drop them, so Message
// and Room keep them in Extra and write them back with these helpers.

// decodeObject decodes the JSON object data into fields (a pointer to a
// struct type without JSON methods of its own) and returns the members
// whose names known does not list.
func decodeObject(data []byte, fields any, known []string) (map[string]json.RawMessage, error) {
	if err := json.Unmarshal(data, fields); err != nil {
		return nil, err
	}
	var all map[string]json.RawMessage
	if err := json.Unmarshal(data, &all); err != nil {
		return nil, err
	}
	var extra map[string]json.RawMessage
	for k, v := range all {
		if !slices.Contains(known, k) {
			if extra == nil {
				extra = make(map[string]json.RawMessage)
			}
			extra[k] = v
		}
	}
	return extra, nil
}

// objectWriter adds members to an encoded JSON object, in order.
type objectWriter struct {
	b   []byte
	err error
}

// appendObject continues the encoded object obj ("{...}") with more members.
func appendObject(obj []byte, err error) *objectWriter {
	if err != nil {
		return &objectWriter{err: err}
	}
	return &objectWriter{b: obj[:len(obj)-1]}
}

// raw writes the member name with value already encoded.
func (w *objectWriter) raw(name string, value json.RawMessage) {
	if len(w.b) > 1 {
		w.b = append(w.b, ',')
	}
	k, _ := json.Marshal(name) // a string always encodes
	w.b = append(w.b, k...)
	w.b = append(w.b, ':')
	if len(value) == 0 {
		value = json.RawMessage("null")
	}
	w.b = append(w.b, value...)
}

// extra writes the members of extra that known does not list, by name.
func (w *objectWriter) extra(extra map[string]json.RawMessage, known []string) {
	for _, k := range extraNames(extra, known) {
		w.raw(k, extra[k])
	}
}

// extraNames are the keys of extra that known does not list, sorted.
func extraNames(extra map[string]json.RawMessage, known []string) []string {
	names := make([]string, 0, len(extra))
	for k := range extra {
		if !slices.Contains(known, k) {
			names = append(names, k)
		}
	}
	slices.Sort(names)
	return names
}

// bytes ends the object.
func (w *objectWriter) bytes() ([]byte, error) {
	if w.err != nil {
		return nil, w.err
	}
	return append(w.b, '}'), nil
}

// orEmpty makes a nil list encode as [], as lists always are on the wire.
func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
