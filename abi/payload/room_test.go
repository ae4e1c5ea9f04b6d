package payload

import (
	"bytes"
	"encoding/json"
	"slices"
	"testing"
	"unicode/utf8"

	"github.com/chatwasm/chatwasm/abi"
)

// refRoomJSON is r encoded by encoding/json member by member: each member
// of its kind and form, in order, as json.Marshal writes its value (Extra's
// when Extra has the key), then the rest of Extra in key order. It is the
// reference FuzzRoomJSON holds AppendJSON to.
func refRoomJSON(r *Room) ([]byte, error) {
	prop := r.Property
	if len(prop.Preferences) == 0 {
		prop.Preferences = json.RawMessage("{}")
	}
	values := map[string]any{"id": r.ID, "type": r.Type, "creator": r.Creator, "peer": r.Peer,
		"participants": orEmpty(r.Members), "subscribers": orEmpty(r.Members), "admins": orEmpty(r.Admins),
		"moderators": orEmpty(r.Admins), "property": prop, "last_message": r.LastMessage,
		"created_at": r.CreatedAt, "updated_at": r.UpdatedAt, "name": r.Name, "description": r.Description,
		"avatar": r.Avatar, "max_participants": r.MaxMembers, "max_subscribers": r.MaxMembers,
		"is_public": r.IsPublic, "join_approval_required": r.JoinApprovalRequired, "group_locked": r.GroupLocked}
	form := roomForm(r.Type, r.List)
	keys := slices.Clone(form)
	for k := range r.Extra {
		if !slices.Contains(form, k) {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys[len(form):])
	b := []byte{'{'}
	for i, k := range keys {
		var v []byte
		var err error
		if raw, ok := r.Extra[k]; ok {
			if len(raw) == 0 {
				raw = json.RawMessage("null")
			}
			v, err = json.Marshal(raw)
		} else {
			v, err = json.Marshal(values[k])
		}
		if err != nil {
			return nil, err
		}
		if i > 0 {
			b = append(b, ',')
		}
		name, _ := json.Marshal(k)
		b = append(append(append(b, name...), ':'), v...)
	}
	return append(b, '}'), nil
}

// FuzzRoomJSON: AppendJSON writes the bytes of refRoomJSON for a room of
// any kind in either form (strings with any bytes, members and pointers nil
// or not, raw preferences and Extra members that replace a named member or
// follow them), and fails where it fails.
func FuzzRoomJSON(f *testing.F) {
	f.Add("r1", "team", "welcome", []byte(`"hi"`), []byte(`{"theme":"dark"}`), int64(10), uint8(0), uint8(1))
	f.Add("<b>&amp;</b> \u2028\u2029 é \x00\x1f", "a\xffb", "name", []byte(` [ 1 , "<&>" ] `), []byte(` { } `),
		int64(-1), uint8(0xff), uint8(2))
	f.Add("", "", "participants", []byte(``), []byte(`not json`), int64(0), uint8(0x55), uint8(3))
	f.Add("x", "y", "last_message", []byte(`null`), []byte(nil), int64(1<<62), uint8(0xaa), uint8(0))
	f.Fuzz(func(t *testing.T, text, name, key string, extra, prefs []byte, size int64, flags, kind uint8) {
		r := fuzzRoom(text, name, key, extra, prefs, size, flags, kind)
		want, werr := refRoomJSON(r)
		got, gerr := r.AppendJSON(nil)
		if (werr != nil) != (gerr != nil) {
			t.Fatalf("errors differ: json.Marshal %v, AppendJSON %v", werr, gerr)
		}
		if werr != nil {
			return
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("AppendJSON\n got %s\nwant %s", got, want)
		}
		if viaMarshal, err := json.Marshal(r); err != nil || !bytes.Equal(viaMarshal, want) {
			t.Fatalf("json.Marshal(Room) %v\n got %s\nwant %s", err, viaMarshal, want)
		}
		// What a room writes reads back in its form, and writes the same,
		// unless Extra gave a named member a value of another type or a
		// string was not UTF-8 (written as U+FFFD, which reads back as
		// itself).
		if _, named := r.Extra[key]; named && slices.Contains(roomForm(r.Type, r.List), key) ||
			!utf8.ValidString(text) || !utf8.ValidString(name) || !utf8.ValidString(key) {
			return
		}
		back, err := DecodeRoom(got, r.List)
		if err != nil {
			t.Fatalf("decode %s: %v", got, err)
		}
		if again, err := back.AppendJSON(nil); err != nil || !bytes.Equal(again, got) {
			t.Fatalf("round trip %v\n got %s\nwant %s", err, again, got)
		}
	})
}

// fuzzRoom builds a room from the fuzzer's values: kind chooses the kind
// (an unknown one among them), flags the form, which pointers and lists
// are set and whether Extra has key.
func fuzzRoom(text, name, key string, extra, prefs []byte, size int64, flags, kind uint8) *Room {
	u := abi.User{ID: size, Username: name, Email: text, FirstName: key, LastName: name + text}
	r := &Room{ID: text, Type: [...]string{OneToOneChat, GroupChat, Channel, name}[kind%4], Name: name,
		CreatedAt: key, UpdatedAt: text, MaxMembers: size, IsPublic: flags&1 != 0,
		JoinApprovalRequired: flags&2 != 0, GroupLocked: flags&4 != 0, List: flags&8 != 0,
		Property: RoomProperty{Preferences: prefs}}
	if flags&16 != 0 {
		r.Creator, r.Peer, r.Description, r.Avatar = &u, &abi.User{ID: -size}, &text, &name
		r.Members, r.Admins = []abi.User{u, {}}, []abi.User{u}
		r.LastMessage = fuzzMessage(text, name, key, extra, prefs, size, flags, 1)
	}
	if flags&32 != 0 {
		r.Extra = map[string]json.RawMessage{key: extra, "zz" + name: json.RawMessage(`{"a":[true]}`)}
	}
	return r
}
