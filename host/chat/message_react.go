package chat

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/chatwasm/chatwasm/abi"
	"github.com/chatwasm/chatwasm/abi/payload"
	"github.com/chatwasm/chatwasm/host/chat/field"
	"github.com/chatwasm/chatwasm/host/chat/wire"
	"github.com/chatwasm/chatwasm/host/store"
)

// maxReactionLen is Reaction.reaction_content's max_length.
const maxReactionLen = 128

// ReactIn is the payload of react_to_message.
type ReactIn = payload.ReactArgs

// ReactOut is reaction.dispatch's data. The reference names the action
// "type" for add but "action" for remove (docs/protocol.md §7.4): both are kept.
type ReactOut = payload.ReactResult

// messageReact is message.react (§2.8.4): add (replacing a different one) or
// remove the caller's reaction to a message, broadcast to its room.
var messageReact = &operation[ReactIn, ReactOut]{
	event: "message.react", name: abi.OpReactToMessage, write: true,
	nested: abi.OpCreateChatNotification,
	sends:  "reaction.dispatch → room",
	check:  (*Service).reactCheck,
	core:   (*Service).reactToMessage,
	audience: toRoom[ReactIn, ReactOut]("reaction.dispatch",
		func(chk checked[ReactIn]) string { return chk.msgs[0].RoomID }),
}

// reactCheck is message.react's checks: the message, then the reaction.
func (s *Service) reactCheck(ctx context.Context, c Caller, _ json.RawMessage, d map[string]json.RawMessage) (checked[ReactIn], error) {
	args, err := s.checkMessageAccess(ctx, c, d["message_id"])
	if err != nil {
		return checked[ReactIn]{}, err
	}
	var typ string
	if raw, ok := d["type"]; !ok || json.Unmarshal(raw, &typ) != nil || (typ != "add" && typ != "remove") {
		return checked[ReactIn]{}, wire.Validation("invalid reaction type")
	}
	if args.IsList || len(args.Msgs) != 1 {
		// The reference passes a list through its permission check and then
		// fails to parse it as one UUID.
		return checked[ReactIn]{}, wire.Validation(fmt.Sprintf("“%s” is not a valid UUID.", wire.CompactJSON(d["message_id"])))
	}
	in := ReactIn{Type: typ, MessageID: args.Msgs[0].ID}
	if typ == "add" {
		raw, present := d["reaction_content"]
		content, msg := field.CharField(raw, present, true, false, false, maxReactionLen)
		if msg != "" {
			return checked[ReactIn]{}, wire.FieldErrors(map[string][]string{"reaction_content": {msg}})
		}
		in.ReactionContent = *content
	}
	return checked[ReactIn]{in: in, grant: grantMessages([]string{in.MessageID}), msgs: args.Msgs}, nil
}

// reactToMessage is _react_to_message. Adding stores one reaction per user
// and message (a different content replaces it, the same content again is a
// 4005) and notifies every member but the caller; removing reports "failed"
// when there was nothing to remove. A message other than the one the
// request's permission check granted must pass have_message_permission here.
func (s *Service) reactToMessage(ctx context.Context, call opCall, in ReactIn) (ReactOut, error) {
	tx, c := call.Tx, call.Caller
	m, err := liveMessage(ctx, tx, c, in.MessageID)
	if err != nil {
		return ReactOut{}, err
	}
	if err := s.regrantLoaded(ctx, call, map[string]store.Message{m.ID: m}, []string{m.ID}); err != nil {
		return ReactOut{}, err
	}
	out := ReactOut{Status: "successful"}
	if in.Type == "add" {
		out.Type = "add"
		if _, err := tx.PutReaction(ctx, m.ID, c.UserID, in.ReactionContent); err != nil {
			return ReactOut{}, err
		}
		// The room's lock orders the notification against a leave
		// (store.Tx.NotifyRoom).
		if err := tx.LockRoom(ctx, m.RoomID); err != nil {
			return ReactOut{}, err
		}
		if err := s.notify(ctx, call, m.RoomID, m.ID, store.NotifyReaction); err != nil {
			return ReactOut{}, err
		}
	} else {
		out.Action = "remove"
		removed, err := tx.DeleteReaction(ctx, m.ID, c.UserID)
		if err != nil {
			return ReactOut{}, err
		}
		if !removed {
			out.Status = "failed"
		}
	}
	vs, err := wire.SerializeMessages(ctx, tx, []string{m.ID})
	if err != nil {
		return ReactOut{}, err
	}
	out.Message = vs[0]
	return out, nil
}
