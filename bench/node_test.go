package bench

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/chatwasm/chatwasm/host/server"
	"github.com/chatwasm/chatwasm/host/store/storetest"
)

// Timeouts of the harness: every wait has one.
const (
	startTimeout = 30 * time.Second
	stopTimeout  = 15 * time.Second
	waitTimeout  = 30 * time.Second
)

// httpClient talks to the admin API.
var httpClient = &http.Client{Timeout: 15 * time.Second}

// engine picks the database of a benchmark's nodes.
type engine string

const (
	sqliteEngine   engine = "sqlite"
	postgresEngine engine = "postgres"
)

// newDatabase returns the --db value of a fresh database of engine e; a
// PostgreSQL one skips tb unless storetest.EnvPostgres names a server.
func newDatabase(tb testing.TB, e engine) string {
	tb.Helper()
	if e == sqliteEngine {
		return "sqlite:" + filepath.Join(tb.TempDir(), "chatwasm.db")
	}
	return storetest.PostgresURL(tb)
}

// envInProcess, when set (to anything), runs the nodes inside the
// benchmark process instead of as chatwasm processes, so that -cpuprofile
// and -memprofile cover the servers too. The per-node CPU metrics are then
// not reported: only one process is left to measure.
const envInProcess = "CHATWASM_BENCH_INPROCESS"

// node is one `chatwasm serve` process, or one server.Run in this process.
type node struct {
	id         string
	addr       string
	db         string
	secret     string
	adminToken string

	cmd     *exec.Cmd          // nil in process
	cancel  context.CancelFunc // in process
	out     *capped
	exited  chan struct{}
	waitErr error
}

var listeningRE = regexp.MustCompile(`msg=listening\b.*?\baddr=(\S+)`)

// startNode starts a node on database db; peer, when not nil, is a node on
// the same database whose secrets it shares. It is stopped at cleanup.
func startNode(tb testing.TB, db, id string, peer *node) *node {
	tb.Helper()
	n := &node{id: id, db: db, out: &capped{max: 1 << 20}, exited: make(chan struct{})}
	if peer != nil {
		n.secret, n.adminToken = peer.secret, peer.adminToken
	} else {
		n.secret, n.adminToken = randomHex(tb, 32), randomHex(tb, 16)
	}
	if os.Getenv(envInProcess) != "" {
		n.run()
	} else {
		n.exec(tb)
	}
	tb.Cleanup(func() {
		if err := n.stop(); err != nil {
			tb.Errorf("node %s: %v\n%s", id, err, n.out.String())
		}
	})
	deadline := time.Now().Add(startTimeout)
	for n.addr == "" {
		if m := listeningRE.FindStringSubmatch(n.out.String()); m != nil {
			n.addr = strings.Trim(m[1], `"`)
			break
		}
		select {
		case <-n.exited:
			tb.Fatalf("node %s exited before listening: %v\n%s", id, n.waitErr, n.out.String())
		case <-time.After(10 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			tb.Fatalf("node %s did not listen within %v\n%s", id, startTimeout, n.out.String())
		}
	}
	return n
}

// exec starts the node as a chatwasm process.
func (n *node) exec(tb testing.TB) {
	tb.Helper()
	// No frame rate or connection cap: the load is one client sending as
	// fast as the server answers.
	n.cmd = exec.Command(chatwasmBin(tb), "serve", "--addr", "127.0.0.1:0", "--db", n.db, "--node-id", n.id,
		"--frame-rate", "0", "--max-conns-per-user", "0")
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "CHATWASM_") {
			env = append(env, kv)
		}
	}
	n.cmd.Env = append(env, "CHATWASM_SECRET="+n.secret, "CHATWASM_ADMIN_TOKEN="+n.adminToken)
	n.cmd.Stdout, n.cmd.Stderr = n.out, n.out
	n.cmd.SysProcAttr = childProcAttr()
	if err := n.cmd.Start(); err != nil {
		tb.Fatalf("start chatwasm serve: %v", err)
	}
	go func() {
		n.waitErr = n.cmd.Wait()
		close(n.exited)
	}()
}

// run starts the node in this process, as `chatwasm serve` would.
func (n *node) run() {
	cfg := server.DefaultConfig()
	cfg.Addr, cfg.DB, cfg.NodeID = "127.0.0.1:0", n.db, n.id
	cfg.Secret, cfg.AdminToken = n.secret, n.adminToken
	cfg.ModuleCache, cfg.ModuleWatch = "", -1
	cfg.FrameRate, cfg.MaxConnsPerUser = 0, 0
	var ctx context.Context
	ctx, n.cancel = context.WithCancel(context.Background())
	go func() {
		n.waitErr = server.Run(ctx, cfg, slog.New(slog.NewTextHandler(n.out, nil)))
		close(n.exited)
	}()
}

// pid is the node's process id as a /proc name, "" when it runs in this
// process.
func (n *node) pid() string {
	if n.cmd == nil {
		return ""
	}
	return strconv.Itoa(n.cmd.Process.Pid)
}

// stop sends SIGTERM and waits for a clean exit.
func (n *node) stop() error {
	select {
	case <-n.exited:
		return n.waitErr
	default:
	}
	if n.cmd == nil {
		n.cancel()
		select {
		case <-n.exited:
			return n.waitErr
		case <-time.After(stopTimeout):
			return errors.New("server.Run did not return within " + stopTimeout.String() + " of its cancellation")
		}
	}
	if err := n.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		return fmt.Errorf("SIGTERM: %w", err)
	}
	select {
	case <-n.exited:
		return n.waitErr
	case <-time.After(stopTimeout):
		_ = n.cmd.Process.Kill()
		<-n.exited
		return errors.New("no exit within " + stopTimeout.String() + " of SIGTERM (killed)")
	}
}

// user is an account with a token.
type user struct {
	ID       int64  `json:"id"`
	Username string `json:"username"`
	Token    string `json:"-"`
}

// admin sends an admin API request and decodes a 2xx JSON answer into out.
func (n *node) admin(tb testing.TB, method, path string, body, out any) {
	tb.Helper()
	enc, err := json.Marshal(body)
	if err != nil {
		tb.Fatal(err)
	}
	req, err := http.NewRequest(method, "http://"+n.addr+path, bytes.NewReader(enc))
	if err != nil {
		tb.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+n.adminToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err := httpClient.Do(req)
	if err != nil {
		tb.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode/100 != 2 {
		tb.Fatalf("%s %s: status %d, %v: %s", method, path, resp.StatusCode, err, b)
	}
	if err := json.Unmarshal(b, out); err != nil {
		tb.Fatalf("%s %s: decode %s: %v", method, path, b, err)
	}
}

// createUser creates a user with a token.
func (n *node) createUser(tb testing.TB, name string) user {
	tb.Helper()
	var u user
	n.admin(tb, http.MethodPost, "/admin/users", map[string]any{"username": name}, &u)
	var tok struct {
		Token string `json:"token"`
	}
	n.admin(tb, http.MethodPost, "/admin/tokens", map[string]any{"user_id": u.ID, "ttl": "24h"}, &tok)
	u.Token = tok.Token
	return u
}

// capped keeps a process's output, up to max bytes.
type capped struct {
	mu  sync.Mutex
	buf bytes.Buffer
	max int
}

func (c *capped) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if room := c.max - c.buf.Len(); room > 0 {
		c.buf.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}

func (c *capped) String() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.buf.String()
}

func randomHex(tb testing.TB, n int) string {
	tb.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		tb.Fatal(err)
	}
	return hex.EncodeToString(b)
}
