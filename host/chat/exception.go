package chat

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/chatwasm/chatwasm/abi"
	"github.com/chatwasm/chatwasm/host/chat/wire"
	"github.com/chatwasm/chatwasm/host/hooks"
)

// fail turns the error of a request into the one the client gets: the wire
// error of AsError, then mapped by the modules' exception hook
// (handle_exception, the reference's ExceptionHandler), which may answer
// with its own code (e.g. 4007). ErrUnknownEvent stays as it is: its frame
// has no code to map.
func (s *Service) fail(ctx context.Context, req *request, c Caller, eventType string, data json.RawMessage, err error) error {
	if errors.Is(err, wire.ErrUnknownEvent) {
		return wire.ErrUnknownEvent
	}
	ce := wire.AsError(err)
	if ce.Code == wire.CodeInternal {
		s.log.ErrorContext(ctx, "operation failed", "event", eventType, "user", c.UserID, "err", err)
	}
	if !req.has(c.Tenant, abi.ExceptionHook) {
		return ce
	}
	kind, module := errorKind(err, ce)
	args := abi.ExceptionArgs{Code: ce.Code, Kind: kind, EventType: eventType, Data: data, RoomID: req.failedRoom(data),
		Module: module}
	return s.handleException(ctx, req, c, args, ce)
}

// MapError is the error frame of a request that failed before it reached
// the service (a malformed, binary or oversized frame): err mapped as
// Handle maps an action's error, the exception hook included.
func (s *Service) MapError(ctx context.Context, c Caller, eventType string, err error) *wire.Error {
	ctx, req, end := s.begin(ctx)
	defer end()
	return wire.AsError(s.fail(ctx, req, c, eventType, nil, err))
}

// exceptionOut is what the exception chain returns; the detail is kept as
// the module wrote it.
type exceptionOut struct {
	Code   int             `json:"code"`
	Detail json.RawMessage `json:"detail"`
}

// handleException runs the exception chain on ce, with args, the
// exception hook's args but for the detail. The default at the end of
// the chain returns the error unchanged. A detail the module leaves out
// keeps the original one; a code a module may not use, or a failing chain,
// is logged and the client gets the chain's error instead (a 4006 for a
// module fault).
func (s *Service) handleException(ctx context.Context, req *request, c Caller, args abi.ExceptionArgs, ce *wire.Error) *wire.Error {
	eventType := args.EventType
	detail, err := json.Marshal(ce.Detail)
	if err != nil {
		s.log.ErrorContext(ctx, "encode error detail", "err", err)
		return wire.Internal(err)
	}
	args.Detail = json.RawMessage(detail)
	out, err := hooks.Call(ctx, req.set, abi.ExceptionHook, req.call(c, nil), args,
		func(_ context.Context, a abi.ExceptionArgs) (exceptionOut, error) {
			d, err := json.Marshal(a.Detail)
			return exceptionOut{Code: a.Code, Detail: d}, err
		})
	if err != nil {
		s.log.WarnContext(ctx, "exception hook failed", "event", eventType, "err", err)
		return wire.AsError(err)
	}
	if !abi.ValidCode(out.Code) {
		s.log.ErrorContext(ctx, "exception hook answered a code modules may not use", "event", eventType,
			"code", out.Code)
		return wire.Internal(ce)
	}
	mapped := &wire.Error{Code: out.Code, Detail: out.Detail, Err: ce}
	if len(out.Detail) == 0 {
		mapped.Detail = ce.Detail
	}
	return mapped
}
