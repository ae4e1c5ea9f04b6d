package chat

import (
	"bytes"
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

// room.modify actions (docs/protocol.md §2.8.15).
const (
	modifyUpdate           = "update"
	modifyDelete           = "delete"
	modifyAddPermission    = "add_permission"
	modifyRemovePermission = "remove_permission"
	modifyAddAdmin         = "add_admin"
	modifyRemoveAdmin      = "remove_admin"
	modifyAddModerator     = "add_moderator"
	modifyRemoveModerator  = "remove_moderator"
)

var modifyActions = []string{modifyUpdate, modifyDelete, modifyAddPermission, modifyRemovePermission,
	modifyAddAdmin, modifyRemoveAdmin, modifyAddModerator, modifyRemoveModerator}

// ModifyRoomIn is the validated input of modify_room. The update fields are
// nil when not to be changed; Data is the frame's data object as sent, for
// an action the host does not know, which only a module hooking modify_room
// can handle (docs/protocol.md §5.1: extra actions in _modify_room).
type ModifyRoomIn = payload.ModifyRoomArgs

// ModifyRoomOut is the result of modify_room: the room after the change, or
// Deleted with the ids of its former members.
type ModifyRoomOut = payload.ModifyRoomResult

// roomModify is room.modify (§2.8.15): admin privileges first (creator only
// for deleting a group or channel), then the action's own validation.
var roomModify = &operation[ModifyRoomIn, ModifyRoomOut]{
	event: "room.modify", name: abi.OpModifyRoom, write: true,
	sends:    "roomupdate.dispatch → room; roomdelete.dispatch → room",
	check:    (*Service).modifyRoomCheck,
	core:     (*Service).modifyRoom,
	audience: (*Service).roomModified,
}

// modifyRoomCheck runs is_admin_or_has_privileges for the action, then
// validates the action's data. An action the host does not know is left
// to the modules that hook modify_room, with the data as sent.
func (s *Service) modifyRoomCheck(ctx context.Context, c Caller, _ json.RawMessage, d map[string]json.RawMessage) (checked[ModifyRoomIn], error) {
	var action string
	_ = json.Unmarshal(d["action"], &action) // a non-string action is an invalid one
	rm, err := s.checkAdmin(ctx, c, d["room_id"], action)
	if err != nil {
		return checked[ModifyRoomIn]{}, err
	}
	in, err := parseModifyRoom(rm, d)
	if errors.Is(err, errUnknownAction) && s.request(ctx).has(c.Tenant, abi.OpModifyRoom, abi.ReplaceHook(abi.OpModifyRoom)) {
		in.Data, err = d["data"], nil
	}
	if err != nil {
		return checked[ModifyRoomIn]{}, err
	}
	return checked[ModifyRoomIn]{in: in, grant: grantRoom(rm.ID)}, nil
}

// roomModified tells the room of the change, or of its deletion, then
// unsubscribes its former members.
func (s *Service) roomModified(ctx context.Context, c Caller, chk checked[ModifyRoomIn], out ModifyRoomOut) ([]wire.Effect, error) {
	id := chk.in.RoomID
	if err := s.checkModifyRoomOut(ctx, c, id, out); err != nil {
		return nil, err
	}
	if out.Deleted {
		e, err := wire.SendTo(wire.RoomGroup(id), "roomdelete.dispatch", deleteEvent{RoomID: id})
		if err != nil {
			return nil, err
		}
		eff := []wire.Effect{e}
		for _, u := range out.Members {
			eff = append(eff, wire.Effect{Kind: wire.Unsubscribe, UserID: u, RoomID: id})
		}
		return eff, nil
	}
	e, err := wire.SendTo(wire.RoomGroup(id), "roomupdate.dispatch", out.Room)
	return []wire.Effect{e}, err
}

// checkModifyRoomOut checks modify_room's output before its frames go to
// the room the host checked (roomID): a room it reports must be that one,
// and, when modules took part, a deletion it reports must have happened,
// as it decides who is told and unsubscribed.
func (s *Service) checkModifyRoomOut(ctx context.Context, c Caller, roomID string, out ModifyRoomOut) error {
	if out.Room != nil && out.Room.ID != roomID {
		return s.forgedOutput(ctx, c, abi.OpModifyRoom, "room.id", out.Room.ID, roomID)
	}
	if !out.Deleted || !s.moduleOutput(ctx, c, abi.OpModifyRoom) {
		return nil
	}
	a, err := s.audience(ctx, c, roomID, nil)
	if err != nil {
		return err
	}
	if a.exists {
		return s.forgedOutput(ctx, c, abi.OpModifyRoom, "room_deleted", true, false)
	}
	return nil
}

// errUnknownAction marks the "Invalid action type" of an action string the
// host does not know, which a module may handle: the cause of
// unknownAction's errors, so that errors.Is finds it.
var errUnknownAction = errors.New("unknown room.modify action")

// unknownAction is the "Invalid action type" of an action string the host
// does not know; a fresh value each time, as callers may annotate it.
func unknownAction() *wire.Error {
	e := wire.Validation("Invalid action type")
	e.Err = errUnknownAction
	return e
}

// parseModifyRoom validates room.modify's data for rm, whose kind decides
// which fields and actions apply.
func parseModifyRoom(rm store.Room, d map[string]json.RawMessage) (ModifyRoomIn, error) {
	in := ModifyRoomIn{RoomID: rm.ID}
	if !field.Truthy(d["action"]) {
		return in, wire.Validation("Action must be provided")
	}
	if json.Unmarshal(d["action"], &in.Action) != nil {
		return in, wire.Validation("Invalid action type")
	}
	if !slices.Contains(modifyActions, in.Action) {
		return in, unknownAction()
	}
	if in.Action == modifyDelete {
		return in, nil
	}
	if !field.Truthy(d["data"]) {
		return in, wire.Validation("data must be provided")
	}
	body, ok := field.RawObject(d["data"])
	if !ok {
		return in, wire.Validation("data must be a python dictionary/javascript object")
	}
	if in.Action == modifyUpdate {
		return in, setRoomUpdate(&in, rm.Kind, body)
	}
	if rm.Kind == store.KindOneToOne {
		return in, nil // roles and permissions do not exist in a 1-1 chat
	}
	return in, setRoleChange(&in, rm.Kind, body)
}

// setRoomUpdate reads into in the fields of an update: texts only when
// truthy (they cannot be cleared), flags only when JSON booleans, as the
// reference does.
func setRoomUpdate(in *ModifyRoomIn, k store.RoomKind, body map[string]json.RawMessage) error {
	if k != store.KindOneToOne {
		errs := map[string][]string{}
		text := func(key string, dst **string, maxLen int) {
			if field.Truthy(body[key]) {
				v, msg := field.CharField(body[key], true, false, false, false, maxLen)
				if msg != "" {
					errs[key] = []string{msg}
				}
				*dst = v
			}
		}
		text("name", &in.Name, field.MaxRoomName)
		text("description", &in.Description, 0)
		if field.Truthy(body["avatar"]) {
			v, msg := field.UrlField(body["avatar"])
			if msg != "" {
				errs["avatar"] = []string{msg}
			}
			in.Avatar = v
		}
		if len(errs) > 0 {
			return wire.FieldErrors(errs)
		}
	}
	switch k {
	case store.KindGroup:
		in.GroupLocked = jsonBool(body["group_locked"])
		in.JoinApprovalRequired = jsonBool(body["join_approval_required"])
	case store.KindChannel:
		in.IsPublic = jsonBool(body["is_public"])
	}
	if raw, ok := body["property"]; ok {
		prefs, err := field.PropertyPreferences(raw)
		if err != nil {
			return err
		}
		in.Preferences = prefs
	}
	return nil
}

// setRoleChange reads into in the users (and permissions) of a role or
// permission action on a group or channel.
func setRoleChange(in *ModifyRoomIn, k store.RoomKind, body map[string]json.RawMessage) error {
	if !field.Truthy(body["users"]) {
		return wire.Validation("User ids must be provided")
	}
	ids, isList, _, err := field.UserIDs(body["users"])
	if err != nil {
		return err
	}
	if !isList {
		return wire.Validation("User ids must be a list/array")
	}
	in.UserIDs = ids // ids that name no member are dropped by the operation
	switch in.Action {
	case modifyAddAdmin, modifyRemoveAdmin:
		if k != store.KindGroup {
			return wire.Validation("Room should be a group chat to modify the admins")
		}
	case modifyAddModerator, modifyRemoveModerator:
		if k != store.KindChannel {
			return wire.Validation("Room should be a channel to modify the moderators")
		}
	case modifyAddPermission, modifyRemovePermission:
		perms, err := permissionArg(k, body["permission"])
		if err != nil {
			return err
		}
		in.Permissions = perms
	}
	return nil
}

// permissionArg reads the "permission" list (singular key, as the reference
// reads it) and checks each name against the room kind.
func permissionArg(k store.RoomKind, raw json.RawMessage) ([]string, error) {
	if !field.Truthy(raw) {
		return nil, wire.Validation("Permission to add or remove should be passed")
	}
	var items []json.RawMessage
	if bytes.TrimSpace(raw)[0] != '[' || json.Unmarshal(raw, &items) != nil {
		return nil, wire.Validation("Permission must be a list")
	}
	valid := kindPermissions(k)
	var perms []string
	for _, it := range items {
		var p string
		if json.Unmarshal(it, &p) != nil {
			p = string(bytes.TrimSpace(it))
		}
		if !slices.Contains(valid, p) {
			if k == store.KindGroup {
				return nil, wire.Validation(fmt.Sprintf("Permission '%s' is not a valid group chat permission", p))
			}
			return nil, wire.Validation(fmt.Sprintf("Permission '%s' is not a valid channel permission", p))
		}
		if !slices.Contains(perms, p) {
			perms = append(perms, p)
		}
	}
	return perms, nil
}

// jsonBool returns the value of a JSON boolean, nil for anything else.
func jsonBool(raw json.RawMessage) *bool {
	var b bool
	switch string(bytes.TrimSpace(raw)) {
	case "true":
		b = true
	case "false":
	default:
		return nil
	}
	return &b
}

// modifyRoom is _modify_room. A room other than the one the request's
// permission check granted must pass have_admin_privileges here.
func (s *Service) modifyRoom(ctx context.Context, call opCall, in ModifyRoomIn) (ModifyRoomOut, error) {
	tx, c := call.Tx, call.Caller
	if !slices.Contains(modifyActions, in.Action) {
		return ModifyRoomOut{}, unknownAction()
	}
	rm, err := tx.GetRoom(ctx, c.Tenant, in.RoomID, true)
	if err != nil {
		return ModifyRoomOut{}, err
	}
	if err := regrant(call.Grant, rm.ID, func() error {
		_, err := s.adminPrivileges(ctx, tx, c, rawID(rm.ID), in.Action)
		return err
	}); err != nil {
		return ModifyRoomOut{}, err
	}
	if in.Action == modifyDelete {
		members, err := tx.MemberIDs(ctx, rm.ID)
		if err != nil {
			return ModifyRoomOut{}, err
		}
		return ModifyRoomOut{Deleted: true, Members: members}, tx.DeleteRoom(ctx, rm.ID)
	}
	if in.Action == modifyUpdate {
		rm, err = tx.UpdateRoom(ctx, applyRoomUpdate(rm, in))
	} else if rm.Kind != store.KindOneToOne {
		err = s.changeRoles(ctx, tx, rm, in)
	}
	if err != nil {
		return ModifyRoomOut{}, err
	}
	d, err := wire.LoadRoomDetail(ctx, tx, rm)
	return ModifyRoomOut{Room: &d}, err
}

// applyRoomUpdate returns rm with the fields of update in applied.
func applyRoomUpdate(rm store.Room, in ModifyRoomIn) store.Room {
	set := func(dst **string, v *string) {
		if v != nil {
			*dst = v
		}
	}
	if in.Name != nil {
		rm.Name = *in.Name
	}
	set(&rm.Description, in.Description)
	set(&rm.Avatar, in.Avatar)
	if in.GroupLocked != nil {
		rm.GroupLocked = *in.GroupLocked
	}
	if in.JoinApprovalRequired != nil {
		rm.JoinApprovalRequired = *in.JoinApprovalRequired
	}
	if in.IsPublic != nil {
		rm.IsPublic = *in.IsPublic
	}
	if in.Preferences != nil {
		rm.Preferences = in.Preferences
	}
	return rm
}

// changeRoles applies a role or permission action to the room's members
// among in.UserIDs; the creator's roles and permissions never change.
func (s *Service) changeRoles(ctx context.Context, tx *store.Tx, rm store.Room, in ModifyRoomIn) error {
	current, err := memberSet(ctx, tx, rm.ID)
	if err != nil {
		return err
	}
	var users []int64
	for _, id := range sortedIDs(in.UserIDs) {
		if current[id] && !isCreator(rm, id) {
			users = append(users, id)
		}
	}
	switch in.Action {
	case modifyAddAdmin, modifyAddModerator:
		if err := tx.SetAdmin(ctx, rm.ID, users, true); err != nil {
			return err
		}
		return tx.GrantPermissions(ctx, rm.ID, users, kindPermissions(rm.Kind))
	case modifyRemoveAdmin, modifyRemoveModerator:
		if err := tx.SetAdmin(ctx, rm.ID, users, false); err != nil {
			return err
		}
		return tx.RevokePermissions(ctx, rm.ID, users, kindPermissions(rm.Kind))
	case modifyAddPermission:
		return tx.GrantPermissions(ctx, rm.ID, users, in.Permissions)
	case modifyRemovePermission:
		return tx.RevokePermissions(ctx, rm.ID, users, in.Permissions)
	}
	return fmt.Errorf("chat: modify_room: unknown action %q", in.Action)
}
