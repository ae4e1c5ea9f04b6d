package gateway

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"github.com/chatwasm/chatwasm/host/chat/wire"
)

// Session is one open connection of this node, as the admin API lists it.
type Session struct {
	// Channel is the connection's channel name (node id, a dot, a random
	// part), SessionID its row in the sessions table.
	Channel   string `json:"channel"`
	SessionID int64  `json:"session_id"`
	UserID    int64  `json:"user_id"`
	Username  string `json:"username"`
	Tenant    string `json:"tenant"`
	// ConnectedAt is when the WebSocket was accepted.
	ConnectedAt time.Time `json:"connected_at"`
	// RemoteAddr is the peer's address: a proxy's, behind one.
	RemoteAddr string `json:"remote_addr"`
	// Rooms is how many room groups the connection is in (its user's own
	// group not counted).
	Rooms int `json:"rooms"`
}

// Sessions returns the accepted connections of this node of tenant (""
// for every tenant), oldest first, at most limit of them (limit <= 0: all),
// and how many there are in all.
func (g *Gateway) Sessions(tenant string, limit int) (page []Session, total int) {
	g.mu.Lock()
	conns := make([]*conn, 0, len(g.conns))
	for c := range g.conns {
		// ws is set by attach, after the connection's session and rooms
		// were read: one without is still connecting.
		if c.ws != nil && (tenant == "" || c.caller.Tenant == tenant) {
			conns = append(conns, c)
		}
	}
	g.mu.Unlock()
	slices.SortFunc(conns, func(a, b *conn) int {
		return cmp.Or(a.opened.Compare(b.opened), strings.Compare(a.caller.ChannelName, b.caller.ChannelName))
	})
	total = len(conns)
	if limit > 0 && len(conns) > limit {
		conns = conns[:limit]
	}
	page = make([]Session, len(conns))
	g.hub.mu.RLock()
	defer g.hub.mu.RUnlock()
	for i, c := range conns {
		page[i] = Session{Channel: c.caller.ChannelName, SessionID: c.caller.SessionID, UserID: c.user.ID,
			Username: c.user.Username, Tenant: c.caller.Tenant, ConnectedAt: c.opened.UTC(), RemoteAddr: c.remote,
			Rooms: roomGroups(c)}
	}
	return page, total
}

// SessionCounts returns how many accepted connections this node has of
// each tenant that has any.
func (g *Gateway) SessionCounts() map[string]int {
	g.mu.Lock()
	defer g.mu.Unlock()
	out := map[string]int{}
	for c := range g.conns {
		if c.ws != nil {
			out[c.caller.Tenant]++
		}
	}
	return out
}

// roomGroups counts the room groups among c's groups; the hub's mutex is
// held.
func roomGroups(c *conn) int {
	n := 0
	for g := range c.groups {
		if _, ok := wire.RoomOfGroup(g); ok {
			n++
		}
	}
	return n
}
