package chat

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/chatwasm/chatwasm/host/chat/fixture"
	"github.com/chatwasm/chatwasm/host/hooks"
	"github.com/chatwasm/chatwasm/host/store"
	"github.com/chatwasm/chatwasm/host/store/storetest"
	"github.com/chatwasm/chatwasm/host/tracing"
)

// BenchmarkRun measures the seam every operation goes through, around a core
// that does nothing, in a real (SQLite) read transaction: with no module
// configured, this is the cost the module chain adds to every operation.
func BenchmarkRun(b *testing.B) {
	s := New(storetest.Open(b, "sqlite"), DefaultConfig(), nil)
	c := Caller{UserID: 1, Tenant: store.DefaultTenant, Username: "ann", SessionID: 1}
	op := &operation[RoomIn, RoomIn]{name: "retreive_room",
		core: func(_ *Service, _ context.Context, _ opCall, in RoomIn) (RoomIn, error) { return in, nil }}
	ctx := context.Background()
	in := RoomIn{RoomID: "00000000-0000-0000-0000-000000000001"}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := op.run(ctx, s, c, granted{}, in); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRoomInfo is a whole room.info request (permission check and
// retreive_room) without a module manager, and with modules loaded that
// hook none of its hooks: what a deployment pays for modules on an
// operation they do not touch; and traced (every operation sampled, its
// spans made and dropped, no exporter): what tracing costs.
func BenchmarkRoomInfo(b *testing.B) {
	for _, tc := range []struct {
		name    string
		modules bool
		traced  bool
	}{{"no-modules", false, false}, {"unhooked-modules", true, false}, {"traced", false, true}} {
		b.Run(tc.name, func(b *testing.B) {
			st := storetest.Open(b, "sqlite")
			var opts []Option
			if tc.modules {
				opts = append(opts, WithModules(benchManager(b, st)))
			}
			if tc.traced {
				tp := sdktrace.NewTracerProvider()
				b.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
				opts = append(opts, WithTracer(tracing.New(tp)))
			}
			s := New(st, DefaultConfig(), nil, opts...)
			ctx := context.Background()
			u := fixture.New(b, st).User("ann", fixture.Tenant(store.DefaultTenant), fixture.NoProfile())
			c := Caller{UserID: u.ID, Tenant: u.Tenant, Username: u.Username, SessionID: 1}
			eff, err := s.Handle(ctx, c, "room.create", json.RawMessage(`{"type":"GroupChat","name":"team"}`))
			if err != nil {
				b.Fatal(err)
			}
			var created struct {
				Data struct {
					ID string `json:"id"`
				} `json:"data"`
			}
			if err := json.Unmarshal(eff[len(eff)-1].Frame, &created); err != nil {
				b.Fatal(err)
			}
			data := json.RawMessage(`{"room_id":"` + created.Data.ID + `"}`)
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				if _, err := s.Handle(ctx, c, "room.info", data); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// benchManager loads the conformance module subscribed to a custom action
// only, so that it hooks no operation.
func benchManager(b *testing.B, st *store.Store) *hooks.Manager {
	wasm := buildConformance(b)
	dir := b.TempDir()
	path := filepath.Join(dir, "modules.yaml")
	yaml := "modules:\n  - name: conformance\n    path: " + wasm + "\n    hooks: [\"action_conformance.ping\"]\n"
	if err := os.WriteFile(path, []byte(yaml), 0o644); err != nil {
		b.Fatal(err)
	}
	m, err := hooks.NewManager(context.Background(), path, hooks.Options{Store: st,
		CacheDir: filepath.Join(os.TempDir(), "chatwasm-chat-test", "compile-cache")})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = m.Close(context.Background()) })
	return m
}

// buildConformance builds testdata/conformance for wasip1 (once per source
// version) and returns the module's path.
func buildConformance(b *testing.B) string {
	src, err := filepath.Abs(filepath.Join("testdata", "conformance"))
	if err != nil {
		b.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(src, "*.go"))
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00", runtime.Version())
	for _, f := range append(files, filepath.Join("..", "..", "go.sum")) {
		data, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		h.Write(data)
	}
	dir := filepath.Join(os.TempDir(), "chatwasm-chat-test")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.Fatal(err)
	}
	out := filepath.Join(dir, fmt.Sprintf("conformance-%x.wasm", h.Sum(nil)[:8]))
	if _, err := os.Stat(out); err == nil {
		return out
	}
	tmp := fmt.Sprintf("%s.%d.tmp", out, os.Getpid())
	cmd := exec.Command("go", "build", "-buildmode=c-shared", "-o", tmp, ".")
	cmd.Dir = src
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm")
	if msg, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("build the conformance module: %v\n%s", err, msg)
	}
	if err := os.Rename(tmp, out); err != nil {
		b.Fatal(err)
	}
	return out
}
