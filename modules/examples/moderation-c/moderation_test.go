package moderationc

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/chatwasm/chatwasm/abi"
	"github.com/chatwasm/chatwasm/host/hooks"
	"github.com/chatwasm/chatwasm/internal/modkit"
)

const prohibited = `["Message contains prohibited content"]`

// echo is a Go default for _create_message: a message made of the args it
// got, so that the test sees both what reached it and what came back.
func echo(_ context.Context, in []byte) ([]byte, error) {
	var a struct {
		RoomID  string `json:"room_id"`
		Content string `json:"content"`
	}
	if err := json.Unmarshal(in, &a); err != nil {
		return nil, err
	}
	return json.Marshal(map[string]any{"id": "m1", "room": a.RoomID, "content": a.Content, "sender": map[string]any{"id": 1}})
}

func args(content string) []byte {
	b, _ := json.Marshal(map[string]any{"room_id": "r1", "content": content, "parent_message_id": nil,
		"forwarded_from_id": nil, "media": []any{}})
	return b
}

func call(tenant string) hooks.CallInfo {
	return hooks.CallInfo{Tenant: tenant, Caller: abi.Caller{UserID: 1, Username: "alice", SessionID: 3}}
}

func TestModeration(t *testing.T) {
	wasm := modkit.Make(t, ".", "c")
	// One module per tenant, each with its own config, and one without any.
	s := modkit.Load(t, fmt.Sprintf(`
modules:
  - name: strict
    path: %[1]s
    tenants: [strict]
    config: {banned_words: "spam, Buy Now ,,ПРИВЕТ,café"}
  - name: other
    path: %[1]s
    tenants: [other]
    config: {banned_words: "foo"}
  - name: unconfigured
    path: %[1]s
    tenants: [unconfigured]
`, wasm), hooks.Options{})

	for _, c := range []struct {
		tenant, content string
		rejected        bool
	}{
		{"strict", "this is spam", true},
		{"strict", "SPAM!", true},
		{"strict", "no SpAm here", true},
		{"strict", "please buy now", true},
		{"strict", "BUY NOW", true},
		{"strict", "buy, now", false},
		{"strict", "привет, мир", true},
		{"strict", "Привет", true},
		{"strict", "CAFÉ au lait", true},
		{"strict", "cafe au lait", false},
		{"strict", "hello world", false},
		{"strict", "", false},
		{"strict", "Spa m", false},
		// The config is per module: foo is banned for other only.
		{"other", "this is spam", false},
		{"other", "FOO bar", true},
		{"strict", "FOO bar", false},
		{"unconfigured", "spam foo", false},
	} {
		r := modkit.Run(t, s, "_create_message", call(c.tenant), args(c.content), echo)
		if c.rejected {
			if r.Code != 4003 || r.Detail != prohibited || r.DefaultArgs != "" {
				t.Errorf("%s %q: %+v, want 4003 %s without the default", c.tenant, c.content, r, prohibited)
			}
			continue
		}
		want, _ := echo(context.Background(), args(c.content))
		if r.Code != 0 || r.Output != modkit.Normalize(t, want) || r.DefaultArgs != modkit.Normalize(t, args(c.content)) {
			t.Errorf("%s %q: %+v, want the default's result %s", c.tenant, c.content, r, want)
		}
	}
}

// TestEscapes: the content is compared decoded, whatever escapes the JSON
// uses, and an unusual but valid envelope goes to the default unchanged.
func TestEscapes(t *testing.T) {
	wasm := modkit.Make(t, ".", "c")
	s := modkit.Load(t, fmt.Sprintf(`
modules:
  - name: moderation
    path: %s
    config: {banned_words: "spam,\"quoted\",<b>,😀"}
`, wasm), hooks.Options{})
	for _, c := range []struct {
		args     string
		rejected bool
	}{
		{`{"room_id":"r1","content":"\u0053\u0070AM"}`, true},
		{`{"content":"a \"QUOTED\" word","room_id":"r1"}`, true},
		{`{"room_id":"r1","content":"\u003cB\u003e bold"}`, true},
		{`{"room_id":"r1","content":"smile \ud83d\ude00"}`, true},
		{`{"room_id":"r1","content":"smile \ud83d\ude01"}`, false},
		{`{"room_id":"r1", "media":[{"content":"spam"}], "content" : "fine"}`, false},
		{`{"room_id":"r1","content":null}`, false},
		{`{"room_id":"r1"}`, false},
	} {
		r := modkit.Run(t, s, "_create_message", call("default"), []byte(c.args), echo)
		switch {
		case c.rejected && (r.Code != 4003 || r.Detail != prohibited):
			t.Errorf("%s: %+v, want 4003 %s", c.args, r, prohibited)
		case !c.rejected && (r.Code != 0 || r.DefaultArgs != modkit.Normalize(t, []byte(c.args))):
			t.Errorf("%s: %+v, want the default with the args unchanged", c.args, r)
		}
	}
}

// TestDefaultError: an error of the rest of the chain reaches the client
// unchanged through the module.
func TestDefaultError(t *testing.T) {
	wasm := modkit.Make(t, ".", "c")
	s := modkit.Load(t, fmt.Sprintf("modules:\n  - name: moderation\n    path: %s\n    config: {banned_words: spam}\n", wasm),
		hooks.Options{})
	fail := func(context.Context, []byte) ([]byte, error) {
		return nil, &abi.Error{Code: 4004, Detail: map[string]any{"room_id": []string{"Invalid pk"}}}
	}
	r := modkit.Run(t, s, "_create_message", call("default"), args("hello"), fail)
	if r.Code != 4004 || r.Detail != `{"room_id":["Invalid pk"]}` {
		t.Errorf("got %+v, want the default's 4004", r)
	}
}
