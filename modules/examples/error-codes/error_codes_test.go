package main

import (
	"testing"

	"github.com/chatwasm/chatwasm/guest-sdk/go/modtest"
)

// TestErrorCodes deploys this directory's modules.yaml (moderation, then
// error-codes), both built from source, in a real server.
func TestErrorCodes(t *testing.T) {
	srv := modtest.StartServer(t, modtest.ModuleFileFrom(t, "modules.yaml", map[string]string{
		"path: ../moderation/moderation.wasm": "path: " + modtest.Build(t, "../moderation"),
		"path: error-codes.wasm":              "path: " + modtest.Build(t, "."),
	}))
	alice := srv.Connect(t, srv.CreateUser(t, "alice"))
	room := alice.CreateRoom(map[string]any{"type": "GroupChat", "name": "team"})

	// moderation's error gets the code of its own, detail unchanged.
	alice.Send("message.send", map[string]any{"room_id": room.ID, "content": "spam spam spam"})
	alice.ExpectError(4007, []string{"Message contains prohibited content"})

	// Every other error is left alone.
	alice.Send("message.send", map[string]any{"room_id": room.ID, "content": ""})
	alice.ExpectError(4003, map[string][]string{"content": {"This field may not be blank."}})
	alice.Send("room.join", map[string]any{"room_id": "00000000-0000-0000-0000-000000000000"})
	alice.ExpectError(4004, "Resource not found.")

	alice.Send("message.send", map[string]any{"room_id": room.ID, "content": "fine"})
	alice.Expect("message.dispatch", nil)
}
