package store

import (
	"context"
	"database/sql"
	"encoding/json"
)

const roomCols = `id, tenant, kind, name, description, avatar, creator_id, max_members, is_public,
	join_approval_required, group_locked, preferences, last_message_id, created_at, updated_at`

func scanRoom(r interface{ Scan(...any) error }) (Room, error) {
	var (
		rm                 Room
		desc, avatar, last sql.NullString
		creator            sql.NullInt64
		prefs              string
		created, updated   int64
	)
	err := r.Scan(&rm.ID, &rm.Tenant, &rm.Kind, &rm.Name, &desc, &avatar, &creator, &rm.MaxMembers, &rm.IsPublic,
		&rm.JoinApprovalRequired, &rm.GroupLocked, &prefs, &last, &created, &updated)
	if err != nil {
		return Room{}, err
	}
	rm.Description, rm.Avatar, rm.LastMessageID = stringOrNil(desc), stringOrNil(avatar), stringOrNil(last)
	if creator.Valid {
		rm.CreatorID = &creator.Int64
	}
	rm.Preferences = json.RawMessage(prefs)
	rm.CreatedAt, rm.UpdatedAt = FromMicros(created), FromMicros(updated)
	return rm, nil
}

// GetRoom loads a room of tenant by id; ErrNotFound if it does not exist or
// belongs to another tenant. In a write transaction on PostgreSQL the row is
// locked until the transaction ends (lock=true), which serialises membership
// changes of one room.
func (t *Tx) GetRoom(ctx context.Context, tenant, id string, lock bool) (Room, error) {
	q := "SELECT " + roomCols + " FROM rooms WHERE id = $1 AND tenant = $2"
	if lock {
		q += t.d.ForUpdate
	}
	rm, err := scanRoom(t.ex.QueryRow(ctx, q, id, tenant))
	return rm, wrap("get room", err)
}

// LockRoom locks a room's row until the transaction ends, as GetRoom(...,
// true) does, without reading it; on SQLite, whose write transactions hold
// the database lock, it does nothing. A missing room is not an error.
func (t *Tx) LockRoom(ctx context.Context, id string) error {
	if t.d.ForUpdate == "" {
		return nil
	}
	_, err := t.ex.Exec(ctx, "SELECT 1 FROM rooms WHERE id = $1"+t.d.ForUpdate, id)
	return wrap("lock room", err)
}

// Members returns a room's members ordered by user id.
func (t *Tx) Members(ctx context.Context, roomID string) ([]Member, error) {
	return collect(ctx, t.ex, "members", func(r scanner) (Member, error) {
		var m Member
		err := r.Scan(&m.UserID, &m.IsAdmin)
		return m, err
	}, "SELECT user_id, is_admin FROM room_members WHERE room_id = $1 ORDER BY user_id", roomID)
}

// MemberIDs returns the user ids of a room's members, ascending.
func (t *Tx) MemberIDs(ctx context.Context, roomID string) ([]int64, error) {
	ms, err := t.Members(ctx, roomID)
	if err != nil {
		return nil, err
	}
	ids := make([]int64, len(ms))
	for i, m := range ms {
		ids[i] = m.UserID
	}
	return ids, nil
}

// Membership reports whether userID is a member of roomID and, if so,
// whether an admin/moderator.
func (t *Tx) Membership(ctx context.Context, roomID string, userID int64) (member, admin bool, err error) {
	err = t.ex.QueryRow(ctx, "SELECT is_admin FROM room_members WHERE room_id = $1 AND user_id = $2", roomID, userID).Scan(&admin)
	switch {
	case err == nil:
		return true, admin, nil
	case isNotFound(err):
		return false, false, nil
	}
	return false, false, wrap("membership", err)
}

// HasPermission reports whether userID holds the object permission perm on
// roomID.
func (t *Tx) HasPermission(ctx context.Context, roomID string, userID int64, perm string) (bool, error) {
	var one int
	err := t.ex.QueryRow(ctx, "SELECT 1 FROM room_permissions WHERE room_id = $1 AND user_id = $2 AND permission = $3",
		roomID, userID, perm).Scan(&one)
	switch {
	case err == nil:
		return true, nil
	case isNotFound(err):
		return false, nil
	}
	return false, wrap("has permission", err)
}

// RoomIDsOfUser returns the ids of every room userID is a member of.
func (t *Tx) RoomIDsOfUser(ctx context.Context, userID int64) ([]string, error) {
	return collect(ctx, t.ex, "rooms of user", scanColumn[string],
		"SELECT room_id FROM room_members WHERE user_id = $1 ORDER BY room_id", userID)
}
