package modkit

import (
	"context"
	"strings"
	"testing"

	"github.com/chatwasm/chatwasm/abi"
	"github.com/chatwasm/chatwasm/host/hooks"
)

// moderationCaller is the caller of every moderation call.
var moderationCaller = hooks.CallInfo{Tenant: "default", Caller: abi.Caller{UserID: 1, Username: "alice", SessionID: 7}}

// moderationOutput is what the Go default returns: a serialized message.
const moderationOutput = `{"id":"m-1","room":"r-1","content":"ok","sender":{"id":1,"username":"alice"}}`

// moderationArgs are the args of _create_message for content.
func moderationArgs(content string) []byte {
	return []byte(`{"room_id":"r-1","content":` + jsonString(content) +
		`,"parent_message_id":null,"forwarded_from_id":null,"media":[]}`)
}

// jsonString is s as a JSON string literal (for the few characters the
// tests use).
func jsonString(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`)
	return `"` + r.Replace(s) + `"`
}

func moderationDefault(context.Context, []byte) ([]byte, error) { return []byte(moderationOutput), nil }

// Moderation checks a build of the moderation example (the Go one's
// behaviour and config, in any language) through host/hooks: banned words
// in any case (Unicode included, matched as Go's strings.ToLower does) fail
// with the 4003, a clean message reaches the default with its args
// unchanged and returns its result, each module's config is honoured, the
// default's error passes unchanged, and one instance capped at 2MiB serves
// many calls of large messages (the module frees its memory between calls).
func Moderation(t *testing.T, wasm string) {
	t.Helper()
	s := Load(t, `
modules:
  - name: strict
    path: `+wasm+`
    hooks: [_create_message]
    tenants: [default]
    config: {banned_words: "spam, Buy Now,,école,ΟΔΟΣ,İSTANBUL"}
  - name: other
    path: `+wasm+`
    tenants: [acme]
    config: {banned_words: "hello"}
  - name: unconfigured
    path: `+wasm+`
    tenants: [empty]
  - name: small
    path: `+wasm+`
    tenants: [small]
    memory: 2MiB
    instances: 1
    config: {banned_words: spam}
`, hooks.Options{})
	const rejected = `["Message contains prohibited content"]`

	t.Run("banned word in any case", func(t *testing.T) {
		for _, content := range []string{"spam", "this is SPAM!", "please bUy NoW", "ÉCOLE privée", "ΟΔΟΣΑ", "welcome to istanbul"} {
			r := Run(t, s, "_create_message", moderationCaller, moderationArgs(content), moderationDefault)
			if want := (Result{Code: abi.CodeValidation, Detail: rejected}); r != want {
				t.Errorf("%q: got %+v, want %+v (and the default not run)", content, r, want)
			}
		}
	})

	t.Run("clean message goes to the default", func(t *testing.T) {
		args := moderationArgs(`buy later, "quoted" \ spa m ✓`)
		r := Run(t, s, "_create_message", moderationCaller, args, moderationDefault)
		if r.Code != 0 {
			t.Fatalf("got error %d %s", r.Code, r.Detail)
		}
		if want := Normalize(t, args); r.DefaultArgs != want {
			t.Errorf("the default got %s, want the args unchanged %s", r.DefaultArgs, want)
		}
		if want := Normalize(t, []byte(moderationOutput)); r.Output != want {
			t.Errorf("output %s, want the default's %s", r.Output, want)
		}
	})

	t.Run("config honoured", func(t *testing.T) {
		acme, empty := moderationCaller, moderationCaller
		acme.Tenant, empty.Tenant = "acme", "empty"
		if r := Run(t, s, "_create_message", acme, moderationArgs("Hello there"), moderationDefault); r.Detail != rejected {
			t.Errorf("acme, hello: got %d %s, want the rejection", r.Code, r.Detail)
		}
		if r := Run(t, s, "_create_message", acme, moderationArgs("spam"), moderationDefault); r.Code != 0 {
			t.Errorf("acme, spam: got %d %s; only hello is banned there", r.Code, r.Detail)
		}
		if r := Run(t, s, "_create_message", empty, moderationArgs("spam hello"), moderationDefault); r.Code != 0 {
			t.Errorf("no banned_words: got %d %s, want every message through", r.Code, r.Detail)
		}
	})

	t.Run("one instance serves many calls in little memory", func(t *testing.T) {
		// Every call allocates about ten times the content; without its
		// memory freed between calls the 2MiB cap breaks within a few
		// dozen calls and the call faults (4006).
		small := moderationCaller
		small.Tenant = "small"
		clean, dirty := strings.Repeat("word ", 4000), strings.Repeat("word ", 4000)+"SPAM"
		for i := range 50 {
			if r := Run(t, s, "_create_message", small, moderationArgs(clean), moderationDefault); r.Code != 0 {
				t.Fatalf("call %d, clean: got %d %s", i, r.Code, r.Detail)
			}
			if r := Run(t, s, "_create_message", small, moderationArgs(dirty), moderationDefault); r.Detail != rejected {
				t.Fatalf("call %d, banned: got %d %s", i, r.Code, r.Detail)
			}
		}
	})

	t.Run("default's error passes unchanged", func(t *testing.T) {
		fail := func(context.Context, []byte) ([]byte, error) {
			return nil, &abi.Error{Code: abi.CodeIntegrity, Detail: []string{"Room is full"}}
		}
		args := moderationArgs("fine")
		r := Run(t, s, "_create_message", moderationCaller, args, fail)
		if want := (Result{Code: abi.CodeIntegrity, Detail: `["Room is full"]`, DefaultArgs: Normalize(t, args)}); r != want {
			t.Errorf("got %+v, want the default's error unchanged %+v", r, want)
		}
	})
}
