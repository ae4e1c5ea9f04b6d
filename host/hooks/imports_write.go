package hooks

import (
	"context"
	"encoding/json"
	"slices"

	"github.com/chatwasm/chatwasm/abi"
	"github.com/chatwasm/chatwasm/host/store"
)

// The write imports let a replace hook that does not call next do the whole
// of its operation. Those of abi.CoreImports run an operation's default core
// (CallInfo.Core), so the rules a write obeys (tenant, permissions, limits,
// sanitising) are the core's own, not a copy; the notification writes, which
// no operation of their own makes, are plain store calls checked here. All
// of them join the operation's transaction in a savepoint (withTx): what
// they wrote commits or rolls back with the operation, and a refused write
// leaves nothing behind.

// writeTx refuses import name outside a write transaction the call joins:
// the replace layer of an operation that writes, and actions.
func (f *frame) writeTx(name string) error {
	if (f.hook.Kind != abi.Replace && f.hook.Kind != abi.Action) || f.call.Tx == nil {
		return &abi.Error{Code: abi.CodeInternal, Detail: name + " is only available in replace hooks and actions"}
	}
	if !f.call.Tx.Writable() {
		return &abi.Error{Code: abi.CodeInternal, Detail: name + " is not available in the replace hook of an operation that only reads"}
	}
	return nil
}

// decodeWrite is the start of a write import name: refused outside a
// write transaction (writeTx), else its request req decoded into v.
func (f *frame) decodeWrite(name string, req []byte, v any) error {
	if err := f.writeTx(name); err != nil {
		return err
	}
	return decode(name, req, v)
}

// user returns the user id of a request naming userID: the caller when 0,
// else a user of the call's tenant (a 4004 otherwise).
func (f *frame) user(ctx context.Context, tx *store.Tx, userID int64) (abi.Caller, error) {
	if userID == 0 || userID == f.call.Caller.UserID {
		return f.call.Caller, nil
	}
	us, err := tx.UsersByID(ctx, f.call.Tenant, []int64{userID})
	if err != nil {
		return abi.Caller{}, err
	}
	u, ok := us[userID]
	if !ok {
		return abi.Caller{}, abi.ErrNotFound()
	}
	return abi.Caller{UserID: u.ID, Username: u.Username}, nil
}

// coreImport is the import name of abi.CoreImports, which runs op's core.
func coreImport(name, op string) importFunc {
	return func(ctx context.Context, f *frame, req []byte) (any, error) {
		if err := f.writeTx(name); err != nil {
			return nil, err
		}
		if f.call.Core == nil {
			return nil, &abi.Error{Code: abi.CodeInternal, Detail: name + " is not available on this host"}
		}
		var r abi.CoreRequest
		if err := decode(name, req, &r); err != nil {
			return nil, err
		}
		if len(r.Args) == 0 {
			return nil, badRequest("%s: missing args", name)
		}
		out, err := txValue(ctx, f, true, func(tx *store.Tx) (json.RawMessage, error) {
			u, err := f.user(ctx, tx, r.UserID)
			if err != nil {
				return nil, err
			}
			return f.call.Core(ctx, tx, f.call.Tenant, u, op, r.Args)
		})
		if err != nil {
			return nil, err
		}
		return json.RawMessage(out), nil
	}
}

func apiMessage(m store.Message) abi.Message {
	return abi.Message{
		ID: m.ID, RoomID: m.RoomID, SenderID: m.SenderID, Content: m.Content, IsDeleted: m.IsDeleted,
		IsEdited: m.IsEdited, IsForwarded: m.IsForwarded, ParentMessageID: m.ParentMessageID,
		ForwardedFromID: m.ForwardedFromID, CreatedAt: apiTime(m.CreatedAt), UpdatedAt: apiTime(m.UpdatedAt),
	}
}

// importRoomMessages is room_messages: a page of a room of the tenant.
func importRoomMessages(ctx context.Context, f *frame, req []byte) (any, error) {
	var r abi.RoomMessagesRequest
	if err := decode(abi.ImportRoomMessages, req, &r); err != nil {
		return nil, err
	}
	if r.Limit < 0 || r.Limit > abi.RoomMessagesMax || r.Offset < 0 {
		return nil, badRequest("room_messages: limit must be 0 to %d and offset at least 0", abi.RoomMessagesMax)
	}
	if r.Limit == 0 {
		r.Limit = abi.RoomMessagesMax
	}
	return txValue(ctx, f, false, func(tx *store.Tx) ([]abi.Message, error) {
		rm, err := tx.GetRoom(ctx, f.call.Tenant, r.RoomID, false)
		if err != nil {
			return nil, err
		}
		ms, err := tx.RoomMessages(ctx, rm.ID, r.Limit, r.Offset)
		out := make([]abi.Message, len(ms))
		for i, m := range ms {
			out[i] = apiMessage(m)
		}
		return out, err
	})
}

// importUserRooms is user_rooms: the rooms of a user of the tenant.
func importUserRooms(ctx context.Context, f *frame, req []byte) (any, error) {
	var r abi.UserRoomsRequest
	if err := decode(abi.ImportUserRooms, req, &r); err != nil {
		return nil, err
	}
	return txValue(ctx, f, false, func(tx *store.Tx) ([]abi.Room, error) {
		u, err := f.user(ctx, tx, r.UserID)
		if err != nil {
			return nil, err
		}
		rms, err := tx.RoomsOfUser(ctx, u.UserID)
		out := make([]abi.Room, 0, len(rms))
		for _, rm := range rms {
			if rm.Tenant == f.call.Tenant {
				out = append(out, apiRoom(rm))
			}
		}
		return out, err
	})
}

// notificationTypes are the types of the chat notifications the host
// makes (store.Notify*).
var notificationTypes = []string{store.NotifyNewMessage, store.NotifyReply, store.NotifyReaction}

// importNotificationCreate is notification_create.
func importNotificationCreate(ctx context.Context, f *frame, req []byte) (any, error) {
	const name = abi.ImportNotificationCreate
	var r abi.NotificationCreate
	if err := f.decodeWrite(name, req, &r); err != nil {
		return nil, err
	}
	if !slices.Contains(notificationTypes, r.Type) {
		return nil, badRequest("%s: type must be one of %v", name, notificationTypes)
	}
	recipients := slices.Clone(r.Recipients)
	slices.Sort(recipients)
	recipients = slices.Compact(recipients)
	if len(recipients) == 0 {
		return nil, badRequest("%s: no recipients", name)
	}
	id, err := txValue(ctx, f, true, func(tx *store.Tx) (string, error) {
		m, err := tx.GetMessage(ctx, f.call.Tenant, r.MessageID)
		if err != nil {
			return "", err
		}
		us, err := tx.UsersByID(ctx, f.call.Tenant, recipients)
		if err != nil {
			return "", err
		}
		if len(us) != len(recipients) {
			return "", abi.ErrNotFound()
		}
		n, err := tx.CreateNotification(ctx, m.ID, r.Type, recipients)
		return n.ID, err
	})
	if err != nil {
		return nil, err
	}
	return map[string]string{"notification_id": id}, nil
}

// importNotificationRead is notification_read.
func importNotificationRead(ctx context.Context, f *frame, req []byte) (any, error) {
	const name = abi.ImportNotificationRead
	var r abi.NotificationRead
	if err := f.decodeWrite(name, req, &r); err != nil {
		return nil, err
	}
	err := f.withTx(ctx, true, func(tx *store.Tx) error {
		u, err := f.user(ctx, tx, r.UserID)
		if err != nil {
			return err
		}
		ms, err := tx.MessagesInTenant(ctx, f.call.Tenant, r.MessageIDs)
		if err != nil {
			return err
		}
		ids := make([]string, 0, len(ms))
		for id := range ms {
			ids = append(ids, id)
		}
		slices.Sort(ids)
		return tx.AckNotifications(ctx, ids, u.UserID)
	})
	if err != nil {
		return nil, err
	}
	return struct{}{}, nil
}
