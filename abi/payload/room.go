package payload

import (
	"encoding/json"

	"github.com/chatwasm/chatwasm/abi"
)

// The room kinds, as Room.Type and CreateRoomArgs.Type name them.
const (
	OneToOneChat = "OneToOneChat"
	GroupChat    = "GroupChat"
	Channel      = "Channel"
)

// Room is a serialized room as clients see it, in either of its forms: the
// detail form that create_room, retreive_room, join_room and leave_room
// return (and the room of the membership and modify results), or the list
// form, the elements of list_rooms' result. Its JSON has exactly the
// members of its kind and form: participants and admins for a GroupChat,
// subscribers and moderators for a Channel, no creator, name or settings
// for a OneToOneChat; the list form has no member lists or property but the
// last message, and a 1-1 chat's peer instead of its creator. Members,
// Admins and MaxMembers hold the kind's participants or subscribers, admins
// or moderators, max_participants or max_subscribers. A kind this package
// does not know is written as a GroupChat.
type Room struct {
	ID string
	// Type is the kind: OneToOneChat, GroupChat or Channel.
	Type string
	// Creator is nil when the creator was deleted, and in a 1-1 chat.
	Creator *abi.User
	// Peer is the other participant of a 1-1 chat, in the list form.
	Peer *abi.User
	// Members and Admins are by ascending user id (detail form).
	Members []abi.User
	Admins  []abi.User
	// Property is the detail form's settings.
	Property RoomProperty
	// LastMessage is the room's last message in the list form, nil if none.
	LastMessage *Message
	CreatedAt   string
	UpdatedAt   string

	// Name, Description, Avatar and MaxMembers are those of a GroupChat or
	// a Channel.
	Name                 string
	Description          *string
	Avatar               *string
	MaxMembers           int64
	IsPublic             bool // Channel
	JoinApprovalRequired bool // GroupChat
	GroupLocked          bool // GroupChat

	// List says the room is in the list form. Decoding sets it when the
	// object has a last_message or a peer.
	List bool
	// Extra holds the members of the object this type does not name, by
	// key: they are written back as they are, after the named ones, in key
	// order. A key of any room form is never taken from Extra.
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
	Creator              *abi.User       `json:"creator"`
	Peer                 *abi.User       `json:"peer"`
	Participants         []abi.User      `json:"participants"`
	Admins               []abi.User      `json:"admins"`
	Subscribers          []abi.User      `json:"subscribers"`
	Moderators           []abi.User      `json:"moderators"`
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
