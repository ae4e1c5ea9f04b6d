package conformance

import (
	"os"
	"path/filepath"
	"testing"

	chatwasm "github.com/chatwasm/chatwasm/guest-sdk/go"
	"github.com/chatwasm/chatwasm/guest-sdk/go/modtest"
	"github.com/chatwasm/chatwasm/internal/modkit"
)

// exampleModuleFile is the module file a language's moderation example is
// deployed with: its directory's modules.yaml, or the Go example's (the
// same deployment, which the AssemblyScript and Rust READMEs show) where it
// has none, with the module's path replaced by wasm's.
func exampleModuleFile(t *testing.T, root, lang, wasm string) string {
	t.Helper()
	dir := "moderation"
	if lang != "go" {
		dir += "-" + lang
	}
	path := filepath.Join(root, "modules", "examples", dir, "modules.yaml")
	if _, err := os.Stat(path); err != nil {
		dir, path = "moderation", filepath.Join(root, "modules", "examples", "moderation", "modules.yaml")
	}
	return modtest.ModuleFileFrom(t, path, map[string]string{"path: " + dir + ".wasm": "path: " + wasm})
}

// TestModerationServer deploys each language's moderation example in a
// real `chatwasm serve` and talks to it over WebSockets: a clean message
// reaches the room, banned words (in any case, anywhere in the content) are
// refused and nobody else hears of them, and nothing refused is stored.
func TestModerationServer(t *testing.T) {
	root := modkit.Root(t)
	for _, l := range languages {
		t.Run(l.name, func(t *testing.T) {
			srv := modtest.StartServer(t, exampleModuleFile(t, root, l.name, l.build(t, root)))
			aliceU, bobU := srv.CreateUser(t, "alice"), srv.CreateUser(t, "bob")
			alice, bob := srv.Connect(t, aliceU), srv.Connect(t, bobU)
			room := alice.CreateRoom(map[string]any{"type": "GroupChat", "name": "team", "participants": []int64{bobU.ID}})
			bob.Expect("roomcreate.dispatch", nil)

			alice.Send("message.send", map[string]any{"room_id": room.ID, "content": "hello team"})
			var m chatwasm.Message
			alice.Expect("message.dispatch", &m)
			if m.Content != "hello team" || m.Sender.Username != "alice" || m.Room.ID != room.ID {
				t.Errorf("dispatched %+v", m)
			}
			bob.Expect("message.dispatch", nil)

			for _, content := range []string{"SPAM!", "cheap, Buy Now while it lasts"} {
				alice.Send("message.send", map[string]any{"room_id": room.ID, "content": content})
				alice.ExpectError(4003, []string{"Message contains prohibited content"})
			}
			bob.ExpectNothing()

			// The history holds the clean message only.
			if history := alice.Messages(room.ID, 10); len(history) != 1 || history[0].ID != m.ID {
				t.Errorf("history %+v", history)
			}
		})
	}
}

// TestModerationHooks runs modkit.Moderation, the hooks-level check of the
// moderation example's behaviour and config, on the build of each language
// but Go: a Go module starts with more linear memory than the 2MiB the
// check caps an instance at.
func TestModerationHooks(t *testing.T) {
	root := modkit.Root(t)
	for _, l := range languages {
		if l.name == "go" {
			continue
		}
		t.Run(l.name, func(t *testing.T) { modkit.Moderation(t, l.build(t, root)) })
	}
}
