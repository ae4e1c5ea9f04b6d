package chatwasm

// The arguments of create_message are the largest input a moderation or
// webhook module decodes on every message, and encoding/json's reflection
// is most of such a module's time in wasm. The host writes them with
// json.Marshal of payload.CreateMessageArgs, its fields in declaration
// order, so fastArgs reads that one layout by hand (a message without
// attachments); any other input, or other type, goes to encoding/json.

// fastArgs decodes b into v when v is a type with a fast path and b is in
// the host's layout; ok is false otherwise, with v untouched.
func fastArgs(b []byte, v any) bool {
	if a, ok := v.(*CreateMessageArgs); ok {
		return parseCreateMessageArgs(b, a)
	}
	return false
}

// lastRoomID is the room id of the last create_message call: a room's
// messages reuse one string (see lastHook).
var lastRoomID string

// parseCreateMessageArgs reads {"room_id":..,"content":..,
// "parent_message_id":..,"forwarded_from_id":..,"media":[] or null} and the
// optional room_kind, member_count and sender_role, in that order.
func parseCreateMessageArgs(b []byte, out *CreateMessageArgs) bool {
	var a CreateMessageArgs
	pos, ok := literal(b, 0, `{"room_id":`)
	if !ok {
		return false
	}
	if a.RoomID, pos, ok = str(b, pos, &lastRoomID); !ok {
		return false
	}
	if pos, ok = literal(b, pos, `,"content":`); !ok {
		return false
	}
	var content string
	if a.Content, pos, ok = str(b, pos, &content); !ok {
		return false
	}
	if pos, ok = literal(b, pos, `,"parent_message_id":`); !ok {
		return false
	}
	if a.ParentMessageID, pos, ok = optionalStr(b, pos); !ok {
		return false
	}
	if pos, ok = literal(b, pos, `,"forwarded_from_id":`); !ok {
		return false
	}
	if a.ForwardedFromID, pos, ok = optionalStr(b, pos); !ok {
		return false
	}
	if pos, ok = literal(b, pos, `,"media":`); !ok {
		return false
	}
	if p, empty := literal(b, pos, `[]`); empty {
		pos, a.Media = p, []MediaArgs{} // as encoding/json: empty, not nil
	} else if pos, ok = literal(b, pos, `null`); !ok {
		return false // attachments: encoding/json reads them
	}
	if p, ok := literal(b, pos, `,"room_kind":`); ok {
		var kind string
		if a.RoomKind, pos, ok = str(b, p, &kind); !ok {
			return false
		}
	}
	if p, ok := literal(b, pos, `,"member_count":`); ok {
		if a.MemberCount, pos, ok = integer(b, p); !ok {
			return false
		}
	}
	if p, ok := literal(b, pos, `,"sender_role":`); ok {
		var role string
		if a.SenderRole, pos, ok = str(b, p, &role); !ok {
			return false
		}
	}
	if pos, ok = literal(b, pos, `}`); !ok || trimEnd(b, pos, len(b)) != pos {
		return false
	}
	*out = a
	return true
}

// optionalStr reads a JSON string or null at pos.
func optionalStr(b []byte, pos int) (*string, int, bool) {
	if p, ok := literal(b, pos, `null`); ok {
		return nil, p, true
	}
	var s string
	s, pos, ok := str(b, pos, &s)
	if !ok {
		return nil, pos, false
	}
	return &s, pos, true
}

// decodeArgs decodes a hook's arguments into v: by a fast path where there
// is one, else by decode.
func decodeArgs(data []byte, v any) error {
	if fastArgs(data, v) {
		return nil
	}
	return decode(data, v)
}
