package chat

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/chatwasm/chatwasm/abi"
	"github.com/chatwasm/chatwasm/abi/payload"
	"github.com/chatwasm/chatwasm/host/chat/field"
	"github.com/chatwasm/chatwasm/host/chat/wire"
)

// HistoryIn is the payload of retreive_messages (sic, the reference's name).
type HistoryIn = payload.HistoryArgs

// HistoryData is the inner data object of roommessages.dispatch.
type HistoryData = payload.HistoryData

// HistoryOut is roommessages.dispatch's data: {"data": ...}, with the
// pagination keys beside "data" when a page was asked for.
type HistoryOut = payload.HistoryResult

// roomMessages is room.messages (§2.8.10): a member reads the room's
// history, newest first, soft-deleted messages excluded, optionally one page
// of it; the reply goes to all of the caller's connections.
var roomMessages = &operation[HistoryIn, HistoryOut]{
	event: "room.messages", name: abi.OpRetreiveMessages,
	sends: "roommessages.dispatch → me",
	check: func(s *Service, ctx context.Context, c Caller, _ json.RawMessage, d map[string]json.RawMessage) (checked[HistoryIn], error) {
		rm, err := s.checkRoomAccess(ctx, c, d["room_id"])
		if err != nil {
			return checked[HistoryIn]{}, err
		}
		page, err := field.ParsePaginate(d["paginate"])
		if err != nil {
			return checked[HistoryIn]{}, err
		}
		return checked[HistoryIn]{in: HistoryIn{RoomID: rm.ID, Paginate: page}, grant: grantRoom(rm.ID)}, nil
	},
	core:     (*Service).retrieveMessages,
	audience: toCaller[HistoryIn, HistoryOut]("roommessages.dispatch"),
}

// msgHistoryTooLarge is the 4003 of an unpaginated history that cannot fit
// in a frame: the gateway sends no frame over MaxFrameBytes, so such a
// history is refused before it is read rather than after it is built, and
// what is read is bounded by the frame limit, not by the room's size.
const msgHistoryTooLarge = "The response is too large (the messages take at least %d bytes, at most %d): paginate room.messages."

// retrieveMessages is _retreive_messages. A room other than the one the
// request's permission check granted must pass have_room_permission here:
// in the caller's tenant, with the caller a member.
func (s *Service) retrieveMessages(ctx context.Context, call opCall, in HistoryIn) (HistoryOut, error) {
	tx, c := call.Tx, call.Caller
	if err := regrant(call.Grant, in.RoomID, func() error {
		_, err := s.roomAccess(ctx, tx, c, rawID(in.RoomID))
		return err
	}); err != nil {
		return HistoryOut{}, err
	}
	out := HistoryOut{Data: HistoryData{RoomID: in.RoomID, Messages: []*wire.MessageView{}}}
	limit, offset := int64(-1), int64(0)
	if in.Paginate != nil {
		count, err := tx.CountRoomMessages(ctx, in.RoomID)
		if err != nil {
			return HistoryOut{}, err
		}
		info, off, lim := field.Paginate(*in.Paginate, count)
		out.PageInfo, offset, limit = &info, off, lim
	}
	if in.Paginate == nil {
		// The whole history goes out as one frame: refuse, before reading
		// it, one that cannot fit in a frame (docs/decisions.md).
		n, err := tx.RoomHistoryBytes(ctx, in.RoomID)
		if err != nil {
			return HistoryOut{}, err
		}
		if limit := s.maxFrameBytes(); n > int64(limit) {
			return HistoryOut{}, wire.Validation(fmt.Sprintf(msgHistoryTooLarge, n, limit))
		}
	}
	msgs, err := tx.RoomMessages(ctx, in.RoomID, limit, offset)
	if err != nil {
		return HistoryOut{}, err
	}
	ids := make([]string, len(msgs))
	for i, m := range msgs {
		ids[i] = m.ID
	}
	views, err := wire.SerializeMessages(ctx, tx, ids)
	if err != nil {
		return HistoryOut{}, err
	}
	out.Data.Messages = append(out.Data.Messages, views...)
	return out, nil
}
