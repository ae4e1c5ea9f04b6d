package bench

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	neturl "net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chatwasm/chatwasm/abi"
	"github.com/chatwasm/chatwasm/host/server"
	"github.com/chatwasm/chatwasm/host/wasm"
	"github.com/chatwasm/chatwasm/internal/gobuild"
	"github.com/chatwasm/chatwasm/internal/modkit"
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

// burstFixture is a server (with the modules of a burstSetup, or without
// modules) and its users, each in a room of burstRoom.
type burstFixture struct {
	srv   *testserver.Server
	users []testserver.User
	rooms []string // by user
}

// burstSetup is what a server under a burst runs: entries of modules.yaml,
// none for a server without modules.
type burstSetup struct {
	name    string
	modules func(tb testing.TB) []string
}

// The setups the burst benchmark compares. passthrough-go+c chains the Go
// and the C pass-through modules on every hook (every call crosses two
// modules and both SDKs); sleep-100ms and webhook-100ms are a module whose
// create_message hook takes 100 ms, by sleeping or by waiting for an HTTP
// answer (see testdata/slowhook), with the default timeout of 500 ms.
var (
	noModules      = burstSetup{"no-modules", nil}
	passthroughGo  = burstSetup{"passthrough-go", func(tb testing.TB) []string { return []string{passthroughGoEntry(tb)} }}
	passthroughGoC = burstSetup{"passthrough-go+c", func(tb testing.TB) []string { return []string{passthroughGoEntry(tb), passthroughCEntry(tb)} }}
	sleepHook      = burstSetup{"sleep-100ms", func(tb testing.TB) []string { return []string{slowhookEntry(tb, "", "")} }}
	webhookHook    = burstSetup{"webhook-100ms", func(tb testing.TB) []string { return []string{slowhookEntry(tb, slowEndpoint(tb), "")} }}
	burstSetups    = []burstSetup{noModules, passthroughGo, passthroughGoC, sleepHook, webhookHook}
)

// passthroughWasm builds testdata/passthrough.
func passthroughWasm(tb testing.TB) string {
	tb.Helper()
	path, err := gobuild.Wasm(filepath.Join("testdata", "passthrough"))
	if err != nil {
		tb.Fatal(err)
	}
	return path
}

// passthroughCWasm builds testdata/passthrough-c with clang.
func passthroughCWasm(tb testing.TB) string {
	tb.Helper()
	return modkit.Make(tb, filepath.Join("testdata", "passthrough-c"), "c")
}

func passthroughGoEntry(tb testing.TB) string {
	return fmt.Sprintf("  - name: passthrough-go\n    path: %s\n", passthroughWasm(tb))
}

func passthroughCEntry(tb testing.TB) string {
	return fmt.Sprintf("  - name: passthrough-c\n    path: %s\n", passthroughCWasm(tb))
}

// slowhookEntry is testdata/slowhook, sleeping, or waiting for url when it
// is not empty, with timeout when it is not empty.
func slowhookEntry(tb testing.TB, url, timeout string) string {
	tb.Helper()
	path, err := gobuild.Wasm(filepath.Join("testdata", "slowhook"))
	if err != nil {
		tb.Fatal(err)
	}
	entry := fmt.Sprintf("  - name: slowhook\n    path: %s\n", path)
	if timeout != "" {
		entry += fmt.Sprintf("    timeout: %s\n", timeout)
	}
	if url == "" {
		return entry + "    capabilities: [clock]\n"
	}
	u, err := neturl.Parse(url)
	if err != nil {
		tb.Fatal(err)
	}
	return entry + fmt.Sprintf("    config: {url: %q}\n    allowed_hosts: [%q]\n", url, u.Host)
}

// slowEndpoint serves, for the test's lifetime, a URL that answers after
// 100 ms: the webhook slowhook waits for.
func slowEndpoint(tb testing.TB) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(100 * time.Millisecond):
		case <-r.Context().Done():
		}
	}))
	tb.Cleanup(srv.Close)
	return srv.URL + "/hook"
}

// newBurstFixture starts a server on SQLite running setup's modules and
// provisions burstConns users.
func newBurstFixture(tb testing.TB, setup burstSetup) *burstFixture {
	tb.Helper()
	flags := []string{"--frame-rate", "0", "--max-conns-per-user", "0"}
	moduleFile, moduleCache := "", filepath.Join(os.TempDir(), "chatwasm-bench-module-cache")
	if setup.modules != nil {
		moduleFile = filepath.Join(tb.TempDir(), "modules.yaml")
		yaml := "modules:\n" + strings.Join(setup.modules(tb), "")
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
				if fails.Add(1) <= 3 {
					tb.Logf("%s: %v", u.Username, err)
				}
			}
		})
	}
	wg.Wait()
	return fails.Load()
}

// logWarnings logs the server's first warnings and errors (a benchmark
// counts failed requests rather than failing, and these say why they
// failed; the benchmark's output keeps only so many lines).
func (f *burstFixture) logWarnings(tb testing.TB) {
	n := 0
	for _, line := range strings.Split(f.srv.Log(), "\n") {
		if n < 8 && (strings.Contains(line, "level=WARN") || strings.Contains(line, "level=ERROR")) {
			tb.Log(line)
			n++
		}
	}
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

// TestBurstWithModules: ten bursts against a server running the Go and the
// C pass-through modules on every hook, and ten against one running a
// module whose hook sleeps 100 ms, fail no request: no request waits for
// its turn or an instance long enough to fail.
//
// The sleeping module gets a timeout of 10s instead of the default 500 ms:
// a module's time is wall time, so whether its 100 ms of sleep and its
// share of a CPU busy with the rest of the burst end within 500 ms depends
// on the machine's speed and load (BenchmarkBurst counts what the default
// gives).
func TestBurstWithModules(t *testing.T) {
	if testing.Short() {
		t.Skip("starts servers and opens 1000 connections each")
	}
	sleeping := burstSetup{"sleep-100ms", func(tb testing.TB) []string { return []string{slowhookEntry(tb, "", "10s")} }}
	for _, setup := range []burstSetup{passthroughGoC, sleeping} {
		t.Run(setup.name, func(t *testing.T) {
			f := newBurstFixture(t, setup)
			for n := range 10 {
				if failed := f.burst(t, n); failed != 0 {
					t.Fatalf("burst %d: %d of %d requests failed", n, failed, burstConns)
				}
			}
		})
	}
}

// TestPassthroughExportsEveryHook: the pass-through modules, Go and C,
// export every operation's two layers, every permission hook, the exception
// hook and both serializer hooks.
func TestPassthroughExportsEveryHook(t *testing.T) {
	want := append(abi.PermissionHooks(), abi.ExceptionHook, abi.SerializeMessageHook, abi.SerializeRoomHook)
	for _, op := range abi.Operations() {
		want = append(want, abi.ExtendHook(op), abi.ReplaceHook(op))
	}
	for lang, build := range map[string]func(testing.TB) string{"go": passthroughWasm, "c": passthroughCWasm} {
		t.Run(lang, func(t *testing.T) {
			b, err := os.ReadFile(build(t))
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
			for _, h := range want {
				if !exported[h] {
					t.Errorf("the %s pass-through module does not export %s", lang, h)
				}
			}
		})
	}
}

// BenchmarkBurst measures bursts against a server of each burstSetup. ns/op
// is one burst's completion time (the last dispatch); failed/op its failed
// requests. -count interleaves the setups, so a run compares them side by
// side on the same machine load.
func BenchmarkBurst(b *testing.B) {
	for _, setup := range burstSetups {
		b.Run(setup.name, func(b *testing.B) {
			f := newBurstFixture(b, setup)
			if f.burst(b, -1) > 0 { // warm: compiled module instances, statement caches
				f.logWarnings(b)
			}
			var failed int64
			n := 0
			for b.Loop() {
				if k := f.burst(b, n); k > 0 {
					failed += k
					f.logWarnings(b)
				}
				n++
			}
			b.ReportMetric(float64(failed)/float64(b.N), "failed/op")
		})
	}
}
