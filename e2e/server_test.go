package e2e

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/chatwasm/chatwasm/internal/proclog"
)

// Timeouts of the suite. Every wait has one, so no test can hang.
const (
	startTimeout = 30 * time.Second // process start until "msg=listening"
	stopTimeout  = 15 * time.Second // SIGTERM until exit
)

// serverConfig is what the options of startServer change.
type serverConfig struct {
	flags         []string
	wsPath        string
	notifications bool
	shared        *server // another node on the same database, or nil
	noSecrets     bool    // leave CHATWASM_SECRET and CHATWASM_ADMIN_TOKEN unset
}

// serverOption configures one server.
type serverOption func(*serverConfig)

// withSoftDelete starts the server with --soft-delete.
func withSoftDelete() serverOption {
	return func(c *serverConfig) { c.flags = append(c.flags, "--soft-delete") }
}

// withoutNotifications starts the server with --notifications=false.
func withoutNotifications() serverOption {
	return func(c *serverConfig) {
		c.flags = append(c.flags, "--notifications=false")
		c.notifications = false
	}
}

// withMaxFrameBytes sets --max-frame-bytes.
func withMaxFrameBytes(n int) serverOption {
	return func(c *serverConfig) { c.flags = append(c.flags, "--max-frame-bytes", strconv.Itoa(n)) }
}

// withFlags passes more flags to chatwasm serve.
func withFlags(flags ...string) serverOption {
	return func(c *serverConfig) { c.flags = append(c.flags, flags...) }
}

// withInactivityThreshold sets --inactivity-threshold.
func withInactivityThreshold(d time.Duration) serverOption {
	return func(c *serverConfig) { c.flags = append(c.flags, "--inactivity-threshold", d.String()) }
}

// withWSPath sets --ws-path.
func withWSPath(p string) serverOption {
	return func(c *serverConfig) {
		c.flags = append(c.flags, "--ws-path", p)
		c.wsPath = p
	}
}

// sharingDatabaseWith starts a second node on the database of other, with
// the same secret and admin token, so that tokens and ids are valid on both.
func sharingDatabaseWith(other *server) serverOption {
	return func(c *serverConfig) { c.shared = other }
}

// withoutSecrets starts the server without CHATWASM_SECRET and
// CHATWASM_ADMIN_TOKEN, so that it makes its own.
func withoutSecrets() serverOption {
	return func(c *serverConfig) { c.noSecrets = true }
}

// server is one running chatwasm process on its own database.
type server struct {
	addr          string // HOST:PORT it listens on
	db            string // its --db value
	wsPath        string
	secret        string
	adminToken    string
	notifications bool

	cmd      *exec.Cmd
	log      *proclog.Log
	exited   chan struct{} // closed when the process has exited
	waitErr  error         // valid once exited is closed
	stopOnce sync.Once
	stopErr  error
}

// startServer starts `chatwasm serve` on a fresh database with a random
// secret and admin token, and stops it at cleanup, failing the test unless it
// exits 0 on SIGTERM. The server's log is printed when the test failed.
func startServer(t *testing.T, opts ...serverOption) *server {
	t.Helper()
	cfg := serverConfig{wsPath: "/messaging/", notifications: true}
	for _, o := range opts {
		o(&cfg)
	}
	s := &server{
		wsPath:        cfg.wsPath,
		notifications: cfg.notifications,
		log:           proclog.New(),
		exited:        make(chan struct{}),
	}
	if o := cfg.shared; o != nil {
		s.db, s.secret, s.adminToken = o.db, o.secret, o.adminToken
	} else {
		s.db, s.secret, s.adminToken = newDatabase(t), randomHex(t, 32), randomHex(t, 16)
	}
	if cfg.noSecrets {
		s.secret, s.adminToken = "", ""
	}
	args := append([]string{"serve", "--addr", "127.0.0.1:0", "--db", s.db}, cfg.flags...)
	s.cmd = exec.Command(chatwasmBin, args...)
	s.cmd.Env = s.env()
	s.cmd.Stdout = s.log
	s.cmd.Stderr = s.log
	s.cmd.SysProcAttr = childProcAttr()
	if err := s.cmd.Start(); err != nil {
		t.Fatalf("start chatwasm serve: %v", err)
	}
	go func() {
		s.waitErr = s.cmd.Wait()
		close(s.exited)
	}()
	t.Cleanup(func() {
		if err := s.stop(); err != nil {
			t.Errorf("server stop: %v", err)
		}
		if t.Failed() {
			t.Logf("server %s log:\n%s", s.addr, s.log.String())
		}
	})
	select {
	case addr := <-s.log.Listening():
		s.addr = addr
	case <-s.exited:
		t.Fatalf("chatwasm serve %v exited before listening: %v\n%s", args, s.waitErr, s.log.String())
	case <-time.After(startTimeout):
		t.Fatalf("chatwasm serve did not log msg=listening within %v", startTimeout)
	}
	return s
}

// env is the server's environment: the test process's, less every
// CHATWASM_* variable (so the caller's shell cannot change the server under
// test), plus the server's secret and admin token when set.
func (s *server) env() []string {
	env := cleanEnv()
	if s.secret != "" {
		env = append(env, "CHATWASM_SECRET="+s.secret)
	}
	if s.adminToken != "" {
		env = append(env, "CHATWASM_ADMIN_TOKEN="+s.adminToken)
	}
	return env
}

// cleanEnv is the test process's environment less every CHATWASM_* variable.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "CHATWASM_") {
			env = append(env, kv)
		}
	}
	return env
}

// stop sends SIGTERM and waits for the exit; an exit status other than 0 or
// a process that does not exit in time is an error. Idempotent.
func (s *server) stop() error {
	s.stopOnce.Do(func() {
		select {
		case <-s.exited:
			s.stopErr = fmt.Errorf("server had already exited: %v", s.waitErr)
			return
		default:
		}
		if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
			s.stopErr = fmt.Errorf("SIGTERM: %w", err)
			return
		}
		select {
		case <-s.exited:
			if s.waitErr != nil {
				s.stopErr = fmt.Errorf("exit after SIGTERM: %w", s.waitErr)
			}
		case <-time.After(stopTimeout):
			_ = s.cmd.Process.Kill()
			<-s.exited
			s.stopErr = errors.New("did not exit within " + stopTimeout.String() + " of SIGTERM (killed)")
		}
	})
	return s.stopErr
}

// url is the http URL of path on the server.
func (s *server) url(path string) string { return "http://" + s.addr + path }

// TestHealthz checks the health endpoint of a serving server.
func TestHealthz(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	resp, err := http.Get(s.url("/healthz"))
	if err != nil {
		t.Fatalf("GET /healthz: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /healthz: status %d, want 200", resp.StatusCode)
	}
}
