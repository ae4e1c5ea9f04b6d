package main

import (
	"testing"

	chatwasm "github.com/chatwasm/chatwasm/guest-sdk/go"
	"github.com/chatwasm/chatwasm/guest-sdk/go/modtest"
)

// TestModeration runs the module, built from source and deployed with this
// directory's modules.yaml, in a real server, and talks to it over
// WebSockets.
func TestModeration(t *testing.T) {
	wasm := modtest.Build(t, ".")
	srv := modtest.StartServer(t, modtest.ModuleFileFrom(t, "modules.yaml", map[string]string{"path: moderation.wasm": "path: " + wasm}))
	aliceU, bobU := srv.CreateUser(t, "alice"), srv.CreateUser(t, "bob")
	alice, bob := srv.Connect(t, aliceU), srv.Connect(t, bobU)

	room := alice.CreateRoom(map[string]any{"type": "GroupChat", "name": "team", "participants": []int64{bobU.ID}})
	bob.Expect("roomcreate.dispatch", nil)

	// A clean message goes through the default and reaches the room.
	alice.Send("message.send", map[string]any{"room_id": room.ID, "content": "hello team"})
	var m chatwasm.Message
	alice.Expect("message.dispatch", &m)
	if m.Content != "hello team" || m.Sender.Username != "alice" || m.Room.ID != room.ID {
		t.Errorf("dispatched %+v", m)
	}
	bob.Expect("message.dispatch", nil)

	// Banned words, in any case, anywhere in the content: refused, and
	// nobody else hears of it.
	for _, content := range []string{"SPAM!", "cheap, Buy Now while it lasts"} {
		alice.Send("message.send", map[string]any{"room_id": room.ID, "content": content})
		alice.ExpectError(4003, []string{"Message contains prohibited content"})
	}
	bob.ExpectNothing()

	// Nothing refused was stored: the history holds the clean message only.
	alice.Send("room.messages", map[string]any{"room_id": room.ID, "paginate": map[string]int{"page": 1, "size": 10}})
	var page struct {
		Data struct {
			Messages []chatwasm.Message `json:"messages"`
		} `json:"data"`
	}
	alice.Expect("roommessages.dispatch", &page)
	if len(page.Data.Messages) != 1 || page.Data.Messages[0].ID != m.ID {
		t.Errorf("history %+v", page.Data.Messages)
	}
}
