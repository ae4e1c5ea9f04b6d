package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/chatwasm/chatwasm/host/auth"
	"github.com/gorilla/websocket"
)

// TestMain lets a test run this binary's main in a subprocess: the test
// binary re-executes itself with CHATWASM_TEST_RUN_MAIN=1.
func TestMain(m *testing.M) {
	if os.Getenv("CHATWASM_TEST_RUN_MAIN") == "1" {
		main()
		return
	}
	os.Exit(m.Run())
}

// result is one in-process run of the CLI.
type result struct {
	code           int
	stdout, stderr string
}

func runCLI(t *testing.T, env map[string]string, args ...string) result {
	t.Helper()
	return runCLIInput(t, env, "", args...)
}

// runCLIInput is runCLI with stdin as the command's input.
func runCLIInput(t *testing.T, env map[string]string, stdin string, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, func(k string) string { return env[k] }, strings.NewReader(stdin), &out, &errb)
	return result{code, out.String(), errb.String()}
}

func tempDB(t *testing.T) string { return "sqlite:" + filepath.Join(t.TempDir(), "chatwasm.db") }

// userToken adds the user username to db with the CLI and returns a token
// for it.
func userToken(t *testing.T, db, username string) string {
	t.Helper()
	if r := runCLI(t, nil, "user", "add", username, "--db", db); r.code != 0 {
		t.Fatal(r.stderr)
	}
	r := runCLI(t, nil, "token", username, "--db", db)
	if r.code != 0 {
		t.Fatal(r.stderr)
	}
	return strings.TrimSpace(r.stdout)
}

func TestHelp(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"help"}, {"-h"}} {
		r := runCLI(t, nil, args...)
		if r.code != 0 || !strings.Contains(r.stdout, "chatwasm serve") || !strings.Contains(r.stdout, "chatwasm token USERNAME") {
			t.Errorf("%v: code %d, stdout %q", args, r.code, r.stdout)
		}
	}
	for cmd, want := range map[string]string{
		"serve": "-inactivity-threshold", "migrate": "-db", "token": "-ttl", "admin-token": "-db",
	} {
		r := runCLI(t, nil, cmd, "--help")
		if r.code != 0 || !strings.Contains(r.stdout, "Usage: chatwasm "+cmd) || !strings.Contains(r.stdout, want) {
			t.Errorf("%s --help: code %d, stdout %q", cmd, r.code, r.stdout)
		}
	}
	r := runCLI(t, nil, "user", "add", "--help")
	if r.code != 0 || !strings.Contains(r.stdout, "-first-name") {
		t.Errorf("user add --help: code %d, stdout %q", r.code, r.stdout)
	}
}

func TestUsageErrors(t *testing.T) {
	db := tempDB(t)
	for _, c := range []struct {
		env  map[string]string
		args []string
		want string
	}{
		{nil, nil, "Usage:"},
		{nil, []string{"frobnicate"}, `unknown command "frobnicate"`},
		{nil, []string{"user"}, "chatwasm user list [flags]"},
		{nil, []string{"user", "remove", "x"}, `unknown subcommand "remove"`},
		{nil, []string{"user", "add", "--db", db}, "exactly one USERNAME"},
		{nil, []string{"token", "--db", db}, "exactly one USERNAME"},
		{nil, []string{"admin-token", "--db", db, "extra"}, `unexpected argument "extra"`},
		{nil, []string{"serve", "--bogus"}, "flag provided but not defined: -bogus"},
		{nil, []string{"serve", "extra"}, `unexpected argument "extra"`},
		{nil, []string{"serve", "--max-frame-bytes", "0"}, "must be positive"},
		{nil, []string{"serve", "--inactivity-threshold", "soon"}, "not a duration"},
		{nil, []string{"serve", "--frame-rate", "-1"}, "must not be negative"},
		{nil, []string{"serve", "--frame-burst", "0"}, "--frame-burst must be positive"},
		{nil, []string{"serve", "--write-batch", "0"}, "--write-batch must be between 1 and 4096"},
		{map[string]string{"CHATWASM_WRITE_BATCH": "5000"}, []string{"serve"}, "--write-batch must be between 1 and 4096"},
		{nil, []string{"serve", "--max-conns-per-user", "-2"}, "must not be negative"},
		{map[string]string{"CHATWASM_FRAME_RATE": "fast"}, []string{"serve"}, `CHATWASM_FRAME_RATE="fast": not a number`},
		{map[string]string{"CHATWASM_SOFT_DELETE": "maybe"}, []string{"serve"}, `CHATWASM_SOFT_DELETE="maybe": not a boolean`},
		{map[string]string{"CHATWASM_MAX_FRAME_BYTES": "1MB"}, []string{"serve"}, "not an integer"},
		{map[string]string{"CHATWASM_LOG_LEVEL": "loud"}, []string{"serve"}, "CHATWASM_LOG_LEVEL"},
		{map[string]string{"CHATWASM_LOG_FORMAT": "xml"}, []string{"serve"}, `CHATWASM_LOG_FORMAT="xml": want "text" or "json"`},
		{nil, []string{"serve", "--log-format", "yaml"}, `want "text" or "json"`},
	} {
		r := runCLI(t, c.env, c.args...)
		if r.code != 2 || !strings.Contains(r.stderr, c.want) {
			t.Errorf("%v %v: code %d, stderr %q; want 2 and %q", c.env, c.args, r.code, r.stderr, c.want)
		}
	}
}

func TestUserAddAndToken(t *testing.T) {
	db := tempDB(t)
	r := runCLI(t, nil, "user", "add", "alice", "--db", db, "--email", "alice@example.com", "--first-name", "Alice", "--last-name", "L")
	if r.code != 0 {
		t.Fatalf("user add: %d %s", r.code, r.stderr)
	}
	var u map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &u); err != nil {
		t.Fatalf("user add printed %q: %v", r.stdout, err)
	}
	want := map[string]any{"id": float64(1), "username": "alice", "email": "alice@example.com", "first_name": "Alice", "last_name": "L"}
	if len(u) != len(want) {
		t.Fatalf("user add printed %v, want %v", u, want)
	}
	for k, v := range want {
		if u[k] != v {
			t.Fatalf("user add printed %v, want %v", u, want)
		}
	}

	// Flags after --db and a tenant; then the duplicate.
	if r := runCLI(t, nil, "user", "add", "--db", db, "--tenant", "acme", "bob"); r.code != 0 {
		t.Fatalf("user add bob: %d %s", r.code, r.stderr)
	}
	if r := runCLI(t, nil, "user", "add", "alice", "--db", db); r.code != 1 || !strings.Contains(r.stderr, `username "alice" already exists`) {
		t.Fatalf("duplicate: %d %q", r.code, r.stderr)
	}
	if r := runCLI(t, nil, "user", "add", "no spaces", "--db", db); r.code != 1 || !strings.Contains(r.stderr, "username may contain only") {
		t.Fatalf("bad username: %d %q", r.code, r.stderr)
	}

	// Token signed with the configured secret.
	env := map[string]string{"CHATWASM_SECRET": "cli test secret"}
	r = runCLI(t, env, "token", "alice", "--db", db, "--ttl", "1h")
	if r.code != 0 {
		t.Fatalf("token: %d %s", r.code, r.stderr)
	}
	iss, err := auth.NewIssuer([]byte("cli test secret"))
	if err != nil {
		t.Fatal(err)
	}
	if id, err := iss.Verify(strings.TrimSpace(r.stdout)); err != nil || id != 1 {
		t.Fatalf("token verifies to %d, %v", id, err)
	}
	if r := runCLI(t, env, "token", "nobody", "--db", db); r.code != 1 || !strings.Contains(r.stderr, `no user "nobody"`) {
		t.Fatalf("unknown user: %d %q", r.code, r.stderr)
	}
}

// TestAdminToken: the admin token is generated once and stored, so every
// invocation (and every server on that database) sees the same one, unless
// CHATWASM_ADMIN_TOKEN names another.
func TestAdminToken(t *testing.T) {
	db := tempDB(t)
	first := runCLI(t, nil, "admin-token", "--db", db)
	tok := strings.TrimSpace(first.stdout)
	if first.code != 0 || len(tok) != 32 {
		t.Fatalf("admin-token: %d %q %q", first.code, first.stdout, first.stderr)
	}
	if r := runCLI(t, nil, "admin-token", "--db", db); strings.TrimSpace(r.stdout) != tok {
		t.Errorf("second admin-token printed %q, want %q", r.stdout, tok)
	}
	env := map[string]string{"CHATWASM_ADMIN_TOKEN": "chosen"}
	if r := runCLI(t, env, "admin-token", "--db", db); r.code != 0 || strings.TrimSpace(r.stdout) != "chosen" {
		t.Errorf("with CHATWASM_ADMIN_TOKEN: %d %q", r.code, r.stdout)
	}
	if r := runCLI(t, nil, "admin-token", "--db", tempDB(t)); strings.TrimSpace(r.stdout) == tok {
		t.Error("two databases share an admin token")
	}
}

func TestFlagsWinOverEnv(t *testing.T) {
	withUser, empty := tempDB(t), tempDB(t)
	if r := runCLI(t, nil, "user", "add", "alice", "--db", withUser); r.code != 0 {
		t.Fatal(r.stderr)
	}
	env := map[string]string{"CHATWASM_DB": empty}
	if r := runCLI(t, env, "token", "alice"); r.code != 1 {
		t.Fatalf("CHATWASM_DB ignored: %d %q", r.code, r.stderr)
	}
	if r := runCLI(t, env, "token", "alice", "--db", withUser); r.code != 0 {
		t.Fatalf("--db did not win over CHATWASM_DB: %d %q", r.code, r.stderr)
	}
}

// logBuffer collects a process's stderr.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) add(s string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.b.WriteString(s + "\n")
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// serveProcess starts `chatwasm serve` in a subprocess and returns it with
// the address parsed from its "msg=listening addr=..." line and its log,
// kept whole (and shown if the test fails).
func serveProcess(t *testing.T, env []string, args ...string) (*exec.Cmd, string, *logBuffer) {
	t.Helper()
	cmd := exec.Command(os.Args[0], append([]string{"serve", "--addr", "127.0.0.1:0"}, args...)...)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "CHATWASM_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(append(cmd.Env, "CHATWASM_TEST_RUN_MAIN=1"), env...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	logs := &logBuffer{}
	exited := make(chan struct{})
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
		if t.Failed() {
			t.Logf("server log:\n%s", logs)
		}
	})
	addr := make(chan string, 1)
	re := regexp.MustCompile(`^time=\S+ level=INFO msg=listening addr=(127\.0\.0\.1:\d+)$`)
	go func() {
		defer close(exited)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			logs.add(sc.Text())
			if m := re.FindStringSubmatch(sc.Text()); m != nil {
				addr <- m[1]
			}
		}
	}()
	select {
	case a := <-addr:
		return cmd, a, logs
	case <-exited:
		t.Fatalf("server exited before listening:\n%s", logs)
	case <-time.After(30 * time.Second):
		t.Fatalf("no listening line after 30s:\n%s", logs)
	}
	return nil, "", nil
}

func TestServeGracefulShutdown(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		t.Run(sig.String(), func(t *testing.T) {
			db := tempDB(t)
			// The CLI stores the secret in the database; the server must
			// verify tokens with the same one.
			token := userToken(t, db, "alice")

			cmd, addr, _ := serveProcess(t,
				[]string{"CHATWASM_DB=" + db, "CHATWASM_WS_PATH=/ignored/", "CHATWASM_MAX_FRAME_BYTES=200", "CHATWASM_ADMIN_TOKEN=adm"},
				"--ws-path", "/chat/")

			resp, err := http.Get("http://" + addr + "/healthz")
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != 200 {
				t.Fatalf("healthz %d", resp.StatusCode)
			}

			ws, resp, err := websocket.DefaultDialer.Dial("ws://"+addr+"/chat/?token="+token, nil)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			defer ws.Close()
			_ = ws.SetReadDeadline(time.Now().Add(5 * time.Second))
			if _, b, err := ws.ReadMessage(); err != nil || !strings.Contains(string(b), "chat.notifications") {
				t.Fatalf("first frame %s, %v", b, err)
			}
			// CHATWASM_MAX_FRAME_BYTES reached the server.
			if err := ws.WriteMessage(websocket.TextMessage, []byte(`{"event_type":"x","pad":"`+strings.Repeat("y", 300)+`"}`)); err != nil {
				t.Fatal(err)
			}
			if _, b, err := ws.ReadMessage(); err != nil || !strings.Contains(string(b), "maximum size of 200 bytes") {
				t.Fatalf("oversized frame reply %s, %v", b, err)
			}

			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			if _, _, err := ws.ReadMessage(); !websocket.IsCloseError(err, websocket.CloseGoingAway) {
				t.Fatalf("on %s: %v, want close 1001", sig, err)
			}
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			select {
			case err := <-done:
				if err != nil {
					t.Fatalf("exit: %v, want status 0", err)
				}
			case <-time.After(15 * time.Second):
				t.Fatal("server did not exit")
			}
			if _, err := http.Get("http://" + addr + "/healthz"); err == nil {
				t.Fatal("still accepting after exit")
			}
		})
	}
}

// TestServeRefusesBadExternalIssuer: an external issuer that cannot be
// used stops the server before it listens, saying why.
func TestServeRefusesBadExternalIssuer(t *testing.T) {
	notPEM := filepath.Join(t.TempDir(), "key.pem")
	if err := os.WriteFile(notPEM, []byte("not a key"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--jwt-issuer", "https://idp", "--jwt-key", filepath.Join(t.TempDir(), "missing.pem")}, "no such file"},
		{[]string{"--jwt-issuer", "https://idp", "--jwt-key", notPEM}, "the key is not PEM"},
		{[]string{"--jwt-issuer", "https://idp"}, "its key file is required"},
		{[]string{"--jwt-key", notPEM}, "but not its issuer"},
	} {
		db := tempDB(t)
		r := runCLI(t, nil, append([]string{"serve", "--addr", "127.0.0.1:0", "--db", db}, c.args...)...)
		if r.code != 1 || !strings.Contains(r.stderr, c.want) || strings.Contains(r.stderr, "msg=listening") {
			t.Errorf("%v: code %d, stderr:\n%s\nwant 1 and %q before listening", c.args, r.code, r.stderr, c.want)
		}
		// The failed start left no database file of its own behind...
		if _, err := os.Stat(strings.TrimPrefix(db, "sqlite:")); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("%v: the failed start left %s: %v", c.args, db, err)
		}
	}
	// ... and removes none that was there.
	db := tempDB(t)
	userToken(t, db, "alice")
	if r := runCLI(t, nil, "serve", "--addr", "127.0.0.1:0", "--db", db, "--jwt-issuer", "https://idp"); r.code != 1 {
		t.Fatalf("code %d: %s", r.code, r.stderr)
	}
	if _, err := os.Stat(strings.TrimPrefix(db, "sqlite:")); err != nil {
		t.Errorf("a failed start removed the existing database: %v", err)
	}
}

// TestVersion: chatwasm version prints the version, the commit and the Go
// version of the binary, as its build recorded them.
func TestVersion(t *testing.T) {
	r := runCLI(t, nil, "version")
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if r.code != 0 || len(lines) != 3 || !strings.HasPrefix(lines[0], "chatwasm ") ||
		!strings.HasPrefix(lines[1], "commit ") || lines[2] != runtime.Version() {
		t.Fatalf("code %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	if r := runCLI(t, nil, "version", "extra"); r.code != 2 {
		t.Errorf("version with an argument: code %d, want 2", r.code)
	}
}

// TestLogFormatJSON: with --log-format json every log line is a JSON
// object (here the failed start's).
func TestLogFormatJSON(t *testing.T) {
	r := runCLI(t, map[string]string{"CHATWASM_LOG_FORMAT": "json"}, "serve", "--addr", "127.0.0.1:0", "--db", tempDB(t),
		"--jwt-issuer", "https://idp")
	if r.code != 1 {
		t.Fatalf("code %d, want 1: %s", r.code, r.stderr)
	}
	var logged []map[string]any
	for _, line := range strings.Split(r.stderr, "\n") {
		var rec map[string]any
		if json.Unmarshal([]byte(line), &rec) == nil {
			logged = append(logged, rec)
		}
	}
	if len(logged) == 0 || logged[len(logged)-1]["msg"] != "server failed" || logged[len(logged)-1]["level"] != "ERROR" {
		t.Fatalf("no JSON log line of the failure in:\n%s", r.stderr)
	}
	if strings.Count(r.stderr, "its key file is required") != 1 {
		t.Fatalf("the error is not printed exactly once:\n%s", r.stderr)
	}
}

// TestTokenURL: token --url prints the web app's address under --base with
// the token and username in the fragment (never in the query, which servers
// log), and the token signs the user in.
func TestTokenURL(t *testing.T) {
	db := tempDB(t)
	if r := runCLI(t, nil, "user", "add", "alice", "--db", db); r.code != 0 {
		t.Fatal(r.stderr)
	}
	env := map[string]string{"CHATWASM_SECRET": "cli test secret"}
	iss, err := auth.NewIssuer([]byte("cli test secret"))
	if err != nil {
		t.Fatal(err)
	}
	for base, want := range map[string]string{
		"":                            "http://127.0.0.1:8080/",
		"https://chat.example.com":    "https://chat.example.com/",
		"http://10.0.0.5:9000/chat?x": "http://10.0.0.5:9000/chat/",
	} {
		args := []string{"token", "alice", "--url", "--db", db}
		if base != "" {
			args = append(args, "--base", base)
		}
		r := runCLI(t, env, args...)
		if r.code != 0 {
			t.Fatalf("token --url --base %q: %d %s", base, r.code, r.stderr)
		}
		link, err := url.Parse(strings.TrimSpace(r.stdout))
		if err != nil {
			t.Fatalf("token --url printed %q: %v", r.stdout, err)
		}
		frag, err := url.ParseQuery(link.Fragment)
		if err != nil {
			t.Fatal(err)
		}
		if page := strings.TrimSuffix(link.String(), "#"+link.EscapedFragment()); page != want || frag.Get("user") != "alice" {
			t.Errorf("--base %q: link %s: page %q, user %q; want %q, alice", base, link, page, frag.Get("user"), want)
		}
		if id, err := iss.Verify(frag.Get("token")); err != nil || id != 1 {
			t.Errorf("--base %q: the link's token verifies to %d, %v", base, id, err)
		}
	}
	if r := runCLI(t, env, "token", "alice", "--url", "--base", "ftp://x", "--db", db); r.code != 2 || !strings.Contains(r.stderr, "--base must be") {
		t.Errorf("token --base ftp://x: %d %q", r.code, r.stderr)
	}
}
