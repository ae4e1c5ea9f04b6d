package greeterc

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chatwasm/chatwasm/guest-sdk/go/modtest"
	"github.com/chatwasm/chatwasm/internal/modkit"
)

// TestServer deploys the module with this directory's modules.yaml in a
// real `chatwasm serve`: when bob joins alice's channel over WebSockets,
// both hear the greeting after the join.
func TestServer(t *testing.T) {
	srv := modkit.ServeExample(t, ".", "c")
	aliceU, bobU := srv.CreateUser(t, "alice"), srv.CreateUser(t, "bob")
	alice, bob := srv.Connect(t, aliceU), srv.Connect(t, bobU)
	room := alice.CreateRoom(map[string]any{"type": "Channel", "name": "news", "is_public": true})

	bob.Send("room.join", map[string]any{"room_id": room.ID})
	want := fmt.Sprintf(`{"user_id":%d,"text":"Hello, bob! Welcome to news."}`, bobU.ID)
	for _, c := range []*modtest.Client{alice, bob} {
		c.Expect("roomaddmembers.dispatch", nil)
		if got := c.Expect("greeter.welcome", nil); !modtest.JSONEqual(got, []byte(want)) {
			t.Errorf("%s got greeter.welcome %s, want %s", c.User.Username, got, want)
		}
	}

	// A join the default refuses (a group is joined by invitation) is not
	// greeted.
	group := alice.CreateRoom(map[string]any{"type": "GroupChat", "name": "team"})
	bob.Send("room.join", map[string]any{"room_id": group.ID})
	bob.ExpectError(4003, []string{"Ask an admin to add you to the group"})
	alice.ExpectNothing()
	bob.ExpectNothing()
	if log := srv.Log(); !strings.Contains(log, "Hello, bob! Welcome to news.") {
		t.Errorf("the greeting was not logged:\n%s", log)
	}
}
