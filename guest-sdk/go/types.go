package chatwasm

import "github.com/chatwasm/chatwasm/abi"

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
	// SerializeArgs are the arguments of a serializer hook, which returns
	// an object of fields to add.
	SerializeArgs = abi.SerializeArgs
)

// The room kinds, as Room.Type and RoomRecord.Kind name them.
const (
	OneToOneChat = "OneToOneChat"
	GroupChat    = "GroupChat"
	Channel      = "Channel"
)
