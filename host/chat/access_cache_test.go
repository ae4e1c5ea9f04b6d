package chat

import (
	"testing"

	"github.com/chatwasm/chatwasm/host/broker"
	"github.com/chatwasm/chatwasm/host/chat/wire"
	"github.com/chatwasm/chatwasm/host/store"
)

const cachedRoomID = "6f1c1a9e-7d2b-4c1e-9a53-2b1e0c9d4f10"

// memberAccess is a member's standing in cachedRoomID of tenant acme.
func memberAccess() store.RoomAccess {
	return store.RoomAccess{Room: store.Room{ID: cachedRoomID, Tenant: "acme", Kind: store.KindGroup}, Member: true}
}

// filled returns a cache watching cachedRoomID with user 7's standing in it.
func filled(t *testing.T) *AccessCache {
	t.Helper()
	a := newAccessCache()
	a.Watch(wire.RoomGroup(cachedRoomID))
	_, ok, slot := a.get("acme", cachedRoomID, 7)
	if ok || slot == nil {
		t.Fatalf("fresh watched room: ok %v, slot %v; want a miss with a slot", ok, slot)
	}
	a.put(slot, memberAccess(), 7)
	if _, ok, _ := a.get("acme", cachedRoomID, 7); !ok {
		t.Fatal("the standing just put is not cached")
	}
	return a
}

// cached reports whether user 7's standing in cachedRoomID is cached.
func cached(a *AccessCache) bool {
	_, ok, _ := a.get("acme", cachedRoomID, 7)
	return ok
}

func TestAccessCacheOnlyWatchedRooms(t *testing.T) {
	a := newAccessCache()
	_, ok, slot := a.get("acme", cachedRoomID, 7)
	if ok || slot != nil {
		t.Fatalf("unwatched room: ok %v, slot %v; want neither", ok, slot)
	}
	a.put(slot, memberAccess(), 7)
	if cached(a) {
		t.Fatal("a room without local connections got an entry")
	}
	// Another group than a room's is not a room.
	a.Watch(wire.UserGroup(7))
	if len(a.rooms) != 0 {
		t.Fatalf("a user group was taken for a room: %v", a.rooms)
	}

	a = filled(t)
	a.Unwatch(wire.RoomGroup(cachedRoomID))
	if cached(a) {
		t.Fatal("the room's entries outlived its last local connection")
	}
}

func TestAccessCacheMembersOnly(t *testing.T) {
	a := newAccessCache()
	a.Watch(wire.RoomGroup(cachedRoomID))
	_, _, slot := a.get("acme", cachedRoomID, 7)
	out := memberAccess()
	out.Member = false
	a.put(slot, out, 7)
	if cached(a) {
		t.Fatal("a non-member's standing was cached")
	}
}

func TestAccessCacheOtherTenant(t *testing.T) {
	a := filled(t)
	if _, ok, slot := a.get("other", cachedRoomID, 7); ok || slot != nil {
		t.Fatalf("another tenant's caller: ok %v, slot %v; want the database asked, nothing stored", ok, slot)
	}
}

// A fill that read the database before a change whose envelope arrived
// meanwhile stores nothing.
func TestAccessCacheFillRacingChange(t *testing.T) {
	a := newAccessCache()
	a.Watch(wire.RoomGroup(cachedRoomID))
	_, _, slot := a.get("acme", cachedRoomID, 7)
	e, err := wire.SendTo(wire.RoomGroup(cachedRoomID), "roomupdate.dispatch", map[string]any{"id": cachedRoomID})
	if err != nil {
		t.Fatal(err)
	}
	a.Observe(broker.Envelope{Kind: broker.KindSend, Group: e.Group, Frame: e.Frame})
	a.put(slot, memberAccess(), 7)
	if cached(a) {
		t.Fatal("a standing read before the change was stored after it")
	}
	// Also when the room had no entries yet when the change arrived, and the
	// change was a reset.
	_, _, slot = a.get("acme", cachedRoomID, 7)
	a.Reset()
	a.put(slot, memberAccess(), 7)
	if cached(a) {
		t.Fatal("a standing read before a reset was stored after it")
	}
}

// The envelopes a node receives: the message events keep a room's entries,
// everything else that concerns the room drops them, and a disconnection or
// a change of modules drops all.
func TestAccessCacheObserve(t *testing.T) {
	room := wire.RoomGroup(cachedRoomID)
	send := func(t *testing.T, group, event string) broker.Envelope {
		e, err := wire.SendTo(group, event, map[string]any{"room": cachedRoomID})
		if err != nil {
			t.Fatal(err)
		}
		return broker.Envelope{Kind: broker.KindSend, Group: e.Group, Frame: e.Frame}
	}
	// message.dispatch as message.send encodes it (AppendJSON).
	msg, err := wire.SendTo(room, "message.dispatch", &wire.MessageView{ID: "m1"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		env  broker.Envelope
		keep bool
	}{
		{"message.dispatch", broker.Envelope{Kind: broker.KindSend, Group: room, Frame: msg.Frame}, true},
		{"messagetyping.dispatch", send(t, room, "messagetyping.dispatch"), true},
		{"readreceipt.dispatch", send(t, room, "readreceipt.dispatch"), true},
		{"messagedelivered.dispatch", send(t, room, "messagedelivered.dispatch"), true},
		{"messagemodification.dispatch", send(t, room, "messagemodification.dispatch"), true},
		{"reaction.dispatch", send(t, room, "reaction.dispatch"), true},
		{"to another room", send(t, wire.RoomGroup("another"), "roomupdate.dispatch"), true},
		{"to a user", send(t, wire.UserGroup(7), "roomcreate.dispatch"), true},
		{"subscription to another room", broker.Envelope{Kind: broker.KindSubscribe, Group: wire.RoomGroup("another"), UserID: 7}, true},
		{"roomupdate.dispatch", send(t, room, "roomupdate.dispatch"), false},
		{"roomaddmembers.dispatch", send(t, room, "roomaddmembers.dispatch"), false},
		{"roomremovemembers.dispatch", send(t, room, "roomremovemembers.dispatch"), false},
		{"roomdelete.dispatch", send(t, room, "roomdelete.dispatch"), false},
		{"a module's event", send(t, room, "poll.created"), false},
		{"a frame not built by wire", broker.Envelope{Kind: broker.KindSend, Group: room, Frame: []byte(`{"eventType":"message.dispatch","type":"broadcast_group"}`)}, false},
		{"subscription", broker.Envelope{Kind: broker.KindSubscribe, Group: room, UserID: 8}, false},
		{"unsubscription", broker.Envelope{Kind: broker.KindUnsubscribe, Group: room, UserID: 7}, false},
		{"changed by a module's import", broker.Envelope{Kind: broker.KindChanged, Group: room}, false},
		{"another room changed", broker.Envelope{Kind: broker.KindChanged, Group: wire.RoomGroup("another")}, true},
		{"disconnection", broker.Envelope{Kind: broker.KindDisconnect, UserID: 9}, false},
		{"modules", broker.Envelope{Kind: broker.KindModules, Group: broker.ControlGroup}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := filled(t)
			a.Observe(tc.env)
			if got := cached(a); got != tc.keep {
				t.Errorf("entry kept: %v, want %v", got, tc.keep)
			}
		})
	}
}
