package main

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/chatwasm/chatwasm/host/server"
	"github.com/chatwasm/chatwasm/host/store"
	"github.com/chatwasm/chatwasm/host/store/storetest"
)

// eachDatabase runs fn once per engine, as a subtest, with the URL of a
// fresh, empty database: a SQLite file, and a PostgreSQL database when
// CHATWASM_TEST_POSTGRES names a server.
func eachDatabase(t *testing.T, fn func(t *testing.T, db string)) {
	t.Run("sqlite", func(t *testing.T) { fn(t, tempDB(t)) })
	t.Run("postgres", func(t *testing.T) { fn(t, storetest.PostgresURL(t)) })
}

// onDatabase runs fn on a store opened on db, without migrating it.
func onDatabase(t *testing.T, db string, fn func(st *store.Store) error) {
	t.Helper()
	ctx := context.Background()
	st, err := server.OpenStore(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	err = fn(st)
	if cerr := st.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
}

// mustMigrate runs "chatwasm migrate ARGS --db db" and returns its
// standard output, failing the test unless it exits 0.
func mustMigrate(t *testing.T, db string, args ...string) string {
	t.Helper()
	r := runCLI(t, nil, append(append([]string{"migrate"}, args...), "--db", db)...)
	if r.code != 0 {
		t.Fatalf("migrate %v: exit %d: %s", args, r.code, r.stderr)
	}
	return r.stdout
}

// TestMigrate: "migrate" on an empty database says what it applied, and
// then that it is up to date; "migrate status" shows the version before
// and after; "migrate up" is "migrate".
func TestMigrate(t *testing.T) {
	eachDatabase(t, func(t *testing.T, db string) {
		if out := mustMigrate(t, db, "status"); !strings.Contains(out, "version: none (empty database)\n") ||
			!strings.Contains(out, "pending: 1 init") {
			t.Errorf("status of an empty database:\n%s", out)
		}
		if out := mustMigrate(t, db); !strings.HasPrefix(out, "applied ") || !strings.Contains(out, " migration(s): 1 init") ||
			strings.Contains(out, "adopting") {
			t.Errorf("first migrate printed %q, want the migrations it applied", out)
		}
		for _, args := range [][]string{nil, {"up"}} {
			if out := mustMigrate(t, db, args...); out != "up to date\n" {
				t.Errorf("migrate %v on a migrated database printed %q, want \"up to date\"", args, out)
			}
		}
		out := mustMigrate(t, db, "status")
		engine := "sqlite"
		if !strings.HasPrefix(db, "sqlite:") {
			engine = "postgres"
		}
		if !strings.HasPrefix(out, "engine: "+engine+"\nversion: ") || strings.Contains(out, "version: none") ||
			!strings.HasSuffix(out, "pending: none\n") {
			t.Errorf("status of a migrated database:\n%s", out)
		}
	})
}

// TestMigrateAdopts: a database created by the releases before numbered
// migrations (migration 1's idempotent text, no schema_migrations) is shown
// as such and adopted as version 1 with its data.
func TestMigrateAdopts(t *testing.T) {
	eachDatabase(t, func(t *testing.T, db string) {
		ctx := context.Background()
		onDatabase(t, db, func(st *store.Store) error {
			if err := storetest.CreateUnversioned(ctx, st); err != nil {
				return err
			}
			_, err := st.Driver().Exec(ctx, "INSERT INTO users (username) VALUES ('alice')")
			return err
		})
		if out := mustMigrate(t, db, "status"); !strings.Contains(out, "version: none (created before migrations were numbered") ||
			!strings.Contains(out, "pending: 1 init") {
			t.Errorf("status of an unversioned database:\n%s", out)
		}
		if out := mustMigrate(t, db, "up"); !strings.Contains(out, "1 init (adopting the existing tables)") {
			t.Errorf("migrate up printed %q, want 1 init adopting the tables", out)
		}
		if r := runCLI(t, nil, "user", "get", "alice", "--db", db); r.code != 0 || !strings.Contains(r.stdout, `"username":"alice"`) {
			t.Errorf("alice after adopting: %d %s %s", r.code, r.stdout, r.stderr)
		}
	})
}

// TestMigrateRefusesNewer: a database that records a migration this binary
// does not have (a newer chatwasm migrated it) fails migrate, its status,
// serve and the commands that migrate before working, naming the migration.
func TestMigrateRefusesNewer(t *testing.T) {
	eachDatabase(t, func(t *testing.T, db string) {
		mustMigrate(t, db)
		onDatabase(t, db, func(st *store.Store) error {
			_, err := st.Driver().Exec(context.Background(),
				"INSERT INTO schema_migrations (version, name, applied_at) VALUES (9999, 'from_the_future', 0)")
			return err
		})
		for _, args := range [][]string{{"migrate"}, {"migrate", "status"}, {"user", "list"}, {"serve", "--addr", "127.0.0.1:0"}} {
			r := runCLI(t, nil, append(args, "--db", db)...)
			if r.code != 1 || !strings.Contains(r.stderr, "newer than this chatwasm") || !strings.Contains(r.stderr, "9999 from_the_future") {
				t.Errorf("%v on a newer database: exit %d, stderr %q", args, r.code, r.stderr)
			}
			if slices.Contains(args, "status") && !strings.Contains(r.stdout, "unknown to this chatwasm: 9999 from_the_future\n") {
				t.Errorf("status of a newer database:\n%s", r.stdout)
			}
		}
	})
}

// TestMigrateUsage: a bad database URL, an unknown subcommand and a stray
// argument are refused.
func TestMigrateUsage(t *testing.T) {
	if r := runCLI(t, nil, "migrate", "--db", "oracle:x"); r.code != 1 || !strings.Contains(r.stderr, "unsupported database URL") {
		t.Errorf("bad URL: %d %q", r.code, r.stderr)
	}
	if r := runCLI(t, nil, "migrate", "down"); r.code != 2 || !strings.Contains(r.stderr, `unknown subcommand "down"`) {
		t.Errorf("migrate down: %d %q", r.code, r.stderr)
	}
	db := filepath.Join(t.TempDir(), "m.db")
	if r := runCLI(t, nil, "migrate", "status", "extra", "--db", db); r.code != 2 {
		t.Errorf("migrate status extra: %d %q", r.code, r.stderr)
	}
	if _, err := os.Stat(db); err == nil {
		t.Error("a refused command created the database")
	}
}
