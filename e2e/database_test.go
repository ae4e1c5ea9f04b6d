package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chatwasm/chatwasm/host/store/storetest"
)

// newDatabase returns the --db value of a fresh, empty database for one
// server, chosen by CHATWASM_TEST_DB (see the package doc). The database
// outlives the server: its cleanup is registered first, so it runs last.
func newDatabase(t testing.TB) string {
	t.Helper()
	v := os.Getenv("CHATWASM_TEST_DB")
	switch {
	case v == "" || v == "sqlite":
		return "sqlite:" + filepath.Join(t.TempDir(), "chatwasm.db")
	case strings.HasPrefix(v, "postgres://") || strings.HasPrefix(v, "postgresql://"):
		return storetest.PostgresDB(t, v)
	default:
		t.Fatalf("CHATWASM_TEST_DB=%q: want unset, \"sqlite\" or a postgres:// URL", v)
		return ""
	}
}
