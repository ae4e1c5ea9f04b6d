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
	b, err := json.Marshal(r.wireForm())
	if err != nil || len(r.Extra) == 0 {
		return b, err
	}
	w := appendObject(b, nil)
	w.extra(r.Extra, roomKeys)
	return w.bytes()
}

// wireForm is r as the struct of its kind and form below, which encoding/json
// writes with one allocation where member-by-member encoding took one per
// member.
func (r Room) wireForm() any {
	if r.List {
		switch r.Type {
		case OneToOneChat:
			return oneToOneList{r.ID, r.Type, r.Peer, r.LastMessage, r.CreatedAt, r.UpdatedAt}
		case Channel:
			return channelList{r.ID, r.Type, r.Creator, r.LastMessage, r.CreatedAt, r.UpdatedAt, r.Name,
				r.Description, r.IsPublic, r.Avatar, r.MaxMembers}
		}
		return groupList{r.ID, r.Type, r.Creator, r.LastMessage, r.CreatedAt, r.UpdatedAt, r.Name, r.Description,
			r.MaxMembers, r.Avatar, r.JoinApprovalRequired, r.GroupLocked}
	}
	members, admins, prop := orEmpty(r.Members), orEmpty(r.Admins), r.Property
	if len(prop.Preferences) == 0 {
		prop.Preferences = json.RawMessage("{}")
	}
	switch r.Type {
	case OneToOneChat:
		return oneToOneDetail{r.ID, r.Type, members, prop, r.CreatedAt, r.UpdatedAt}
	case Channel:
		return channelDetail{r.ID, r.Type, r.Creator, members, admins, prop, r.CreatedAt, r.UpdatedAt, r.Name,
			r.Description, r.IsPublic, r.Avatar, r.MaxMembers}
	}
	return groupDetail{r.ID, r.Type, r.Creator, members, admins, prop, r.CreatedAt, r.UpdatedAt, r.Name,
		r.Description, r.MaxMembers, r.Avatar, r.JoinApprovalRequired, r.GroupLocked}
}

// The members of each kind's detail form, in the host's order.
type (
	oneToOneDetail struct {
		ID           string       `json:"id"`
		Type         string       `json:"type"`
		Participants []abi.User   `json:"participants"`
		Property     RoomProperty `json:"property"`
		CreatedAt    string       `json:"created_at"`
		UpdatedAt    string       `json:"updated_at"`
	}
	groupDetail struct {
		ID                   string       `json:"id"`
		Type                 string       `json:"type"`
		Creator              *abi.User    `json:"creator"`
		Participants         []abi.User   `json:"participants"`
		Admins               []abi.User   `json:"admins"`
		Property             RoomProperty `json:"property"`
		CreatedAt            string       `json:"created_at"`
		UpdatedAt            string       `json:"updated_at"`
		Name                 string       `json:"name"`
		Description          *string      `json:"description"`
		MaxParticipants      int64        `json:"max_participants"`
		Avatar               *string      `json:"avatar"`
		JoinApprovalRequired bool         `json:"join_approval_required"`
		GroupLocked          bool         `json:"group_locked"`
	}
	channelDetail struct {
		ID             string       `json:"id"`
		Type           string       `json:"type"`
		Creator        *abi.User    `json:"creator"`
		Subscribers    []abi.User   `json:"subscribers"`
		Moderators     []abi.User   `json:"moderators"`
		Property       RoomProperty `json:"property"`
		CreatedAt      string       `json:"created_at"`
		UpdatedAt      string       `json:"updated_at"`
		Name           string       `json:"name"`
		Description    *string      `json:"description"`
		IsPublic       bool         `json:"is_public"`
		Avatar         *string      `json:"avatar"`
		MaxSubscribers int64        `json:"max_subscribers"`
	}
)

// The members of each kind's list form, in the host's order.
type (
	oneToOneList struct {
		ID          string    `json:"id"`
		Type        string    `json:"type"`
		Peer        *abi.User `json:"peer"`
		LastMessage *Message  `json:"last_message"`
		CreatedAt   string    `json:"created_at"`
		UpdatedAt   string    `json:"updated_at"`
	}
	groupList struct {
		ID                   string    `json:"id"`
		Type                 string    `json:"type"`
		Creator              *abi.User `json:"creator"`
		LastMessage          *Message  `json:"last_message"`
		CreatedAt            string    `json:"created_at"`
		UpdatedAt            string    `json:"updated_at"`
		Name                 string    `json:"name"`
		Description          *string   `json:"description"`
		MaxParticipants      int64     `json:"max_participants"`
		Avatar               *string   `json:"avatar"`
		JoinApprovalRequired bool      `json:"join_approval_required"`
		GroupLocked          bool      `json:"group_locked"`
	}
	channelList struct {
		ID             string    `json:"id"`
		Type           string    `json:"type"`
		Creator        *abi.User `json:"creator"`
		LastMessage    *Message  `json:"last_message"`
		CreatedAt      string    `json:"created_at"`
		UpdatedAt      string    `json:"updated_at"`
		Name           string    `json:"name"`
		Description    *string   `json:"description"`
		IsPublic       bool      `json:"is_public"`
		Avatar         *string   `json:"avatar"`
		MaxSubscribers int64     `json:"max_subscribers"`
	}
)
