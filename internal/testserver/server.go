package testserver

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/chatwasm/chatwasm/host/store/storetest"
	"github.com/chatwasm/chatwasm/internal/proclog"
)

// Timeouts of the server's life.
const (
	startTimeout = 5 * time.Minute  // start until "msg=listening"
	stopTimeout  = 15 * time.Second // SIGTERM until exit
)

// Server is one running `chatwasm serve`: a process, or (InProcess) a
// function run in the test's own.
type Server struct {
	// Addr is the HOST:PORT it listens on.
	Addr string
	// InternalAddr is the HOST:PORT of its internal listener (the admin
	// API and metrics, --internal-addr), "" without one.
	InternalAddr string
	// DB is its --db value.
	DB string
	// Secret and AdminToken are its CHATWASM_SECRET and
	// CHATWASM_ADMIN_TOKEN ("" when started WithoutSecrets).
	Secret, AdminToken string
	// WSPath is the path of its WebSocket endpoint (--ws-path).
	WSPath string
	// Notifications is whether a connection gets chat.notifications first
	// (not with --notifications=false).
	Notifications bool
	// Flags are the flags of `chatwasm serve` after --addr and --db.
	Flags []string

	cmd      *exec.Cmd          // nil in process
	cancel   context.CancelFunc // in process
	log      *proclog.Log
	exited   chan struct{} // closed when the server has exited
	waitErr  error         // valid once exited is closed
	stopOnce sync.Once
	stopErr  error
}

// RunFunc runs a server in the test process until ctx is done, as
// `chatwasm serve` with s's settings would, writing its log to log.
type RunFunc func(ctx context.Context, s *Server, log io.Writer) error

// config is what the options of Start change.
type config struct {
	flags     []string
	database  func(testing.TB) string
	shared    *Server
	noSecrets bool
	logLimit  int
	run       RunFunc
	binary    string
}

// Option configures one server.
type Option func(*config)

// WithFlags passes more flags to `chatwasm serve`. --notifications=false
// and --ws-path are read back into Notifications and WSPath.
func WithFlags(flags ...string) Option {
	return func(c *config) { c.flags = append(c.flags, flags...) }
}

// WithDatabase makes the server's database with newDB (by default a fresh
// SQLite file, or a fresh PostgreSQL database when storetest.EnvPostgres
// names a server).
func WithDatabase(newDB func(testing.TB) string) Option {
	return func(c *config) { c.database = newDB }
}

// SharingDatabaseWith starts another node on the database of other, with
// the same secret and admin token, so that tokens and ids are valid on both.
func SharingDatabaseWith(other *Server) Option {
	return func(c *config) { c.shared = other }
}

// WithoutSecrets leaves CHATWASM_SECRET and CHATWASM_ADMIN_TOKEN unset, so
// that the server makes its own.
func WithoutSecrets() Option {
	return func(c *config) { c.noSecrets = true }
}

// WithLogLimit keeps only the first n bytes of the server's log.
func WithLogLimit(n int) Option {
	return func(c *config) { c.logLimit = n }
}

// WithBinary runs the chatwasm binary at path instead of Binary's: an
// older build beside this tree's in one benchmark.
func WithBinary(path string) Option {
	return func(c *config) { c.binary = path }
}

// InProcess runs the server with run inside the test process instead of as
// a chatwasm process, so that profiles cover it too.
func InProcess(run RunFunc) Option {
	return func(c *config) { c.run = run }
}

// defaultDatabase is a fresh SQLite file, or a fresh PostgreSQL database
// when storetest.EnvPostgres names a server.
func defaultDatabase(tb testing.TB) string {
	if os.Getenv(storetest.EnvPostgres) != "" {
		return storetest.PostgresURL(tb)
	}
	return "sqlite:" + filepath.Join(tb.TempDir(), "chatwasm.db")
}

// Start starts `chatwasm serve --addr 127.0.0.1:0` on a fresh database with
// a random secret and admin token and returns once it listens. It is
// stopped when the test ends, which fails the test unless it exits 0; its
// log is printed when the test failed.
func Start(tb testing.TB, opts ...Option) *Server {
	tb.Helper()
	cfg := config{database: defaultDatabase}
	for _, o := range opts {
		o(&cfg)
	}
	s := &Server{WSPath: "/messaging/", Notifications: true, Flags: cfg.flags, exited: make(chan struct{})}
	s.readFlags()
	if o := cfg.shared; o != nil {
		s.DB, s.Secret, s.AdminToken = o.DB, o.Secret, o.AdminToken
	} else {
		s.DB, s.Secret, s.AdminToken = cfg.database(tb), RandomHex(tb, 32), RandomHex(tb, 16)
	}
	if cfg.noSecrets {
		s.Secret, s.AdminToken = "", ""
	}
	s.log = proclog.NewLimited(cfg.logLimit)
	if cfg.run != nil {
		s.runInProcess(cfg.run)
	} else {
		s.exec(tb, cfg.binary)
	}
	tb.Cleanup(func() {
		if err := s.Stop(); err != nil {
			tb.Errorf("testserver: stop %s: %v", s.Addr, err)
		}
		if tb.Failed() {
			tb.Logf("server %s log:\n%s", s.Addr, s.Log())
		}
	})
	select {
	case s.Addr = <-s.log.Listening():
		// Logged before "listening", when there is one.
		if m := internalRE.FindStringSubmatch(s.Log()); m != nil {
			s.InternalAddr = m[1]
		}
	case <-s.exited:
		tb.Fatalf("testserver: chatwasm serve %v exited before listening: %v\n%s", s.Flags, s.waitErr, s.Log())
	case <-time.After(startTimeout):
		tb.Fatalf("testserver: chatwasm serve did not log msg=listening within %v\n%s", startTimeout, s.Log())
	}
	return s
}

// readFlags sets Notifications and WSPath from the flags that change them.
func (s *Server) readFlags() {
	if slices.Contains(s.Flags, "--notifications=false") {
		s.Notifications = false
	}
	for i, f := range s.Flags {
		if f == "--ws-path" && i+1 < len(s.Flags) {
			s.WSPath = s.Flags[i+1]
		} else if p, ok := strings.CutPrefix(f, "--ws-path="); ok {
			s.WSPath = p
		}
	}
}

// exec starts the server as a chatwasm process: bin, or Binary's when bin
// is "".
func (s *Server) exec(tb testing.TB, bin string) {
	tb.Helper()
	if bin == "" {
		var err error
		if bin, err = Binary(); err != nil {
			tb.Fatalf("testserver: build chatwasm: %v", err)
		}
	}
	args := append([]string{"serve", "--addr", "127.0.0.1:0", "--db", s.DB}, s.Flags...)
	s.cmd = exec.Command(bin, args...)
	s.cmd.Env = s.Env()
	s.cmd.Stdout, s.cmd.Stderr = s.log, s.log
	s.cmd.SysProcAttr = childProcAttr()
	if err := s.cmd.Start(); err != nil {
		tb.Fatalf("testserver: start chatwasm serve: %v", err)
	}
	go func() {
		s.waitErr = s.cmd.Wait()
		close(s.exited)
	}()
}

// runInProcess starts the server with run in this process.
func (s *Server) runInProcess(run RunFunc) {
	var ctx context.Context
	ctx, s.cancel = context.WithCancel(context.Background())
	go func() {
		s.waitErr = run(ctx, s, s.log)
		close(s.exited)
	}()
}

// CleanEnv is the test process's environment less every CHATWASM_*
// variable, so that the caller's shell cannot change a chatwasm command
// under test.
func CleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "CHATWASM_") {
			env = append(env, kv)
		}
	}
	return env
}

// Env is the server's environment: CleanEnv plus the server's secret and
// admin token when set.
func (s *Server) Env() []string {
	env := CleanEnv()
	if s.Secret != "" {
		env = append(env, "CHATWASM_SECRET="+s.Secret)
	}
	if s.AdminToken != "" {
		env = append(env, "CHATWASM_ADMIN_TOKEN="+s.AdminToken)
	}
	return env
}

// Log returns what the server wrote so far.
func (s *Server) Log() string { return s.log.String() }

// PID is the server's process id as a /proc name, "" when it runs in the
// test process.
func (s *Server) PID() string {
	if s.cmd == nil {
		return ""
	}
	return strconv.Itoa(s.cmd.Process.Pid)
}

// URL is the http URL of path on the server.
func (s *Server) URL(path string) string { return "http://" + s.Addr + path }

// internalRE finds the internal listener's address in the server's log.
var internalRE = regexp.MustCompile(`msg="internal listening"\s.*?\baddr=(\S+)`)

// OpsURL is the URL of path on the listener of the operator's endpoints
// (the admin API, /metrics): the internal one when there is one.
func (s *Server) OpsURL(path string) string {
	if s.InternalAddr != "" {
		return "http://" + s.InternalAddr + path
	}
	return s.URL(path)
}

// Stop stops the server (SIGTERM, or the cancellation of an in-process
// one) and waits for it to end; a server that had already exited, an exit
// status other than 0 or a server that does not end in time is an error.
// Idempotent.
func (s *Server) Stop() error {
	s.stopOnce.Do(func() {
		select {
		case <-s.exited:
			s.stopErr = fmt.Errorf("exited before it was stopped: %v", s.waitErr)
			return
		default:
		}
		if s.cmd == nil {
			s.cancel()
		} else if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
			s.stopErr = fmt.Errorf("SIGTERM: %w", err)
			return
		}
		select {
		case <-s.exited:
			if s.waitErr != nil {
				s.stopErr = fmt.Errorf("exit after stop: %w", s.waitErr)
			}
		case <-time.After(stopTimeout):
			if s.cmd == nil {
				s.stopErr = errors.New("did not return within " + stopTimeout.String() + " of its cancellation")
				return
			}
			_ = s.cmd.Process.Kill()
			<-s.exited
			s.stopErr = errors.New("did not exit within " + stopTimeout.String() + " of SIGTERM (killed)")
		}
	})
	return s.stopErr
}

// Kill ends a server process with SIGKILL, as a crash would, and waits for
// it: it gets no chance to finish anything. Stop is then a no-op. An
// in-process server cannot be killed: that is an error.
func (s *Server) Kill() error {
	if s.cmd == nil {
		return errors.New("an in-process server cannot be killed")
	}
	var err error
	s.stopOnce.Do(func() {
		if err = s.cmd.Process.Kill(); err == nil {
			<-s.exited
		}
	})
	return err
}

// RandomHex returns n random bytes, hex encoded.
func RandomHex(tb testing.TB, n int) string {
	tb.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		tb.Fatalf("random: %v", err)
	}
	return hex.EncodeToString(b)
}
