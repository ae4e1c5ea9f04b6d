package store

import (
	"context"
	"strconv"
)

// CreateRoom inserts rm and returns it as stored: an empty ID gets a new
// UUID, empty Preferences become {}, and both timestamps are now. pairKey is
// the "lo:hi" key of a 1-1 chat's two participants (see PairKey), "" for
// other kinds; a second 1-1 chat of the same pair in the same tenant is
// ErrConflict, which is what makes the pair unique under concurrency.
func (t *Tx) CreateRoom(ctx context.Context, rm Room, pairKey string) (Room, error) {
	if rm.ID == "" {
		rm.ID = NewID()
	}
	if len(rm.Preferences) == 0 {
		rm.Preferences = []byte("{}")
	}
	rm.CreatedAt = t.Now()
	rm.UpdatedAt = rm.CreatedAt
	var pair *string
	if pairKey != "" {
		pair = &pairKey
	}
	_, err := t.ex.Exec(ctx, `INSERT INTO rooms (id, tenant, kind, name, description, avatar, creator_id, max_members,
		is_public, join_approval_required, group_locked, preferences, pair_key, last_message_id, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`,
		rm.ID, rm.Tenant, string(rm.Kind), rm.Name, rm.Description, rm.Avatar, rm.CreatorID, rm.MaxMembers,
		rm.IsPublic, rm.JoinApprovalRequired, rm.GroupLocked, string(rm.Preferences), pair, rm.LastMessageID,
		Micros(rm.CreatedAt), Micros(rm.UpdatedAt))
	return rm, wrap("create room", err)
}

// PairKey is the pair_key of a 1-1 chat between users a and b: the same for
// (a, b) and (b, a).
func PairKey(a, b int64) string {
	if a > b {
		a, b = b, a
	}
	return strconv.FormatInt(a, 10) + ":" + strconv.FormatInt(b, 10)
}

// UpdateRoom saves the editable fields of rm (name, description, avatar,
// is_public, join_approval_required, group_locked, preferences) and bumps
// updated_at, which it returns in the room. Kind, creator, caps and
// last_message are not changed. ErrNotFound if the room is gone.
func (t *Tx) UpdateRoom(ctx context.Context, rm Room) (Room, error) {
	if len(rm.Preferences) == 0 {
		rm.Preferences = []byte("{}")
	}
	rm.UpdatedAt = t.Now()
	return rm, t.execFound(ctx, "update room", `UPDATE rooms SET name = $1, description = $2, avatar = $3, is_public = $4,
		join_approval_required = $5, group_locked = $6, preferences = $7, updated_at = $8 WHERE id = $9`,
		rm.Name, rm.Description, rm.Avatar, rm.IsPublic, rm.JoinApprovalRequired, rm.GroupLocked,
		string(rm.Preferences), Micros(rm.UpdatedAt), rm.ID)
}

// DeleteRoom deletes a room; its memberships, permissions, messages and
// everything hanging off them go by foreign-key cascade. ErrNotFound if the
// room is gone.
func (t *Tx) DeleteRoom(ctx context.Context, id string) error {
	return t.execFound(ctx, "delete room", "DELETE FROM rooms WHERE id = $1", id)
}
