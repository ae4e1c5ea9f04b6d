package payload

import (
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/chatwasm/chatwasm/abi"
)

// Message is a serialized message as clients see it: what create_message
// returns and message.dispatch broadcasts, and the message inside the other
// operations' results.
type Message struct {
	ID     string      `json:"id"`
	Room   MessageRoom `json:"room"`
	Sender abi.User    `json:"sender"`
	// Content is the sanitised text.
	Content     string `json:"content"`
	IsDeleted   bool   `json:"is_deleted"`
	IsEdited    bool   `json:"is_edited"`
	IsForwarded bool   `json:"is_forwarded"`
	CreatedAt   string `json:"created_at"`
	UpdatedAt   string `json:"updated_at"`
	// ParentMessage is the message this one replies to, nil if none.
	ParentMessage *Message `json:"parent_message"`
	// ForwardedFrom is the message this one forwards, nil if none.
	ForwardedFrom *Message `json:"forwarded_from"`
	// DeliveredTo are the usernames of the members it was delivered to.
	DeliveredTo  []string      `json:"delivered_to"`
	ReadReceipts []ReadReceipt `json:"read_receipts"`
	Reactions    []Reaction    `json:"reactions"`
	Attachments  []Attachment  `json:"attachments"`
	// Extra holds the members of the object this type does not name (added
	// by serializer modules, for instance), by key: they are written back
	// as they are, after the named ones, in key order. A key this type
	// names is never taken from Extra.
	Extra map[string]json.RawMessage `json:"-"`
}

// MessageRoom is the room of a serialized message: its id only.
type MessageRoom struct {
	ID string `json:"id"`
}

// ReadReceipt is a serialized read receipt: who read the message, when.
type ReadReceipt struct {
	Reader abi.User `json:"reader"`
	ReadAt string   `json:"read_at"`
}

// Reaction is a serialized reaction to a message.
type Reaction struct {
	ID              string   `json:"id"`
	User            abi.User `json:"user"`
	ReactionContent string   `json:"reaction_content"`
	CreatedAt       string   `json:"created_at"`
}

// Attachment is a serialized media attachment of a message: the
// attachment as message.send gave it (MediaArgs), with its id.
type Attachment struct {
	ID string `json:"id"`
	MediaArgs
}

// messageKeys are the members of a serialized message that Message names.
var messageKeys = []string{"id", "room", "sender", "content", "is_deleted", "is_edited", "is_forwarded",
	"created_at", "updated_at", "parent_message", "forwarded_from", "delivered_to", "read_receipts", "reactions",
	"attachments"}

// messageFields is Message without its JSON methods.
type messageFields Message

// UnmarshalJSON implements json.Unmarshaler, keeping unknown members in
// Extra.
func (m *Message) UnmarshalJSON(data []byte) error {
	var f messageFields
	extra, err := decodeObject(data, &f, messageKeys)
	if err != nil {
		return err
	}
	*m = Message(f)
	m.Extra = extra
	return nil
}

// MarshalJSON implements json.Marshaler: the message's members in the
// host's order (lists never null), then Extra. It is AppendJSON, so that
// encoding a message with a chain of replies stays linear in its size.
func (m Message) MarshalJSON() ([]byte, error) { return m.AppendJSON(nil) }

// AppendJSON appends m's JSON to dst: the bytes json.Marshal writes for it,
// its members in the host's order (lists never null), then Extra.
func (m *Message) AppendJSON(dst []byte) ([]byte, error) { return m.appendJSON(dst, nil) }

// AppendJSONShared is AppendJSON for a run of messages that share the
// messages they reference (a connect's 10,000 notifications, whose replies
// and forwards are to a few messages): a message encoded before with the
// same seen, at the top or nested, is copied from its earlier bytes rather
// than encoded again. seen maps each message encoded to its bytes, which
// are dst's (or an earlier dst's): the caller appends only to dst in
// between, and changes none of the messages.
func (m *Message) AppendJSONShared(dst []byte, seen map[*Message][]byte) ([]byte, error) {
	return m.appendJSON(dst, seen)
}

// appendJSON is AppendJSON, sharing the messages in seen when it is not nil
// (AppendJSONShared).
func (m *Message) appendJSON(dst []byte, seen map[*Message][]byte) ([]byte, error) {
	if seen == nil {
		return m.appendMembers(dst, nil)
	}
	if b, ok := seen[m]; ok {
		return append(dst, b...), nil
	}
	start := len(dst)
	dst, err := m.appendMembers(dst, seen)
	if err != nil {
		return nil, err
	}
	// Capacity-limited, so that what is appended to dst later cannot show
	// through; a dst that grows leaves these bytes in the old array intact.
	seen[m] = dst[start:len(dst):len(dst)]
	return dst, nil
}

// appendMembers appends m's JSON object, its references through
// appendJSON with seen.
func (m *Message) appendMembers(dst []byte, seen map[*Message][]byte) ([]byte, error) {
	var err error
	dst = append(dst, `{"id":`...)
	dst = appendString(dst, m.ID)
	dst = append(dst, `,"room":{"id":`...)
	dst = appendString(dst, m.Room.ID)
	dst = append(dst, `},"sender":`...)
	dst = appendUser(dst, &m.Sender)
	dst = append(dst, `,"content":`...)
	dst = appendString(dst, m.Content)
	dst = append(dst, `,"is_deleted":`...)
	dst = appendBool(dst, m.IsDeleted)
	dst = append(dst, `,"is_edited":`...)
	dst = appendBool(dst, m.IsEdited)
	dst = append(dst, `,"is_forwarded":`...)
	dst = appendBool(dst, m.IsForwarded)
	dst = append(dst, `,"created_at":`...)
	dst = appendString(dst, m.CreatedAt)
	dst = append(dst, `,"updated_at":`...)
	dst = appendString(dst, m.UpdatedAt)
	for _, ref := range [...]struct {
		key string
		m   *Message
	}{{`,"parent_message":`, m.ParentMessage}, {`,"forwarded_from":`, m.ForwardedFrom}} {
		dst = append(dst, ref.key...)
		if ref.m == nil {
			dst = append(dst, "null"...)
		} else if dst, err = ref.m.appendJSON(dst, seen); err != nil {
			return nil, err
		}
	}
	dst = append(dst, `,"delivered_to":[`...)
	for i, u := range m.DeliveredTo {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendString(dst, u)
	}
	dst = append(dst, `],"read_receipts":[`...)
	for i := range m.ReadReceipts {
		r := &m.ReadReceipts[i]
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, `{"reader":`...)
		dst = appendUser(dst, &r.Reader)
		dst = append(dst, `,"read_at":`...)
		dst = appendString(dst, r.ReadAt)
		dst = append(dst, '}')
	}
	dst = append(dst, `],"reactions":[`...)
	for i := range m.Reactions {
		r := &m.Reactions[i]
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, `{"id":`...)
		dst = appendString(dst, r.ID)
		dst = append(dst, `,"user":`...)
		dst = appendUser(dst, &r.User)
		dst = append(dst, `,"reaction_content":`...)
		dst = appendString(dst, r.ReactionContent)
		dst = append(dst, `,"created_at":`...)
		dst = appendString(dst, r.CreatedAt)
		dst = append(dst, '}')
	}
	dst = append(dst, `],"attachments":[`...)
	for i := range m.Attachments {
		if i > 0 {
			dst = append(dst, ',')
		}
		if dst, err = m.Attachments[i].appendJSON(dst); err != nil {
			return nil, err
		}
	}
	dst = append(dst, ']')
	if len(m.Extra) > 0 {
		if dst, err = appendExtra(dst, m.Extra, messageKeys); err != nil {
			return nil, fmt.Errorf("message %s: %w", m.ID, err)
		}
	}
	return append(dst, '}'), nil
}

// appendJSON appends a's JSON to dst, as json.Marshal writes it.
func (a *Attachment) appendJSON(dst []byte) ([]byte, error) {
	dst = append(dst, `{"id":`...)
	dst = appendString(dst, a.ID)
	dst = append(dst, `,"media_url":`...)
	dst = appendString(dst, a.MediaURL)
	dst = append(dst, `,"media_type":`...)
	dst = appendString(dst, a.MediaType)
	dst = append(dst, `,"file_size":`...)
	dst = strconv.AppendInt(dst, a.FileSize, 10)
	dst = append(dst, `,"mime_type":`...)
	dst = appendString(dst, a.MimeType)
	dst = append(dst, `,"caption":`...)
	dst = appendOptString(dst, a.Caption)
	dst = append(dst, `,"metadata":`...)
	dst, err := appendRaw(dst, a.Metadata)
	if err != nil {
		return nil, fmt.Errorf("attachment %s metadata: %w", a.ID, err)
	}
	return append(dst, '}'), nil
}
