package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/chatwasm/chatwasm/abi"
	chatserver "github.com/chatwasm/chatwasm/host/server"
	"github.com/chatwasm/chatwasm/host/store/storetest"
	"github.com/chatwasm/chatwasm/internal/testserver"
)

// cliResult is the outcome of one CLI invocation.
type cliResult struct {
	stdout, stderr string
	code           int
}

// runCLI runs the chatwasm CLI on database db with secret ("" = none, the
// one stored in the database), bounded by a timeout.
func runCLI(t *testing.T, db, secret string, args ...string) cliResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, chatwasmBin, args...)
	cmd.Env = append(testserver.CleanEnv(), "CHATWASM_DB="+db)
	if secret != "" {
		cmd.Env = append(cmd.Env, "CHATWASM_SECRET="+secret)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	res := cliResult{stdout: stdout.String(), stderr: stderr.String()}
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		res.code = ee.ExitCode()
	default:
		t.Fatalf("chatwasm %v: %v", args, err)
	}
	return res
}

// mustCLI runs the CLI and fails unless it exits 0.
func mustCLI(t *testing.T, db, secret string, args ...string) string {
	t.Helper()
	res := runCLI(t, db, secret, args...)
	if res.code != 0 {
		t.Fatalf("chatwasm %v: exit %d\nstdout: %s\nstderr: %s", args, res.code, res.stdout, res.stderr)
	}
	return res.stdout
}

func TestCLIMigrate(t *testing.T) {
	t.Parallel()
	db := newDatabase(t)
	secret := testserver.RandomHex(t, 32)
	if out := mustCLI(t, db, secret, "migrate"); !strings.HasPrefix(out, "applied ") || !strings.Contains(out, ": 1 init") {
		t.Errorf("migrate on an empty database printed %q, want the migrations it applied", out)
	}
	if out := mustCLI(t, db, secret, "migrate", "up"); out != "up to date\n" {
		t.Errorf("migrate up on a migrated database printed %q, want \"up to date\"", out)
	}
	if out := mustCLI(t, db, secret, "migrate", "status"); !strings.HasSuffix(out, "pending: none\n") {
		t.Errorf("migrate status on a migrated database printed %q", out)
	}
	out := mustCLI(t, db, secret, "user", "add", "alice")
	var u map[string]any
	if err := json.Unmarshal([]byte(out), &u); err != nil {
		t.Fatalf("user add on a migrated database printed %q: %v", out, err)
	}
}

// TestCLIMigrateAdopts: a database made by a release before numbered
// migrations (tables, a user, no schema_migrations) is adopted as version 1
// by the binary, its data kept.
func TestCLIMigrateAdopts(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := newDatabase(t)
	st, err := chatserver.OpenStore(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	err = storetest.CreateUnversioned(ctx, st)
	if err == nil {
		_, err = st.Driver().Exec(ctx, "INSERT INTO users (username) VALUES ('alice')")
	}
	if cerr := st.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
	if out := mustCLI(t, db, "", "migrate", "status"); !strings.Contains(out, "created before migrations were numbered") {
		t.Errorf("migrate status on an unversioned database printed %q", out)
	}
	if out := mustCLI(t, db, "", "migrate"); !strings.Contains(out, "1 init (adopting the existing tables)") {
		t.Errorf("migrate on an unversioned database printed %q", out)
	}
	if out := mustCLI(t, db, "", "user", "get", "alice"); !strings.Contains(out, `"username":"alice"`) {
		t.Errorf("alice after adopting: %q", out)
	}
}

func TestCLIUserAndToken(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	out := mustCLI(t, s.DB, s.Secret, "user", "add", "alice",
		"--email", "alice@example.test", "--first-name", "Alice", "--last-name", "Liddell")
	var alice user
	var raw map[string]any
	if err := json.Unmarshal([]byte(out), &raw); err != nil {
		t.Fatalf("user add printed %q, want the user as JSON: %v", out, err)
	}
	assertKeys(t, raw, userKeys...)
	if err := json.Unmarshal([]byte(out), &alice); err != nil {
		t.Fatalf("user add: %v", err)
	}
	want := user{User: abi.User{ID: alice.ID, Username: "alice", Email: "alice@example.test", FirstName: "Alice", LastName: "Liddell"}}
	if alice != want || alice.ID <= 0 {
		t.Fatalf("user add printed %+v, want %+v", alice, want)
	}

	if res := runCLI(t, s.DB, s.Secret, "user", "add", "alice"); res.code == 0 {
		t.Fatalf("a duplicate user add exited 0: %s", res.stdout)
	}
	if res := runCLI(t, s.DB, s.Secret, "token", "nobody"); res.code == 0 {
		t.Fatalf("token for an unknown user exited 0: %s", res.stdout)
	}

	// A CLI token works against the running server on the same database.
	alice.Token = strings.TrimSpace(mustCLI(t, s.DB, s.Secret, "token", "alice"))
	a := s.connect(t, alice)
	a.heartbeat()
	// The CLI user is a real chat user: an admin-API user can open a 1-1 with it.
	bob := s.login(t, "bob")
	room := createRoom(t, bob, map[string]any{"type": "OneToOneChat", "participants": []int64{alice.ID}}, a)
	assertUserIDs(t, "participants", room["participants"], alice, bob.u)
	assertUser(t, asArray(t, room["participants"])[0], alice)

	// --ttl bounds the token's life.
	short := alice
	short.Token = strings.TrimSpace(mustCLI(t, s.DB, s.Secret, "token", "alice", "--ttl", "1s"))
	time.Sleep(2500 * time.Millisecond)
	c, err := dial(t, s.WSURL(short.Token), nil)
	if err != nil {
		t.Fatalf("dial with an expired CLI token: %v (want upgrade, then close 4001)", err)
	}
	c.u = short
	if code := c.expectClose(); code != 4001 {
		t.Fatalf("expired CLI token: close %d, want 4001", code)
	}
}

func TestCLITenant(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	out := mustCLI(t, s.DB, s.Secret, "user", "add", "eve", "--tenant", "other")
	var eve user
	if err := json.Unmarshal([]byte(out), &eve); err != nil {
		t.Fatalf("user add --tenant printed %q: %v", out, err)
	}
	eve.Token = strings.TrimSpace(mustCLI(t, s.DB, s.Secret, "token", "eve"))
	e := s.connect(t, eve)
	alice := s.login(t, "alice")
	// eve does not exist for alice's tenant, nor alice for eve's.
	alice.send("room.create", map[string]any{"type": "OneToOneChat", "participants": []int64{eve.ID}})
	alice.expectErrorContaining(4003, "A one to one chat can only have 2 participants")
	e.send("room.create", map[string]any{"type": "OneToOneChat", "participants": []int64{alice.u.ID}})
	e.expectErrorContaining(4003, "A one to one chat can only have 2 participants")
	quiet(alice, e)
}

// TestCLITokenWithStoredSecret: a server started without CHATWASM_SECRET
// keeps its secret in the database, where the CLI finds it; without
// CHATWASM_ADMIN_TOKEN the admin API accepts no guessable token, but the
// one stored in the database, which `chatwasm admin-token` prints and the
// server never logs.
func TestCLITokenWithStoredSecret(t *testing.T) {
	t.Parallel()
	s := startServer(t, withoutSecrets())
	mustCLI(t, s.DB, "", "user", "add", "alice")
	var alice user
	out := mustCLI(t, s.DB, "", "token", "alice")
	alice.Token = strings.TrimSpace(out)
	alice.Username = "alice"
	s.connect(t, alice).heartbeat()
	for _, tok := range []string{"", "null", "undefined"} {
		status, body := s.AdminRequest(t, "POST", "/admin/users", tok, map[string]any{"username": "bob"})
		assertAdminError(t, "admin request with token "+tok, status, body, 401)
	}
	admin := strings.TrimSpace(mustCLI(t, s.DB, "", "admin-token"))
	if status, body := s.AdminRequest(t, "POST", "/admin/users", admin, map[string]any{"username": "bob"}); status != 201 {
		t.Fatalf("admin request with the stored token: %d %v", status, body)
	}
	if strings.Contains(s.Log(), admin) {
		t.Errorf("the admin token is in the server's log:\n%s", s.Log())
	}
}
