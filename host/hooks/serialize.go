package hooks

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/chatwasm/chatwasm/abi"
)

// Serialize runs the serializer hook hook (abi.SerializeMessageHook or
// abi.SerializeRoomHook) on obj, a serialized message or room, and returns
// it with the fields every subscribed module of call.Tenant added, in module
// order (a later module's value for a key wins). Keys listed by
// abi.ProtectedFields are never changed. form is the room form ("detail" or
// "list"), "" for messages. Without a module, obj is returned as it is.
//
// Serializer hooks have no next: each module returns only its own fields.
func (s *Set) Serialize(ctx context.Context, hook string, call CallInfo, form string, obj []byte) ([]byte, error) {
	if !s.Has(call.Tenant, hook) {
		return obj, nil
	}
	h, ok := abi.LookupHook(hook)
	if !ok || h.Kind != abi.Serializer {
		return nil, &Error{Hook: hook, Wire: abi.ErrInternal(), Err: errors.New("hooks: not a serializer hook")}
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(obj, &fields); err != nil {
		return nil, &Error{Hook: hook, Wire: abi.ErrInternal(), Err: fmt.Errorf("hooks: serialized object: %w", err)}
	}
	protected := abi.ProtectedFields(h.Subject)
	changed := false
	for i, m := range s.byHook[hook] {
		if !m.appliesTo(call.Tenant) {
			continue
		}
		args, err := json.Marshal(abi.SerializeArgs{Form: form, Object: obj})
		if err != nil {
			return nil, &Error{Module: m.spec.Name, Hook: hook, Wire: abi.ErrInternal(), Err: err}
		}
		out, err := s.invoke(ctx, &frame{set: s, m: m, hook: h, call: &call, idx: i, in: args, single: true,
			next: func(context.Context, []byte) ([]byte, error) { return []byte("{}"), nil }})
		if err != nil {
			return nil, err
		}
		var add map[string]json.RawMessage
		if len(out) > 0 {
			if err := json.Unmarshal(out, &add); err != nil {
				m.log.ErrorContext(ctx, "serializer hook returned no JSON object", "hook", hook, "err", err)
				return nil, &Error{Module: m.spec.Name, Hook: hook, Wire: abi.ErrInternal(), Err: err}
			}
		}
		for k, v := range add {
			if !slices.Contains(protected, k) {
				fields[k] = v
				changed = true
			}
		}
		if changed {
			// The next module sees the fields added so far.
			if obj, err = json.Marshal(fields); err != nil {
				return nil, &Error{Module: m.spec.Name, Hook: hook, Wire: abi.ErrInternal(), Err: err}
			}
			changed = false
		}
	}
	return obj, nil
}
