package store

import "context"

// RoomIDsOfUser returns the ids of every room userID is a member of.
func (t *Tx) RoomIDsOfUser(ctx context.Context, userID int64) ([]string, error) {
	rows, err := t.ex.Query(ctx, "SELECT room_id FROM room_members WHERE user_id = $1 ORDER BY room_id", userID)
	if err != nil {
		return nil, wrap("rooms of user", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, wrap("rooms of user", err)
		}
		out = append(out, id)
	}
	return out, wrap("rooms of user", rows.Err())
}
