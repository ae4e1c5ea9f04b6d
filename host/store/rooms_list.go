package store

import (
	"context"
)

// RoomsOfUser returns the rooms userID is a member of in the order of
// room.list: rooms with a last message first, newest last message first,
// then rooms without one, newest room first; ties broken by id so the order
// is total and the same on every engine.
func (t *Tx) RoomsOfUser(ctx context.Context, userID int64) ([]Room, error) {
	return collect(ctx, t.ex, "rooms of user", scanRoom, `SELECT r.id, r.tenant, r.kind, r.name, r.description, r.avatar, r.creator_id,
			r.max_members, r.is_public, r.join_approval_required, r.group_locked, r.preferences, r.last_message_id,
			r.created_at, r.updated_at
		FROM room_members me
		JOIN rooms r ON r.id = me.room_id
		LEFT JOIN messages m ON m.id = r.last_message_id
		WHERE me.user_id = $1
		ORDER BY CASE WHEN m.created_at IS NULL THEN 1 ELSE 0 END, m.created_at DESC, r.created_at DESC, r.id DESC`, userID)
}

// OneToOnePeers returns, for every 1-1 chat userID takes part in, the id of
// the other participant, keyed by room id.
func (t *Tx) OneToOnePeers(ctx context.Context, userID int64) (map[string]int64, error) {
	return collectMap(ctx, t.ex, "1-1 peers", func(row scanner) (string, int64, error) {
		var room string
		var peer int64
		err := row.Scan(&room, &peer)
		return room, peer, err
	}, `SELECT other.room_id, other.user_id
		FROM room_members me
		JOIN rooms r ON r.id = me.room_id AND r.kind = 'OneToOneChat'
		JOIN room_members other ON other.room_id = me.room_id AND other.user_id <> me.user_id
		WHERE me.user_id = $1`, userID)
}
