package server

import (
	"fmt"
	"strings"
	"time"

	"github.com/chatwasm/chatwasm/host/chat"
	"github.com/chatwasm/chatwasm/host/gateway"
)

// Config is everything `chatwasm serve` is configured with.
type Config struct {
	// Addr is the TCP address to listen on; port 0 picks a free port.
	Addr string
	// DB is the database URL (see OpenStore).
	DB string
	// WSPath is the WebSocket endpoint's path (WEBSOCKET_PATH).
	WSPath string
	// SoftDelete, Notifications and InactivityThreshold are the reference's
	// MESSAGE_SOFT_DELETE, ENABLE_NOTIFICATION and INACTIVITY_THRESHOLD.
	SoftDelete          bool
	Notifications       bool
	InactivityThreshold time.Duration
	// MaxFrameBytes is the largest client frame processed.
	MaxFrameBytes int64
	// Secret signs access tokens; empty means the one stored in the
	// database (generated on first start).
	Secret string
	// AdminToken authenticates the admin API; empty means one generated at
	// start and logged.
	AdminToken string
	// ShutdownTimeout bounds the graceful shutdown.
	ShutdownTimeout time.Duration
	// NodeID names this node; empty means a random id.
	NodeID string
}

// DefaultConfig returns the defaults of `chatwasm serve`.
func DefaultConfig() Config {
	cc := chat.DefaultConfig()
	return Config{
		Addr:                "127.0.0.1:8080",
		DB:                  "sqlite:chatwasm.db",
		WSPath:              "/messaging/",
		SoftDelete:          cc.SoftDelete,
		Notifications:       cc.Notifications,
		InactivityThreshold: cc.InactivityThreshold,
		MaxFrameBytes:       gateway.DefaultConfig().MaxFrameBytes,
		ShutdownTimeout:     10 * time.Second,
	}
}

// Paths served besides the WebSocket endpoint.
const (
	healthPath  = "/healthz"
	metricsPath = "/metrics"
	adminPrefix = "/admin/"
)

// wsPattern validates the WebSocket path and returns its ServeMux pattern.
// A path given Django-style without the leading slash ("messaging/") is
// accepted.
func wsPattern(path string) (string, error) {
	if path == "" {
		return "", fmt.Errorf("server: empty WebSocket path")
	}
	if !strings.HasPrefix(path, "/") {
		path = "/" + path
	}
	if strings.ContainsAny(path, "{} \t") || path == healthPath || path == metricsPath ||
		strings.HasPrefix(path, adminPrefix) || path+"/" == adminPrefix {
		return "", fmt.Errorf("server: WebSocket path %q is not usable (reserved or invalid)", path)
	}
	if strings.HasSuffix(path, "/") {
		// Exactly this path, not the subtree below it.
		return "GET " + path + "{$}", nil
	}
	return "GET " + path, nil
}
