package moderationc

import (
	"testing"

	chatwasm "github.com/chatwasm/chatwasm/guest-sdk/go"
	"github.com/chatwasm/chatwasm/internal/modkit"
)

// TestServer deploys the module with this directory's modules.yaml in a
// real `chatwasm serve` and talks to it over WebSockets.
func TestServer(t *testing.T) {
	srv := modkit.ServeExample(t, ".", "c")
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

	// What was refused was never stored.
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
