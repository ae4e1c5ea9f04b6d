package chatwasm

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"

	"github.com/chatwasm/chatwasm/abi"
)

// FuzzEnvelope: whatever the fields, the envelope the host writes
// (abi.AppendCall) is valid JSON, and the SDK reads it, by its fast path,
// exactly as encoding/json does.
func FuzzEnvelope(f *testing.F) {
	f.Add(1, "_create_message", "default", int64(1), "alice", int64(7), `{"room_id":"r","content":"}\"{"}`)
	f.Add(12, "action_message.pin", `t"<&>\`, int64(-3), "ünï\u2028\"x", int64(0), `[1, 2]`)
	f.Add(0, "", `\\`, int64(0), `a\"`, int64(-1), ` {} `)
	f.Add(1, "h", "\xff\xfe", int64(1<<62), "\x00", int64(1), "")
	f.Fuzz(func(t *testing.T, version int, hook, tenant string, user int64, username string, session int64, args string) {
		if args != "" && !json.Valid([]byte(args)) {
			return // AppendCall copies args as they are: the host only passes valid JSON
		}
		c := abi.Call{ABI: version, Hook: hook, Tenant: tenant,
			Caller: abi.Caller{UserID: user, Username: username, SessionID: session}, Args: json.RawMessage(args)}
		in := abi.AppendCall(nil, c)
		if !json.Valid(in) {
			t.Fatalf("AppendCall wrote invalid JSON: %q", in)
		}
		var want Call
		if err := json.Unmarshal(in, &want); err != nil {
			t.Fatal(err)
		}
		got, ok := parseFixedCall(in)
		if !ok {
			t.Fatalf("the fast path does not read the host's envelope %q", in)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%q:\n fast path %+v\nencoding/json %+v", in, got, want)
		}
	})
}

// FuzzParseCall: on any input parseCall never panics, and the fast path
// either declines or reads what encoding/json reads. Args are the one
// exception: the fast path takes them as they stand without validating
// them (only the host writes envelopes, and its args are valid JSON), so
// an envelope encoding/json refuses may still be read.
func FuzzParseCall(f *testing.F) {
	f.Add([]byte(`{"abi":1,"hook":"h","tenant":"t","caller":{"user_id":1,"username":"u","session_id":2},"args":{"a":[1]}}`))
	f.Add([]byte(`{"abi":1,"hook":"h\u0041","tenant":"t","caller":{"user_id":-0,"username":"u","session_id":2},"args":null}`))
	f.Add([]byte(`{"abi":1,"hook":"h","tenant":"t","caller":{"user_id":1,"username":"u","session_id":2},"args":}`))
	f.Add([]byte(`{"hook":"h","abi":1}`))
	f.Fuzz(func(t *testing.T, in []byte) {
		_, _ = parseCall(in)
		got, ok := parseFixedCall(in)
		if !ok {
			return
		}
		var want Call
		if json.Unmarshal(in, &want) != nil {
			return
		}
		// The fast path keeps args as they stand; encoding/json compacts
		// nothing either, but a RawMessage holds the bytes as written.
		if got.Hook != want.Hook || got.Tenant != want.Tenant || got.Caller != want.Caller ||
			!bytes.Equal(bytes.TrimSpace(got.Args), bytes.TrimSpace(want.Args)) {
			t.Fatalf("%q:\n fast path %+v\nencoding/json %+v", in, got, want)
		}
	})
}
