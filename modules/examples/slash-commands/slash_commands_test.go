package main

import (
	"testing"

	chatwasm "github.com/chatwasm/chatwasm/guest-sdk/go"
	"github.com/chatwasm/chatwasm/guest-sdk/go/modtest"
)

// TestSlashCommands runs the module, built from source and deployed with
// this directory's modules.yaml, in a real server: the messages it stores
// itself, without next, reach every member once and are in the room's
// history, as stored.
func TestSlashCommands(t *testing.T) {
	wasm := modtest.Build(t, ".")
	srv := modtest.StartServer(t, modtest.ModuleFileFrom(t, "modules.yaml", map[string]string{"path: slash-commands.wasm": "path: " + wasm}))
	aliceU, bobU := srv.CreateUser(t, "alice"), srv.CreateUser(t, "bob")
	alice, bob := srv.Connect(t, aliceU), srv.Connect(t, bobU)

	room := alice.CreateRoom(map[string]any{"type": "GroupChat", "name": "team", "participants": []int64{bobU.ID}})
	bob.Expect("roomcreate.dispatch", nil)

	var sent []chatwasm.Message
	for _, c := range []struct{ content, want string }{
		{"/shrug fine", `fine ¯\_(ツ)_/¯`},
		{"/me waves <u>hi</u>", "* alice waves hi"}, // sanitised as the default does
		{"plain text", "plain text"},
	} {
		alice.Send("message.send", map[string]any{"room_id": room.ID, "content": c.content})
		var m, seen chatwasm.Message
		alice.Expect("message.dispatch", &m)
		bob.Expect("message.dispatch", &seen)
		if m.Content != c.want || m.Sender.Username != "alice" || m.Room.ID != room.ID || seen.ID != m.ID {
			t.Errorf("%q: dispatched %+v, bob saw %s", c.content, m, seen.ID)
		}
		sent = append(sent, m)
	}
	// Each message was broadcast once.
	alice.ExpectNothing()
	bob.ExpectNothing()

	// The history holds them as dispatched, newest first.
	history := bob.Messages(room.ID, 10)
	if len(history) != len(sent) {
		t.Fatalf("history %+v", history)
	}
	for i, m := range history {
		if want := sent[len(sent)-1-i]; m.ID != want.ID || m.Content != want.Content {
			t.Errorf("history[%d] = %s %q, want %s %q", i, m.ID, m.Content, want.ID, want.Content)
		}
	}
}
