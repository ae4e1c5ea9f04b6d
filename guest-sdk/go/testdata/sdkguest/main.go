// Command sdkguest is the test module of the Go SDK: a hook of each kind,
// and an operation ("do") that calls one host import as told and reports
// what the SDK made of the result.
package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	chatwasm "github.com/chatwasm/chatwasm/guest-sdk/go"
)

func main() {}

//go:wasmexport create_message
func createMessage() int32 { return chatwasm.Handle(onCreate) }

//go:wasmexport _join_room
func joinRoomCore() int32 { return chatwasm.Handle(do) }

//go:wasmexport action_sdk.do
func actionDo() int32 { return chatwasm.Handle(do) }

//go:wasmexport handle_exception
func handleException() int32 { return chatwasm.Handle(onException) }

//go:wasmexport action_sdk.payloads
func actionPayloads() int32 { return chatwasm.Handle(payloads) }

//go:wasmexport have_room_permission
func haveRoomPermission() int32 { return chatwasm.Handle(onPermission) }

//go:wasmexport retreive_room
func retreiveRoom() int32 { return chatwasm.Handle(echo) }

//go:wasmexport leave_room
func leaveRoom() int32 { return chatwasm.Handle(passOn) }

//go:wasmexport modify_room
func modifyRoom() int32 { return chatwasm.Handle(allocate) }

//go:wasmexport create_room
func createRoom() int32 { return chatwasm.Handle(remember) }

func onCreate(c chatwasm.Call, in chatwasm.CreateMessageArgs) (chatwasm.Message, error) {
	switch in.Content {
	case "fail":
		return chatwasm.Message{}, chatwasm.Fail(4003, "Message contains prohibited content")
	case "fail-object":
		return chatwasm.Message{}, chatwasm.Fail(4010, map[string]any{"content": []string{"bad"}})
	case "plain":
		return chatwasm.Message{}, errors.New("plain failure")
	}
	m, err := chatwasm.Next[chatwasm.Message](c, c.Args)
	if err != nil {
		return m, fmt.Errorf("sdkguest: %w", err)
	}
	m.Content += " [seen by " + c.Caller.Username + "]"
	return m, nil
}

func onException(c chatwasm.Call, in chatwasm.ExceptionArgs) (*chatwasm.Error, error) {
	if in.Code == 4003 && strings.Contains(fmt.Sprint(in.Detail), "map me") {
		return &chatwasm.Error{Code: 4007, Detail: in.Detail}, nil
	}
	return chatwasm.Next[*chatwasm.Error](c, c.Args)
}

func onPermission(c chatwasm.Call, in chatwasm.PermissionArgs) (chatwasm.Decision, error) {
	if v, _ := chatwasm.Config("deny"); v != "" {
		return chatwasm.Decision{Allow: false, Code: 4002, Detail: v}, nil
	}
	return chatwasm.Next[chatwasm.Decision](c, c.Args)
}

// echo returns its arguments: the cost of a call through the SDK.
func echo(_ chatwasm.Call, in json.RawMessage) (json.RawMessage, error) { return in, nil }

// sink keeps allocate's garbage from being optimized away.
var sink []byte

// allocate leaves 1 MiB of garbage per call: the garbage collector must
// keep up across calls (guest-sdk/go/gc.go).
func allocate(_ chatwasm.Call, in json.RawMessage) (json.RawMessage, error) {
	for range 16 {
		sink = make([]byte, 64<<10)
	}
	return in, nil
}

// kept is what the previous call of remember saw.
var kept struct {
	Hook     string `json:"hook"`
	Tenant   string `json:"tenant"`
	Username string `json:"username"`
}

// remember returns the strings of the previous call's envelope, kept as
// they were: the SDK reuses its input buffer, and they must not change
// with it.
func remember(c chatwasm.Call, _ json.RawMessage) (json.RawMessage, error) {
	prev, err := json.Marshal(kept)
	kept.Hook, kept.Tenant, kept.Username = c.Hook, c.Tenant, c.Caller.Username
	return prev, err
}

// passOn runs the rest of the chain: the cost of next through the SDK.
func passOn(c chatwasm.Call, _ json.RawMessage) (json.RawMessage, error) {
	return chatwasm.Next[json.RawMessage](c, c.Args)
}

// op is what "do" is told to do.
type op struct {
	Op        string          `json:"op"`
	RoomID    string          `json:"room_id"`
	UserID    int64           `json:"user_id"`
	MessageID string          `json:"message_id"`
	Key       string          `json:"key"`
	Value     json.RawMessage `json:"value"`
	Text      string          `json:"text"`
}

// report is what "do" returns: the import's result, or its error as the
// SDK reports it.
type report struct {
	Result any    `json:"result,omitempty"`
	Code   int    `json:"code,omitempty"`
	Error  string `json:"error,omitempty"`
}

func do(c chatwasm.Call, in op) (report, error) {
	var res any
	var err error
	switch in.Op {
	case "call":
		res = c
	case "room":
		res, err = c.Room(in.RoomID)
	case "preferences":
		res, err = c.RoomPreferences(in.RoomID)
	case "members":
		res, err = c.Members(in.RoomID)
	case "add_members":
		res, err = c.AddMembers(in.RoomID, []int64{in.UserID}, false)
	case "remove_members":
		res, err = c.RemoveMembers(in.RoomID, []int64{in.UserID})
	case "message":
		res, err = c.Message(in.MessageID)
	case "user":
		res, err = c.User(in.UserID)
	case "render_room":
		res, err = c.RenderRoom(in.RoomID, in.Text == "list")
	case "kv_set":
		err = c.KVSet(in.Key, in.Value)
	case "kv_get":
		var v json.RawMessage
		var found bool
		found, err = c.KVGet(in.Key, &v)
		res = map[string]any{"found": found, "value": v}
	case "kv_delete":
		res, err = c.KVDelete(in.Key)
	case "kv_list":
		res, err = c.KVList(in.Key, 0)
	case "emit_room":
		err = c.EmitToRoom(in.RoomID, "sdk.event", map[string]string{"text": in.Text})
	case "emit_user":
		err = c.EmitToUser(in.UserID, "sdk.event", map[string]string{"text": in.Text})
	case "log":
		err = c.Log(chatwasm.LevelWarn, in.Text, "n", 1, "who", c.Caller.Username)
	case "config":
		v, ok := chatwasm.Config(in.Key)
		res = map[string]any{"value": v, "set": ok}
	case "http":
		var r chatwasm.HTTPResponse
		r, err = chatwasm.HTTP(chatwasm.HTTPRequest{Method: "POST", URL: in.Text,
			Header: map[string]string{"content-type": "application/json"}, Body: in.Value})
		res = map[string]any{"status": r.Status, "body": string(r.Body)}
	case "fail_with":
		// Fails the hook with the error of an import, passed on.
		_, err = c.Room(in.RoomID)
		return report{}, err
	default:
		return report{}, chatwasm.Fail(4003, "unknown op "+in.Op)
	}
	if err != nil {
		return report{Code: chatwasm.Code(err), Error: err.Error()}, nil
	}
	return report{Result: res}, nil
}

// payloadsIn is modkit.PayloadsArgs: one enriched payload of each kind.
type payloadsIn struct {
	Create     chatwasm.CreateMessageArgs      `json:"create"`
	Permission chatwasm.PermissionArgs         `json:"permission"`
	Exception  chatwasm.ExceptionArgs          `json:"exception"`
	Notify     chatwasm.CreateNotificationArgs `json:"notify"`
	Ack        chatwasm.UpdateNotificationArgs `json:"ack"`
}

// payloads returns the fields of the enriched payloads as the SDK's types
// decoded them (modkit.PayloadsWant).
func payloads(_ chatwasm.Call, in payloadsIn) (map[string]any, error) {
	r := in.Permission.Resolved
	if r == nil {
		r = &chatwasm.Resolved{}
	}
	e := in.Exception
	return map[string]any{
		"create": map[string]any{"room_id": in.Create.RoomID, "room_kind": in.Create.RoomKind,
			"member_count": in.Create.MemberCount, "sender_role": in.Create.SenderRole},
		"permission": map[string]any{"room_id": r.RoomID, "room_kind": r.RoomKind, "role": r.Role,
			"message_ids": r.MessageIDs},
		"exception": map[string]any{"code": e.Code, "kind": e.Kind, "event_type": e.EventType, "data": e.Data,
			"room_id": e.RoomID, "module": e.Module},
		"notify": in.Notify,
		"ack":    in.Ack,
	}, nil
}
