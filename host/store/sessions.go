package store

import (
	"context"
	"time"
)

// CreateSession inserts a session row for a new connection, last seen now.
func (t *Tx) CreateSession(ctx context.Context, userID int64, channelName string) (Session, error) {
	s := Session{UserID: userID, ChannelName: channelName, LastSeen: t.Now()}
	err := t.ex.QueryRow(ctx,
		"INSERT INTO sessions (user_id, channel_name, last_seen) VALUES ($1, $2, $3) RETURNING id",
		userID, channelName, Micros(s.LastSeen)).Scan(&s.ID)
	return s, wrap("create session", err)
}

// TouchSession sets the last_seen of userID's session id to now
// (session.heartbeat). The user is part of the key: a session id that a
// module put in the caller's place cannot touch another user's presence.
func (t *Tx) TouchSession(ctx context.Context, id, userID int64) error {
	return t.execFound(ctx, "touch session", "UPDATE sessions SET last_seen = $1 WHERE id = $2 AND user_id = $3", Micros(t.Now()), id, userID)
}

// SessionChannels returns the channel names of a user's sessions that are
// active (active=true: last seen within threshold) or expired (active=false).
func (t *Tx) SessionChannels(ctx context.Context, userID int64, threshold time.Duration, active bool) ([]string, error) {
	cut := Micros(t.Now().Add(-threshold))
	q := "SELECT channel_name FROM sessions WHERE user_id = $1 AND last_seen < $2 ORDER BY id"
	if active {
		q = "SELECT channel_name FROM sessions WHERE user_id = $1 AND last_seen >= $2 ORDER BY id"
	}
	return collect(ctx, t.ex, "session channels", scanColumn[string], q, userID, cut)
}
