package chat

import (
	"context"
	"encoding/json"
	"errors"
	"slices"

	"github.com/chatwasm/chatwasm/abi"
	"github.com/chatwasm/chatwasm/abi/payload"
	"github.com/chatwasm/chatwasm/host/chat/field"
	"github.com/chatwasm/chatwasm/host/chat/wire"
	"github.com/chatwasm/chatwasm/host/store"
)

// MembersIn is the input of add_members_to_room and
// remove_members_from_room: the room and the user ids asked for.
type MembersIn = payload.MembersArgs

// MembersOut is the result of add_members_to_room and
// remove_members_from_room: the users actually added or removed (ascending
// id) and the room after the change, nil when removing emptied and so
// deleted it.
type MembersOut = payload.MembersResult

// addedEvent is the data of roomaddmembers.dispatch.
type addedEvent struct {
	Room       *payload.Room `json:"room"`
	NewMembers []string      `json:"new_members"`
	AddedBy    string        `json:"added_by"`
}

// removedEvent is the data of roomremovemembers.dispatch.
type removedEvent struct {
	Room           *payload.Room `json:"room"`
	RemovedMembers []string      `json:"removed_members"`
	RemovedBy      string        `json:"removed_by"`
}

// exitEvent is the data of roomexit.dispatch.
type exitEvent struct {
	Room    *payload.Room `json:"room"`
	Message string        `json:"message"`
}

// deleteEvent is the data of roomdelete.dispatch.
type deleteEvent struct {
	RoomID string `json:"room_id"`
}

// membersArg reads data.members of add/remove members. The reference fails
// with a 4006 when it is missing; here it is a 4003 (docs/decisions.md). Elements
// that are not user ids name no user: 4004, like unknown ids.
func membersArg(d map[string]json.RawMessage) ([]int64, error) {
	raw, ok := d["members"]
	if !ok || field.IsNull(raw) {
		return nil, wire.Validation("Members must be provided")
	}
	ids, isList, bad, err := field.UserIDs(raw)
	if err != nil {
		return nil, err
	}
	if !isList {
		return nil, wire.Validation("Members must be a list/array")
	}
	if bad > 0 {
		return nil, wire.NotFound()
	}
	if ids == nil {
		ids = []int64{}
	}
	return ids, nil
}

// membersCheck is the check of room.add_members (added) or
// room.remove_members (membersIn).
func membersCheck(added bool) checkFunc[MembersIn] {
	return func(s *Service, ctx context.Context, c Caller, _ json.RawMessage, d map[string]json.RawMessage) (checked[MembersIn], error) {
		return s.membersIn(ctx, c, d, added)
	}
}

// roomAddMembers is room.add_members (docs/protocol.md §2.8.13).
var roomAddMembers = &operation[MembersIn, MembersOut]{
	event: "room.add_members", name: abi.OpAddMembersToRoom, write: true,
	sends:    "roomaddmembers.dispatch → room",
	check:    membersCheck(true),
	core:     (*Service).addMembersToRoom,
	audience: (*Service).membersAdded,
}

// membersAdded subscribes the users added and tells the room.
func (s *Service) membersAdded(ctx context.Context, c Caller, chk checked[MembersIn], out MembersOut) ([]wire.Effect, error) {
	in := chk.in
	if err := s.checkMembersOut(ctx, c, abi.OpAddMembersToRoom, in, out, true); err != nil {
		return nil, err
	}
	eff := make([]wire.Effect, 0, len(out.UserIDs)+1)
	for _, u := range out.UserIDs {
		eff = append(eff, wire.Effect{Kind: wire.Subscribe, UserID: u, RoomID: in.RoomID})
	}
	e, err := wire.SendTo(wire.RoomGroup(in.RoomID), "roomaddmembers.dispatch",
		addedEvent{Room: out.Room, NewMembers: nonNil(out.Usernames), AddedBy: c.Username})
	return append(eff, e), err
}

// roomRemoveMembers is room.remove_members (§2.8.14).
var roomRemoveMembers = &operation[MembersIn, MembersOut]{
	event: "room.remove_members", name: abi.OpRemoveMembersFromRoom, write: true,
	sends:    "roomexit.dispatch → each removed user; roomdelete.dispatch → each removed user; roomremovemembers.dispatch → room",
	check:    membersCheck(false),
	core:     (*Service).removeMembersFromRoom,
	audience: (*Service).membersRemoved,
}

// membersRemoved unsubscribes the users removed and tells them, and the
// room if it is left.
func (s *Service) membersRemoved(ctx context.Context, c Caller, chk checked[MembersIn], out MembersOut) ([]wire.Effect, error) {
	in := chk.in
	if err := s.checkMembersOut(ctx, c, abi.OpRemoveMembersFromRoom, in, out, false); err != nil {
		return nil, err
	}
	eff := make([]wire.Effect, 0, 2*len(out.UserIDs)+1)
	var err error
	for _, u := range out.UserIDs {
		eff = append(eff, wire.Effect{Kind: wire.Unsubscribe, UserID: u, RoomID: in.RoomID})
		var e wire.Effect
		if out.Room == nil {
			// Nobody is left to tell; each removed user learns the room is gone.
			e, err = wire.SendTo(wire.UserGroup(u), "roomdelete.dispatch", deleteEvent{RoomID: in.RoomID})
		} else {
			e, err = wire.SendTo(wire.UserGroup(u), "roomexit.dispatch",
				exitEvent{Room: out.Room, Message: "You have been removed by " + c.Username})
		}
		if err != nil {
			return nil, err
		}
		eff = append(eff, e)
	}
	if out.Room == nil {
		return eff, nil
	}
	e, err := wire.SendTo(wire.RoomGroup(in.RoomID), "roomremovemembers.dispatch",
		removedEvent{Room: out.Room, RemovedMembers: nonNil(out.Usernames), RemovedBy: c.Username})
	return append(eff, e), err
}

// checkMembersOut checks the output of add_members_to_room (added) or
// remove_members_from_room before its users are subscribed or unsubscribed
// and sent frames: its room must be the one the host checked, and, when
// modules took part, each of its users one the request asked for, of the
// caller's tenant, and now a member (added) or no longer one (removed), by
// the database. After a removal, a room reported deleted must be gone and
// a room reported must not be, as that decides who is told.
func (s *Service) checkMembersOut(ctx context.Context, c Caller, op string, in MembersIn, out MembersOut, added bool) error {
	if out.Room != nil && out.Room.ID != in.RoomID {
		return s.forgedOutput(ctx, c, op, "room.id", out.Room.ID, in.RoomID)
	}
	if !s.moduleOutput(ctx, c, op) {
		return nil
	}
	a, err := s.audience(ctx, c, in.RoomID, out.UserIDs)
	if err != nil {
		return err
	}
	if !added && a.exists == (out.Room == nil) {
		return s.forgedOutput(ctx, c, op, "room", out.Room != nil, a.exists)
	}
	for _, u := range out.UserIDs {
		_, ofTenant := a.users[u]
		if !ofTenant || !slices.Contains(in.UserIDs, u) || slices.Contains(a.members, u) != added {
			return s.forgedOutput(ctx, c, op, "user_ids", u, in.UserIDs)
		}
	}
	return nil
}

// audience is what decides who receives the frames of a room operation,
// read from the database after the operation, when modules took part in
// it and its output cannot be trusted for that.
type audience struct {
	// exists says whether the room exists in the caller's tenant.
	exists bool
	// members are its members, ascending.
	members []int64
	// users are those of the users asked about that belong to the
	// caller's tenant.
	users map[int64]store.User
}

// audience reads the audience of room roomID and which of users belong to
// the caller's tenant.
func (s *Service) audience(ctx context.Context, c Caller, roomID string, users []int64) (audience, error) {
	var a audience
	err := s.st.Read(ctx, func(tx *store.Tx) error {
		var err error
		if a.users, err = tx.UsersByID(ctx, c.Tenant, users); err != nil {
			return err
		}
		_, err = tx.GetRoom(ctx, c.Tenant, roomID, false)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		a.exists = true
		a.members, err = tx.MemberIDs(ctx, roomID)
		return err
	})
	return a, err
}

// membersIn runs the add (or remove) members permission check, then reads
// the member ids, in the reference's order.
func (s *Service) membersIn(ctx context.Context, c Caller, d map[string]json.RawMessage, add bool) (checked[MembersIn], error) {
	rm, err := s.checkMemberChange(ctx, c, d["room_id"], add)
	if err != nil {
		return checked[MembersIn]{}, err
	}
	ids, err := membersArg(d)
	if err != nil {
		return checked[MembersIn]{}, err
	}
	return checked[MembersIn]{in: MembersIn{RoomID: rm.ID, UserIDs: ids}, grant: grantRoom(rm.ID)}, nil
}

// existingUsers loads the users of ids in c's tenant; any id that names no
// such user is a 4004 and nothing changes.
func existingUsers(ctx context.Context, tx *store.Tx, c Caller, ids []int64) (map[int64]store.User, error) {
	users, err := tx.UsersByID(ctx, c.Tenant, ids)
	if err != nil {
		return nil, err
	}
	if len(users) != len(ids) {
		return nil, wire.NotFound()
	}
	return users, nil
}

// memberSet returns the ids of a room's members.
func memberSet(ctx context.Context, tx *store.Tx, roomID string) (map[int64]bool, error) {
	ids, err := tx.MemberIDs(ctx, roomID)
	if err != nil {
		return nil, err
	}
	set := make(map[int64]bool, len(ids))
	for _, id := range ids {
		set[id] = true
	}
	return set, nil
}

// memberChange is what adding and removing members both start from.
type memberChange struct {
	room store.Room // locked
	// users are the users asked for, all of the caller's tenant.
	users   map[int64]store.User
	current map[int64]bool // the room's members before the change
}

// startMemberChange locks and loads the room of in (checking the caller's
// right to add or remove members, see memberChangeRoom), the users asked
// for and the room's current members.
func (s *Service) startMemberChange(ctx context.Context, call opCall, in MembersIn, add bool) (memberChange, error) {
	rm, err := s.memberChangeRoom(ctx, call, in.RoomID, add)
	if err != nil {
		return memberChange{}, err
	}
	users, err := existingUsers(ctx, call.Tx, call.Caller, in.UserIDs)
	if err != nil {
		return memberChange{}, err
	}
	current, err := memberSet(ctx, call.Tx, rm.ID)
	return memberChange{room: rm, users: users, current: current}, err
}

// pick returns the result naming the users of ids that keep accepts, by
// ascending id.
func (mc memberChange) pick(ids []int64, keep func(id int64) bool) MembersOut {
	out := MembersOut{UserIDs: []int64{}, Usernames: []string{}}
	for _, id := range sortedIDs(ids) {
		if keep(id) {
			out.UserIDs = append(out.UserIDs, id)
			out.Usernames = append(out.Usernames, mc.users[id].Username)
		}
	}
	return out
}

// withRoom returns out with the room after the change, in its detail form.
func (mc memberChange) withRoom(ctx context.Context, tx *store.Tx, out MembersOut) (MembersOut, error) {
	d, err := wire.LoadRoomDetail(ctx, tx, mc.room)
	out.Room = &d
	return out, err
}

// addMembersToRoom is _add_members_to_room. The room row is locked before
// counting, so concurrent additions cannot together pass the cap. A room
// other than the one the request's permission check granted must pass
// have_room_permissions_to_add_or_remove_members here.
func (s *Service) addMembersToRoom(ctx context.Context, call opCall, in MembersIn) (MembersOut, error) {
	mc, err := s.startMemberChange(ctx, call, in, true)
	if err != nil {
		return MembersOut{}, err
	}
	out := mc.pick(in.UserIDs, func(id int64) bool { return !mc.current[id] })
	if int64(len(mc.current)+len(out.UserIDs)) > mc.room.MaxMembers {
		return MembersOut{}, wire.Validation(maxMembersMessage(mc.room.Kind))
	}
	if err := call.Tx.AddMembers(ctx, mc.room.ID, out.UserIDs, false); err != nil {
		return MembersOut{}, err
	}
	return mc.withRoom(ctx, call.Tx, out)
}

// removeMembersFromRoom is _remove_members_from_room: only the creator may
// remove the creator, non-members are skipped, and a room left empty is
// deleted. A room other than the one the request's permission check
// granted must pass have_room_permissions_to_add_or_remove_members here.
func (s *Service) removeMembersFromRoom(ctx context.Context, call opCall, in MembersIn) (MembersOut, error) {
	mc, err := s.startMemberChange(ctx, call, in, false)
	if err != nil {
		return MembersOut{}, err
	}
	rm, caller := mc.room, call.Caller.UserID
	out := mc.pick(in.UserIDs, func(id int64) bool {
		return mc.current[id] && (!isCreator(rm, id) || isCreator(rm, caller))
	})
	if err := call.Tx.RemoveMembers(ctx, rm.ID, out.UserIDs); err != nil {
		return MembersOut{}, err
	}
	if len(mc.current) == len(out.UserIDs) {
		return out, call.Tx.DeleteRoom(ctx, rm.ID)
	}
	return mc.withRoom(ctx, call.Tx, out)
}

// memberChangeRoom locks and loads the room of a member change in the
// caller's tenant, checking the caller's right to add (or remove) members
// when the request's permission check did not grant it.
func (s *Service) memberChangeRoom(ctx context.Context, call opCall, roomID string, add bool) (store.Room, error) {
	tx, c := call.Tx, call.Caller
	rm, err := tx.GetRoom(ctx, c.Tenant, roomID, true)
	if err != nil {
		return store.Room{}, err
	}
	err = regrant(call.Grant, rm.ID, func() error {
		_, err := s.memberChangePermission(ctx, tx, c, rawID(rm.ID), add)
		return err
	})
	return rm, err
}

func sortedIDs(ids []int64) []int64 {
	out := slices.Clone(ids)
	slices.Sort(out)
	return out
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
