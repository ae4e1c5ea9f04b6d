package modkit

import (
	"encoding/json"
	"testing"

	"github.com/chatwasm/chatwasm/abi"
	"github.com/chatwasm/chatwasm/abi/payload"
)

// The payloads of the SDK checks' "payloads" op: one of each enriched
// payload (abi/README.md), encoded from the Go declarations the host
// encodes them from, so that every SDK reads exactly the host's JSON.
var (
	payloadRoom = "0b6c5a4e-8f0a-4c47-9d3e-2f1a7b9c0d11"
	payloadMsg  = "5f2d8c1a-3b4e-4f60-8a7b-9c0d1e2f3a4b"
)

// PayloadsArgs is the args of the probe op "payloads": the arguments of
// create_message, a permission hook, handle_exception,
// create_chat_notification and update_chat_notification, under the keys
// create, permission, exception, notify and ack.
func PayloadsArgs(t testing.TB) string {
	t.Helper()
	b, err := json.Marshal(map[string]any{
		"op": "payloads",
		"create": payload.CreateMessageArgs{RoomID: payloadRoom, Content: "hi", Media: []payload.MediaArgs{},
			RoomKind: "Channel", MemberCount: 42, SenderRole: abi.RoleModerator},
		"permission": abi.PermissionArgs{MessageID: json.RawMessage(`["` + payloadMsg + `"]`),
			Resolved: &abi.Resolved{RoomID: payloadRoom, RoomKind: "GroupChat", Role: abi.RoleSubscriber,
				MessageIDs: []string{payloadMsg}}},
		"exception": abi.ExceptionArgs{Code: 4003, Detail: []string{"refused"}, Kind: abi.ErrKindModuleError,
			EventType: "message.send", Data: json.RawMessage(`{"room_id":"` + payloadRoom + `","content":"hi"}`),
			RoomID: payloadRoom, Module: "moderation"},
		"notify": payload.CreateNotificationArgs{MessageID: payloadMsg, RoomID: payloadRoom, NotificationType: "REPLY",
			UserID: 7, Recipients: []int64{8, 9}},
		"ack": payload.UpdateNotificationArgs{MessageIDs: []string{payloadMsg}, UserID: 8},
	})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// PayloadsWant is what a probe returns for PayloadsArgs, normalized: each
// field of the enriched payloads as the SDK's typed accessors read it.
const PayloadsWant = `{"ack":{"message_ids":["5f2d8c1a-3b4e-4f60-8a7b-9c0d1e2f3a4b"],"user_id":8},` +
	`"create":{"member_count":42,"room_id":"0b6c5a4e-8f0a-4c47-9d3e-2f1a7b9c0d11","room_kind":"Channel","sender_role":"moderator"},` +
	`"exception":{"code":4003,"data":{"content":"hi","room_id":"0b6c5a4e-8f0a-4c47-9d3e-2f1a7b9c0d11"},"event_type":"message.send",` +
	`"kind":"module_error","module":"moderation","room_id":"0b6c5a4e-8f0a-4c47-9d3e-2f1a7b9c0d11"},` +
	`"notify":{"message_id":"5f2d8c1a-3b4e-4f60-8a7b-9c0d1e2f3a4b","notification_type":"REPLY","recipients":[8,9],` +
	`"room_id":"0b6c5a4e-8f0a-4c47-9d3e-2f1a7b9c0d11","user_id":7},` +
	`"permission":{"message_ids":["5f2d8c1a-3b4e-4f60-8a7b-9c0d1e2f3a4b"],"role":"subscriber",` +
	`"room_id":"0b6c5a4e-8f0a-4c47-9d3e-2f1a7b9c0d11","room_kind":"GroupChat"}}`
