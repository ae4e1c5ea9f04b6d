package payload

import (
	"encoding/json"
	"strings"
	"testing"
)

const wireUser = `{"id":1,"username":"alice","email":"a@example.com","first_name":"Alice","last_name":"A"}`

var wireMessage = `{"id":"m1","room":{"id":"r1"},"sender":` + wireUser + `,"content":"hi","is_deleted":false,` +
	`"is_edited":false,"is_forwarded":false,"created_at":"2026-01-02T03:04:05Z","updated_at":"2026-01-02T03:04:05Z",` +
	`"parent_message":null,"forwarded_from":null,"delivered_to":["bob"],"read_receipts":[],"reactions":[],` +
	`"attachments":[{"id":"a1","media_url":"http://x/y.png","media_type":"image","file_size":3,` +
	`"mime_type":"image/png","caption":null,"metadata":{"w":1}}]}`

// TestMessageRoundTrip: a message decoded and encoded again is the same
// JSON, byte for byte, with the fields the SDK does not know kept.
func TestMessageRoundTrip(t *testing.T) {
	withExtra := strings.TrimSuffix(wireMessage, "}") + `,"priority":"high","tags":["a"]}`
	reply := strings.Replace(wireMessage, `"parent_message":null`, `"parent_message":`+withExtra, 1)
	for _, in := range []string{wireMessage, withExtra, reply} {
		roundTrip[Message](t, in)
	}
	var m Message
	_ = json.Unmarshal([]byte(reply), &m)
	if m.ParentMessage == nil || string(m.ParentMessage.Extra["priority"]) != `"high"` || m.Sender.Username != "alice" {
		t.Errorf("decoded reply %+v", m)
	}
	// A message built from scratch has no null lists.
	b, _ := json.Marshal(Message{ID: "m2"})
	if !strings.Contains(string(b), `"delivered_to":[],"read_receipts":[],"reactions":[],"attachments":[]`) {
		t.Errorf("new message %s", b)
	}
	// Extra never overrides a field the type names.
	b, _ = json.Marshal(Message{ID: "m3", Extra: map[string]json.RawMessage{"id": json.RawMessage(`"spoof"`)}})
	if strings.Contains(string(b), "spoof") {
		t.Errorf("Extra overrode id: %s", b)
	}
}

// TestRoomRoundTrip: every kind in both forms, as the host writes them,
// survives decoding and encoding unchanged.
func TestRoomRoundTrip(t *testing.T) {
	prop := `"property":{"preferences":{"theme":"dark"}}`
	times := `"created_at":"2026-01-02T03:04:05Z","updated_at":"2026-01-02T03:04:06.5Z"`
	for _, in := range []string{
		`{"id":"r1","type":"OneToOneChat","participants":[` + wireUser + `],` + prop + `,` + times + `}`,
		`{"id":"r2","type":"GroupChat","creator":` + wireUser + `,"participants":[` + wireUser + `],"admins":[],` +
			prop + `,` + times + `,"name":"team","description":null,"max_participants":10,"avatar":null,` +
			`"join_approval_required":true,"group_locked":false}`,
		`{"id":"r3","type":"Channel","creator":null,"subscribers":[],"moderators":[` + wireUser + `],` + prop + `,` +
			times + `,"name":"news","description":"d","is_public":true,"avatar":"http://x/a.png","max_subscribers":100}`,
		`{"id":"r1","type":"OneToOneChat","peer":` + wireUser + `,"last_message":` + wireMessage + `,` + times + `}`,
		`{"id":"r2","type":"GroupChat","creator":` + wireUser + `,"last_message":null,` + times + `,"name":"team",` +
			`"description":null,"max_participants":10,"avatar":null,"join_approval_required":false,"group_locked":true}`,
		`{"id":"r3","type":"Channel","creator":` + wireUser + `,"last_message":null,` + times + `,"name":"news",` +
			`"description":null,"is_public":false,"avatar":null,"max_subscribers":100,"welcome":"hello"}`,
		// A kind this package does not know is written as a GroupChat.
		`{"id":"r4","type":"Forum","creator":null,"participants":[],"admins":[],` + prop + `,` + times +
			`,"name":"f","description":null,"max_participants":0,"avatar":null,"join_approval_required":false,` +
			`"group_locked":false}`,
	} {
		roundTrip[Room](t, in)
	}
	var r Room
	_ = json.Unmarshal([]byte(`{"id":"r3","type":"Channel","subscribers":[`+wireUser+`],"max_subscribers":5}`), &r)
	if len(r.Members) != 1 || r.MaxMembers != 5 || r.List {
		t.Errorf("channel members: %+v", r)
	}
}

// TestModifyRoomArgs: a custom action's data reaches the module as sent.
func TestModifyRoomArgs(t *testing.T) {
	var a ModifyRoomArgs
	in := `{"room_id":"r1","action":"set_welcome_message","data":{"message":"Welcome!"}}`
	if err := json.Unmarshal([]byte(in), &a); err != nil {
		t.Fatal(err)
	}
	if a.Action != "set_welcome_message" || string(a.Data) != `{"message":"Welcome!"}` {
		t.Errorf("args %+v", a)
	}
}

// roundTrip checks that in, decoded as a T and encoded again, is the same
// JSON, byte for byte.
func roundTrip[T any](t *testing.T, in string) {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(in), &v); err != nil {
		t.Fatal(err)
	}
	out, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != in {
		t.Errorf("round trip\n got %s\nwant %s", out, in)
	}
}
