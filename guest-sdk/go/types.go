package chatwasm

import (
	"github.com/chatwasm/chatwasm/abi"
	"github.com/chatwasm/chatwasm/abi/payload"
)

// The payloads of package abi that modules use as they are.
type (
	// User is a user as clients see it, and the result of Call.User.
	User = abi.User
	// RoomRecord is a stored room, the result of Call.Room. Kind is
	// "OneToOneChat", "GroupChat" or "Channel".
	RoomRecord = abi.Room
	// MessageRecord is a stored message, the result of Call.Message.
	MessageRecord = abi.Message
	// Member is a room member, an element of Call.Members' result.
	Member = abi.Member
	// KVEntry is an element of Call.KVList's result.
	KVEntry = abi.KVEntry

	// PermissionArgs are the arguments of a permission hook.
	PermissionArgs = abi.PermissionArgs
	// Decision is what a permission hook returns.
	Decision = abi.Decision
	// ExceptionArgs are the arguments of the exception hook
	// (handle_exception), which returns an *Error.
	ExceptionArgs = abi.ExceptionArgs
	// Resolved is what the host resolved of a permission hook's request
	// (PermissionArgs.Resolved): the room, its kind, the caller's role in
	// it, the message ids.
	Resolved = abi.Resolved
	// SerializeArgs are the arguments of a serializer hook, which returns
	// an object of fields to add.
	SerializeArgs = abi.SerializeArgs
)

// The objects clients see, as operations take and return them (package
// abi/payload declares them). Message and Room keep the fields they do not
// know in Extra and write them back.
type (
	// Message is a serialized message: what create_message returns and
	// message.dispatch broadcasts.
	Message = payload.Message
	// MessageRoom is the room of a serialized message: its id only.
	MessageRoom = payload.MessageRoom
	// ReadReceipt is a serialized read receipt.
	ReadReceipt = payload.ReadReceipt
	// Reaction is a serialized reaction.
	Reaction = payload.Reaction
	// Attachment is a serialized media attachment of a message.
	Attachment = payload.Attachment
	// Room is a serialized room, in its detail form (what join_room,
	// create_room and retreive_room return) or its list form (list_rooms).
	Room = payload.Room
	// RoomProperty is a room's free-form settings.
	RoomProperty = payload.RoomProperty
	// Notification is a serialized chat notification (render_notification).
	Notification = payload.Notification
	// NotificationGroup is one room's pending notifications.
	NotificationGroup = payload.NotificationGroup
	// NotificationGroups is what get_and_group_chat_notifications returns:
	// an object from room id to notifications, in order.
	NotificationGroups = payload.NotificationGroups
)

// The arguments and results of the operations' hooks (package abi/payload
// lists which operation takes and returns which).
type (
	// CreateMessageArgs are the arguments of create_message and
	// _create_message: message.send's data, validated, for the room whose
	// send permission was checked.
	CreateMessageArgs = payload.CreateMessageArgs
	// MediaArgs is one validated attachment of message.send.
	MediaArgs = payload.MediaArgs
	// ReactArgs are the arguments of react_to_message.
	ReactArgs = payload.ReactArgs
	// ReactResult is what react_to_message returns.
	ReactResult = payload.ReactResult
	// AcknowledgeArgs are the arguments of message_acknowledged, which
	// returns []SenderMessages.
	AcknowledgeArgs = payload.AcknowledgeArgs
	// SenderMessages are the acknowledged messages of one sender.
	SenderMessages = payload.SenderMessages
	// ModifyMessageArgs are the arguments of modify_message.
	ModifyMessageArgs = payload.ModifyMessageArgs
	// ModifyMessageResult is what modify_message returns.
	ModifyMessageResult = payload.ModifyMessageResult
	// ReadReceiptArgs are the arguments of create_read_receipt, which
	// returns []RoomMessages.
	ReadReceiptArgs = payload.ReadReceiptArgs
	// RoomMessages are the messages of one room.
	RoomMessages = payload.RoomMessages
	// HistoryArgs are the arguments of retreive_messages.
	HistoryArgs = payload.HistoryArgs
	// PageRequest is the page of history asked for.
	PageRequest = payload.PageRequest
	// HistoryResult is what retreive_messages returns.
	HistoryResult = payload.HistoryResult
	// PageInfo is the pagination part of a HistoryResult.
	PageInfo = payload.PageInfo
	// HistoryData is a room's history, newest first.
	HistoryData = payload.HistoryData

	// RoomArgs are the arguments of the operations on one room: join_room,
	// leave_room, retreive_room (and their replace hooks).
	RoomArgs = payload.RoomArgs
	// ListRoomsArgs are the arguments of list_rooms, which returns []Room.
	ListRoomsArgs = payload.ListRoomsArgs
	// CreateRoomArgs are the arguments of create_room: room.create's data,
	// validated. Members are the user ids asked for besides the creator.
	CreateRoomArgs = payload.CreateRoomArgs
	// MembersArgs are the arguments of add_members_to_room and
	// remove_members_from_room.
	MembersArgs = payload.MembersArgs
	// MembersResult is what add_members_to_room and
	// remove_members_from_room return: the users added or removed, and the
	// room after the change.
	MembersResult = payload.MembersResult
	// ModifyRoomArgs are the arguments of modify_room; Data is the frame's
	// data as the client sent it, for an action a module adds.
	ModifyRoomArgs = payload.ModifyRoomArgs
	// ModifyRoomResult is what modify_room returns: the room after the
	// change, or Deleted with the former members.
	ModifyRoomResult = payload.ModifyRoomResult

	// RegisterSessionArgs are the arguments of register_session, which
	// returns the new Session.
	RegisterSessionArgs = payload.RegisterSessionArgs
	// Session is a connection's session, the result of register_session.
	Session = payload.Session
	// UpdateSessionArgs are the arguments of update_session.
	UpdateSessionArgs = payload.UpdateSessionArgs
	// UpdateSessionResult is what update_session returns: nothing.
	UpdateSessionResult = payload.UpdateSessionResult
	// SessionsArgs are the arguments of get_active_sessions and
	// get_expired_sessions, which return channel names ([]string).
	SessionsArgs = payload.SessionsArgs
	// NotificationsArgs are the arguments of
	// get_and_group_chat_notifications, which returns NotificationGroups.
	NotificationsArgs = payload.NotificationsArgs
	// CreateNotificationArgs are the arguments of create_chat_notification
	// (run inside create_message and react_to_message), which returns the
	// users notified ([]int64, nil when none).
	CreateNotificationArgs = payload.CreateNotificationArgs
	// UpdateNotificationArgs are the arguments of update_chat_notification
	// (run inside message_acknowledged), which returns the message ids
	// ([]string).
	UpdateNotificationArgs = payload.UpdateNotificationArgs
)

// The roles of a user in a room (CreateMessageArgs.SenderRole,
// Resolved.Role).
const (
	RoleCreator    = abi.RoleCreator
	RoleAdmin      = abi.RoleAdmin
	RoleModerator  = abi.RoleModerator
	RoleMember     = abi.RoleMember
	RoleSubscriber = abi.RoleSubscriber
	RoleNone       = abi.RoleNone
)

// The kinds of error handle_exception sees (ExceptionArgs.Kind).
const (
	ErrKindPermission  = abi.ErrKindPermission
	ErrKindValidation  = abi.ErrKindValidation
	ErrKindNotFound    = abi.ErrKindNotFound
	ErrKindIntegrity   = abi.ErrKindIntegrity
	ErrKindInternal    = abi.ErrKindInternal
	ErrKindError       = abi.ErrKindError
	ErrKindModuleError = abi.ErrKindModuleError
	ErrKindModuleFault = abi.ErrKindModuleFault
	ErrKindModuleBusy  = abi.ErrKindModuleBusy
)

// The room kinds, as Room.Type and RoomRecord.Kind name them.
const (
	OneToOneChat = payload.OneToOneChat
	GroupChat    = payload.GroupChat
	Channel      = payload.Channel
)
