package server

import (
	"context"
	"log/slog"
	"time"

	"github.com/chatwasm/chatwasm/host/broker"
	"github.com/chatwasm/chatwasm/host/chat/wire"
	"github.com/chatwasm/chatwasm/host/gateway"
)

// disconnectTimeout bounds the publication of a disconnect envelope.
const disconnectTimeout = 10 * time.Second

// userDeleted closes a deleted user's connections on every node with 4001.
// It goes through the broker like any fan-out: a connection left open on
// another node would keep receiving the broadcasts of the rooms the user was
// in, since the deletion's cascades publish no unsubscriptions. When the
// envelope cannot be published, this node's connections are closed at least.
func userDeleted(ctx context.Context, br broker.Broker, gw *gateway.Gateway, log *slog.Logger, userID int64) {
	// The deletion is committed: the admin client hanging up must not keep
	// its connections open.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), disconnectTimeout)
	defer cancel()
	const reason = "user deleted"
	err := br.Publish(ctx, broker.Envelope{
		Kind:   broker.KindDisconnect,
		UserID: userID,
		Code:   wire.CodeUnauthenticated,
		Reason: reason,
	})
	if err != nil {
		log.Error("deleted user: closing the connections of other nodes failed; closing this node's only",
			"user", userID, "err", err)
		gw.DisconnectUser(userID, wire.CodeUnauthenticated, reason)
	}
}
