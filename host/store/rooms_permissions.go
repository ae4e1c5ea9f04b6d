package store

import (
	"context"
)

// GrantPermissions gives each of users every one of perms on a room;
// permissions already held are kept.
func (t *Tx) GrantPermissions(ctx context.Context, roomID string, userIDs []int64, perms []string) error {
	for _, u := range userIDs {
		for _, p := range perms {
			if _, err := t.ex.Exec(ctx, `INSERT INTO room_permissions (room_id, user_id, permission) VALUES ($1, $2, $3)
				ON CONFLICT (room_id, user_id, permission) DO NOTHING`, roomID, u, p); err != nil {
				return wrap("grant permissions", err)
			}
		}
	}
	return nil
}

// RevokePermissions takes perms on a room away from each of users;
// permissions not held are ignored.
func (t *Tx) RevokePermissions(ctx context.Context, roomID string, userIDs []int64, perms []string) error {
	for _, u := range userIDs {
		for _, p := range perms {
			if _, err := t.ex.Exec(ctx, "DELETE FROM room_permissions WHERE room_id = $1 AND user_id = $2 AND permission = $3",
				roomID, u, p); err != nil {
				return wrap("revoke permissions", err)
			}
		}
	}
	return nil
}

// Permissions returns the object permissions userID holds on roomID, sorted.
func (t *Tx) Permissions(ctx context.Context, roomID string, userID int64) ([]string, error) {
	return collect(ctx, t.ex, "permissions", scanColumn[string],
		"SELECT permission FROM room_permissions WHERE room_id = $1 AND user_id = $2 ORDER BY permission", roomID, userID)
}
