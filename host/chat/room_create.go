package chat

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/chatwasm/chatwasm/abi"
	"github.com/chatwasm/chatwasm/abi/payload"
	"github.com/chatwasm/chatwasm/host/chat/field"
	"github.com/chatwasm/chatwasm/host/chat/wire"
	"github.com/chatwasm/chatwasm/host/store"
)

// CreateRoomIn is the validated input of create_room.
type CreateRoomIn = payload.CreateRoomArgs

// Membership rule messages (docs/protocol.md §1.4–§1.6).
const (
	msgTwoParticipants = "A one to one chat can only have 2 participants"
	msgChatExists      = "Chat already exists"
	msgMaxParticipants = "Maximum number of group participants exceeded"
	msgMaxSubscribers  = "Maximum number of channel subscribers exceeded"
)

// createMembershipError is how room.create reports a broken membership rule:
// a 4003 whose one element is the Python rendering of the error list.
func createMembershipError(msg string) *wire.Error {
	return wire.Validation(fmt.Sprintf("['%s']", msg))
}

// maxMembersMessage is the cap error of a room kind.
func maxMembersMessage(k store.RoomKind) string {
	if k == store.KindChannel {
		return msgMaxSubscribers
	}
	return msgMaxParticipants
}

// roomCreate is room.create (docs/protocol.md §2.8.7): any user may create a room;
// every initial member's connections join its group, then all of them get
// roomcreate.dispatch.
var roomCreate = &operation[CreateRoomIn, payload.Room]{
	event: "room.create", name: abi.OpCreateRoom, write: true,
	sends: "roomcreate.dispatch → room",
	check: func(_ *Service, _ context.Context, _ Caller, _ json.RawMessage, d map[string]json.RawMessage) (checked[CreateRoomIn], error) {
		in, err := parseCreateRoom(d)
		return checked[CreateRoomIn]{in: in}, err
	},
	core:     (*Service).createRoom,
	audience: (*Service).roomCreated,
}

// roomCreated subscribes every initial member's connections to the new
// room's group and tells them all.
func (s *Service) roomCreated(ctx context.Context, c Caller, _ checked[CreateRoomIn], d payload.Room) ([]wire.Effect, error) {
	members := wire.MemberIDs(&d)
	if s.moduleOutput(ctx, c, abi.OpCreateRoom) {
		// The room was not known before the operation: the one the output
		// names must exist in the caller's tenant with the caller a member,
		// and its members are the database's.
		a, err := s.audience(ctx, c, d.ID, nil)
		if err != nil {
			return nil, err
		}
		if !a.exists || !slices.Contains(a.members, c.UserID) {
			return nil, s.forgedOutput(ctx, c, abi.OpCreateRoom, "id", d.ID, "a room of the tenant with the caller as a member")
		}
		members = a.members
	}
	eff := make([]wire.Effect, 0, len(members)+1)
	for _, u := range members {
		eff = append(eff, wire.Effect{Kind: wire.Subscribe, UserID: u, RoomID: d.ID})
	}
	e, err := wire.SendTo(wire.RoomGroup(d.ID), "roomcreate.dispatch", d)
	return append(eff, e), err
}

// parseCreateRoom validates room.create's data: the type, then the kind's
// fields (top-level keys overlaid by extra_fields), then the property.
func parseCreateRoom(d map[string]json.RawMessage) (CreateRoomIn, error) {
	var (
		in  CreateRoomIn
		err error
	)
	if json.Unmarshal(d["type"], &in.Type) != nil ||
		!slices.Contains([]string{payload.OneToOneChat, payload.GroupChat, payload.Channel}, in.Type) {
		return CreateRoomIn{}, wire.Validation("Invalid resource type")
	}
	fields := make(map[string]json.RawMessage, len(d))
	for k, v := range d {
		fields[k] = v
	}
	if raw, ok := d["extra_fields"]; ok && !field.IsNull(raw) {
		extra, ok := field.RawObject(raw)
		if !ok {
			return CreateRoomIn{}, wire.Validation("extra_fields must be a python dictionary/javascript object")
		}
		for k, v := range extra {
			fields[k] = v
		}
	}
	if err := setKindFields(&in, fields); err != nil {
		return CreateRoomIn{}, err
	}
	if extra, ok := field.RawObject(d["extra_fields"]); ok {
		if raw, present := extra["property"]; present {
			if in.Preferences, err = field.PropertyPreferences(raw); err != nil {
				return CreateRoomIn{}, err
			}
		}
	}
	membersKey := "participants"
	if in.Type == payload.Channel {
		membersKey = "subscribers"
	}
	// A non-list is no members.
	if in.Members, _, _, err = field.UserIDs(d[membersKey]); err != nil {
		return in, err
	}
	if in.Members == nil {
		in.Members = []int64{}
	}
	return in, nil
}

// setKindFields validates the model fields of a group or channel into in,
// reporting every bad field at once as DRF does.
func setKindFields(in *CreateRoomIn, f map[string]json.RawMessage) error {
	if in.Type == payload.OneToOneChat {
		return nil
	}
	errs := map[string][]string{}
	check := func(key, msg string) {
		if msg != "" {
			errs[key] = []string{msg}
		}
	}
	raw, present := f["name"]
	name, msg := field.CharField(raw, present, true, false, false, field.MaxRoomName)
	check("name", msg)
	if name != nil {
		in.Name = *name
	}
	raw, present = f["description"]
	in.Description, msg = field.CharField(raw, present, false, true, true, 0)
	check("description", msg)
	if raw, ok := f["avatar"]; ok {
		in.Avatar, msg = field.UrlField(raw)
		check("avatar", msg)
	}
	flag := func(key string, dst *bool) {
		if raw, ok := f[key]; ok {
			*dst, msg = field.BoolField(raw)
			check(key, msg)
		}
	}
	capKey := "max_participants"
	in.MaxMembers = store.DefaultMaxParticipants
	if in.Type == payload.Channel {
		capKey, in.MaxMembers = "max_subscribers", store.DefaultMaxSubscribers
		flag("is_public", &in.IsPublic)
	} else {
		flag("join_approval_required", &in.JoinApprovalRequired)
		flag("group_locked", &in.GroupLocked)
	}
	if raw, ok := f[capKey]; ok {
		in.MaxMembers, msg = field.PositiveIntField(raw)
		check(capKey, msg)
	}
	if len(errs) > 0 {
		return wire.FieldErrors(errs)
	}
	return nil
}

// createRoom is _create_room: the room, its members, the creator's role and
// permissions, all in the operation's transaction, so a broken membership
// rule leaves nothing behind.
func (s *Service) createRoom(ctx context.Context, call opCall, in CreateRoomIn) (payload.Room, error) {
	tx, c := call.Tx, call.Caller
	users, err := tx.UsersByID(ctx, c.Tenant, in.Members)
	if err != nil {
		return payload.Room{}, err
	}
	others := make([]int64, 0, len(in.Members))
	for _, id := range in.Members {
		if _, ok := users[id]; ok && id != c.UserID {
			others = append(others, id)
		}
	}
	slices.Sort(others)
	rm := store.Room{Tenant: c.Tenant, Kind: store.RoomKind(in.Type), Preferences: in.Preferences}
	if in.Type == payload.OneToOneChat {
		if len(others) != 1 {
			return payload.Room{}, createMembershipError(msgTwoParticipants)
		}
		rm, err = tx.CreateRoom(ctx, rm, store.PairKey(c.UserID, others[0]))
		if errors.Is(err, store.ErrConflict) {
			return payload.Room{}, createMembershipError(msgChatExists)
		}
		if err != nil {
			return payload.Room{}, err
		}
		if err := tx.AddMembers(ctx, rm.ID, []int64{c.UserID, others[0]}, false); err != nil {
			return payload.Room{}, err
		}
		return wire.LoadRoomDetail(ctx, tx, rm)
	}
	if int64(len(others))+1 > in.MaxMembers {
		return payload.Room{}, createMembershipError(maxMembersMessage(store.RoomKind(in.Type)))
	}
	creator := c.UserID
	rm.Name, rm.Description, rm.Avatar, rm.CreatorID = in.Name, in.Description, in.Avatar, &creator
	rm.MaxMembers, rm.IsPublic = in.MaxMembers, in.IsPublic
	rm.JoinApprovalRequired, rm.GroupLocked = in.JoinApprovalRequired, in.GroupLocked
	if rm, err = tx.CreateRoom(ctx, rm, ""); err != nil {
		return payload.Room{}, err
	}
	if err := tx.AddMembers(ctx, rm.ID, []int64{creator}, true); err != nil {
		return payload.Room{}, err
	}
	if err := tx.GrantPermissions(ctx, rm.ID, []int64{creator}, kindPermissions(rm.Kind)); err != nil {
		return payload.Room{}, err
	}
	if err := tx.AddMembers(ctx, rm.ID, others, false); err != nil {
		return payload.Room{}, err
	}
	return wire.LoadRoomDetail(ctx, tx, rm)
}
