package payload

import (
	"encoding/json"
	"strconv"
)

// The args and results of the message operations. Ids are canonical UUID
// strings; the room or messages are those the operation's permission check
// granted.

// CreateMessageArgs are the args of create_message: message.send's data,
// validated, for the room whose send permission was checked. The result is
// the new *Message.
type CreateMessageArgs struct {
	RoomID string `json:"room_id"`
	// Content is the text as sent (trimmed), not yet sanitised.
	Content         string      `json:"content"`
	ParentMessageID *string     `json:"parent_message_id"`
	ForwardedFromID *string     `json:"forwarded_from_id"`
	Media           []MediaArgs `json:"media"`
	// RoomKind ("OneToOneChat", "GroupChat", "Channel"), MemberCount (the
	// room's members, the sender included) and SenderRole (the caller's
	// abi.Role* in the room) describe the room as the permission check
	// found it, for moderation and webhooks; the host fills them in for
	// the modules of a client's message.send only (absent elsewhere), and
	// the default logic ignores them.
	RoomKind    string `json:"room_kind,omitempty"`
	MemberCount int64  `json:"member_count,omitempty"`
	SenderRole  string `json:"sender_role,omitempty"`
}

// MediaArgs is one validated attachment of message.send.
type MediaArgs struct {
	MediaURL string `json:"media_url"`
	// MediaType is "image", "video", "audio" or "file".
	MediaType string  `json:"media_type"`
	FileSize  int64   `json:"file_size"`
	MimeType  string  `json:"mime_type"`
	Caption   *string `json:"caption"`
	// Metadata is any JSON value.
	Metadata json.RawMessage `json:"metadata"`
}

// ReactArgs are the args of react_to_message.
type ReactArgs struct {
	// Type is "add" or "remove".
	Type            string `json:"type"`
	MessageID       string `json:"message_id"`
	ReactionContent string `json:"reaction_content,omitempty"`
}

// ReactResult is what react_to_message returns, reaction.dispatch's data.
// An add names its action in Type, a remove in Action, as the reference
// does.
type ReactResult struct {
	// Status is "successful".
	Status  string   `json:"status"`
	Type    string   `json:"type,omitempty"`
	Message *Message `json:"message"`
	Action  string   `json:"action,omitempty"`
}

// AcknowledgeArgs are the args of message_acknowledged: the messages whose
// delivery the caller confirms. The result is []SenderMessages.
type AcknowledgeArgs struct {
	MessageIDs []string `json:"message_ids"`
}

// SenderMessages are the acknowledged messages of one sender, who gets them
// in one messagedelivered.dispatch.
type SenderMessages struct {
	SenderID int64      `json:"sender_id"`
	Messages []*Message `json:"messages"`
}

// ModifyMessageArgs are the args of modify_message.
type ModifyMessageArgs struct {
	// Action is "update" or "delete".
	Action string `json:"action"`
	RoomID string `json:"room_id"`
	// MessageIDs are the messages, canonical and de-duplicated.
	MessageIDs []string `json:"message_ids"`
	// SentIDs is message_id exactly as the client sent it, as a list: a
	// delete echoes it.
	SentIDs []json.RawMessage `json:"sent_ids,omitempty"`
	// Content is the new text of an update, trimmed, not yet sanitised.
	Content string `json:"content,omitempty"`
	// Refs are the *_id fields of an update's extra_fields, which are
	// validated but not applied.
	Refs map[string]string `json:"refs,omitempty"`
}

// ModifyMessageResult is what modify_message returns,
// messagemodification.dispatch's data: the updated message, or the ids a
// delete echoes.
type ModifyMessageResult struct {
	// Status is "successful".
	Status     string            `json:"status"`
	Action     string            `json:"action"`
	Message    *Message          `json:"message,omitempty"`
	MessageIDs []json.RawMessage `json:"message_ids,omitempty"`
}

// ReadReceiptArgs are the args of create_read_receipt. The result is
// []RoomMessages.
type ReadReceiptArgs struct {
	MessageIDs []string `json:"message_ids"`
	// List says whether the client sent message_id as a list: then each
	// room's frame has an array of messages, else one message.
	List bool `json:"list"`
}

// RoomMessages are the messages of one room.
type RoomMessages struct {
	RoomID   string     `json:"room_id"`
	Messages []*Message `json:"messages"`
}

// HistoryArgs are the args of retreive_messages: the room, and the page
// asked for, if any.
type HistoryArgs struct {
	RoomID   string       `json:"room_id"`
	Paginate *PageRequest `json:"paginate,omitempty"`
}

// PageRequest is one page of a room's history, validated: Page and Size
// are at least 1.
type PageRequest struct {
	Page int64 `json:"page"`
	Size int64 `json:"size"`
}

// HistoryResult is what retreive_messages returns, roommessages.dispatch's
// data: {"data": ...}, with the pagination members beside "data" when a
// page was asked for (PageInfo is nil otherwise).
type HistoryResult struct {
	*PageInfo
	Data HistoryData `json:"data"`
}

// PageInfo is the pagination part of a HistoryResult. Page is the page as
// requested, not necessarily one that has messages.
type PageInfo struct {
	HasNext        bool   `json:"has_next"`
	HasPrevious    bool   `json:"has_previous"`
	NextPageNumber *int64 `json:"next_page_number"`
	PrevPageNumber *int64 `json:"prev_page_number"`
	Page           int64  `json:"page"`
	Size           int64  `json:"size"`
}

// HistoryData is a room's history, newest first, deleted messages left out.
type HistoryData struct {
	RoomID   string     `json:"room_id"`
	Messages []*Message `json:"messages"`
}

// AppendJSON appends r's JSON to dst: the bytes json.Marshal writes for it,
// without encoding/json re-reading each message's encoding.
func (r HistoryResult) AppendJSON(dst []byte) ([]byte, error) {
	dst = append(dst, '{')
	if p := r.PageInfo; p != nil {
		dst = append(dst, `"has_next":`...)
		dst = appendBool(dst, p.HasNext)
		dst = append(dst, `,"has_previous":`...)
		dst = appendBool(dst, p.HasPrevious)
		for _, n := range [...]struct {
			key string
			v   *int64
		}{{`,"next_page_number":`, p.NextPageNumber}, {`,"prev_page_number":`, p.PrevPageNumber}} {
			dst = append(dst, n.key...)
			if n.v == nil {
				dst = append(dst, "null"...)
			} else {
				dst = strconv.AppendInt(dst, *n.v, 10)
			}
		}
		dst = append(dst, `,"page":`...)
		dst = strconv.AppendInt(dst, p.Page, 10)
		dst = append(dst, `,"size":`...)
		dst = strconv.AppendInt(dst, p.Size, 10)
		dst = append(dst, ',')
	}
	dst = append(dst, `"data":{"room_id":`...)
	dst = appendString(dst, r.Data.RoomID)
	dst = append(dst, `,"messages":`...)
	if r.Data.Messages == nil {
		dst = append(dst, "null"...)
	} else {
		dst = append(dst, '[')
		for i, m := range r.Data.Messages {
			if i > 0 {
				dst = append(dst, ',')
			}
			var err error
			if m == nil {
				dst = append(dst, "null"...)
			} else if dst, err = m.AppendJSON(dst); err != nil {
				return nil, err
			}
		}
		dst = append(dst, ']')
	}
	return append(dst, "}}"...), nil
}
