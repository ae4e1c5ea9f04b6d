package chat

import (
	"bytes"
	"sync"

	"github.com/chatwasm/chatwasm/host/broker"
	"github.com/chatwasm/chatwasm/host/chat/wire"
	"github.com/chatwasm/chatwasm/host/store"
)

// AccessCache holds, per room with local connections, the standing in it
// (store.RoomAccess with can_send_messages) of the members who asked, so
// that message.typing decides without the database. The database stays the
// source of truth: an entry is filled from it on first use and dropped, never
// patched, when the node learns the room may have changed, so the next use
// reads the database again (docs/decisions.md, "Send access from memory").
//
// It learns only through the hub and the broker, which the server wires: the
// hub tells it which room groups have local connections (Watch, Unwatch:
// nothing is cached for a room that has none, and a room's entries go with
// its last connection), and every envelope a node receives passes Observe.
// Unwired, nothing is ever watched, so nothing is cached.
//
// Only message.typing reads it: nothing is stored there, so a stale answer,
// bounded by broker delivery, lets a just-removed member's "typing" through
// once at worst. Every write keeps its check in the database.
type AccessCache struct {
	mu sync.Mutex
	// rooms are the watched rooms by id. Dropping a room's entries replaces
	// its *cachedRoom, so that a fill that read the database before the
	// change (put) finds another pointer and stores nothing.
	rooms map[string]*cachedRoom
}

// cachedRoom is the cached standings of one room's members, by user id.
type cachedRoom struct {
	users map[int64]store.RoomAccess
}

func newAccessCache() *AccessCache {
	return &AccessCache{rooms: map[string]*cachedRoom{}}
}

// roomOfGroup returns the room id of a room group, or "" for another group.
func roomOfGroup(group string) string {
	id, _ := wire.RoomOfGroup(group)
	return id
}

// Watch implements broker.Interest: the room group has its first local
// connection.
func (a *AccessCache) Watch(group string) {
	if id := roomOfGroup(group); id != "" {
		a.mu.Lock()
		a.rooms[id] = &cachedRoom{}
		a.mu.Unlock()
	}
}

// Unwatch implements broker.Interest: the room group lost its last local
// connection, and its entries go.
func (a *AccessCache) Unwatch(group string) {
	if id := roomOfGroup(group); id != "" {
		a.mu.Lock()
		delete(a.rooms, id)
		a.mu.Unlock()
	}
}

// Reset drops every entry, as when the node may have missed envelopes (a
// broker reconnect).
func (a *AccessCache) Reset() {
	a.mu.Lock()
	for id := range a.rooms {
		a.rooms[id] = &cachedRoom{}
	}
	a.mu.Unlock()
}

// keptBy are the events that change no membership, role, permission or
// room setting, so that a room's entries survive them: the frequent ones.
var keptBy = [][]byte{
	[]byte(`{"type":"broadcast_group","eventType":"message.dispatch",`),
	[]byte(`{"type":"broadcast_group","eventType":"messagetyping.dispatch",`),
	[]byte(`{"type":"broadcast_group","eventType":"readreceipt.dispatch",`),
	[]byte(`{"type":"broadcast_group","eventType":"messagedelivered.dispatch",`),
	[]byte(`{"type":"broadcast_group","eventType":"messagemodification.dispatch",`),
	[]byte(`{"type":"broadcast_group","eventType":"reaction.dispatch",`),
}

// Observe updates the cache from an envelope this node received, before
// the hub applies it. A (un)subscription to a room group, a KindChanged of
// it, or a frame to it other than the message events of keptBy (a room
// update, a role or permission change, a member added or removed, a
// deletion, any event a module emitted), drops the room's entries; a user's
// disconnection (a deleted user) and a change of the modules drop them all.
func (a *AccessCache) Observe(env broker.Envelope) {
	switch env.Kind {
	case broker.KindSend:
		if id := roomOfGroup(env.Group); id != "" && !keeps(env.Frame) {
			a.drop(id)
		}
	case broker.KindSubscribe, broker.KindUnsubscribe, broker.KindChanged:
		if id := roomOfGroup(env.Group); id != "" {
			a.drop(id)
		}
	default:
		a.Reset()
	}
}

// keeps reports whether frame is one of keptBy.
func keeps(frame []byte) bool {
	for _, p := range keptBy {
		if bytes.HasPrefix(frame, p) {
			return true
		}
	}
	return false
}

// drop drops a watched room's entries. It replaces the room's
// *cachedRoom even when empty: a fill may be reading the database.
func (a *AccessCache) drop(roomID string) {
	a.mu.Lock()
	if a.rooms[roomID] != nil {
		a.rooms[roomID] = &cachedRoom{}
	}
	a.mu.Unlock()
}

// get returns userID's cached standing in room roomID of tenant; when there
// is none, ok is false and slot, if not nil, is what put needs to store the
// standing read from the database afterwards.
func (a *AccessCache) get(tenant, roomID string, userID int64) (acc store.RoomAccess, ok bool, slot *cachedRoom) {
	a.mu.Lock()
	defer a.mu.Unlock()
	r := a.rooms[roomID]
	if r == nil {
		return store.RoomAccess{}, false, nil
	}
	acc, ok = r.users[userID]
	if ok && acc.Room.Tenant != tenant {
		// Room ids are unique; another tenant's caller gets the database's
		// answer, not found.
		return store.RoomAccess{}, false, nil
	}
	return acc, ok, r
}

// put stores userID's standing read from the database after get returned
// slot, unless the room's entries were dropped since. Only members' are
// kept: a non-member's standing costs nothing to refuse again, and only
// members' changes are sure to reach a node watching the room.
func (a *AccessCache) put(slot *cachedRoom, acc store.RoomAccess, userID int64) {
	if slot == nil || !acc.Member {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.rooms[acc.Room.ID] != slot {
		return
	}
	if slot.users == nil {
		slot.users = map[int64]store.RoomAccess{}
	}
	slot.users[userID] = acc
}
