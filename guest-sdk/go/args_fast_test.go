package chatwasm

import (
	"encoding/json"
	"reflect"
	"testing"
)

// FuzzCreateMessageArgs: the fast path reads create_message's arguments as
// the host writes them (json.Marshal) exactly as encoding/json does, and on
// any other input it either declines or agrees with encoding/json.
func FuzzCreateMessageArgs(f *testing.F) {
	f.Add("0b6c5a4e-8f0a-4c47-9d3e-2f1a7b9c0d11", "hello", "", false, "p", true, "GroupChat", int64(10), "creator", false)
	f.Add("r", `<b>"x"</b> & \ ünï`+"\u2028\x00\xff", "", true, "", false, "", int64(0), "", true)
	f.Add("", "", "m", false, "", false, "Channel", int64(-1), "", false)
	f.Fuzz(func(t *testing.T, room, content, parent string, hasParent bool, fwd string, hasFwd bool,
		kind string, members int64, role string, nilMedia bool) {
		a := CreateMessageArgs{RoomID: room, Content: content, RoomKind: kind, MemberCount: members, SenderRole: role}
		if hasParent {
			a.ParentMessageID = &parent
		}
		if hasFwd {
			a.ForwardedFromID = &fwd
		}
		if !nilMedia {
			a.Media = []MediaArgs{}
		}
		b, err := json.Marshal(a)
		if err != nil {
			t.Fatal(err)
		}
		var want, got CreateMessageArgs
		if err := json.Unmarshal(b, &want); err != nil {
			t.Fatal(err)
		}
		if !parseCreateMessageArgs(b, &got) {
			t.Fatalf("the fast path declines the host's layout %s", b)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%s:\n fast path     %+v\nencoding/json %+v", b, got, want)
		}
		agrees(t, b)
		agrees(t, []byte(content)) // arbitrary text: decline or agree
	})
}

// agrees checks that on b the fast path declines, leaving its destination
// untouched, or reads what encoding/json reads.
func agrees(t *testing.T, b []byte) {
	t.Helper()
	var got, want CreateMessageArgs
	got.Content = "untouched"
	if !parseCreateMessageArgs(b, &got) {
		if got.Content != "untouched" {
			t.Fatalf("%q: a declined input changed the destination", b)
		}
		return
	}
	if json.Unmarshal(b, &want) != nil {
		return // the fast path trusts the host's JSON (see FuzzParseCall)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%q:\n fast path     %+v\nencoding/json %+v", b, got, want)
	}
}

// TestCreateMessageArgsFastPath: the inputs the fast path declines (media,
// another order, unknown fields) are still decoded, by encoding/json.
func TestCreateMessageArgsFastPath(t *testing.T) {
	for _, c := range []struct {
		in   string
		fast bool
	}{
		{`{"room_id":"r","content":"hi","parent_message_id":null,"forwarded_from_id":null,"media":[]}`, true},
		{`{"room_id":"r","content":"hi","parent_message_id":"p","forwarded_from_id":null,"media":null,"room_kind":"GroupChat","member_count":3,"sender_role":"member"}`, true},
		{`{"room_id":"r","content":"hi","parent_message_id":null,"forwarded_from_id":null,"media":[{"media_url":"u","media_type":"image","file_size":1,"mime_type":"image/png","caption":null,"metadata":{}}]}`, false},
		{`{"content":"hi","room_id":"r"}`, false},
		{`{"room_id":"r","content":"hi","parent_message_id":null,"forwarded_from_id":null,"media":[],"extra":1}`, false},
		{`{"room_id":"r","content":"h\u00e9","parent_message_id":null,"forwarded_from_id":null,"media":[]} `, true},
	} {
		var fast CreateMessageArgs
		if got := parseCreateMessageArgs([]byte(c.in), &fast); got != c.fast {
			t.Errorf("%s: fast path %v, want %v", c.in, got, c.fast)
		}
		var got, want CreateMessageArgs
		if err := decodeArgs([]byte(c.in), &got); err != nil {
			t.Fatalf("%s: %v", c.in, err)
		}
		if err := json.Unmarshal([]byte(c.in), &want); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s:\n got  %+v\nwant %+v", c.in, got, want)
		}
	}
}
