package abi

import "encoding/json"

// ImportModule is the wasm import module of chatwasm's host functions; the
// Extism kernel functions live in "extism:host/env".
const ImportModule = "extism:host/user"

// Capabilities, granted per module by the deployment's module file. A module
// calling an import it was not granted gets a failed call (result 0), never
// a crash.
const (
	CapRoomsRead     = "rooms.read"    // room_get, room_property, render_room, user_rooms
	CapMembersRead   = "members.read"  // room_members
	CapMembersWrite  = "members.write" // members_add, members_remove (replace hooks and actions)
	CapMessagesRead  = "messages.read" // message_get, render_message, render_notification, room_messages
	CapUsersRead     = "users.read"    // user_get, render_user
	CapKV            = "kv"            // kv_get, kv_set, kv_delete, kv_list
	CapEventsEmit    = "events.emit"   // emit
	CapLog           = "log"           // log
	CapClock         = "clock"         // WASI's real wall and monotonic clocks and real sleeps (else a fake clock from 2022)
	CapRandom        = "random"        // WASI's real random source (else a fixed deterministic one)
	CapAll           = "*"             // every capability
	capNone          = ""              // next needs none
	replaceLayerOnly = true
)

// The write capabilities of the imports that do an operation's writes (see
// CoreImports): replace hooks and actions only, where they join the
// operation's transaction.
const (
	CapMessagesWrite      = "messages.write"      // message_create, message_modify, message_react, receipt_create, delivery_ack
	CapRoomsWrite         = "rooms.write"         // room_create, room_modify
	CapSessionsWrite      = "sessions.write"      // session_register, session_update
	CapNotificationsWrite = "notifications.write" // notification_create, notification_read
)

// Capabilities lists every capability name except CapAll.
func Capabilities() []string {
	return []string{CapRoomsRead, CapMembersRead, CapMembersWrite, CapMessagesRead, CapUsersRead, CapKV,
		CapEventsEmit, CapLog, CapClock, CapRandom, CapMessagesWrite, CapRoomsWrite, CapSessionsWrite,
		CapNotificationsWrite}
}

// Import is one chatwasm host function. Every import has the Extism host
// function shape (i64) -> i64: it takes the kernel offset of a JSON request
// and returns the kernel offset of its JSON result, never empty. A result of
// 0 means the call failed: LastErrorImport says why. For next, the result is
// the output of the rest of the chain and the error the one it failed with.
type Import struct {
	Name string
	// Capability is the capability a module needs to call it ("" for none).
	Capability string
	// ReplaceOnly imports work only where the call runs in a write
	// transaction they join: the replace layer of an operation that writes,
	// and actions.
	ReplaceOnly bool
}

// The import names.
const (
	ImportNext               = "next"
	ImportRoomGet            = "room_get"
	ImportRoomProperty       = "room_property"
	ImportRoomMembers        = "room_members"
	ImportMembersAdd         = "members_add"
	ImportMembersRemove      = "members_remove"
	ImportMessageGet         = "message_get"
	ImportUserGet            = "user_get"
	ImportRenderRoom         = "render_room"
	ImportRenderMessage      = "render_message"
	ImportRenderUser         = "render_user"
	ImportRenderNotification = "render_notification"
	ImportKVGet              = "kv_get"
	ImportKVSet              = "kv_set"
	ImportKVDelete           = "kv_delete"
	ImportKVList             = "kv_list"
	ImportEmit               = "emit"
	ImportLog                = "log"
	// The reads a replacement needs (see RoomMessagesRequest,
	// UserRoomsRequest).
	ImportRoomMessages = "room_messages"
	ImportUserRooms    = "user_rooms"
	// The imports that run an operation's default core (CoreImports).
	ImportMessageCreate   = "message_create"
	ImportMessageModify   = "message_modify"
	ImportMessageReact    = "message_react"
	ImportReceiptCreate   = "receipt_create"
	ImportDeliveryAck     = "delivery_ack"
	ImportRoomCreate      = "room_create"
	ImportRoomModify      = "room_modify"
	ImportSessionRegister = "session_register"
	ImportSessionUpdate   = "session_update"
	// The notification writes (NotificationCreate, NotificationRead).
	ImportNotificationCreate = "notification_create"
	ImportNotificationRead   = "notification_read"
)

// Imports lists every chatwasm host import.
func Imports() []Import {
	return []Import{
		{Name: ImportNext, Capability: capNone},
		{Name: ImportRoomGet, Capability: CapRoomsRead},
		{Name: ImportRoomProperty, Capability: CapRoomsRead},
		{Name: ImportRoomMembers, Capability: CapMembersRead},
		{Name: ImportMembersAdd, Capability: CapMembersWrite, ReplaceOnly: replaceLayerOnly},
		{Name: ImportMembersRemove, Capability: CapMembersWrite, ReplaceOnly: replaceLayerOnly},
		{Name: ImportMessageGet, Capability: CapMessagesRead},
		{Name: ImportUserGet, Capability: CapUsersRead},
		{Name: ImportRenderRoom, Capability: CapRoomsRead},
		{Name: ImportRenderMessage, Capability: CapMessagesRead},
		{Name: ImportRenderUser, Capability: CapUsersRead},
		{Name: ImportRenderNotification, Capability: CapMessagesRead},
		{Name: ImportKVGet, Capability: CapKV},
		{Name: ImportKVSet, Capability: CapKV},
		{Name: ImportKVDelete, Capability: CapKV},
		{Name: ImportKVList, Capability: CapKV},
		{Name: ImportEmit, Capability: CapEventsEmit},
		{Name: ImportLog, Capability: CapLog},
		{Name: ImportRoomMessages, Capability: CapMessagesRead},
		{Name: ImportUserRooms, Capability: CapRoomsRead},
		{Name: ImportMessageCreate, Capability: CapMessagesWrite, ReplaceOnly: replaceLayerOnly},
		{Name: ImportMessageModify, Capability: CapMessagesWrite, ReplaceOnly: replaceLayerOnly},
		{Name: ImportMessageReact, Capability: CapMessagesWrite, ReplaceOnly: replaceLayerOnly},
		{Name: ImportReceiptCreate, Capability: CapMessagesWrite, ReplaceOnly: replaceLayerOnly},
		{Name: ImportDeliveryAck, Capability: CapMessagesWrite, ReplaceOnly: replaceLayerOnly},
		{Name: ImportRoomCreate, Capability: CapRoomsWrite, ReplaceOnly: replaceLayerOnly},
		{Name: ImportRoomModify, Capability: CapRoomsWrite, ReplaceOnly: replaceLayerOnly},
		{Name: ImportSessionRegister, Capability: CapSessionsWrite, ReplaceOnly: replaceLayerOnly},
		{Name: ImportSessionUpdate, Capability: CapSessionsWrite, ReplaceOnly: replaceLayerOnly},
		{Name: ImportNotificationCreate, Capability: CapNotificationsWrite, ReplaceOnly: replaceLayerOnly},
		{Name: ImportNotificationRead, Capability: CapNotificationsWrite, ReplaceOnly: replaceLayerOnly},
	}
}

// CoreImports maps each import that runs an operation's default core to
// that operation (an Op*). Its request is a CoreRequest carrying the
// operation's args; its result is what the core returns, the operation's
// result as its replace hook returns it.
func CoreImports() map[string]string {
	return map[string]string{
		ImportMessageCreate:   OpCreateMessage,
		ImportMessageModify:   OpModifyMessage,
		ImportMessageReact:    OpReactToMessage,
		ImportReceiptCreate:   OpCreateReadReceipt,
		ImportDeliveryAck:     OpMessageAcknowledged,
		ImportRoomCreate:      OpCreateRoom,
		ImportRoomModify:      OpModifyRoom,
		ImportSessionRegister: OpRegisterSession,
		ImportSessionUpdate:   OpUpdateSession,
	}
}

// LastErrorImport is the runtime's import (module ImportModule, () -> i64)
// that returns the kernel offset of the message of the last failed import
// call: the JSON of an Error for chatwasm's imports' own failures, plain
// text when the host refused the call (a capability not granted).
const LastErrorImport = "chatwasm_last_error"

// Requests and results of the data imports.

// RoomRef names a room: the request of room_get, room_property,
// room_members.
type RoomRef struct {
	RoomID string `json:"room_id"`
}

// RenderRoomRequest is the request of render_room; Form is "detail" (the
// default) or "list" (as seen by the caller: peer, last_message).
type RenderRoomRequest struct {
	RoomID string `json:"room_id"`
	Form   string `json:"form,omitempty"`
}

// MessageRef names a message: the request of message_get, render_message.
type MessageRef struct {
	MessageID string `json:"message_id"`
}

// UserRef names a user: the request of user_get, render_user.
type UserRef struct {
	UserID int64 `json:"user_id"`
}

// NotificationRef names a notification: the request of render_notification.
type NotificationRef struct {
	NotificationID string `json:"notification_id"`
}

// Room is the result of room_get: the stored room. Kind is "OneToOneChat",
// "GroupChat" or "Channel"; MaxMembers is max_participants or
// max_subscribers; timestamps are RFC 3339 UTC.
type Room struct {
	ID                   string          `json:"id"`
	Kind                 string          `json:"kind"`
	Name                 string          `json:"name"`
	Description          *string         `json:"description"`
	Avatar               *string         `json:"avatar"`
	CreatorID            *int64          `json:"creator_id"`
	MaxMembers           int64           `json:"max_members"`
	IsPublic             bool            `json:"is_public"`
	JoinApprovalRequired bool            `json:"join_approval_required"`
	GroupLocked          bool            `json:"group_locked"`
	Preferences          json.RawMessage `json:"preferences"`
	LastMessageID        *string         `json:"last_message_id"`
	CreatedAt            string          `json:"created_at"`
	UpdatedAt            string          `json:"updated_at"`
}

// Member is an element of room_members' result, ordered by user id.
type Member struct {
	UserID  int64 `json:"user_id"`
	IsAdmin bool  `json:"is_admin"`
}

// MembersChange is the request of members_add (Admin makes them
// admins/moderators) and members_remove. Users of another tenant are
// refused with a 4004. The result is {"count": N}, the number of members
// after the change.
type MembersChange struct {
	RoomID  string  `json:"room_id"`
	UserIDs []int64 `json:"user_ids"`
	Admin   bool    `json:"admin,omitempty"`
}

// Message is the result of message_get: the stored message.
type Message struct {
	ID              string  `json:"id"`
	RoomID          string  `json:"room_id"`
	SenderID        int64   `json:"sender_id"`
	Content         string  `json:"content"`
	IsDeleted       bool    `json:"is_deleted"`
	IsEdited        bool    `json:"is_edited"`
	IsForwarded     bool    `json:"is_forwarded"`
	ParentMessageID *string `json:"parent_message_id"`
	ForwardedFromID *string `json:"forwarded_from_id"`
	CreatedAt       string  `json:"created_at"`
	UpdatedAt       string  `json:"updated_at"`
}

// User is the result of user_get (the wire User shape).
type User struct {
	ID        int64  `json:"id"`
	Username  string `json:"username"`
	Email     string `json:"email"`
	FirstName string `json:"first_name"`
	LastName  string `json:"last_name"`
}

// KVRequest is the request of kv_get, kv_set (with Value, any JSON value),
// kv_delete and kv_list (Key is then a prefix; Limit caps the result, at
// most KVListMax). The store is the module's own, per tenant.
type KVRequest struct {
	Key   string          `json:"key"`
	Value json.RawMessage `json:"value,omitempty"`
	Limit int             `json:"limit,omitempty"`
}

// KVValue is the result of kv_get: Value is null when the key is absent.
type KVValue struct {
	Value json.RawMessage `json:"value"`
}

// KVEntry is an element of kv_list's result, in key order.
type KVEntry struct {
	Key   string          `json:"key"`
	Value json.RawMessage `json:"value"`
}

// Limits of the module key-value store.
const (
	KVKeyMax   = 256
	KVValueMax = 64 << 10
	KVListMax  = 1000
)

// LogRequest is the request of log: Level is "debug", "info", "warn" or
// "error"; Attrs are added to the log record.
type LogRequest struct {
	Level   string         `json:"level"`
	Message string         `json:"message"`
	Attrs   map[string]any `json:"attrs,omitempty"`
}

// CoreRequest is the request of the imports that run an operation's
// default core (CoreImports): Args are the operation's args, as its replace
// hook receives them, and UserID the user it runs for (the caller when 0),
// who must be a user of the tenant. The core checks them as it checks what
// a module passes to next: the ids in Args must exist in the tenant and pass
// the operation's default permission rule for that user.
type CoreRequest struct {
	UserID int64           `json:"user_id,omitempty"`
	Args   json.RawMessage `json:"args"`
}

// RoomMessagesRequest is the request of room_messages: a page of a room's
// messages that are not soft-deleted, newest first. Limit is at most
// RoomMessagesMax (the default when 0). The result is []Message.
type RoomMessagesRequest struct {
	RoomID string `json:"room_id"`
	Limit  int64  `json:"limit,omitempty"`
	Offset int64  `json:"offset,omitempty"`
}

// RoomMessagesMax is the largest page room_messages returns.
const RoomMessagesMax = 100

// UserRoomsRequest is the request of user_rooms: the rooms a user of the
// tenant (the caller when 0) is a member of, in room.list's order. The
// result is []Room.
type UserRoomsRequest struct {
	UserID int64 `json:"user_id,omitempty"`
}

// NotificationCreate is the request of notification_create: a chat
// notification of Type ("NEW_MESSAGE", "REPLY" or "REACTION") about a
// message of the tenant, for Recipients, users of the tenant (at least
// one). The result is {"notification_id": id}.
type NotificationCreate struct {
	MessageID  string  `json:"message_id"`
	Type       string  `json:"type"`
	Recipients []int64 `json:"recipients"`
}

// NotificationRead is the request of notification_read: UserID (the caller
// when 0), a user of the tenant, has seen the notifications of the messages
// MessageIDs, as a read receipt acknowledges them: they no longer reach that
// user, and one left without recipients is deleted. Ids that name no
// message of the tenant are ignored. The result is {}.
type NotificationRead struct {
	UserID     int64    `json:"user_id,omitempty"`
	MessageIDs []string `json:"message_ids"`
}
