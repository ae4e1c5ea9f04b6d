package server

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/chatwasm/chatwasm/host/chat"
	"github.com/chatwasm/chatwasm/host/console"
	"github.com/chatwasm/chatwasm/host/gateway"
	"github.com/chatwasm/chatwasm/host/tracing"
)

// Config is everything `chatwasm serve` is configured with.
type Config struct {
	// Addr is the TCP address to listen on; port 0 picks a free port.
	Addr string
	// InternalAddr, when set, is the address of a second listener for the
	// operator's endpoints (/admin/, /console/, /metrics, and the health
	// checks): Addr then serves the WebSocket endpoint and the health checks
	// only.
	InternalAddr string
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
	// MaxOutFrameBytes is the largest frame sent (gateway.Config); the
	// connect's chat.notifications keeps the newest that fit in it.
	MaxOutFrameBytes int
	// ConnectNotificationsPerRoom caps the connect's chat.notifications at
	// the newest that many of each room; 0 sends them all
	// (chat.Config).
	ConnectNotificationsPerRoom int
	// FrameRate, FrameBurst and MaxConnsPerUser limit each connection's
	// frames and each user's connections on this node (gateway.Config);
	// 0 means no limit.
	FrameRate       float64
	FrameBurst      int
	MaxConnsPerUser int
	// Secret signs access tokens; empty means the one stored in the
	// database (generated on first start).
	Secret string
	// AdminToken authenticates the admin API; empty means the one stored in
	// the database (auth.LoadAdminToken), generated on first use.
	AdminToken string
	// External, if its Issuer is set, is an identity provider whose tokens
	// connections may carry besides the server's own.
	External ExternalAuth
	// ShutdownTimeout bounds the graceful shutdown.
	ShutdownTimeout time.Duration
	// NodeID names this node; empty means a random id.
	NodeID string
	// Broker, if its URL is set, carries fan-out between nodes over NATS
	// instead of the store's default (PostgreSQL LISTEN/NOTIFY, or
	// in-process on SQLite).
	Broker BrokerConfig
	// Modules is the deployment's module file (abi/README.md,
	// "Deployment"); empty means no modules.
	Modules string
	// ModuleCache keeps compiled modules on disk so that restarts are fast;
	// empty keeps them in memory only.
	ModuleCache string
	// ModuleWatch is how often the module file and its modules, and the
	// version of the modules stored in the database, are checked for
	// changes, which reload them; 0 means DefaultModuleWatch, negative
	// never (SIGHUP, and the broker's "modules changed", still reload).
	ModuleWatch time.Duration
	// TenantModulePolicy is the file of the tenant module policy
	// (hooks.ReadLimits), which bounds what the modules tenants upload may
	// ask for; empty means hooks.DefaultLimits.
	TenantModulePolicy string
	// MaxModuleBytes bounds the body of a module upload; 0 means
	// admin.DefaultMaxModuleBytes.
	MaxModuleBytes int64
	// WriteBatch bounds how many concurrent write operations share one
	// database transaction and commit (group commit); 0 means
	// store.DefaultWriteBatch, 1 a transaction per operation.
	WriteBatch int
	// ModuleConcurrency is how many requests may run module code at once;
	// 0 means hooks.DefaultMaxConcurrent.
	ModuleConcurrency int
	// ModuleQueueTimeout is how long a request waits for its turn to run
	// module code; 0 means hooks.DefaultQueueTimeout.
	ModuleQueueTimeout time.Duration
	// ModuleRetryAfter is how long a module disabled for a tenant by
	// repeated faults stays off before one call tries it again; 0 means
	// hooks.DefaultRetryAfter, negative until reload.
	ModuleRetryAfter time.Duration
	// Tracing exports a span per operation, module call and transaction
	// over OTLP/HTTP when it (or the environment) names an endpoint
	// (tracing.Config); NodeID and the binary's version name the process.
	// Off by default, at no cost.
	Tracing tracing.Config
}

// ExternalAuth configures an external identity provider (auth.External).
type ExternalAuth struct {
	// Issuer is the "iss" of its tokens; "" means no external provider.
	Issuer string
	// KeyFile is the PEM file of its public key.
	KeyFile string
	// Audience, if set, must be in its tokens' "aud".
	Audience string
	// UsernameClaim names the user ("" means "sub"); TenantClaim, if set,
	// the user's tenant.
	UsernameClaim, TenantClaim string
	// CreateUsers creates a user for an identity on its first connect;
	// LinkExisting links the identity to the existing user of its username
	// instead (identity.Options).
	CreateUsers, LinkExisting bool
}

// externalLeeway is the clock skew allowed with an external provider.
const externalLeeway = 30 * time.Second

// DefaultModuleWatch is how often a server checks its module files.
const DefaultModuleWatch = 2 * time.Second

// DefaultModuleCache is the default compile cache of modules: chatwasm's
// directory in the user's cache directory, or "" when there is none.
func DefaultModuleCache() string {
	dir, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	return filepath.Join(dir, "chatwasm", "modules")
}

// DefaultConfig returns the defaults of `chatwasm serve`.
func DefaultConfig() Config {
	cc, gw := chat.DefaultConfig(), gateway.DefaultConfig()
	return Config{
		Addr:                "127.0.0.1:8080",
		DB:                  "sqlite:chatwasm.db",
		WSPath:              "/messaging/",
		SoftDelete:          cc.SoftDelete,
		Notifications:       cc.Notifications,
		InactivityThreshold: cc.InactivityThreshold,
		MaxFrameBytes:       gw.MaxFrameBytes,
		MaxOutFrameBytes:    gw.MaxOutFrameBytes,
		FrameRate:           gw.FrameRate,
		FrameBurst:          gw.FrameBurst,
		MaxConnsPerUser:     gw.MaxConnsPerUser,
		ShutdownTimeout:     10 * time.Second,
		External:            ExternalAuth{UsernameClaim: "sub", CreateUsers: true},
		Tracing:             tracing.Config{SampleRatio: 1},
	}
}

// Paths served besides the WebSocket endpoint.
const (
	healthPath  = "/healthz"
	readyPath   = "/readyz"
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
	if strings.ContainsAny(path, "{} \t") || path == healthPath || path == readyPath || path == metricsPath ||
		strings.HasPrefix(path, adminPrefix) || path+"/" == adminPrefix ||
		strings.HasPrefix(path, console.Prefix) || path+"/" == console.Prefix {
		return "", fmt.Errorf("server: WebSocket path %q is not usable (reserved or invalid)", path)
	}
	if strings.HasSuffix(path, "/") {
		// Exactly this path, not the subtree below it.
		return "GET " + path + "{$}", nil
	}
	return "GET " + path, nil
}

// wsPatternPath is the path that a pattern of wsPattern serves, for the web
// app's configuration.
func wsPatternPath(pattern string) string {
	return strings.TrimSuffix(strings.TrimPrefix(pattern, "GET "), "{$}")
}

// BrokerConfig selects and configures the NATS broker (natsbroker.Config).
type BrokerConfig struct {
	// URL is the NATS server (nats:// or tls://; a comma-separated list
	// for a cluster); empty means the store's default broker.
	URL string
	// CredsFile is a NATS credentials file.
	CredsFile string
	// CAFile, CertFile and KeyFile configure TLS: the CA of the server's
	// certificate, and this node's client certificate and key.
	CAFile, CertFile, KeyFile string
}
