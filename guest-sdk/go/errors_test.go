package chatwasm

import (
	"encoding/json"
	"errors"
	"fmt"
	"testing"
)

func TestFailDetail(t *testing.T) {
	for _, tc := range []struct {
		err  *Error
		want string
	}{
		{Fail(4003, "Message contains prohibited content"), `{"code":4003,"detail":["Message contains prohibited content"]}`},
		{Fail(4003, "a", "b"), `{"code":4003,"detail":["a","b"]}`},
		{Fail(4010), `{"code":4010,"detail":[]}`},
		{Fail(4010, map[string][]string{"content": {"bad"}}), `{"code":4010,"detail":{"content":["bad"]}}`},
		{Fail(4007, []string{"x"}), `{"code":4007,"detail":["x"]}`},
	} {
		if got := string(encodeError(tc.err)); got != tc.want {
			t.Errorf("encodeError(%v) = %s, want %s", tc.err, got, tc.want)
		}
	}
}

func TestEncodeError(t *testing.T) {
	fromHost := decodeHostError([]byte(`{"code":4004,"detail":"Resource not found."}`))
	if fromHost.Code != 4004 || fromHost.Detail != "Resource not found." {
		t.Fatalf("decoded host error %+v", fromHost)
	}
	for _, tc := range []struct {
		name string
		err  error
		want string
	}{
		{"plain errors are 4003 with their text", errors.New("no good"), `{"code":4003,"detail":["no good"]}`},
		{"a host error passes on byte for byte", fromHost, `{"code":4004,"detail":"Resource not found."}`},
		{"wrapped, too", fmt.Errorf("context: %w", fromHost), `{"code":4004,"detail":"Resource not found."}`},
		{"a refused call is a 4006", decodeHostError([]byte(`wasm: capability not granted: kv_set needs "kv"`)),
			`{"code":4006,"detail":"Internal server error."}`},
		{"so is a call outside wasm", refused(ErrNoHost), `{"code":4006,"detail":"Internal server error."}`},
	} {
		if got := string(encodeError(tc.err)); got != tc.want {
			t.Errorf("%s: %s, want %s", tc.name, got, tc.want)
		}
	}
}

func TestHostErrorText(t *testing.T) {
	e := decodeHostError([]byte(`wasm: capability not granted: kv_set needs "kv"`))
	if e.Error() != `wasm: capability not granted: kv_set needs "kv"` || Code(e) != 4006 {
		t.Errorf("refused call: %q, code %d", e.Error(), Code(e))
	}
	if e := decodeHostError(nil); e.Code != 4006 || e.Error() == "" {
		t.Errorf("empty reason: %+v", e)
	}
	if !errors.Is(refused(ErrNoHost), ErrNoHost) {
		t.Error("errors.Is(refused(ErrNoHost), ErrNoHost) is false")
	}
}

func TestCode(t *testing.T) {
	if Code(nil) != 0 || Code(errors.New("x")) != 4003 || Code(fmt.Errorf("w: %w", Fail(4007, "y"))) != 4007 {
		t.Error("Code maps nil to 0, plain errors to 4003, *Error to its code")
	}
}

func TestHandle(t *testing.T) {
	input := []byte(`{"abi":1,"hook":"_create_message","tenant":"acme",` +
		`"caller":{"user_id":7,"username":"alice","session_id":3},` +
		`"args":{"room_id":"r1","content":"hi","parent_message_id":null,"forwarded_from_id":null,"media":[]}}`)
	var seen Call
	out, err := handle(input, func(c Call, in CreateMessageArgs) (map[string]string, error) {
		seen = c
		return map[string]string{"room": in.RoomID, "content": in.Content}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != `{"content":"hi","room":"r1"}` {
		t.Errorf("output %s", out)
	}
	if seen.Hook != "_create_message" || seen.Tenant != "acme" || seen.Caller != (Caller{UserID: 7, Username: "alice", SessionID: 3}) {
		t.Errorf("call %+v", seen)
	}
	if !json.Valid(seen.Args) || len(seen.Args) < 10 {
		t.Errorf("args %s", seen.Args)
	}

	raw, err := handle(input, func(c Call, in json.RawMessage) (json.RawMessage, error) { return in, nil })
	if err != nil || string(raw) != string(seen.Args) {
		t.Errorf("raw passthrough: %s, %v", raw, err)
	}
	if _, err := handle([]byte(`{"args":{"room_id":5}}`), func(Call, CreateMessageArgs) (int, error) { return 0, nil }); err == nil {
		t.Error("arguments of the wrong type decoded")
	}
	if _, err := handle(input, func(Call, json.RawMessage) (int, error) { return 0, Fail(4007, "x") }); Code(err) != 4007 {
		t.Errorf("the hook's error: %v", err)
	}
}

func TestNextOutsideWasm(t *testing.T) {
	_, err := Next[Message](Call{}, json.RawMessage(`{}`))
	if !errors.Is(err, ErrNoHost) || Code(err) != 4006 {
		t.Errorf("Next outside wasm: %v", err)
	}
	if _, err := (Call{}).Room("x"); !errors.Is(err, ErrNoHost) {
		t.Errorf("Room outside wasm: %v", err)
	}
}
