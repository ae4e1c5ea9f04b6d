package chat

import (
	"context"
	"encoding/json"

	"github.com/chatwasm/chatwasm/abi"
	"github.com/chatwasm/chatwasm/host/chat/field"
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
	message func(*wire.MessageView) error
	room    func(*wire.RoomDetail) error
	item    func(*wire.RoomListItem) error
}

// walk visits the messages (nested replies and forwards first, each once)
// and rooms of out, a pointer to an operation's output.
func walk(out any, v visitor) error {
	seen := map[*wire.MessageView]bool{}
	var msg func(m *wire.MessageView) error
	msg = func(m *wire.MessageView) error {
		if m == nil || seen[m] {
			return nil
		}
		seen[m] = true
		if err := msg(m.ParentMessage); err != nil {
			return err
		}
		if err := msg(m.ForwardedFrom); err != nil {
			return err
		}
		if v.message == nil {
			return nil
		}
		return v.message(m)
	}
	msgs := func(ms []*wire.MessageView) error {
		for _, m := range ms {
			if err := msg(m); err != nil {
				return err
			}
		}
		return nil
	}
	room := func(d *wire.RoomDetail) error {
		if d == nil || v.room == nil {
			return nil
		}
		return v.room(d)
	}
	switch o := out.(type) {
	case **wire.MessageView:
		return msg(*o)
	case *ReactOut:
		return msg(o.Message)
	case *ModifyMessageOut:
		return msg(o.Message)
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
	case *wire.NotificationGroups:
		for _, g := range *o {
			for _, n := range g.Notifications {
				if err := msg(n.Message); err != nil {
					return err
				}
			}
		}
	case *wire.RoomDetail:
		return room(o)
	case **wire.RoomDetail:
		return room(*o)
	case *MembersOut:
		return room(o.Room)
	case *ModifyRoomOut:
		return room(o.Room)
	case *[]wire.RoomListItem:
		for i := range *o {
			if v.item != nil {
				if err := v.item(&(*o)[i]); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// collectExtras returns the extra fields of the messages of out (a pointer
// to an operation's output), by message id.
func collectExtras(out any) map[string]map[string]json.RawMessage {
	var ex map[string]map[string]json.RawMessage
	_ = walk(out, visitor{message: func(m *wire.MessageView) error {
		if len(m.Extra) > 0 {
			if ex == nil {
				ex = map[string]map[string]json.RawMessage{}
			}
			ex[m.ID] = m.Extra
		}
		return nil
	}})
	return ex
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
		v.message = func(m *wire.MessageView) error {
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
		v.room = func(d *wire.RoomDetail) error {
			obj, err := json.Marshal(d)
			if err != nil {
				return err
			}
			add, err := serialize(abi.SerializeRoomHook, "detail", obj)
			d.Extra = withFields(d.Extra, add)
			return err
		}
	}
	v.item = func(it *wire.RoomListItem) error {
		if msgs && len(it.LastMessage) > 0 && !field.IsNull(it.LastMessage) {
			add, err := serialize(abi.SerializeMessageHook, "", it.LastMessage)
			if err != nil {
				return err
			}
			if it.LastMessage, err = wire.MergeFields(it.LastMessage, add); err != nil {
				return err
			}
		}
		if !rooms {
			return nil
		}
		obj, err := json.Marshal(it)
		if err != nil {
			return err
		}
		add, err := serialize(abi.SerializeRoomHook, "list", obj)
		it.Extra = withFields(it.Extra, add)
		return err
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
