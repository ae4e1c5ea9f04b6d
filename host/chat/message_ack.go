package chat

import (
	"cmp"
	"context"
	"encoding/json"
	"slices"

	"github.com/chatwasm/chatwasm/host/chat/field"
	"github.com/chatwasm/chatwasm/host/chat/wire"
	"github.com/chatwasm/chatwasm/host/store"
)

// AcknowledgeIn is the payload of message_acknowledged.
type AcknowledgeIn struct {
	MessageIDs []string `json:"message_ids"`
}

// SenderMessages is the acknowledged messages of one sender.
type SenderMessages struct {
	SenderID int64               `json:"sender_id"`
	Messages []*wire.MessageView `json:"messages"`
}

// messageAcknowledged is message.acknowledged (§2.8.2): the caller confirms
// delivery; each sender of an acknowledged message gets the updated messages
// in one messagedelivered.dispatch to all of their connections.
func (s *Service) messageAcknowledged(ctx context.Context, c Caller, data json.RawMessage) ([]wire.Effect, error) {
	d, err := field.ActionData(data)
	if err != nil {
		return nil, err
	}
	args, err := s.checkMessageAccess(ctx, c, d["message_id"])
	if err != nil {
		return nil, err
	}
	if len(args.Msgs) == 0 {
		return nil, nil
	}
	ids := args.IDs()
	ctx = withGrant(ctx, nil, ids)
	out, err := run(ctx, s, "message_acknowledged", true, c, AcknowledgeIn{MessageIDs: ids}, s.acknowledge)
	if err != nil {
		return nil, err
	}
	// Only the senders of the messages the host checked get a frame,
	// whoever the output names.
	senders := make([]int64, 0, len(args.Msgs))
	for _, m := range args.Msgs {
		if !slices.Contains(senders, m.SenderID) {
			senders = append(senders, m.SenderID)
		}
	}
	effects := make([]wire.Effect, 0, len(out))
	for _, g := range out {
		if !slices.Contains(senders, g.SenderID) {
			return nil, s.forgedOutput(ctx, c, "message_acknowledged", "sender_id", g.SenderID, senders)
		}
		e, err := wire.SendTo(wire.UserGroup(g.SenderID), "messagedelivered.dispatch", g.Messages)
		if err != nil {
			return nil, err
		}
		effects = append(effects, e)
	}
	return effects, nil
}

// acknowledge is _message_acknowledged: remove the caller from the messages'
// notifications, add them to delivered_to, and return the messages grouped
// by sender (senders in ascending id order). Messages the request's
// permission check did not grant must pass have_message_permission here.
func (s *Service) acknowledge(ctx context.Context, tx *store.Tx, c Caller, in AcknowledgeIn) ([]SenderMessages, error) {
	if err := s.regrantMessages(ctx, tx, c, in.MessageIDs); err != nil {
		return nil, err
	}
	if s.cfg.Notifications {
		if err := tx.AckNotifications(ctx, in.MessageIDs, c.UserID); err != nil {
			return nil, err
		}
	}
	if err := tx.AddDeliveries(ctx, in.MessageIDs, c.UserID); err != nil {
		return nil, err
	}
	views, err := wire.SerializeMessages(ctx, tx, in.MessageIDs)
	if err != nil {
		return nil, err
	}
	bySender := map[int64][]*wire.MessageView{}
	for _, v := range views {
		bySender[v.Sender.ID] = append(bySender[v.Sender.ID], v)
	}
	out := make([]SenderMessages, 0, len(bySender))
	for id, vs := range bySender {
		out = append(out, SenderMessages{SenderID: id, Messages: vs})
	}
	slices.SortFunc(out, func(a, b SenderMessages) int { return cmp.Compare(a.SenderID, b.SenderID) })
	return out, nil
}
