package chat

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strconv"

	"github.com/chatwasm/chatwasm/abi"
	"github.com/chatwasm/chatwasm/abi/payload"
	"github.com/chatwasm/chatwasm/host/chat/field"
	"github.com/chatwasm/chatwasm/host/chat/wire"
	"github.com/chatwasm/chatwasm/host/store"
)

// ModifyMessageIn is the payload of modify_message.
type ModifyMessageIn = payload.ModifyMessageArgs

// ModifyMessageOut is messagemodification.dispatch's data.
type ModifyMessageOut = payload.ModifyMessageResult

// messageModify is message.modify (§2.8.6): the sender edits one message or
// deletes several of one room.
var messageModify = &operation[ModifyMessageIn, ModifyMessageOut]{
	event: "message.modify", name: abi.OpModifyMessage, write: true,
	sends: "messagemodification.dispatch → room",
	check: (*Service).modifyCheck,
	core:  (*Service).modifyMessage,
	audience: toRoom[ModifyMessageIn, ModifyMessageOut]("messagemodification.dispatch",
		func(chk checked[ModifyMessageIn]) string { return chk.in.RoomID }),
}

// modifyCheck is message.modify's checks (modifyPermission), then its
// action's data.
func (s *Service) modifyCheck(ctx context.Context, c Caller, _ json.RawMessage, d map[string]json.RawMessage) (checked[ModifyMessageIn], error) {
	args, rm, err := s.modifyPermission(ctx, c, d["message_id"])
	if err != nil {
		return checked[ModifyMessageIn]{}, err
	}
	in := ModifyMessageIn{RoomID: rm.ID, MessageIDs: args.IDs()}
	if raw, ok := d["action"]; ok {
		_ = json.Unmarshal(raw, &in.Action)
	}
	switch in.Action {
	case "delete":
		in.SentIDs = sentIDs(d["message_id"])
	case "update":
		if err := parseUpdate(d, &in); err != nil {
			return checked[ModifyMessageIn]{}, err
		}
	default:
		return checked[ModifyMessageIn]{}, wire.Validation("Invalid action type")
	}
	return checked[ModifyMessageIn]{in: in, grant: grantRoom(rm.ID, in.MessageIDs...), msgs: args.Msgs}, nil
}

// modifyPermission runs message.modify's checks: is_message_sender (which
// gives the room), then have_message_permission (the caller must still be
// a member of it). Without a module hooking them, both run in one read
// transaction, the second reduced to the membership it amounts to.
func (s *Service) modifyPermission(ctx context.Context, c Caller, rawMessageID json.RawMessage) (messageArgs, store.Room, error) {
	if s.request(ctx).has(c.Tenant, abi.PermMessageSender, abi.PermMessage) {
		args, rm, err := s.checkMessageSender(ctx, c, rawMessageID)
		if err != nil {
			return messageArgs{}, store.Room{}, err
		}
		if _, err := s.checkMessageAccess(ctx, c, rawMessageID); err != nil {
			return messageArgs{}, store.Room{}, err
		}
		return args, rm, nil
	}
	var (
		args messageArgs
		rm   store.Room
	)
	err := s.st.Read(ctx, func(tx *store.Tx) error {
		var err error
		if args, rm, err = s.messageSender(ctx, tx, c, rawMessageID); err != nil {
			return err
		}
		member, _, err := tx.Membership(ctx, rm.ID, c.UserID)
		if err == nil && !member {
			err = wire.Denied(deniedMessageAccess)
		}
		return err
	})
	return args, rm, err
}

// sentIDs is message_id as sent, as a list.
func sentIDs(raw json.RawMessage) []json.RawMessage {
	var list []json.RawMessage
	if json.Unmarshal(raw, &list) == nil {
		return list
	}
	return []json.RawMessage{bytes.TrimSpace(raw)}
}

// parseUpdate validates an update's message_id and extra_fields.
func parseUpdate(d map[string]json.RawMessage, in *ModifyMessageIn) error {
	if ids := sentIDs(d["message_id"]); len(ids) > 1 {
		return wire.Validation("You can only update one message at a time")
	}
	extra, ok := field.RawObject(d["extra_fields"])
	if !ok || len(extra) == 0 {
		return wire.Validation("'extra_fields' field should be provided for update action")
	}
	raw, present := extra["content"]
	if !present || !field.Truthy(raw) {
		return wire.Validation("Content should be provided for update action")
	}
	fields := map[string][]string{}
	if content, msg := field.CharField(raw, true, true, false, false, 0); msg != "" {
		fields["content"] = []string{msg}
	} else {
		in.Content = *content
	}
	for _, key := range []string{"room_id", "sender_id", "parent_message_id", "forwarded_from_id"} {
		raw, present := extra[key]
		if !present || field.IsNull(raw) {
			continue
		}
		var (
			ref string
			msg string
		)
		if key == "sender_id" {
			ref, msg = userPKField(raw)
		} else if id, m := field.PkField(raw); m != "" {
			msg = m
		} else {
			ref = *id
		}
		if msg != "" {
			fields[key] = []string{msg}
			continue
		}
		if in.Refs == nil {
			in.Refs = map[string]string{}
		}
		in.Refs[key] = ref
	}
	if len(fields) > 0 {
		return wire.FieldErrors(fields)
	}
	return nil
}

// userPKField parses a user primary key: an integer or a numeric string.
func userPKField(raw json.RawMessage) (string, string) {
	switch field.JsonKind(raw) {
	case "int", "str":
		s := field.ChoiceValue(raw)
		if _, err := strconv.ParseInt(s, 10, 64); err != nil {
			return "", "Incorrect type. Expected pk value, received str."
		}
		return s, ""
	}
	return "", "Incorrect type. Expected pk value, received " + field.JsonKind(raw) + "."
}

// modifyMessage is _modify_message. Delete removes (or flags, with soft
// delete) the messages, drops their notifications and repoints the room's
// last_message; update re-sanitises and stores the content and marks the
// message edited. Messages and a room other than those the request's
// permission checks granted must pass them here (modifiable).
func (s *Service) modifyMessage(ctx context.Context, call opCall, in ModifyMessageIn) (ModifyMessageOut, error) {
	tx, c := call.Tx, call.Caller
	if err := s.modifiable(ctx, call, in); err != nil {
		return ModifyMessageOut{}, err
	}
	if in.Action == "delete" {
		if _, err := tx.DeleteMessages(ctx, in.MessageIDs, s.cfg.SoftDelete); err != nil {
			return ModifyMessageOut{}, err
		}
		if err := tx.DeleteNotificationsOf(ctx, in.MessageIDs); err != nil {
			return ModifyMessageOut{}, err
		}
		if err := tx.RefreshLastMessage(ctx, in.RoomID); err != nil {
			return ModifyMessageOut{}, err
		}
		return ModifyMessageOut{Status: "successful", Action: "delete", MessageIDs: in.SentIDs}, nil
	}

	if len(in.MessageIDs) != 1 {
		return ModifyMessageOut{}, wire.Validation("You can only update one message at a time")
	}
	if err := s.checkRefs(ctx, tx, c, in.Refs); err != nil {
		return ModifyMessageOut{}, err
	}
	m, err := liveMessage(ctx, tx, c, in.MessageIDs[0])
	if err != nil {
		return ModifyMessageOut{}, err
	}
	if err := tx.EditMessage(ctx, m.ID, field.SanitizeHTML(in.Content)); err != nil {
		return ModifyMessageOut{}, err
	}
	vs, err := wire.SerializeMessages(ctx, tx, []string{m.ID})
	if err != nil {
		return ModifyMessageOut{}, err
	}
	return ModifyMessageOut{Status: "successful", Action: "update", Message: vs[0]}, nil
}

// modifiable checks the ids of a modify_message input that the request's
// permission checks did not grant as message.modify's checks do: the room
// must exist in the caller's tenant with the caller a member
// (have_message_permission), and each message must exist in it, not be
// soft-deleted, and have been sent by the caller (is_message_sender).
func (s *Service) modifiable(ctx context.Context, call opCall, in ModifyMessageIn) error {
	tx, c, g := call.Tx, call.Caller, call.Grant
	rest := g.ungranted(in.MessageIDs)
	if g.room(in.RoomID) && len(rest) == 0 {
		return nil
	}
	rm, err := tx.GetRoom(ctx, c.Tenant, in.RoomID, false)
	if err != nil {
		return err
	}
	if !g.room(rm.ID) {
		member, _, err := tx.Membership(ctx, rm.ID, c.UserID)
		if err != nil {
			return err
		}
		if !member {
			return wire.Denied(deniedMessageAccess)
		}
	}
	msgs, err := tx.MessagesInTenant(ctx, c.Tenant, rest)
	if err != nil {
		return err
	}
	for _, id := range rest {
		m, ok := msgs[id]
		switch {
		case !ok || m.IsDeleted:
			return wire.NotFound()
		case m.SenderID != c.UserID:
			return wire.Denied(deniedMessageModify)
		case m.RoomID != rm.ID:
			return wire.Validation("All messages marked for modification must come from the same room")
		}
	}
	return nil
}

// checkRefs reports the *_id fields of an update that name nothing in the
// caller's tenant, as DRF's "Invalid pk" field errors.
func (s *Service) checkRefs(ctx context.Context, tx *store.Tx, c Caller, refs map[string]string) error {
	fields := map[string][]string{}
	for key, ref := range refs {
		var err error
		switch key {
		case "room_id":
			_, err = tx.GetRoom(ctx, c.Tenant, ref, false)
		case "sender_id":
			id, _ := strconv.ParseInt(ref, 10, 64)
			var users map[int64]store.User
			if users, err = tx.UsersByID(ctx, c.Tenant, []int64{id}); err == nil && len(users) == 0 {
				err = store.ErrNotFound
			}
		default:
			_, err = tx.GetMessage(ctx, c.Tenant, ref)
		}
		switch {
		case errors.Is(err, store.ErrNotFound):
			fields[key] = []string{field.InvalidPK(ref)}
		case err != nil:
			return err
		}
	}
	if len(fields) > 0 {
		return wire.FieldErrors(fields)
	}
	return nil
}
