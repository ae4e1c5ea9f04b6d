package chat_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/chatwasm/chatwasm/host/chat/wire"
)

// TestTenancyForgedOutputs gives each operation whose output names who
// receives its frames (or joins a room's group) an output naming a room or
// user the host did not resolve: the request fails with a 4006, without an
// effect, and the log names the module.
func TestTenancyForgedOutputs(t *testing.T) {
	eachTenancyWorld(t, func(t *testing.T, w *tenancyWorld) {
		alice := roomItoa(w.alice.UserID)
		for _, c := range []struct {
			name, hook, forge, event string
			data                     map[string]any
		}{
			{"room.create/another tenant's room", "create_room", forgedRoom(w.victimChannel),
				"room.create", map[string]any{"type": "GroupChat", "name": "new"}},
			{"room.create/a room of the tenant the caller is not in", "create_room", forgedRoom(w.theirs),
				"room.create", map[string]any{"type": "GroupChat", "name": "new"}},
			{"room.join/another room", "join_room", forgedRoom(w.shared),
				"room.join", map[string]any{"room_id": w.square}},
			{"room.leave/another room", "leave_room", forgedRoom(w.shared),
				"room.leave", map[string]any{"room_id": w.mine}},
			{"room.add_members/another tenant's user", "add_members_to_room", `{"user_ids":[` + alice + `],"usernames":["alice"],"room":null}`,
				"room.add_members", map[string]any{"room_id": w.mine, "members": []int64{w.alice.UserID}}},
			{"room.add_members/a user not asked for", "add_members_to_room", `{"user_ids":[` + roomItoa(w.trent.UserID) + `],"usernames":["trent"],"room":null}`,
				"room.add_members", map[string]any{"room_id": w.mine, "members": []int64{w.oscar.UserID}}},
			{"room.add_members/another room", "add_members_to_room", `{"user_ids":[],"usernames":[],"room":` + forgedRoom(w.victimChannel) + `}`,
				"room.add_members", map[string]any{"room_id": w.mine, "members": []int64{w.oscar.UserID}}},
			{"room.remove_members/another tenant's user", "remove_members_from_room", `{"user_ids":[` + alice + `],"usernames":["alice"],"room":null}`,
				"room.remove_members", map[string]any{"room_id": w.mine, "members": []int64{w.alice.UserID}}},
			{"room.remove_members/a member", "remove_members_from_room", `{"user_ids":[` + roomItoa(w.trent.UserID) + `],"usernames":["trent"],"room":null}`,
				"room.remove_members", map[string]any{"room_id": w.mine, "members": []int64{w.trent.UserID}}},
			{"room.modify/deleted but not", "modify_room", `{"room_deleted":true,"members":[` + alice + `]}`,
				"room.modify", map[string]any{"room_id": w.mine, "action": "delete"}},
			{"room.modify/another room", "modify_room", `{"room":` + forgedRoom(w.victimChannel) + `}`,
				"room.modify", map[string]any{"room_id": w.mine, "action": "update", "data": map[string]any{"name": "x"}}},
			{"message.read/another tenant's room", "create_read_receipt", `[{"room_id":"` + w.victimDM + `","messages":[]}]`,
				"message.read", map[string]any{"message_id": w.mineMsg}},
			{"message.acknowledged/a user of the tenant", "message_acknowledged", `[{"sender_id":` + roomItoa(w.oscar.UserID) + `,"messages":[]}]`,
				"message.acknowledged", map[string]any{"message_id": w.mineMsg}},
		} {
			t.Run(c.name, func(t *testing.T) {
				svc, logs := w.hostile([]string{c.hook}, map[string]string{"forge": c.forge})
				w.with(t, svc).fail(w.mallory, c.event, c.data, wire.CodeInternal, "Internal server error.")
				if !strings.Contains(logs.String(), "module output names a room or user the host did not resolve") ||
					!strings.Contains(logs.String(), "modules=[hostile]") {
					t.Errorf("log:\n%s", logs.String())
				}
			})
		}
		if m, _ := w.members(w.mine); !slices.Equal(m, []int64{w.mallory.UserID, w.trent.UserID}) {
			t.Errorf("mine has members %v", m)
		}
	})
}

// TestTenancyHonestModule runs the operations whose audience the host now
// checks through a module that passes everything on: the checks find
// nothing to refuse, and the frames and subscriptions are the default's.
func TestTenancyHonestModule(t *testing.T) {
	eachTenancyWorld(t, func(t *testing.T, w *tenancyWorld) {
		svc, logs := w.hostile([]string{"create_room", "join_room", "leave_room", "add_members_to_room",
			"remove_members_from_room", "modify_room", "message_acknowledged", "create_read_receipt"}, nil)
		e := w.with(t, svc)
		m, tr, os := w.mallory.UserID, w.trent.UserID, w.oscar.UserID

		created := e.ok(w.mallory, "room.create", map[string]any{"type": "GroupChat", "name": "new",
			"participants": []int64{tr, w.alice.UserID}})
		room := roomFrames(t, created)[0]
		var id string
		if d := jsonObject(t, room.Data); d != nil {
			id, _ = d["id"].(string)
		}
		wantRoomEffects(t, created, "sub "+roomItoa(m)+" "+id, "sub "+roomItoa(tr)+" "+id, "send group-"+id+" roomcreate.dispatch")

		wantRoomEffects(t, e.ok(w.mallory, "room.add_members", map[string]any{"room_id": id, "members": []int64{os}}),
			"sub "+roomItoa(os)+" "+id, "send group-"+id+" roomaddmembers.dispatch")
		wantRoomEffects(t, e.ok(w.mallory, "room.remove_members", map[string]any{"room_id": id, "members": []int64{os}}),
			"unsub "+roomItoa(os)+" "+id, "send user-"+roomItoa(os)+" roomexit.dispatch", "send group-"+id+" roomremovemembers.dispatch")
		wantRoomEffects(t, e.ok(w.mallory, "room.join", map[string]any{"room_id": w.square}),
			"sub "+roomItoa(m)+" "+w.square, "send group-"+w.square+" roomaddmembers.dispatch")
		wantRoomEffects(t, e.ok(w.mallory, "room.leave", map[string]any{"room_id": w.square}),
			"unsub "+roomItoa(m)+" "+w.square, "send user-"+roomItoa(m)+" roomexit.dispatch", "send group-"+w.square+" roomremovemembers.dispatch")
		wantRoomEffects(t, e.ok(w.mallory, "message.acknowledged", map[string]any{"message_id": []string{w.mineMsg, w.sharedMsg}}),
			"send user-"+roomItoa(tr)+" messagedelivered.dispatch")
		wantRoomEffects(t, e.ok(w.mallory, "message.read", map[string]any{"message_id": []string{w.mineMsg, w.sharedMsg}}),
			"send group-"+w.mine+" readreceipt.dispatch", "send group-"+w.shared+" readreceipt.dispatch")
		// Removing the last member deletes the room; so does room.modify.
		wantRoomEffects(t, e.ok(w.mallory, "room.remove_members", map[string]any{"room_id": id, "members": []int64{m, tr}}),
			"unsub "+roomItoa(m)+" "+id, "send user-"+roomItoa(m)+" roomdelete.dispatch",
			"unsub "+roomItoa(tr)+" "+id, "send user-"+roomItoa(tr)+" roomdelete.dispatch")
		wantRoomEffects(t, e.ok(w.mallory, "room.modify", map[string]any{"room_id": w.mine, "action": "delete"}),
			"send group-"+w.mine+" roomdelete.dispatch", "unsub "+roomItoa(m)+" "+w.mine, "unsub "+roomItoa(tr)+" "+w.mine)
		if strings.Contains(logs.String(), "level=ERROR") {
			t.Errorf("log:\n%s", logs.String())
		}
	})
}
