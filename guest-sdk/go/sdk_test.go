package chatwasm_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/chatwasm/chatwasm/abi"
	chatwasm "github.com/chatwasm/chatwasm/guest-sdk/go"
	"github.com/chatwasm/chatwasm/guest-sdk/go/modtest"
	"github.com/chatwasm/chatwasm/host/hooks"
	"github.com/chatwasm/chatwasm/host/store"
	"github.com/chatwasm/chatwasm/host/store/storetest"
	"github.com/chatwasm/chatwasm/internal/modkit"
)

// The SDK is tested the way modules use it: testdata/sdkguest, built from
// source, runs in the real hook chain (host/hooks) on a real store.

// world is a store with a tenant "t1" holding two users and a group, and a
// tenant "t2" with a user and a group of its own.
type world struct {
	st           *store.Store
	alice, bob   store.User
	carol        store.User // tenant t2
	group, other store.Room // other is t2's
	mu           sync.Mutex
	emitted      []abi.Event
}

func newWorld(t *testing.T, st *store.Store) *world {
	t.Helper()
	w := &world{st: st}
	ctx := context.Background()
	err := st.Write(ctx, func(tx *store.Tx) error {
		var err error
		if w.alice, err = tx.CreateUser(ctx, store.User{Tenant: "t1", Username: "alice", Email: "a@example.com"}); err != nil {
			return err
		}
		if w.bob, err = tx.CreateUser(ctx, store.User{Tenant: "t1", Username: "bob"}); err != nil {
			return err
		}
		if w.carol, err = tx.CreateUser(ctx, store.User{Tenant: "t2", Username: "carol"}); err != nil {
			return err
		}
		if w.group, err = tx.CreateRoom(ctx, store.Room{Tenant: "t1", Kind: store.KindGroup, Name: "team",
			CreatorID: &w.alice.ID, MaxMembers: 10, JoinApprovalRequired: true,
			Preferences: json.RawMessage(`{"theme":"dark"}`)}, ""); err != nil {
			return err
		}
		if w.other, err = tx.CreateRoom(ctx, store.Room{Tenant: "t2", Kind: store.KindGroup, Name: "elsewhere",
			CreatorID: &w.carol.ID, MaxMembers: 10}, ""); err != nil {
			return err
		}
		return tx.AddMembers(ctx, w.group.ID, []int64{w.alice.ID}, true)
	})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// call is alice's CallInfo in tenant t1; emitted events are recorded.
func (w *world) call() hooks.CallInfo {
	return hooks.CallInfo{Tenant: "t1", Caller: abi.Caller{UserID: w.alice.ID, Username: "alice", SessionID: 9},
		Emit: func(_ context.Context, ev abi.Event) error {
			w.mu.Lock()
			defer w.mu.Unlock()
			w.emitted = append(w.emitted, ev)
			return nil
		}}
}

// renderer renders every room as the same detail form, to test decoding.
type renderer struct{}

func (renderer) RenderRoom(_ context.Context, _ *store.Tx, _ string, _ int64, id, form string) (json.RawMessage, error) {
	return json.RawMessage(`{"id":"` + id + `","type":"GroupChat","creator":null,"participants":[],"admins":[],` +
		`"property":{"preferences":{}},"created_at":"","updated_at":"","name":"` + form + `","description":null,` +
		`"max_participants":3,"avatar":null,"join_approval_required":false,"group_locked":false}`), nil
}

func (renderer) RenderMessage(context.Context, *store.Tx, string, string) (json.RawMessage, error) {
	return nil, store.ErrNotFound
}

func (renderer) RenderUser(context.Context, *store.Tx, string, int64) (json.RawMessage, error) {
	return nil, store.ErrNotFound
}

func (renderer) RenderNotification(context.Context, *store.Tx, string, string) (json.RawMessage, error) {
	return nil, store.ErrNotFound
}

// newSet loads sdkguest under the module file's entry yaml (with {{wasm}}
// for its path) and returns the current set. A module that sets no timeout
// gets testTimeout.
func newSet(t *testing.T, st *store.Store, log *slog.Logger, yaml string) *hooks.Set {
	t.Helper()
	if !strings.Contains(yaml, "timeout:") {
		yaml = strings.ReplaceAll(yaml, "    path: {{wasm}}\n", "    path: {{wasm}}\n    "+testTimeout+"\n")
	}
	yaml = strings.ReplaceAll(yaml, "{{wasm}}", modtest.Build(t, filepath.Join("testdata", "sdkguest")))
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return modkit.Load(t, yaml, hooks.Options{Store: st, Renderer: renderer{}, Logger: log})
}

// testTimeout is the call timeout of a test module: the longest a module
// may have. These tests are not about timeouts, and a loaded machine was
// seen to exceed the default (500 ms) in calls that take milliseconds.
const testTimeout = "timeout: 1m"

const allCaps = `
modules:
  - name: sdk
    path: {{wasm}}
    capabilities: ["*"]
    allowed_hosts: ["127.0.0.1"]
    config: {greeting: hello}
`

// report is sdkguest's answer to a "do".
type report struct {
	Result json.RawMessage `json:"result"`
	Code   int             `json:"code"`
	Error  string          `json:"error"`
}

// do runs sdkguest's "do" in the replace hook _join_room, inside a write
// transaction as the operation would.
func do(t *testing.T, w *world, s *hooks.Set, op map[string]any) report {
	t.Helper()
	args, _ := json.Marshal(op)
	var out []byte
	err := w.st.Write(context.Background(), func(tx *store.Tx) error {
		call := w.call()
		call.Tx = tx
		var err error
		out, err = s.Run(context.Background(), "_join_room", call, args, func(context.Context, []byte) ([]byte, error) {
			return nil, errors.New("the default must not run")
		})
		return err
	})
	if err != nil {
		t.Fatalf("do %v: %v", op, err)
	}
	var r report
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatalf("do %v: %s: %v", op, out, err)
	}
	return r
}

func TestImports(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		w := newWorld(t, st)
		s := newSet(t, st, nil, allCaps)

		var c chatwasm.Call
		mustResult(t, do(t, w, s, map[string]any{"op": "call"}), &c)
		if c.Hook != "_join_room" || c.Tenant != "t1" || c.Caller != (chatwasm.Caller{UserID: w.alice.ID, Username: "alice", SessionID: 9}) {
			t.Errorf("call %+v", c)
		}

		var room chatwasm.RoomRecord
		mustResult(t, do(t, w, s, map[string]any{"op": "room", "room_id": w.group.ID}), &room)
		if room.ID != w.group.ID || room.Kind != chatwasm.GroupChat || room.Name != "team" || !room.JoinApprovalRequired ||
			room.CreatorID == nil || *room.CreatorID != w.alice.ID {
			t.Errorf("room %+v", room)
		}
		var prefs map[string]string
		mustResult(t, do(t, w, s, map[string]any{"op": "preferences", "room_id": w.group.ID}), &prefs)
		if prefs["theme"] != "dark" {
			t.Errorf("preferences %v", prefs)
		}

		var n int64
		mustResult(t, do(t, w, s, map[string]any{"op": "add_members", "room_id": w.group.ID, "user_id": w.bob.ID}), &n)
		if n != 2 {
			t.Errorf("members after add: %d", n)
		}
		var members []chatwasm.Member
		mustResult(t, do(t, w, s, map[string]any{"op": "members", "room_id": w.group.ID}), &members)
		if len(members) != 2 || members[0] != (chatwasm.Member{UserID: w.alice.ID, IsAdmin: true}) ||
			members[1] != (chatwasm.Member{UserID: w.bob.ID}) {
			t.Errorf("members %+v", members)
		}
		mustResult(t, do(t, w, s, map[string]any{"op": "remove_members", "room_id": w.group.ID, "user_id": w.bob.ID}), &n)
		if n != 1 {
			t.Errorf("members after remove: %d", n)
		}

		var u chatwasm.User
		mustResult(t, do(t, w, s, map[string]any{"op": "user", "user_id": w.alice.ID}), &u)
		if u.Username != "alice" || u.Email != "a@example.com" {
			t.Errorf("user %+v", u)
		}
		var rendered chatwasm.Room
		mustResult(t, do(t, w, s, map[string]any{"op": "render_room", "room_id": w.group.ID, "text": "list"}), &rendered)
		if rendered.ID != w.group.ID || rendered.Name != "list" || rendered.MaxMembers != 3 {
			t.Errorf("rendered room %+v", rendered)
		}

		// Errors of the imports: another tenant's room does not exist.
		for _, op := range []map[string]any{
			{"op": "room", "room_id": w.other.ID},
			{"op": "user", "user_id": w.carol.ID},
			{"op": "message", "message_id": "00000000-0000-0000-0000-000000000000"},
			{"op": "add_members", "room_id": w.group.ID, "user_id": w.carol.ID},
		} {
			if r := do(t, w, s, op); r.Code != 4004 || !strings.Contains(r.Error, "Resource not found.") {
				t.Errorf("%v: %+v, want a 4004", op, r)
			}
		}
	})
}

func TestKV(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		w := newWorld(t, st)
		s := newSet(t, st, nil, allCaps)
		var got struct {
			Found bool            `json:"found"`
			Value json.RawMessage `json:"value"`
		}
		mustResult(t, do(t, w, s, map[string]any{"op": "kv_get", "key": "k1"}), &got)
		if got.Found {
			t.Errorf("absent key found: %+v", got)
		}
		mustResult(t, do(t, w, s, map[string]any{"op": "kv_set", "key": "k1", "value": map[string]int{"n": 1}}), nil)
		mustResult(t, do(t, w, s, map[string]any{"op": "kv_set", "key": "k2", "value": "two"}), nil)
		mustResult(t, do(t, w, s, map[string]any{"op": "kv_get", "key": "k1"}), &got)
		if !got.Found || string(got.Value) != `{"n":1}` {
			t.Errorf("kv_get k1: %+v", got)
		}
		var list []chatwasm.KVEntry
		mustResult(t, do(t, w, s, map[string]any{"op": "kv_list", "key": "k"}), &list)
		if len(list) != 2 || list[0].Key != "k1" || string(list[1].Value) != `"two"` {
			t.Errorf("kv_list: %+v", list)
		}
		var deleted bool
		mustResult(t, do(t, w, s, map[string]any{"op": "kv_delete", "key": "k1"}), &deleted)
		if !deleted {
			t.Error("kv_delete of an existing key said it did not exist")
		}
		mustResult(t, do(t, w, s, map[string]any{"op": "kv_delete", "key": "k1"}), &deleted)
		if deleted {
			t.Error("kv_delete of a deleted key said it existed")
		}
		if r := do(t, w, s, map[string]any{"op": "kv_set", "key": "", "value": 1}); r.Code != 4003 {
			t.Errorf("empty key: %+v, want a 4003", r)
		}
	})
}

func TestEventsLogConfig(t *testing.T) {
	st := storetest.Open(t, "sqlite")
	w := newWorld(t, st)
	logs := &modkit.LogSink{}
	s := newSet(t, st, slog.New(logs), allCaps)

	mustResult(t, do(t, w, s, map[string]any{"op": "emit_room", "room_id": w.group.ID, "text": "to the room"}), nil)
	mustResult(t, do(t, w, s, map[string]any{"op": "emit_user", "user_id": w.bob.ID, "text": "to bob"}), nil)
	if len(w.emitted) != 2 ||
		w.emitted[0].To != abi.ToRoom || w.emitted[0].RoomID != w.group.ID || w.emitted[0].EventType != "sdk.event" ||
		string(w.emitted[0].Data) != `{"text":"to the room"}` ||
		w.emitted[1].To != abi.ToUser || w.emitted[1].UserID != w.bob.ID || string(w.emitted[1].Data) != `{"text":"to bob"}` {
		t.Errorf("emitted %+v", w.emitted)
	}

	mustResult(t, do(t, w, s, map[string]any{"op": "log", "text": "hello from the sdk"}), nil)
	if len(logs.Find("WARN hello from the sdk", "n=1", "who=alice", "module=sdk")) == 0 {
		t.Errorf("log records %q", logs.Find())
	}

	var cfg struct {
		Value string `json:"value"`
		Set   bool   `json:"set"`
	}
	mustResult(t, do(t, w, s, map[string]any{"op": "config", "key": "greeting"}), &cfg)
	if cfg.Value != "hello" || !cfg.Set {
		t.Errorf("config greeting: %+v", cfg)
	}
	mustResult(t, do(t, w, s, map[string]any{"op": "config", "key": "missing"}), &cfg)
	if cfg.Set {
		t.Errorf("config missing: %+v", cfg)
	}
}

func TestCapabilityRefused(t *testing.T) {
	st := storetest.Open(t, "sqlite")
	w := newWorld(t, st)
	s := newSet(t, st, nil, "modules:\n  - name: sdk\n    path: {{wasm}}\n")
	r := do(t, w, s, map[string]any{"op": "kv_set", "key": "k", "value": 1})
	if r.Code != 4006 || !strings.Contains(r.Error, `kv_set needs "kv"`) {
		t.Errorf("kv_set without the capability: %+v", r)
	}
	// Passing the refused call's error on gives the client a 4006, not the
	// host's text.
	err := w.st.Write(context.Background(), func(tx *store.Tx) error {
		call := w.call()
		call.Tx = tx
		_, err := s.Run(context.Background(), "_join_room", call,
			[]byte(`{"op":"fail_with","room_id":"`+w.group.ID+`"}`), nil)
		return err
	})
	if ae := modkit.WireError(t, err); ae.Code != 4006 || fmt.Sprintf("%s", ae.Detail) != `"Internal server error."` {
		t.Errorf("refused call passed on: %+v", ae)
	}
}

func TestHTTP(t *testing.T) {
	st := storetest.Open(t, "sqlite")
	w := newWorld(t, st)
	s := newSet(t, st, nil, allCaps)
	var got struct {
		body, ctype string
	}
	srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got.body, got.ctype = string(b), r.Header.Get("Content-Type")
		rw.WriteHeader(http.StatusAccepted)
		_, _ = rw.Write([]byte("queued"))
	}))
	defer srv.Close()
	var res struct {
		Status int    `json:"status"`
		Body   string `json:"body"`
	}
	mustResult(t, do(t, w, s, map[string]any{"op": "http", "text": srv.URL + "/hook", "value": map[string]int{"n": 1}}), &res)
	if res.Status != http.StatusAccepted || res.Body != "queued" || got.body != `{"n":1}` || got.ctype != "application/json" {
		t.Errorf("response %+v, server got %+v", res, got)
	}
	u, _ := url.Parse(srv.URL)
	r := do(t, w, s, map[string]any{"op": "http", "text": "http://localhost:" + u.Port() + "/hook"})
	if r.Code != 4006 || !strings.Contains(r.Error, "not allowed") {
		t.Errorf("a host not allowed: %+v", r)
	}
}

// TestNextAndErrors runs the extend hook create_message around a Go
// default: typed arguments and result, Next, and each kind of error.
func TestNextAndErrors(t *testing.T) {
	st := storetest.Open(t, "sqlite")
	w := newWorld(t, st)
	s := newSet(t, st, nil, allCaps)
	message := `{"id":"m1","room":{"id":"r1"},"sender":{"id":1,"username":"alice","email":"","first_name":"",` +
		`"last_name":""},"content":"%s","is_deleted":false,"is_edited":false,"is_forwarded":false,` +
		`"created_at":"t","updated_at":"t","parent_message":null,"forwarded_from":null,"delivered_to":[],` +
		`"read_receipts":[],"reactions":[],"attachments":[],"priority":"high"}`
	var defaultErr error
	var defaultGot string
	def := func(_ context.Context, in []byte) ([]byte, error) {
		defaultGot = string(in)
		if defaultErr != nil {
			return nil, defaultErr
		}
		var a chatwasm.CreateMessageArgs
		if err := json.Unmarshal(in, &a); err != nil {
			return nil, err
		}
		return fmt.Appendf(nil, message, a.Content), nil
	}
	run := func(content string) ([]byte, error) {
		args := `{"room_id":"r1","content":"` + content + `","parent_message_id":null,"forwarded_from_id":null,"media":[],"future":1}`
		return s.Run(context.Background(), "create_message", w.call(), []byte(args), def)
	}

	out, err := run("hi")
	if err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprintf(message, "hi [seen by alice]"); string(out) != want {
		t.Errorf("output\n got %s\nwant %s", out, want)
	}
	if !strings.Contains(defaultGot, `"future":1`) {
		t.Errorf("Next(c, c.Args) did not pass the args on unchanged: %s", defaultGot)
	}

	for content, want := range map[string]abi.Error{
		"fail":        {Code: 4003, Detail: []any{"Message contains prohibited content"}},
		"fail-object": {Code: 4010, Detail: map[string]any{"content": []any{"bad"}}},
		"plain":       {Code: 4003, Detail: []any{"plain failure"}},
	} {
		_, err := run(content)
		got := modkit.WireError(t, err)
		var detail any
		_ = json.Unmarshal(got.Detail.(json.RawMessage), &detail)
		if got.Code != want.Code || fmt.Sprint(detail) != fmt.Sprint(want.Detail) {
			t.Errorf("%s: %d %v, want %d %v", content, got.Code, detail, want.Code, want.Detail)
		}
	}

	// The default's error, passed on by the module (wrapped), is the
	// original error.
	defaultErr = &abi.Error{Code: 4005, Detail: abi.DetailIntegrity}
	_, err = run("hi")
	if !errors.Is(err, defaultErr) {
		t.Errorf("the default's error did not come back as it was: %v", err)
	}
}

// TestEnrichedPayloads: the SDK's types (aliases of abi and abi/payload)
// decode every field of the enriched payloads, as the host encodes them.
func TestEnrichedPayloads(t *testing.T) {
	st := storetest.Open(t, "sqlite")
	w := newWorld(t, st)
	s := newSet(t, st, nil, allCaps)
	out, err := s.Run(context.Background(), abi.ActionHook("sdk.payloads"), w.call(), []byte(modkit.PayloadsArgs(t)),
		func(context.Context, []byte) ([]byte, error) { return nil, errors.New("next must not run") })
	if err != nil {
		t.Fatal(err)
	}
	if got, want := modkit.Normalize(t, out), modkit.Normalize(t, []byte(modkit.PayloadsWant)); got != want {
		t.Errorf("payloads\n got %s\nwant %s", got, want)
	}
}

func TestExceptionAndPermission(t *testing.T) {
	st := storetest.Open(t, "sqlite")
	w := newWorld(t, st)
	s := newSet(t, st, nil, allCaps+"  - name: denier\n    path: {{wasm}}\n    hooks: [have_room_permission]\n    config: {deny: nope}\n")
	keep := func(_ context.Context, in []byte) ([]byte, error) { return in, nil }

	out, err := s.Run(context.Background(), "handle_exception", w.call(), []byte(`{"code":4003,"detail":["map me"]}`), keep)
	if err != nil || string(out) != `{"code":4007,"detail":["map me"]}` {
		t.Errorf("mapped exception: %s, %v", out, err)
	}
	in := `{"code":4004,"detail":"Resource not found.","event_type":"room.join"}`
	out, err = s.Run(context.Background(), "handle_exception", w.call(), []byte(in), func(context.Context, []byte) ([]byte, error) {
		return []byte(`{"code":4004,"detail":"Resource not found."}`), nil
	})
	if err != nil || string(out) != `{"code":4004,"detail":"Resource not found."}` {
		t.Errorf("kept exception: %s, %v", out, err)
	}

	// sdk passes the permission check on to denier.
	out, err = s.Run(context.Background(), "have_room_permission", w.call(), []byte(`{"room_id":"r1"}`),
		func(context.Context, []byte) ([]byte, error) { return []byte(`{"allow":true}`), nil })
	if err != nil || string(out) != `{"allow":false,"code":4002,"detail":"nope"}` {
		t.Errorf("permission: %s, %v", out, err)
	}
}

func mustResult(t *testing.T, r report, v any) {
	t.Helper()
	if r.Error != "" || r.Code != 0 {
		t.Fatalf("import failed: %d %s", r.Code, r.Error)
	}
	if v != nil {
		if err := json.Unmarshal(r.Result, v); err != nil {
			t.Fatalf("result %s: %v", r.Result, err)
		}
	}
}

// oneInstance loads sdkguest with a pool of one instance, so that every
// call runs in the same one; memory is its cap ("" for the default).
func oneInstance(t *testing.T, memory string) (*world, *hooks.Set) {
	t.Helper()
	st := storetest.Open(t, "sqlite")
	w := newWorld(t, st)
	yaml := "modules:\n  - name: sdk\n    path: {{wasm}}\n    instances: 1\n"
	if memory != "" {
		yaml += "    memory: " + memory + "\n"
	}
	return w, newSet(t, st, nil, yaml)
}

// TestHeapStaysFlat runs 300 000 calls through one instance under the
// default 64 MiB cap: a Go module's heap must not grow with the number of
// calls it has served (see gc.go).
func TestHeapStaysFlat(t *testing.T) {
	if testing.Short() {
		t.Skip("many calls")
	}
	w, s := oneInstance(t, "")
	args := []byte(`{"room_id":"` + strings.Repeat("r", 1024) + `"}`)
	for i := range 300000 {
		if _, err := s.Run(context.Background(), "retreive_room", w.call(), args, nil); err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
	}
}

// TestGarbageHeavyHook runs a hook that leaves 1 MiB of garbage per call
// through one instance capped at 32 MiB: collections the runtime starts
// during a call must end (gc.go), or the instance runs out of memory within
// some dozens of calls.
func TestGarbageHeavyHook(t *testing.T) {
	w, s := oneInstance(t, "32MiB")
	for i := range 2000 {
		out, err := s.Run(context.Background(), "modify_room", w.call(), []byte(`{"n":1}`), nil)
		if err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
		if string(out) != `{"n":1}` {
			t.Fatalf("call %d: output %s", i, out)
		}
	}
}

// TestCallStringsOutliveTheCall: the SDK reads every call into the same
// buffer, and a hook may keep the envelope's strings (Hook, Tenant,
// Caller.Username) past its call; the next calls must not change them.
func TestCallStringsOutliveTheCall(t *testing.T) {
	w, s := oneInstance(t, "")
	alice := w.call()
	carol := hooks.CallInfo{Tenant: "t2", Caller: abi.Caller{UserID: w.carol.ID, Username: "carol"}}
	for i, c := range []struct {
		call hooks.CallInfo
		args string
		want string
	}{
		{alice, `{"pad":"` + strings.Repeat("a", 200) + `"}`, `{"hook":"","tenant":"","username":""}`},
		{carol, `{"pad":"` + strings.Repeat("c", 300) + `"}`, `{"hook":"create_room","tenant":"t1","username":"alice"}`},
		{alice, `{}`, `{"hook":"create_room","tenant":"t2","username":"carol"}`},
		{alice, `{"pad":"` + strings.Repeat("x", 100) + `"}`, `{"hook":"create_room","tenant":"t1","username":"alice"}`},
	} {
		out, err := s.Run(context.Background(), "create_room", c.call, []byte(c.args), nil)
		if err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
		if string(out) != c.want {
			t.Errorf("call %d: got %s, want %s", i, out, c.want)
		}
	}
}
