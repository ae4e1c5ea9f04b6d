package chatwasm

import (
	"encoding/json"
	"math"
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
		{ABI: 1, Hook: "h", Caller: abi.Caller{UserID: math.MinInt64, SessionID: math.MaxInt64}, Args: json.RawMessage(`{}`)},
		{ABI: 1, Hook: "", Tenant: `\\`, Caller: abi.Caller{Username: `a\"`}, Args: json.RawMessage(` {} `)},
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

// TestParseCallNumbers: integers out of int64's range, or not integers, are
// left to encoding/json, which refuses them as it always did.
func TestParseCallNumbers(t *testing.T) {
	for _, n := range []string{"9223372036854775808", "-9223372036854775809", "12345678901234567890", "1.5", "-", ""} {
		in := []byte(`{"abi":1,"hook":"h","tenant":"t","caller":{"user_id":` + n + `,"username":"u","session_id":0},"args":{}}`)
		if _, ok := parseFixedCall(in); ok {
			t.Errorf("user_id %q read by the fast path", n)
		}
		if _, err := parseCall(in); err == nil {
			t.Errorf("user_id %q decoded", n)
		}
	}
}

// TestParseCallStringsOwnTheirBytes: the input buffer is reused for the
// next call, so the strings read from it must not share its bytes.
func TestParseCallStringsOwnTheirBytes(t *testing.T) {
	in := abi.AppendCall(nil, abi.Call{ABI: 1, Hook: "create_room", Tenant: "t1",
		Caller: abi.Caller{UserID: 1, Username: "alice"}, Args: json.RawMessage(`{}`)})
	c, ok := parseFixedCall(in)
	if !ok {
		t.Fatalf("%s: not read by the fast path", in)
	}
	for i := range in {
		in[i] = 'x'
	}
	if c.Hook != "create_room" || c.Tenant != "t1" || c.Caller.Username != "alice" {
		t.Errorf("strings changed with the buffer: %+v", c)
	}
}
