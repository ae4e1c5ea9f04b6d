// Command notify is the test module of the notification hooks
// (create_chat_notification, update_chat_notification) and of the payloads
// the host enriches for modules (create_message, the permission hooks,
// handle_exception). Every hook records its args in the module's key-value
// store under "seen/<hook>" (in the operation's transaction for the
// notification hooks, both layers), then does what its config says:
//
//	mute: "ID,ID"        _create_chat_notification drops these users from the recipients
//	add: "ID,ID"         _create_chat_notification adds these users to the recipients
//	retype: "FROM=TO"    create_chat_notification passes next notification_type TO instead of FROM
//	skip: HOOK           HOOK returns without calling next (null, or [] for update_chat_notification)
//	fail: HOOK           HOOK fails with 4003 "refused by notify" after recording
//	forge_message: ID    _create_chat_notification passes next message_id ID
//	forge_room: ID       _create_chat_notification passes next room_id ID
//	forge_user: ID       _update_chat_notification passes next user_id ID
//	emit: HOOK           HOOK emits notify.emitted to the caller before next
//
//	exception: "on"      handle_exception answers code 4077 with the args it got as detail
//	                     (else it passes the error on)
package main

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"

	chatwasm "github.com/chatwasm/chatwasm/guest-sdk/go"
)

func main() {}

func config(key string) string {
	v, _ := chatwasm.Config(key)
	return v
}

// record stores args under seen/<hook>, then applies fail, skip and emit;
// done reports that the hook must return zero without calling next.
func record(c chatwasm.Call) (done bool, err error) {
	if err := c.KVSet("seen/"+c.Hook, json.RawMessage(c.Args)); err != nil {
		return false, err
	}
	if config("fail") == c.Hook {
		return false, chatwasm.Fail(4003, "refused by notify")
	}
	if config("emit") == c.Hook {
		if err := c.EmitToUser(c.Caller.UserID, "notify.emitted", map[string]string{"hook": c.Hook}); err != nil {
			return false, err
		}
	}
	return config("skip") == c.Hook, nil
}

func create(c chatwasm.Call, in chatwasm.CreateNotificationArgs) ([]int64, error) {
	if done, err := record(c); done || err != nil {
		return nil, err
	}
	if from, to, ok := strings.Cut(config("retype"), "="); ok && in.NotificationType == from {
		in.NotificationType = to
	}
	if c.Hook == "_create_chat_notification" {
		muted := userIDs(config("mute"))
		in.Recipients = slices.DeleteFunc(in.Recipients, func(id int64) bool { return slices.Contains(muted, id) })
		in.Recipients = append(in.Recipients, userIDs(config("add"))...)
	}
	if c.Hook == "_create_chat_notification" {
		if id := config("forge_message"); id != "" {
			in.MessageID = id
		}
		if id := config("forge_room"); id != "" {
			in.RoomID = id
		}
	}
	return chatwasm.Next[[]int64](c, in)
}

// userIDs parses a comma-separated list of user ids.
func userIDs(list string) []int64 {
	var out []int64
	for _, s := range strings.Split(list, ",") {
		if id, err := strconv.ParseInt(s, 10, 64); err == nil {
			out = append(out, id)
		}
	}
	return out
}

func update(c chatwasm.Call, in chatwasm.UpdateNotificationArgs) ([]string, error) {
	if done, err := record(c); done || err != nil {
		return []string{}, err
	}
	if id := config("forge_user"); id != "" && c.Hook == "_update_chat_notification" {
		in.UserID, _ = strconv.ParseInt(id, 10, 64)
	}
	return chatwasm.Next[[]string](c, in)
}

// pass records and passes the args on unchanged.
func pass(c chatwasm.Call, _ json.RawMessage) (json.RawMessage, error) {
	if err := c.KVSet("seen/"+c.Hook, json.RawMessage(c.Args)); err != nil {
		return nil, err
	}
	if config("fail") == c.Hook {
		return nil, chatwasm.Fail(4003, "refused by notify")
	}
	return chatwasm.Next[json.RawMessage](c, c.Args)
}

// exception answers 4077 with its args as the detail, if configured to.
func exception(c chatwasm.Call, in json.RawMessage) (*chatwasm.Error, error) {
	if config("exception") != "on" {
		return chatwasm.Next[*chatwasm.Error](c, c.Args)
	}
	return chatwasm.Fail(4077, in), nil
}

//go:wasmexport create_chat_notification
func extendCreate() int32 { return chatwasm.Handle(create) }

//go:wasmexport _create_chat_notification
func replaceCreate() int32 { return chatwasm.Handle(create) }

//go:wasmexport update_chat_notification
func extendUpdate() int32 { return chatwasm.Handle(update) }

//go:wasmexport _update_chat_notification
func replaceUpdate() int32 { return chatwasm.Handle(update) }

//go:wasmexport create_message
func extendCreateMessage() int32 { return chatwasm.Handle(pass) }

//go:wasmexport have_send_message_permission
func permSend() int32 { return chatwasm.Handle(pass) }

//go:wasmexport have_message_permission
func permMessage() int32 { return chatwasm.Handle(pass) }

//go:wasmexport have_room_permission
func permRoom() int32 { return chatwasm.Handle(pass) }

//go:wasmexport handle_exception
func handleException() int32 { return chatwasm.Handle(exception) }
