package chat

import (
	"context"
	"slices"

	"github.com/chatwasm/chatwasm/host/chat/wire"
	"github.com/chatwasm/chatwasm/host/store"
)

// Some message operations return their messages in groups, one frame per
// group: by sender (message.acknowledged) or by room (message.read). Who
// receives a group's frame is the group's key, so a key must be one of the
// messages the permission check resolved, whatever a module returned.

// checkedKeys returns the key of each message in msgs, each once, in order.
func checkedKeys[K comparable](msgs []store.Message, key func(store.Message) K) []K {
	keys := make([]K, 0, 1)
	for _, m := range msgs {
		if k := key(m); !slices.Contains(keys, k) {
			keys = append(keys, k)
		}
	}
	return keys
}

// groupFrame is the frame of one group of an operation's output.
type groupFrame[K comparable] struct {
	key  K      // the sender or room the group names
	to   string // the fan-out group that receives the frame
	data any
	skip bool // the group has nothing to send
}

// sendGroups returns the event frames of the groups of out, which frame
// describes. A group whose key is not among allowed, the keys of the
// checked messages, is refused as a forged output of op (field names the
// key in the output).
func sendGroups[G any, K comparable](s *Service, ctx context.Context, c Caller, event, op, field string,
	allowed []K, out []G, frame func(G) groupFrame[K]) ([]wire.Effect, error) {
	effects := make([]wire.Effect, 0, len(out))
	for _, g := range out {
		f := frame(g)
		if !slices.Contains(allowed, f.key) {
			return nil, s.forgedOutput(ctx, c, op, field, f.key, allowed)
		}
		if f.skip {
			continue
		}
		e, err := wire.SendTo(f.to, event, f.data)
		if err != nil {
			return nil, err
		}
		effects = append(effects, e)
	}
	return effects, nil
}
