package chat

import (
	"context"
	"encoding/json"
	"time"

	"github.com/chatwasm/chatwasm/abi"
	"github.com/chatwasm/chatwasm/abi/payload"
	"github.com/chatwasm/chatwasm/host/chat/wire"
	"github.com/chatwasm/chatwasm/host/store"
)

// Connection is what a new connection needs to start: its session, the rooms
// whose groups it joins (DB membership, docs/decisions.md), the chat.notifications
// frame to send first (nil when notifications are off), and the effects of
// the events modules emitted while it connected, to apply once it is set up.
type Connection struct {
	Session       store.Session
	RoomIDs       []string
	Notifications json.RawMessage
	// NotificationsCut reports that pending notifications (within
	// ConnectNotificationsPerRoom) did not fit in a frame of MaxFrameBytes
	// and were left out of Notifications.
	NotificationsCut bool
	Effects          []wire.Effect
}

// RegisterSessionIn is the input of register_session: the new connection's
// address on the fan-out layer. The user is the caller.
type RegisterSessionIn = payload.RegisterSessionArgs

// SessionView is a session as modules see it: the result of
// register_session.
type SessionView = payload.Session

// UpdateSessionIn is the input of update_session: the caller's session
// (session.heartbeat).
type UpdateSessionIn = payload.UpdateSessionArgs

// UpdateSessionOut is the result of update_session: nothing (an empty
// object), as the reference's returns None.
type UpdateSessionOut = payload.UpdateSessionResult

// SessionsIn is the input of get_active_sessions and get_expired_sessions,
// whose result is the user's sessions' channel names ([]string).
type SessionsIn = payload.SessionsArgs

// NotificationsIn is the input of get_and_group_chat_notifications: nothing
// beyond the caller, whose notifications it returns (NotificationGroups).
type NotificationsIn = payload.NotificationsArgs

// Connect registers a session for a new connection of c.UserID
// (register_session) and gathers what the gateway needs to set it up: the
// rooms to subscribe to and the pending notifications
// (get_and_group_chat_notifications). Before that, like the reference's
// connect cleanup, it runs get_expired_sessions when a module hooks it.
func (s *Service) Connect(ctx context.Context, c Caller) (Connection, error) {
	ctx, req, end := s.begin(ctx)
	defer end()
	notifs := s.cfg.Notifications && req.hooksOp(c.Tenant, abi.OpGetAndGroupNotifs)
	if !notifs && !req.hooksOp(c.Tenant, abi.OpRegisterSession) &&
		!req.has(c.Tenant, abi.OpGetExpiredSessions, abi.ReplaceHook(abi.OpGetExpiredSessions)) {
		return s.connect(ctx, c)
	}

	s.sessions(ctx, req, c, getExpiredSessions, c.UserID)
	sess, err := registerSession.run(ctx, s, c, granted{}, RegisterSessionIn{ChannelName: c.ChannelName})
	if err != nil {
		return Connection{}, err
	}
	conn := Connection{Session: store.Session{ID: sess.ID, UserID: sess.UserID, ChannelName: sess.ChannelName}}
	conn.Session.LastSeen, _ = wire.ParseTime(sess.LastSeen) // informational; a module may leave it out
	c.SessionID = sess.ID
	if err := s.st.Read(ctx, func(tx *store.Tx) error {
		conn.RoomIDs, err = tx.RoomIDsOfUser(ctx, c.UserID)
		return err
	}); err != nil {
		return Connection{}, err
	}
	if s.cfg.Notifications {
		grouped, err := groupNotifications.run(ctx, s, c, granted{}, NotificationsIn{})
		if err != nil {
			return Connection{}, err
		}
		if conn.Notifications, err = groupedFrame(grouped); err != nil {
			return Connection{}, err
		}
		if conn.Notifications, err = req.patch(conn.Notifications); err != nil {
			return Connection{}, err
		}
		var cut bool
		if conn.Notifications, cut, err = refitFrame(conn.Notifications, s.maxFrameBytes()); err != nil {
			return Connection{}, err
		}
		conn.NotificationsCut = req.notificationsCut() || cut
	}
	conn.Effects, err = req.finish(nil)
	return conn, err
}

// connect is Connect when no module hooks it: one write transaction for
// the session, then the notifications are read in a read transaction and
// encoded after it, so that the write lock is not held meanwhile.
func (s *Service) connect(ctx context.Context, c Caller) (Connection, error) {
	var conn Connection
	if err := s.st.Write(ctx, func(tx *store.Tx) error {
		sess, err := tx.CreateSession(ctx, c.UserID, c.ChannelName)
		if err != nil {
			return err
		}
		conn.Session = sess
		conn.RoomIDs, err = tx.RoomIDsOfUser(ctx, c.UserID)
		return err
	}); err != nil || !s.cfg.Notifications {
		return conn, err
	}
	var (
		p     store.Pending
		views map[string]*wire.MessageView
	)
	if err := s.st.Read(ctx, func(tx *store.Tx) (err error) {
		p, views, err = s.pendingNotifications(ctx, tx, c)
		return err
	}); err != nil {
		return Connection{}, err
	}
	whole, ns, err := encodePending(p, views)
	if err != nil {
		return Connection{}, err
	}
	conn.Notifications, conn.NotificationsCut = whole, p.Cut
	if limit := s.maxFrameBytes(); len(whole) > limit {
		conn.Notifications, conn.NotificationsCut = notificationsFrame(ns, limit)
	}
	return conn, nil
}

// groupedFrame is the direct chat.notifications frame of an operation's
// result (no "type" key, docs/protocol.md §2.2), written in one pass: the
// bytes json.Marshal writes for {"eventType": ..., "data": grouped}.
func groupedFrame(grouped payload.NotificationGroups) (json.RawMessage, error) {
	b, err := grouped.AppendJSON([]byte(notificationsHead[:len(notificationsHead)-1]))
	if err != nil {
		return nil, err
	}
	return append(b, '}'), nil
}

// Disconnect ends a connection's requests. Like the reference's disconnect
// cleanup, it runs get_expired_sessions when a module hooks it, and returns
// the effects of the events modules emitted meanwhile.
func (s *Service) Disconnect(ctx context.Context, c Caller) []wire.Effect {
	ctx, req, end := s.begin(ctx)
	defer end()
	s.sessions(ctx, req, c, getExpiredSessions, c.UserID)
	eff, err := req.finish(nil)
	if err != nil {
		s.log.ErrorContext(ctx, "disconnect effects", "user", c.UserID, "err", err)
	}
	return eff
}

// registerSession is register_session, which Connect runs.
var registerSession = &operation[RegisterSessionIn, SessionView]{
	name: abi.OpRegisterSession, write: true, core: (*Service).registerSessionCore}

// updateSession is update_session, which session.heartbeat runs.
var updateSession = &operation[UpdateSessionIn, UpdateSessionOut]{
	name: abi.OpUpdateSession, write: true, core: (*Service).updateSessionCore}

// getActiveSessions and getExpiredSessions are get_active_sessions and
// get_expired_sessions (see sessionChannels).
var (
	getActiveSessions = &operation[SessionsIn, []string]{name: abi.OpGetActiveSessions,
		core: func(s *Service, ctx context.Context, call opCall, in SessionsIn) ([]string, error) {
			return s.sessionChannels(ctx, call, in, true)
		}}
	getExpiredSessions = &operation[SessionsIn, []string]{name: abi.OpGetExpiredSessions,
		core: func(s *Service, ctx context.Context, call opCall, in SessionsIn) ([]string, error) {
			return s.sessionChannels(ctx, call, in, false)
		}}
)

// registerSessionCore is _register_session.
func (s *Service) registerSessionCore(ctx context.Context, call opCall, in RegisterSessionIn) (SessionView, error) {
	tx, c := call.Tx, call.Caller
	sess, err := tx.CreateSession(ctx, c.UserID, in.ChannelName)
	if err != nil {
		return SessionView{}, err
	}
	return SessionView{ID: sess.ID, UserID: sess.UserID, ChannelName: sess.ChannelName,
		LastSeen: wire.FormatTime(sess.LastSeen)}, nil
}

// sessionHeartbeat is session.heartbeat: bump last_seen (update_session),
// reply directly.
func (s *Service) sessionHeartbeat(ctx context.Context, c Caller, _ json.RawMessage) ([]wire.Effect, error) {
	if _, err := updateSession.run(ctx, s, c, granted{}, UpdateSessionIn{SessionID: c.SessionID}); err != nil {
		return nil, err
	}
	e, err := wire.Direct(map[string]string{"status": "success"})
	return []wire.Effect{e}, err
}

// updateSessionCore is _update_session: only the caller's own session.
func (s *Service) updateSessionCore(ctx context.Context, call opCall, in UpdateSessionIn) (UpdateSessionOut, error) {
	tx, c := call.Tx, call.Caller
	if in.SessionID != c.SessionID {
		return UpdateSessionOut{}, wire.NotFound()
	}
	return UpdateSessionOut{}, tx.TouchSession(ctx, in.SessionID, c.UserID)
}

// Fan-out follows DB membership and live connections (docs/decisions.md), so
// chatwasm never needs the reference's lists of active and expired session
// channels. get_active_sessions and get_expired_sessions still run where the
// reference calls them, for modules to observe or act on, but only when a
// module hooks them, and their result changes nothing: expired sessions at
// connect and disconnect (for the connecting user), active ones for each
// user an action subscribes to a room (room.create, room.add_members,
// room.join), after the action committed.

// activeSessions runs get_active_sessions for every user eff subscribes.
func (s *Service) activeSessions(ctx context.Context, req *request, c Caller, eff []wire.Effect) {
	if !req.has(c.Tenant, abi.OpGetActiveSessions, abi.ReplaceHook(abi.OpGetActiveSessions)) {
		return
	}
	for _, e := range eff {
		if e.Kind == wire.Subscribe {
			s.sessions(ctx, req, c, getActiveSessions, e.UserID)
		}
	}
}

// sessions runs op (get_active_sessions or get_expired_sessions) for
// userID when a module hooks it; a failure is logged, as the result is
// informational.
func (s *Service) sessions(ctx context.Context, req *request, c Caller, o *operation[SessionsIn, []string], userID int64) {
	if !req.has(c.Tenant, o.name, abi.ReplaceHook(o.name)) {
		return
	}
	if _, err := o.run(ctx, s, c, granted{}, SessionsIn{UserID: userID}); err != nil {
		s.log.WarnContext(ctx, "session listing failed", "op", o.name, "user", userID, "err", err)
	}
}

// sessionChannels is _get_active_sessions (active) or
// _get_expired_sessions: the channel names of the user's sessions last seen
// within (or before) the inactivity threshold. Users of other tenants do not
// exist.
func (s *Service) sessionChannels(ctx context.Context, call opCall, in SessionsIn, active bool) ([]string, error) {
	users, err := call.Tx.UsersByID(ctx, call.Caller.Tenant, []int64{in.UserID})
	if err != nil {
		return nil, err
	}
	if len(users) == 0 {
		return nil, wire.NotFound()
	}
	out, err := call.Tx.SessionChannels(ctx, in.UserID, s.threshold(), active)
	if out == nil {
		out = []string{}
	}
	return out, err
}

// threshold is the inactivity threshold, the reference's 60 s by default.
func (s *Service) threshold() time.Duration {
	if s.cfg.InactivityThreshold > 0 {
		return s.cfg.InactivityThreshold
	}
	return DefaultConfig().InactivityThreshold
}
