// Package server wires chatwasm together: store, chat service, WebSocket
// gateway, fan-out broker, admin API, health and metrics endpoints, and runs
// them on one HTTP server with a graceful shutdown.
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/chatwasm/chatwasm/host/admin"
	"github.com/chatwasm/chatwasm/host/auth"
	"github.com/chatwasm/chatwasm/host/broker"
	"github.com/chatwasm/chatwasm/host/broker/pgbroker"
	"github.com/chatwasm/chatwasm/host/chat"
	"github.com/chatwasm/chatwasm/host/gateway"
	"github.com/chatwasm/chatwasm/host/store"
	"github.com/chatwasm/chatwasm/host/store/postgres"
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
	handler http.Handler
}

// New builds a server on st, which must be migrated. A nil logger discards
// logs.
func New(ctx context.Context, cfg Config, st *store.Store, log *slog.Logger) (*Server, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	wsPat, err := wsPattern(cfg.WSPath)
	if err != nil {
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
	adminToken := cfg.AdminToken
	if adminToken == "" {
		adminToken = auth.RandomToken(16)
		log.Warn("generated an admin token; set CHATWASM_ADMIN_TOKEN to choose one", "admin_token", adminToken)
	}

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	metrics, err := gateway.NewMetrics(reg)
	if err != nil {
		return nil, err
	}
	svc := chat.New(st, chat.Config{
		SoftDelete:          cfg.SoftDelete,
		Notifications:       cfg.Notifications,
		InactivityThreshold: cfg.InactivityThreshold,
	}, log)
	nodeID := cfg.NodeID
	if nodeID == "" {
		nodeID = auth.RandomToken(4)
	}
	hub := gateway.NewHub(log)
	br, err := openBroker(ctx, st, hub, nodeID, reg, log)
	if err != nil {
		return nil, err
	}
	gw, err := gateway.New(gateway.Config{MaxFrameBytes: cfg.MaxFrameBytes, NodeID: nodeID},
		gateway.Deps{Service: svc, Issuer: issuer, Hub: hub, Broker: br, Metrics: metrics, Log: log})
	if err != nil {
		_ = br.Close()
		return nil, err
	}
	api, err := admin.New(admin.Deps{
		Store:  st,
		Issuer: issuer,
		Token:  adminToken,
		UserDeleted: func(_ context.Context, id int64) {
			gw.DisconnectUser(id, chat.CodeUnauthenticated, "user deleted")
		},
		Log: log,
	})
	if err != nil {
		_ = br.Close()
		return nil, err
	}

	mux := http.NewServeMux()
	mux.Handle(wsPat, gw)
	mux.Handle(adminPrefix, api)
	mux.Handle("GET "+metricsPath, promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg}))
	mux.HandleFunc("GET "+healthPath, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"status":"ok"}` + "\n"))
	})
	return &Server{cfg: cfg, log: log, gw: gw, broker: br, handler: mux}, nil
}

// openBroker returns the fan-out broker for this node's store: on
// PostgreSQL, LISTEN/NOTIFY, so that every node sharing the database
// receives every event; on SQLite (one machine, one node), in-process.
func openBroker(ctx context.Context, st *store.Store, hub *gateway.Hub, nodeID string,
	reg prometheus.Registerer, log *slog.Logger) (broker.Broker, error) {
	pg, ok := st.Driver().(*postgres.Driver)
	if !ok {
		return broker.NewMemory(hub.Apply), nil
	}
	br, err := pgbroker.New(ctx, pgbroker.Config{
		Pool:       pg.Pool(),
		Handler:    hub.Apply,
		NodeID:     nodeID,
		Registerer: reg,
		Logger:     log,
	})
	if err != nil {
		return nil, fmt.Errorf("server: broker: %w", err)
	}
	return br, nil
}

// Handler returns the server's HTTP handler.
func (s *Server) Handler() http.Handler { return s.handler }

// Serve serves on ln until ctx is cancelled, then shuts down gracefully: it
// stops accepting, lets plain HTTP requests finish, closes every WebSocket
// with 1001 and closes the broker. It returns nil after a clean shutdown.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	hs := &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelDebug),
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	var serveErr error
	select {
	case <-ctx.Done():
	case serveErr = <-errc:
	}
	s.log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.cfg.ShutdownTimeout)
	defer cancel()
	err := errors.Join(hs.Shutdown(sctx), s.gw.Shutdown(sctx), s.broker.Close())
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
	st, err := OpenStore(ctx, cfg.DB)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.Migrate(ctx); err != nil {
		return fmt.Errorf("server: migrate: %w", err)
	}
	srv, err := New(ctx, cfg, st, log)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("server: listen: %w", err)
	}
	// The e2e suite parses "msg=listening addr=HOST:PORT": keep this line.
	log.Info("listening", "addr", ln.Addr().String())
	log.Info("serving", "ws_path", cfg.WSPath, "db", dbScheme(cfg.DB), "soft_delete", cfg.SoftDelete,
		"notifications", cfg.Notifications, "inactivity_threshold", cfg.InactivityThreshold, "max_frame_bytes", cfg.MaxFrameBytes)
	return srv.Serve(ctx, ln)
}

// dbScheme is the loggable part of a database URL.
func dbScheme(url string) string {
	scheme, _, _ := strings.Cut(url, ":")
	return scheme
}
