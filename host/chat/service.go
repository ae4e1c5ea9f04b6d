package chat

import (
	"context"
	"encoding/json"
	"log/slog"
	"time"

	"github.com/chatwasm/chatwasm/abi"
	"github.com/chatwasm/chatwasm/host/chat/field"
	"github.com/chatwasm/chatwasm/host/chat/wire"
	"github.com/chatwasm/chatwasm/host/hooks"
	"github.com/chatwasm/chatwasm/host/store"
	"github.com/chatwasm/chatwasm/host/tracing"
)

// Config is the behaviour switches of the reference's settings (§4).
type Config struct {
	// SoftDelete flags deleted messages instead of removing them
	// (MESSAGE_SOFT_DELETE).
	SoftDelete bool
	// Notifications creates ChatNotifications and sends chat.notifications on
	// connect (ENABLE_NOTIFICATION).
	Notifications bool
	// InactivityThreshold separates active from expired sessions.
	InactivityThreshold time.Duration
	// ConnectNotificationsPerRoom caps the chat.notifications frame of a
	// connect at the newest that many notifications of each room; 0 sends
	// them all, as the reference does.
	ConnectNotificationsPerRoom int
	// MaxFrameBytes is the largest frame the gateway sends
	// (gateway.Config.MaxOutFrameBytes): a connect's chat.notifications
	// frame keeps the newest notifications that fit in it. 0 means
	// DefaultMaxFrameBytes.
	MaxFrameBytes int
}

// DefaultMaxFrameBytes is the default outbound frame limit, 16 MiB.
const DefaultMaxFrameBytes = 16 << 20

// DefaultConfig is the reference's defaults.
func DefaultConfig() Config {
	return Config{Notifications: true, InactivityThreshold: 60 * time.Second, MaxFrameBytes: DefaultMaxFrameBytes}
}

// maxFrameBytes is MaxFrameBytes or its default.
func (s *Service) maxFrameBytes() int {
	if s.cfg.MaxFrameBytes > 0 {
		return s.cfg.MaxFrameBytes
	}
	return DefaultMaxFrameBytes
}

// Caller is the authenticated connection an operation runs for.
type Caller struct {
	UserID      int64
	Tenant      string
	Username    string
	SessionID   int64
	ChannelName string
}

// Service runs chat operations on a Store.
type Service struct {
	st   *store.Store
	cfg  Config
	log  *slog.Logger
	mods *hooks.Manager
	// tracer starts the operations' spans; nil is tracing off.
	tracer *tracing.Tracer
	// access is the send access of members of rooms with local
	// connections, for message.typing.
	access *AccessCache
}

// Option configures a Service.
type Option func(*Service)

// WithModules runs every operation through the module chains of m's
// current set (docs/architecture.md, "The operation pipeline"). Without it, or with a
// nil m, the default Go logic runs alone.
func WithModules(m *hooks.Manager) Option { return func(s *Service) { s.mods = m } }

// WithTracer traces every client operation with t (Handle): a span per
// operation, with its hook calls and transactions as children. A nil t
// traces nothing.
func WithTracer(t *tracing.Tracer) Option { return func(s *Service) { s.tracer = t } }

// New returns a Service. A nil logger discards logs.
func New(st *store.Store, cfg Config, log *slog.Logger, opts ...Option) *Service {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Service{st: st, cfg: cfg, log: log, access: newAccessCache()}
	for _, o := range opts {
		o(s)
	}
	return s
}

// AccessCache returns the service's cache of send access, which caches
// nothing until the hub and the broker feed it (see AccessCache).
func (s *Service) AccessCache() *AccessCache { return s.access }

// Config returns the service's configuration.
func (s *Service) Config() Config { return s.cfg }

// Store returns the service's store.
func (s *Service) Store() *store.Store { return s.st }

// Handle runs one client action and returns the effects to apply. Errors
// are *wire.Error (sent as error frames) or wire.ErrUnknownEvent; anything
// else is a bug that the gateway reports as 4006.
//
// With modules loaded, the whole action sees one module set: its permission
// hooks, its operation's chains, the exception hook on its error; an
// event_type the service does not know runs the modules' action hook for it
// (action_<event_type>); and the events modules emitted are sent after the
// action's own effects, only if it succeeded.
//
// With a tracer (WithTracer), the action is one span (traceHandle).
func (s *Service) Handle(ctx context.Context, c Caller, eventType string, data json.RawMessage) ([]wire.Effect, error) {
	if s.tracer != nil {
		return s.traceHandle(ctx, c, eventType, data)
	}
	return s.handle(ctx, c, eventType, data)
}

// handle is Handle.
func (s *Service) handle(ctx context.Context, c Caller, eventType string, data json.RawMessage) ([]wire.Effect, error) {
	ctx, req, end := s.begin(ctx)
	defer end()
	if field.IsAbsent(data) {
		data = nil
	}
	var (
		eff []wire.Effect
		err error
	)
	if e, ok := byEvent[eventType]; ok {
		eff, err = e.handle(s, ctx, c, data)
	} else if req.has(c.Tenant, abi.ActionHook(eventType)) {
		err = s.customAction(ctx, req, c, eventType, data)
	} else {
		return nil, wire.ErrUnknownEvent
	}
	if err == nil {
		s.activeSessions(ctx, req, c, eff)
		eff, err = req.finish(eff)
	}
	if err != nil {
		return nil, s.fail(ctx, req, c, eventType, data, err)
	}
	return eff, nil
}
