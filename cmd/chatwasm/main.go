// Command chatwasm is the chatwasm server and its administration tool.
//
//	chatwasm serve                 run the server
//	chatwasm migrate [up|status]   upgrade the database schema, or show its version
//	chatwasm user add USERNAME     create a user
//	chatwasm token USERNAME        print an access token for a user
//
// Every flag has a CHATWASM_* environment variable; a flag given on the
// command line wins. Secrets are read from the environment only
// (CHATWASM_SECRET, CHATWASM_ADMIN_TOKEN), so they never show in a process
// list.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/chatwasm/chatwasm/host/admin"
	"github.com/chatwasm/chatwasm/host/auth"
	"github.com/chatwasm/chatwasm/host/hooks"
	"github.com/chatwasm/chatwasm/host/server"
	"github.com/chatwasm/chatwasm/host/store"
	"github.com/chatwasm/chatwasm/host/tracing"
	"github.com/chatwasm/chatwasm/host/users"
)

const mainUsage = `chatwasm is a real-time WebSocket chat server.

Usage:
  chatwasm serve [flags]                 run the server
  chatwasm migrate [up|status] [flags]   apply the schema's pending migrations, or list them
  chatwasm user add USERNAME [flags]     create a user and print it as JSON
  chatwasm user list|get|delete|unlink   list, show or delete users, unlink an external identity
  chatwasm token USERNAME [flags]        print an access token for a user (--url: a web app sign-in link)
  chatwasm admin-token [flags]           print the admin API token
  chatwasm module inspect|call ...       inspect a wasm module, or run one of its hooks
  chatwasm module list|upload|enable|disable|delete
                                         manage the modules stored in a server's database
  chatwasm version                       print the version, commit and Go version
  chatwasm config print [flags]          print serve's effective settings, secrets masked
  chatwasm client --token T [flags]      send JSON frames from stdin, print what the server sends
  chatwasm health [--ready] [flags]      check that the server on --addr is up (exit status 0) or ready

Run "chatwasm COMMAND --help" for a command's flags.

Settings come from a config file (--config FILE or CHATWASM_CONFIG: YAML, flag
names to values), then the CHATWASM_* environment variables, then the flags.

Environment: CHATWASM_SECRET signs access tokens (default: a secret generated
and stored in the database); CHATWASM_ADMIN_TOKEN authenticates the admin
HTTP API (default: a token generated and stored in the database, which
"chatwasm admin-token" prints).
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// Exit codes.
const (
	exitOK    = 0
	exitError = 1
	exitUsage = 2
)

// cli is one invocation's environment and output streams.
type cli struct {
	getenv         func(string) string
	stdin          io.Reader
	stdout, stderr io.Writer
}

// run executes one command line and returns the process exit code.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) int {
	c := cli{getenv: getenv, stdin: stdin, stdout: stdout, stderr: stderr}
	return c.dispatch(ctx, "chatwasm", "command", mainUsage, args, map[string]func(context.Context, []string) int{
		"serve":       c.serve,
		"migrate":     c.migrate,
		"user":        c.user,
		"token":       c.token,
		"admin-token": c.adminToken,
		"module":      c.module,
		"version":     c.version,
		"config":      c.config,
		"client":      c.client,
		"health":      c.health,
	})
}

// dispatch runs the (sub)command that args[0] names, prints usage for help,
// and refuses a missing or unknown one. name is the command line so far
// ("chatwasm user"), kind what args[0] is ("command", "subcommand").
func (c cli) dispatch(ctx context.Context, name, kind, usage string, args []string,
	commands map[string]func(context.Context, []string) int) int {
	if len(args) == 0 {
		fmt.Fprint(c.stderr, usage)
		return exitUsage
	}
	if run, ok := commands[args[0]]; ok {
		return run(ctx, args[1:])
	}
	switch args[0] {
	case "help", "-h", "-help", "--help":
		fmt.Fprint(c.stdout, usage)
		return exitOK
	default:
		fmt.Fprintf(c.stderr, "%s: unknown %s %q\n\n%s", name, kind, args[0], usage)
		return exitUsage
	}
}

// parse parses a command's flags; ok is false when run must return code.
func (c cli) parse(cmd *command, args []string) (pos []string, code int, ok bool) {
	pos, err := cmd.parse(args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		cmd.help(c.stdout)
		return nil, exitOK, false
	case err != nil:
		fmt.Fprintf(c.stderr, "chatwasm %s: %v\n\n", cmd.fs.Name(), err)
		cmd.help(c.stderr)
		return nil, exitUsage, false
	}
	return pos, exitOK, true
}

func (c cli) usageError(cmd *command, msg string) int {
	fmt.Fprintf(c.stderr, "chatwasm %s: %s\n\n", cmd.fs.Name(), msg)
	cmd.help(c.stderr)
	return exitUsage
}

func (c cli) fail(cmd string, err error) int {
	fmt.Fprintf(c.stderr, "chatwasm %s: %v\n", cmd, err)
	return exitError
}

func (c cli) logger(l *logging) *slog.Logger {
	opts := &slog.HandlerOptions{Level: l.level}
	if l.format == "json" {
		return slog.New(slog.NewJSONHandler(c.stderr, opts))
	}
	return slog.New(slog.NewTextHandler(c.stderr, opts))
}

func (c cli) dbFlag(cmd *command) *string {
	return cmd.String("db", "CHATWASM_DB", server.DefaultConfig().DB, "database URL: sqlite:PATH or postgres://...")
}

func (c cli) serve(ctx context.Context, args []string) int {
	cfg, logs, _, code, ok := c.serveConfig("serve", "chatwasm serve [flags]", args)
	if !ok {
		return code
	}
	log := c.logger(logs)
	if err := server.Run(ctx, cfg, log); err != nil {
		// Once: a JSON log's reader wants a record, a terminal's a
		// sentence (a broken module file's message above all).
		if logs.format == "json" {
			log.Error("server failed", "err", err)
			return exitError
		}
		return c.fail("serve", err)
	}
	return exitOK
}

// serveConfig reads serve's settings from its defaults, config file,
// environment and args (name and usage name the command: serve, or config
// print), and checks them; ok is false when the command must return code.
func (c cli) serveConfig(name, usage string, args []string) (cfg server.Config, logs *logging, cmd *command, code int, ok bool) {
	d := server.DefaultConfig()
	cmd = newCommand(name, usage,
		"Runs the chat server: the WebSocket endpoint, the admin API under /admin/ and\n"+
			"its console at /console/, /healthz, /readyz and /metrics (the admin API, console\n"+
			"and metrics on a listener of their own with --internal-addr). It creates or migrates the database on start and\n"+
			"shuts down gracefully on SIGINT or SIGTERM. With --modules it loads the\n"+
			"wasm modules of that file (abi/README.md) and refuses to start if any is\n"+
			"missing or broken; SIGHUP reloads them.", c.getenv)
	cmd.useConfigFile(args)
	addr := cmd.String("addr", "CHATWASM_ADDR", d.Addr, "address to listen on (port 0 picks a free port)")
	internalAddr := cmd.String("internal-addr", "CHATWASM_INTERNAL_ADDR", "",
		"address of a listener for the admin API and console, /metrics and the health checks; --addr then serves only the WebSocket endpoint, /healthz and /readyz")
	db := c.dbFlag(cmd)
	wsPath := cmd.String("ws-path", "CHATWASM_WS_PATH", d.WSPath, "WebSocket endpoint path")
	softDelete := cmd.Bool("soft-delete", "CHATWASM_SOFT_DELETE", d.SoftDelete, "flag deleted messages instead of removing them")
	notifications := cmd.Bool("notifications", "CHATWASM_NOTIFICATIONS", d.Notifications,
		"track undelivered messages and send chat.notifications on connect")
	inactivity := cmd.Duration("inactivity-threshold", "CHATWASM_INACTIVITY_THRESHOLD", d.InactivityThreshold,
		"age of the last heartbeat after which a session is expired")
	maxFrame := cmd.Int64("max-frame-bytes", "CHATWASM_MAX_FRAME_BYTES", d.MaxFrameBytes, "largest client frame accepted, in bytes")
	maxOutFrame := cmd.Int64("max-out-frame-bytes", "CHATWASM_MAX_OUT_FRAME_BYTES", int64(d.MaxOutFrameBytes),
		"largest frame sent, in bytes: a larger reply is refused with a 4003, chat.notifications keeps the newest that fit")
	connectPerRoom := cmd.Int64("connect-notifications-per-room", "CHATWASM_CONNECT_NOTIFICATIONS_PER_ROOM", 0,
		"send at most the newest N pending notifications of each room at connect (0: all)")
	frameRate := cmd.Float64("frame-rate", "CHATWASM_FRAME_RATE", d.FrameRate,
		"frames per second a connection may send on average; faster clients are read more slowly, not refused (0: no limit)")
	frameBurst := cmd.Int64("frame-burst", "CHATWASM_FRAME_BURST", int64(d.FrameBurst), "frames a connection may send at once above --frame-rate")
	maxConns := cmd.Int64("max-conns-per-user", "CHATWASM_MAX_CONNS_PER_USER", int64(d.MaxConnsPerUser),
		"open connections per user on this node; one more is closed with 1008 (0: no limit)")
	shutdown := cmd.Duration("shutdown-timeout", "CHATWASM_SHUTDOWN_TIMEOUT", d.ShutdownTimeout, "longest graceful shutdown")
	nodeID := cmd.String("node-id", "CHATWASM_NODE_ID", "", "this node's id in channel names (default random)")
	brokerURL := cmd.String("broker", "CHATWASM_BROKER", "",
		"fan-out between nodes: nats://host:4222 (a comma-separated list for a cluster; user:password@ allowed) for NATS; default: PostgreSQL LISTEN/NOTIFY on a postgres --db, in-process on SQLite")
	brokerCreds := cmd.String("broker-creds", "CHATWASM_BROKER_CREDS", "", "NATS credentials file (user JWT and NKey seed)")
	brokerCA := cmd.String("broker-tls-ca", "CHATWASM_BROKER_TLS_CA", "", "PEM file of the CA that signed the NATS server's certificate (TLS)")
	brokerCert := cmd.String("broker-tls-cert", "CHATWASM_BROKER_TLS_CERT", "", "PEM file of this node's client certificate for NATS (with --broker-tls-key)")
	brokerKey := cmd.String("broker-tls-key", "CHATWASM_BROKER_TLS_KEY", "", "PEM file of the key of --broker-tls-cert")
	modules := cmd.String("modules", "CHATWASM_MODULES", "",
		"module file (YAML) of the wasm modules to load; reloaded on SIGHUP and when it or a module changes")
	moduleCache := cmd.String("module-cache", "CHATWASM_MODULE_CACHE", server.DefaultModuleCache(),
		"directory keeping compiled modules across restarts (\"\" keeps them in memory)")
	moduleWatch := cmd.Duration("module-watch", "CHATWASM_MODULE_WATCH", server.DefaultModuleWatch,
		"how often the module files, and the modules stored in the database, are checked for changes (0 never)")
	tenantPolicy := cmd.String("tenant-module-policy", "CHATWASM_TENANT_MODULE_POLICY", "",
		"YAML file bounding what the modules tenants upload may ask for (default: no capability, the default limits)")
	maxModuleBytes := cmd.Int64("max-module-bytes", "CHATWASM_MAX_MODULE_BYTES", admin.DefaultMaxModuleBytes,
		"the largest body of a module upload to the admin API, in bytes")
	writeBatch := cmd.Int64("write-batch", "CHATWASM_WRITE_BATCH", store.DefaultWriteBatch,
		"concurrent write operations that may share one database transaction and commit (group commit; 1: one each)")
	moduleConc := cmd.Int64("module-concurrency", "CHATWASM_MODULE_CONCURRENCY", hooks.DefaultMaxConcurrent,
		"requests that may run module code at once; more wait their turn (abi/README.md, \"Concurrency\")")
	moduleQueue := cmd.Duration("module-queue-timeout", "CHATWASM_MODULE_QUEUE_TIMEOUT", hooks.DefaultQueueTimeout,
		"how long a request waits for its turn to run module code before it fails as busy")
	moduleRetry := cmd.Duration("module-retry-after", "CHATWASM_MODULE_RETRY_AFTER", hooks.DefaultRetryAfter,
		"how long a module disabled for a tenant by repeated faults stays off before one call tries it again (negative: until reload)")
	jwtIssuer := cmd.String("jwt-issuer", "CHATWASM_JWT_ISSUER", "",
		"accept the tokens of this external identity provider (their \"iss\") besides the server's own")
	jwtKey := cmd.String("jwt-key", "CHATWASM_JWT_KEY", "", "PEM file of the external provider's public key (RSA, ECDSA or Ed25519)")
	jwtAudience := cmd.String("jwt-audience", "CHATWASM_JWT_AUDIENCE", "", "the \"aud\" the external tokens must carry (default: not checked)")
	jwtUsername := cmd.String("jwt-username-claim", "CHATWASM_JWT_USERNAME_CLAIM", d.External.UsernameClaim,
		"the external tokens' claim holding the username")
	jwtTenant := cmd.String("jwt-tenant-claim", "CHATWASM_JWT_TENANT_CLAIM", "",
		"the external tokens' claim holding the user's tenant (default: users of any tenant, new ones in \"default\")")
	jwtCreate := cmd.Bool("jwt-create-users", "CHATWASM_JWT_CREATE_USERS", d.External.CreateUsers,
		"create a user for an external identity (issuer and subject) on its first connect")
	jwtLink := cmd.Bool("jwt-link-existing", "CHATWASM_JWT_LINK_EXISTING", false,
		"link an external identity seen for the first time to the existing user of its username (trust the provider's usernames)")
	otlpEndpoint := cmd.String("otlp-endpoint", "CHATWASM_OTLP_ENDPOINT", "",
		"base URL of an OTLP/HTTP collector to export trace spans to (\"/v1/traces\" is appended); default: the standard OTEL_EXPORTER_OTLP_ENDPOINT, else no tracing")
	sampleRatio := cmd.Float64("trace-sample-ratio", "CHATWASM_TRACE_SAMPLE_RATIO", d.Tracing.SampleRatio,
		"share of operations traced when tracing is on, from 0 to 1")
	logs = cmd.Logging()
	pos, code, ok := c.parse(cmd, args)
	if !ok {
		return cfg, nil, nil, code, false
	}
	if len(pos) > 0 {
		return cfg, nil, nil, c.usageError(cmd, fmt.Sprintf("unexpected argument %q", pos[0])), false
	}
	if *maxFrame <= 0 || *inactivity <= 0 || *shutdown <= 0 {
		return cfg, nil, nil, c.usageError(cmd, "--max-frame-bytes, --inactivity-threshold and --shutdown-timeout must be positive"), false
	}
	if *maxOutFrame < 1024 || *maxOutFrame > math.MaxInt32 || *connectPerRoom < 0 || *connectPerRoom > math.MaxInt32 {
		return cfg, nil, nil, c.usageError(cmd, "--max-out-frame-bytes must be between 1024 and 2147483647, --connect-notifications-per-room must not be negative"), false
	}
	if *moduleWatch < 0 {
		return cfg, nil, nil, c.usageError(cmd, "--module-watch must not be negative"), false
	}
	if *maxModuleBytes <= 0 {
		return cfg, nil, nil, c.usageError(cmd, "--max-module-bytes must be positive"), false
	}
	if *writeBatch < 1 || *writeBatch > 4096 {
		return cfg, nil, nil, c.usageError(cmd, "--write-batch must be between 1 and 4096"), false
	}
	if *moduleConc <= 0 || *moduleConc > 1024 || *moduleQueue <= 0 || *moduleRetry == 0 {
		return cfg, nil, nil, c.usageError(cmd, "--module-concurrency must be between 1 and 1024, --module-queue-timeout positive, --module-retry-after not zero"), false
	}
	if *frameRate < 0 || *frameBurst <= 0 || *maxConns < 0 || *frameBurst > math.MaxInt32 || *maxConns > math.MaxInt32 {
		return cfg, nil, nil, c.usageError(cmd, "--frame-rate and --max-conns-per-user must not be negative, --frame-burst must be positive"), false
	}
	if !(*sampleRatio >= 0 && *sampleRatio <= 1) {
		return cfg, nil, nil, c.usageError(cmd, "--trace-sample-ratio must be between 0 and 1"), false
	}
	if *moduleWatch == 0 {
		*moduleWatch = -1 // Config: never
	}
	if *brokerURL == "" && *brokerCreds+*brokerCA+*brokerCert+*brokerKey != "" {
		return cfg, nil, nil, c.usageError(cmd, "--broker-creds and --broker-tls-* need --broker"), false
	}
	if *brokerURL != "" && !strings.HasPrefix(*brokerURL, "nats://") && !strings.HasPrefix(*brokerURL, "tls://") {
		return cfg, nil, nil, c.usageError(cmd, "--broker must be a nats:// or tls:// URL"), false
	}
	cfg = server.Config{
		Addr:                        *addr,
		InternalAddr:                *internalAddr,
		DB:                          *db,
		WSPath:                      *wsPath,
		SoftDelete:                  *softDelete,
		Notifications:               *notifications,
		InactivityThreshold:         *inactivity,
		MaxFrameBytes:               *maxFrame,
		MaxOutFrameBytes:            int(*maxOutFrame),
		ConnectNotificationsPerRoom: int(*connectPerRoom),
		FrameRate:                   *frameRate,
		FrameBurst:                  int(*frameBurst),
		MaxConnsPerUser:             int(*maxConns),
		Secret:                      c.getenv("CHATWASM_SECRET"),
		AdminToken:                  c.getenv("CHATWASM_ADMIN_TOKEN"),
		ShutdownTimeout:             *shutdown,
		WriteBatch:                  int(*writeBatch),
		External: server.ExternalAuth{Issuer: *jwtIssuer, KeyFile: *jwtKey, Audience: *jwtAudience,
			UsernameClaim: *jwtUsername, TenantClaim: *jwtTenant, CreateUsers: *jwtCreate, LinkExisting: *jwtLink},
		NodeID: *nodeID,
		Broker: server.BrokerConfig{URL: *brokerURL, CredsFile: *brokerCreds, CAFile: *brokerCA,
			CertFile: *brokerCert, KeyFile: *brokerKey},
		Modules:            *modules,
		ModuleCache:        *moduleCache,
		ModuleWatch:        *moduleWatch,
		ModuleConcurrency:  int(*moduleConc),
		ModuleQueueTimeout: *moduleQueue,
		ModuleRetryAfter:   *moduleRetry,
		TenantModulePolicy: *tenantPolicy,
		MaxModuleBytes:     *maxModuleBytes,
		Tracing:            tracing.Config{Endpoint: *otlpEndpoint, SampleRatio: *sampleRatio},
	}
	return cfg, logs, cmd, exitOK, true
}

// openStore opens and migrates the database, so that every command also
// works on a fresh file.
func openStore(ctx context.Context, url string) (*store.Store, error) {
	st, err := server.OpenStore(ctx, url)
	if err != nil {
		return nil, err
	}
	if err := st.Migrate(ctx); err != nil {
		st.Close()
		return nil, fmt.Errorf("migrate: %w", err)
	}
	return st, nil
}

const userUsage = `Usage:
  chatwasm user add USERNAME [flags]       create a user and print it as JSON
  chatwasm user list [flags]               print a page of users as JSON
  chatwasm user get USERNAME|ID [flags]    print a user and its external identities
  chatwasm user delete USERNAME|ID [flags] delete a user
  chatwasm user unlink ISSUER SUBJECT      unlink an external identity from its user

Manages users in the database directly: a running server is not told, so a
user deleted here keeps their open connections (the admin API's DELETE
/admin/users/{id} closes them). Run "chatwasm user SUBCOMMAND --help" for the
flags.
`

func (c cli) user(ctx context.Context, args []string) int {
	return c.dispatch(ctx, "chatwasm user", "subcommand", userUsage, args, map[string]func(context.Context, []string) int{
		"add":    c.userAdd,
		"list":   c.userList,
		"get":    c.userGet,
		"delete": c.userDelete,
		"unlink": c.userUnlink,
	})
}

func (c cli) userAdd(ctx context.Context, args []string) int {
	cmd := newCommand("user add", "chatwasm user add USERNAME [flags]", "Creates a user and prints it as JSON.", c.getenv)
	email := cmd.fs.String("email", "", "email address")
	first := cmd.fs.String("first-name", "", "first name")
	last := cmd.fs.String("last-name", "", "last name")
	tenant := cmd.fs.String("tenant", "", "tenant (default \""+store.DefaultTenant+"\")")
	return c.runOnStore(ctx, cmd, args, 1, "exactly one USERNAME is required", nil, func(st *store.Store, pos []string) error {
		u, err := users.Create(ctx, st, users.Input{Username: pos[0], Email: *email, FirstName: *first, LastName: *last, Tenant: *tenant})
		if errors.Is(err, store.ErrConflict) {
			return fmt.Errorf("username %q already exists", pos[0])
		}
		if err != nil {
			return err
		}
		return c.printJSON(u)
	})
}

func (c cli) token(ctx context.Context, args []string) int {
	cmd := newCommand("token", "chatwasm token USERNAME [flags]",
		"Prints an access token for a user, signed with CHATWASM_SECRET or else the\n"+
			"secret stored in the database (the one the server uses). With --url, prints\n"+
			"a link that signs the user in to the web app served at --base instead.", c.getenv)
	ttl := cmd.Duration("ttl", "CHATWASM_TOKEN_TTL", auth.DefaultTokenTTL, "token lifetime")
	asURL := cmd.Bool("url", "CHATWASM_TOKEN_URL", false, "print a link that signs the user in to the web app instead of the bare token")
	base := cmd.String("base", "CHATWASM_BASE_URL", "http://127.0.0.1:8080", "with --url: the address at which browsers reach the server")
	var baseURL *url.URL
	check := func() error {
		if *ttl <= 0 {
			return usageErr("--ttl must be positive")
		}
		u, err := url.Parse(*base)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return usageErr("--base must be an http:// or https:// address, e.g. http://127.0.0.1:8080")
		}
		baseURL = u
		return nil
	}
	return c.runOnStore(ctx, cmd, args, 1, "exactly one USERNAME is required", check, func(st *store.Store, pos []string) error {
		tok, err := issueToken(ctx, st, c.getenv("CHATWASM_SECRET"), pos[0], *ttl)
		if err != nil {
			return err
		}
		if *asURL {
			tok = signInLink(baseURL, pos[0], tok)
		}
		fmt.Fprintln(c.stdout, tok)
		return nil
	})
}

// signInLink is the web app's address under base with the token (and the
// username, for display) in the fragment: browsers send neither the fragment
// to the server nor it in Referer headers, so the token is not logged.
func signInLink(base *url.URL, username, token string) string {
	u := *base
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
	}
	u.RawQuery = ""
	u.Fragment = ""
	frag := url.Values{"user": {username}, "token": {token}}
	return u.String() + "#" + frag.Encode()
}

func (c cli) adminToken(ctx context.Context, args []string) int {
	cmd := newCommand("admin-token", "chatwasm admin-token [flags]",
		"Prints the token of the admin HTTP API: CHATWASM_ADMIN_TOKEN if set, else\n"+
			"the one stored in the database (generated on first use), which every\n"+
			"server on that database accepts. With --tenant, prints a token that may\n"+
			"only manage that tenant's modules (/admin/modules), signed like access\n"+
			"tokens (CHATWASM_SECRET or the stored secret) and valid for --ttl.", c.getenv)
	tenant := cmd.fs.String("tenant", "", "issue a token scoped to this tenant's modules")
	ttl := cmd.Duration("ttl", "CHATWASM_TOKEN_TTL", auth.DefaultTokenTTL, "lifetime of a --tenant token")
	check := func() error {
		if *ttl <= 0 {
			return usageErr("--ttl must be positive")
		}
		return nil
	}
	return c.runOnStore(ctx, cmd, args, 0, "", check, func(st *store.Store, _ []string) error {
		if *tenant != "" {
			secret, err := auth.LoadSecret(ctx, st, c.getenv("CHATWASM_SECRET"))
			if err != nil {
				return err
			}
			iss, err := auth.NewIssuer(secret)
			if err != nil {
				return err
			}
			tok, err := iss.IssueTenantAdmin(*tenant, *ttl)
			if err != nil {
				return err
			}
			fmt.Fprintln(c.stdout, tok)
			return nil
		}
		tok, err := auth.LoadAdminToken(ctx, st, c.getenv("CHATWASM_ADMIN_TOKEN"))
		if err != nil {
			return err
		}
		fmt.Fprintln(c.stdout, tok)
		return nil
	})
}

func issueToken(ctx context.Context, st *store.Store, secret, username string, ttl time.Duration) (string, error) {
	var u store.User
	err := st.Read(ctx, func(tx *store.Tx) error {
		var err error
		u, err = tx.GetUserByUsername(ctx, username)
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		return "", fmt.Errorf("no user %q", username)
	}
	if err != nil {
		return "", err
	}
	key, err := auth.LoadSecret(ctx, st, secret)
	if err != nil {
		return "", err
	}
	iss, err := auth.NewIssuer(key)
	if err != nil {
		return "", err
	}
	return iss.Issue(u.ID, ttl)
}
