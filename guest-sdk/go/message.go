package chatwasm

import (
	"encoding/json"
)

// Message is a serialized message as clients see it (PROTOCOL.md §2.6):
// what create_message returns and message.dispatch broadcasts.
type Message struct {
	ID            string        `json:"id"`
	Room          MessageRoom   `json:"room"`
	Sender        User          `json:"sender"`
	Content       string        `json:"content"`
	IsDeleted     bool          `json:"is_deleted"`
	IsEdited      bool          `json:"is_edited"`
	IsForwarded   bool          `json:"is_forwarded"`
	CreatedAt     string        `json:"created_at"`
	UpdatedAt     string        `json:"updated_at"`
	ParentMessage *Message      `json:"parent_message"`
	ForwardedFrom *Message      `json:"forwarded_from"`
	DeliveredTo   []string      `json:"delivered_to"`
	ReadReceipts  []ReadReceipt `json:"read_receipts"`
	Reactions     []Reaction    `json:"reactions"`
	Attachments   []Attachment  `json:"attachments"`
	// Extra holds the fields of the object this type does not name (added
	// by serializer modules, for instance): they are written back as they
	// are.
	Extra map[string]json.RawMessage `json:"-"`
}

// MessageRoom is the room of a serialized message: its id only.
type MessageRoom struct {
	ID string `json:"id"`
}

// ReadReceipt is a serialized read receipt.
type ReadReceipt struct {
	Reader User   `json:"reader"`
	ReadAt string `json:"read_at"`
}

// Reaction is a serialized reaction.
type Reaction struct {
	ID              string `json:"id"`
	User            User   `json:"user"`
	ReactionContent string `json:"reaction_content"`
	CreatedAt       string `json:"created_at"`
}

// Attachment is a serialized media attachment of a message.
type Attachment struct {
	ID        string          `json:"id"`
	MediaURL  string          `json:"media_url"`
	MediaType string          `json:"media_type"`
	FileSize  int64           `json:"file_size"`
	MimeType  string          `json:"mime_type"`
	Caption   *string         `json:"caption"`
	Metadata  json.RawMessage `json:"metadata"`
}

// messageKeys are the members of a serialized message that Message names.
var messageKeys = []string{"id", "room", "sender", "content", "is_deleted", "is_edited", "is_forwarded",
	"created_at", "updated_at", "parent_message", "forwarded_from", "delivered_to", "read_receipts", "reactions",
	"attachments"}

// messageFields is Message without its JSON methods.
type messageFields Message

// UnmarshalJSON implements json.Unmarshaler, keeping unknown fields in Extra.
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

// MarshalJSON implements json.Marshaler: the message's fields in the wire
// order (lists never null), then Extra.
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

// CreateMessageArgs are the arguments of create_message and
// _create_message: message.send's data, validated, for the room whose send
// permission was checked.
type CreateMessageArgs struct {
	RoomID string `json:"room_id"`
	// Content is the text as sent (trimmed), not yet sanitised.
	Content         string      `json:"content"`
	ParentMessageID *string     `json:"parent_message_id"`
	ForwardedFromID *string     `json:"forwarded_from_id"`
	Media           []MediaArgs `json:"media"`
}

// MediaArgs is one validated attachment of message.send.
type MediaArgs struct {
	MediaURL  string          `json:"media_url"`
	MediaType string          `json:"media_type"`
	FileSize  int64           `json:"file_size"`
	MimeType  string          `json:"mime_type"`
	Caption   *string         `json:"caption"`
	Metadata  json.RawMessage `json:"metadata"`
}

// Notification is a serialized chat notification (render_notification).
type Notification struct {
	ID               string  `json:"id"`
	NotificationType string  `json:"notification_type"`
	Message          Message `json:"message"`
}
