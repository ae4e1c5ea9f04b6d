package store

import (
	"encoding/json"
	"time"
)

// DefaultTenant is the tenant of users and rooms created without one.
const DefaultTenant = "default"

// User is an account. Users come from the admin API or the CLI.
type User struct {
	ID        int64  `json:"id"`
	Tenant    string `json:"-"`
	Username  string `json:"username"`
	Email     string `json:"email"`
	FirstName string `json:"first_name"`
	LastName  string `json:"last_name"`
}

// RoomKind is a room's concrete type, as named on the wire.
type RoomKind string

// The three room kinds.
const (
	KindOneToOne RoomKind = "OneToOneChat"
	KindGroup    RoomKind = "GroupChat"
	KindChannel  RoomKind = "Channel"
)

// Default member caps (docs/protocol.md §1.5, §1.6).
const (
	DefaultMaxParticipants = 100
	DefaultMaxSubscribers  = 300
)

// Room is a row of rooms. Fields that a kind does not have are zero.
type Room struct {
	ID                   string
	Tenant               string
	Kind                 RoomKind
	Name                 string
	Description          *string
	Avatar               *string
	CreatorID            *int64
	MaxMembers           int64 // max_participants or max_subscribers
	IsPublic             bool
	JoinApprovalRequired bool
	GroupLocked          bool
	Preferences          json.RawMessage // a JSON object
	LastMessageID        *string
	CreatedAt            time.Time
	UpdatedAt            time.Time
}

// Member is a room membership; IsAdmin means admin (group) or moderator
// (channel).
type Member struct {
	UserID  int64
	IsAdmin bool
}

// Message is a row of messages.
type Message struct {
	ID              string
	RoomID          string
	SenderID        int64
	Content         string
	IsDeleted       bool
	IsEdited        bool
	IsForwarded     bool
	ParentMessageID *string
	ForwardedFromID *string
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

// Attachment is a MessageMediaAsset.
type Attachment struct {
	ID        string
	MessageID string
	MediaURL  string
	MediaType string
	FileSize  int64
	MimeType  string
	Caption   *string
	Metadata  json.RawMessage // a JSON object
}

// Reaction is one user's reaction to a message.
type Reaction struct {
	ID        string
	MessageID string
	UserID    int64
	Content   string
	CreatedAt time.Time
}

// ReadReceipt records that a user read a message.
type ReadReceipt struct {
	MessageID string
	ReaderID  int64
	ReadAt    time.Time
}

// Notification types.
const (
	NotifyNewMessage = "NEW_MESSAGE"
	NotifyReply      = "REPLY"
	NotifyReaction   = "REACTION"
)

// Notification is a ChatNotification: one per event, with the users who have
// not yet acknowledged it as recipients.
type Notification struct {
	ID        string
	MessageID string
	Type      string
	CreatedAt time.Time
}

// Session is one WebSocket connection's presence row.
type Session struct {
	ID          int64
	UserID      int64
	ChannelName string
	LastSeen    time.Time
}
