package chat

import (
	"context"
	"slices"

	"github.com/chatwasm/chatwasm/abi"
	"github.com/chatwasm/chatwasm/abi/payload"
	"github.com/chatwasm/chatwasm/host/chat/wire"
	"github.com/chatwasm/chatwasm/host/store"
)

// CreateNotificationIn is the input of create_chat_notification: who is
// notified of a new message or reaction, and how. Its result is the users
// notified ([]int64), nil when nothing was stored.
type CreateNotificationIn = payload.CreateNotificationArgs

// UpdateNotificationIn is the input of update_chat_notification: the
// messages whose notifications the caller acknowledged. Its result is
// their ids ([]string).
type UpdateNotificationIn = payload.UpdateNotificationArgs

// createNotification is create_chat_notification, which message.send and
// message.react run inside their transaction (notify).
var createNotification = &operation[CreateNotificationIn, []int64]{
	name: abi.OpCreateChatNotification, write: true, core: (*Service).createNotification}

// updateNotification is update_chat_notification, which
// message.acknowledged runs inside its transaction (ackNotifications).
var updateNotification = &operation[UpdateNotificationIn, []string]{
	name: abi.OpUpdateChatNotification, write: true, core: (*Service).updateNotification}

// notify is create_chat_notification for messageID of roomID, of typ, on
// behalf of call.Caller, inside call.Tx. The calling core vouches for the
// message and its room (it stored or checked it), which it grants to the
// operation. With no module hooking it, it is one insert of the room's
// members but the caller, as before modules could; a module sees those
// members as the recipients and may pass next fewer.
func (s *Service) notify(ctx context.Context, call opCall, roomID, messageID, typ string) error {
	tx, c := call.Tx, call.Caller
	if !s.request(ctx).hooksNested(c.Tenant, createNotification.name) {
		if !s.cfg.Notifications {
			return nil
		}
		return tx.NotifyRoomHeld(ctx, roomID, messageID, typ, c.UserID)
	}
	others, err := membersBut(ctx, tx, roomID, c.UserID)
	if err != nil {
		return err
	}
	in := CreateNotificationIn{MessageID: messageID, RoomID: roomID, NotificationType: typ, UserID: c.UserID,
		Recipients: others}
	_, err = runNested(ctx, s, createNotification, call, grantRoom(roomID, messageID), in)
	return err
}

// createNotification is _create_chat_notification: one notification of
// in's type for the message, whose recipients are in.Recipients that are
// members of the room (the members but in.UserID when nil). Nothing is
// stored, and nil returned, when notifications are off or no one is left
// to notify (such a row could never be delivered nor acknowledged). A
// message and room other than those the calling operation granted must be
// a live message of the tenant in a room of the caller, and the room its
// room.
func (s *Service) createNotification(ctx context.Context, call opCall, in CreateNotificationIn) ([]int64, error) {
	tx, c := call.Tx, call.Caller
	if !call.Grant.message(in.MessageID) || !call.Grant.room(in.RoomID) {
		msgs, err := tx.MessagesInTenant(ctx, c.Tenant, []string{in.MessageID})
		if err != nil {
			return nil, err
		}
		if err := s.regrantLoaded(ctx, opCall{Tx: tx, Caller: c}, msgs, []string{in.MessageID}); err != nil {
			return nil, err
		}
		if msgs[in.MessageID].RoomID != in.RoomID {
			return nil, wire.FieldErrors(map[string][]string{"room_id": {"Not the room of the message."}})
		}
	}
	switch in.NotificationType {
	case store.NotifyNewMessage, store.NotifyReply, store.NotifyReaction:
	default:
		return nil, wire.FieldErrors(map[string][]string{
			"notification_type": {`"` + in.NotificationType + `" is not a valid choice.`}})
	}
	if !s.cfg.Notifications {
		return nil, nil
	}
	var (
		to  []int64
		err error
	)
	if in.Recipients == nil {
		to, err = membersBut(ctx, tx, in.RoomID, in.UserID)
	} else {
		to, err = membersAmong(ctx, tx, in.RoomID, in.Recipients)
	}
	if err != nil || len(to) == 0 {
		return nil, err
	}
	if _, err := tx.CreateNotification(ctx, in.MessageID, in.NotificationType, to); err != nil {
		return nil, err
	}
	return to, nil
}

// membersBut returns the members of roomID but userID, ascending; never
// nil, so that a module sees [] rather than the null of "the default".
func membersBut(ctx context.Context, tx *store.Tx, roomID string, userID int64) ([]int64, error) {
	ids, err := tx.MemberIDs(ctx, roomID)
	if err != nil {
		return nil, err
	}
	out := make([]int64, 0, len(ids))
	for _, id := range ids {
		if id != userID {
			out = append(out, id)
		}
	}
	return out, nil
}

// membersAmong returns the users among ids that are members of roomID,
// ascending, each once.
func membersAmong(ctx context.Context, tx *store.Tx, roomID string, ids []int64) ([]int64, error) {
	members, err := tx.MemberIDs(ctx, roomID)
	if err != nil {
		return nil, err
	}
	var out []int64
	for _, id := range members {
		if slices.Contains(ids, id) {
			out = append(out, id)
		}
	}
	return out, nil
}

// ackNotifications is update_chat_notification for the messages ids,
// which the calling core checked, on behalf of call.Caller inside call.Tx.
// With no module hooking it, it is the one delete it always was.
func (s *Service) ackNotifications(ctx context.Context, call opCall, ids []string) error {
	tx, c := call.Tx, call.Caller
	if !s.request(ctx).hooksNested(c.Tenant, updateNotification.name) {
		if !s.cfg.Notifications {
			return nil
		}
		return tx.AckNotifications(ctx, ids, c.UserID)
	}
	_, err := runNested(ctx, s, updateNotification, call, grantMessages(ids),
		UpdateNotificationIn{MessageIDs: ids, UserID: c.UserID})
	return err
}

// updateNotification is _update_chat_notification: take the caller off the
// notifications of the messages (deleting those left without recipients)
// and return the messages' ids. Only the caller's own notifications can be
// acknowledged; messages the calling operation did not grant must pass
// have_message_permission here.
func (s *Service) updateNotification(ctx context.Context, call opCall, in UpdateNotificationIn) ([]string, error) {
	tx, c := call.Tx, call.Caller
	if in.UserID != c.UserID {
		return nil, wire.FieldErrors(map[string][]string{"user_id": {"Only the caller's notifications can be updated."}})
	}
	if err := s.regrantMessages(ctx, call, in.MessageIDs); err != nil {
		return nil, err
	}
	if s.cfg.Notifications {
		if err := tx.AckNotifications(ctx, in.MessageIDs, c.UserID); err != nil {
			return nil, err
		}
	}
	if in.MessageIDs == nil {
		return []string{}, nil
	}
	return in.MessageIDs, nil
}
