// The exports of the conformance module: one per hook of abi.Operations (extend
// and replace) and of abi.PermissionHooks. Keep them in step with abi.

package main

// The operation hooks: every extend (OP) and replace (_OP) layer.

//go:wasmexport create_message
func extendCreateMessage() int32 { return operation() }

//go:wasmexport _create_message
func replaceCreateMessage() int32 { return operation() }

//go:wasmexport react_to_message
func extendReactToMessage() int32 { return operation() }

//go:wasmexport _react_to_message
func replaceReactToMessage() int32 { return operation() }

//go:wasmexport message_acknowledged
func extendMessageAcknowledged() int32 { return operation() }

//go:wasmexport _message_acknowledged
func replaceMessageAcknowledged() int32 { return operation() }

//go:wasmexport modify_message
func extendModifyMessage() int32 { return operation() }

//go:wasmexport _modify_message
func replaceModifyMessage() int32 { return operation() }

//go:wasmexport create_read_receipt
func extendCreateReadReceipt() int32 { return operation() }

//go:wasmexport _create_read_receipt
func replaceCreateReadReceipt() int32 { return operation() }

//go:wasmexport retreive_messages
func extendRetreiveMessages() int32 { return operation() }

//go:wasmexport _retreive_messages
func replaceRetreiveMessages() int32 { return operation() }

//go:wasmexport create_room
func extendCreateRoom() int32 { return operation() }

//go:wasmexport _create_room
func replaceCreateRoom() int32 { return operation() }

//go:wasmexport list_rooms
func extendListRooms() int32 { return operation() }

//go:wasmexport _list_rooms
func replaceListRooms() int32 { return operation() }

//go:wasmexport retreive_room
func extendRetreiveRoom() int32 { return operation() }

//go:wasmexport _retreive_room
func replaceRetreiveRoom() int32 { return operation() }

//go:wasmexport add_members_to_room
func extendAddMembersToRoom() int32 { return operation() }

//go:wasmexport _add_members_to_room
func replaceAddMembersToRoom() int32 { return operation() }

//go:wasmexport remove_members_from_room
func extendRemoveMembersFromRoom() int32 { return operation() }

//go:wasmexport _remove_members_from_room
func replaceRemoveMembersFromRoom() int32 { return operation() }

//go:wasmexport leave_room
func extendLeaveRoom() int32 { return operation() }

//go:wasmexport _leave_room
func replaceLeaveRoom() int32 { return operation() }

//go:wasmexport join_room
func extendJoinRoom() int32 { return operation() }

//go:wasmexport _join_room
func replaceJoinRoom() int32 { return operation() }

//go:wasmexport modify_room
func extendModifyRoom() int32 { return operation() }

//go:wasmexport _modify_room
func replaceModifyRoom() int32 { return operation() }

//go:wasmexport register_session
func extendRegisterSession() int32 { return operation() }

//go:wasmexport _register_session
func replaceRegisterSession() int32 { return operation() }

//go:wasmexport get_active_sessions
func extendGetActiveSessions() int32 { return operation() }

//go:wasmexport _get_active_sessions
func replaceGetActiveSessions() int32 { return operation() }

//go:wasmexport get_expired_sessions
func extendGetExpiredSessions() int32 { return operation() }

//go:wasmexport _get_expired_sessions
func replaceGetExpiredSessions() int32 { return operation() }

//go:wasmexport update_session
func extendUpdateSession() int32 { return operation() }

//go:wasmexport _update_session
func replaceUpdateSession() int32 { return operation() }

//go:wasmexport get_and_group_chat_notifications
func extendGetAndGroupChatNotifications() int32 { return operation() }

//go:wasmexport _get_and_group_chat_notifications
func replaceGetAndGroupChatNotifications() int32 { return operation() }

//go:wasmexport create_chat_notification
func extendCreateChatNotification() int32 { return operation() }

//go:wasmexport _create_chat_notification
func replaceCreateChatNotification() int32 { return operation() }

//go:wasmexport update_chat_notification
func extendUpdateChatNotification() int32 { return operation() }

//go:wasmexport _update_chat_notification
func replaceUpdateChatNotification() int32 { return operation() }

// The permission hooks.

//go:wasmexport have_room_permission
func permHaveRoomPermission() int32 { return permission() }

//go:wasmexport have_message_permission
func permHaveMessagePermission() int32 { return permission() }

//go:wasmexport is_message_sender
func permIsMessageSender() int32 { return permission() }

//go:wasmexport have_room_permissions_to_add_or_remove_members
func permHaveRoomPermissionsToAddOrRemoveMembers() int32 { return permission() }

//go:wasmexport have_send_message_permission
func permHaveSendMessagePermission() int32 { return permission() }

//go:wasmexport have_admin_privileges
func permHaveAdminPrivileges() int32 { return permission() }
