package chat

import (
	"context"
	"encoding/json"

	"github.com/chatwasm/chatwasm/abi"
	"github.com/chatwasm/chatwasm/host/chat/wire"
	"github.com/chatwasm/chatwasm/host/store"
)

// customAction runs the modules' action hook for an event type the service
// does not handle (docs/protocol.md §5.4: the reference's event mapper lets a
// deployment add events, e.g. message.pin). The hook gets the frame's data
// (null when absent) and runs in a write transaction of its own, like an
// operation's replace layer: what it writes (membership, its key-value
// store) commits or rolls back as a whole, and the events it emitted are
// kept only if it commits. What it returns is sent nowhere: modules answer
// clients by emitting events, which Handle sends once the hook succeeded.
// The end of the chain is the reference's "invalid event type".
func (s *Service) customAction(ctx context.Context, req *request, c Caller, eventType string, data json.RawMessage) error {
	if data == nil {
		data = json.RawMessage("null")
	}
	mark := req.mark()
	err := s.st.Write(ctx, func(tx *store.Tx) error {
		req.rollback(mark)
		_, err := req.set.Run(ctx, abi.ActionHook(eventType), req.call(c, tx), data,
			func(context.Context, []byte) ([]byte, error) { return nil, wire.ErrUnknownEvent })
		return err
	})
	if err != nil {
		req.rollback(mark)
	}
	return err
}
