package chat

import (
	"cmp"
	"context"
	"slices"

	"github.com/chatwasm/chatwasm/abi"
	"github.com/chatwasm/chatwasm/abi/payload"
	"github.com/chatwasm/chatwasm/host/chat/wire"
	"github.com/chatwasm/chatwasm/host/store"
)

// AcknowledgeIn is the payload of message_acknowledged.
type AcknowledgeIn = payload.AcknowledgeArgs

// SenderMessages is the acknowledged messages of one sender.
type SenderMessages = payload.SenderMessages

// messageAcknowledged is message.acknowledged (§2.8.2): the caller confirms
// delivery; each sender of an acknowledged message gets the updated messages
// in one messagedelivered.dispatch to all of their connections.
var messageAcknowledged = &operation[AcknowledgeIn, []SenderMessages]{
	event: "message.acknowledged", name: abi.OpMessageAcknowledged, write: true,
	nested:   abi.OpUpdateChatNotification,
	sends:    "messagedelivered.dispatch → each sender",
	check:    checkMessages(true, func(a messageArgs) AcknowledgeIn { return AcknowledgeIn{MessageIDs: a.IDs()} }),
	core:     (*Service).acknowledge,
	audience: (*Service).deliveredTo,
}

// deliveredTo tells the senders of the messages the host checked, whoever
// the output names.
func (s *Service) deliveredTo(ctx context.Context, c Caller, chk checked[AcknowledgeIn], out []SenderMessages) ([]wire.Effect, error) {
	senders := checkedKeys(chk.msgs, func(m store.Message) int64 { return m.SenderID })
	return sendGroups(s, ctx, c, "messagedelivered.dispatch", abi.OpMessageAcknowledged, "sender_id", senders, out,
		func(g SenderMessages) groupFrame[int64] {
			return groupFrame[int64]{key: g.SenderID, to: wire.UserGroup(g.SenderID), data: g.Messages}
		})
}

// acknowledge is _message_acknowledged: remove the caller from the messages'
// notifications, add them to delivered_to, and return the messages grouped
// by sender (senders in ascending id order). Messages the request's
// permission check did not grant must pass have_message_permission here.
func (s *Service) acknowledge(ctx context.Context, call opCall, in AcknowledgeIn) ([]SenderMessages, error) {
	tx, c := call.Tx, call.Caller
	if err := s.regrantMessages(ctx, call, in.MessageIDs); err != nil {
		return nil, err
	}
	if err := s.ackNotifications(ctx, call, in.MessageIDs); err != nil {
		return nil, err
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
