package wire

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
)

// Modules may add fields to the messages and rooms clients receive: a
// serializer hook returns the fields to add, and an extend or replace layer
// may return an output whose objects carry keys the host does not know.
// Those fields travel as Extra (key → raw JSON value) beside the typed ones,
// and are written back by their objects' own encoding (abi/payload). A
// room's writes every extra value, in place of a named key's where it names
// one. A message's writes only the keys it does not name, after the named
// ones; a module may also replace a named key's value (a serializer hook
// rewriting content, say), so the frames are patched by message id as well
// (PatchMessages), which puts every extra value in place.

// field is one member of a JSON object, in document order.
type field struct {
	key string
	val json.RawMessage
}

// objectFields parses a JSON object into its members, in order.
func objectFields(b []byte) ([]field, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, fmt.Errorf("chat: not a JSON object: %.40s", b)
	}
	var out []field
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("chat: JSON object: %w", err)
		}
		key, _ := tok.(string)
		var val json.RawMessage
		if err := dec.Decode(&val); err != nil {
			return nil, fmt.Errorf("chat: JSON object member %q: %w", key, err)
		}
		out = append(out, field{key, val})
	}
	return out, nil
}

// encodeFields writes members back as one JSON object.
func encodeFields(fs []field) ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, f := range fs {
		if i > 0 {
			b.WriteByte(',')
		}
		k, err := json.Marshal(f.key)
		if err != nil {
			return nil, err
		}
		b.Write(k)
		b.WriteByte(':')
		if err := json.Compact(&b, f.val); err != nil {
			return nil, fmt.Errorf("chat: JSON object member %q: %w", f.key, err)
		}
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// mergeInto returns fs with extra's members: a member fs has keeps its
// position and takes extra's value, new ones follow in key order.
func mergeInto(fs []field, extra map[string]json.RawMessage) []field {
	have := make(map[string]bool, len(fs))
	for i := range fs {
		have[fs[i].key] = true
		if v, ok := extra[fs[i].key]; ok {
			fs[i].val = v
		}
	}
	keys := make([]string, 0, len(extra))
	for k := range extra {
		if !have[k] {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		fs = append(fs, field{k, extra[k]})
	}
	return fs
}

// DiffFields returns the members of the object after that before lacks or
// has with another value: what a serializer hook added to before.
func DiffFields(before, after []byte) (map[string]json.RawMessage, error) {
	if bytes.Equal(before, after) {
		return nil, nil
	}
	bf, err := objectFields(before)
	if err != nil {
		return nil, err
	}
	af, err := objectFields(after)
	if err != nil {
		return nil, err
	}
	old := make(map[string][]byte, len(bf))
	for _, f := range bf {
		old[f.key] = CompactJSON(f.val)
	}
	var out map[string]json.RawMessage
	for _, f := range af {
		if v, ok := old[f.key]; ok && bytes.Equal(v, CompactJSON(f.val)) {
			continue
		}
		if out == nil {
			out = map[string]json.RawMessage{}
		}
		out[f.key] = f.val
	}
	return out, nil
}

// CompactJSON is raw without insignificant whitespace, or raw itself when
// it is not valid JSON.
func CompactJSON(raw []byte) []byte {
	var b bytes.Buffer
	if json.Compact(&b, raw) != nil {
		return raw
	}
	return b.Bytes()
}

// PatchMessages writes the extra fields of messages (by message id) into
// every serialized message found in the JSON document b, at any depth: the
// objects whose "id" is one of extras' keys. Room, user and notification
// ids never collide with message ids (UUIDs, or integers for users).
func PatchMessages(b []byte, extras map[string]map[string]json.RawMessage) ([]byte, error) {
	present := false
	for id := range extras {
		if bytes.Contains(b, []byte(id)) {
			present = true
			break
		}
	}
	if !present {
		return b, nil
	}
	out, _, err := patchValue(b, extras)
	return out, err
}

func patchValue(v []byte, extras map[string]map[string]json.RawMessage) ([]byte, bool, error) {
	t := bytes.TrimSpace(v)
	if len(t) == 0 {
		return v, false, nil
	}
	switch t[0] {
	case '{':
		fs, err := objectFields(t)
		if err != nil {
			return nil, false, err
		}
		changed := false
		var id string
		for i := range fs {
			if fs[i].key == "id" {
				_ = json.Unmarshal(fs[i].val, &id) // a non-string id is no message's
			}
			nv, ch, err := patchValue(fs[i].val, extras)
			if err != nil {
				return nil, false, err
			}
			if ch {
				fs[i].val, changed = nv, true
			}
		}
		if ex, ok := extras[id]; ok && id != "" {
			fs, changed = mergeInto(fs, ex), true
		}
		if !changed {
			return v, false, nil
		}
		out, err := encodeFields(fs)
		return out, true, err
	case '[':
		var items []json.RawMessage
		if err := json.Unmarshal(t, &items); err != nil {
			return nil, false, err
		}
		changed := false
		for i := range items {
			nv, ch, err := patchValue(items[i], extras)
			if err != nil {
				return nil, false, err
			}
			if ch {
				items[i], changed = nv, true
			}
		}
		if !changed {
			return v, false, nil
		}
		out, err := json.Marshal(items)
		return out, true, err
	}
	return v, false, nil
}
