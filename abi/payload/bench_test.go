package payload

import (
	"encoding/json"
	"strings"
	"testing"
)

// BenchmarkMessageMarshal: encoding a message that replies to another, as
// create_message's result.
func BenchmarkMessageMarshal(b *testing.B) {
	m := benchReply(b)
	benchMarshal(b, &m)
}

// BenchmarkMessageAppend: the same message through AppendJSON into a
// reused buffer, as a caller encoding a whole frame does.
func BenchmarkMessageAppend(b *testing.B) {
	m := benchReply(b)
	var buf []byte
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if buf, err = m.AppendJSON(buf[:0]); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRoomMarshal: encoding a group's detail form.
func BenchmarkRoomMarshal(b *testing.B) {
	var r Room
	in := `{"id":"r2","type":"GroupChat","creator":` + wireUser + `,"participants":[` + wireUser + `,` + wireUser +
		`],"admins":[` + wireUser + `],"property":{"preferences":{}},"created_at":"2026-01-02T03:04:05Z",` +
		`"updated_at":"2026-01-02T03:04:05Z","name":"team","description":null,"max_participants":10,` +
		`"avatar":null,"join_approval_required":false,"group_locked":false}`
	if err := json.Unmarshal([]byte(in), &r); err != nil {
		b.Fatal(err)
	}
	benchMarshal(b, &r)
}

// benchReply is the benchmarks' message: wireMessage replying to itself.
func benchReply(b *testing.B) Message {
	reply := strings.Replace(wireMessage, `"parent_message":null`, `"parent_message":`+wireMessage, 1)
	var m Message
	if err := json.Unmarshal([]byte(reply), &m); err != nil {
		b.Fatal(err)
	}
	return m
}

// benchMarshal measures json.Marshal of v.
func benchMarshal(b *testing.B, v any) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := json.Marshal(v); err != nil {
			b.Fatal(err)
		}
	}
}
