package chatwasm

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/chatwasm/chatwasm/abi"
)

// TestParseCall: every envelope the host writes is read by the fast path,
// exactly as encoding/json reads it.
func TestParseCall(t *testing.T) {
	for _, c := range []abi.Call{
		{ABI: 1, Hook: "_create_message", Tenant: "default", Caller: abi.Caller{UserID: 1, Username: "alice", SessionID: 7},
			Args: json.RawMessage(`{"room_id":"r","content":"}\"{"}`)},
		{ABI: 1, Hook: "action_message.pin", Tenant: `t"<&>\`, Caller: abi.Caller{UserID: -3, Username: "ünï\u2028\"x"},
			Args: json.RawMessage(`[1, 2]`)},
		{ABI: 12, Hook: "h", Caller: abi.Caller{UserID: 1 << 60}, Args: json.RawMessage(`"s"`)},
		{ABI: 1, Hook: "h", Args: nil},
	} {
		in := abi.AppendCall(nil, c)
		got, ok := parseFixedCall(in)
		if !ok {
			t.Errorf("%s: not read by the fast path", in)
			continue
		}
		var want Call
		if err := json.Unmarshal(in, &want); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s:\n got %+v\nwant %+v", in, got, want)
		}
	}
}

// TestParseCallOtherLayouts: any other layout is decoded by encoding/json.
// (ABI v1 fixes args as the last key, so the fast path takes everything
// after "args": up to the final brace; abi/README.md says so.)
func TestParseCallOtherLayouts(t *testing.T) {
	for _, in := range []string{
		`{"hook":"h","abi":1,"tenant":"t","caller":{"user_id":1,"username":"u","session_id":0},"args":{"a":1}}`,
		`{ "abi": 1, "hook": "h", "tenant": "t", "caller": {"user_id": 1, "username": "u", "session_id": 0}, "args": {"a":1} }`,
	} {
		c, err := parseCall([]byte(in))
		if err != nil {
			t.Errorf("%s: %v", in, err)
			continue
		}
		if c.Hook != "h" || c.Tenant != "t" || c.Caller.UserID != 1 || string(c.Args) != `{"a":1}` {
			t.Errorf("%s: %+v", in, c)
		}
	}
	if _, err := parseCall([]byte(`{"abi":1,"hook":"h"`)); err == nil {
		t.Error("a truncated envelope decoded")
	}
}
