package payload

import "encoding/json"

// The args and results of the room operations. Room ids are canonical UUID
// strings, and the room is the one the operation's permission check
// granted.

// RoomArgs are the args of the operations on one room: retreive_room,
// join_room and leave_room, which return the room in its detail form
// (leave_room a *Room, nil when leaving deleted the room).
type RoomArgs struct {
	RoomID string `json:"room_id"`
}

// ListRoomsArgs are the args of list_rooms: nothing beyond the caller,
// whose rooms it returns in the list form ([]Room).
type ListRoomsArgs struct{}

// CreateRoomArgs are the args of create_room: room.create's data,
// validated. The result is the new Room in its detail form.
type CreateRoomArgs struct {
	// Type is the kind: OneToOneChat, GroupChat or Channel.
	Type        string  `json:"type"`
	Name        string  `json:"name,omitempty"`
	Description *string `json:"description,omitempty"`
	Avatar      *string `json:"avatar,omitempty"`
	// MaxMembers is max_participants or max_subscribers.
	MaxMembers           int64 `json:"max_members,omitempty"`
	IsPublic             bool  `json:"is_public,omitempty"`
	JoinApprovalRequired bool  `json:"join_approval_required,omitempty"`
	GroupLocked          bool  `json:"group_locked,omitempty"`
	// Preferences is the initial property.preferences object, nil for {}.
	Preferences json.RawMessage `json:"preferences,omitempty"`
	// Members are the user ids asked for besides the creator; ids that name
	// no user of the tenant are dropped.
	Members []int64 `json:"members"`
}

// MembersArgs are the args of add_members_to_room and
// remove_members_from_room: the room and the user ids asked for.
type MembersArgs struct {
	RoomID  string  `json:"room_id"`
	UserIDs []int64 `json:"user_ids"`
}

// MembersResult is what add_members_to_room and remove_members_from_room
// return: the users actually added or removed (by ascending id) and the
// room after the change, in its detail form; Room is nil when removing
// emptied the room and so deleted it.
type MembersResult struct {
	UserIDs   []int64  `json:"user_ids"`
	Usernames []string `json:"usernames"`
	Room      *Room    `json:"room"`
}

// ModifyRoomArgs are the args of modify_room: room.modify's data for the
// room whose admin privileges were checked. The host validates the actions
// it knows and fills the typed fields, nil when not to be changed; Data is
// the frame's data object as the client sent it, which is what an action
// the host does not know (one a module adds) reads.
type ModifyRoomArgs struct {
	RoomID string `json:"room_id"`
	Action string `json:"action"`

	Name                 *string         `json:"name,omitempty"`
	Description          *string         `json:"description,omitempty"`
	Avatar               *string         `json:"avatar,omitempty"`
	GroupLocked          *bool           `json:"group_locked,omitempty"`
	JoinApprovalRequired *bool           `json:"join_approval_required,omitempty"`
	IsPublic             *bool           `json:"is_public,omitempty"`
	Preferences          json.RawMessage `json:"preferences,omitempty"`
	// UserIDs are the targets of a role or permission action, Permissions
	// the object permissions of add_permission and remove_permission.
	UserIDs     []int64  `json:"users,omitempty"`
	Permissions []string `json:"permission,omitempty"`

	Data json.RawMessage `json:"data,omitempty"`
}

// ModifyRoomResult is what modify_room returns: the room after the change
// in its detail form (broadcast as roomupdate.dispatch), or Deleted with
// the ids of its former members.
type ModifyRoomResult struct {
	Room    *Room   `json:"room,omitempty"`
	Deleted bool    `json:"room_deleted,omitempty"`
	Members []int64 `json:"members,omitempty"`
}
