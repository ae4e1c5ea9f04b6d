package gateway

import (
	"log/slog"
	"sync"

	"github.com/chatwasm/chatwasm/host/broker"
	"github.com/chatwasm/chatwasm/host/chat/wire"
)

// Hub is this node's fan-out table: which local connections are in which
// group. Every group-addressed frame and membership change reaches it through
// the broker (Apply), so a node never bypasses the other nodes.
type Hub struct {
	log      *slog.Logger
	interest broker.Interest // nil: the broker delivers every group

	mu     sync.RWMutex
	groups map[string]map[*conn]struct{}
	users  map[int64]map[*conn]struct{}
}

// NewHub returns an empty hub. A nil logger discards logs.
func NewHub(log *slog.Logger) *Hub {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Hub{
		log:    log,
		groups: make(map[string]map[*conn]struct{}),
		users:  make(map[int64]map[*conn]struct{}),
	}
}

// SetInterest makes the hub tell in which groups it has local connections,
// for a broker that delivers only those (broker.Interest) and for what is
// kept per group (chat.AccessCache; broker.Interests tells several). It must be called
// before the first connection.
func (h *Hub) SetInterest(in broker.Interest) { h.interest = in }

// Apply carries out one envelope on the local connections. It is the
// broker's handler and never blocks: a connection whose queue is full is
// disconnected instead.
func (h *Hub) Apply(env broker.Envelope) {
	switch env.Kind {
	case broker.KindSend:
		h.mu.RLock()
		for c := range h.groups[env.Group] {
			c.enqueue(env.Frame)
		}
		h.mu.RUnlock()
	case broker.KindSubscribe, broker.KindUnsubscribe:
		h.mu.Lock()
		for c := range h.users[env.UserID] {
			if env.Kind == broker.KindSubscribe {
				h.join(c, env.Group)
			} else {
				h.leave(c, env.Group)
			}
			if c.touched != nil {
				c.touched[env.Group] = struct{}{}
			}
		}
		h.mu.Unlock()
	case broker.KindDisconnect:
		for _, c := range h.userConns(env.UserID) {
			c.close(env.Code, env.Reason)
		}
	case broker.KindChanged:
		// For the node's state (chat.AccessCache), not for connections.
	default:
		h.log.Warn("hub: unknown envelope kind", "kind", env.Kind, "origin", env.Origin)
	}
}

// add registers a connection that is still connecting: it is in its user's
// group at once, and membership changes of its user reach it, but the room
// groups it starts in are only known after chat.Service.Connect (activate).
func (h *Hub) add(c *conn) {
	h.mu.Lock()
	defer h.mu.Unlock()
	set := h.users[c.user.ID]
	if set == nil {
		set = make(map[*conn]struct{})
		h.users[c.user.ID] = set
	}
	set[c] = struct{}{}
	c.touched = make(map[string]struct{})
	h.join(c, wire.UserGroup(c.user.ID))
}

// activate joins c to the room groups read by Connect. A group whose
// membership changed for this user while Connect ran is left as that change
// made it: the change is newer than (or as new as) Connect's snapshot.
func (h *Hub) activate(c *conn, groups []string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.users[c.user.ID][c]; !ok {
		return // already removed
	}
	for _, g := range groups {
		if _, changed := c.touched[g]; !changed {
			h.join(c, g)
		}
	}
	c.touched = nil
}

// remove takes c out of every group.
func (h *Hub) remove(c *conn) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for g := range c.groups {
		h.leave(c, g)
	}
	if set := h.users[c.user.ID]; set != nil {
		delete(set, c)
		if len(set) == 0 {
			delete(h.users, c.user.ID)
		}
	}
	c.touched = nil
}

// userConns returns the local connections of a user.
func (h *Hub) userConns(userID int64) []*conn {
	h.mu.RLock()
	defer h.mu.RUnlock()
	out := make([]*conn, 0, len(h.users[userID]))
	for c := range h.users[userID] {
		out = append(out, c)
	}
	return out
}

// join and leave need h.mu held for writing.
func (h *Hub) join(c *conn, group string) {
	set := h.groups[group]
	if set == nil {
		set = make(map[*conn]struct{})
		h.groups[group] = set
		if h.interest != nil {
			h.interest.Watch(group)
		}
	}
	set[c] = struct{}{}
	c.groups[group] = struct{}{}
}

func (h *Hub) leave(c *conn, group string) {
	if set := h.groups[group]; set != nil {
		delete(set, c)
		if len(set) == 0 {
			delete(h.groups, group)
			if h.interest != nil {
				h.interest.Unwatch(group)
			}
		}
	}
	delete(c.groups, group)
}
