package server

import (
	"context"
	"log/slog"
	"time"

	"github.com/chatwasm/chatwasm/host/broker"
	"github.com/chatwasm/chatwasm/host/chat"
	"github.com/chatwasm/chatwasm/host/gateway"
	"github.com/chatwasm/chatwasm/host/hooks"
)

// syncTimeout bounds the reload a "modules changed" envelope starts.
const syncTimeout = 5 * time.Minute

// controlHandler is the broker's handler: every envelope first updates the
// service's access cache, which must see a change before the next request
// can; then the control envelopes are for the node (KindModules: reload the
// stored modules, in the background, as a handler must not block) and the
// others for the hub.
func controlHandler(hub *gateway.Hub, cache *chat.AccessCache, mods *hooks.Manager, log *slog.Logger) broker.Handler {
	return func(env broker.Envelope) {
		cache.Observe(env)
		if env.Kind != broker.KindModules {
			hub.Apply(env)
			return
		}
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), syncTimeout)
			defer cancel()
			// Sync does nothing on the node that made the change, which
			// has reloaded already, and logs its own failures.
			if err := mods.Sync(ctx); err != nil {
				log.Debug("modules changed: reload failed", "origin", env.Origin, "err", err)
			}
		}()
	}
}

// modulesChanged reloads this node's modules after a change of the stored
// ones, before the admin API answers (so that the answer, and the next
// request, see the change), then tells the other nodes through the broker.
// A node that misses the envelope finds the change at its next module
// watch (hooks.Manager.Watch).
func modulesChanged(ctx context.Context, br broker.Broker, mods *hooks.Manager, nodeID string, log *slog.Logger) {
	if err := mods.Sync(ctx); err != nil {
		log.ErrorContext(ctx, "modules changed: reload failed", "err", err)
	}
	err := br.Publish(ctx, broker.Envelope{Kind: broker.KindModules, Group: broker.ControlGroup, Origin: nodeID})
	if err != nil {
		log.WarnContext(ctx, "modules changed: could not tell the other nodes (they reload at their next module watch)", "err", err)
	}
}
