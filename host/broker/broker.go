// Package broker carries fan-out between chatwasm nodes: room broadcasts,
// per-user frames and membership changes published on one node reach the hub
// of every node. A single node uses Memory; several nodes sharing PostgreSQL
// use the LISTEN/NOTIFY implementation in package pgbroker, or NATS (package
// natsbroker), which delivers to each node only the groups it watches.
package broker

import (
	"context"
	"encoding/json"
)

// Kind says what an Envelope asks the receiving nodes to do.
type Kind string

// Envelope kinds.
const (
	KindSend        Kind = "send"  // deliver Frame to every local connection in Group
	KindSubscribe   Kind = "sub"   // add UserID's local connections to Group
	KindUnsubscribe Kind = "unsub" // remove UserID's local connections from Group
	// KindDisconnect closes UserID's local connections with close code Code
	// and reason Reason: a user deleted on one node loses the connections
	// it holds on every node. Group is unused.
	KindDisconnect Kind = "disconnect"
	// KindChanged tells the nodes watching Group, a room's group, that its
	// members' stored standing changed (wire.Changed); the hub ignores it.
	KindChanged Kind = "changed"
	// KindModules tells every node that the stored modules changed, so that
	// each reloads them. Group is ControlGroup; the hub does not see it.
	KindModules Kind = "modules"
)

// ControlGroup is the group of the envelopes meant for every node rather
// than for connections (KindModules): a broker that delivers by interest
// (natsbroker) watches it from the start.
const ControlGroup = "chatwasm-control"

// Envelope is one fan-out instruction.
type Envelope struct {
	Kind   Kind            `json:"k"`
	Group  string          `json:"g"`
	Frame  json.RawMessage `json:"f,omitempty"`
	UserID int64           `json:"u,omitempty"`
	// Code and Reason are the WebSocket close frame of KindDisconnect.
	Code   int    `json:"c,omitempty"`
	Reason string `json:"r,omitempty"`
	// Origin is the id of the node that published it.
	Origin string `json:"o,omitempty"`
}

// Handler applies an envelope to the local node. It must not block for long.
type Handler func(Envelope)

// Broker publishes envelopes to every node, this one included. Envelopes
// published by one node are handled by each node in the order published.
type Broker interface {
	Publish(ctx context.Context, env Envelope) error
	Close() error
}

// Interest is implemented by a broker that delivers to a node only the
// envelopes of the groups the node watches (natsbroker); the others deliver
// every envelope to every node. The hub calls Watch when a group gets its
// first local connection and Unwatch when it loses its last, with its own
// lock held: neither may block or call back into the hub. An envelope that
// names a user (sub, unsub, disconnect) belongs to that user's own group,
// which the hub watches while the user has a local connection.
type Interest interface {
	Watch(group string)
	Unwatch(group string)
}

// Interests is an Interest that tells each of its members, in order.
type Interests []Interest

// Watch implements Interest.
func (in Interests) Watch(group string) {
	for _, i := range in {
		i.Watch(group)
	}
}

// Unwatch implements Interest.
func (in Interests) Unwatch(group string) {
	for _, i := range in {
		i.Unwatch(group)
	}
}

// Memory is the single-node broker: Publish hands the envelope straight to
// the local handler.
type Memory struct{ h Handler }

// NewMemory returns a single-node broker that calls h.
func NewMemory(h Handler) *Memory { return &Memory{h: h} }

// Publish implements Broker.
func (m *Memory) Publish(_ context.Context, env Envelope) error {
	m.h(env)
	return nil
}

// Close implements Broker.
func (m *Memory) Close() error { return nil }
