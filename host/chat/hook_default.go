package chat

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/chatwasm/chatwasm/abi"
	"github.com/chatwasm/chatwasm/host/chat/wire"
	"github.com/chatwasm/chatwasm/host/store"
)

// errNoDefault is DefaultHook's answer for a hook without a default: a
// serializer hook (whose modules only add fields) or a name that is no hook.
var errNoDefault = errors.New("chat: hook has no default logic")

// DefaultHook runs the host's default logic of hook on args (the hook's JSON
// args): what a module's `next` reaches at the end of its chain. It exists
// for tools that run one hook outside a client request (chatwasm module
// call, which runs an operation's whole chain with RunOperation); the
// server's own chains are built in op.go and perm_hooks.go.
//
// An operation's extend or replace hook runs the operation's core in a
// transaction of its own, trusting none of the ids of args. A permission hook answers the default check's
// abi.Decision as the chain's next does; handle_exception answers the
// error unchanged; an action hook fails with ErrUnknownEvent. ctx must not
// belong to a request of s (the checks would run the modules' hooks).
func (s *Service) DefaultHook(ctx context.Context, c Caller, hook string, args json.RawMessage) (json.RawMessage, error) {
	h, ok := abi.LookupHook(hook)
	if !ok {
		return nil, fmt.Errorf("%w: %q", errNoDefault, hook)
	}
	switch h.Kind {
	case abi.Extend, abi.Replace:
		op, ok := byOp[h.Subject]
		if !ok {
			return nil, fmt.Errorf("%w: %q", errNoDefault, hook)
		}
		// Nobody checked the args: the core grants nothing.
		txfn := s.st.Read
		if op.Write {
			txfn = s.st.Write
		}
		var out json.RawMessage
		err := txfn(ctx, func(tx *store.Tx) error {
			var err error
			out, err = op.runJSON(s, ctx, opCall{Tx: tx, Caller: c}, args)
			return err
		})
		return out, err
	case abi.Permission:
		var a abi.PermissionArgs
		if err := json.Unmarshal(args, &a); err != nil {
			return nil, wire.Validation(fmt.Sprintf("%s: invalid args: %v", hook, err))
		}
		dec, err := s.defaultDecision(ctx, c, hook, a)
		if err != nil {
			return nil, err
		}
		return json.Marshal(dec)
	case abi.Exception:
		var a abi.ExceptionArgs
		if err := json.Unmarshal(args, &a); err != nil {
			return nil, wire.Validation(fmt.Sprintf("%s: invalid args: %v", hook, err))
		}
		return json.Marshal(abi.Error{Code: a.Code, Detail: a.Detail})
	case abi.Action:
		return nil, wire.ErrUnknownEvent
	}
	return nil, fmt.Errorf("%w: %q", errNoDefault, hook)
}

// defaultDecision is the default check of permission hook as a Decision,
// the way the chain's next reports it (permission in perm_hooks.go): an
// allow with the room it resolved, or a denial with the client's error;
// only an internal failure is an error.
func (s *Service) defaultDecision(ctx context.Context, c Caller, hook string, a abi.PermissionArgs) (abi.Decision, error) {
	var (
		rm  store.Room
		err error
	)
	switch hook {
	case abi.PermRoom:
		rm, err = s.checkRoomAccess(ctx, c, a.RoomID)
	case abi.PermMessage:
		_, err = s.checkMessageAccess(ctx, c, a.MessageID)
	case abi.PermMessageSender:
		_, rm, err = s.checkMessageSender(ctx, c, a.MessageID)
	case abi.PermAddRemoveMembers:
		rm, err = s.checkMemberChange(ctx, c, a.RoomID, a.PermPhrase != memberChangePhrase(false))
	case abi.PermSendMessage:
		rm, err = s.checkSend(ctx, c, a.Data, map[string]json.RawMessage{"room_id": a.RoomID, "message_id": a.MessageID})
	case abi.PermAdminPrivileges:
		rm, err = s.checkAdmin(ctx, c, a.RoomID, a.Action)
	default:
		return abi.Decision{}, fmt.Errorf("%w: %q", errNoDefault, hook)
	}
	if err == nil {
		return abi.Decision{Allow: true, RoomID: rm.ID}, nil
	}
	ce := wire.AsError(err)
	if ce.Code == wire.CodeInternal {
		return abi.Decision{}, err
	}
	return abi.Decision{Allow: false, Code: ce.Code, Detail: ce.Detail}, nil
}
