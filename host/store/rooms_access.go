package store

import (
	"context"
	"database/sql"
)

// RoomAccess is a room together with one user's standing in it: everything
// a room permission check decides on, read in one statement.
type RoomAccess struct {
	Room Room
	// Member reports whether the user is a member of the room; Admin, if
	// so, whether an admin/moderator.
	Member, Admin bool
	// HasPerm reports whether the user holds the object permission asked
	// for on the room.
	HasPerm bool
	// User is the user's row, nil if there is no such user.
	User *User
}

// roomAccessQuery selects, for the room picked by the WHERE clause appended
// to it, the room, userID's ($3) membership, whether they hold permission $4,
// and their user row. One statement, so that a permission check needs no
// transaction of its own and costs one round trip.
//
// userID is compared through CAST: SQLite (3.54) marks a statement whose
// WHERE or ON has "column = $n" to be prepared again whenever the integer
// bound to $n changes to or from 0 or 1 (a planner estimate), and user 1
// sending after another user, or the reverse, made this, the statement of
// every message.send, parse and plan again. A cast is not looked into,
// and the lookups still use their indexes.
const roomAccessQuery = `SELECT r.id, r.tenant, r.kind, r.name, r.description, r.avatar, r.creator_id,
		r.max_members, r.is_public, r.join_approval_required, r.group_locked, r.preferences, r.last_message_id,
		r.created_at, r.updated_at,
		mb.is_admin,
		EXISTS (SELECT 1 FROM room_permissions p WHERE p.room_id = r.id AND p.user_id = CAST($3 AS BIGINT) AND p.permission = $4),
		u.id, u.tenant, u.username, u.email, u.first_name, u.last_name
	FROM rooms r
	LEFT JOIN room_members mb ON mb.room_id = r.id AND mb.user_id = CAST($3 AS BIGINT)
	LEFT JOIN users u ON u.id = CAST($3 AS BIGINT)
	WHERE r.tenant = $2 AND r.id = `

// RoomAccess loads room roomID of tenant with userID's standing in it and
// whether they hold the object permission perm ("" asks for none);
// ErrNotFound if the room does not exist or belongs to another tenant.
func (t *Tx) RoomAccess(ctx context.Context, tenant, roomID string, userID int64, perm string) (RoomAccess, error) {
	a, err := scanRoomAccess(t.ex.QueryRow(ctx, roomAccessQuery+"$1", roomID, tenant, userID, perm))
	return a, wrap("room access", err)
}

// RoomAccessByMessage is RoomAccess on the room of message messageID:
// ErrNotFound also if the message does not exist or is soft-deleted (see
// RoomIDOfMessage), still in one statement.
func (t *Tx) RoomAccessByMessage(ctx context.Context, tenant, messageID string, userID int64, perm string) (RoomAccess, error) {
	a, err := scanRoomAccess(t.ex.QueryRow(ctx, roomAccessQuery+
		"(SELECT m.room_id FROM messages m WHERE m.id = $1 AND NOT m.is_deleted)", messageID, tenant, userID, perm))
	return a, wrap("room access by message", err)
}

func scanRoomAccess(r Row) (RoomAccess, error) {
	var (
		a     RoomAccess
		admin sql.NullBool
		uid   sql.NullInt64
		u     User
		// The user's other columns are NOT NULL in the table but NULL
		// here when the user does not exist.
		tenant, name, email, first, last sql.NullString
	)
	rm, err := scanRoom(withExtra{r, []any{&admin, &a.HasPerm, &uid, &tenant, &name, &email, &first, &last}})
	if err != nil {
		return RoomAccess{}, err
	}
	a.Room, a.Member, a.Admin = rm, admin.Valid, admin.Bool
	if uid.Valid {
		u = User{ID: uid.Int64, Tenant: tenant.String, Username: name.String, Email: email.String,
			FirstName: first.String, LastName: last.String}
		a.User = &u
	}
	return a, nil
}

// withExtra scans a row whose leading columns a scanX function reads into
// its own destinations, and the trailing ones into extra.
type withExtra struct {
	r     Row
	extra []any
}

func (w withExtra) Scan(dest ...any) error { return w.r.Scan(append(dest, w.extra...)...) }
