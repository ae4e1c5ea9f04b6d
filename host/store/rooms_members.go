package store

import (
	"context"
)

// AddMembers makes users members of a room (admins/moderators when admin is
// true). Users who already are members keep their membership and role. The
// caller enforces the caps: lock the room with GetRoom(..., true), then
// CountMembers, then AddMembers, in one write transaction. The new
// memberships begin after every notification of the room stored so far, so
// the new members are recipients of none of them (NotifyRoom).
func (t *Tx) AddMembers(ctx context.Context, roomID string, userIDs []int64, admin bool) error {
	if len(userIDs) == 0 {
		return nil
	}
	var seq int64
	if err := t.ex.QueryRow(ctx, "UPDATE rooms SET member_seq = member_seq + 1 WHERE id = $1 RETURNING member_seq",
		roomID).Scan(&seq); err != nil {
		return wrap("add members", err)
	}
	for _, u := range userIDs {
		if _, err := t.ex.Exec(ctx,
			`INSERT INTO room_members (room_id, user_id, is_admin, joined_seq) VALUES ($1, $2, $3, $4)
			ON CONFLICT (room_id, user_id) DO NOTHING`,
			roomID, u, admin, seq); err != nil {
			return wrap("add members", err)
		}
	}
	return nil
}

// RemoveMembers ends the membership of users in a room, together with any
// role and every object permission they held on it, so that a user who is
// later re-added starts without powers. Non-members are ignored. A removed
// member stays a recipient of the room's notifications they had not
// acknowledged (docs/protocol.md §2.8.2: only an acknowledgement takes a
// user off): those the membership made them a recipient of become explicit
// rows. The caller locks the room (GetRoom(..., true)), which orders this
// against NotifyRoom.
func (t *Tx) RemoveMembers(ctx context.Context, roomID string, userIDs []int64) error {
	if len(userIDs) == 0 {
		return nil
	}
	args, in := anyOf(t.d, []any{roomID}, "rm.user_id", userIDs)
	// Lock the memberships first (PostgreSQL): an acknowledgement reading
	// one (AckNotifications) then either committed before the statements
	// below read notification_acks, or waits and finds it gone.
	if t.d.ForUpdate != "" {
		if _, err := t.ex.Exec(ctx, "SELECT 1 FROM room_members rm WHERE rm.room_id = $1 AND "+in+t.d.ForUpdate, args...); err != nil {
			return wrap("remove members", err)
		}
	}
	if _, err := t.ex.Exec(ctx, `INSERT INTO notification_recipients (notification_id, user_id)
		SELECT n.id, rm.user_id FROM room_members rm
		JOIN notifications n ON n.room_id = rm.room_id AND n.seq >= rm.joined_seq AND n.actor_id <> rm.user_id
		WHERE rm.room_id = $1 AND `+in+`
			AND NOT EXISTS (SELECT 1 FROM notification_acks a WHERE a.notification_id = n.id AND a.user_id = rm.user_id)`,
		args...); err != nil {
		return wrap("remove members", err)
	}
	// Their acknowledgements of the room's notifications are moot now: a
	// membership that begins later begins after those notifications.
	uargs, uin := anyOf(t.d, []any{roomID}, "user_id", userIDs)
	if _, err := t.ex.Exec(ctx, `DELETE FROM notification_acks WHERE `+uin+`
		AND notification_id IN (SELECT id FROM notifications WHERE room_id = $1)`, uargs...); err != nil {
		return wrap("remove members", err)
	}
	if _, err := t.ex.Exec(ctx, "DELETE FROM room_members WHERE room_id = $1 AND "+uin, uargs...); err != nil {
		return wrap("remove members", err)
	}
	if _, err := t.ex.Exec(ctx, "DELETE FROM room_permissions WHERE room_id = $1 AND "+uin, uargs...); err != nil {
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
