// Command passthrough is a module that exports every hook of the ABI and
// changes nothing: each hook hands its arguments to next and returns what
// next returned, and a serializer hook (which has no next) adds no field. The burst
// benchmark (bench/burst_test.go) loads it to measure what modules
// cost a server that runs them, and TestPassthroughExportsEveryHook keeps
// its exports in step with package abi.
package main

import (
	"encoding/json"

	chatwasm "github.com/chatwasm/chatwasm/guest-sdk/go"
)

func main() {}

// pass is every hook but the serializers: the rest of the chain, unchanged.
func pass(c chatwasm.Call, _ json.RawMessage) (json.RawMessage, error) {
	return chatwasm.Next[json.RawMessage](c, c.Args)
}

// noFields is the serializer hooks: no field added.
func noFields(chatwasm.Call, json.RawMessage) (json.RawMessage, error) {
	return json.RawMessage("{}"), nil
}

//lint:ignore U1000 the host calls it by its go:wasmexport name
//go:wasmexport create_message
func hookCreateMessage() int32 { return chatwasm.Handle(pass) }

//lint:ignore U1000 the host calls it by its go:wasmexport name
//go:wasmexport _create_message
func replaceCreateMessage() int32 { return chatwasm.Handle(pass) }

//lint:ignore U1000 the host calls it by its go:wasmexport name
//go:wasmexport react_to_message
func hookReactToMessage() int32 { return chatwasm.Handle(pass) }

//lint:ignore U1000 the host calls it by its go:wasmexport name
//go:wasmexport _react_to_message
func replaceReactToMessage() int32 { return chatwasm.Handle(pass) }

//lint:ignore U1000 the host calls it by its go:wasmexport name
//go:wasmexport message_acknowledged
func hookMessageAcknowledged() int32 { return chatwasm.Handle(pass) }

//lint:ignore U1000 the host calls it by its go:wasmexport name
//go:wasmexport _message_acknowledged
func replaceMessageAcknowledged() int32 { return chatwasm.Handle(pass) }

//lint:ignore U1000 the host calls it by its go:wasmexport name
//go:wasmexport modify_message
func hookModifyMessage() int32 { return chatwasm.Handle(pass) }

//lint:ignore U1000 the host calls it by its go:wasmexport name
//go:wasmexport _modify_message
func replaceModifyMessage() int32 { return chatwasm.Handle(pass) }

//lint:ignore U1000 the host calls it by its go:wasmexport name
//go:wasmexport create_read_receipt
func hookCreateReadReceipt() int32 { return chatwasm.Handle(pass) }

//lint:ignore U1000 the host calls it by its go:wasmexport name
//go:wasmexport _create_read_receipt
func replaceCreateReadReceipt() int32 { return chatwasm.Handle(pass) }

//lint:ignore U1000 the host calls it by its go:wasmexport name
//go:wasmexport retreive_messages
func hookRetreiveMessages() int32 { return chatwasm.Handle(pass) }

//lint:ignore U1000 the host calls it by its go:wasmexport name
//go:wasmexport _retreive_messages
func replaceRetreiveMessages() int32 { return chatwasm.Handle(pass) }

//lint:ignore U1000 the host calls it by its go:wasmexport name
//go:wasmexport create_room
func hookCreateRoom() int32 { return chatwasm.Handle(pass) }

//lint:ignore U1000 the host calls it by its go:wasmexport name
//go:wasmexport _create_room
func replaceCreateRoom() int32 { return chatwasm.Handle(pass) }

//lint:ignore U1000 the host calls it by its go:wasmexport name
//go:wasmexport list_rooms
func hookListRooms() int32 { return chatwasm.Handle(pass) }

//lint:ignore U1000 the host calls it by its go:wasmexport name
//go:wasmexport _list_rooms
func replaceListRooms() int32 { return chatwasm.Handle(pass) }

//lint:ignore U1000 the host calls it by its go:wasmexport name
//go:wasmexport retreive_room
func hookRetreiveRoom() int32 { return chatwasm.Handle(pass) }

//lint:ignore U1000 the host calls it by its go:wasmexport name
//go:wasmexport _retreive_room
func replaceRetreiveRoom() int32 { return chatwasm.Handle(pass) }

//lint:ignore U1000 the host calls it by its go:wasmexport name
//go:wasmexport add_members_to_room
func hookAddMembersToRoom() int32 { return chatwasm.Handle(pass) }

//lint:ignore U1000 the host calls it by its go:wasmexport name
//go:wasmexport _add_members_to_room
func replaceAddMembersToRoom() int32 { return chatwasm.Handle(pass) }

//lint:ignore U1000 the host calls it by its go:wasmexport name
//go:wasmexport remove_members_from_room
func hookRemoveMembersFromRoom() int32 { return chatwasm.Handle(pass) }

//lint:ignore U1000 the host calls it by its go:wasmexport name
//go:wasmexport _remove_members_from_room
func replaceRemoveMembersFromRoom() int32 { return chatwasm.Handle(pass) }

//lint:ignore U1000 the host calls it by its go:wasmexport name
//go:wasmexport leave_room
func hookLeaveRoom() int32 { return chatwasm.Handle(pass) }

//lint:ignore U1000 the host calls it by its go:wasmexport name
//go:wasmexport _leave_room
func replaceLeaveRoom() int32 { return chatwasm.Handle(pass) }

//lint:ignore U1000 the host calls it by its go:wasmexport name
//go:wasmexport join_room
func hookJoinRoom() int32 { return chatwasm.Handle(pass) }

//lint:ignore U1000 the host calls it by its go:wasmexport name
//go:wasmexport _join_room
func replaceJoinRoom() int32 { return chatwasm.Handle(pass) }

//lint:ignore U1000 the host calls it by its go:wasmexport name
//go:wasmexport modify_room
func hookModifyRoom() int32 { return chatwasm.Handle(pass) }

//lint:ignore U1000 the host calls it by its go:wasmexport name
//go:wasmexport _modify_room
func replaceModifyRoom() int32 { return chatwasm.Handle(pass) }

//lint:ignore U1000 the host calls it by its go:wasmexport name
//go:wasmexport register_session
func hookRegisterSession() int32 { return chatwasm.Handle(pass) }

//lint:ignore U1000 the host calls it by its go:wasmexport name
//go:wasmexport _register_session
func replaceRegisterSession() int32 { return chatwasm.Handle(pass) }

//lint:ignore U1000 the host calls it by its go:wasmexport name
//go:wasmexport get_active_sessions
func hookGetActiveSessions() int32 { return chatwasm.Handle(pass) }

//lint:ignore U1000 the host calls it by its go:wasmexport name
//go:wasmexport _get_active_sessions
func replaceGetActiveSessions() int32 { return chatwasm.Handle(pass) }

//lint:ignore U1000 the host calls it by its go:wasmexport name
//go:wasmexport get_expired_sessions
func hookGetExpiredSessions() int32 { return chatwasm.Handle(pass) }

//lint:ignore U1000 the host calls it by its go:wasmexport name
//go:wasmexport _get_expired_sessions
func replaceGetExpiredSessions() int32 { return chatwasm.Handle(pass) }

//lint:ignore U1000 the host calls it by its go:wasmexport name
//go:wasmexport update_session
func hookUpdateSession() int32 { return chatwasm.Handle(pass) }

//lint:ignore U1000 the host calls it by its go:wasmexport name
//go:wasmexport _update_session
func replaceUpdateSession() int32 { return chatwasm.Handle(pass) }

//lint:ignore U1000 the host calls it by its go:wasmexport name
//go:wasmexport get_and_group_chat_notifications
func hookGetAndGroupChatNotifications() int32 { return chatwasm.Handle(pass) }

//lint:ignore U1000 the host calls it by its go:wasmexport name
//go:wasmexport _get_and_group_chat_notifications
func replaceGetAndGroupChatNotifications() int32 { return chatwasm.Handle(pass) }

//lint:ignore U1000 the host calls it by its go:wasmexport name
//go:wasmexport create_chat_notification
func hookCreateChatNotification() int32 { return chatwasm.Handle(pass) }

//lint:ignore U1000 the host calls it by its go:wasmexport name
//go:wasmexport _create_chat_notification
func replaceCreateChatNotification() int32 { return chatwasm.Handle(pass) }

//lint:ignore U1000 the host calls it by its go:wasmexport name
//go:wasmexport update_chat_notification
func hookUpdateChatNotification() int32 { return chatwasm.Handle(pass) }

//lint:ignore U1000 the host calls it by its go:wasmexport name
//go:wasmexport _update_chat_notification
func replaceUpdateChatNotification() int32 { return chatwasm.Handle(pass) }

//lint:ignore U1000 the host calls it by its go:wasmexport name
//go:wasmexport have_room_permission
func hookHaveRoomPermission() int32 { return chatwasm.Handle(pass) }

//lint:ignore U1000 the host calls it by its go:wasmexport name
//go:wasmexport have_message_permission
func hookHaveMessagePermission() int32 { return chatwasm.Handle(pass) }

//lint:ignore U1000 the host calls it by its go:wasmexport name
//go:wasmexport is_message_sender
func hookIsMessageSender() int32 { return chatwasm.Handle(pass) }

//lint:ignore U1000 the host calls it by its go:wasmexport name
//go:wasmexport have_room_permissions_to_add_or_remove_members
func hookHaveRoomPermissionsToAddOrRemoveMembers() int32 { return chatwasm.Handle(pass) }

//lint:ignore U1000 the host calls it by its go:wasmexport name
//go:wasmexport have_send_message_permission
func hookHaveSendMessagePermission() int32 { return chatwasm.Handle(pass) }

//lint:ignore U1000 the host calls it by its go:wasmexport name
//go:wasmexport have_admin_privileges
func hookHaveAdminPrivileges() int32 { return chatwasm.Handle(pass) }

//lint:ignore U1000 the host calls it by its go:wasmexport name
//go:wasmexport handle_exception
func hookHandleException() int32 { return chatwasm.Handle(pass) }

//lint:ignore U1000 the host calls it by its go:wasmexport name
//go:wasmexport serialize_message
func hookSerializeMessage() int32 { return chatwasm.Handle(noFields) }

//lint:ignore U1000 the host calls it by its go:wasmexport name
//go:wasmexport serialize_room
func hookSerializeRoom() int32 { return chatwasm.Handle(noFields) }
