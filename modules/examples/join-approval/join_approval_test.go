package main

import (
	"slices"
	"testing"

	chatwasm "github.com/chatwasm/chatwasm/guest-sdk/go"
	"github.com/chatwasm/chatwasm/guest-sdk/go/modtest"
)

// added is the data of roomaddmembers.dispatch.
type added struct {
	Room       chatwasm.Room `json:"room"`
	NewMembers []string      `json:"new_members"`
	AddedBy    string        `json:"added_by"`
}

func memberNames(r chatwasm.Room) []string {
	var names []string
	for _, u := range r.Members {
		names = append(names, u.Username)
	}
	return names
}

// TestJoinApproval runs the module, built from source and deployed with
// this directory's modules.yaml, in a real server.
func TestJoinApproval(t *testing.T) {
	srv := modtest.StartServer(t, modtest.ModuleFileFrom(t, "modules.yaml", map[string]string{
		"path: join-approval.wasm": "path: " + modtest.Build(t, "."),
	}))
	aliceU, bobU, carolU := srv.CreateUser(t, "alice"), srv.CreateUser(t, "bob"), srv.CreateUser(t, "carol")
	alice, bob, carol := srv.Connect(t, aliceU), srv.Connect(t, bobU), srv.Connect(t, carolU)

	open := alice.CreateRoom(map[string]any{"type": "GroupChat", "name": "open", "participants": []int64{carolU.ID}})
	carol.Expect("roomcreate.dispatch", nil)
	closed := alice.CreateRoom(map[string]any{"type": "GroupChat", "name": "closed", "participants": []int64{carolU.ID},
		"extra_fields": map[string]any{"join_approval_required": true}})
	carol.Expect("roomcreate.dispatch", nil)
	if !closed.JoinApprovalRequired || open.JoinApprovalRequired {
		t.Fatalf("rooms %+v %+v", open, closed)
	}

	// A group without approval admits whoever joins, as a channel would.
	bob.Send("room.join", map[string]any{"room_id": open.ID})
	for _, c := range []*modtest.Client{bob, alice, carol} {
		var ev added
		c.Expect("roomaddmembers.dispatch", &ev)
		if ev.Room.ID != open.ID || !slices.Equal(ev.NewMembers, []string{"bob"}) || ev.AddedBy != "self" ||
			!slices.Contains(memberNames(ev.Room), "bob") {
			t.Errorf("%s got %+v", c.User.Username, ev)
		}
	}
	// Joining again changes nothing and still succeeds.
	bob.Send("room.join", map[string]any{"room_id": open.ID})
	bob.Expect("roomaddmembers.dispatch", nil)
	alice.Expect("roomaddmembers.dispatch", nil)
	carol.Expect("roomaddmembers.dispatch", nil)

	// A group with approval stores the request and refuses for now.
	bob.Send("room.join", map[string]any{"room_id": closed.ID})
	bob.ExpectError(4003, []string{"Join request submitted. Awaiting approval."})
	alice.ExpectNothing()

	// An admin lists the pending requests; nobody else may.
	alice.Send("room.join_requests", map[string]any{"room_id": closed.ID})
	var pending struct {
		RoomID   string    `json:"room_id"`
		Requests []request `json:"requests"`
	}
	alice.Expect("room.join_requests", &pending)
	if pending.RoomID != closed.ID || len(pending.Requests) != 1 || pending.Requests[0] != (request{bobU.ID, "bob"}) {
		t.Errorf("pending requests %+v", pending)
	}
	carol.Send("room.approve_join", map[string]any{"room_id": closed.ID, "user_id": bobU.ID})
	carol.ExpectError(4002, []string{"User is not an admin of this room"})

	// The admin approves: bob is in, the room hears of it, bob is told.
	alice.Send("room.approve_join", map[string]any{"room_id": closed.ID, "user_id": bobU.ID})
	for _, c := range []*modtest.Client{alice, carol} {
		var ev added
		c.Expect("roomaddmembers.dispatch", &ev)
		if ev.Room.ID != closed.ID || !slices.Equal(ev.NewMembers, []string{"bob"}) || ev.AddedBy != "alice" ||
			!slices.Equal(memberNames(ev.Room), []string{"alice", "bob", "carol"}) {
			t.Errorf("%s got %+v", c.User.Username, ev)
		}
	}
	// bob's open connection follows his new membership at once: he hears the
	// room's event, then his own.
	bob.Expect("roomaddmembers.dispatch", nil)
	var approved struct {
		Room chatwasm.Room `json:"room"`
	}
	bob.Expect("room.join_approved", &approved)
	if approved.Room.ID != closed.ID {
		t.Errorf("bob was told %+v", approved)
	}
	alice.Send("room.approve_join", map[string]any{"room_id": closed.ID, "user_id": bobU.ID})
	alice.ExpectError(4003, []string{"No pending join request for this user"})

	// bob is a member for real: he can post to the group.
	bob.Send("message.send", map[string]any{"room_id": closed.ID, "content": "thanks!"})
	for _, c := range []*modtest.Client{alice, bob, carol} {
		c.Expect("message.dispatch", nil)
	}

	// Channels and 1-1 chats keep the default behaviour.
	news := alice.CreateRoom(map[string]any{"type": "Channel", "name": "news", "extra_fields": map[string]any{"is_public": true}})
	bob.Send("room.join", map[string]any{"room_id": news.ID})
	bob.Expect("roomaddmembers.dispatch", nil)
	alice.Expect("roomaddmembers.dispatch", nil)
	direct := alice.CreateRoom(map[string]any{"type": "OneToOneChat", "participants": []int64{carolU.ID}})
	carol.Expect("roomcreate.dispatch", nil)
	bob.Send("room.join", map[string]any{"room_id": direct.ID})
	bob.ExpectError(4003, []string{"You can only join a channel/group chat"})
}
