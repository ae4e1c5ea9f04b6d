package chat_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/chatwasm/chatwasm/host/chat"
	"github.com/chatwasm/chatwasm/host/chat/wire"
	"github.com/chatwasm/chatwasm/host/hooks"
	"github.com/chatwasm/chatwasm/host/store"
	"github.com/chatwasm/chatwasm/host/store/storetest"
	"github.com/chatwasm/chatwasm/internal/gobuild"
)

// The test modules of testdata, each built once per test binary (gobuild
// caches them across runs by their sources): hostile (tenancy tests) and
// writer (imports_write_test.go, built with the Go SDK).
var (
	hostileWasm = sync.OnceValues(func() (string, error) { return gobuild.Wasm(filepath.Join("testdata", "hostile")) })
	writerWasm  = sync.OnceValues(func() (string, error) { return gobuild.Wasm(filepath.Join("testdata", "writer")) })
)

// hostileModule returns the path of the built hostile module.
func hostileModule(t testing.TB) string { return builtModule(t, hostileWasm) }

// writerModule returns the path of the built writer module.
func writerModule(t testing.TB) string { return builtModule(t, writerWasm) }

func builtModule(t testing.TB, build func() (string, error)) string {
	t.Helper()
	path, err := build()
	if err != nil {
		t.Fatal(err)
	}
	return path
}

// tenancyWorld is two tenants on one store: "acme", the victim, and
// "evil", whose module (the hostile one, for tenant evil only) tries to
// reach acme and, within evil, what its caller mallory has no right to.
type tenancyWorld struct {
	*roomEnv
	alice, bob            chat.Caller // acme
	mallory, trent, oscar chat.Caller // evil

	// acme's rooms: alice and bob's 1-1 chat, with alice's message, and
	// alice's public channel.
	victimDM, victimChannel, victimMsg string
	// evil's rooms: mallory's group with trent (mine, with trent's
	// message mineMsg); trent's group without mallory (theirs, with
	// theirsMsg); trent's group where mallory is a plain member (shared,
	// with trent's sharedMsg); trent's public channel (square); mallory
	// and trent's 1-1 chat (dm).
	mine, mineMsg, theirs, theirsMsg, shared, sharedMsg, square, dm string
	// ownMsg is mallory's message in mine.
	ownMsg string
}

// eachTenancyWorld runs test in a tenancy world over each store engine.
func eachTenancyWorld(t *testing.T, test func(t *testing.T, w *tenancyWorld)) {
	storetest.Each(t, func(t *testing.T, st *store.Store) { test(t, newTenancyWorld(t, st)) })
}

func newTenancyWorld(t *testing.T, st *store.Store) *tenancyWorld {
	w := &tenancyWorld{roomEnv: newRoomEnv(t, st)}
	w.alice, w.bob = w.userIn("acme", "alice"), w.userIn("acme", "bob")
	w.mallory, w.trent, w.oscar = w.userIn("evil", "mallory"), w.userIn("evil", "trent"), w.userIn("evil", "oscar")
	w.victimDM = w.create(w.alice, map[string]any{"type": "OneToOneChat", "participants": []int64{w.bob.UserID}}).ID
	w.victimChannel = w.channel(w.alice, "announcements", true).ID
	w.victimMsg = w.say(w.alice, w.victimDM, "secret of acme")
	w.mine = w.group(w.mallory, "mine", w.trent).ID
	w.mineMsg = w.say(w.trent, w.mine, "for mallory")
	w.ownMsg = w.say(w.mallory, w.mine, "by mallory")
	w.theirs = w.group(w.trent, "theirs", w.oscar).ID
	w.theirsMsg = w.say(w.trent, w.theirs, "not for mallory")
	w.shared = w.group(w.trent, "shared", w.mallory, w.oscar).ID
	w.sharedMsg = w.say(w.trent, w.shared, "trent's own")
	w.square = w.channel(w.trent, "square", true).ID
	w.dm = w.create(w.mallory, map[string]any{"type": "OneToOneChat", "participants": []int64{w.trent.UserID}}).ID
	return w
}

// say sends a message with the service without modules and returns its id.
func (w *tenancyWorld) say(c chat.Caller, roomID, content string) string {
	w.t.Helper()
	fs := roomFrames(w.t, w.ok(c, "message.send", map[string]any{"room_id": roomID, "content": content}))
	var m struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(fs[0].Data, &m); err != nil {
		w.t.Fatal(err)
	}
	return m.ID
}

// hostile returns a service whose modules are the hostile module, for
// tenant evil, subscribed to hooks with config, and the buffer its logs go
// to. The module is unloaded when the test ends.
func (w *tenancyWorld) hostile(hookNames []string, config map[string]string) (*chat.Service, *bytes.Buffer) {
	w.t.Helper()
	return w.module("hostile", hostileModule(w.t), hookNames, nil, config)
}

// module returns a service whose modules are the module name at path, for
// tenant evil, subscribed to hooks with the capabilities caps (none if
// nil) and config, and the buffer its logs go to. The module is unloaded
// when the test ends.
func (w *tenancyWorld) module(name, path string, hookNames, caps []string, config map[string]string) (*chat.Service, *bytes.Buffer) {
	w.t.Helper()
	hs, err := json.Marshal(hookNames)
	if err != nil {
		w.t.Fatal(err)
	}
	if caps == nil {
		caps = []string{}
	}
	cs, err := json.Marshal(caps)
	if err != nil {
		w.t.Fatal(err)
	}
	cfg, err := json.Marshal(config) // JSON is YAML
	if err != nil {
		w.t.Fatal(err)
	}
	file := filepath.Join(w.t.TempDir(), "modules.yaml")
	// The longest timeout a module may have: no test here is about
	// timeouts, and the default (500 ms) was seen exceeded on a loaded CI
	// machine by calls that take milliseconds.
	yaml := fmt.Sprintf("modules:\n  - name: %s\n    path: %s\n    tenants: [\"evil\"]\n    hooks: %s\n    capabilities: %s\n    timeout: 1m\n    config: %s\n",
		name, path, hs, cs, cfg)
	if err := os.WriteFile(file, []byte(yaml), 0o644); err != nil {
		w.t.Fatal(err)
	}
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	m, err := hooks.NewManager(context.Background(), file, hooks.Options{Store: w.st, WireError: wire.WireError,
		Logger: log, CacheDir: filepath.Join(os.TempDir(), "chatwasm-chat-test", "compile-cache")})
	if err != nil {
		w.t.Fatal(err)
	}
	w.t.Cleanup(func() { _ = m.Close(context.Background()) })
	return chat.New(w.st, chat.DefaultConfig(), log, chat.WithModules(m)), &logs
}

// with returns a roomEnv of test t driving svc on the world's store.
func (w *tenancyWorld) with(t *testing.T, svc *chat.Service) *roomEnv {
	return &roomEnv{chatEnv{t: t, st: w.st, svc: svc}}
}

// count runs a COUNT(*) query.
func (w *tenancyWorld) count(q string, args ...any) int {
	w.t.Helper()
	var n int
	w.read(func(ctx context.Context, tx *store.Tx) error {
		return tx.Executor().QueryRow(ctx, q, args...).Scan(&n)
	})
	return n
}

// forgedRoom is the JSON of a room detail naming room id, as a module
// would forge it.
func forgedRoom(id string) string {
	return `{"id":"` + id + `","type":"Channel","name":"pwned","created_at":"2026-01-01T00:00:00Z",` +
		`"updated_at":"2026-01-01T00:00:00Z","subscribers":[],"moderators":[],"property":{"preferences":{}}}`
}

// wantRefused fails t unless a request (what) failed with code and no
// effects.
func wantRefused(t *testing.T, what string, eff []wire.Effect, err error, code int) {
	t.Helper()
	if err == nil {
		t.Fatalf("%s: succeeded with %v, want a %d", what, roomSummary(t, eff), code)
	}
	if got := wire.AsError(err).Code; got != code {
		t.Errorf("%s: code %d (%v), want %d", what, got, err, code)
	}
	if eff != nil {
		t.Errorf("%s: effects %v, want none", what, roomSummary(t, eff))
	}
}
