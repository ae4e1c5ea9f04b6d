package wire

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"time"

	"github.com/chatwasm/chatwasm/host/store"
)

// RoomProperty is a room's free-form settings (docs/protocol.md §1.3).
type RoomProperty struct {
	// Preferences is a JSON object.
	Preferences json.RawMessage `json:"preferences"`
}

// RoomDetail is the detail form of a room (docs/protocol.md §2.6), the payload of
// roomcreate, roominfo, roomupdate and the "room" of the membership events.
// It holds every kind's fields; its JSON has exactly the key set of its
// Type: participants/admins for a GroupChat, subscribers/moderators for a
// Channel, no creator or group fields for a OneToOneChat.
type RoomDetail struct {
	ID       string
	Type     store.RoomKind
	Creator  *store.User
	Members  []store.User // participants or subscribers, by ascending id
	Admins   []store.User // admins or moderators, by ascending id
	Property RoomProperty
	// CreatedAt and UpdatedAt are in UTC, at microsecond precision.
	CreatedAt            time.Time
	UpdatedAt            time.Time
	Name                 string
	Description          *string
	Avatar               *string
	MaxMembers           int64 // max_participants or max_subscribers
	IsPublic             bool
	JoinApprovalRequired bool
	GroupLocked          bool
	// Extra are fields modules added, by key (see extra_fields.go).
	Extra map[string]json.RawMessage
}

// MemberIDs returns the ids of the room's members, ascending.
func (d RoomDetail) MemberIDs() []int64 {
	ids := make([]int64, len(d.Members))
	for i, u := range d.Members {
		ids[i] = u.ID
	}
	return ids
}

// roomWire has every key of every kind's serialized forms; each form picks
// its keys by copying into one of the per-kind structs below.
type roomWire struct {
	ID                   string          `json:"id"`
	Type                 store.RoomKind  `json:"type"`
	Creator              *store.User     `json:"creator"`
	Peer                 *store.User     `json:"peer"`
	Participants         []store.User    `json:"participants"`
	Admins               []store.User    `json:"admins"`
	Subscribers          []store.User    `json:"subscribers"`
	Moderators           []store.User    `json:"moderators"`
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

type oneToOneDetailJSON struct {
	ID           string         `json:"id"`
	Type         store.RoomKind `json:"type"`
	Participants []store.User   `json:"participants"`
	Property     RoomProperty   `json:"property"`
	CreatedAt    string         `json:"created_at"`
	UpdatedAt    string         `json:"updated_at"`
}

type groupDetailJSON struct {
	ID                   string         `json:"id"`
	Type                 store.RoomKind `json:"type"`
	Creator              *store.User    `json:"creator"`
	Participants         []store.User   `json:"participants"`
	Admins               []store.User   `json:"admins"`
	Property             RoomProperty   `json:"property"`
	CreatedAt            string         `json:"created_at"`
	UpdatedAt            string         `json:"updated_at"`
	Name                 string         `json:"name"`
	Description          *string        `json:"description"`
	MaxParticipants      int64          `json:"max_participants"`
	Avatar               *string        `json:"avatar"`
	JoinApprovalRequired bool           `json:"join_approval_required"`
	GroupLocked          bool           `json:"group_locked"`
}

type channelDetailJSON struct {
	ID             string         `json:"id"`
	Type           store.RoomKind `json:"type"`
	Creator        *store.User    `json:"creator"`
	Subscribers    []store.User   `json:"subscribers"`
	Moderators     []store.User   `json:"moderators"`
	Property       RoomProperty   `json:"property"`
	CreatedAt      string         `json:"created_at"`
	UpdatedAt      string         `json:"updated_at"`
	Name           string         `json:"name"`
	Description    *string        `json:"description"`
	IsPublic       bool           `json:"is_public"`
	Avatar         *string        `json:"avatar"`
	MaxSubscribers int64          `json:"max_subscribers"`
}

// MarshalJSON implements json.Marshaler with the key set of d.Type.
func (d RoomDetail) MarshalJSON() ([]byte, error) {
	members, admins := usersOrEmpty(d.Members), usersOrEmpty(d.Admins)
	prop := d.Property
	if len(prop.Preferences) == 0 {
		prop.Preferences = json.RawMessage("{}")
	}
	created, updated := FormatTime(d.CreatedAt), FormatTime(d.UpdatedAt)
	var v any
	switch d.Type {
	case store.KindOneToOne:
		v = oneToOneDetailJSON{d.ID, d.Type, members, prop, created, updated}
	case store.KindChannel:
		v = channelDetailJSON{d.ID, d.Type, d.Creator, members, admins, prop, created, updated,
			d.Name, d.Description, d.IsPublic, d.Avatar, d.MaxMembers}
	default:
		v = groupDetailJSON{d.ID, d.Type, d.Creator, members, admins, prop, created, updated,
			d.Name, d.Description, d.MaxMembers, d.Avatar, d.JoinApprovalRequired, d.GroupLocked}
	}
	return marshalForm(v, d.Extra)
}

// UnmarshalJSON implements json.Unmarshaler, reading any kind's form back
// (a module may return a room it built or changed).
func (d *RoomDetail) UnmarshalJSON(b []byte) error {
	w, created, updated, err := readRoomWire(b)
	if err != nil {
		return err
	}
	*d = RoomDetail{ID: w.ID, Type: w.Type, Creator: w.Creator, CreatedAt: created, UpdatedAt: updated,
		Name: w.Name, Description: w.Description, Avatar: w.Avatar, IsPublic: w.IsPublic,
		JoinApprovalRequired: w.JoinApprovalRequired, GroupLocked: w.GroupLocked}
	if w.Property != nil {
		d.Property = *w.Property
	}
	if w.Type == store.KindChannel {
		d.Members, d.Admins, d.MaxMembers = w.Subscribers, w.Moderators, w.MaxSubscribers
	} else {
		d.Members, d.Admins, d.MaxMembers = w.Participants, w.Admins, w.MaxParticipants
	}
	d.Extra, err = unknownFields(b, roomFormKeys(w.Type, false))
	return err
}

// RoomListItem is the list form of a room (docs/protocol.md §2.6), one element of
// roomlist.dispatch: no member lists or property; a 1-1 chat shows the other
// participant as peer; last_message and peer are null when missing.
type RoomListItem struct {
	ID          string
	Type        store.RoomKind
	Creator     *store.User
	Peer        *store.User
	LastMessage json.RawMessage // a serialized Message, or nil
	CreatedAt   time.Time
	UpdatedAt   time.Time
	Name        string
	Description *string
	Avatar      *string
	MaxMembers  int64
	IsPublic    bool
	// JoinApprovalRequired and GroupLocked are GroupChat flags.
	JoinApprovalRequired bool
	GroupLocked          bool
	// Extra are fields modules added, by key (see extra_fields.go).
	Extra map[string]json.RawMessage
}

type oneToOneListJSON struct {
	ID          string          `json:"id"`
	Type        store.RoomKind  `json:"type"`
	Peer        *store.User     `json:"peer"`
	LastMessage json.RawMessage `json:"last_message"`
	CreatedAt   string          `json:"created_at"`
	UpdatedAt   string          `json:"updated_at"`
}

type groupListJSON struct {
	ID                   string          `json:"id"`
	Type                 store.RoomKind  `json:"type"`
	Creator              *store.User     `json:"creator"`
	LastMessage          json.RawMessage `json:"last_message"`
	CreatedAt            string          `json:"created_at"`
	UpdatedAt            string          `json:"updated_at"`
	Name                 string          `json:"name"`
	Description          *string         `json:"description"`
	MaxParticipants      int64           `json:"max_participants"`
	Avatar               *string         `json:"avatar"`
	JoinApprovalRequired bool            `json:"join_approval_required"`
	GroupLocked          bool            `json:"group_locked"`
}

type channelListJSON struct {
	ID             string          `json:"id"`
	Type           store.RoomKind  `json:"type"`
	Creator        *store.User     `json:"creator"`
	LastMessage    json.RawMessage `json:"last_message"`
	CreatedAt      string          `json:"created_at"`
	UpdatedAt      string          `json:"updated_at"`
	Name           string          `json:"name"`
	Description    *string         `json:"description"`
	IsPublic       bool            `json:"is_public"`
	Avatar         *string         `json:"avatar"`
	MaxSubscribers int64           `json:"max_subscribers"`
}

// MarshalJSON implements json.Marshaler with the key set of it.Type.
func (it RoomListItem) MarshalJSON() ([]byte, error) {
	last := it.LastMessage
	if len(last) == 0 {
		last = json.RawMessage("null")
	}
	created, updated := FormatTime(it.CreatedAt), FormatTime(it.UpdatedAt)
	var v any
	switch it.Type {
	case store.KindOneToOne:
		v = oneToOneListJSON{it.ID, it.Type, it.Peer, last, created, updated}
	case store.KindChannel:
		v = channelListJSON{it.ID, it.Type, it.Creator, last, created, updated,
			it.Name, it.Description, it.IsPublic, it.Avatar, it.MaxMembers}
	default:
		v = groupListJSON{it.ID, it.Type, it.Creator, last, created, updated,
			it.Name, it.Description, it.MaxMembers, it.Avatar, it.JoinApprovalRequired, it.GroupLocked}
	}
	return marshalForm(v, it.Extra)
}

// UnmarshalJSON implements json.Unmarshaler for any kind's list form.
func (it *RoomListItem) UnmarshalJSON(b []byte) error {
	w, created, updated, err := readRoomWire(b)
	if err != nil {
		return err
	}
	*it = RoomListItem{ID: w.ID, Type: w.Type, Creator: w.Creator, Peer: w.Peer, CreatedAt: created,
		UpdatedAt: updated, Name: w.Name, Description: w.Description, Avatar: w.Avatar, IsPublic: w.IsPublic,
		JoinApprovalRequired: w.JoinApprovalRequired, GroupLocked: w.GroupLocked, MaxMembers: w.MaxParticipants}
	if string(w.LastMessage) != "null" {
		it.LastMessage = w.LastMessage
	}
	if w.Type == store.KindChannel {
		it.MaxMembers = w.MaxSubscribers
	}
	it.Extra, err = unknownFields(b, roomFormKeys(w.Type, true))
	return err
}

// marshalForm encodes one of a room's JSON forms and merges into it the
// fields modules added.
func marshalForm(v any, extra map[string]json.RawMessage) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil || len(extra) == 0 {
		return b, err
	}
	return MergeFields(b, extra)
}

// readRoomWire decodes any of a room's JSON forms, with its timestamps.
func readRoomWire(b []byte) (w roomWire, created, updated time.Time, err error) {
	if err = json.Unmarshal(b, &w); err != nil {
		return w, created, updated, err
	}
	if created, err = ParseTime(w.CreatedAt); err != nil {
		return w, created, updated, fmt.Errorf("room created_at: %w", err)
	}
	if updated, err = ParseTime(w.UpdatedAt); err != nil {
		return w, created, updated, fmt.Errorf("room updated_at: %w", err)
	}
	return w, created, updated, nil
}

func usersOrEmpty(us []store.User) []store.User {
	if us == nil {
		return []store.User{}
	}
	return us
}

// roomDetail serializes rm in the detail form with its current members.
func LoadRoomDetail(ctx context.Context, tx *store.Tx, rm store.Room) (RoomDetail, error) {
	ms, err := tx.Members(ctx, rm.ID)
	if err != nil {
		return RoomDetail{}, err
	}
	ids := make([]int64, 0, len(ms)+1)
	for _, m := range ms {
		ids = append(ids, m.UserID)
	}
	if rm.CreatorID != nil {
		ids = append(ids, *rm.CreatorID)
	}
	users, err := tx.UsersByID(ctx, rm.Tenant, ids)
	if err != nil {
		return RoomDetail{}, err
	}
	d := RoomDetail{ID: rm.ID, Type: rm.Kind, Members: []store.User{}, Admins: []store.User{},
		Property: RoomProperty{Preferences: rm.Preferences}, CreatedAt: rm.CreatedAt, UpdatedAt: rm.UpdatedAt,
		Name: rm.Name, Description: rm.Description, Avatar: rm.Avatar, MaxMembers: rm.MaxMembers,
		IsPublic: rm.IsPublic, JoinApprovalRequired: rm.JoinApprovalRequired, GroupLocked: rm.GroupLocked}
	if rm.CreatorID != nil {
		if u, ok := users[*rm.CreatorID]; ok {
			d.Creator = &u
		}
	}
	for _, m := range ms {
		u, ok := users[m.UserID]
		if !ok {
			continue
		}
		d.Members = append(d.Members, u)
		if m.IsAdmin {
			d.Admins = append(d.Admins, u)
		}
	}
	return d, nil
}

// RoomListItems serializes rooms in the list form as viewer, a user of
// tenant, sees them (its peer, its last message), in the order given.
func RoomListItems(ctx context.Context, tx *store.Tx, tenant string, viewer int64, rooms []store.Room) ([]RoomListItem, error) {
	peers, err := tx.OneToOnePeers(ctx, viewer)
	if err != nil {
		return nil, err
	}
	var ids []int64
	for _, rm := range rooms {
		if rm.CreatorID != nil {
			ids = append(ids, *rm.CreatorID)
		}
	}
	for _, p := range peers {
		ids = append(ids, p)
	}
	users, err := tx.UsersByID(ctx, tenant, ids)
	if err != nil {
		return nil, err
	}
	lookup := func(id *int64) *store.User {
		if id == nil {
			return nil
		}
		if u, ok := users[*id]; ok {
			return &u
		}
		return nil
	}
	last, err := lastMessagesJSON(ctx, tx, rooms)
	if err != nil {
		return nil, err
	}
	out := make([]RoomListItem, 0, len(rooms))
	for _, rm := range rooms {
		it := RoomListItem{ID: rm.ID, Type: rm.Kind, Creator: lookup(rm.CreatorID), CreatedAt: rm.CreatedAt,
			UpdatedAt: rm.UpdatedAt, Name: rm.Name, Description: rm.Description, Avatar: rm.Avatar,
			MaxMembers: rm.MaxMembers, IsPublic: rm.IsPublic, JoinApprovalRequired: rm.JoinApprovalRequired,
			GroupLocked: rm.GroupLocked}
		if p, ok := peers[rm.ID]; ok {
			it.Peer = lookup(&p)
		}
		if rm.LastMessageID != nil {
			it.LastMessage = last[*rm.LastMessageID]
		}
		out = append(out, it)
	}
	return out, nil
}

// lastMessagesJSON serializes the last messages of rooms together, keyed by
// message id: one batch of queries for the whole list rather than one per
// room. A message that vanished in the meantime is absent (its room shows
// last_message null), not an error.
func lastMessagesJSON(ctx context.Context, tx *store.Tx, rooms []store.Room) (map[string]json.RawMessage, error) {
	var ids []string
	for _, rm := range rooms {
		if rm.LastMessageID != nil {
			ids = append(ids, *rm.LastMessageID)
		}
	}
	if len(ids) == 0 {
		return nil, nil
	}
	views, err := serializeFound(ctx, tx, ids)
	if err != nil {
		return nil, err
	}
	out := make(map[string]json.RawMessage, len(views))
	for id, v := range views {
		b, err := json.Marshal(v)
		if err != nil {
			return nil, fmt.Errorf("chat: encode last message: %w", err)
		}
		out[id] = b
	}
	return out, nil
}

// The keys of each room kind's detail and list forms; any other key of a
// room a module returns is kept in its Extra.
var (
	detailKeys = map[store.RoomKind]map[string]bool{
		store.KindOneToOne: jsonKeys(reflect.TypeFor[oneToOneDetailJSON]()),
		store.KindGroup:    jsonKeys(reflect.TypeFor[groupDetailJSON]()),
		store.KindChannel:  jsonKeys(reflect.TypeFor[channelDetailJSON]()),
	}
	listKeys = map[store.RoomKind]map[string]bool{
		store.KindOneToOne: jsonKeys(reflect.TypeFor[oneToOneListJSON]()),
		store.KindGroup:    jsonKeys(reflect.TypeFor[groupListJSON]()),
		store.KindChannel:  jsonKeys(reflect.TypeFor[channelListJSON]()),
	}
)

// roomFormKeys returns the keys of kind's list or detail form; an unknown
// kind is serialized as a group.
func roomFormKeys(kind store.RoomKind, list bool) map[string]bool {
	forms := detailKeys
	if list {
		forms = listKeys
	}
	if keys, ok := forms[kind]; ok {
		return keys
	}
	return forms[store.KindGroup]
}
