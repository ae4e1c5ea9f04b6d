package store

import (
	"context"

	"github.com/google/uuid"
)

// NewID returns a random (v4) UUID, the primary key of rooms, messages and
// everything else that is not a user or a session.
func NewID() string { return uuid.NewString() }

const userCols = "id, tenant, username, email, first_name, last_name"

func scanUser(r interface{ Scan(...any) error }) (User, error) {
	var u User
	err := r.Scan(&u.ID, &u.Tenant, &u.Username, &u.Email, &u.FirstName, &u.LastName)
	return u, err
}

// userByID scans a user row keyed by its id.
func userByID(r scanner) (int64, User, error) {
	u, err := scanUser(r)
	return u.ID, u, err
}

// CreateUser inserts u and returns it with its id. A duplicate username is
// ErrConflict. An empty tenant becomes DefaultTenant.
func (t *Tx) CreateUser(ctx context.Context, u User) (User, error) {
	if u.Tenant == "" {
		u.Tenant = DefaultTenant
	}
	err := t.ex.QueryRow(ctx,
		"INSERT INTO users (tenant, username, email, first_name, last_name) VALUES ($1, $2, $3, $4, $5) RETURNING id",
		u.Tenant, u.Username, u.Email, u.FirstName, u.LastName).Scan(&u.ID)
	return u, wrap("create user", err)
}

// GetUser loads one user by id (any tenant).
func (t *Tx) GetUser(ctx context.Context, id int64) (User, error) {
	u, err := scanUser(t.ex.QueryRow(ctx, "SELECT "+userCols+" FROM users WHERE id = $1", id))
	return u, wrap("get user", err)
}

// GetUserByUsername loads one user by username.
func (t *Tx) GetUserByUsername(ctx context.Context, username string) (User, error) {
	u, err := scanUser(t.ex.QueryRow(ctx, "SELECT "+userCols+" FROM users WHERE username = $1", username))
	return u, wrap("get user by username", err)
}

// ListUsers returns up to limit users with an id greater than afterID,
// ordered by id, so that the last id of a page is the afterID of the next
// (keyset pagination: pages stay consistent while users are added or
// deleted). An empty tenant lists every tenant.
func (t *Tx) ListUsers(ctx context.Context, tenant string, afterID int64, limit int) ([]User, error) {
	return collect(ctx, t.ex, "list users", scanUser,
		"SELECT "+userCols+" FROM users WHERE id > $1 AND ($2 = '' OR tenant = $2) ORDER BY id LIMIT $3",
		afterID, tenant, limit)
}

// UsersByID loads the users of tenant among ids, keyed by id. Ids that do not
// exist, or belong to another tenant, are absent from the map.
func (t *Tx) UsersByID(ctx context.Context, tenant string, ids []int64) (map[int64]User, error) {
	if len(ids) == 0 {
		return map[int64]User{}, nil
	}
	args, in := anyOf(t.d, []any{tenant}, "id", ids)
	return collectMap(ctx, t.ex, "users by id", userByID, "SELECT "+userCols+" FROM users WHERE tenant = $1 AND "+in, args...)
}

// DeleteUser deletes a user with the reference's cascades (docs/protocol.md
// §1.13): their sessions, messages, reactions, receipts and memberships go by
// foreign key, the groups and channels they created by foreign key, and the
// 1-1 chats they take part in explicitly here. Rooms whose last_message was
// one of their messages are repointed, and the notifications they were a
// recipient of count one fewer. ErrNotFound if there is no such user.
func (t *Tx) DeleteUser(ctx context.Context, id int64) error {
	if _, err := t.GetUser(ctx, id); err != nil {
		return err
	}
	if _, err := t.ex.Exec(ctx,
		`DELETE FROM rooms WHERE kind = 'OneToOneChat' AND id IN (SELECT room_id FROM room_members WHERE user_id = $1)`, id); err != nil {
		return wrap("delete user's 1-1 chats", err)
	}
	rooms, err := collect(ctx, t.ex, "delete user", scanColumn[string], `SELECT DISTINCT room_id FROM messages WHERE sender_id = $1`, id)
	if err != nil {
		return err
	}
	// The user stops being a recipient of the notifications they had not
	// acknowledged; their rows go by foreign key, but pending counts them.
	// Their rooms are locked first (PostgreSQL) so that no notification
	// counting them is stored meanwhile (NotifyRoom locks its room too).
	if t.d.ForUpdate != "" {
		if _, err := t.ex.Exec(ctx, `SELECT 1 FROM rooms WHERE id IN (SELECT room_id FROM room_members WHERE user_id = $1)
			ORDER BY id`+t.d.ForUpdate, id); err != nil {
			return wrap("delete user", err)
		}
	}
	if _, err := t.ex.Exec(ctx, `UPDATE notifications SET pending = pending - 1 WHERE id IN (`+recipientsOf(t.d, "n.id")+`)`, id); err != nil {
		return wrap("delete user", err)
	}
	if _, err := t.ex.Exec(ctx, `DELETE FROM users WHERE id = $1`, id); err != nil {
		return wrap("delete user", err)
	}
	for _, r := range rooms {
		if err := t.RefreshLastMessage(ctx, r); err != nil {
			return err
		}
	}
	return nil
}

// RefreshLastMessage points a room's last_message at its newest message that
// is not soft-deleted, or at nothing. It does not touch updated_at.
func (t *Tx) RefreshLastMessage(ctx context.Context, roomID string) error {
	_, err := t.ex.Exec(ctx, `UPDATE rooms SET last_message_id = (
		SELECT id FROM messages WHERE room_id = $1 AND NOT is_deleted ORDER BY created_at DESC, id DESC LIMIT 1
	) WHERE id = $1`, roomID)
	return wrap("refresh last message", err)
}

// GetSetting reads a server setting (e.g. the token secret).
func (t *Tx) GetSetting(ctx context.Context, key string) (string, error) {
	var v string
	err := t.ex.QueryRow(ctx, "SELECT value FROM settings WHERE key = $1", key).Scan(&v)
	return v, wrap("get setting", err)
}

// SetSettingIfAbsent stores value under key unless the key exists, and
// returns the value in force.
func (t *Tx) SetSettingIfAbsent(ctx context.Context, key, value string) (string, error) {
	if _, err := t.ex.Exec(ctx, "INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING", key, value); err != nil {
		return "", wrap("set setting", err)
	}
	return t.GetSetting(ctx, key)
}
