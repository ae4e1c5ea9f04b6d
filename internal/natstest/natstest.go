// Package natstest runs a real NATS server (Debian's nats-server) for the
// tests of the NATS broker: each test starts its own, on a free port, and
// may stop and restart it on the same port.
package natstest

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/chatwasm/chatwasm/internal/modkit"
)

// Server is a nats-server process owned by one test.
type Server struct {
	t    testing.TB
	bin  string
	conf string
	port int
	log  string

	mu  sync.Mutex
	cmd *exec.Cmd
}

// Start starts a nats-server on a free port of 127.0.0.1, with extra
// command-line arguments, and stops it when the test ends. Without the
// binary the test is skipped, or failed under CI=true (.ci/run installs
// it: apt-get install nats-server).
func Start(t testing.TB, args ...string) *Server {
	t.Helper()
	bin, err := exec.LookPath("nats-server")
	if err != nil {
		for _, p := range []string{"/usr/sbin/nats-server", "/usr/bin/nats-server"} {
			if _, serr := os.Stat(p); serr == nil {
				bin, err = p, nil
				break
			}
		}
	}
	if err != nil {
		modkit.Unavailable(t, "nats-server is not installed (apt-get install nats-server)")
	}
	dir := t.TempDir()
	s := &Server{t: t, bin: bin, conf: filepath.Join(dir, "nats.conf"), port: freePort(t), log: filepath.Join(dir, "nats.log")}
	// max_payload: chatwasm frames may be up to 16 MiB.
	conf := fmt.Sprintf("listen: \"127.0.0.1:%d\"\nmax_payload: 67108864\nmax_pending: 134217728\n", s.port)
	if err := os.WriteFile(s.conf, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	s.start(args)
	t.Cleanup(s.Stop)
	return s
}

// freePort returns a TCP port free on 127.0.0.1 a moment ago.
func freePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// start runs the server and waits until it accepts connections.
func (s *Server) start(args []string) {
	s.t.Helper()
	logf, err := os.OpenFile(s.log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		s.t.Fatal(err)
	}
	defer logf.Close()
	cmd := exec.Command(s.bin, append([]string{"-c", s.conf}, args...)...)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		s.t.Fatalf("start nats-server: %v", err)
	}
	s.mu.Lock()
	s.cmd = cmd
	s.mu.Unlock()
	deadline := time.Now().Add(30 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", s.Addr(), time.Second)
		if err == nil {
			c.Close()
			return
		}
		if time.Now().After(deadline) {
			b, _ := os.ReadFile(s.log)
			s.t.Fatalf("nats-server does not accept connections on %s: %v\n%s", s.Addr(), err, b)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Addr is the server's host:port.
func (s *Server) Addr() string { return "127.0.0.1:" + strconv.Itoa(s.port) }

// URL is the server's nats:// URL.
func (s *Server) URL() string { return "nats://" + s.Addr() }

// PID is the server process's id, 0 while it is stopped.
func (s *Server) PID() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return 0
	}
	return s.cmd.Process.Pid
}

// Stop stops the server (SIGKILL: no goodbye to the clients, as a crash)
// and waits for it to exit. It does nothing if the server is stopped.
func (s *Server) Stop() {
	s.mu.Lock()
	cmd := s.cmd
	s.cmd = nil
	s.mu.Unlock()
	if cmd == nil {
		return
	}
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
}

// Restart stops the server and starts it again on the same port, with args.
func (s *Server) Restart(args ...string) {
	s.t.Helper()
	s.Stop()
	s.start(args)
}
