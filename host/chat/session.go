package chat

import (
	"context"
	"encoding/json"

	"github.com/chatwasm/chatwasm/host/store"
)

// Connection is what a new connection needs to start: its session, the rooms
// whose groups it joins (DB membership, DESIGN.md), and the chat.notifications
// frame to send first (nil when notifications are off).
type Connection struct {
	Session       store.Session
	RoomIDs       []string
	Notifications json.RawMessage
}

// Connect registers a session for a new connection of c.UserID
// (register_session) and gathers what the gateway needs to set it up.
func (s *Service) Connect(ctx context.Context, c Caller) (Connection, error) {
	var conn Connection
	err := s.st.Write(ctx, func(tx *store.Tx) error {
		sess, err := tx.CreateSession(ctx, c.UserID, c.ChannelName)
		if err != nil {
			return err
		}
		conn.Session = sess
		conn.RoomIDs, err = tx.RoomIDsOfUser(ctx, c.UserID)
		if err != nil {
			return err
		}
		if !s.cfg.Notifications {
			return nil
		}
		grouped, err := s.groupedNotifications(ctx, tx, c)
		if err != nil {
			return err
		}
		conn.Notifications, err = json.Marshal(struct {
			EventType string `json:"eventType"`
			Data      any    `json:"data"`
		}{"chat.notifications", grouped})
		return err
	})
	return conn, err
}

// sessionHeartbeat is session.heartbeat: bump last_seen, reply directly.
func (s *Service) sessionHeartbeat(ctx context.Context, c Caller, _ json.RawMessage) ([]Effect, error) {
	if err := s.st.Write(ctx, func(tx *store.Tx) error { return tx.TouchSession(ctx, c.SessionID) }); err != nil {
		return nil, err
	}
	e, err := Direct(map[string]string{"status": "success"})
	return []Effect{e}, err
}
