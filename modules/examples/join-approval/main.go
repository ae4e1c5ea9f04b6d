// Command join-approval is a chatwasm module for group chats that admit
// members on request, as in the reference's custom join handler
// (docs/protocol.md §5.1: "open/approval join flows in _join_room").
//
// room.join on a GroupChat, which the default always refuses, becomes:
//
//   - join_approval_required: the request is stored and the user gets a
//     4003 ["Join request submitted. Awaiting approval."];
//   - otherwise the user is admitted (roomaddmembers.dispatch to the room).
//
// Channels and 1-1 chats keep the default behaviour. An admin of the group
// then sends room.join_requests {room_id} to list the pending requests
// (answered with a room.join_requests event) and room.approve_join
// {room_id, user_id} to admit one: the user becomes a participant, the room
// gets roomaddmembers.dispatch and the user room.join_approved.
//
// The request is stored by the extend hook join_room, outside the
// operation's transaction: in the replace hook _join_room it would roll
// back with the failing join.
package main

import (
	"encoding/json"
	"strconv"

	chatwasm "github.com/chatwasm/chatwasm/guest-sdk/go"
)

func main() {}

//lint:ignore U1000 the host calls it by its go:wasmexport name
//go:wasmexport join_room
func joinRoom() int32 { return chatwasm.Handle(requestJoin) }

//lint:ignore U1000 the host calls it by its go:wasmexport name
//go:wasmexport _join_room
func joinRoomCore() int32 { return chatwasm.Handle(admit) }

//lint:ignore U1000 the host calls it by its go:wasmexport name
//go:wasmexport action_room.join_requests
func joinRequests() int32 { return chatwasm.Handle(listRequests) }

//lint:ignore U1000 the host calls it by its go:wasmexport name
//go:wasmexport action_room.approve_join
func approveJoin() int32 { return chatwasm.Handle(approve) }

const (
	msgAwaiting  = "Join request submitted. Awaiting approval."
	msgNotAdmin  = "User is not an admin of this room"
	msgNoRequest = "No pending join request for this user"
	msgFull      = "Maximum number of group participants exceeded"
)

// request is a pending join request, stored under requestKey.
type request struct {
	UserID   int64  `json:"user_id"`
	Username string `json:"username"`
}

func requestKey(roomID string, userID int64) string {
	return "request:" + roomID + ":" + strconv.FormatInt(userID, 10)
}

// requestJoin stores the join request of a group that requires approval and
// refuses the join; anything else goes on to _join_room.
func requestJoin(c chatwasm.Call, in chatwasm.RoomArgs) (json.RawMessage, error) {
	room, err := c.Room(in.RoomID)
	if err != nil || room.Kind != chatwasm.GroupChat || !room.JoinApprovalRequired {
		// The default reports unknown or malformed rooms as the reference.
		return chatwasm.Next[json.RawMessage](c, c.Args)
	}
	if member, _, err := membership(c, room.ID, c.Caller.UserID); err != nil {
		return nil, err
	} else if member {
		return chatwasm.Next[json.RawMessage](c, c.Args) // already in: _join_room returns the room
	}
	if err := c.KVSet(requestKey(room.ID, c.Caller.UserID), request{c.Caller.UserID, c.Caller.Username}); err != nil {
		return nil, err
	}
	return nil, chatwasm.Fail(4003, msgAwaiting)
}

// admit is _join_room: a group without approval admits the caller, in the
// operation's transaction; channels and 1-1 chats get the default.
func admit(c chatwasm.Call, in chatwasm.RoomArgs) (json.RawMessage, error) {
	room, err := c.Room(in.RoomID)
	if err != nil || room.Kind != chatwasm.GroupChat {
		return chatwasm.Next[json.RawMessage](c, c.Args)
	}
	member, _, err := membership(c, room.ID, c.Caller.UserID)
	if err != nil {
		return nil, err
	}
	if !member {
		if room.JoinApprovalRequired {
			return nil, chatwasm.Fail(4003, msgAwaiting)
		}
		if err := addMember(c, room, c.Caller.UserID); err != nil {
			return nil, err
		}
	}
	detail, err := c.RenderRoom(room.ID, false)
	if err != nil {
		return nil, err
	}
	return json.Marshal(detail)
}

// addMember makes userID a participant of room, within its cap.
func addMember(c chatwasm.Call, room chatwasm.RoomRecord, userID int64) error {
	members, err := c.Members(room.ID)
	if err != nil {
		return err
	}
	if int64(len(members)) >= room.MaxMembers {
		return chatwasm.Fail(4003, msgFull)
	}
	_, err = c.AddMembers(room.ID, []int64{userID}, false)
	return err
}

// membership reports whether userID is a member of the room and an admin.
func membership(c chatwasm.Call, roomID string, userID int64) (member, admin bool, err error) {
	members, err := c.Members(roomID)
	if err != nil {
		return false, false, err
	}
	for _, m := range members {
		if m.UserID == userID {
			return true, m.IsAdmin, nil
		}
	}
	return false, false, nil
}

// adminRoom returns the group roomID if the caller is one of its admins.
func adminRoom(c chatwasm.Call, roomID string) (chatwasm.RoomRecord, error) {
	room, err := c.Room(roomID)
	if err != nil {
		return room, err
	}
	_, admin, err := membership(c, room.ID, c.Caller.UserID)
	if err != nil {
		return room, err
	}
	creator := room.CreatorID != nil && *room.CreatorID == c.Caller.UserID
	if room.Kind != chatwasm.GroupChat || !admin && !creator {
		return room, chatwasm.Fail(4002, msgNotAdmin)
	}
	return room, nil
}

// listRequests answers an admin with the group's pending requests.
func listRequests(c chatwasm.Call, in chatwasm.RoomArgs) (any, error) {
	room, err := adminRoom(c, in.RoomID)
	if err != nil {
		return nil, err
	}
	entries, err := c.KVList("request:"+room.ID+":", 0)
	if err != nil {
		return nil, err
	}
	pending := make([]request, 0, len(entries))
	for _, e := range entries {
		var r request
		if json.Unmarshal(e.Value, &r) == nil {
			pending = append(pending, r)
		}
	}
	return nil, c.EmitToUser(c.Caller.UserID, "room.join_requests",
		map[string]any{"room_id": room.ID, "requests": pending})
}

// approval names the request an admin approves.
type approval struct {
	RoomID string `json:"room_id"`
	UserID int64  `json:"user_id"`
}

// approve admits the user of a pending request.
func approve(c chatwasm.Call, in approval) (any, error) {
	room, err := adminRoom(c, in.RoomID)
	if err != nil {
		return nil, err
	}
	key := requestKey(room.ID, in.UserID)
	var req request
	if found, err := c.KVGet(key, &req); err != nil {
		return nil, err
	} else if !found {
		return nil, chatwasm.Fail(4003, msgNoRequest)
	}
	if err := addMember(c, room, in.UserID); err != nil {
		return nil, err
	}
	if _, err := c.KVDelete(key); err != nil {
		return nil, err
	}
	detail, err := c.RenderRoom(room.ID, false)
	if err != nil {
		return nil, err
	}
	if err := c.EmitToRoom(room.ID, "roomaddmembers.dispatch", map[string]any{
		"room": detail, "new_members": []string{req.Username}, "added_by": c.Caller.Username}); err != nil {
		return nil, err
	}
	return nil, c.EmitToUser(in.UserID, "room.join_approved", map[string]any{"room": detail})
}
