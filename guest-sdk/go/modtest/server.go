package modtest

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/chatwasm/chatwasm/host/store/storetest"
	"github.com/chatwasm/chatwasm/internal/proclog"
)

// Waits of the harness; every wait has one, so that no test can hang.
const (
	startTimeout = 60 * time.Second
	stopTimeout  = 15 * time.Second
)

// serverPackage is the chatwasm command StartServer builds.
const serverPackage = "github.com/chatwasm/chatwasm/cmd/chatwasm"

// Server is a running `chatwasm serve` process on a fresh database.
type Server struct {
	// Addr is the HOST:PORT it listens on.
	Addr       string
	adminToken string
	// notifications is whether clients get chat.notifications at connect.
	notifications bool
	cmd           *exec.Cmd
	log           *proclog.Log
	exited        chan struct{}
	waitErr       error
}

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
	bin, err := serverBinary()
	if err != nil {
		t.Fatalf("modtest: %v", err)
	}
	dir := t.TempDir()
	s := &Server{adminToken: randomHex(t), log: proclog.New(), exited: make(chan struct{}),
		notifications: !slices.Contains(flags, "--notifications=false")}
	db := "sqlite:" + filepath.Join(dir, "chat.db")
	if os.Getenv(storetest.EnvPostgres) != "" {
		db = storetest.PostgresURL(t)
	}
	args := []string{"serve", "--addr", "127.0.0.1:0", "--db", db}
	if moduleFile != "" {
		args = append(args, "--modules", moduleFile)
	}
	args = append(args, flags...)
	s.cmd = exec.Command(bin, args...)
	s.cmd.Env = append(cleanEnv(), "CHATWASM_SECRET="+randomHex(t), "CHATWASM_ADMIN_TOKEN="+s.adminToken)
	s.cmd.Stdout, s.cmd.Stderr = s.log, s.log
	if err := s.cmd.Start(); err != nil {
		t.Fatalf("modtest: start chatwasm: %v", err)
	}
	go func() {
		s.waitErr = s.cmd.Wait()
		close(s.exited)
	}()
	t.Cleanup(func() {
		if err := s.stop(); err != nil {
			t.Errorf("modtest: stop chatwasm: %v", err)
		}
		if t.Failed() {
			t.Logf("chatwasm log:\n%s", s.Log())
		}
	})
	select {
	case s.Addr = <-s.log.Listening():
	case <-s.exited:
		t.Fatalf("modtest: chatwasm %v exited before listening: %v\n%s", args, s.waitErr, s.Log())
	case <-time.After(startTimeout):
		t.Fatalf("modtest: chatwasm did not listen within %v\n%s", startTimeout, s.Log())
	}
	return s
}

// Log returns what the server wrote to stdout and stderr so far.
func (s *Server) Log() string { return s.log.String() }

// serverBinary builds the chatwasm command once per source version.
var serverBinary = sync.OnceValues(func() (string, error) {
	cmd := exec.Command(goTool(), "list", "-f", "{{.Dir}}", serverPackage)
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("go list %s: %w", serverPackage, err)
	}
	return build(strings.TrimSpace(string(out)), false)
})

// stop sends SIGTERM and waits for a clean exit.
func (s *Server) stop() error {
	select {
	case <-s.exited:
		return fmt.Errorf("exited before the end of the test: %v", s.waitErr)
	default:
	}
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		return err
	}
	select {
	case <-s.exited:
		return s.waitErr
	case <-time.After(stopTimeout):
		_ = s.cmd.Process.Kill()
		<-s.exited
		return errors.New("no exit within " + stopTimeout.String() + " of SIGTERM (killed)")
	}
}

// User is a user created through the admin API, with a token.
type User struct {
	ID       int64  `json:"id"`
	Username string `json:"username"`
	Token    string `json:"-"`
}

// CreateUser creates a user of the default tenant through the admin API and
// issues a token for it.
func (s *Server) CreateUser(t testing.TB, username string) User {
	t.Helper()
	return s.CreateUserIn(t, "", username)
}

// CreateUserIn creates a user of tenant ("" for the default one) and issues
// a token for it.
func (s *Server) CreateUserIn(t testing.TB, tenant, username string) User {
	t.Helper()
	body := map[string]string{"username": username, "email": username + "@example.com",
		"first_name": username, "last_name": "Test"}
	if tenant != "" {
		body["tenant"] = tenant
	}
	var u User
	s.admin(t, "/admin/users", body, http.StatusCreated, &u)
	var tok struct {
		Token string `json:"token"`
	}
	s.admin(t, "/admin/tokens", map[string]int64{"user_id": u.ID}, http.StatusOK, &tok)
	u.Token = tok.Token
	return u
}

// admin POSTs body to the admin API and decodes the answer into res.
func (s *Server) admin(t testing.TB, path string, body any, want int, res any) {
	t.Helper()
	b, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPost, "http://"+s.Addr+path, bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+s.adminToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("modtest: POST %s: %v", path, err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		t.Fatalf("modtest: POST %s: status %d, want %d: %s", path, resp.StatusCode, want, out)
	}
	if err := json.Unmarshal(out, res); err != nil {
		t.Fatalf("modtest: POST %s: %v: %s", path, err, out)
	}
}

// cleanEnv is the environment less every CHATWASM_* variable, so that the
// caller's shell cannot change the server under test.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "CHATWASM_") {
			env = append(env, kv)
		}
	}
	return env
}

func randomHex(t testing.TB) string {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
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
