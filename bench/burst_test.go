package bench

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chatwasm/chatwasm/abi"
	"github.com/chatwasm/chatwasm/host/server"
	"github.com/chatwasm/chatwasm/host/wasm"
	"github.com/chatwasm/chatwasm/internal/gobuild"
	"github.com/chatwasm/chatwasm/internal/testserver"
)

// A burst is burstConns users connecting at once, each sending one
// message.send to its room (rooms of burstRoom members) as soon as its
// connection is open and waiting for its own message.dispatch; then every
// connection closes. It is what a client fleet reconnecting after a network
// blip does to a server, and the load that made modules fail requests when
// a call's wait for a module instance was charged to the module.
const (
	burstConns = 100
	burstRoom  = 10
)

// burstFixture is a server (with the pass-through module on every hook, or
// without modules) and its users, each in a room of burstRoom.
type burstFixture struct {
	srv   *testserver.Server
	users []testserver.User
	rooms []string // by user
}

// passthroughWasm builds testdata/passthrough.
func passthroughWasm(tb testing.TB) string {
	tb.Helper()
	path, err := gobuild.Wasm(filepath.Join("testdata", "passthrough"))
	if err != nil {
		tb.Fatal(err)
	}
	return path
}

// newBurstFixture starts a server on SQLite, with the pass-through module
// loaded on every hook when modules, and provisions burstConns users.
func newBurstFixture(tb testing.TB, modules bool) *burstFixture {
	tb.Helper()
	flags := []string{"--frame-rate", "0", "--max-conns-per-user", "0"}
	moduleFile, moduleCache := "", filepath.Join(os.TempDir(), "chatwasm-bench-module-cache")
	if modules {
		moduleFile = filepath.Join(tb.TempDir(), "modules.yaml")
		yaml := fmt.Sprintf("modules:\n  - name: passthrough\n    path: %s\n", passthroughWasm(tb))
		if err := os.WriteFile(moduleFile, []byte(yaml), 0o644); err != nil {
			tb.Fatal(err)
		}
		flags = append(flags, "--modules", moduleFile, "--module-watch", "0", "--module-cache", moduleCache)
	}
	opts := []testserver.Option{testserver.WithFlags(flags...), testserver.WithLogLimit(1 << 20)}
	if os.Getenv(envInProcess) != "" {
		opts = append(opts, testserver.InProcess(func(ctx context.Context, s *testserver.Server, log io.Writer) error {
			cfg := server.DefaultConfig()
			cfg.Addr, cfg.DB, cfg.Secret, cfg.AdminToken = "127.0.0.1:0", s.DB, s.Secret, s.AdminToken
			cfg.ModuleWatch, cfg.FrameRate, cfg.MaxConnsPerUser = -1, 0, 0
			cfg.Modules, cfg.ModuleCache = moduleFile, moduleCache
			return server.Run(ctx, cfg, slog.New(slog.NewTextHandler(log, nil)))
		}))
	}
	f := &burstFixture{srv: testserver.Start(tb, opts...)}
	tb.Cleanup(func() {
		if tb.Failed() {
			tb.Logf("server log:\n%s", f.srv.Log())
		}
	})
	for i := range burstConns {
		f.users = append(f.users, f.srv.CreateUser(tb, fmt.Sprintf("burst%03d", i)))
	}
	for first := 0; first < burstConns; first += burstRoom {
		members := f.users[first : first+burstRoom]
		creator := dial(tb, f.srv, members[0])
		room := createGroup(tb, creator, members[1:], []*client{creator})
		creator.Close()
		for range members {
			f.rooms = append(f.rooms, room)
		}
	}
	return f
}

// burst runs one burst and returns how many of its requests failed: an
// error frame, a connection refused or closed, or no dispatch in time.
func (f *burstFixture) burst(tb testing.TB, n int) (failed int64) {
	tb.Helper()
	var wg sync.WaitGroup
	var fails atomic.Int64
	for i, u := range f.users {
		wg.Go(func() {
			if err := f.send(tb, u, f.rooms[i], fmt.Sprintf("burst %d from %s", n, u.Username)); err != nil {
				fails.Add(1)
				tb.Logf("%s: %v", u.Username, err)
			}
		})
	}
	wg.Wait()
	return fails.Load()
}

// send connects u, sends content to room and waits for its dispatch.
func (f *burstFixture) send(tb testing.TB, u testserver.User, room, content string) error {
	c, err := testserver.Dial(tb, f.srv.WSURL(u.Token), nil)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.Send("message.send", map[string]any{"room_id": room, "content": content}); err != nil {
		return err
	}
	mark := []byte(`"content":"` + content + `"`)
	deadline := time.Now().Add(waitTimeout)
	for {
		fr, ok := c.Next(time.Until(deadline))
		switch {
		case !ok:
			return fmt.Errorf("no message.dispatch of its own within %v (%v)", waitTimeout, c.ReadErr())
		case fr.Object["error"] != nil:
			return fmt.Errorf("error frame %s", fr)
		case bytes.Contains(fr.Raw, mark):
			return nil
		}
	}
}

// TestBurstWithModules: ten bursts against a server running the
// pass-through module on every hook fail no request.
func TestBurstWithModules(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a server and opens 1000 connections")
	}
	f := newBurstFixture(t, true)
	for n := range 10 {
		if failed := f.burst(t, n); failed != 0 {
			t.Fatalf("burst %d: %d of %d requests failed", n, failed, burstConns)
		}
	}
}

// TestPassthroughExportsEveryHook: the pass-through module exports every
// operation's two layers, every permission hook, the exception hook and
// both serializer hooks.
func TestPassthroughExportsEveryHook(t *testing.T) {
	b, err := os.ReadFile(passthroughWasm(t))
	if err != nil {
		t.Fatal(err)
	}
	info, err := wasm.Inspect(t.Context(), b)
	if err != nil {
		t.Fatal(err)
	}
	exported := map[string]bool{}
	for _, e := range info.Exports {
		exported[e.Name] = true
	}
	want := append(abi.PermissionHooks(), abi.ExceptionHook, abi.SerializeMessageHook, abi.SerializeRoomHook)
	for _, op := range abi.Operations() {
		want = append(want, abi.ExtendHook(op), abi.ReplaceHook(op))
	}
	for _, h := range want {
		if !exported[h] {
			t.Errorf("the pass-through module does not export %s", h)
		}
	}
}

// BenchmarkBurst measures bursts against a server without modules and one
// running the pass-through module on every hook. ns/op is one burst's
// completion time (the last dispatch); failed/op its failed requests.
func BenchmarkBurst(b *testing.B) {
	for _, mode := range []struct {
		name    string
		modules bool
	}{{"no-modules", false}, {"passthrough-go", true}} {
		b.Run(mode.name, func(b *testing.B) {
			f := newBurstFixture(b, mode.modules)
			f.burst(b, -1) // warm: compiled module instances, statement caches
			var failed int64
			n := 0
			for b.Loop() {
				failed += f.burst(b, n)
				n++
			}
			b.ReportMetric(float64(failed)/float64(b.N), "failed/op")
		})
	}
}
