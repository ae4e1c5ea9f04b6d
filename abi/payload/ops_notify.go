package payload

// The args of the notification operations that other operations run inside
// their transaction, as the reference's EventHandler calls them.

// CreateNotificationArgs are the args of create_chat_notification, which
// create_message (NEW_MESSAGE, REPLY) and react_to_message (REACTION) run
// for the message they stored or reacted to. The result is the ids of the
// users notified ([]int64, ascending), null when no notification was
// stored (notifications are off, or no one is left to notify).
type CreateNotificationArgs struct {
	MessageID string `json:"message_id"`
	RoomID    string `json:"room_id"`
	// NotificationType is "NEW_MESSAGE", "REPLY" or "REACTION".
	NotificationType string `json:"notification_type"`
	// UserID is the user whose action is notified (the sender, the one who
	// reacted), who is not notified.
	UserID int64 `json:"user_id"`
	// Recipients are the users to notify: the host passes the room's
	// members but UserID, ascending. A layer may pass next fewer (drop
	// muted users); users who are not members of the room are dropped.
	// Null means the room's members but UserID.
	Recipients []int64 `json:"recipients"`
}

// UpdateNotificationArgs are the args of update_chat_notification, which
// message_acknowledged runs: the caller (UserID) is taken off the
// notifications of the messages. The result is the ids of those messages
// ([]string), the reference's queryset of them.
type UpdateNotificationArgs struct {
	MessageIDs []string `json:"message_ids"`
	// UserID is the caller; the default logic refuses any other user.
	UserID int64 `json:"user_id"`
}
