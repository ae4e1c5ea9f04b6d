package chatwasm

import (
	"fmt"

	"github.com/chatwasm/chatwasm/abi"
)

// The write imports let a replace hook do its operation's whole job without
// next. Each Call method below runs one operation's default core for
// userID, a user of the tenant (the caller when 0), in the operation's
// transaction: the ids in args must exist in the tenant and pass the
// operation's default permission rule for that user, and everything it
// writes commits or rolls back with the operation. They work only in
// replace hooks of operations that write, and in actions; a refusal is an
// *Error with the core's code (4002 to 4005), which the module may handle.
// Whatever a replace hook returns must name messages and rooms that exist:
// return what these methods return.

// runCore calls the core import name with args for userID.
func runCore[T any](name string, userID int64, args any) (T, error) {
	var v T
	raw, err := encode(args)
	if err != nil {
		return v, fmt.Errorf("chatwasm: %s: %w", name, err)
	}
	err = invoke(name, abi.CoreRequest{UserID: userID, Args: raw}, &v)
	return v, err
}

// CreateMessage stores a message as _create_message's default does (the
// sender userID must be allowed to send to the room; the content is
// sanitised; the room's other members are notified) and returns it as
// stored (capability messages.write).
func (c Call) CreateMessage(userID int64, args CreateMessageArgs) (Message, error) {
	return runCore[Message](abi.ImportMessageCreate, userID, args)
}

// ModifyMessage edits or deletes messages of userID as _modify_message's
// default does (capability messages.write).
func (c Call) ModifyMessage(userID int64, args ModifyMessageArgs) (ModifyMessageResult, error) {
	return runCore[ModifyMessageResult](abi.ImportMessageModify, userID, args)
}

// React adds or removes userID's reaction to a message as
// _react_to_message's default does (capability messages.write).
func (c Call) React(userID int64, args ReactArgs) (ReactResult, error) {
	return runCore[ReactResult](abi.ImportMessageReact, userID, args)
}

// CreateReadReceipts marks messages read by userID as
// _create_read_receipt's default does (capability messages.write).
func (c Call) CreateReadReceipts(userID int64, args ReadReceiptArgs) ([]RoomMessages, error) {
	return runCore[[]RoomMessages](abi.ImportReceiptCreate, userID, args)
}

// AcknowledgeDelivery marks messages delivered to userID as
// _message_acknowledged's default does (capability messages.write).
func (c Call) AcknowledgeDelivery(userID int64, args AcknowledgeArgs) ([]SenderMessages, error) {
	return runCore[[]SenderMessages](abi.ImportDeliveryAck, userID, args)
}

// CreateRoom creates a room for userID as _create_room's default does
// (capability rooms.write).
func (c Call) CreateRoom(userID int64, args CreateRoomArgs) (Room, error) {
	return runCore[Room](abi.ImportRoomCreate, userID, args)
}

// ModifyRoom updates or deletes a room, or changes its admins, for userID
// as _modify_room's default does (capability rooms.write).
func (c Call) ModifyRoom(userID int64, args ModifyRoomArgs) (ModifyRoomResult, error) {
	return runCore[ModifyRoomResult](abi.ImportRoomModify, userID, args)
}

// RegisterSession stores a session of userID as _register_session's
// default does (capability sessions.write).
func (c Call) RegisterSession(userID int64, args RegisterSessionArgs) (Session, error) {
	return runCore[Session](abi.ImportSessionRegister, userID, args)
}

// UpdateSession marks the caller's session seen as _update_session's
// default does (capability sessions.write).
func (c Call) UpdateSession(args UpdateSessionArgs) error {
	_, err := runCore[UpdateSessionResult](abi.ImportSessionUpdate, 0, args)
	return err
}

// CreateNotification stores a chat notification of typ ("NEW_MESSAGE",
// "REPLY" or "REACTION") about a message for recipients and returns its id
// (capability notifications.write).
func (c Call) CreateNotification(messageID, typ string, recipients []int64) (string, error) {
	res, err := get[struct {
		ID string `json:"notification_id"`
	}](abi.ImportNotificationCreate, abi.NotificationCreate{MessageID: messageID, Type: typ, Recipients: recipients})
	return res.ID, err
}

// ReadNotifications acknowledges, for userID, the notifications of
// messageIDs, as a read receipt does (capability notifications.write).
func (c Call) ReadNotifications(userID int64, messageIDs []string) error {
	return invoke(abi.ImportNotificationRead, abi.NotificationRead{UserID: userID, MessageIDs: messageIDs}, nil)
}

// RoomMessagesPage returns up to limit (at most abi.RoomMessagesMax; 0 for
// that many) of a room's messages that are not soft-deleted, newest first,
// skipping offset (capability messages.read).
func (c Call) RoomMessagesPage(roomID string, limit, offset int64) ([]MessageRecord, error) {
	return get[[]MessageRecord](abi.ImportRoomMessages, abi.RoomMessagesRequest{RoomID: roomID, Limit: limit, Offset: offset})
}

// UserRooms returns the rooms userID (the caller when 0) is a member of, in
// room.list's order (capability rooms.read).
func (c Call) UserRooms(userID int64) ([]RoomRecord, error) {
	return get[[]RoomRecord](abi.ImportUserRooms, abi.UserRoomsRequest{UserID: userID})
}
