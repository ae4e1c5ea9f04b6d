package gateway

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/chatwasm/chatwasm/host/chat/wire"
)

// FuzzDecodeFrame: any text frame is either a 4003 the client gets back or
// a JSON object whose event_type (when a string) and data are what
// encoding/json reads; it never panics.
func FuzzDecodeFrame(f *testing.F) {
	for _, s := range []string{
		`{"event_type":"message.send","data":{"room_id":"r","content":"hi"}}`,
		`{"event_type":"session.heartbeat"}`,
		`{"event_type":1,"data":null}`,
		`{"event_type":"a\u0000b","data":[1,{"x":"\ud800"}]}`,
		` null `, `[]`, `"x"`, `{"event_type":"x"`, `{"data":{}}{}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, payload []byte) {
		eventType, data, err := decodeFrame(payload)
		if err != nil {
			var we *wire.Error
			if !errors.As(err, &we) || we.Code != wire.CodeValidation {
				t.Fatalf("%q: error %v is not a 4003", payload, err)
			}
			return
		}
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(payload, &obj); err != nil || obj == nil {
			t.Fatalf("%q accepted, but it is no JSON object: %v", payload, err)
		}
		var want string
		if raw, ok := obj["event_type"]; ok && json.Unmarshal(raw, &want) != nil {
			want = ""
		}
		if eventType != want {
			t.Fatalf("%q: event_type %q, want %q", payload, eventType, want)
		}
		if string(data) != string(obj["data"]) {
			t.Fatalf("%q: data %s, want %s", payload, data, obj["data"])
		}
	})
}
