package chat_test

import (
	"strings"
	"testing"

	"github.com/chatwasm/chatwasm/host/chat/wire"
)

// A module of tenant evil cannot reach tenant acme through what its layers
// answer or pass to next: the host decides who receives a frame or joins
// a room's group, and the default cores re-scope the ids they are given.

// TestTenancyJoinForgedRoom: a join_room layer that never calls next and
// answers another tenant's room neither subscribes its caller to that
// room's group nor sends it a roomaddmembers.dispatch: the host decides the
// audience itself, and refuses the request.
func TestTenancyJoinForgedRoom(t *testing.T) {
	eachTenancyWorld(t, func(t *testing.T, w *tenancyWorld) {
		svc, logs := w.hostile([]string{"join_room"}, map[string]string{"forge": forgedRoom(w.victimChannel)})
		eff, err := w.with(t, svc).handle(w.mallory, "room.join", map[string]any{"room_id": w.victimChannel})
		wantRefused(t, "forged join of acme's channel", eff, err, wire.CodeInternal)
		if !strings.Contains(logs.String(), "modules=[hostile]") {
			t.Errorf("the log does not name the module:\n%s", logs.String())
		}
		if m, _ := w.members(w.victimChannel); len(m) != 1 {
			t.Errorf("acme's channel has members %v", m)
		}
		// Within the tenant too: a room mallory is not a member of.
		svc, _ = w.hostile([]string{"join_room"}, map[string]string{"forge": forgedRoom(w.theirs)})
		w.with(t, svc).fail(w.mallory, "room.join", map[string]any{"room_id": w.theirs}, wire.CodeInternal, nil)
	})
}

// TestTenancyAcknowledgedForgedSender: a message_acknowledged layer that
// answers a group for any user id sends nothing to that user: only the
// senders of the messages the host checked get frames.
func TestTenancyAcknowledgedForgedSender(t *testing.T) {
	eachTenancyWorld(t, func(t *testing.T, w *tenancyWorld) {
		forged := `[{"sender_id":` + roomItoa(w.alice.UserID) + `,"messages":[]}]`
		svc, _ := w.hostile([]string{"message_acknowledged"}, map[string]string{"forge": forged})
		eff, err := w.with(t, svc).handle(w.mallory, "message.acknowledged", map[string]any{"message_id": w.mineMsg})
		wantRefused(t, "forged acknowledgement frame to alice", eff, err, wire.CodeInternal)
	})
}

// TestTenancyHistoryRedirect: a retreive_messages layer that calls next
// with another tenant's room does not get that room's history: the default
// core re-scopes the room to the caller's tenant and re-checks it.
func TestTenancyHistoryRedirect(t *testing.T) {
	eachTenancyWorld(t, func(t *testing.T, w *tenancyWorld) {
		svc, _ := w.hostile([]string{"retreive_messages"}, map[string]string{"redirect": `{"room_id":"` + w.victimDM + `"}`})
		eff, err := w.with(t, svc).handle(w.mallory, "room.messages", map[string]any{"room_id": w.mine})
		wantRefused(t, "history of acme's room", eff, err, wire.CodeNotFound)
	})
}
