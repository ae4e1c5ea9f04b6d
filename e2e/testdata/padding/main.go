// Command padding is a module that hooks get_and_group_chat_notifications
// (handing it on unchanged) and adds a 1000-character "padding" field to
// every serialized message, so that the chat.notifications frame of a
// module-hooked connect grows past what the core read for it: e2e's
// TestConnectNotificationsBacklog checks that such a frame is still cut to
// the newest notifications that fit.
package main

import (
	"encoding/json"
	"strings"

	chatwasm "github.com/chatwasm/chatwasm/guest-sdk/go"
)

func main() {}

// padding is the field added to every message.
var padding = json.RawMessage(`{"padding":"` + strings.Repeat("p", 1000) + `"}`)

//lint:ignore U1000 the host calls it by its go:wasmexport name
//go:wasmexport get_and_group_chat_notifications
func hookGetAndGroupChatNotifications() int32 {
	return chatwasm.Handle(func(c chatwasm.Call, _ json.RawMessage) (json.RawMessage, error) {
		return chatwasm.Next[json.RawMessage](c, c.Args)
	})
}

//lint:ignore U1000 the host calls it by its go:wasmexport name
//go:wasmexport serialize_message
func hookSerializeMessage() int32 {
	return chatwasm.Handle(func(chatwasm.Call, json.RawMessage) (json.RawMessage, error) { return padding, nil })
}
