package modtest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chatwasm/chatwasm/internal/testserver"
)

// Server is a running `chatwasm serve` process on a fresh database.
type Server struct {
	// Addr is the HOST:PORT it listens on.
	Addr string
	srv  *testserver.Server
}

// User is a user created through the admin API, with a token.
type User = testserver.User

// ModuleFile writes a module file (YAML) into a temp dir of the test and
// returns its path.
func ModuleFile(t testing.TB, yaml string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "modules.yaml")
	if err := os.WriteFile(p, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// StartServer builds the chatwasm command (cached) and starts `chatwasm
// serve --modules moduleFile` on 127.0.0.1 with a fresh database (SQLite,
// or PostgreSQL on the server CHATWASM_TEST_POSTGRES names), plus any
// extra flags. The server is stopped with SIGTERM when the test ends, which
// fails the test unless it exits 0; its log is printed when the test failed.
func StartServer(t testing.TB, moduleFile string, flags ...string) *Server {
	t.Helper()
	if moduleFile != "" {
		flags = append([]string{"--modules", moduleFile}, flags...)
	}
	srv := testserver.Start(t, testserver.WithFlags(flags...))
	return &Server{Addr: srv.Addr, srv: srv}
}

// Log returns what the server wrote to stdout and stderr so far.
func (s *Server) Log() string { return s.srv.Log() }

// CreateUser creates a user of the default tenant through the admin API and
// issues a token for it.
func (s *Server) CreateUser(t testing.TB, username string) User {
	t.Helper()
	return s.srv.CreateUser(t, username)
}

// CreateUserIn creates a user of tenant ("" for the default one) and issues
// a token for it.
func (s *Server) CreateUserIn(t testing.TB, tenant, username string) User {
	t.Helper()
	return s.srv.CreateUserIn(t, tenant, username)
}

// ModuleFileFrom copies the module file at path (an example's
// modules.yaml, say) into a temp dir of the test with each occurrence of an
// old string replaced by its new one (a module's path by the .wasm Build
// made, a URL by a test server's), and returns the copy's path. An old
// string that does not occur fails the test.
func ModuleFileFrom(t testing.TB, path string, replace map[string]string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	yaml := string(b)
	for old, repl := range replace {
		if !strings.Contains(yaml, old) {
			t.Fatalf("modtest: %s has no %q", path, old)
		}
		yaml = strings.ReplaceAll(yaml, old, repl)
	}
	return ModuleFile(t, yaml)
}
