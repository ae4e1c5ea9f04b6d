package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/chatwasm/chatwasm/host/modtool"
)

// The module commands run on real modules built from source: two of the
// example modules and the hostile-module suite's guest.

// moduleEnv is the environment of the module commands under test.
var moduleEnv = map[string]string{"CHATWASM_MODULE_CACHE": compileCache}

func moderationWasm(t *testing.T) string { return guest(t, "modules/examples/moderation") }
func joinApprovalWasm(t *testing.T) string {
	return guest(t, "modules/examples/join-approval")
}
func hostileWasm(t *testing.T) string { return guest(t, "e2e/testdata/hostile") }

func TestModuleInspect(t *testing.T) {
	path := moderationWasm(t)
	r := runCLI(t, nil, "module", "inspect", path)
	if r.code != 0 {
		t.Fatalf("code %d, stderr %s", r.code, r.stderr)
	}
	for _, want := range []string{"abi     version 1", "hooks (1)", "_create_message  replace  create_message",
		"custom actions (0)", "extism:host/user        next", "chatwasm, no capability needed",
		`needs capability "members.write", replace layer only`, "problems      none"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, r.stdout)
		}
	}

	var rep modtool.Report
	r = runCLI(t, nil, "module", "inspect", "--json", path)
	if r.code != 0 {
		t.Fatalf("--json: code %d, stderr %s", r.code, r.stderr)
	}
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("--json output: %v\n%s", err, r.stdout)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	if rep.SHA256 != hex.EncodeToString(sum[:]) || rep.Size != len(b) || rep.File != filepath.Base(path) {
		t.Errorf("file %s size %d sha256 %s, want %s %d %x", rep.File, rep.Size, rep.SHA256, filepath.Base(path), len(b), sum)
	}
	if !rep.ABI.Compatible || !slices.Equal(rep.ABI.Declared, []int{1}) || len(rep.Problems) != 0 {
		t.Errorf("abi %+v, problems %q", rep.ABI, rep.Problems)
	}
	if want := []modtool.Hook{{Name: "_create_message", Kind: "replace", Subject: "create_message", Callable: true}}; !slices.Equal(rep.Hooks, want) {
		t.Errorf("hooks %+v, want %+v", rep.Hooks, want)
	}
	next := slices.IndexFunc(rep.Imports, func(i modtool.Import) bool { return i.Name == "next" })
	if next < 0 || rep.Imports[next].Provider != modtool.ProviderChatwasm || rep.Imports[next].Capability != "" {
		t.Errorf("import next: %+v", rep.Imports)
	}

	r = runCLI(t, nil, "module", "inspect", "--json", joinApprovalWasm(t))
	rep = modtool.Report{}
	if err := json.Unmarshal([]byte(r.stdout), &rep); r.code != 0 || err != nil {
		t.Fatalf("join-approval: code %d, %v, stderr %s", r.code, err, r.stderr)
	}
	wantActions := []modtool.Action{
		{EventType: "room.approve_join", Export: "action_room.approve_join", Callable: true},
		{EventType: "room.join_requests", Export: "action_room.join_requests", Callable: true},
	}
	if !slices.Equal(rep.Actions, wantActions) {
		t.Errorf("actions %+v, want %+v", rep.Actions, wantActions)
	}
	if len(rep.Hooks) != 2 || !slices.Contains(rep.Capabilities, "members.write") {
		t.Errorf("hooks %+v, capabilities %v", rep.Hooks, rep.Capabilities)
	}
}

// TestModuleInspectProblems inspects a hand-assembled module with every
// problem inspect reports: no ABI version, a hook the host cannot call, an
// import the host does not provide.
func TestModuleInspectProblems(t *testing.T) {
	section := func(id byte, body ...byte) []byte { return append([]byte{id, byte(len(body))}, body...) }
	name := func(s string) []byte { return append([]byte{byte(len(s))}, s...) }
	cat := func(parts ...[]byte) []byte { return slices.Concat(parts...) }
	mod := cat([]byte("\x00asm\x01\x00\x00\x00"),
		section(1, 2, 0x60, 1, 0x7f, 1, 0x7f, 0x60, 1, 0x7e, 1, 0x7e), // (i32)->i32, (i64)->i64
		section(2, cat([]byte{1}, name("extism:host/user"), name("bogus"), []byte{0, 1})...),
		section(3, 1, 0),
		section(7, cat([]byte{1}, name("create_message"), []byte{0, 1})...),
		section(10, 1, 4, 0, 0x20, 0, 0x0b)) // local.get 0
	path := filepath.Join(t.TempDir(), "broken.wasm")
	if err := os.WriteFile(path, mod, 0o644); err != nil {
		t.Fatal(err)
	}
	r := runCLI(t, nil, "module", "inspect", "--json", path)
	var rep modtool.Report
	if err := json.Unmarshal([]byte(r.stdout), &rep); r.code != 0 || err != nil {
		t.Fatalf("code %d, %v, stdout %s stderr %s", r.code, err, r.stdout, r.stderr)
	}
	problems := strings.Join(rep.Problems, "\n")
	for _, want := range []string{"declares no chatwasm ABI version", `export "create_message" is named like a hook`,
		"imports extism:host/user bogus, which the host does not provide"} {
		if !strings.Contains(problems, want) {
			t.Errorf("problems lack %q: %q", want, rep.Problems)
		}
	}
	if len(rep.Problems) != 3 || len(rep.Hooks) != 1 || rep.Hooks[0].Callable || rep.Imports[0].Provider != "" {
		t.Errorf("report %+v", rep)
	}
	r = runCLI(t, nil, "module", "inspect", path)
	if r.code != 0 || !strings.Contains(r.stdout, "abi     none declared") || !strings.Contains(r.stdout, "problems (3)") ||
		!strings.Contains(r.stdout, "NOT PROVIDED") {
		t.Errorf("text report: code %d\n%s", r.code, r.stdout)
	}

	notWasm := filepath.Join(t.TempDir(), "x.wasm")
	if err := os.WriteFile(notWasm, []byte("hello"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"module", "inspect", notWasm}, {"module", "inspect", notWasm + ".missing"}} {
		if r := runCLI(t, nil, args...); r.code != 1 || !strings.Contains(r.stderr, "chatwasm module inspect:") {
			t.Errorf("%v: code %d, stderr %q", args, r.code, r.stderr)
		}
	}
}

// callResult runs `chatwasm module call args...` and decodes its stdout.
func callModule(t *testing.T, args ...string) (result, map[string]any) {
	t.Helper()
	r := runCLI(t, moduleEnv, append([]string{"module", "call"}, args...)...)
	var out map[string]any
	if r.code != 2 {
		if err := json.Unmarshal([]byte(r.stdout), &out); err != nil && r.stdout != "null\n" {
			t.Fatalf("module call %v: stdout is not JSON: %v\n%s\nstderr: %s", args, err, r.stdout, r.stderr)
		}
	}
	return r, out
}

func TestModuleCall(t *testing.T) {
	mod := moderationWasm(t)

	// The module's own error: the client's error frame, exit 1.
	r, out := callModule(t, mod, "_create_message", "--config", "banned_words=spam,buy now",
		"--input", `{"room_id":"{{room_id}}","content":"Buy NOW"}`)
	if r.code != 1 || !jsonEqual(out, `{"error":{"code":4003,"detail":["Message contains prohibited content"]}}`) {
		t.Fatalf("banned: code %d, stdout %s, stderr %s", r.code, r.stdout, r.stderr)
	}

	// A clean message goes on to the default _create_message, in the
	// sandbox room, sent by the caller.
	r, out = callModule(t, mod, "_create_message", "--config", "banned_words=spam", "--user", "bob",
		"--tenant", "acme", "--input", `{"room_id":"{{room_id}}","content":"hello"}`)
	if r.code != 0 {
		t.Fatalf("clean: code %d, stdout %s, stderr %s", r.code, r.stdout, r.stderr)
	}
	if out["content"] != "hello" || !strings.Contains(r.stderr, fmt.Sprintf("room \"sandbox\" id %v", out["room"].(map[string]any)["id"])) ||
		out["sender"].(map[string]any)["username"] != "bob" {
		t.Errorf("clean: stdout %s\nstderr %s", r.stdout, r.stderr)
	}

	// The default's own error passes through the module: no such room.
	r, out = callModule(t, mod, "_create_message", "--input",
		`{"room_id":"00000000-0000-4000-8000-000000000000","content":"hello"}`)
	if r.code != 1 || !jsonEqual(out, `{"error":{"code":4003,"detail":{"room_id":`+
		`["Invalid pk \"00000000-0000-4000-8000-000000000000\" - object does not exist."]}}}`) {
		t.Errorf("no room: code %d, stdout %s", r.code, r.stdout)
	}
}

func TestModuleCallGrants(t *testing.T) {
	mod := hostileWasm(t)
	input := `{"room_id":"{{room_id}}","content":"hi"}`
	// Without the capabilities, members_add, kv_set and message_create are
	// refused and the module carries on.
	r, out := callModule(t, mod, "_create_message", "--config", "mode=ungranted", "--input", input)
	if r.code != 0 {
		t.Fatalf("ungranted: code %d, stdout %s, stderr %s", r.code, r.stdout, r.stderr)
	}
	refused, _ := out["refused"].(map[string]any)
	if len(refused) != 3 || !strings.Contains(fmt.Sprint(refused["kv_set"]), "capability not granted") ||
		!strings.Contains(fmt.Sprint(refused["message_create"]), "capability not granted") {
		t.Errorf("ungranted: refused %v", refused)
	}
	// Granted, the calls succeed.
	r, out = callModule(t, mod, "_create_message", "--config", "mode=ungranted", "--capability", "members.write",
		"--capability", "kv,log,messages.write", "--input", input)
	if refused, _ := out["refused"].(map[string]any); r.code != 0 || len(refused) != 0 {
		t.Errorf("granted: code %d, stdout %s, stderr %s", r.code, r.stdout, r.stderr)
	}

	// A fault is the 4006 a client gets, and stderr names it.
	r, out = callModule(t, mod, "_create_message", "--config", "mode=loop", "--timeout", "100ms", "--input", input)
	if r.code != 1 || !jsonEqual(out, `{"error":{"code":4006,"detail":"Internal server error."}}`) ||
		!strings.Contains(r.stderr, "call deadline exceeded") {
		t.Errorf("loop: code %d, stdout %s, stderr %s", r.code, r.stdout, r.stderr)
	}
	r, _ = callModule(t, mod, "_create_message", "--config", "mode=memory", "--memory", "24MiB",
		"--timeout", "1m", "--input", input) // it can only end at its cap, however slow the machine
	if r.code != 1 || !strings.Contains(r.stderr, "linear memory limit exceeded") {
		t.Errorf("memory: code %d, stdout %s, stderr %.300s", r.code, r.stdout, r.stderr)
	}
}

// TestModuleCallAction runs a custom action that emits an event, and one
// whose capabilities are missing.
func TestModuleCallAction(t *testing.T) {
	mod := joinApprovalWasm(t)
	args := []string{mod, "action_room.join_requests", "--input", `{"room_id":"{{room_id}}"}`}
	r, _ := callModule(t, append(args, "--capability", "rooms.read,members.read,kv,events.emit")...)
	if r.code != 0 || strings.TrimSpace(r.stdout) != "null" ||
		!strings.Contains(r.stderr, `emitted to user 1: room.join_requests {"requests":[],"room_id":"`) {
		t.Errorf("code %d, stdout %s, stderr %s", r.code, r.stdout, r.stderr)
	}
	r, _ = callModule(t, args...)
	if r.code != 1 || strings.Contains(r.stderr, "emitted") {
		t.Errorf("without capabilities: code %d, stdout %s, stderr %s", r.code, r.stdout, r.stderr)
	}
}

func TestModuleCallUsage(t *testing.T) {
	mod := moderationWasm(t)
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"module"}, 2, "chatwasm module inspect FILE.wasm"},
		{[]string{"module", "frob"}, 2, `unknown subcommand "frob"`},
		{[]string{"module", "inspect"}, 2, "exactly one FILE.wasm"},
		{[]string{"module", "call", mod}, 2, "FILE.wasm and HOOK are required"},
		{[]string{"module", "call", mod, "create_mesage"}, 2, `"create_mesage" is not a hook name`},
		{[]string{"module", "call", mod, "_create_message", "--capability", "root"}, 2, `unknown capability "root"`},
		{[]string{"module", "call", mod, "_create_message", "--config", "novalue"}, 2, `"novalue" is not KEY=VALUE`},
		{[]string{"module", "call", mod, "_create_message", "--memory", "lots"}, 2, "is not a size"},
		{[]string{"module", "call", mod, "_create_message", "--input", "{"}, 1, "not valid JSON"},
		{[]string{"module", "call", mod, "create_message"}, 1, `hook "create_message" is not exported`},
		{[]string{"module", "call", mod + ".missing", "_create_message"}, 1, "the host refuses the module"},
	} {
		r := runCLI(t, moduleEnv, c.args...)
		if r.code != c.code || !strings.Contains(r.stderr, c.want) {
			t.Errorf("%v: code %d (want %d), stderr %q (want %q)", c.args[1:], r.code, c.code, r.stderr, c.want)
		}
	}
	r := runCLI(t, nil, "module", "call", "--help")
	if r.code != 0 || !strings.Contains(r.stdout, "-capability") || !strings.Contains(r.stdout, "{{room_id}}") {
		t.Errorf("--help: code %d, stdout %s", r.code, r.stdout)
	}
}

// jsonEqual compares a decoded JSON value with the JSON text want.
func jsonEqual(got any, want string) bool {
	var w any
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		return false
	}
	a, err1 := json.Marshal(got)
	b, err2 := json.Marshal(w)
	return err1 == nil && err2 == nil && string(a) == string(b)
}

// TestModuleCallPermission runs a permission hook whose next is the
// default check: the caller may access the sandbox room, and a room that
// does not exist is a denial with the client's error.
func TestModuleCallPermission(t *testing.T) {
	mod := hostileWasm(t)
	r, out := callModule(t, mod, "have_room_permission", "--input", `{"room_id":"{{room_id}}"}`)
	if r.code != 0 || out["allow"] != true || !strings.Contains(r.stderr, fmt.Sprintf("id %v", out["room_id"])) {
		t.Errorf("own room: code %d, stdout %s, stderr %s", r.code, r.stdout, r.stderr)
	}
	r, out = callModule(t, mod, "have_room_permission", "--input", `{"room_id":"00000000-0000-4000-8000-000000000000"}`)
	if r.code != 0 || !jsonEqual(out, `{"allow":false,"code":4004,"detail":"Resource not found."}`) {
		t.Errorf("no such room: code %d, stdout %s", r.code, r.stdout)
	}
}
