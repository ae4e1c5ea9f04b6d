// Package storetest runs one test body against every store driver: SQLite
// always, PostgreSQL when CHATWASM_TEST_POSTGRES holds a server URL. This is
// how the store (and anything built on it) is proven identical on both.
// Members and Permissions read back the room state tests check.
package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chatwasm/chatwasm/host/store"
	"github.com/chatwasm/chatwasm/host/store/postgres"
	"github.com/chatwasm/chatwasm/host/store/sqlite"
	"github.com/jackc/pgx/v5"
)

// EnvPostgres names the environment variable holding the URL of a PostgreSQL
// server the tests may create databases on, e.g.
// postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable.
const EnvPostgres = "CHATWASM_TEST_POSTGRES"

// Each runs fn once per driver, as a subtest named after the driver, with a
// fresh, migrated, empty database. The postgres subtest is skipped when
// CHATWASM_TEST_POSTGRES is unset.
func Each(t *testing.T, fn func(t *testing.T, st *store.Store)) {
	t.Helper()
	EachEmpty(t, func(t *testing.T, open func(...store.Option) *store.Store) {
		fn(t, migrated(t, open()))
	})
}

// EachEmpty runs fn once per driver, as a subtest named after the driver,
// with a fresh database that is not migrated: open opens a store on it (as
// many as fn likes, for several nodes or processes sharing it), with opts,
// closed when the test ends. The postgres subtest is skipped when
// CHATWASM_TEST_POSTGRES is unset.
func EachEmpty(t *testing.T, fn func(t *testing.T, open func(opts ...store.Option) *store.Store)) {
	t.Helper()
	for _, name := range []string{"sqlite", "postgres"} {
		t.Run(name, func(t *testing.T) {
			fn(t, Empty(t, name))
		})
	}
}

// Open returns a fresh, migrated store of the named driver, opened with
// opts, closed (and, on PostgreSQL, dropped) when the test ends. It skips
// the test for "postgres" when CHATWASM_TEST_POSTGRES is unset.
func Open(t testing.TB, name string, opts ...store.Option) *store.Store {
	t.Helper()
	return migrated(t, Empty(t, name)(opts...))
}

// migrated migrates st, failing the test if that fails.
func migrated(t testing.TB, st *store.Store) *store.Store {
	t.Helper()
	if err := st.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return st
}

// Empty makes a fresh, empty database of the named driver and returns a
// function opening a store on it with opts; each store is closed (and the
// database, on PostgreSQL, dropped) when the test ends. It skips the test
// for "postgres" when CHATWASM_TEST_POSTGRES is unset.
func Empty(t testing.TB, name string) func(opts ...store.Option) *store.Store {
	t.Helper()
	var open func(ctx context.Context) (store.Driver, error)
	switch name {
	case "sqlite":
		path := filepath.Join(t.TempDir(), "chatwasm.db")
		open = func(ctx context.Context) (store.Driver, error) { return sqlite.Open(ctx, path) }
	case "postgres":
		url := PostgresURL(t)
		open = func(ctx context.Context) (store.Driver, error) { return postgres.Open(ctx, url) }
	default:
		t.Fatalf("storetest: unknown driver %q", name)
	}
	return func(opts ...store.Option) *store.Store {
		t.Helper()
		drv, err := open(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		st := store.New(drv, opts...)
		t.Cleanup(func() { _ = st.Close() })
		return st
	}
}

// PostgresURL returns the URL of a fresh, empty PostgreSQL database on the
// server named by CHATWASM_TEST_POSTGRES, dropped when the test ends, and
// skips the test when the variable is unset.
func PostgresURL(t testing.TB) string {
	t.Helper()
	server := os.Getenv(EnvPostgres)
	if server == "" {
		t.Skipf("PostgreSQL tests disabled: set %s to a server URL to run them "+
			"(scripts/pg-test-server start DIR starts a throwaway server and prints one)", EnvPostgres)
	}
	return PostgresDB(t, server)
}

// PostgresDB creates a database with a random name on the PostgreSQL server
// at serverURL, drops it (disconnecting whoever is still connected) when the
// test ends, and returns its URL.
func PostgresDB(t testing.TB, serverURL string) string {
	t.Helper()
	ctx := context.Background()
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	name := "cw_" + hex.EncodeToString(b[:])
	dbURL, err := withDatabase(serverURL, name)
	if err != nil {
		t.Fatal(err)
	}
	if err := adminExec(ctx, serverURL, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("storetest: %v", err)
	}
	// Registered before any cleanup of the caller's, so it runs after them:
	// their pools are closed by the time the database is dropped.
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := adminExec(ctx, serverURL, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("storetest: %v", err)
		}
	})
	return dbURL
}

// adminExec runs one statement on its own connection to the server's
// maintenance database (CREATE/DROP DATABASE cannot run in a transaction or
// on a connection to the database concerned).
func adminExec(ctx context.Context, serverURL, stmt string) error {
	conn, err := pgx.Connect(ctx, serverURL)
	if err != nil {
		return fmt.Errorf("connect to the PostgreSQL server: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, stmt); err != nil {
		return fmt.Errorf("%s: %w", stmt, err)
	}
	return nil
}

// withDatabase returns the connection string serverURL with its database
// replaced by name, for both forms libpq accepts.
func withDatabase(serverURL, name string) (string, error) {
	if strings.HasPrefix(serverURL, "postgres://") || strings.HasPrefix(serverURL, "postgresql://") {
		u, err := url.Parse(serverURL)
		if err != nil {
			return "", fmt.Errorf("storetest: PostgreSQL server URL: %w", err)
		}
		u.Path = "/" + name
		return u.String(), nil
	}
	// In keyword/value form the last setting of a keyword wins.
	return serverURL + " dbname=" + name, nil
}

// Members returns the ids of the members of room roomID in st, by user id,
// and those of its admins; a failed read fails the test.
func Members(t testing.TB, st *store.Store, roomID string) (ids, admins []int64) {
	t.Helper()
	ctx := context.Background()
	err := st.Read(ctx, func(tx *store.Tx) error {
		ms, err := tx.Members(ctx, roomID)
		for _, m := range ms {
			ids = append(ids, m.UserID)
			if m.IsAdmin {
				admins = append(admins, m.UserID)
			}
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return ids, admins
}

// Permissions returns the object permissions user userID holds in room
// roomID in st; a failed read fails the test.
func Permissions(t testing.TB, st *store.Store, roomID string, userID int64) []string {
	t.Helper()
	ctx := context.Background()
	var ps []string
	err := st.Read(ctx, func(tx *store.Tx) (err error) {
		ps, err = tx.Permissions(ctx, roomID, userID)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return ps
}

// CreateUnversioned makes st's empty database what the releases before
// numbered migrations made: their idempotent schema script, which is
// migration 1's text, and no schema_migrations.
func CreateUnversioned(ctx context.Context, st *store.Store) error {
	ms, err := store.Migrations(st.Driver().Dialect())
	if err != nil {
		return err
	}
	for _, stmt := range ms[0].Statements {
		if _, err := st.Driver().Exec(ctx, stmt); err != nil {
			return fmt.Errorf("storetest: create an unversioned database: %w", err)
		}
	}
	return nil
}
