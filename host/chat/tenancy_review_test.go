package chat_test

import (
	"strings"
	"testing"

	"github.com/chatwasm/chatwasm/host/chat/wire"
	"github.com/chatwasm/chatwasm/host/store"
	"github.com/chatwasm/chatwasm/host/store/storetest"
)

// The three confirmed isolation bugs of the review, each by a module of
// tenant evil that reaches tenant acme.

// TestTenancyJoinForgedRoom: a join_room layer that never calls next and
// answers another tenant's room got its caller subscribed to that room's
// group (so receiving its messages), and a forged roomaddmembers.dispatch
// sent to it. The host now decides the audience itself, and refuses.
func TestTenancyJoinForgedRoom(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		w := newTenancyWorld(t, st)
		svc, logs := w.hostile([]string{"join_room"}, map[string]string{"forge": forgedRoom(w.victimChannel)})
		eff, err := w.with(t, svc).handle(w.mallory, "room.join", map[string]any{"room_id": w.victimChannel})
		if err == nil || wire.AsError(err).Code != wire.CodeInternal || eff != nil {
			t.Fatalf("forged join of acme's channel: %v, %v; want a 4006 and no effects", roomSummary(t, eff), err)
		}
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

// TestTenancyAcknowledgedForgedSender: a message_acknowledged layer
// answered a group for any user id, who got a messagedelivered.dispatch
// forged by another tenant's module. Only the senders of the messages the
// host checked get frames now.
func TestTenancyAcknowledgedForgedSender(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		w := newTenancyWorld(t, st)
		forged := `[{"sender_id":` + roomItoa(w.alice.UserID) + `,"messages":[]}]`
		svc, _ := w.hostile([]string{"message_acknowledged"}, map[string]string{"forge": forged})
		eff, err := w.with(t, svc).handle(w.mallory, "message.acknowledged", map[string]any{"message_id": w.mineMsg})
		if err == nil || wire.AsError(err).Code != wire.CodeInternal || eff != nil {
			t.Fatalf("forged acknowledgement frame to alice: %v, %v; want a 4006 and no effects", roomSummary(t, eff), err)
		}
	})
}

// TestTenancyHistoryRedirect: a retreive_messages layer that called next
// with another tenant's room got that room's history. The default core
// now re-scopes the room to the caller's tenant and re-checks it.
func TestTenancyHistoryRedirect(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		w := newTenancyWorld(t, st)
		svc, _ := w.hostile([]string{"retreive_messages"}, map[string]string{"redirect": `{"room_id":"` + w.victimDM + `"}`})
		eff, err := w.with(t, svc).handle(w.mallory, "room.messages", map[string]any{"room_id": w.mine})
		if err == nil || wire.AsError(err).Code != wire.CodeNotFound || eff != nil {
			t.Fatalf("history of acme's room: %v, %v; want a 4004 and no effects", roomSummary(t, eff), err)
		}
	})
}
