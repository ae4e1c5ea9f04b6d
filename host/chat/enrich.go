package chat

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/chatwasm/chatwasm/abi"
	"github.com/chatwasm/chatwasm/host/chat/field"
	"github.com/chatwasm/chatwasm/host/chat/wire"
	"github.com/chatwasm/chatwasm/host/hooks"
	"github.com/chatwasm/chatwasm/host/store"
)

// What the host tells modules beyond the reference's arguments, so that a
// moderation or webhook module needs no import call to know where and who
// (abi/README.md): the room and the sender's standing in create_message's
// args, the resolved ids of a permission hook's request, the kind and
// origin of the error handle_exception sees. Each is computed only when a
// module hooks what receives it.

// roleIn is the abi.Role* of userID in rm, given their membership.
func roleIn(rm store.Room, userID int64, member, admin bool) string {
	channel := rm.Kind == store.KindChannel
	switch {
	case !member:
		return abi.RoleNone
	case rm.CreatorID != nil && *rm.CreatorID == userID:
		return abi.RoleCreator
	case admin && channel:
		return abi.RoleModerator
	case admin:
		return abi.RoleAdmin
	case channel:
		return abi.RoleSubscriber
	}
	return abi.RoleMember
}

// describeRoom fills in create_message's room_kind, member_count and
// sender_role for g, what the send check granted, when a module hooks
// create_message: one statement (the member count) when the check read
// the caller's standing, as its default rule does, two otherwise; none
// without such a module.
func (s *Service) describeRoom(ctx context.Context, c Caller, g grant, in *CreateMessageIn) error {
	if !s.request(ctx).has(c.Tenant, abi.OpCreateMessage, abi.ReplaceHook(abi.OpCreateMessage)) {
		return nil
	}
	return s.readRoomDescription(ctx, c, g.room, g.access, in)
}

// readRoomDescription is describeRoom's read, apart so that a request
// without the module allocates nothing for it.
func (s *Service) readRoomDescription(ctx context.Context, c Caller, rm store.Room, access *store.RoomAccess, in *CreateMessageIn) error {
	read := s.st.ReadOne
	if access == nil {
		read = s.st.Read
	}
	return read(ctx, func(tx *store.Tx) error {
		acc := access
		if acc == nil {
			member, admin, err := tx.Membership(ctx, rm.ID, c.UserID)
			if err != nil {
				return err
			}
			acc = &store.RoomAccess{Room: rm, Member: member, Admin: admin}
		}
		n, err := tx.CountMembers(ctx, rm.ID)
		if err != nil {
			return err
		}
		in.RoomKind, in.MemberCount, in.SenderRole = string(rm.Kind), n, roleIn(rm, c.UserID, acc.Member, acc.Admin)
		return nil
	})
}

// resolve is what a permission hook's args name, resolved in the caller's
// tenant (abi.Resolved) in one statement: the room of room_id, or else of
// the first message of message_id, with its kind and the caller's role,
// and the canonical message ids. Ids that do not parse or name nothing
// are left out (nil when nothing is left): the default check reports them.
func (s *Service) resolve(ctx context.Context, c Caller, a abi.PermissionArgs) (*abi.Resolved, error) {
	r := &abi.Resolved{}
	if field.Truthy(a.MessageID) {
		if ids, _, err := field.MessageIDArgs(a.MessageID); err == nil {
			r.MessageIDs = ids
		}
	}
	err := s.st.ReadOne(ctx, func(tx *store.Tx) error {
		var (
			acc store.RoomAccess
			err error
		)
		switch {
		case field.Truthy(a.RoomID):
			id, perr := field.RoomIDArg(a.RoomID)
			if perr != nil {
				return nil
			}
			acc, err = tx.RoomAccess(ctx, c.Tenant, id, c.UserID, "")
		case len(r.MessageIDs) > 0:
			acc, err = tx.RoomAccessByMessage(ctx, c.Tenant, r.MessageIDs[0], c.UserID, "")
		default:
			return nil
		}
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		r.RoomID, r.RoomKind, r.Role = acc.Room.ID, string(acc.Room.Kind), roleIn(acc.Room, c.UserID, acc.Member, acc.Admin)
		return nil
	})
	if err != nil || (r.RoomID == "" && len(r.MessageIDs) == 0) {
		return nil, err
	}
	return r, nil
}

// errorKind is the abi.ErrKind* of err, whose wire error is ce, and the
// module that raised it ("" for the host).
func errorKind(err error, ce *wire.Error) (kind, module string) {
	if module, kind := hooks.Raised(err); module != "" {
		return kind, module
	}
	switch ce.Code {
	case wire.CodePermission:
		return abi.ErrKindPermission, ""
	case wire.CodeValidation:
		return abi.ErrKindValidation, ""
	case wire.CodeNotFound:
		return abi.ErrKindNotFound, ""
	case wire.CodeIntegrity:
		return abi.ErrKindIntegrity, ""
	case wire.CodeInternal:
		return abi.ErrKindInternal, ""
	}
	return abi.ErrKindError, ""
}

// failedRoom is the room of a failed request as handle_exception sees it:
// the one its permission check resolved, else data's room_id when it is a
// well-formed id.
func (r *request) failedRoom(data json.RawMessage) string {
	r.mu.Lock()
	room := r.room
	r.mu.Unlock()
	if room != "" {
		return room
	}
	d, err := field.ActionData(data)
	if err != nil || !field.Truthy(d["room_id"]) {
		return ""
	}
	id, err := field.RoomIDArg(d["room_id"])
	if err != nil {
		return ""
	}
	return id
}

// checkedRoom records the room the request's permission check resolved,
// for handle_exception.
func (r *request) checkedRoom(id string) {
	if r == nil || id == "" {
		return
	}
	r.mu.Lock()
	r.room = id
	r.mu.Unlock()
}
