package modtool

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/chatwasm/chatwasm/abi"
	"github.com/chatwasm/chatwasm/host/chat"
	"github.com/chatwasm/chatwasm/host/chat/wire"
	"github.com/chatwasm/chatwasm/host/hooks"
	"github.com/chatwasm/chatwasm/host/store"
	"github.com/chatwasm/chatwasm/host/store/sqlite"
	"github.com/chatwasm/chatwasm/host/users"
	"go.yaml.in/yaml/v3"
)

// Placeholders of CallOptions.Input, replaced by the sandbox's ids.
const (
	UserIDPlaceholder = "{{user_id}}"
	RoomIDPlaceholder = "{{room_id}}"
)

// DefaultUser is the sandbox user's name when CallOptions.User is empty.
const DefaultUser = "alice"

// CallOptions say which hook Call runs, on what, and with which grants.
type CallOptions struct {
	// Path is the module's .wasm file.
	Path string
	// Hook is the export to run: a hook name of abi/README.md, e.g.
	// "_create_message" or "action_message.pin".
	Hook string
	// Input is the hook's args as JSON (the envelope's "args"); the text
	// UserIDPlaceholder stands for the sandbox user's id, RoomIDPlaceholder
	// for the sandbox room's. Empty means {}.
	Input string
	// Config is what the module reads with config_get.
	Config map[string]string
	// Capabilities are the capabilities the module is granted (abi.Cap*).
	Capabilities []string
	// Tenant is the sandbox's tenant; empty means store.DefaultTenant.
	Tenant string
	// User is the caller's username; empty means DefaultUser.
	User string
	// Timeout and Memory are the module's limits; zero means the
	// deployment defaults (hooks.DefaultTimeout, hooks.DefaultMemory).
	Timeout time.Duration
	Memory  uint64
	// CacheDir keeps compiled modules across runs; "" compiles in memory.
	CacheDir string
	// Logger receives the module's logs and the host's reports of its
	// faults; nil discards them.
	Logger *slog.Logger
}

// Result is what one hook call produced.
type Result struct {
	// Output is what the hook chain returned; for a serializer hook, the
	// object with the module's fields added (what clients get).
	Output json.RawMessage
	// Error is the error frame a client would get when the call failed:
	// the module's own error, the error of the default logic it passed on,
	// or a 4006 for a fault (a trap, a timeout, a broken limit).
	Error *abi.Error
	// Cause is the host's account of a failure, naming the module and the
	// fault, for people.
	Cause error
	// Events are what the module emitted (kept only when the call
	// succeeded, as the server does).
	Events []abi.Event
	// UserID and RoomID are the sandbox's caller and its GroupChat room.
	UserID int64
	RoomID string
}

// Call runs one hook of the module at opts.Path as the server's chain
// would: the module is loaded with the deployment's checks (ABI version,
// imports, limits), its `next` reaches the host's default Go logic, and its
// host imports work on a sandbox that is deleted afterwards: a temporary
// SQLite database (migrated) holding the caller, a user of opts.Tenant, and
// a GroupChat room "sandbox" the caller created. An extend or replace hook
// runs its operation as a client request does (chat.Service.RunOperation):
// the replace hook inside the operation's transaction, which commits only
// when the hook succeeds.
//
// The error is for problems before the hook ran (a bad option, a module the
// host refuses to load); the hook's own failure is in Result.Error.
func Call(ctx context.Context, opts CallOptions) (Result, error) {
	h, ok := abi.LookupHook(opts.Hook)
	if !ok {
		return Result{}, fmt.Errorf("modtool: %q is not a hook name (see abi/README.md, \"Hooks\")", opts.Hook)
	}
	if opts.Tenant == "" {
		opts.Tenant = store.DefaultTenant
	}
	if opts.User == "" {
		opts.User = DefaultUser
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	dir, err := os.MkdirTemp("", "chatwasm-module-call-")
	if err != nil {
		return Result{}, fmt.Errorf("modtool: %w", err)
	}
	defer os.RemoveAll(dir)

	sb, err := newSandbox(ctx, dir, opts)
	if err != nil {
		return Result{}, err
	}
	defer sb.close(ctx)
	input := opts.Input
	if strings.TrimSpace(input) == "" {
		input = "{}"
	}
	input = strings.ReplaceAll(input, UserIDPlaceholder, strconv.FormatInt(sb.user.ID, 10))
	input = strings.ReplaceAll(input, RoomIDPlaceholder, sb.roomID)
	if !json.Valid([]byte(input)) {
		return Result{}, errors.New("modtool: the input is not valid JSON")
	}

	mf, err := writeModuleFile(dir, opts)
	if err != nil {
		return Result{}, err
	}
	mgr, err := hooks.NewManager(ctx, mf, hooks.Options{Store: sb.st, Renderer: wire.Renderer{}, WireError: wire.WireError,
		Logger: log, CacheDir: opts.CacheDir})
	if err != nil {
		return Result{}, fmt.Errorf("modtool: the host refuses the module: %w", err)
	}
	defer func() { _ = mgr.Close(context.WithoutCancel(ctx)) }()
	set, release := mgr.Acquire()
	defer release()

	res := Result{UserID: sb.user.ID, RoomID: sb.roomID}
	out, events, err := sb.run(ctx, set, h, []byte(input))
	if err != nil {
		res.Error, res.Cause = wire.WireError(err), err
		return res, nil
	}
	res.Output, res.Events = out, events
	return res, nil
}

// sandbox is the temporary world a hook runs in.
type sandbox struct {
	st     *store.Store
	svc    *chat.Service
	user   store.User
	caller chat.Caller
	roomID string
	tenant string
}

// newSandbox creates the database in dir with the caller and its room.
func newSandbox(ctx context.Context, dir string, opts CallOptions) (*sandbox, error) {
	drv, err := sqlite.Open(ctx, filepath.Join(dir, "sandbox.db"))
	if err != nil {
		return nil, fmt.Errorf("modtool: sandbox database: %w", err)
	}
	st := store.New(drv)
	sb := &sandbox{st: st, svc: chat.New(st, chat.DefaultConfig(), nil), tenant: opts.Tenant}
	fail := func(err error) (*sandbox, error) {
		st.Close()
		return nil, fmt.Errorf("modtool: sandbox: %w", err)
	}
	if err := st.Migrate(ctx); err != nil {
		return fail(err)
	}
	sb.user, err = users.Create(ctx, st, users.Input{Username: opts.User, Tenant: opts.Tenant,
		Email: opts.User + "@example.com"})
	if err != nil {
		return fail(err)
	}
	sb.caller = chat.Caller{UserID: sb.user.ID, Tenant: opts.Tenant, Username: sb.user.Username}
	in, err := json.Marshal(chat.CreateRoomIn{Type: string(store.KindGroup), Name: "sandbox",
		MaxMembers: store.DefaultMaxParticipants, Members: []int64{}})
	if err != nil {
		return fail(err)
	}
	room, err := sb.svc.DefaultHook(ctx, sb.caller, abi.OpCreateRoom, in)
	if err != nil {
		return fail(err)
	}
	var r struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(room, &r); err != nil {
		return fail(err)
	}
	sb.roomID = r.ID
	return sb, nil
}

func (sb *sandbox) close(context.Context) { sb.st.Close() }

// run runs hook h of set on args, with the default logic as next.
func (sb *sandbox) run(ctx context.Context, set *hooks.Set, h abi.Hook, args []byte) ([]byte, []abi.Event, error) {
	if h.Kind == abi.Extend || h.Kind == abi.Replace {
		// The operation runs as in a client request: the same layers and
		// transaction, the module's events dropped with a transaction that
		// is retried.
		return sb.svc.RunOperation(ctx, set, sb.caller, h.Subject, args)
	}
	var (
		mu     sync.Mutex
		events []abi.Event
	)
	call := hooks.CallInfo{
		Tenant: sb.tenant,
		Caller: abi.Caller{UserID: sb.user.ID, Username: sb.user.Username},
		Emit: func(_ context.Context, ev abi.Event) error {
			mu.Lock()
			events = append(events, ev)
			mu.Unlock()
			return nil
		},
	}
	var (
		out []byte
		err error
	)
	if h.Kind == abi.Serializer {
		var a abi.SerializeArgs
		if err := json.Unmarshal(args, &a); err != nil || len(a.Object) == 0 {
			return nil, nil, &abi.Error{Code: abi.CodeValidation,
				Detail: []string{`a serializer hook's input is {"form": ..., "object": {...}}`}}
		}
		out, err = set.Serialize(ctx, h.Name, call, a.Form, a.Object)
	} else {
		out, err = set.Run(ctx, h.Name, call, args, func(ctx context.Context, in []byte) ([]byte, error) {
			return sb.svc.DefaultHook(ctx, sb.caller, h.Name, in)
		})
	}
	if err != nil {
		return nil, nil, err
	}
	return out, events, nil
}

// moduleEntry is the module file entry Call loads the module with.
type moduleEntry struct {
	Name         string            `yaml:"name"`
	Path         string            `yaml:"path"`
	Hooks        []string          `yaml:"hooks"`
	Config       map[string]string `yaml:"config,omitempty"`
	Capabilities []string          `yaml:"capabilities,omitempty"`
	Timeout      string            `yaml:"timeout,omitempty"`
	Memory       string            `yaml:"memory,omitempty"`
	Instances    int               `yaml:"instances"`
	OnFailure    string            `yaml:"on_failure"`
}

// writeModuleFile writes the module file that subscribes the module to the
// one hook, so that it loads exactly as a deployment would load it.
func writeModuleFile(dir string, opts CallOptions) (string, error) {
	path, err := filepath.Abs(opts.Path)
	if err != nil {
		return "", fmt.Errorf("modtool: %w", err)
	}
	e := moduleEntry{Name: moduleName(path), Path: path, Hooks: []string{opts.Hook}, Config: opts.Config,
		Capabilities: opts.Capabilities, Instances: 1, OnFailure: string(hooks.FailClosed)}
	if opts.Timeout > 0 {
		e.Timeout = opts.Timeout.String()
	}
	if opts.Memory > 0 {
		e.Memory = strconv.FormatUint(opts.Memory, 10)
	}
	b, err := yaml.Marshal(map[string][]moduleEntry{"modules": {e}})
	if err != nil {
		return "", fmt.Errorf("modtool: module file: %w", err)
	}
	mf := filepath.Join(dir, "modules.yaml")
	if err := os.WriteFile(mf, b, 0o600); err != nil {
		return "", fmt.Errorf("modtool: module file: %w", err)
	}
	return mf, nil
}

// moduleName derives a valid module name from the file name.
func moduleName(path string) string {
	base := strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	name := strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '_', r == '.', r == '-':
			return r
		}
		return '_'
	}, base)
	name = strings.TrimLeft(name, "_.-")
	if len(name) > 64 {
		name = name[:64]
	}
	if name == "" {
		return "module"
	}
	return name
}
