package abi

import "strings"

// The EventHandler operations of the reference (docs/protocol.md §5.1), spelling
// (retreive_*) included. A module hooks an operation by exporting its name
// (the extend layer) or its name prefixed with "_" (the replace layer).
const (
	OpCreateMessage         = "create_message"
	OpReactToMessage        = "react_to_message"
	OpMessageAcknowledged   = "message_acknowledged"
	OpModifyMessage         = "modify_message"
	OpCreateReadReceipt     = "create_read_receipt"
	OpRetreiveMessages      = "retreive_messages"
	OpCreateRoom            = "create_room"
	OpListRooms             = "list_rooms"
	OpRetreiveRoom          = "retreive_room"
	OpAddMembersToRoom      = "add_members_to_room"
	OpRemoveMembersFromRoom = "remove_members_from_room"
	OpLeaveRoom             = "leave_room"
	OpJoinRoom              = "join_room"
	OpModifyRoom            = "modify_room"
	OpRegisterSession       = "register_session"
	OpGetActiveSessions     = "get_active_sessions"
	OpGetExpiredSessions    = "get_expired_sessions"
	OpUpdateSession         = "update_session"
	OpGetAndGroupNotifs     = "get_and_group_chat_notifications"
	// OpCreateChatNotification and OpUpdateChatNotification run inside
	// another operation's transaction, as the reference's EventHandler
	// calls them: create_chat_notification in create_message and
	// react_to_message (who is notified of the new message or reaction, and
	// how), update_chat_notification in message_acknowledged (taking the
	// caller off the notifications of the messages they acknowledge).
	OpCreateChatNotification = "create_chat_notification"
	OpUpdateChatNotification = "update_chat_notification"
)

// Operations lists every operation, in the reference's order.
func Operations() []string {
	return []string{
		OpCreateMessage, OpReactToMessage, OpMessageAcknowledged, OpModifyMessage, OpCreateReadReceipt,
		OpRetreiveMessages, OpCreateRoom, OpListRooms, OpRetreiveRoom, OpAddMembersToRoom,
		OpRemoveMembersFromRoom, OpLeaveRoom, OpJoinRoom, OpModifyRoom, OpRegisterSession,
		OpGetActiveSessions, OpGetExpiredSessions, OpUpdateSession, OpGetAndGroupNotifs,
		OpCreateChatNotification, OpUpdateChatNotification,
	}
}

// The permission hooks: the PermissionHandler methods (docs/protocol.md §5.2).
const (
	PermRoom              = "have_room_permission"
	PermMessage           = "have_message_permission"
	PermMessageSender     = "is_message_sender"
	PermAddRemoveMembers  = "have_room_permissions_to_add_or_remove_members"
	PermSendMessage       = "have_send_message_permission"
	PermAdminPrivileges   = "have_admin_privileges"
	ExceptionHook         = "handle_exception"
	SerializeMessageHook  = "serialize_message"
	SerializeRoomHook     = "serialize_room"
	actionPrefix          = "action_"
	replacePrefix         = "_"
	maxActionEventTypeLen = 128
)

// PermissionHooks lists the permission hooks.
func PermissionHooks() []string {
	return []string{PermRoom, PermMessage, PermMessageSender, PermAddRemoveMembers, PermSendMessage, PermAdminPrivileges}
}

// Kind is what a hook is for; it decides what the hook returns and which
// host imports it may use.
type Kind int

// The hook kinds.
const (
	// Extend wraps a whole operation (outside its transaction) and returns
	// the operation's output.
	Extend Kind = iota + 1
	// Replace wraps an operation's core inside its transaction and returns
	// the operation's output.
	Replace
	// Permission decides a permission check and returns a Decision.
	Permission
	// Exception maps an error and returns an Error.
	Exception
	// Action handles a custom client event_type.
	Action
	// Serializer returns fields to add to a serialized object.
	Serializer
)

// String names the kind as the README does.
func (k Kind) String() string {
	switch k {
	case Extend:
		return "extend"
	case Replace:
		return "replace"
	case Permission:
		return "permission"
	case Exception:
		return "exception"
	case Action:
		return "action"
	case Serializer:
		return "serializer"
	}
	return "unknown"
}

// Hook is a parsed hook name.
type Hook struct {
	// Name is the export name, e.g. "_create_message".
	Name string
	Kind Kind
	// Subject is the operation of an Extend or Replace hook
	// ("create_message") and the event type of an Action ("message.pin").
	Subject string
}

var fixedHooks = func() map[string]Hook {
	m := make(map[string]Hook, 64)
	for _, op := range Operations() {
		m[op] = Hook{Name: op, Kind: Extend, Subject: op}
		m[replacePrefix+op] = Hook{Name: replacePrefix + op, Kind: Replace, Subject: op}
	}
	for _, p := range PermissionHooks() {
		m[p] = Hook{Name: p, Kind: Permission, Subject: p}
	}
	m[ExceptionHook] = Hook{Name: ExceptionHook, Kind: Exception}
	m[SerializeMessageHook] = Hook{Name: SerializeMessageHook, Kind: Serializer, Subject: "message"}
	m[SerializeRoomHook] = Hook{Name: SerializeRoomHook, Kind: Serializer, Subject: "room"}
	return m
}()

// ExtendHook is the extend-layer export of an operation.
func ExtendHook(op string) string { return op }

// ReplaceHook is the replace-layer export of an operation.
func ReplaceHook(op string) string { return replacePrefix + op }

// ActionHook is the export that handles the custom client event eventType,
// e.g. "action_message.pin". Wasm export names may hold any UTF-8, dots
// included, so the event type is used verbatim.
func ActionHook(eventType string) string { return actionPrefix + eventType }

// LookupHook parses an export name; ok is false when it is not a hook.
func LookupHook(name string) (h Hook, ok bool) {
	if h, ok := fixedHooks[name]; ok {
		return h, true
	}
	if et, ok := strings.CutPrefix(name, actionPrefix); ok && validEventType(et) {
		return Hook{Name: name, Kind: Action, Subject: et}, true
	}
	return Hook{}, false
}

// validEventType accepts the event types a client may send for a custom
// action: printable ASCII without spaces or quotes, like "message.pin".
func validEventType(et string) bool {
	if et == "" || len(et) > maxActionEventTypeLen {
		return false
	}
	for i := 0; i < len(et); i++ {
		c := et[i]
		if c <= ' ' || c >= 0x7f || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}

// Hooks filters a module's export list down to its hooks, in export order.
func Hooks(exports []string) []Hook {
	var out []Hook
	for _, e := range exports {
		if h, ok := LookupHook(e); ok {
			out = append(out, h)
		}
	}
	return out
}

// ProtectedFields are the keys of a serialized object that a serializer hook
// can never add or change, by the hook's Subject ("message" or "room"): they
// identify the object or say what state it is in (docs/decisions.md).
func ProtectedFields(subject string) []string {
	switch subject {
	case "message":
		return []string{"id", "room", "sender", "is_deleted", "is_edited"}
	case "room":
		return []string{"id", "type"}
	}
	return nil
}
