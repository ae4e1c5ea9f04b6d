package bench

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chatwasm/chatwasm/host/server"
	"github.com/chatwasm/chatwasm/internal/gobuild"
	"github.com/chatwasm/chatwasm/internal/testserver"
)

// BenchmarkStart measures a warm start: `chatwasm serve` from exec until it
// listens (and so is ready), on a SQLite database that is already migrated,
// with its module compile cache already filled by an earlier start. "none"
// has no modules, "moderation" the moderation example
// (modules/examples/moderation, Go) on _create_message, as deployed.
// server-cpu-ms/op is the CPU time the server process used until then
// (/proc, in 10 ms ticks; not reported with CHATWASM_BENCH_INPROCESS).
func BenchmarkStart(b *testing.B) {
	for _, c := range []struct{ name, module string }{
		{"none", ""},
		{"moderation", filepath.Join("..", "modules", "examples", "moderation")},
	} {
		b.Run(c.name, func(b *testing.B) {
			dir := b.TempDir()
			db := "sqlite:" + filepath.Join(dir, "chatwasm.db")
			flags := []string{"--module-watch", "0"}
			moduleFile, moduleCache := "", filepath.Join(dir, "module-cache")
			if c.module != "" {
				wasm, err := gobuild.Wasm(c.module)
				if err != nil {
					b.Fatal(err)
				}
				moduleFile = filepath.Join(dir, "modules.yaml")
				yaml := fmt.Sprintf("modules:\n  - name: moderation\n    path: %s\n    hooks: [\"_create_message\"]\n"+
					"    config: {banned_words: \"spam,buy now\"}\n", wasm)
				if err := os.WriteFile(moduleFile, []byte(yaml), 0o644); err != nil {
					b.Fatal(err)
				}
				flags = append(flags, "--modules", moduleFile, "--module-cache", moduleCache)
			}
			var first *testserver.Server
			start := func() *testserver.Server {
				opts := []testserver.Option{testserver.WithFlags(flags...), testserver.WithLogLimit(1 << 20),
					testserver.WithDatabase(func(testing.TB) string { return db })}
				if first != nil {
					opts = append(opts, testserver.SharingDatabaseWith(first))
				}
				if os.Getenv(envInProcess) != "" {
					opts = append(opts, testserver.InProcess(func(ctx context.Context, s *testserver.Server, log io.Writer) error {
						cfg := server.DefaultConfig()
						cfg.Addr, cfg.DB, cfg.Secret, cfg.AdminToken = "127.0.0.1:0", s.DB, s.Secret, s.AdminToken
						cfg.ModuleWatch, cfg.Modules, cfg.ModuleCache = -1, moduleFile, moduleCache
						return server.Run(ctx, cfg, slog.New(slog.NewTextHandler(log, nil)))
					}))
				}
				return testserver.Start(b, opts...)
			}
			// The first start migrates the database and fills the cache.
			first = start()
			if err := first.Stop(); err != nil {
				b.Fatal(err)
			}
			var cpu time.Duration
			cpuOK := os.Getenv(envInProcess) == ""
			for b.Loop() {
				s := start()
				b.StopTimer()
				if cpuOK {
					var d time.Duration
					d, cpuOK = cpuTime(s.PID())
					cpu += d
				}
				if err := s.Stop(); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
			}
			if cpuOK {
				b.ReportMetric(float64(cpu.Microseconds())/1000/float64(b.N), "server-cpu-ms/op")
			}
		})
	}
}
