package e2e

import (
	"context"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chatwasm/chatwasm/internal/testserver"
	"github.com/jackc/pgx/v5"
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
		return newPostgresDatabase(t, v)
	default:
		t.Fatalf("CHATWASM_TEST_DB=%q: want unset, \"sqlite\" or a postgres:// URL", v)
		return ""
	}
}

// newPostgresDatabase creates database e2e_<random> on the server of
// serverURL and returns its URL; the database is dropped at cleanup.
func newPostgresDatabase(t testing.TB, serverURL string) string {
	t.Helper()
	name := "e2e_" + testserver.RandomHex(t, 8)
	exec := func(sql string) error {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, serverURL)
		if err != nil {
			return err
		}
		defer conn.Close(ctx)
		_, err = conn.Exec(ctx, sql)
		return err
	}
	if err := exec("CREATE DATABASE " + name); err != nil {
		t.Fatalf("create database %s on CHATWASM_TEST_DB: %v", name, err)
	}
	t.Cleanup(func() {
		if err := exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)"); err != nil {
			t.Errorf("drop database %s: %v", name, err)
		}
	})
	u, err := url.Parse(serverURL)
	if err != nil {
		t.Fatalf("CHATWASM_TEST_DB: %v", err)
	}
	u.Path = "/" + name
	return u.String()
}
