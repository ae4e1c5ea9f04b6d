package chat

import (
	"bytes"
	"context"
	"encoding/json"

	"github.com/chatwasm/chatwasm/abi"
	"github.com/chatwasm/chatwasm/host/chat/field"
	"github.com/chatwasm/chatwasm/host/chat/wire"
	"github.com/chatwasm/chatwasm/host/hooks"
	"github.com/chatwasm/chatwasm/host/store"
)

// The permission checks of the actions (docs/protocol.md §2.7), each the default
// Go rule of perm_room.go / perm_message.go in a read transaction of its
// own, wrapped by the modules' permission hook of the same name (the
// reference's PermissionHandler methods). A module returns an abi.Decision:
// next gives it the default's, as a decision rather than an error.

// grant is what a permission check hands the operation after it: the room
// it runs on and, for the message checks, the messages.
type grant struct {
	room store.Room
	msgs messageArgs
	// access is the caller's standing in room when the default rule
	// decided and read it (the send check), else nil.
	access *store.RoomAccess
}

// permission runs the check hook for args, which a module hooks (each check
// runs its default alone, allocating nothing more, when none does): def is
// the default rule and
// allowed loads what the operation needs when a module allows what the
// default did not grant, or names another room (roomID, "" for none), with
// nothing but the tenant's own rules (existence, soft deletion). denied is
// the default's message for a module's denial without a code.
func (s *Service) permission(ctx context.Context, c Caller, hook string, args abi.PermissionArgs, denied string,
	def func(ctx context.Context, tx *store.Tx, a abi.PermissionArgs) (grant, error),
	allowed func(ctx context.Context, tx *store.Tx, a abi.PermissionArgs, roomID string) (grant, error)) (grant, error) {
	req := s.request(ctx)
	var (
		ran    bool
		result grant
		defErr error
		err    error
	)
	if args.Resolved, err = s.resolve(ctx, c, args); err != nil {
		return grant{}, err
	}
	dec, err := hooks.Call(ctx, req.set, hook, req.call(c, nil), args,
		func(ctx context.Context, a abi.PermissionArgs) (abi.Decision, error) {
			ran = true
			result, defErr = readResult(ctx, s.st.Read, func(tx *store.Tx) (grant, error) {
				return def(ctx, tx, a)
			})
			if defErr == nil {
				return abi.Decision{Allow: true, RoomID: result.room.ID}, nil
			}
			ce := wire.AsError(defErr)
			if ce.Code == wire.CodeInternal {
				return abi.Decision{}, defErr
			}
			return abi.Decision{Allow: false, Code: ce.Code, Detail: ce.Detail}, nil
		})
	switch {
	case err != nil:
		return grant{}, err
	case !dec.Allow:
		return grant{}, s.denial(ctx, hook, dec, ran, defErr, denied)
	case ran && defErr == nil && (dec.RoomID == "" || dec.RoomID == result.room.ID):
		return result, nil
	}
	roomID := ""
	if dec.RoomID != "" {
		if roomID, err = field.ParseUUID(dec.RoomID); err != nil {
			return grant{}, wire.NotFound()
		}
	}
	return readResult(ctx, s.st.Read, func(tx *store.Tx) (grant, error) {
		return allowed(ctx, tx, args, roomID)
	})
}

// readResult runs f by read (a Store's Read, or its ReadOne for a single
// statement) and returns f's result: the checks' whole work when no module
// hooks them, and the loading after a module's allow.
func readResult[T any](ctx context.Context, read func(context.Context, func(*store.Tx) error) error,
	f func(*store.Tx) (T, error)) (T, error) {
	var v T
	err := read(ctx, func(tx *store.Tx) error {
		var err error
		v, err = f(tx)
		return err
	})
	return v, err
}

// denial is the error of a module's denial: its code and detail, or the
// default's error when it passed that on, or the default's message.
func (s *Service) denial(ctx context.Context, hook string, dec abi.Decision, ran bool, defErr error, denied string) error {
	if ran && defErr != nil {
		ce := wire.AsError(defErr)
		if dec.Code == 0 || dec.Code == ce.Code && sameJSON(dec.Detail, ce.Detail) {
			return defErr
		}
	}
	if dec.Code == 0 {
		return wire.Denied(denied)
	}
	if !abi.ValidCode(dec.Code) {
		s.log.ErrorContext(ctx, "permission hook denied with a code modules may not use", "hook", hook, "code", dec.Code)
		return wire.Internal(nil)
	}
	detail := dec.Detail
	if detail == nil {
		detail = denied
	}
	return &wire.Error{Code: dec.Code, Detail: detail}
}

// sameJSON reports whether a and b encode the same.
func sameJSON(a, b any) bool {
	ja, err1 := json.Marshal(a)
	jb, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && bytes.Equal(ja, jb)
}

// checkRoom runs hook, a permission check on one room, with args: rule is
// its default, which decides alone, in a read transaction, when no module
// of the tenant hooks it. roomArg reads the room out of the args when a
// module allows what rule did not grant (see permission).
func (s *Service) checkRoom(ctx context.Context, c Caller, hook string, args abi.PermissionArgs, denied string,
	rule func(ctx context.Context, tx *store.Tx, a abi.PermissionArgs) (store.Room, error),
	roomArg func(raw json.RawMessage) (string, error)) (store.Room, error) {
	if !s.request(ctx).has(c.Tenant, hook) {
		return readResult(ctx, s.st.Read, func(tx *store.Tx) (store.Room, error) {
			return rule(ctx, tx, args)
		})
	}
	g, err := s.permission(ctx, c, hook, args, denied,
		func(ctx context.Context, tx *store.Tx, a abi.PermissionArgs) (grant, error) {
			rm, err := rule(ctx, tx, a)
			return grant{room: rm}, err
		},
		func(ctx context.Context, tx *store.Tx, a abi.PermissionArgs, roomID string) (grant, error) {
			return grantedRoom(ctx, tx, c, roomID, func() (string, error) { return roomArg(a.RoomID) })
		})
	return g.room, err
}

// checkRoomAccess is have_room_permission.
func (s *Service) checkRoomAccess(ctx context.Context, c Caller, rawRoomID json.RawMessage) (store.Room, error) {
	return s.checkRoom(ctx, c, abi.PermRoom, abi.PermissionArgs{RoomID: rawRoomID}, deniedRoomAccess,
		func(ctx context.Context, tx *store.Tx, a abi.PermissionArgs) (store.Room, error) {
			return s.roomAccess(ctx, tx, c, a.RoomID)
		}, field.RoomIDArg)
}

// checkSend is have_send_message_permission on the frame's data d (raw:
// data).
func (s *Service) checkSend(ctx context.Context, c Caller, data json.RawMessage, d map[string]json.RawMessage) (store.Room, error) {
	g, err := s.checkSendAccess(ctx, c, data, d)
	return g.room, err
}

// checkSendAccess is checkSend with the caller's standing in the room
// when the default rule read it (grant.access).
func (s *Service) checkSendAccess(ctx context.Context, c Caller, data json.RawMessage, d map[string]json.RawMessage) (grant, error) {
	if !s.request(ctx).has(c.Tenant, abi.PermSendMessage) {
		// One statement (sendPermission), so no transaction is needed.
		acc, err := readResult(ctx, s.st.ReadOne, func(tx *store.Tx) (store.RoomAccess, error) {
			return s.sendPermission(ctx, tx, c, d["room_id"], d["message_id"])
		})
		return grant{room: acc.Room, access: &acc}, err
	}
	args := abi.PermissionArgs{RoomID: d["room_id"], MessageID: d["message_id"], Data: data}
	return s.permission(ctx, c, abi.PermSendMessage, args, deniedSend,
		func(ctx context.Context, tx *store.Tx, a abi.PermissionArgs) (grant, error) {
			acc, err := s.sendPermission(ctx, tx, c, a.RoomID, a.MessageID)
			return grant{room: acc.Room, access: &acc}, err
		},
		func(ctx context.Context, tx *store.Tx, a abi.PermissionArgs, roomID string) (grant, error) {
			return grantedRoom(ctx, tx, c, roomID, func() (string, error) {
				if field.Truthy(a.RoomID) {
					return field.RoomIDArg(a.RoomID)
				}
				msgID, ok, err := field.IdArg(a.MessageID)
				if err != nil {
					return "", err
				}
				if !ok {
					return "", wire.Validation("Invalid message_id type")
				}
				return tx.RoomIDOfMessage(ctx, c.Tenant, msgID)
			})
		})
}

// memberChangePhrase is the reference's perm_phrase.
func memberChangePhrase(add bool) string {
	if add {
		return "add_new"
	}
	return "remove"
}

// checkMemberChange is have_room_permissions_to_add_or_remove_members.
func (s *Service) checkMemberChange(ctx context.Context, c Caller, rawRoomID json.RawMessage, add bool) (store.Room, error) {
	denied := deniedRemove
	if add {
		denied = deniedAdd
	}
	args := abi.PermissionArgs{RoomID: rawRoomID, PermPhrase: memberChangePhrase(add)}
	return s.checkRoom(ctx, c, abi.PermAddRemoveMembers, args, denied,
		func(ctx context.Context, tx *store.Tx, a abi.PermissionArgs) (store.Room, error) {
			return s.memberChangePermission(ctx, tx, c, a.RoomID, a.PermPhrase != "remove")
		}, field.RoomIDArg)
}

// checkAdmin is have_admin_privileges for action.
func (s *Service) checkAdmin(ctx context.Context, c Caller, rawRoomID json.RawMessage, action string) (store.Room, error) {
	denied := deniedAdmin
	if action == modifyDelete {
		denied = deniedCreator
	}
	args := abi.PermissionArgs{RoomID: rawRoomID, Action: action}
	return s.checkRoom(ctx, c, abi.PermAdminPrivileges, args, denied,
		func(ctx context.Context, tx *store.Tx, a abi.PermissionArgs) (store.Room, error) {
			return s.adminPrivileges(ctx, tx, c, a.RoomID, a.Action)
		}, uncheckedRoomID)
}

// checkMessageAccess is have_message_permission.
func (s *Service) checkMessageAccess(ctx context.Context, c Caller, rawMessageID json.RawMessage) (messageArgs, error) {
	if !s.request(ctx).has(c.Tenant, abi.PermMessage) {
		return readResult(ctx, s.st.Read, func(tx *store.Tx) (messageArgs, error) {
			return s.messageAccess(ctx, tx, c, rawMessageID)
		})
	}
	g, err := s.permission(ctx, c, abi.PermMessage, abi.PermissionArgs{MessageID: rawMessageID}, deniedMessageAccess,
		func(ctx context.Context, tx *store.Tx, a abi.PermissionArgs) (grant, error) {
			args, err := s.messageAccess(ctx, tx, c, a.MessageID)
			return grant{msgs: args}, err
		},
		func(ctx context.Context, tx *store.Tx, a abi.PermissionArgs, _ string) (grant, error) {
			args, err := grantedMessages(ctx, tx, c, a.MessageID)
			return grant{msgs: args}, err
		})
	return g.msgs, err
}

// checkMessageSender is is_message_sender.
func (s *Service) checkMessageSender(ctx context.Context, c Caller, rawMessageID json.RawMessage) (messageArgs, store.Room, error) {
	if !s.request(ctx).has(c.Tenant, abi.PermMessageSender) {
		g, err := readResult(ctx, s.st.Read, func(tx *store.Tx) (grant, error) {
			args, rm, err := s.messageSender(ctx, tx, c, rawMessageID)
			return grant{room: rm, msgs: args}, err
		})
		return g.msgs, g.room, err
	}
	g, err := s.permission(ctx, c, abi.PermMessageSender, abi.PermissionArgs{MessageID: rawMessageID}, deniedMessageModify,
		func(ctx context.Context, tx *store.Tx, a abi.PermissionArgs) (grant, error) {
			args, rm, err := s.messageSender(ctx, tx, c, a.MessageID)
			return grant{room: rm, msgs: args}, err
		},
		func(ctx context.Context, tx *store.Tx, a abi.PermissionArgs, roomID string) (grant, error) {
			args, err := grantedMessages(ctx, tx, c, a.MessageID)
			if err != nil {
				return grant{}, err
			}
			if len(args.Msgs) == 0 {
				return grant{}, wire.Validation("Atleast one message_id is required for modification")
			}
			if roomID == "" {
				roomID = args.Msgs[0].RoomID
			}
			rm, err := tx.GetRoom(ctx, c.Tenant, roomID, false)
			return grant{room: rm, msgs: args}, err
		})
	return g.msgs, g.room, err
}

// grantedRoom loads the room a module's allow names (roomID), or else the
// one the request names (parse).
func grantedRoom(ctx context.Context, tx *store.Tx, c Caller, roomID string, parse func() (string, error)) (grant, error) {
	if roomID == "" {
		var err error
		if roomID, err = parse(); err != nil {
			return grant{}, err
		}
	}
	rm, err := tx.GetRoom(ctx, c.Tenant, roomID, false)
	return grant{room: rm}, err
}

// grantedMessages loads the messages a module allowed: they must still
// exist in the tenant and not be soft-deleted.
func grantedMessages(ctx context.Context, tx *store.Tx, c Caller, rawMessageID json.RawMessage) (messageArgs, error) {
	ids, isList, err := field.MessageIDArgs(rawMessageID)
	if err != nil {
		return messageArgs{}, err
	}
	args := messageArgs{IsList: isList}
	for _, id := range ids {
		m, err := liveMessage(ctx, tx, c, id)
		if err != nil {
			return messageArgs{}, err
		}
		args.Msgs = append(args.Msgs, m)
	}
	return args, nil
}
