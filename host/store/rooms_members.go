package store

import (
	"context"
)

// AddMembers makes users members of a room (admins/moderators when admin is
// true). Users who already are members keep their membership and role. The
// caller enforces the caps: lock the room with GetRoom(..., true), then
// CountMembers, then AddMembers, in one write transaction.
func (t *Tx) AddMembers(ctx context.Context, roomID string, userIDs []int64, admin bool) error {
	for _, u := range userIDs {
		if _, err := t.ex.Exec(ctx,
			"INSERT INTO room_members (room_id, user_id, is_admin) VALUES ($1, $2, $3) ON CONFLICT (room_id, user_id) DO NOTHING",
			roomID, u, admin); err != nil {
			return wrap("add members", err)
		}
	}
	return nil
}

// RemoveMembers ends the membership of users in a room, together with any
// role and every object permission they held on it, so that a user who is
// later re-added starts without powers. Non-members are ignored.
func (t *Tx) RemoveMembers(ctx context.Context, roomID string, userIDs []int64) error {
	if len(userIDs) == 0 {
		return nil
	}
	args, in := sqlList([]any{roomID}, userIDs)
	if _, err := t.ex.Exec(ctx, "DELETE FROM room_members WHERE room_id = $1 AND user_id IN ("+in+")", args...); err != nil {
		return wrap("remove members", err)
	}
	if _, err := t.ex.Exec(ctx, "DELETE FROM room_permissions WHERE room_id = $1 AND user_id IN ("+in+")", args...); err != nil {
		return wrap("remove members", err)
	}
	return nil
}

// SetAdmin makes members of a room admins/moderators (admin=true) or plain
// members. Users who are not members are ignored.
func (t *Tx) SetAdmin(ctx context.Context, roomID string, userIDs []int64, admin bool) error {
	if len(userIDs) == 0 {
		return nil
	}
	args, in := sqlList([]any{roomID, admin}, userIDs)
	_, err := t.ex.Exec(ctx, "UPDATE room_members SET is_admin = $2 WHERE room_id = $1 AND user_id IN ("+in+")", args...)
	return wrap("set admin", err)
}

// CountMembers returns the number of members of a room.
func (t *Tx) CountMembers(ctx context.Context, roomID string) (int64, error) {
	var n int64
	err := t.ex.QueryRow(ctx, "SELECT COUNT(*) FROM room_members WHERE room_id = $1", roomID).Scan(&n)
	return n, wrap("count members", err)
}
