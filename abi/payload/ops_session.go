package payload

// The args and results of the session operations, which run for the
// caller's connections.

// RegisterSessionArgs are the args of register_session, which runs when a
// connection opens: the connection's address on the fan-out layer. The
// result is the new Session.
type RegisterSessionArgs struct {
	ChannelName string `json:"channel_name"`
}

// Session is a connection's session as modules see it: the result of
// register_session.
type Session struct {
	ID          int64  `json:"id"`
	UserID      int64  `json:"user_id"`
	ChannelName string `json:"channel_name"`
	LastSeen    string `json:"last_seen"`
}

// UpdateSessionArgs are the args of update_session, which runs on
// session.heartbeat: the caller's session.
type UpdateSessionArgs struct {
	SessionID int64 `json:"session_id"`
}

// UpdateSessionResult is what update_session returns: nothing, an empty
// object.
type UpdateSessionResult struct{}

// SessionsArgs are the args of get_active_sessions and
// get_expired_sessions, whose result is the channel names of the user's
// sessions seen within (or before) the inactivity threshold ([]string).
type SessionsArgs struct {
	UserID int64 `json:"user_id"`
}
