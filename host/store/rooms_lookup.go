package store

import "context"

// RoomIDOfMessage returns the id of the room of a message that is visible in
// tenant: ErrNotFound if the message does not exist, is soft-deleted, or its
// room belongs to another tenant. It lets a permission check resolve a room
// from a message id without loading the message.
func (t *Tx) RoomIDOfMessage(ctx context.Context, tenant, messageID string) (string, error) {
	var id string
	err := t.ex.QueryRow(ctx, `SELECT m.room_id FROM messages m JOIN rooms r ON r.id = m.room_id
		WHERE m.id = $1 AND r.tenant = $2 AND NOT m.is_deleted`, messageID, tenant).Scan(&id)
	return id, wrap("room of message", err)
}
