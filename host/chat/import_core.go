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

// importCore is hooks.CallInfo.Core, which the write imports of
// abi.CoreImports call: it runs the default core of op on args in tx for
// user, a user of tenant, as the end of op's replace chain runs it when a
// module passes args to next. Nothing checked the args, so the core trusts
// none of their ids: it checks each in tenant with the operation's default
// permission rule for user, as it checks a module's args (see granted). The
// module sees the core's refusals as they are (4002 to 4005); anything else
// stays a Go error, which the import reports as a 4006 and logs.
func (s *Service) importCore(ctx context.Context, tx *store.Tx, tenant string, user abi.Caller, op string, args json.RawMessage) (json.RawMessage, error) {
	e, ok := byOp[op]
	if !ok || e.runJSON == nil {
		return nil, fmt.Errorf("chat: no operation %q", op)
	}
	c := Caller{UserID: user.UserID, Tenant: tenant, Username: user.Username, SessionID: user.SessionID}
	out, err := e.runJSON(s, ctx, opCall{Tx: tx, Caller: c}, args)
	if err == nil && op == abi.OpModifyRoom {
		// Roles, permissions, settings or the room itself changed, and no
		// frame of the room need say so: the nodes' access caches must
		// hear of it.
		var in ModifyRoomIn
		if json.Unmarshal(args, &in) == nil {
			s.request(ctx).changed(in.RoomID)
		}
	}
	var we *wire.Error
	if errors.As(err, &we) && we.Code != wire.CodeInternal {
		return nil, &abi.Error{Code: we.Code, Detail: we.Detail}
	}
	return out, err
}
