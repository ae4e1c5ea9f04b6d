package chat

import (
	"context"
	"encoding/json"

	"github.com/chatwasm/chatwasm/abi"
)

// customAction runs the modules' action hook for an event type the service
// does not handle (PROTOCOL.md §5.4: the reference's event mapper lets a
// deployment add events, e.g. message.pin). The hook gets the frame's data
// (null when absent) and runs outside any transaction; what it returns is
// sent nowhere: modules answer clients by emitting events, which Handle
// sends once the hook succeeded. The end of the chain is the reference's
// "invalid event type".
func (s *Service) customAction(ctx context.Context, req *request, c Caller, eventType string, data json.RawMessage) error {
	if data == nil {
		data = json.RawMessage("null")
	}
	_, err := req.set.Run(ctx, abi.ActionHook(eventType), req.call(c, nil), data,
		func(context.Context, []byte) ([]byte, error) { return nil, ErrUnknownEvent })
	return err
}
