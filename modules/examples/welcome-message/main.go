// Command welcome-message is a chatwasm module that greets the users who
// join a room.
//
// It replaces _modify_room to add a room.modify action,
// set_welcome_message, with data {"message": "..."} (an empty message
// removes it): the host checks admin privileges as for every room.modify
// action, the module stores the message for the room in the operation's
// transaction, and the room gets roomupdate.dispatch as usual. Every other
// action goes on to the default.
//
// It extends join_room: once a user has joined a room that has a welcome
// message, the user gets the event room.welcome_message with data
// {"room_id": ..., "message": ...}.
package main

import (
	"encoding/json"

	chatwasm "github.com/chatwasm/chatwasm/guest-sdk/go"
)

func main() {}

//lint:ignore U1000 the host calls it by its go:wasmexport name
//go:wasmexport _modify_room
func modifyRoom() int32 { return chatwasm.Handle(setWelcome) }

//lint:ignore U1000 the host calls it by its go:wasmexport name
//go:wasmexport join_room
func joinRoom() int32 { return chatwasm.Handle(welcome) }

const (
	actionSetWelcome = "set_welcome_message"
	maxMessage       = 2000
)

func welcomeKey(roomID string) string { return "welcome:" + roomID }

// setWelcome handles set_welcome_message and passes every other action on.
func setWelcome(c chatwasm.Call, in chatwasm.ModifyRoomArgs) (chatwasm.ModifyRoomResult, error) {
	if in.Action != actionSetWelcome {
		return chatwasm.Next[chatwasm.ModifyRoomResult](c, c.Args)
	}
	var data struct {
		Message *string `json:"message"`
	}
	if json.Unmarshal(in.Data, &data) != nil || data.Message == nil {
		return chatwasm.ModifyRoomResult{}, chatwasm.Fail(4003, "message must be provided as a string")
	}
	switch msg := *data.Message; {
	case len([]rune(msg)) > maxMessage:
		return chatwasm.ModifyRoomResult{}, chatwasm.Fail(4003, "The welcome message must have at most 2000 characters")
	case msg == "":
		if _, err := c.KVDelete(welcomeKey(in.RoomID)); err != nil {
			return chatwasm.ModifyRoomResult{}, err
		}
	default:
		if err := c.KVSet(welcomeKey(in.RoomID), msg); err != nil {
			return chatwasm.ModifyRoomResult{}, err
		}
	}
	room, err := c.RenderRoom(in.RoomID, false)
	return chatwasm.ModifyRoomResult{Room: &room}, err
}

// welcome runs the join and then greets the user who joined.
func welcome(c chatwasm.Call, _ chatwasm.RoomArgs) (json.RawMessage, error) {
	out, err := chatwasm.Next[json.RawMessage](c, c.Args)
	if err != nil {
		return nil, err
	}
	// The room joined, as the default resolved it.
	var room struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(out, &room); err != nil {
		return nil, err
	}
	var msg string
	if found, err := c.KVGet(welcomeKey(room.ID), &msg); err != nil || !found {
		return out, err
	}
	err = c.EmitToUser(c.Caller.UserID, "room.welcome_message", map[string]string{"room_id": room.ID, "message": msg})
	return out, err
}
