// Package server wires chatwasm together: store, chat service, WebSocket
// gateway, fan-out broker, admin API and console, health and metrics
// endpoints, and runs them with a graceful shutdown: on one HTTP server, or
// with the admin API, console and metrics on an internal listener of their
// own (Config.InternalAddr).
package server

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime/debug"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/chatwasm/chatwasm/host/admin"
	"github.com/chatwasm/chatwasm/host/auth"
	"github.com/chatwasm/chatwasm/host/broker"
	"github.com/chatwasm/chatwasm/host/broker/natsbroker"
	"github.com/chatwasm/chatwasm/host/broker/pgbroker"
	"github.com/chatwasm/chatwasm/host/chat"
	"github.com/chatwasm/chatwasm/host/chat/wire"
	"github.com/chatwasm/chatwasm/host/console"
	"github.com/chatwasm/chatwasm/host/gateway"
	"github.com/chatwasm/chatwasm/host/hooks"
	"github.com/chatwasm/chatwasm/host/identity"
	"github.com/chatwasm/chatwasm/host/reqlog"
	"github.com/chatwasm/chatwasm/host/store"
	"github.com/chatwasm/chatwasm/host/store/postgres"
	"github.com/chatwasm/chatwasm/host/tracing"
	"github.com/chatwasm/chatwasm/web"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// minSecretLen is the HS256 key length below which a configured secret is
// accepted with a warning.
const minSecretLen = 32

// Server is one chatwasm node.
type Server struct {
	cfg     Config
	log     *slog.Logger
	gw      *gateway.Gateway
	broker  broker.Broker
	mods    *hooks.Manager
	handler http.Handler
	// internal serves the operator's endpoints when they have a listener
	// of their own (Config.InternalAddr); nil when handler serves them.
	internal http.Handler
	// draining is set when shutdown begins, so that /readyz sends load
	// balancers elsewhere before the connections are closed.
	draining atomic.Bool
	// stopTracing flushes the spans not exported yet and stops the
	// exporter (tracing.Start).
	stopTracing func(context.Context) error
}

// New builds a server on st, which must be migrated. A nil logger discards
// logs.
func New(ctx context.Context, cfg Config, st *store.Store, log *slog.Logger) (*Server, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	// Lines logged on a request's behalf carry its id (reqlog).
	log = slog.New(reqlog.Handler(log.Handler()))
	if _, err := wsPattern(cfg.WSPath); err != nil {
		return nil, err
	}
	if cfg.ShutdownTimeout <= 0 {
		cfg.ShutdownTimeout = DefaultConfig().ShutdownTimeout
	}
	secret, err := auth.LoadSecret(ctx, st, cfg.Secret)
	if err != nil {
		return nil, err
	}
	if cfg.Secret != "" && len(cfg.Secret) < minSecretLen {
		log.Warn("CHATWASM_SECRET is short; use at least 32 random bytes", "length", len(cfg.Secret))
	}
	issuer, err := auth.NewIssuer(secret)
	if err != nil {
		return nil, err
	}
	ext, err := loadExternal(cfg.External)
	if err != nil {
		return nil, err
	}
	if ext != nil && cfg.External.Audience == "" {
		log.Warn("tokens of the external issuer are accepted whatever their audience: set --jwt-audience to this server's",
			"issuer", cfg.External.Issuer)
	}
	ids := identity.New(st, issuer, identity.Options{External: ext, CreateUsers: cfg.External.CreateUsers,
		LinkExisting: cfg.External.LinkExisting, Log: log})
	adminToken, err := auth.LoadAdminToken(ctx, st, cfg.AdminToken)
	if err != nil {
		return nil, err
	}
	if cfg.AdminToken == "" {
		log.Info("the admin API takes the token stored in the database: print it with `chatwasm admin-token`, or set CHATWASM_ADMIN_TOKEN")
	}

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	chatCfg := chat.Config{
		SoftDelete:          cfg.SoftDelete,
		Notifications:       cfg.Notifications,
		InactivityThreshold: cfg.InactivityThreshold,
		MaxFrameBytes:       cfg.MaxOutFrameBytes,

		ConnectNotificationsPerRoom: cfg.ConnectNotificationsPerRoom,
	}
	if cfg.NodeID == "" {
		cfg.NodeID = auth.RandomToken(4)
	}
	tracer, stopTracing, err := startTracing(ctx, cfg)
	if err != nil {
		return nil, err
	}
	mods, err := loadModules(ctx, cfg, st, reg, log)
	if err != nil {
		_ = stopTracing(context.WithoutCancel(ctx))
		return nil, err
	}
	svc := chat.New(st, chatCfg, log, chat.WithModules(mods), chat.WithTracer(tracer))
	srv, err := build(ctx, cfg, st, svc, mods, issuer, ids, adminToken, reg, log)
	if err != nil {
		_ = mods.Close(context.WithoutCancel(ctx))
		_ = stopTracing(context.WithoutCancel(ctx))
		return nil, err
	}
	srv.mods, srv.stopTracing = mods, stopTracing
	if tracer != nil {
		log.Info("tracing", "otlp_endpoint", cmp.Or(cfg.Tracing.Endpoint, "(from OTEL_EXPORTER_OTLP_*)"),
			"sample_ratio", cfg.Tracing.SampleRatio)
	}
	return srv, nil
}

// startTracing starts the span exporter cfg.Tracing configures, naming
// this node and the binary's version; a nil Tracer when it configures
// none.
func startTracing(ctx context.Context, cfg Config) (*tracing.Tracer, func(context.Context) error, error) {
	tc := cfg.Tracing
	tc.NodeID = cfg.NodeID
	if bi, ok := debug.ReadBuildInfo(); ok {
		tc.Version = bi.Main.Version
	}
	t, stop, err := tracing.Start(ctx, tc)
	if err != nil {
		return nil, nil, fmt.Errorf("server: %w", err)
	}
	return t, stop, nil
}

// loadModules loads the module file of cfg, if any, and the modules stored
// in st, with their metrics on reg. Any problem with the file or one of its
// modules is an error, so that a server never starts without the modules it
// was configured with; a stored module that does not load is left out and
// logged (hooks, stored.go).
func loadModules(ctx context.Context, cfg Config, st *store.Store, reg prometheus.Registerer,
	log *slog.Logger) (*hooks.Manager, error) {
	cache := cfg.ModuleCache
	if cache != "" {
		if err := os.MkdirAll(cache, 0o700); err != nil {
			if cfg.Modules != "" {
				return nil, fmt.Errorf("server: module cache: %w", err)
			}
			// Every server may get uploaded modules: one configured with
			// none must not fail to start for a cache it may never use.
			log.WarnContext(ctx, "module cache unusable: modules uploaded later are compiled in memory", "dir", cache, "err", err)
			cache = ""
		}
	}
	var limits *hooks.Limits
	if cfg.TenantModulePolicy != "" {
		l, err := hooks.ReadLimits(cfg.TenantModulePolicy)
		if err != nil {
			return nil, fmt.Errorf("server: %w", err)
		}
		limits = &l
	}
	mods, err := hooks.NewManager(ctx, cfg.Modules, hooks.Options{
		Store: st,
		// The render_* imports render objects as the default serializers
		// do, without any Service.
		Renderer:      wire.Renderer{},
		WireError:     wire.WireError,
		Logger:        log,
		Registerer:    reg,
		CacheDir:      cache,
		MaxConcurrent: cfg.ModuleConcurrency,
		QueueTimeout:  cfg.ModuleQueueTimeout,
		RetryAfter:    cfg.ModuleRetryAfter,
		Stored:        true,
		TenantLimits:  limits,
	})
	if err != nil {
		return nil, fmt.Errorf("server: modules: %w", err)
	}
	return mods, nil
}

// build assembles the server's parts around svc.
func build(ctx context.Context, cfg Config, st *store.Store, svc *chat.Service, mods *hooks.Manager, issuer *auth.Issuer,
	ids *identity.Resolver, adminToken string, reg *prometheus.Registry, log *slog.Logger) (*Server, error) {
	started := time.Now()
	wsPat, err := wsPattern(cfg.WSPath)
	if err != nil {
		return nil, err
	}
	metrics, err := gateway.NewMetrics(reg)
	if err != nil {
		return nil, err
	}
	nodeID := cfg.NodeID
	hub := gateway.NewHub(log)
	cache := svc.AccessCache()
	br, err := openBroker(ctx, cfg.Broker, st, controlHandler(hub, cache, mods, log), hub, cache, nodeID, reg, log)
	if err != nil {
		return nil, err
	}
	gw, err := gateway.New(gateway.Config{MaxFrameBytes: cfg.MaxFrameBytes, MaxOutFrameBytes: cfg.MaxOutFrameBytes, NodeID: nodeID,
		FrameRate: cfg.FrameRate, FrameBurst: cfg.FrameBurst, MaxConnsPerUser: cfg.MaxConnsPerUser},
		gateway.Deps{Service: svc, Auth: ids, Hub: hub, Broker: br, Metrics: metrics, Log: log})
	if err != nil {
		_ = br.Close()
		return nil, err
	}
	api, err := admin.New(admin.Deps{
		Store:  st,
		Issuer: issuer,
		Token:  adminToken,
		UserDeleted: func(ctx context.Context, id int64) {
			userDeleted(ctx, br, gw, log, id)
		},
		Log:     log,
		Modules: mods,
		ModulesChanged: func(ctx context.Context) {
			modulesChanged(ctx, br, mods, nodeID, log)
		},
		MaxModuleBytes: cfg.MaxModuleBytes,
		Sessions:       gw.Sessions,
		SessionCounts:  gw.SessionCounts,
		Metrics:        reg,
		Started:        started,
	})
	if err != nil {
		_ = br.Close()
		return nil, err
	}

	srv := &Server{cfg: cfg, log: log, gw: gw, broker: br}
	// The public mux serves clients: the WebSocket endpoint, the web app
	// (every path no other pattern takes) and the health checks, whose
	// answers name no database (the log has the error). The operator's
	// endpoints go on the internal mux when there is one, else on the
	// public one too.
	public := srv.healthMux(st, false)
	public.Handle(wsPat, gw)
	app, err := web.Handler(web.Config{WSPath: wsPatternPath(wsPat)})
	if err != nil {
		_ = br.Close()
		return nil, err
	}
	public.Handle("/", app)
	ops := public
	if cfg.InternalAddr != "" {
		ops = srv.healthMux(st, true)
		srv.internal = ops
	}
	ops.Handle(adminPrefix, api)
	ops.Handle("GET "+console.Prefix, console.Handler())
	ops.Handle("GET "+metricsPath, promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg}))
	srv.handler = public
	return srv, nil
}

// healthMux returns a mux serving /healthz and /readyz; detailed says
// whether /readyz may give a database error's text, which can name the
// database and its user: only on the internal listener.
func (s *Server) healthMux(st *store.Store, detailed bool) *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+healthPath, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"status":"ok"}` + "\n"))
	})
	mux.HandleFunc("GET "+readyPath, func(w http.ResponseWriter, r *http.Request) {
		s.ready(w, r, st, detailed)
	})
	return mux
}

// readyTimeout bounds the database check of /readyz.
const readyTimeout = 2 * time.Second

// ready answers /readyz: 200 when the node can serve (its database answers
// and it is not shutting down), 503 with the reason otherwise, the database
// error's own text only when detailed. /healthz only says the process is up.
func (s *Server) ready(w http.ResponseWriter, r *http.Request, st *store.Store, detailed bool) {
	w.Header().Set("Content-Type", "application/json")
	reason := ""
	if s.draining.Load() {
		reason = "shutting down"
	} else {
		ctx, cancel := context.WithTimeout(r.Context(), readyTimeout)
		defer cancel()
		err := st.Read(ctx, func(tx *store.Tx) error {
			var one int
			return tx.Executor().QueryRow(ctx, "SELECT 1").Scan(&one)
		})
		switch {
		case err == nil:
		case detailed:
			reason = "database: " + err.Error()
		default:
			reason = "database unavailable"
			s.log.WarnContext(ctx, "readyz: the database does not answer", "err", err)
		}
	}
	if reason != "" {
		w.WriteHeader(http.StatusServiceUnavailable)
		_ = json.NewEncoder(w).Encode(map[string]string{"status": "unavailable", "reason": reason})
		return
	}
	_, _ = w.Write([]byte(`{"status":"ready"}` + "\n"))
}

// openBroker returns the fan-out broker: NATS when bc names a server, which
// then delivers to this node only the groups its hub watches; otherwise the
// one of this node's store: on PostgreSQL, LISTEN/NOTIFY, so that every node
// sharing the database receives every event; on SQLite (one machine, one
// node), in-process. The hub tells cache which rooms have local
// connections, and the broker when envelopes may have been missed.
func openBroker(ctx context.Context, bc BrokerConfig, st *store.Store, handler broker.Handler, hub *gateway.Hub, cache *chat.AccessCache,
	nodeID string, reg prometheus.Registerer, log *slog.Logger) (broker.Broker, error) {
	hub.SetInterest(cache)
	if bc.URL != "" {
		br, err := natsbroker.New(ctx, natsbroker.Config{
			URL:        bc.URL,
			Handler:    handler,
			NodeID:     nodeID,
			CredsFile:  bc.CredsFile,
			CAFile:     bc.CAFile,
			CertFile:   bc.CertFile,
			KeyFile:    bc.KeyFile,
			Registerer: reg,
			Logger:     log,
			Missed:     cache.Reset,
		})
		if err != nil {
			return nil, fmt.Errorf("server: broker: %w", err)
		}
		hub.SetInterest(broker.Interests{br, cache})
		return br, nil
	}
	pg, ok := st.Driver().(*postgres.Driver)
	if !ok {
		return broker.NewMemory(handler), nil
	}
	br, err := pgbroker.New(ctx, pgbroker.Config{
		Pool:       pg.Pool(),
		Handler:    handler,
		NodeID:     nodeID,
		Registerer: reg,
		Logger:     log,
		Missed:     cache.Reset,
	})
	if err != nil {
		return nil, fmt.Errorf("server: broker: %w", err)
	}
	return br, nil
}

// Handler returns the server's HTTP handler: every endpoint, or with
// Config.InternalAddr only the WebSocket endpoint and the health checks.
func (s *Server) Handler() http.Handler { return s.handler }

// InternalHandler returns the handler of the internal listener (the admin
// API and console, metrics and health checks), nil without
// Config.InternalAddr.
func (s *Server) InternalHandler() http.Handler { return s.internal }

// Reload loads the module file and the stored modules again and swaps the
// new modules in: calls in flight finish on the old ones, connections stay
// open. On an error of the file, one of its modules or the database, the
// modules in force stay and the error says why (it is logged too).
func (s *Server) Reload(ctx context.Context) error {
	if s.mods == nil {
		return nil
	}
	return s.mods.Reload(ctx)
}

// watchModules reloads the modules whenever their files change, until ctx
// is done; the returned channel is closed when it has stopped.
func (s *Server) watchModules(ctx context.Context) <-chan struct{} {
	done := make(chan struct{})
	interval := s.cfg.ModuleWatch
	if interval == 0 {
		interval = DefaultModuleWatch
	}
	if s.mods == nil || interval < 0 {
		close(done)
		return done
	}
	go func() {
		defer close(done)
		s.mods.Watch(ctx, interval)
	}()
	return done
}

// Serve serves on ln until ctx is cancelled, then shuts down gracefully: it
// stops accepting, lets plain HTTP requests finish, closes every WebSocket
// with 1001 and closes the broker. It returns nil after a clean shutdown.
// With Config.InternalAddr, ln serves Handler only: see ServeInternal.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	return s.ServeInternal(ctx, ln, nil)
}

// ServeInternal is Serve with internal, when not nil, serving
// InternalHandler until the same shutdown.
func (s *Server) ServeInternal(ctx context.Context, ln, internal net.Listener) error {
	if internal != nil && s.internal == nil {
		return errors.New("server: an internal listener without Config.InternalAddr")
	}
	newHTTP := func(h http.Handler) *http.Server {
		return &http.Server{
			Handler:           h,
			ReadHeaderTimeout: 10 * time.Second,
			IdleTimeout:       2 * time.Minute,
			ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelDebug),
		}
	}
	hs, ihs := newHTTP(s.handler), newHTTP(s.internal)
	errc := make(chan error, 2)
	go func() { errc <- hs.Serve(ln) }()
	if internal != nil {
		go func() { errc <- ihs.Serve(internal) }()
	}
	wctx, stopWatch := context.WithCancel(ctx)
	watching := s.watchModules(wctx)
	var serveErr error
	select {
	case <-ctx.Done():
	case serveErr = <-errc:
	}
	s.log.Info("shutting down")
	s.draining.Store(true)
	stopWatch()
	<-watching
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.cfg.ShutdownTimeout)
	defer cancel()
	// The modules close last: the connections' requests may still use them;
	// then the spans of the last requests are flushed.
	err := errors.Join(hs.Shutdown(sctx), ihs.Shutdown(sctx), s.gw.Shutdown(sctx), s.broker.Close(), s.mods.Close(sctx),
		s.stopTracing(sctx))
	if serveErr != nil && !errors.Is(serveErr, http.ErrServerClosed) {
		return fmt.Errorf("server: serve: %w", serveErr)
	}
	if err != nil {
		return fmt.Errorf("server: shutdown: %w", err)
	}
	s.log.Info("stopped")
	return nil
}

// Run opens and migrates the database, listens on cfg.Addr and serves until
// ctx is cancelled. A nil logger discards logs.
func Run(ctx context.Context, cfg Config, log *slog.Logger) error {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	// A start that fails leaves no new database file behind: a typo in a
	// flag must not litter the directory with empty databases.
	created := newSQLiteFile(cfg.DB)
	listening := false
	st, err := OpenStore(ctx, cfg.DB, store.WithWriteBatch(cfg.WriteBatch, 0))
	if err != nil {
		removeNewFile(created, log)
		return err
	}
	defer func() {
		st.Close()
		if !listening {
			removeNewFile(created, log)
		}
	}()
	migrated, err := st.MigrateUp(ctx)
	if err != nil {
		return fmt.Errorf("server: migrate: %w", err)
	}
	for _, m := range migrated.Applied {
		log.Info("migration applied", "version", m.Version, "name", m.Name, "adopting_existing_tables", migrated.Adopted && m.Version == 1)
	}
	srv, err := New(ctx, cfg, st, log)
	if err != nil {
		return err
	}
	stopReload := srv.reloadOnSIGHUP(ctx)
	defer stopReload()
	var internal net.Listener
	if cfg.InternalAddr != "" {
		if internal, err = net.Listen("tcp", cfg.InternalAddr); err != nil {
			return fmt.Errorf("server: listen on the internal address: %w", err)
		}
		log.Info("internal listening", "addr", internal.Addr().String())
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		if internal != nil {
			_ = internal.Close()
		}
		return fmt.Errorf("server: listen: %w", err)
	}
	listening = true
	// The e2e suite parses "msg=listening addr=HOST:PORT": keep this line.
	log.Info("listening", "addr", ln.Addr().String())
	log.Info("serving", "ws_path", cfg.WSPath, "db", dbEngine(cfg.DB), "soft_delete", cfg.SoftDelete,
		"notifications", cfg.Notifications, "inactivity_threshold", cfg.InactivityThreshold, "max_frame_bytes", cfg.MaxFrameBytes,
		"frame_rate", cfg.FrameRate, "max_conns_per_user", cfg.MaxConnsPerUser, "external_issuer", cfg.External.Issuer,
		"modules", cfg.Modules)
	return srv.ServeInternal(ctx, ln, internal)
}

// loadExternal returns the external identity provider of cfg, or nil when
// there is none.
func loadExternal(cfg ExternalAuth) (*auth.External, error) {
	if cfg.Issuer == "" {
		if cfg.KeyFile != "" || cfg.Audience != "" || cfg.TenantClaim != "" {
			return nil, errors.New("an external token issuer's key, audience or tenant claim is set, but not its issuer")
		}
		return nil, nil
	}
	if cfg.KeyFile == "" {
		return nil, fmt.Errorf("external token issuer %s: its key file is required", cfg.Issuer)
	}
	key, err := os.ReadFile(cfg.KeyFile)
	if err != nil {
		return nil, fmt.Errorf("external token issuer %s: %w", cfg.Issuer, err)
	}
	return auth.NewExternal(auth.ExternalConfig{Issuer: cfg.Issuer, Audience: cfg.Audience, KeyPEM: key,
		UsernameClaim: cfg.UsernameClaim, TenantClaim: cfg.TenantClaim, Leeway: externalLeeway})
}

// reloadOnSIGHUP reloads the modules on every SIGHUP until the returned
// function is called.
func (s *Server) reloadOnSIGHUP(ctx context.Context) (stop func()) {
	if s.mods == nil {
		return func() {}
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGHUP)
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		for {
			select {
			case <-done:
				return
			case <-sig:
				// Reload logs the modules it loaded, or why it kept the
				// ones in force.
				s.log.Info("SIGHUP: reloading modules", "file", s.cfg.Modules)
				_ = s.Reload(ctx)
			}
		}
	}()
	return func() {
		signal.Stop(sig)
		close(done)
		<-stopped
	}
}

// dbEngine is the loggable part of a --db value: its engine, never the rest
// (which may hold a password).
func dbEngine(url string) string {
	scheme, _ := dbScheme(url)
	return scheme
}
