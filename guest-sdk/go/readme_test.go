package chatwasm_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	chatwasm "github.com/chatwasm/chatwasm/guest-sdk/go"
	"github.com/chatwasm/chatwasm/guest-sdk/go/modtest"
)

// TestReadmeWalkthrough follows "Write a module" of the repository's
// README.md step by step: its shell commands (offline, on the module
// cache), its main.go and modules.yaml, then a real server and a client
// that sees what step 6 says.
func TestReadmeWalkthrough(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a module and a server")
	}
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(readme), "\n## Write a module\n")
	if !ok {
		t.Fatal(`README.md has no "## Write a module" section`)
	}
	section, _, _ = strings.Cut(section, "\n## ")
	blocks := codeBlocks(section)
	if len(blocks["sh"]) < 2 || len(blocks["go"]) != 1 || len(blocks["yaml"]) != 1 {
		t.Fatalf("the section's code blocks changed: %v", blocks)
	}

	dir := t.TempDir()
	env := append(os.Environ(), "GOPROXY=off", "GOFLAGS=-mod=mod")
	run := func(script string) {
		t.Helper()
		cmd := exec.Command("sh", "-ex", "-c", strings.ReplaceAll(script, "$HOME/src/chatwasm", root))
		cmd.Dir, cmd.Env = dir, env
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
	}
	run(blocks["sh"][0]) // step 1: mkdir, cd, go mod init, go mod edit
	dir = filepath.Join(dir, "moderation")
	for name, data := range map[string]string{"main.go": blocks["go"][0], "modules.yaml": blocks["yaml"][0]} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// Offline, go mod tidy cannot ask the checksum database about the new
	// module's dependencies: give it the repository's own verified sums.
	sums, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "go.sum"), sums, 0o644); err != nil {
		t.Fatal(err)
	}
	run(blocks["sh"][1]) // step 3: go mod tidy, go build
	if _, err := os.Stat(filepath.Join(dir, "moderation.wasm")); err != nil {
		t.Fatalf("step 3 built no moderation.wasm: %v", err)
	}

	// Steps 5 and 6.
	srv := modtest.StartServer(t, filepath.Join(dir, "modules.yaml"))
	if !strings.Contains(srv.Log(), `msg="modules loaded"`) || !strings.Contains(srv.Log(), "modules=[moderation]") {
		t.Errorf("the log does not say the module loaded:\n%s", srv.Log())
	}
	alice := srv.Connect(t, srv.CreateUser(t, "alice"))
	room := alice.CreateRoom(map[string]any{"type": "GroupChat", "name": "team"})
	alice.Send("message.send", map[string]any{"room_id": room.ID, "content": "Buy NOW, cheap!"})
	alice.ExpectError(4003, []string{"Message contains prohibited content"})
	alice.Send("message.send", map[string]any{"room_id": room.ID, "content": "hello"})
	var m chatwasm.Message
	alice.Expect("message.dispatch", &m)
	if m.Content != "hello" {
		t.Errorf("dispatched %+v", m)
	}
}

// codeBlocks returns the fenced code blocks of a markdown text by
// language, without the indentation of the list item they are in.
func codeBlocks(md string) map[string][]string {
	out := map[string][]string{}
	lines := strings.Split(md, "\n")
	for i := 0; i < len(lines); i++ {
		trimmed := strings.TrimLeft(lines[i], " ")
		lang, ok := strings.CutPrefix(trimmed, "```")
		if !ok || lang == "" {
			continue
		}
		indent := len(lines[i]) - len(trimmed)
		var b strings.Builder
		for i++; i < len(lines) && strings.TrimSpace(lines[i]) != "```"; i++ {
			line := lines[i]
			if len(line) >= indent {
				line = line[indent:]
			}
			b.WriteString(line + "\n")
		}
		out[lang] = append(out[lang], b.String())
	}
	return out
}
