package chat

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"

	"github.com/chatwasm/chatwasm/host/chat/field"
	"github.com/chatwasm/chatwasm/host/chat/wire"
	"github.com/chatwasm/chatwasm/host/store"
)

// Room object permissions (docs/protocol.md §1.5, §1.6).
const (
	permAddParticipants    = "can_add_new_participants"
	permRemoveParticipants = "can_remove_participants"
	permAddSubscribers     = "can_add_new_subscribers"
	permRemoveSubscribers  = "can_remove_subscribers"
	permSendMessages       = "can_send_messages"
)

// Permission-denied messages of the room checks (§2.7), typo included.
const (
	deniedRoomAccess = "User is not authorized access this room"
	deniedSend       = "User is not authorized to send message to this room"
	deniedAdd        = "User is not authorized to add new members to this room"
	deniedRemove     = "User is not authorized to remove members from this room"
	deniedCreator    = "User is not the creator of this room"
	deniedAdmin      = "User is not an admin of this room"
)

// kindPermissions is every object permission a room kind knows, in the order
// they are granted to its creator and its admins/moderators.
func kindPermissions(k store.RoomKind) []string {
	switch k {
	case store.KindGroup:
		return []string{permAddParticipants, permRemoveParticipants}
	case store.KindChannel:
		return []string{permAddSubscribers, permRemoveSubscribers, permSendMessages}
	}
	return nil
}

// isCreator reports whether userID created rm.
func isCreator(rm store.Room, userID int64) bool {
	return rm.CreatorID != nil && *rm.CreatorID == userID
}

// loadRoom parses data.room_id (str or int, else "Invalid room_id type") and
// loads the room in the caller's tenant (4004 when absent). Permission
// checks run in read transactions and never lock: the operation that follows
// locks the room itself.
func loadRoom(ctx context.Context, tx *store.Tx, c Caller, rawRoomID json.RawMessage) (store.Room, error) {
	id, err := field.RoomIDArg(rawRoomID)
	if err != nil {
		return store.Room{}, err
	}
	return tx.GetRoom(ctx, c.Tenant, id, false)
}

// roomAccess is have_room_permission (docs/protocol.md §2.7): rawRoomID must be a
// string or int; the caller must be a member. Returns the room.
func (s *Service) roomAccess(ctx context.Context, tx *store.Tx, c Caller, rawRoomID json.RawMessage) (store.Room, error) {
	rm, err := loadRoom(ctx, tx, c, rawRoomID)
	if err != nil {
		return store.Room{}, err
	}
	member, _, err := tx.Membership(ctx, rm.ID, c.UserID)
	if err != nil {
		return store.Room{}, err
	}
	if !member {
		return store.Room{}, wire.Denied(deniedRoomAccess)
	}
	return rm, nil
}

// sendPermission is have_send_message_permission (§2.7) on the frame's
// room_id, or on message_id's room when room_id is falsy. Returns the room
// with the caller's standing in it. It issues exactly one statement, so
// that it may run outside a transaction (checkSend) or first in the
// operation's own (message.send).
func (s *Service) sendPermission(ctx context.Context, tx *store.Tx, c Caller, rawRoomID, rawMessageID json.RawMessage) (store.RoomAccess, error) {
	acc, err := sendAccess(ctx, tx, c, rawRoomID, rawMessageID)
	if err != nil {
		return store.RoomAccess{}, err
	}
	if !maySend(acc, c.UserID) {
		return store.RoomAccess{}, wire.Denied(deniedSend)
	}
	return acc, nil
}

// sendAccess loads the room of a send-permission check with the caller's
// standing in it, from room_id or else message_id.
func sendAccess(ctx context.Context, tx *store.Tx, c Caller, rawRoomID, rawMessageID json.RawMessage) (store.RoomAccess, error) {
	if field.Truthy(rawRoomID) {
		id, err := field.RoomIDArg(rawRoomID)
		if err != nil {
			return store.RoomAccess{}, err
		}
		return tx.RoomAccess(ctx, c.Tenant, id, c.UserID, permSendMessages)
	}
	msgID, ok, err := field.IdArg(rawMessageID)
	if err != nil {
		return store.RoomAccess{}, err
	}
	if !ok {
		return store.RoomAccess{}, wire.Validation("Invalid message_id type")
	}
	return tx.RoomAccessByMessage(ctx, c.Tenant, msgID, c.UserID, permSendMessages)
}

// maySend is the rule of have_send_message_permission: members may send,
// except to a channel or a locked group, where only its creator and its
// admins/moderators may, and, in a channel, whoever holds can_send_messages.
func maySend(acc store.RoomAccess, userID int64) bool {
	rm := acc.Room
	switch {
	case !acc.Member:
		return false
	case rm.Kind == store.KindChannel:
		return isCreator(rm, userID) || acc.Admin || acc.HasPerm
	case rm.Kind == store.KindGroup && rm.GroupLocked:
		return isCreator(rm, userID) || acc.Admin
	}
	return true
}

// memberChangePermission is have_room_permissions_to_add_or_remove_members
// (§2.7) for adding (add=true) or removing members.
func (s *Service) memberChangePermission(ctx context.Context, tx *store.Tx, c Caller, rawRoomID json.RawMessage, add bool) (store.Room, error) {
	rm, err := loadRoom(ctx, tx, c, rawRoomID)
	if err != nil {
		return store.Room{}, err
	}
	var perm string
	switch {
	case rm.Kind == store.KindGroup && add:
		perm = permAddParticipants
	case rm.Kind == store.KindGroup:
		perm = permRemoveParticipants
	case rm.Kind == store.KindChannel && add:
		perm = permAddSubscribers
	case rm.Kind == store.KindChannel:
		perm = permRemoveSubscribers
	default:
		return store.Room{}, wire.Validation("Invalid room, Can only add or remove members from Groups/Channels")
	}
	denied := deniedRemove
	if add {
		denied = deniedAdd
	}
	member, admin, err := tx.Membership(ctx, rm.ID, c.UserID)
	if err != nil {
		return store.Room{}, err
	}
	if !member {
		return store.Room{}, wire.Denied(denied)
	}
	if admin || isCreator(rm, c.UserID) {
		return rm, nil
	}
	ok, err := tx.HasPermission(ctx, rm.ID, c.UserID, perm)
	if err != nil {
		return store.Room{}, err
	}
	if !ok {
		return store.Room{}, wire.Denied(denied)
	}
	return rm, nil
}

// uncheckedRoomID reads a room_id that the reference looks up without a
// type check: absent or null finds nothing (4004), a string or an int is
// parsed as usual, and any other value fails UUID parsing (4003).
func uncheckedRoomID(raw json.RawMessage) (string, error) {
	if field.IsAbsent(bytes.TrimSpace(raw)) {
		return "", wire.NotFound()
	}
	id, ok, err := field.IdArg(raw)
	if err != nil {
		return "", err
	}
	if !ok {
		return "", wire.Validation(fmt.Sprintf("“%s” is not a valid UUID.", wire.CompactJSON(raw)))
	}
	return id, nil
}

// adminPrivileges is have_admin_privileges (§2.7), on an unchecked room_id.
// Object permissions never confer admin privileges.
func (s *Service) adminPrivileges(ctx context.Context, tx *store.Tx, c Caller, rawRoomID json.RawMessage, action string) (store.Room, error) {
	id, err := uncheckedRoomID(rawRoomID)
	if err != nil {
		return store.Room{}, err
	}
	rm, err := tx.GetRoom(ctx, c.Tenant, id, false)
	if err != nil {
		return store.Room{}, err
	}
	member, admin, err := tx.Membership(ctx, rm.ID, c.UserID)
	if err != nil {
		return store.Room{}, err
	}
	if action == "delete" {
		if !member || (rm.Kind != store.KindOneToOne && !isCreator(rm, c.UserID)) {
			return store.Room{}, wire.Denied(deniedCreator)
		}
		return rm, nil
	}
	if !member || (rm.Kind != store.KindOneToOne && !admin && !isCreator(rm, c.UserID)) {
		return store.Room{}, wire.Denied(deniedAdmin)
	}
	return rm, nil
}
