package hooks_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/chatwasm/chatwasm/abi"
	"github.com/chatwasm/chatwasm/host/hooks"
	"github.com/chatwasm/chatwasm/host/store"
	"github.com/chatwasm/chatwasm/host/store/storetest"
	"github.com/chatwasm/chatwasm/internal/modkit"
	"github.com/prometheus/client_golang/prometheus"
)

// world is a store with two tenants, each with a user and a group.
type world struct {
	st           *store.Store
	user1, user2 store.User // tenants t1, t2
	room1, room2 store.Room
	other1       store.User // a second user of t1
	call1        hooks.CallInfo
	emitted      []abi.Event
}

// eachWorld runs f with a world on each storage engine (storetest.Each).
func eachWorld(t *testing.T, f func(t *testing.T, w *world)) {
	storetest.Each(t, func(t *testing.T, st *store.Store) { f(t, newWorld(t, st)) })
}

func newWorld(t *testing.T, st *store.Store) *world {
	w := &world{st: st}
	ctx := context.Background()
	err := st.Write(ctx, func(tx *store.Tx) error {
		var err error
		if w.user1, err = tx.CreateUser(ctx, store.User{Tenant: "t1", Username: "u1"}); err != nil {
			return err
		}
		if w.other1, err = tx.CreateUser(ctx, store.User{Tenant: "t1", Username: "o1"}); err != nil {
			return err
		}
		if w.user2, err = tx.CreateUser(ctx, store.User{Tenant: "t2", Username: "u2"}); err != nil {
			return err
		}
		if w.room1, err = tx.CreateRoom(ctx, store.Room{Tenant: "t1", Kind: store.KindGroup, Name: "r1",
			CreatorID: &w.user1.ID, MaxMembers: 2}, ""); err != nil {
			return err
		}
		if w.room2, err = tx.CreateRoom(ctx, store.Room{Tenant: "t2", Kind: store.KindGroup, Name: "r2",
			CreatorID: &w.user2.ID, MaxMembers: 100}, ""); err != nil {
			return err
		}
		if err := tx.AddMembers(ctx, w.room1.ID, []int64{w.user1.ID}, true); err != nil {
			return err
		}
		return tx.AddMembers(ctx, w.room2.ID, []int64{w.user2.ID}, true)
	})
	if err != nil {
		t.Fatal(err)
	}
	w.call1 = hooks.CallInfo{Tenant: "t1", Caller: abi.Caller{UserID: w.user1.ID, Username: "u1"},
		Emit: func(_ context.Context, ev abi.Event) error {
			w.emitted = append(w.emitted, ev)
			return nil
		}}
	return w
}

// write runs fn in a write transaction of w's store; the test fails if
// it does.
func (w *world) write(t *testing.T, fn func(tx *store.Tx) error) {
	t.Helper()
	if err := w.st.Write(context.Background(), fn); err != nil {
		t.Fatal(err)
	}
}

// read runs fn in a read transaction of w's store; the test fails if it
// does.
func (w *world) read(t *testing.T, fn func(tx *store.Tx) error) {
	t.Helper()
	if err := w.st.Read(context.Background(), fn); err != nil {
		t.Fatal(err)
	}
}

func (w *world) kv(t *testing.T, module, tenant, key string) (string, bool) {
	t.Helper()
	var v string
	err := w.st.Read(context.Background(), func(tx *store.Tx) error {
		var err error
		v, err = tx.ModuleKVGet(context.Background(), module, tenant, key)
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		return "", false
	}
	if err != nil {
		t.Fatal(err)
	}
	return v, true
}

// runTx runs hook of s as w's first user inside a write transaction, after
// first (if not nil) has run in it, and returns the output. The transaction
// commits unless the call fails.
func (w *world) runTx(ctx context.Context, s *hooks.Set, hook string, in []byte, next hooks.Next, first func(*store.Tx) error) ([]byte, error) {
	var out []byte
	err := w.st.Write(ctx, func(tx *store.Tx) error {
		if first != nil {
			if err := first(tx); err != nil {
				return err
			}
		}
		call := w.call1
		call.Tx = tx
		var err error
		out, err = s.Run(ctx, hook, call, in, next)
		return err
	})
	return out, err
}

// importResult decodes the output of the guest's import mode: the import's
// result and the error text it answered.
func importResult(t *testing.T, out []byte) (result, errText string) {
	t.Helper()
	var res struct {
		Result json.RawMessage `json:"result"`
		Error  string          `json:"error"`
	}
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatal(err)
	}
	return string(res.Result), res.Error
}

func TestKVInTransaction(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		s := guestSet(t, hooks.Options{Store: w.st}, guestModule{name: "kvmod", hooks: "_create_message", caps: "kv", config: "mode: kv, tag: k"})
		ctx := context.Background()
		write := func(key string, c *core) error {
			_, err := w.runTx(ctx, s, "_create_message", []byte(`{"trail":[],"key":"`+key+`","value":{"n":1}}`), c.next, nil)
			return err
		}
		boom := &abi.Error{Code: 4005, Detail: abi.DetailIntegrity}
		err := write("rolled", &core{err: boom})
		if ae := modkit.WireError(t, err); ae.Code != 4003 || !strings.Contains(ae.Detail.([]string)[0], "k saw") {
			t.Errorf("failed operation: %v", err)
		}
		if _, ok := w.kv(t, "kvmod", "t1", "rolled"); ok {
			t.Error("the module's write survived the rolled-back transaction")
		}
		if err := write("kept", &core{}); err != nil {
			t.Fatal(err)
		}
		if v, ok := w.kv(t, "kvmod", "t1", "kept"); !ok || v != `{"n":1}` {
			t.Errorf("committed write: %q, %v", v, ok)
		}
		if _, ok := w.kv(t, "kvmod", "t2", "kept"); ok {
			t.Error("the write leaked into another tenant")
		}
	})
}

func TestKVOutsideTransaction(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		s := guestSet(t, hooks.Options{Store: w.st},
			guestModule{name: "writer", hooks: "create_message", caps: `"*"`, config: "mode: kv, tag: w"},
			guestModule{name: "reader", hooks: "join_room", caps: "kv", config: "mode: kv_get"},
		)
		ctx := context.Background()
		if _, err := s.Run(ctx, "create_message", w.call1, []byte(`{"key":"k","value":"v"}`), (&core{}).next); err != nil {
			t.Fatal(err)
		}
		if v, ok := w.kv(t, "writer", "t1", "k"); !ok || v != `"v"` {
			t.Errorf("extend-layer write: %q, %v", v, ok)
		}
		// Each module has its own store.
		out, err := s.Run(ctx, "join_room", w.call1, []byte(`{"key":"k"}`), nil)
		if err != nil || string(out) != `{"error":"","value":{"value":null}}` {
			t.Errorf("another module's key: %s, %v", out, err)
		}
	})
}

// TestKVQuota: a kv_set that would take the module's store past its
// kv_quota fails, for the module to see, and stores nothing.
func TestKVQuota(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		s := guestSet(t, hooks.Options{Store: w.st}, guestModule{name: "writer", hooks: "create_message", caps: "kv", config: "mode: kv, tag: w", more: []string{"kv_quota: 10B"}})
		ctx := context.Background()
		if _, err := s.Run(ctx, "create_message", w.call1, []byte(`{"key":"k","value":"v"}`), (&core{}).next); err != nil {
			t.Fatal(err)
		}
		_, err := s.Run(ctx, "create_message", w.call1, []byte(`{"key":"k2","value":"12345"}`), (&core{}).next)
		if err == nil || !strings.Contains(err.Error(), "would exceed its kv_quota of 10 bytes") {
			t.Errorf("a write past the quota: %v", err)
		}
		if _, ok := w.kv(t, "writer", "t1", "k2"); ok {
			t.Error("the refused value was stored")
		}
		// The quota is per tenant.
		call2 := hooks.CallInfo{Tenant: "t2", Caller: abi.Caller{UserID: w.user2.ID, Username: "u2"}}
		if _, err := s.Run(ctx, "create_message", call2, []byte(`{"key":"k2","value":"12345"}`), (&core{}).next); err != nil {
			t.Errorf("another tenant's store: %v", err)
		}
	})
}

func TestCapabilityRefused(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		logs := &modkit.LogSink{}
		m := newManager(t, modulesYAML(guestModule{name: "nokv", hooks: "_create_message", caps: "rooms.read", config: "mode: kv"}), hooks.Options{Store: w.st, Logger: slog.New(logs)})
		c := &core{}
		_, err := w.runTx(context.Background(), acquire(t, m), "_create_message", []byte(`{"key":"k","value":1}`), c.next, nil)
		ae := modkit.WireError(t, err)
		if d, _ := ae.Detail.([]string); ae.Code != 4003 || len(d) != 1 ||
			!strings.Contains(d[0], `kv_set: wasm: capability not granted: kv_set needs "kv"`) {
			t.Errorf("refused import: %d %v", ae.Code, ae.Detail)
		}
		if _, ok := w.kv(t, "nokv", "t1", "k"); ok || c.calls.Load() != 0 {
			t.Error("the refused write happened")
		}
	})
}

func TestTenantScoping(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		s := guestSet(t, hooks.Options{Store: w.st},
			guestModule{name: "reader", hooks: "create_message, _join_room", caps: "rooms.read, members.write", config: "mode: room_get"},
			guestModule{name: "adder", hooks: "_create_message", caps: "members.write", config: "mode: members_add"},
		)
		ctx := context.Background()
		get := func(roomID string) (room abi.Room, errText string) {
			out, err := s.Run(ctx, "create_message", w.call1, []byte(`{"room_id":"`+roomID+`"}`), nil)
			if err != nil {
				t.Fatal(err)
			}
			var res struct {
				Room  *abi.Room `json:"room"`
				Error string    `json:"error"`
			}
			if err := json.Unmarshal(out, &res); err != nil {
				t.Fatal(err)
			}
			if res.Room != nil {
				room = *res.Room
			}
			return room, res.Error
		}
		if rm, e := get(w.room1.ID); e != "" || rm.ID != w.room1.ID || rm.Kind != "GroupChat" || rm.Name != "r1" ||
			rm.CreatorID == nil || *rm.CreatorID != w.user1.ID || string(rm.Preferences) != "{}" {
			t.Errorf("own tenant's room: %+v, %q", rm, e)
		}
		notFound := `{"code":4004,"detail":"Resource not found."}`
		if rm, e := get(w.room2.ID); e != notFound || rm.ID != "" {
			t.Errorf("other tenant's room: %+v, %q", rm, e)
		}
		if _, e := get("no-such-room"); e != notFound {
			t.Errorf("missing room: %q", e)
		}

		add := func(hook, roomID string, userID int64) string {
			out, err := w.runTx(ctx, s, hook, []byte(`{"room_id":"`+roomID+`","user_id":`+itoa(userID)+`}`), nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			return string(out)
		}
		if got := add("_create_message", w.room1.ID, w.user2.ID); got != `{"error":`+quote(notFound)+`,"result":null}` {
			t.Errorf("adding another tenant's user: %s", got)
		}
		if got := add("_create_message", w.room2.ID, w.other1.ID); got != `{"error":`+quote(notFound)+`,"result":null}` {
			t.Errorf("adding to another tenant's room: %s", got)
		}
		if got := add("_create_message", w.room1.ID, w.other1.ID); got != `{"error":"","result":{"count":2}}` {
			t.Errorf("adding a member: %s", got)
		}
		var n int64
		w.read(t, func(tx *store.Tx) error {
			var err error
			n, err = tx.CountMembers(ctx, w.room1.ID)
			return err
		})
		if n != 2 {
			t.Errorf("room has %d members after members_add", n)
		}
	})
}

func TestMembersWriteOnlyInReplaceLayer(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		m := newManager(t, modulesYAML(guestModule{name: "adder", hooks: "create_message", caps: `"*"`, config: "mode: members_add"}), hooks.Options{Store: w.st})
		out, err := acquire(t, m).Run(context.Background(), "create_message", w.call1,
			[]byte(`{"room_id":"`+w.room1.ID+`","user_id":`+itoa(w.other1.ID)+`}`), nil)
		want := `{"error":"{\"code\":4006,\"detail\":\"members_add is only available in replace hooks and actions\"}","result":null}`
		if err != nil || string(out) != want {
			t.Errorf("members_add in the extend layer: %s, %v", out, err)
		}
	})
}

func TestEmitAndLog(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		logs := &modkit.LogSink{}
		s := guestSet(t, hooks.Options{Store: w.st, Logger: slog.New(logs)},
			guestModule{name: "emitter", hooks: "create_message", caps: "events.emit", config: "mode: emit, tag: e"},
			guestModule{name: "logger", hooks: "create_message", caps: "log", config: "mode: log, tag: l"},
		)
		ctx := context.Background()
		if _, err := s.Run(ctx, "create_message", w.call1, []byte(`{"room_id":"`+w.room1.ID+`"}`), (&core{}).next); err != nil {
			t.Fatal(err)
		}
		if len(w.emitted) != 1 || w.emitted[0].To != "room" || w.emitted[0].RoomID != w.room1.ID ||
			w.emitted[0].EventType != "custom.event" || string(w.emitted[0].Data) != `{"from":"e"}` {
			t.Errorf("emitted %+v", w.emitted)
		}
		if len(logs.Find("WARN hello from l", "module=logger", "hook=create_message", "tenant=t1", "n=1")) != 1 {
			t.Errorf("module log not found: %v", logs.Find(""))
		}
		// Another tenant's room does not exist for the module.
		w.emitted = nil
		_, err := s.Run(ctx, "create_message", w.call1, []byte(`{"room_id":"`+w.room2.ID+`"}`), (&core{}).next)
		if ae := modkit.WireError(t, err); ae.Code != 4003 || !strings.Contains(ae.Detail.([]string)[0], "4004") || len(w.emitted) != 0 {
			t.Errorf("emit to another tenant's room: %v, %v", err, w.emitted)
		}
	})
}

func TestPermissionHook(t *testing.T) {
	for _, tc := range []struct {
		mode string
		def  abi.Decision
		want abi.Decision
	}{
		{"deny", abi.Decision{Allow: true}, abi.Decision{Allow: false, Code: 4002, Detail: "denied by p"}},
		{"allow", abi.Decision{Allow: false}, abi.Decision{Allow: true}},
		{"wrap", abi.Decision{Allow: true, RoomID: "r"}, abi.Decision{Allow: true, RoomID: "r"}},
	} {
		t.Run(tc.mode, func(t *testing.T) {
			m := newManager(t, modulesYAML(guestModule{name: "perm", hooks: "have_room_permission", config: "mode: " + tc.mode + ", tag: p"}),
				hooks.Options{})
			got, err := hooks.Call(context.Background(), acquire(t, m), abi.PermRoom, alice,
				abi.PermissionArgs{RoomID: json.RawMessage(`"r"`)},
				func(context.Context, abi.PermissionArgs) (abi.Decision, error) { return tc.def, nil })
			if err != nil || got.Allow != tc.want.Allow || got.Code != tc.want.Code || got.Detail != tc.want.Detail ||
				got.RoomID != tc.want.RoomID {
				t.Errorf("decision %+v, %v; want %+v", got, err, tc.want)
			}
		})
	}
}

func TestExceptionHook(t *testing.T) {
	s := guestSet(t, hooks.Options{}, guestModule{name: "exc", config: "mode: wrap"})
	identity := func(_ context.Context, e abi.ExceptionArgs) (abi.Error, error) {
		return abi.Error{Code: e.Code, Detail: e.Detail}, nil
	}
	got, err := hooks.Call(context.Background(), s, abi.ExceptionHook, alice,
		abi.ExceptionArgs{Code: 4003, Detail: []string{"bad"}, EventType: "message.send"}, identity)
	if err != nil || got.Code != 4007 || got.Detail != "mapped 4003" {
		t.Errorf("mapped: %+v, %v", got, err)
	}
	got, err = hooks.Call(context.Background(), s, abi.ExceptionHook, alice,
		abi.ExceptionArgs{Code: 4002, Detail: "no"}, identity)
	if err != nil || got.Code != 4002 || got.Detail != "no" {
		t.Errorf("passed through: %+v, %v", got, err)
	}
}

func TestSerializerHook(t *testing.T) {
	s := guestSet(t, hooks.Options{},
		guestModule{name: "s1", hooks: "serialize_message", config: "tag: low"},
		guestModule{name: "s2", hooks: "serialize_message", config: "tag: high"},
	)
	obj := []byte(`{"id":"m1","room":{"id":"r"},"sender":{"id":1},"content":"hi","is_deleted":false,"is_edited":false}`)
	out, err := s.Serialize(context.Background(), abi.SerializeMessageHook, alice, "", obj)
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatal(err)
	}
	// The second module sees the first one's field and its own wins; the
	// protected fields are untouched; next is refused.
	if got["priority"] != "high" || got["seen_keys"] != float64(9) || got["id"] != "m1" || got["is_deleted"] != false ||
		got["content"] != "hi" {
		t.Errorf("serialized %s", out)
	}
	if e, _ := got["next_error"].(string); !strings.Contains(e, "next is not available in serializer hooks") {
		t.Errorf("next in a serializer: %q", e)
	}
	// No module for the room serializer: the object is returned as it is.
	room := []byte(`{"id":"r","type":"GroupChat"}`)
	if out, err := s.Serialize(context.Background(), abi.SerializeRoomHook, alice, "detail", room); err != nil ||
		string(out) != string(room) {
		t.Errorf("unhooked serializer: %s, %v", out, err)
	}
}

func TestCustomAction(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		s := guestSet(t, hooks.Options{Store: w.st}, guestModule{name: "pin", caps: "events.emit"})
		hook := abi.ActionHook("message.pin")
		if !s.Has("t1", hook) || s.Has("t1", abi.ActionHook("message.flag")) {
			t.Fatal("the action exported is not hooked")
		}
		unknown := func(context.Context, []byte) ([]byte, error) { return nil, errors.New("invalid event type") }
		out, err := s.Run(context.Background(), hook, w.call1, []byte(`{"room_id":"`+w.room1.ID+`"}`), unknown)
		if err != nil || string(out) != `{"pinned":"`+w.room1.ID+`"}` {
			t.Errorf("action: %s, %v", out, err)
		}
		if len(w.emitted) != 1 || w.emitted[0].EventType != "message.pinned" {
			t.Errorf("emitted %+v", w.emitted)
		}
	})
}

func itoa(n int64) string { b, _ := json.Marshal(n); return string(b) }

func quote(s string) string { b, _ := json.Marshal(s); return string(b) }

// TestEmitAndLogLimits: one call may emit MaxEmitsPerCall events (the next
// emit fails, and the hook with it) and write MaxLogLinesPerCall lines to
// the server's log (the rest are dropped, with one warning); both count in
// chatwasm_module_limited_total.
func TestEmitAndLogLimits(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		logs := &modkit.LogSink{}
		reg := prometheus.NewRegistry()
		s := guestSet(t, hooks.Options{Store: w.st, Logger: slog.New(logs), Registerer: reg},
			guestModule{name: "emitter", hooks: "create_message", caps: "events.emit",
				config: fmt.Sprintf(`mode: emit, tag: e, times: "%d"`, hooks.MaxEmitsPerCall+1)},
			guestModule{name: "logger", hooks: "_create_message", caps: "log",
				config: fmt.Sprintf(`mode: log, tag: l, times: "%d"`, hooks.MaxLogLinesPerCall+50)},
		)
		ctx := context.Background()
		args := []byte(`{"room_id":"` + w.room1.ID + `"}`)
		_, err := s.Run(ctx, "create_message", w.call1, args, (&core{}).next)
		if ae := modkit.WireError(t, err); !strings.Contains(fmt.Sprint(ae.Detail), fmt.Sprintf("at most %d events", hooks.MaxEmitsPerCall)) {
			t.Errorf("emit past the limit: %v", err)
		}
		if len(w.emitted) != hooks.MaxEmitsPerCall {
			t.Errorf("%d events emitted, want %d", len(w.emitted), hooks.MaxEmitsPerCall)
		}
		if got := counter(t, reg, "chatwasm_module_limited_total", "emit", "emitter"); got != 1 {
			t.Errorf("limited_total{emit} = %v, want 1", got)
		}

		if _, err := s.Run(ctx, "_create_message", w.call1, args, (&core{}).next); err != nil {
			t.Fatal(err)
		}
		if got := len(logs.Find("WARN hello from l", "module=logger")); got != hooks.MaxLogLinesPerCall {
			t.Errorf("%d module lines logged, want %d", got, hooks.MaxLogLinesPerCall)
		}
		if got := len(logs.Find("module log over the per-call limit", "module=logger")); got != 1 {
			t.Errorf("the dropped lines were reported %d times, want once", got)
		}
		if got := counter(t, reg, "chatwasm_module_limited_total", "log", "logger"); got != 50 {
			t.Errorf("limited_total{log} = %v, want 50", got)
		}
	})
}

// TestClockAndRandomCapabilities: a module granted "clock" and "random"
// reads the real time and real random bytes; without them it sees WASI's
// fixed fake clock (2022) and the same bytes in every instance.
func TestClockAndRandomCapabilities(t *testing.T) {
	type reading struct {
		Year   int    `json:"year"`
		Random string `json:"random"`
	}
	read := func(t *testing.T, caps string) [2]reading {
		t.Helper()
		m := newManager(t, modulesYAML(guestModule{name: "c", hooks: "create_message", caps: caps, config: "mode: clock"}),
			hooks.Options{})
		var out [2]reading
		for i := range out {
			// A fresh set each time: a new instance, so a deterministic
			// source starts over.
			if err := m.Reload(context.Background()); err != nil {
				t.Fatal(err)
			}
			b, err := acquire(t, m).Run(context.Background(), "create_message", alice, []byte(`{}`), (&core{}).next)
			if err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(b, &out[i]); err != nil {
				t.Fatalf("%s: %v", b, err)
			}
		}
		return out
	}
	granted := read(t, "clock, random")
	if now := time.Now().Year(); granted[0].Year != now {
		t.Errorf("granted clock: year %d, want %d", granted[0].Year, now)
	}
	if granted[0].Random == granted[1].Random {
		t.Errorf("granted random: two instances read the same bytes %s", granted[0].Random)
	}
	fixed := read(t, "")
	if fixed[0].Year != 2022 {
		t.Errorf("no clock: year %d, want WASI's fake 2022", fixed[0].Year)
	}
	if fixed[0].Random != fixed[1].Random {
		t.Errorf("no random: instances read %s and %s, want the same deterministic bytes", fixed[0].Random, fixed[1].Random)
	}
}
