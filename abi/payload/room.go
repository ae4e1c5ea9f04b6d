package payload

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"

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
//
// The host builds every room its operations return as a Room, and decodes
// a room a module returns into one.
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
	// CreatedAt and UpdatedAt are RFC 3339 times in UTC, with a microsecond
	// fraction when it is not zero, as the host writes them.
	CreatedAt string
	UpdatedAt string

	// Name, Description, Avatar and MaxMembers are those of a GroupChat or
	// a Channel.
	Name                 string
	Description          *string
	Avatar               *string
	MaxMembers           int64
	IsPublic             bool // Channel
	JoinApprovalRequired bool // GroupChat
	GroupLocked          bool // GroupChat

	// List says the room is in the list form. UnmarshalJSON reads the list
	// form when the object has a last_message or a peer and no property
	// (DecodeRoom reads the form it is told).
	List bool
	// Extra holds the members of the object that its kind and form do not
	// name, by key: they are written back as they are, after the named
	// ones, in key order. A member of Extra that the form does name is
	// written in place of that member's own value: that is how the host
	// applies a serializer hook's change to, say, the name.
	Extra map[string]json.RawMessage
}

// RoomProperty is a room's free-form settings.
type RoomProperty struct {
	// Preferences is a JSON object.
	Preferences json.RawMessage `json:"preferences"`
}

// The members of each kind's detail and list forms, in the host's order.
var (
	oneToOneDetail = []string{"id", "type", "participants", "property", "created_at", "updated_at"}
	groupDetail    = []string{"id", "type", "creator", "participants", "admins", "property", "created_at",
		"updated_at", "name", "description", "max_participants", "avatar", "join_approval_required", "group_locked"}
	channelDetail = []string{"id", "type", "creator", "subscribers", "moderators", "property", "created_at",
		"updated_at", "name", "description", "is_public", "avatar", "max_subscribers"}
	oneToOneList = []string{"id", "type", "peer", "last_message", "created_at", "updated_at"}
	groupList    = []string{"id", "type", "creator", "last_message", "created_at", "updated_at", "name",
		"description", "max_participants", "avatar", "join_approval_required", "group_locked"}
	channelList = []string{"id", "type", "creator", "last_message", "created_at", "updated_at", "name",
		"description", "is_public", "avatar", "max_subscribers"}
)

// roomForm returns the members of kind's list or detail form; an unknown
// kind has a GroupChat's.
func roomForm(kind string, list bool) []string {
	switch {
	case kind == OneToOneChat && list:
		return oneToOneList
	case kind == OneToOneChat:
		return oneToOneDetail
	case kind == Channel && list:
		return channelList
	case kind == Channel:
		return channelDetail
	case list:
		return groupList
	}
	return groupDetail
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
}

// UnmarshalJSON implements json.Unmarshaler for either form of any kind,
// keeping the members its kind and form do not name in Extra.
func (r *Room) UnmarshalJSON(data []byte) error {
	var keys map[string]json.RawMessage
	if err := json.Unmarshal(data, &keys); err != nil {
		return err
	}
	_, last := keys["last_message"]
	_, peer := keys["peer"]
	_, prop := keys["property"]
	return r.decode(data, keys, (last || peer) && !prop)
}

// DecodeRoom decodes data as a room in the list form if list is true, in
// the detail form otherwise, whatever members it has: those the form does
// not name go to Extra.
func DecodeRoom(data []byte, list bool) (Room, error) {
	var keys map[string]json.RawMessage
	if err := json.Unmarshal(data, &keys); err != nil {
		return Room{}, err
	}
	var r Room
	err := r.decode(data, keys, list)
	return r, err
}

// decode decodes data, whose members are all, in the list or detail form.
func (r *Room) decode(data []byte, all map[string]json.RawMessage, list bool) error {
	var w roomWire
	if err := json.Unmarshal(data, &w); err != nil {
		return err
	}
	*r = Room{ID: w.ID, Type: w.Type, Creator: w.Creator, CreatedAt: w.CreatedAt, UpdatedAt: w.UpdatedAt,
		Name: w.Name, Description: w.Description, Avatar: w.Avatar, IsPublic: w.IsPublic,
		JoinApprovalRequired: w.JoinApprovalRequired, GroupLocked: w.GroupLocked, List: list,
		MaxMembers: w.MaxParticipants}
	if w.Type == Channel {
		r.MaxMembers = w.MaxSubscribers
	}
	switch {
	case list:
		r.Peer = w.Peer
		if len(w.LastMessage) > 0 && string(w.LastMessage) != "null" {
			r.LastMessage = new(Message)
			if err := json.Unmarshal(w.LastMessage, r.LastMessage); err != nil {
				return fmt.Errorf("room %s last_message: %w", w.ID, err)
			}
		}
	case w.Type == Channel:
		r.Members, r.Admins = w.Subscribers, w.Moderators
	default:
		r.Members, r.Admins = w.Participants, w.Admins
	}
	if w.Property != nil && !list {
		r.Property = *w.Property
	}
	form := roomForm(w.Type, list)
	for k, v := range all {
		if !slices.Contains(form, k) {
			if r.Extra == nil {
				r.Extra = make(map[string]json.RawMessage)
			}
			r.Extra[k] = v
		}
	}
	return nil
}

// MarshalJSON implements json.Marshaler: it is AppendJSON.
func (r Room) MarshalJSON() ([]byte, error) { return r.AppendJSON(nil) }

// AppendJSON appends r's JSON to dst, the bytes json.Marshal writes for it:
// the members of its kind and form in the host's order (lists never null,
// preferences {} when empty), each taken from Extra when Extra has it, then
// the rest of Extra.
func (r *Room) AppendJSON(dst []byte) ([]byte, error) {
	form := roomForm(r.Type, r.List)
	dst = append(dst, '{')
	var err error
	for i, k := range form {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, '"')
		dst = append(dst, k...)
		dst = append(dst, `":`...)
		if v, ok := r.Extra[k]; ok {
			if len(v) == 0 {
				v = json.RawMessage("null")
			}
			dst, err = appendRaw(dst, v)
		} else {
			dst, err = r.appendMember(dst, k)
		}
		if err != nil {
			return nil, fmt.Errorf("room %s member %q: %w", r.ID, k, err)
		}
	}
	if len(r.Extra) > 0 {
		if dst, err = appendExtra(dst, r.Extra, form); err != nil {
			return nil, fmt.Errorf("room %s: %w", r.ID, err)
		}
	}
	return append(dst, '}'), nil
}

// appendMember appends the value of r's member key, one of a form's.
func (r *Room) appendMember(dst []byte, key string) ([]byte, error) {
	switch key {
	case "id":
		return appendString(dst, r.ID), nil
	case "type":
		return appendString(dst, r.Type), nil
	case "creator":
		return appendOptUser(dst, r.Creator), nil
	case "peer":
		return appendOptUser(dst, r.Peer), nil
	case "participants", "subscribers":
		return appendUsers(dst, r.Members), nil
	case "admins", "moderators":
		return appendUsers(dst, r.Admins), nil
	case "property":
		prefs := r.Property.Preferences
		if len(prefs) == 0 {
			prefs = json.RawMessage("{}")
		}
		dst, err := appendRaw(append(dst, `{"preferences":`...), prefs)
		if err != nil {
			return nil, err
		}
		return append(dst, '}'), nil
	case "last_message":
		if r.LastMessage == nil {
			return append(dst, "null"...), nil
		}
		return r.LastMessage.AppendJSON(dst)
	case "created_at":
		return appendString(dst, r.CreatedAt), nil
	case "updated_at":
		return appendString(dst, r.UpdatedAt), nil
	case "name":
		return appendString(dst, r.Name), nil
	case "description":
		return appendOptString(dst, r.Description), nil
	case "avatar":
		return appendOptString(dst, r.Avatar), nil
	case "max_participants", "max_subscribers":
		return strconv.AppendInt(dst, r.MaxMembers, 10), nil
	case "is_public":
		return appendBool(dst, r.IsPublic), nil
	case "join_approval_required":
		return appendBool(dst, r.JoinApprovalRequired), nil
	case "group_locked":
		return appendBool(dst, r.GroupLocked), nil
	}
	return nil, fmt.Errorf("payload: no room member %q", key)
}

// appendOptUser appends *u, or null.
func appendOptUser(dst []byte, u *abi.User) []byte {
	if u == nil {
		return append(dst, "null"...)
	}
	return appendUser(dst, u)
}

// appendUsers appends us as a JSON array, [] when nil.
func appendUsers(dst []byte, us []abi.User) []byte {
	dst = append(dst, '[')
	for i := range us {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendUser(dst, &us[i])
	}
	return append(dst, ']')
}
