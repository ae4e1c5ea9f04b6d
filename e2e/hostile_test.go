package e2e

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chatwasm/chatwasm/host/hooks"
	"github.com/chatwasm/chatwasm/internal/testserver"
)

// The hostile-module suite: one real server runs every hostile module of
// testdata/hostile, each for a tenant of its own, next to a well-behaved
// module ("checker", every tenant, outermost on create_message: it adds
// "checked_by" to each message it sees) and a tenant no hostile module
// touches ("clean"). Each hostile module must be stopped or refused, its
// tenant's client must get the error its on_failure policy says, and the
// server, the checker and the other tenants must carry on as before.

// hostileFault is a module that misbehaves so badly that the host must stop
// it: a fault.
type hostileFault struct {
	mode string
	// limits are extra module file lines.
	limits string
	// kind is how the server's log names the fault (a host/wasm fault kind).
	kind string
}

var hostileFaults = []hostileFault{
	{mode: "loop", limits: "timeout: 200ms", kind: "call deadline exceeded"},
	// The memory bomb can only end at its cap: a deadline far past what
	// reaching it takes keeps a loaded machine from turning it into a
	// timeout.
	{mode: "memory", limits: "memory: 32MiB\ntimeout: 1m", kind: "linear memory limit exceeded"},
	{mode: "kernel", kind: "kernel memory limit exceeded"},
	{mode: "panic", kind: "wasm: trap"},
	{mode: "output", kind: "output limit exceeded"},
}

// Tenants of the suite.
const (
	cleanTenant       = "clean"
	ungrantedTenant   = "hostile-ungranted"
	crossTenant       = "hostile-cross"
	nextTwiceTenant   = "hostile-twice"
	floodTenant       = "hostile-flood"
	checkerModule     = "checker"
	hostileModuleWord = "hostile-"
)

func faultTenant(mode, policy string) string { return hostileModuleWord + mode + "-" + policy }

// moduleEntry writes to b the module file entry of the guest at wasm named
// name, on hook, in mode (followed by more config pairs for a mode that
// takes them: "burn, burn: 1s"), for tenant (every tenant when empty), with
// extra lines (limits, capabilities, policy) separated by newlines. The
// guest's tag is its name.
func moduleEntry(b *strings.Builder, wasm, name, tenant, hook, mode, extra string) {
	fmt.Fprintf(b, "  - name: %s\n    path: %s\n    hooks: [%q]\n    config: {mode: %s, tag: %s}\n",
		name, wasm, hook, mode, name)
	if tenant != "" {
		fmt.Fprintf(b, "    tenants: [%q]\n", tenant)
	}
	for _, l := range strings.Split(extra, "\n") {
		if l != "" {
			fmt.Fprintf(b, "    %s\n", l)
		}
	}
}

// writeModuleFile writes a module file of entries and returns its path.
func writeModuleFile(t *testing.T, entries string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "modules.yaml")
	if err := os.WriteFile(path, []byte("modules:\n"+entries), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// hostileModuleFile writes the suite's module file for the guest at wasm.
func hostileModuleFile(t *testing.T, wasm string) string {
	t.Helper()
	var b strings.Builder
	entry := func(name, tenant, hook, mode, extra string) { moduleEntry(&b, wasm, name, tenant, hook, mode, extra) }
	entry(checkerModule, "", "create_message", "tag", "")
	for _, f := range hostileFaults {
		for _, policy := range []string{"closed", "open"} {
			tenant := faultTenant(f.mode, policy)
			entry(tenant, tenant, "_create_message", f.mode, f.limits+"\non_failure: "+policy)
		}
	}
	entry(ungrantedTenant, ungrantedTenant, "_create_message", "ungranted", "capabilities: [\"log\"]")
	entry(floodTenant, floodTenant, "_create_message", "flood", "capabilities: [\"events.emit\", \"log\"]\ntimeout: 1m")
	entry(crossTenant, crossTenant, "_create_message", "cross_tenant", "capabilities: [\"*\"]")
	entry(nextTwiceTenant, nextTwiceTenant, "_create_message", "next_twice", "")
	return writeModuleFile(t, b.String())
}

// withModuleFile starts the server with --modules path, a compile cache
// shared by the suite's runs, and no polling of the files.
func withModuleFile(path string) serverOption {
	return testserver.WithFlags("--modules", path, "--module-cache", filepath.Join(guestCache, "compile-cache"),
		"--module-watch", "0")
}

func TestHostileModules(t *testing.T) {
	t.Parallel()
	s := startServer(t, withModuleFile(hostileModuleFile(t, hostileWasm(t))))
	carol := s.connect(t, s.CreateUserIn(t, cleanTenant, "carol"))
	dave := s.connect(t, s.CreateUserIn(t, cleanTenant, "dave"))
	cleanRoom := createGroup(t, carol, "clean", []user{dave.u}, nil, dave)
	// unaffected proves that the clean tenant and the checker work as before:
	// a message reaches both members, checked.
	sent := 0
	unaffected := func(t *testing.T) {
		t.Helper()
		sent++
		content := fmt.Sprintf("still fine %d", sent)
		m := sendChecked(t, carol, cleanRoom, content, dave)
		assertEqual(t, "content", m["content"], content)
		if n := len(history(t, dave, cleanRoom)); n != sent {
			t.Fatalf("clean room has %d messages, want %d", n, sent)
		}
	}
	unaffected(t)

	for _, f := range hostileFaults {
		t.Run(f.mode, func(t *testing.T) {
			// on_failure: closed fails the request with a 4006 and stores
			// nothing; the connection stays usable.
			closed := s.connect(t, s.CreateUserIn(t, faultTenant(f.mode, "closed"), "closed-"+f.mode))
			room := createGroup(t, closed, "victim", nil, nil)
			closed.send("message.send", map[string]any{"room_id": room, "content": "hello"})
			closed.expectErrorDetail(4006, "Internal server error.")
			if msgs := history(t, closed, room); len(msgs) != 0 {
				t.Fatalf("closed: the failed message was stored: %s", mustJSON(msgs))
			}
			closed.heartbeat()
			s.waitLog(t, `msg="module fault"`, "module="+faultTenant(f.mode, "closed"), f.kind)

			// on_failure: open skips the module's layer: the message goes
			// through as if the module were absent (the checker still sees it).
			open := s.connect(t, s.CreateUserIn(t, faultTenant(f.mode, "open"), "open-"+f.mode))
			room = createGroup(t, open, "victim", nil, nil)
			m := sendChecked(t, open, room, "hello", nil)
			assertEqual(t, "content", m["content"], "hello")
			if msgs := history(t, open, room); len(msgs) != 1 {
				t.Fatalf("open: %d messages stored, want 1: %s", len(msgs), mustJSON(msgs))
			}
			s.waitLog(t, `msg="module fault"`, "module="+faultTenant(f.mode, "open"), f.kind)

			unaffected(t)
		})
	}

	// A module calling imports it was not granted: the calls are refused
	// (the module carries on), and what they would have done is not done.
	t.Run("ungranted", func(t *testing.T) {
		owner := s.connect(t, s.CreateUserIn(t, ungrantedTenant, "owner"))
		mallory := s.connect(t, s.CreateUserIn(t, ungrantedTenant, "mallory"))
		room := createGroup(t, owner, "team", []user{mallory.u}, nil, mallory)
		m := sendChecked(t, mallory, room, "hi", owner)
		refused := asObject(t, m["refused"])
		for _, imp := range []string{"members_add", "kv_set", "message_create"} {
			if !strings.Contains(asString(t, refused[imp]), "capability not granted") {
				t.Errorf("%s: host answered %s, want a capability refusal", imp, mustJSON(refused[imp]))
			}
		}
		assertUserIDs(t, "admins", roomInfo(t, owner, room)["admins"], owner.u)
		unaffected(t)
	})

	// A module with every capability reaching for another tenant's room,
	// members, message and user, to read them or write to them (the write
	// imports): to it they do not exist.
	t.Run("cross_tenant", func(t *testing.T) {
		secret := sendChecked(t, carol, cleanRoom, "secret", dave)
		sent++
		mallory := s.connect(t, s.CreateUserIn(t, crossTenant, "mallory-cross"))
		own := createGroup(t, mallory, "own", nil, nil)
		target := mustJSON(map[string]any{"room_id": cleanRoom, "message_id": secret["id"], "user_id": carol.u.ID})
		m := sendChecked(t, mallory, own, target, nil)
		if leaked := asObject(t, m["leaked"]); len(leaked) != 0 {
			t.Fatalf("the module obtained another tenant's data: %s", mustJSON(leaked))
		}
		refused := asObject(t, m["refused"])
		for _, imp := range []string{"room_get", "room_members", "render_room", "message_get", "user_get", "members_add",
			"room_messages", "user_rooms", "message_create", "message_react", "receipt_create", "notification_create"} {
			var e struct {
				Code   int    `json:"code"`
				Detail string `json:"detail"`
			}
			if err := json.Unmarshal([]byte(asString(t, refused[imp])), &e); err != nil ||
				e.Code != 4004 || e.Detail != "Resource not found." {
				t.Errorf("%s on another tenant's object: host answered %s, want 4004 Resource not found.", imp,
					mustJSON(refused[imp]))
			}
		}
		assertUserIDs(t, "participants", roomInfo(t, carol, cleanRoom)["participants"], carol.u, dave.u)
		quiet(carol, dave)
		unaffected(t)
	})

	// A replace hook calling next twice: the second call is refused, the
	// module fails with that error, and the operation's transaction rolls
	// back: the message is stored neither once nor twice.
	t.Run("next_twice", func(t *testing.T) {
		u := s.connect(t, s.CreateUserIn(t, nextTwiceTenant, "twice"))
		room := createGroup(t, u, "twice", nil, nil)
		u.send("message.send", map[string]any{"room_id": room, "content": "once"})
		u.expectErrorDetail(4006, "next may be called only once per hook call")
		if msgs := history(t, u, room); len(msgs) != 0 {
			t.Fatalf("%d messages stored, want none: %s", len(msgs), mustJSON(msgs))
		}
		unaffected(t)
	})

	t.Run("flood", func(t *testing.T) {
		// A call that emits 300 events and logs 1000 lines of 1 KB (with a
		// deadline it cannot reach however slow the machine): 64 events
		// reach the room, the sender's connection stays open (its queue
		// holds 256 frames), and at most 100 lines reach the log.
		u := s.connect(t, s.CreateUserIn(t, floodTenant, "flooder"))
		room := createGroup(t, u, "flood", nil, nil)
		u.send("message.send", map[string]any{"room_id": room, "content": "flood"})
		m := u.expectObject("message.dispatch")
		assertEqual(t, "emitted", m["emitted"], float64(hooks.MaxEmitsPerCall))
		for range hooks.MaxEmitsPerCall {
			u.expect("flood.event")
		}
		u.heartbeat()
		s.waitLog(t, "module log over the per-call limit", "module="+floodTenant)
		// Each line carries 1000 bytes: the byte cap binds first.
		if n := strings.Count(s.Log(), "msg=\"flood x"); n == 0 || n*1000 > hooks.MaxLogBytesPerCall {
			t.Errorf("%d module log lines of 1 KB reached the server log, want 1 to %d", n,
				hooks.MaxLogBytesPerCall/1000)
		}
		unaffected(t)
	})

	// After all of it the server still serves: health, and every tenant's
	// connection still answers.
	s.assertHealthy(t)
	unaffected(t)

	// The metrics agree: each faulting module counted its faults, and the
	// checker, which saw every request, none.
	metrics := s.metricsText(t)
	for _, f := range hostileFaults {
		for _, policy := range []string{"closed", "open"} {
			name := faultTenant(f.mode, policy)
			if !strings.Contains(metrics, `chatwasm_module_errors_total{hook="_create_message",kind="fault",module="`+name+`"} 1`) {
				t.Errorf("metrics: no single fault counted for %s", name)
			}
		}
	}
	// (Its errors are the hostile layers' errors it passed on.)
	for _, line := range strings.Split(metrics, "\n") {
		charged := strings.Contains(line, `kind="fault",module="checker"`) ||
			strings.HasPrefix(line, "chatwasm_module_timeouts_total{") && strings.Contains(line, `module="checker"`) ||
			strings.HasPrefix(line, `chatwasm_module_disabled{module="checker"}`)
		if charged && !strings.HasSuffix(line, " 0") {
			t.Errorf("metrics: the well-behaved module was charged: %s", line)
		}
	}
	if !strings.Contains(metrics, `chatwasm_module_calls_total{hook="create_message",module="checker"}`) {
		t.Errorf("metrics: no calls of the checker")
	}

	// A tenant that crafts messages the shared checker chokes on disables
	// it for itself only: faults count per module and tenant.
	crasher := s.connect(t, s.CreateUserIn(t, crasherTenant, "crasher"))
	room := createGroup(t, crasher, "crash", nil, nil)
	for i := range hooks.DefaultFaultLimit + 1 {
		crasher.send("message.send", map[string]any{"room_id": room, "content": fmt.Sprint(crashWord, " ", i)})
		crasher.expectErrorDetail(4006, "Internal server error.")
	}
	s.waitLog(t, "module disabled for the tenant", "module=checker", "tenant="+crasherTenant)
	unaffected(t) // the clean tenant's messages are still checked
	metrics = s.metricsText(t)
	if !strings.Contains(metrics, `chatwasm_module_disabled{module="checker"} 1`) {
		t.Errorf("metrics: the checker is not disabled for exactly one tenant")
	}
}

// crasherTenant is the tenant whose messages make the checker trap, and
// crashWord the word that does it (testdata/hostile, mode "tag").
const (
	crasherTenant = "hostile-crasher"
	crashWord     = "crash-the-checker"
)

// metricsText returns the server's /metrics page.
func (s *server) metricsText(t *testing.T) string {
	t.Helper()
	resp, err := http.Get(s.OpsURL("/metrics"))
	if err != nil {
		t.Fatalf("GET /metrics: %v", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /metrics: %d %v", resp.StatusCode, err)
	}
	return string(b)
}

// sendChecked sends content to room from c and expects message.dispatch on
// c and every other given connection, carrying the checker's mark; it
// returns the message without the fields modules added, checked for shape
// (the extra fields are left in the returned map).
func sendChecked(t *testing.T, c *client, roomID, content string, others ...*client) map[string]any {
	t.Helper()
	var receivers []*client
	for _, o := range others {
		if o != nil {
			receivers = append(receivers, o)
		}
	}
	c.send("message.send", map[string]any{"room_id": roomID, "content": content})
	m := asObject(t, expectSame(t, "message.dispatch", append([]*client{c}, receivers...)...))
	assertEqual(t, "checked_by", m["checked_by"], checkerModule)
	plain := maps.Clone(m)
	for _, k := range []string{"checked_by", "refused", "leaked"} {
		delete(plain, k)
	}
	assertMessage(t, plain)
	return m
}

// waitLog waits until one line of the server's log holds every one of subs.
func (s *server) waitLog(t *testing.T, subs ...string) {
	t.Helper()
	deadline := time.Now().Add(expectTimeout)
	for {
		for _, line := range strings.Split(s.Log(), "\n") {
			if containsAll(line, subs) {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no server log line holds all of %q", subs)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func containsAll(s string, subs []string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}
