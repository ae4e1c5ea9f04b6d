package chatwasm

import "encoding/json"

// Room is a serialized room as clients see it (PROTOCOL.md §2.6): the
// detail form that join_room, create_room and retreive_room return, or the
// list form of list_rooms. Which members it has on the wire depends on Type
// and the form; Members, Admins and MaxMembers are the kind's participants
// or subscribers, admins or moderators, max_participants or
// max_subscribers.
type Room struct {
	ID   string
	Type string // OneToOneChat, GroupChat or Channel
	// Creator is nil when the creator was deleted, and in a 1-1 chat.
	Creator *User
	// Peer is the other participant of a 1-1 chat, in the list form.
	Peer     *User
	Members  []User
	Admins   []User
	Property RoomProperty
	// LastMessage is the room's last message in the list form, nil if none.
	LastMessage *Message
	CreatedAt   string
	UpdatedAt   string

	Name                 string
	Description          *string
	Avatar               *string
	MaxMembers           int64
	IsPublic             bool // Channel
	JoinApprovalRequired bool // GroupChat
	GroupLocked          bool // GroupChat

	// List says the room is in the list form.
	List bool
	// Extra holds the fields of the object this type does not name: they
	// are written back as they are.
	Extra map[string]json.RawMessage
}

// RoomProperty is a room's free-form settings.
type RoomProperty struct {
	// Preferences is a JSON object.
	Preferences json.RawMessage `json:"preferences"`
}

// roomWire has every member of every form of every kind.
type roomWire struct {
	ID                   string          `json:"id"`
	Type                 string          `json:"type"`
	Creator              *User           `json:"creator"`
	Peer                 *User           `json:"peer"`
	Participants         []User          `json:"participants"`
	Admins               []User          `json:"admins"`
	Subscribers          []User          `json:"subscribers"`
	Moderators           []User          `json:"moderators"`
	Property             *RoomProperty   `json:"property"`
	LastMessage          json.RawMessage `json:"last_message"`
	CreatedAt            string          `json:"created_at"`
	UpdatedAt            string          `json:"updated_at"`
	Name                 string          `json:"name"`
	Description          *string         `json:"description"`
	MaxParticipants      int64           `json:"max_participants"`
	MaxSubscribers       int64           `json:"max_subscribers"`
	IsPublic             bool            `json:"is_public"`
	Avatar               *string         `json:"avatar"`
	JoinApprovalRequired bool            `json:"join_approval_required"`
	GroupLocked          bool            `json:"group_locked"`
	// PolymorphicCtype is read so that a reference-style object does not
	// carry it as an extra; chatwasm omits it.
	PolymorphicCtype json.RawMessage `json:"polymorphic_ctype"`
}

var roomKeys = []string{"id", "type", "creator", "peer", "participants", "admins", "subscribers", "moderators",
	"property", "last_message", "created_at", "updated_at", "name", "description", "max_participants",
	"max_subscribers", "is_public", "avatar", "join_approval_required", "group_locked", "polymorphic_ctype"}

// UnmarshalJSON implements json.Unmarshaler for either form of any kind,
// keeping unknown fields in Extra.
func (r *Room) UnmarshalJSON(data []byte) error {
	var w roomWire
	extra, err := decodeObject(data, &w, roomKeys)
	if err != nil {
		return err
	}
	*r = Room{ID: w.ID, Type: w.Type, Creator: w.Creator, Peer: w.Peer, CreatedAt: w.CreatedAt,
		UpdatedAt: w.UpdatedAt, Name: w.Name, Description: w.Description, Avatar: w.Avatar, IsPublic: w.IsPublic,
		JoinApprovalRequired: w.JoinApprovalRequired, GroupLocked: w.GroupLocked, Extra: extra,
		List: w.LastMessage != nil || w.Peer != nil}
	if w.Property != nil {
		r.Property = *w.Property
	}
	if w.Type == Channel {
		r.Members, r.Admins, r.MaxMembers = w.Subscribers, w.Moderators, w.MaxSubscribers
	} else {
		r.Members, r.Admins, r.MaxMembers = w.Participants, w.Admins, w.MaxParticipants
	}
	if len(w.LastMessage) > 0 && string(w.LastMessage) != "null" {
		r.LastMessage = new(Message)
		if err := json.Unmarshal(w.LastMessage, r.LastMessage); err != nil {
			return err
		}
	}
	return nil
}

// MarshalJSON implements json.Marshaler with the members of the room's
// kind and form, in the host's order, then Extra.
func (r Room) MarshalJSON() ([]byte, error) {
	w := newObjectWriter()
	w.field("id", r.ID)
	w.field("type", r.Type)
	members, admins := "participants", "admins"
	maxMembers := "max_participants"
	if r.Type == Channel {
		members, admins, maxMembers = "subscribers", "moderators", "max_subscribers"
	}
	switch {
	case r.List && r.Type == OneToOneChat:
		w.field("peer", r.Peer)
	case r.List:
		w.field("creator", r.Creator)
	case r.Type == OneToOneChat:
		w.field(members, orEmpty(r.Members))
	default:
		w.field("creator", r.Creator)
		w.field(members, orEmpty(r.Members))
		w.field(admins, orEmpty(r.Admins))
	}
	if r.List {
		w.field("last_message", r.LastMessage)
	} else {
		prop := r.Property
		if len(prop.Preferences) == 0 {
			prop.Preferences = json.RawMessage("{}")
		}
		w.field("property", prop)
	}
	w.field("created_at", r.CreatedAt)
	w.field("updated_at", r.UpdatedAt)
	switch r.Type {
	case OneToOneChat:
	case Channel:
		w.field("name", r.Name)
		w.field("description", r.Description)
		w.field("is_public", r.IsPublic)
		w.field("avatar", r.Avatar)
		w.field(maxMembers, r.MaxMembers)
	default:
		w.field("name", r.Name)
		w.field("description", r.Description)
		w.field(maxMembers, r.MaxMembers)
		w.field("avatar", r.Avatar)
		w.field("join_approval_required", r.JoinApprovalRequired)
		w.field("group_locked", r.GroupLocked)
	}
	w.extra(r.Extra, roomKeys)
	return w.bytes()
}

// RoomArgs are the arguments of the operations on one room: join_room,
// leave_room, retreive_room (and their replace hooks).
type RoomArgs struct {
	RoomID string `json:"room_id"`
}

// CreateRoomArgs are the arguments of create_room: room.create's data,
// validated. Members are the user ids asked for besides the creator.
type CreateRoomArgs struct {
	Type                 string          `json:"type"`
	Name                 string          `json:"name,omitempty"`
	Description          *string         `json:"description,omitempty"`
	Avatar               *string         `json:"avatar,omitempty"`
	MaxMembers           int64           `json:"max_members,omitempty"`
	IsPublic             bool            `json:"is_public,omitempty"`
	JoinApprovalRequired bool            `json:"join_approval_required,omitempty"`
	GroupLocked          bool            `json:"group_locked,omitempty"`
	Preferences          json.RawMessage `json:"preferences,omitempty"`
	Members              []int64         `json:"members"`
}

// MembersArgs are the arguments of add_members_to_room and
// remove_members_from_room.
type MembersArgs struct {
	RoomID  string  `json:"room_id"`
	UserIDs []int64 `json:"user_ids"`
}

// MembersResult is what add_members_to_room and remove_members_from_room
// return: the users added or removed, and the room after the change.
type MembersResult struct {
	UserIDs   []int64  `json:"user_ids"`
	Usernames []string `json:"usernames"`
	Room      *Room    `json:"room"`
}

// ModifyRoomArgs are the arguments of modify_room: room.modify's data for
// the room whose admin privileges were checked. The host validates the
// actions it knows and fills the typed fields; Data is the frame's data
// object as the client sent it, which is what an action the host does not
// know (one a module adds) reads.
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
	UserIDs              []int64         `json:"users,omitempty"`
	Permissions          []string        `json:"permission,omitempty"`

	Data json.RawMessage `json:"data,omitempty"`
}

// ModifyRoomResult is what modify_room returns: the room after the change
// (broadcast as roomupdate.dispatch), or Deleted with the former members.
type ModifyRoomResult struct {
	Room    *Room   `json:"room,omitempty"`
	Deleted bool    `json:"room_deleted,omitempty"`
	Members []int64 `json:"members,omitempty"`
}
