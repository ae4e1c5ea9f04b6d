package chat

import (
	"context"

	"github.com/chatwasm/chatwasm/abi"
	"github.com/chatwasm/chatwasm/abi/payload"
	"github.com/chatwasm/chatwasm/host/chat/wire"
	"github.com/chatwasm/chatwasm/host/store"
)

// ReadReceiptIn is the payload of create_read_receipt.
type ReadReceiptIn = payload.ReadReceiptArgs

// RoomMessages is the messages of one room.
type RoomMessages = payload.RoomMessages

// messageRead is message.read (§2.8.3): read receipts for the listed
// messages the caller did not send, broadcast to each message's room. A
// single id gives one Message object, a list one array per room; reading
// one's own messages gives no frame at all.
var messageRead = &operation[ReadReceiptIn, []RoomMessages]{
	event: "message.read", name: abi.OpCreateReadReceipt, write: true,
	sends: "readreceipt.dispatch → room",
	check: checkMessages(false, func(a messageArgs) ReadReceiptIn {
		return ReadReceiptIn{MessageIDs: a.IDs(), List: a.IsList}
	}),
	core:     (*Service).createReadReceipts,
	audience: (*Service).readBy,
}

// readBy tells the rooms of the messages the host checked, whatever the
// output names.
func (s *Service) readBy(ctx context.Context, c Caller, chk checked[ReadReceiptIn], out []RoomMessages) ([]wire.Effect, error) {
	rooms := checkedKeys(chk.msgs, func(m store.Message) string { return m.RoomID })
	return sendGroups(s, ctx, c, "readreceipt.dispatch", abi.OpCreateReadReceipt, "room_id", rooms, out,
		func(g RoomMessages) groupFrame[string] {
			f := groupFrame[string]{key: g.RoomID, to: wire.RoomGroup(g.RoomID), data: g.Messages}
			if len(g.Messages) == 0 {
				f.skip = true // nothing to tell the room
			} else if !chk.in.List {
				f.data = g.Messages[0]
			}
			return f
		})
}

// createReadReceipts is _create_read_receipt: one receipt per message not
// sent by the caller, all or nothing (a message read before makes the whole
// call a 4005), and the read messages grouped by room in order of first
// appearance. Messages are looked up in the caller's tenant only, and those
// the request's permission check did not grant must pass
// have_message_permission here.
func (s *Service) createReadReceipts(ctx context.Context, call opCall, in ReadReceiptIn) ([]RoomMessages, error) {
	tx, c := call.Tx, call.Caller
	msgs, err := tx.MessagesInTenant(ctx, c.Tenant, in.MessageIDs)
	if err != nil {
		return nil, err
	}
	if err := s.regrantLoaded(ctx, call, msgs, in.MessageIDs); err != nil {
		return nil, err
	}
	var ids []string
	for _, id := range in.MessageIDs {
		m, ok := msgs[id]
		if !ok || m.IsDeleted {
			return nil, wire.NotFound()
		}
		if m.SenderID != c.UserID {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return nil, nil
	}
	if err := tx.InsertReadReceipts(ctx, ids, c.UserID); err != nil {
		return nil, err
	}
	views, err := wire.SerializeMessages(ctx, tx, ids)
	if err != nil {
		return nil, err
	}
	var out []RoomMessages
	index := map[string]int{}
	for _, v := range views {
		i, ok := index[v.Room.ID]
		if !ok {
			i = len(out)
			index[v.Room.ID] = i
			out = append(out, RoomMessages{RoomID: v.Room.ID})
		}
		out[i].Messages = append(out[i].Messages, v)
	}
	return out, nil
}
