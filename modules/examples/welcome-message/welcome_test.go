package main

import (
	"testing"

	chatwasm "github.com/chatwasm/chatwasm/guest-sdk/go"
	"github.com/chatwasm/chatwasm/guest-sdk/go/modtest"
)

// TestWelcomeMessage runs the module, built from source and deployed with
// this directory's modules.yaml, in a real server.
func TestWelcomeMessage(t *testing.T) {
	srv := modtest.StartServer(t, modtest.ModuleFileFrom(t, "modules.yaml", map[string]string{
		"path: welcome-message.wasm": "path: " + modtest.Build(t, "."),
	}))
	aliceU, bobU, carolU := srv.CreateUser(t, "alice"), srv.CreateUser(t, "bob"), srv.CreateUser(t, "carol")
	alice, bob, carol := srv.Connect(t, aliceU), srv.Connect(t, bobU), srv.Connect(t, carolU)
	news := alice.CreateRoom(map[string]any{"type": "Channel", "name": "news", "subscribers": []int64{carolU.ID},
		"extra_fields": map[string]any{"is_public": true}})
	carol.Expect("roomcreate.dispatch", nil)

	// Joining a room without a welcome message: nothing more than the
	// default's broadcast.
	bob.Send("room.join", map[string]any{"room_id": news.ID})
	bob.Expect("roomaddmembers.dispatch", nil)
	bob.ExpectNothing()
	alice.Expect("roomaddmembers.dispatch", nil)
	carol.Expect("roomaddmembers.dispatch", nil)
	bob.Send("room.leave", map[string]any{"room_id": news.ID})
	bob.Expect("roomexit.dispatch", nil)
	alice.Expect("roomremovemembers.dispatch", nil)
	carol.Expect("roomremovemembers.dispatch", nil)

	// Only an admin may set it; the room hears of the change as of any
	// room.modify.
	set := func(c *modtest.Client, data any) {
		c.Send("room.modify", map[string]any{"room_id": news.ID, "action": "set_welcome_message", "data": data})
	}
	set(carol, map[string]any{"message": "hi"})
	carol.ExpectError(4002, "User is not an admin of this room")
	set(alice, map[string]any{"message": 42})
	alice.ExpectError(4003, []string{"message must be provided as a string"})
	set(alice, map[string]any{"message": "Welcome to the news!"})
	var updated chatwasm.Room
	alice.Expect("roomupdate.dispatch", &updated)
	carol.Expect("roomupdate.dispatch", nil)
	if updated.ID != news.ID || updated.Name != "news" {
		t.Errorf("roomupdate %+v", updated)
	}

	// Whoever joins now is greeted, and only they are.
	bob.Send("room.join", map[string]any{"room_id": news.ID})
	bob.Expect("roomaddmembers.dispatch", nil)
	var greeting map[string]string
	bob.Expect("room.welcome_message", &greeting)
	if greeting["room_id"] != news.ID || greeting["message"] != "Welcome to the news!" {
		t.Errorf("greeting %v", greeting)
	}
	alice.Expect("roomaddmembers.dispatch", nil)
	carol.Expect("roomaddmembers.dispatch", nil)
	alice.ExpectNothing()

	// The built-in actions still work, and unknown ones are still refused.
	alice.Send("room.modify", map[string]any{"room_id": news.ID, "action": "update", "data": map[string]any{"name": "daily news"}})
	alice.Expect("roomupdate.dispatch", &updated)
	carol.Expect("roomupdate.dispatch", nil)
	if updated.Name != "daily news" {
		t.Errorf("update: %+v", updated)
	}
	alice.Send("room.modify", map[string]any{"room_id": news.ID, "action": "bogus", "data": map[string]any{"x": 1}})
	alice.ExpectError(4003, []string{"Invalid action type"})

	// An empty message removes it.
	set(alice, map[string]any{"message": ""})
	alice.Expect("roomupdate.dispatch", nil)
	carol.Expect("roomupdate.dispatch", nil)
	carol.Send("room.leave", map[string]any{"room_id": news.ID})
	carol.Expect("roomexit.dispatch", nil)
	carol.Send("room.join", map[string]any{"room_id": news.ID})
	carol.Expect("roomaddmembers.dispatch", nil)
	carol.ExpectNothing()
}
