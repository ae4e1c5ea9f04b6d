package chat

import (
	"context"
	"encoding/json"

	"github.com/chatwasm/chatwasm/abi"
	"github.com/chatwasm/chatwasm/abi/payload"
	"github.com/chatwasm/chatwasm/host/chat/wire"
	"github.com/chatwasm/chatwasm/host/hooks"
)

// The serializer hooks (serialize_message, serialize_room) replace the
// reference's swappable models and serializers: they add fields to every
// message and room an operation returns, inside the operation's
// transaction, after the replace chain. So the extend layer and the clients
// see the same objects, and a failing serializer fails the operation.

// visitor is what walk calls for each object of an operation's output.
type visitor struct {
	// message is called with last true for a room list item's last message.
	message func(m *wire.MessageView, last bool) error
	// room is called with list true for the elements of a room list, whose
	// form is the list form, and false for the rooms in the detail form.
	room func(r *payload.Room, list bool) error
}

// walk visits the messages (nested replies and forwards first, each once)
// and rooms of out, a pointer to an operation's output; a room list item's
// last message (itself, not its replies and forwards) before its room.
func walk(out any, v visitor) error {
	seen := map[*wire.MessageView]bool{}
	var msg func(m *wire.MessageView, chain bool) error
	msg = func(m *wire.MessageView, chain bool) error {
		if m == nil || seen[m] {
			return nil
		}
		seen[m] = true
		if chain {
			if err := msg(m.ParentMessage, true); err != nil {
				return err
			}
			if err := msg(m.ForwardedFrom, true); err != nil {
				return err
			}
		}
		if v.message == nil {
			return nil
		}
		return v.message(m, !chain)
	}
	msgs := func(ms []*wire.MessageView) error {
		for _, m := range ms {
			if err := msg(m, true); err != nil {
				return err
			}
		}
		return nil
	}
	room := func(r *payload.Room, list bool) error {
		if r == nil {
			return nil
		}
		if err := msg(r.LastMessage, false); err != nil {
			return err
		}
		if v.room == nil {
			return nil
		}
		return v.room(r, list)
	}
	switch o := out.(type) {
	case **wire.MessageView:
		return msg(*o, true)
	case *ReactOut:
		return msg(o.Message, true)
	case *ModifyMessageOut:
		return msg(o.Message, true)
	case *[]SenderMessages:
		for _, g := range *o {
			if err := msgs(g.Messages); err != nil {
				return err
			}
		}
	case *[]RoomMessages:
		for _, g := range *o {
			if err := msgs(g.Messages); err != nil {
				return err
			}
		}
	case *HistoryOut:
		return msgs(o.Data.Messages)
	case *payload.NotificationGroups:
		for _, g := range *o {
			for _, n := range g.Notifications {
				if err := msg(n.Message, true); err != nil {
					return err
				}
			}
		}
	case *payload.Room:
		return room(o, false)
	case **payload.Room:
		return room(*o, false)
	case *MembersOut:
		return room(o.Room, false)
	case *ModifyRoomOut:
		return room(o.Room, false)
	case *[]payload.Room:
		for i := range *o {
			if err := room(&(*o)[i], true); err != nil {
				return err
			}
		}
	}
	return nil
}

// collectExtras returns the extra fields of the messages of out (a pointer
// to an operation's output), by message id, that the frames must be patched
// with (wire.PatchMessages). Of a room list item's last message, only those
// that replace a member the message writes itself: it writes the others,
// escaped as encoding/json escapes them, as the list form always has.
func collectExtras(out any) map[string]map[string]json.RawMessage {
	var ex map[string]map[string]json.RawMessage
	_ = walk(out, visitor{message: func(m *wire.MessageView, last bool) error {
		fields := m.Extra
		if last {
			fields = namedFields(fields)
		}
		if len(fields) > 0 {
			if ex == nil {
				ex = map[string]map[string]json.RawMessage{}
			}
			ex[m.ID] = fields
		}
		return nil
	}})
	return ex
}

// messageKeys are the members a serialized message writes itself.
var messageKeys = func() map[string]bool {
	b, _ := json.Marshal(&wire.MessageView{}) // always encodes
	var keys map[string]json.RawMessage
	_ = json.Unmarshal(b, &keys)
	out := make(map[string]bool, len(keys))
	for k := range keys {
		out[k] = true
	}
	return out
}()

// namedFields returns the members of extra that messageKeys names.
func namedFields(extra map[string]json.RawMessage) map[string]json.RawMessage {
	var out map[string]json.RawMessage
	for k, v := range extra {
		if messageKeys[k] {
			if out == nil {
				out = map[string]json.RawMessage{}
			}
			out[k] = v
		}
	}
	return out
}

// decorate runs the serializer hooks of call.Tenant on the messages and
// rooms of out, a pointer to an operation's output, and records the fields
// they add as the objects' Extra.
func decorate(ctx context.Context, req *request, call hooks.CallInfo, out any) error {
	msgs := req.has(call.Tenant, abi.SerializeMessageHook)
	rooms := req.has(call.Tenant, abi.SerializeRoomHook)
	if !msgs && !rooms {
		return nil
	}
	// serialize runs one hook on obj and returns what it added.
	serialize := func(hook, form string, obj []byte) (map[string]json.RawMessage, error) {
		res, err := req.set.Serialize(ctx, hook, call, form, obj)
		if err != nil {
			return nil, err
		}
		return wire.DiffFields(obj, res)
	}
	v := visitor{}
	if msgs {
		v.message = func(m *wire.MessageView, _ bool) error {
			obj, err := encodeOut(&m)
			if err != nil {
				return err
			}
			add, err := serialize(abi.SerializeMessageHook, "", obj)
			m.Extra = withFields(m.Extra, add)
			return err
		}
	}
	if rooms {
		v.room = func(r *payload.Room, list bool) error {
			obj, err := encodeOut(&r)
			if err != nil {
				return err
			}
			form := "detail"
			if list {
				form = "list"
			}
			add, err := serialize(abi.SerializeRoomHook, form, obj)
			r.Extra = withFields(r.Extra, add)
			return err
		}
	}
	return walk(out, v)
}

// withFields returns extra with add's members added.
func withFields(extra, add map[string]json.RawMessage) map[string]json.RawMessage {
	if len(add) == 0 {
		return extra
	}
	if extra == nil {
		extra = make(map[string]json.RawMessage, len(add))
	}
	for k, v := range add {
		extra[k] = v
	}
	return extra
}
