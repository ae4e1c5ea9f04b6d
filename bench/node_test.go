package bench

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chatwasm/chatwasm/host/server"
	"github.com/chatwasm/chatwasm/host/store/storetest"
	"github.com/chatwasm/chatwasm/internal/testserver"
)

// waitTimeout bounds every wait for a frame.
const waitTimeout = 30 * time.Second

// engine picks the database of a benchmark's nodes.
type engine string

const (
	sqliteEngine   engine = "sqlite"
	postgresEngine engine = "postgres"
)

// newDatabase returns the --db value of a fresh database of engine e; a
// PostgreSQL one skips tb unless storetest.EnvPostgres names a server.
func newDatabase(tb testing.TB, e engine) string {
	tb.Helper()
	if e == sqliteEngine {
		return "sqlite:" + filepath.Join(tb.TempDir(), "chatwasm.db")
	}
	return storetest.PostgresURL(tb)
}

// envInProcess, when set (to anything), runs the nodes inside the
// benchmark process instead of as chatwasm processes, so that -cpuprofile
// and -memprofile cover the servers too. The per-node CPU metrics are then
// not reported: only one process is left to measure.
const envInProcess = "CHATWASM_BENCH_INPROCESS"

// startNode starts a node on database db; peer, when not nil, is a node on
// the same database whose secrets it shares. It is stopped at cleanup.
func startNode(tb testing.TB, db, id string, peer *testserver.Server) *testserver.Server {
	tb.Helper()
	opts := []testserver.Option{
		testserver.WithDatabase(func(testing.TB) string { return db }),
		// No frame rate or connection cap: the load is one client sending
		// as fast as the server answers.
		testserver.WithFlags("--node-id", id, "--frame-rate", "0", "--max-conns-per-user", "0"),
		testserver.WithLogLimit(1 << 20),
	}
	if peer != nil {
		opts = append(opts, testserver.SharingDatabaseWith(peer))
	}
	if os.Getenv(envInProcess) != "" {
		opts = append(opts, testserver.InProcess(runNode(id)))
	}
	return testserver.Start(tb, opts...)
}

// runNode runs node id in this process, as `chatwasm serve` with the flags
// of startNode would.
func runNode(id string) testserver.RunFunc {
	return func(ctx context.Context, s *testserver.Server, log io.Writer) error {
		cfg := server.DefaultConfig()
		cfg.Addr, cfg.DB, cfg.NodeID = "127.0.0.1:0", s.DB, id
		cfg.Secret, cfg.AdminToken = s.Secret, s.AdminToken
		cfg.ModuleCache, cfg.ModuleWatch = "", -1
		cfg.FrameRate, cfg.MaxConnsPerUser = 0, 0
		return server.Run(ctx, cfg, slog.New(slog.NewTextHandler(log, nil)))
	}
}
