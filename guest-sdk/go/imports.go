package chatwasm

import (
	"encoding/json"
	"fmt"

	"github.com/chatwasm/chatwasm/abi"
)

// invoke calls the chatwasm import name with req encoded as JSON and
// decodes its result into res (nil to ignore it).
func invoke(name string, req, res any) error {
	b, err := encode(req)
	if err != nil {
		return fmt.Errorf("chatwasm: %s: %w", name, err)
	}
	out, err := callImport(name, b)
	if err != nil {
		return err
	}
	if res == nil {
		return nil
	}
	if err := decode(out, res); err != nil {
		return fmt.Errorf("chatwasm: %s: decode the result: %w", name, err)
	}
	return nil
}

// get calls the chatwasm import name with req and returns its result
// decoded as a T: the shape of every import that reads one value.
func get[T any](name string, req any) (T, error) {
	var v T
	err := invoke(name, req, &v)
	return v, err
}

// Room returns the stored room roomID (capability rooms.read). A room of
// another tenant, or none, is a 4004 *Error.
func (c Call) Room(roomID string) (RoomRecord, error) {
	return get[RoomRecord](abi.ImportRoomGet, abi.RoomRef{RoomID: roomID})
}

// RoomPreferences returns the preferences object of a room's property
// (capability rooms.read).
func (c Call) RoomPreferences(roomID string) (json.RawMessage, error) {
	p, err := get[RoomProperty](abi.ImportRoomProperty, abi.RoomRef{RoomID: roomID})
	return p.Preferences, err
}

// Members returns a room's members by user id (capability members.read).
func (c Call) Members(roomID string) ([]Member, error) {
	return get[[]Member](abi.ImportRoomMembers, abi.RoomRef{RoomID: roomID})
}

// AddMembers makes users members of a room, as admins (or moderators) if
// admin, and returns how many members it has now (capability
// members.write). It works only in replace hooks and actions, which run in
// a transaction it joins; a room past its cap is a 4005 *Error.
func (c Call) AddMembers(roomID string, userIDs []int64, admin bool) (int64, error) {
	return c.membersChange(abi.ImportMembersAdd, abi.MembersChange{RoomID: roomID, UserIDs: userIDs, Admin: admin})
}

// RemoveMembers removes users from a room and returns how many members it
// has now (capability members.write; replace hooks and actions only).
func (c Call) RemoveMembers(roomID string, userIDs []int64) (int64, error) {
	return c.membersChange(abi.ImportMembersRemove, abi.MembersChange{RoomID: roomID, UserIDs: userIDs})
}

func (c Call) membersChange(name string, req abi.MembersChange) (int64, error) {
	res, err := get[struct {
		Count int64 `json:"count"`
	}](name, req)
	return res.Count, err
}

// Message returns the stored message messageID (capability messages.read).
func (c Call) Message(messageID string) (MessageRecord, error) {
	return get[MessageRecord](abi.ImportMessageGet, abi.MessageRef{MessageID: messageID})
}

// User returns the user userID (capability users.read).
func (c Call) User(userID int64) (User, error) {
	return get[User](abi.ImportUserGet, abi.UserRef{UserID: userID})
}

// RenderRoom returns a room as clients see it, in its detail form or, if
// list, its list form as the caller sees it (capability rooms.read).
func (c Call) RenderRoom(roomID string, list bool) (Room, error) {
	req := abi.RenderRoomRequest{RoomID: roomID, Form: "detail"}
	if list {
		req.Form = "list"
	}
	return get[Room](abi.ImportRenderRoom, req)
}

// RenderMessage returns a message as clients see it (capability
// messages.read).
func (c Call) RenderMessage(messageID string) (Message, error) {
	return get[Message](abi.ImportRenderMessage, abi.MessageRef{MessageID: messageID})
}

// RenderUser returns a user as clients see it (capability users.read).
func (c Call) RenderUser(userID int64) (User, error) {
	return get[User](abi.ImportRenderUser, abi.UserRef{UserID: userID})
}

// RenderNotification returns a chat notification as clients see it
// (capability messages.read).
func (c Call) RenderNotification(notificationID string) (Notification, error) {
	return get[Notification](abi.ImportRenderNotification, abi.NotificationRef{NotificationID: notificationID})
}

// Import calls the chatwasm import name (an abi.Import* name) with req
// encoded as JSON (a json.RawMessage is sent as it is) and returns its JSON
// result: access to any import, those without a method of their own
// included. A failed call is an *Error.
func Import(name string, req any) (json.RawMessage, error) {
	var out json.RawMessage
	err := invoke(name, req, &out)
	return out, err
}
