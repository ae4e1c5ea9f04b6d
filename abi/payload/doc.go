// Package payload declares the JSON payloads of the chatwasm operations: the
// args an operation's extend and replace hooks receive, what they return,
// and the messages, rooms and notifications inside them, in the shapes the
// host writes (abi/README.md, "The call envelope", lists them with
// examples).
//
// It is the one Go declaration of these shapes: the host's operations
// (host/chat) take these args and return these results, with the messages,
// rooms and notifications in them, and the Go guest SDK (guest-sdk/go)
// exposes them, under the same names, through type aliases. Message and
// Room write their JSON in one pass (AppendJSON), the bytes json.Marshal
// writes (FuzzMessageJSON, FuzzRoomJSON).
// Like package abi it uses the standard library only, so that modules built
// with GOOS=wasip1 GOARCH=wasm can import it.
//
// Timestamps are strings, as the wire carries them (RFC 3339 in UTC, with a
// microsecond fraction when it is not zero), and room kinds are the strings
// OneToOneChat, GroupChat and Channel. A room a module returns may have
// any RFC 3339 time: the host reads it in the form of its place in the
// output and rewrites its times in that format, and fails the request on
// one that is not a time.
//
// A Message or a Room a module decodes may carry fields this package does
// not name: those a serializer module added, or those of a newer host. They
// are kept in the object's Extra and written back after the named fields,
// so a hook that decodes an object and returns it loses nothing.
//
// The operations and their payloads (args → result):
//
//	create_message                    CreateMessageArgs → *Message
//	react_to_message                  ReactArgs → ReactResult
//	message_acknowledged              AcknowledgeArgs → []SenderMessages
//	modify_message                    ModifyMessageArgs → ModifyMessageResult
//	create_read_receipt               ReadReceiptArgs → []RoomMessages
//	retreive_messages                 HistoryArgs → HistoryResult
//	create_room                       CreateRoomArgs → Room (detail form)
//	list_rooms                        ListRoomsArgs → []Room (list form)
//	retreive_room, join_room          RoomArgs → Room (detail form)
//	leave_room                        RoomArgs → *Room (nil: the room was deleted)
//	add_members_to_room               MembersArgs → MembersResult
//	remove_members_from_room          MembersArgs → MembersResult
//	modify_room                       ModifyRoomArgs → ModifyRoomResult
//	register_session                  RegisterSessionArgs → Session
//	get_active_sessions               SessionsArgs → []string
//	get_expired_sessions              SessionsArgs → []string
//	update_session                    UpdateSessionArgs → UpdateSessionResult
//	get_and_group_chat_notifications  NotificationsArgs → NotificationGroups
//	create_chat_notification          CreateNotificationArgs → []int64
//	update_chat_notification          UpdateNotificationArgs → []string
package payload
