package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/chatwasm/chatwasm/internal/gobuild"
	"github.com/gorilla/websocket"
)

// compileCache is the module compile cache the tests' servers and module
// commands share.
var compileCache = filepath.Join(os.TempDir(), "chatwasm-cli-test", "compile-cache")

// guest builds the Go module package in dir (relative to the repository
// root) for wasip1 with tags, cached by internal/gobuild, and returns the
// .wasm path.
func guest(t *testing.T, dir string, tags ...string) string {
	t.Helper()
	out, err := gobuild.Wasm(filepath.Join("..", "..", dir), tags...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func conformanceModule(t *testing.T) string { return guest(t, "host/chat/testdata/conformance") }

// writeModules writes a module file into dir and returns its path.
func writeModules(t *testing.T, dir, yaml string) string {
	t.Helper()
	path := filepath.Join(dir, "modules.yaml")
	if err := os.WriteFile(path, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestServeModuleErrors starts the server with broken module files: each
// exits with status 1 before listening and says what is wrong.
func TestServeModuleErrors(t *testing.T) {
	conf := conformanceModule(t)
	abi2 := guest(t, "host/hooks/testdata/guest", "abi2")
	dir := t.TempDir()
	for _, c := range []struct {
		name, yaml, want string
	}{
		{"no file", "", "module file: open " + filepath.Join(dir, "none", "modules.yaml") + ": no such file or directory"},
		{"bad yaml", "modules: [", "modules.yaml: yaml: "},
		{"unknown field", "modules:\n  - name: x\n    path: x.wasm\n    colour: red\n",
			`modules.yaml: line 4: unknown module field "colour"`},
		{"unknown hook", "modules:\n  - name: x\n    path: " + conf + "\n    hooks: [create_mesage]\n",
			`modules.yaml:2: module "x": unknown hook "create_mesage"`},
		{"missing module", "modules:\n  - name: x\n    path: nope.wasm\n",
			`modules.yaml:2: module "x": wasm: load module "x": open ` + filepath.Join(dir, "nope.wasm") + ": no such file or directory"},
		{"checksum", "modules:\n  - name: x\n    path: " + conf + "\n    sha256: " + strings.Repeat("0", 64) + "\n",
			`module "x" has sha256 `},
		{"abi version", "modules:\n  - name: old\n    path: " + abi2 + "\n",
			`modules.yaml:2: module "old": chatwasm ABI version mismatch: module declares version [2], host speaks 1`},
		{"hook not exported", "modules:\n  - name: x\n    path: " + conf + "\n    hooks: [action_nope]\n",
			`modules.yaml:2: module "x": hook "action_nope" is not exported by ` + conf},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(dir, "none", "modules.yaml")
			if c.yaml != "" {
				path = writeModules(t, dir, c.yaml)
			}
			r := runCLI(t, map[string]string{"CHATWASM_MODULES": path}, "serve", "--addr", "127.0.0.1:0",
				"--db", tempDB(t), "--module-cache", compileCache)
			if r.code != 1 || !strings.Contains(r.stderr, c.want) || !strings.Contains(r.stderr, "chatwasm serve: server: modules: ") ||
				strings.Contains(r.stderr, "msg=listening") {
				t.Errorf("code %d, stderr:\n%s\nwant 1 and %q before listening", r.code, r.stderr, c.want)
			}
		})
	}
}

// TestServeReloadOnSIGHUP swaps a module's config with SIGHUP while a
// connection stays open: the next request runs the new version; a broken
// file keeps it; SIGTERM still stops the server cleanly.
func TestServeReloadOnSIGHUP(t *testing.T) {
	conf := conformanceModule(t)
	db := tempDB(t)
	token := userToken(t, db, "alice")
	version := func(v string) string {
		return "modules:\n  - name: conformance\n    path: " + conf +
			"\n    hooks: [serialize_room]\n    config: {serialize: \"" + v + "\"}\n"
	}
	dir := t.TempDir()
	path := writeModules(t, dir, version("1"))
	cmd, addr, logs := serveProcess(t, []string{"CHATWASM_DB=" + db},
		"--modules", path, "--module-watch", "0", "--module-cache", compileCache)

	ws, resp, err := websocket.DefaultDialer.Dial("ws://"+addr+"/messaging/?token="+token, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	defer ws.Close()
	if _, _, err := ws.ReadMessage(); err != nil { // chat.notifications
		t.Fatal(err)
	}
	create := func() string {
		t.Helper()
		if err := ws.WriteJSON(map[string]any{"event_type": "room.create", "data": map[string]any{"type": "GroupChat", "name": "x"}}); err != nil {
			t.Fatal(err)
		}
		_ = ws.SetReadDeadline(time.Now().Add(10 * time.Second))
		var f struct {
			EventType string         `json:"eventType"`
			Data      map[string]any `json:"data"`
		}
		if err := ws.ReadJSON(&f); err != nil || f.EventType != "roomcreate.dispatch" {
			t.Fatalf("room.create: %+v, %v", f, err)
		}
		v, _ := f.Data["conformance"].(string)
		return v
	}
	if v := create(); v != "1" {
		t.Fatalf("before the reload: version %q", v)
	}
	hup := func() {
		t.Helper()
		if err := cmd.Process.Signal(syscall.SIGHUP); err != nil {
			t.Fatal(err)
		}
	}
	waitLog := func(s string, n int) {
		t.Helper()
		deadline := time.Now().Add(15 * time.Second)
		for strings.Count(logs.String(), s) < n {
			if time.Now().After(deadline) {
				t.Fatalf("no %d× %q in the log", n, s)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	writeModules(t, dir, version("2"))
	hup()
	waitLog("msg=\"modules loaded\"", 2)
	if v := create(); v != "2" {
		t.Fatalf("after SIGHUP: version %q", v)
	}
	writeModules(t, dir, "modules: [")
	hup()
	waitLog("msg=\"module reload failed; keeping the modules in force\"", 1)
	if v := create(); v != "2" {
		t.Fatalf("after a failed reload: version %q", v)
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("exit after SIGTERM: %v", err)
	}
	if b, _ := json.Marshal(logs.String()); !strings.Contains(logs.String(), "msg=stopped") {
		t.Fatalf("no clean stop: %s", b)
	}
}
