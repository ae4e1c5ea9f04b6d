package payload

import (
	"encoding/json"

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
// host's order (lists never null), then Extra.
func (m Message) MarshalJSON() ([]byte, error) {
	f := messageFields(m)
	f.DeliveredTo, f.ReadReceipts = orEmpty(f.DeliveredTo), orEmpty(f.ReadReceipts)
	f.Reactions, f.Attachments = orEmpty(f.Reactions), orEmpty(f.Attachments)
	if len(m.Extra) == 0 {
		return json.Marshal(f)
	}
	w := appendObject(json.Marshal(f))
	w.extra(m.Extra, messageKeys)
	return w.bytes()
}
