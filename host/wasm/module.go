package wasm

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
)

// ModuleConfig is what a module is allowed and given. Zero values take the
// defaults noted on each field.
type ModuleConfig struct {
	// Name identifies the module in errors and logs.
	Name string
	// SHA256, if set, is the hex sha256 the module bytes must have.
	SHA256 string

	// PoolSize bounds the live instances (and so the concurrent calls) of
	// the module; default 2. Instances are created on demand up to it.
	PoolSize int
	// KeepIdle is how many idle instances stay warm for good; those past
	// it are closed once idle for IdleTimeout. Default PoolSize, at most
	// PoolSize.
	KeepIdle int
	// IdleTimeout is how long an instance past KeepIdle may stay idle;
	// default 30 s.
	IdleTimeout time.Duration
	// Prewarm is how many instances Load creates up front (the rest are
	// created on demand); default 1, at most KeepIdle.
	Prewarm int

	// Timeout is the per-call deadline. It starts once the call has an
	// instance: the wait for one is not the module's time. Default 1 s.
	Timeout time.Duration
	// QueueTimeout bounds the wait for an instance when PoolSize are busy;
	// a call still waiting then fails with ErrBusy. Default 5 s.
	QueueTimeout time.Duration
	// InitTimeout is the deadline for instantiating and initializing one
	// instance; default 10 s.
	InitTimeout time.Duration

	// MemoryBytes caps an instance's linear memory; default 64 MiB.
	MemoryBytes uint64
	// KernelBytes caps the Extism kernel memory one call may allocate;
	// default 16 MiB.
	KernelBytes uint64
	// OutputBytes caps a call's output (and error message); default 4 MiB.
	OutputBytes uint64
	// VarBytes caps an instance's vars (keys plus values); default 1 MiB.
	VarBytes uint64
	// LogLines caps the guest log lines one call may emit; default 100.
	LogLines int

	// Config is what config_get returns.
	Config map[string]string
	// Capabilities names the host functions' capabilities the module is
	// granted.
	Capabilities []string

	// AllowedHosts are the hosts http_request may reach: host names
	// (path.Match patterns, e.g. "*.example.com"), each with an optional
	// ":port" that then must match too; none by default.
	AllowedHosts []string
	// HTTPTimeout bounds one http_request (within the call's deadline);
	// default 5 s.
	HTTPTimeout time.Duration
	// HTTPResponseBytes caps an http_request response body; default 1 MiB.
	HTTPResponseBytes uint64

	// Trusted runs the module as it is, without the interrupt checks
	// Load otherwise adds at every loop iteration and function call
	// (about a nanosecond each): a call that runs past its deadline is not
	// stopped, and one that never ends also stalls the Go garbage
	// collector, and so the process, for good (compiled wasm code cannot
	// be preempted). The deadline still bounds the wait for an instance
	// and what host functions see. Only for code the operator vouches for.
	Trusted bool

	// Clock grants the real wall and monotonic clocks (WASI otherwise sees
	// a fixed fake clock) and real sleeps, which hold no CPU and end with
	// the call: its deadline still stops a sleeping guest.
	Clock bool
	// Random grants crypto/rand entropy (WASI otherwise sees a fixed
	// deterministic source).
	Random bool
}

// withDefaults validates c and fills in its defaults.
func (c ModuleConfig) withDefaults() (ModuleConfig, error) {
	if c.Name == "" {
		return c, fmt.Errorf("wasm: module name is required")
	}
	def := func(v *uint64, d uint64) {
		if *v == 0 {
			*v = d
		}
	}
	def(&c.MemoryBytes, 64<<20)
	def(&c.KernelBytes, 16<<20)
	def(&c.OutputBytes, 4<<20)
	def(&c.VarBytes, 1<<20)
	def(&c.HTTPResponseBytes, 1<<20)
	if c.PoolSize <= 0 {
		c.PoolSize = 2
	}
	if c.KeepIdle <= 0 {
		c.KeepIdle = c.PoolSize
	}
	c.KeepIdle = min(c.KeepIdle, c.PoolSize)
	if c.IdleTimeout <= 0 {
		c.IdleTimeout = 30 * time.Second
	}
	if c.Prewarm <= 0 {
		c.Prewarm = 1
	}
	c.Prewarm = min(c.Prewarm, c.KeepIdle)
	if c.Timeout <= 0 {
		c.Timeout = time.Second
	}
	if c.QueueTimeout <= 0 {
		c.QueueTimeout = 5 * time.Second
	}
	if c.InitTimeout <= 0 {
		c.InitTimeout = 10 * time.Second
	}
	if c.HTTPTimeout <= 0 {
		c.HTTPTimeout = 5 * time.Second
	}
	if c.LogLines <= 0 {
		c.LogLines = 100
	}
	if c.MemoryBytes > 1<<32 {
		return c, fmt.Errorf("wasm: module %q: MemoryBytes %d is over the 4 GiB of wasm32", c.Name, c.MemoryBytes)
	}
	return c, nil
}

// export is one exported function of a module.
type export struct {
	name string
	// callable: an Extism export, no parameters and at most an i32 result.
	callable bool
	result   bool
}

// Module is a compiled module with its pool of warm instances. It is safe
// for concurrent use: concurrent calls run on different instances.
type Module struct {
	r        *Runtime
	name     string
	cfg      ModuleConfig
	log      *slog.Logger
	wrt      wazero.Runtime
	compiled wazero.CompiledModule
	// interrupt: the module was rewritten with the interrupt flag (see
	// interrupt.go) and is compiled without wazero's termination checks.
	interrupt bool
	exports   []export
	index     map[string]int
	info      Info
	pool      *pool
	http      *http.Client
	bgctx     context.Context // for background instance replacement
	cancel    context.CancelFunc
	closing   sync.Once
	closeErr  error
	// sleeps counts its guests' sleeps in the host (callCtx.sleep).
	sleeps atomic.Uint64
}

// providedModules are the import namespaces the host satisfies.
var providedModules = []string{EnvModule, UserModule, wasi_snapshot_preview1.ModuleName}

// lifecycleExports are run by the runtime itself, never by Call.
var lifecycleExports = []string{"_initialize", "_start"}

// chatwasmImports are the host's own extism:host/user functions.
var chatwasmImports = []string{"chatwasm_input_read", "chatwasm_output_write", "chatwasm_error_write", "chatwasm_last_error",
	"chatwasm_block_new", "chatwasm_block_read"}

// Load compiles a module (through the runtime's compilation cache), links
// it to the host imports and creates its first warm instances.
func (r *Runtime) Load(ctx context.Context, wasmBytes []byte, cfg ModuleConfig) (*Module, error) {
	return r.load(ctx, source{sum: sha256.Sum256(wasmBytes), size: len(wasmBytes),
		bytes: func() ([]byte, error) { return wasmBytes, nil }}, cfg)
}

// source is a module's bytes as Load takes them: their sha256 and size, and
// the bytes themselves, which a load that finds the instrumented module in
// the rewrite cache never needs.
type source struct {
	sum   [sha256.Size]byte
	size  int
	bytes func() ([]byte, error)
}

// load is Load on src.
func (r *Runtime) load(ctx context.Context, src source, cfg ModuleConfig) (*Module, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	closed := r.closed
	r.mu.Unlock()
	if closed {
		return nil, fmt.Errorf("%w: runtime closed, cannot load %q", ErrClosed, cfg.Name)
	}
	sum := src.sum
	if cfg.SHA256 != "" && !strings.EqualFold(cfg.SHA256, hex.EncodeToString(sum[:])) {
		return nil, fmt.Errorf("%w: module %q has sha256 %x, expected %s", ErrChecksum, cfg.Name, sum, cfg.SHA256)
	}
	m := &Module{
		r:     r,
		name:  cfg.Name,
		cfg:   cfg,
		log:   r.log.With("module", cfg.Name),
		index: map[string]int{},
		pool:  newPool(cfg.PoolSize, cfg.KeepIdle, cfg.IdleTimeout),
	}
	if err := m.compile(ctx, src); err != nil {
		return nil, fmt.Errorf("wasm: load module %q: %w", cfg.Name, err)
	}
	m.bgctx, m.cancel = context.WithCancel(context.Background())
	m.http = &http.Client{Transport: r.transport, Timeout: cfg.HTTPTimeout, CheckRedirect: m.checkRedirect}
	fail := func(err error) (*Module, error) {
		m.cancel()
		// Closing a runtime that failed to load has nothing left to report.
		_ = m.wrt.Close(context.Background())
		return nil, fmt.Errorf("wasm: load module %q: %w", cfg.Name, err)
	}
	m.info = infoOf(m.compiled, src.size, sum)
	if err := m.checkImports(); err != nil {
		return fail(err)
	}
	if mem := m.info.Memory; mem != nil && uint64(mem.MinPages)*pageSize > cfg.MemoryBytes {
		return fail(fmt.Errorf("%w: needs %d pages of memory at start, cap is %d bytes", ErrMemoryLimit, mem.MinPages, cfg.MemoryBytes))
	}
	if _, err := wasi_snapshot_preview1.Instantiate(ctx, m.wrt); err != nil {
		return fail(err)
	}
	env := m.wrt.NewHostModuleBuilder(EnvModule)
	defineEnv(env)
	if _, err := env.Instantiate(ctx); err != nil {
		return fail(err)
	}
	user := m.wrt.NewHostModuleBuilder(UserModule)
	defineUser(user, r.funcs, func(c string) bool { return slices.Contains(cfg.Capabilities, c) })
	if _, err := user.Instantiate(ctx); err != nil {
		return fail(err)
	}
	for name, def := range m.compiled.ExportedFunctions() {
		m.index[name] = len(m.exports)
		res := def.ResultTypes()
		m.exports = append(m.exports, export{
			name: name,
			callable: !slices.Contains(lifecycleExports, name) && len(def.ParamTypes()) == 0 &&
				(len(res) == 0 || len(res) == 1 && res[0] == api.ValueTypeI32),
			result: len(res) == 1,
		})
	}

	for range cfg.Prewarm {
		// A fresh pool always has a slot for the prewarmed instances.
		_, _, _ = m.pool.get(ctx, time.Now(), false)
		in, err := m.newInstance(ctx, true)
		if err != nil {
			m.pool.release(true)
			_ = m.pool.close(ctx)
			return fail(err)
		}
		m.pool.put(in)
	}
	if err := r.register(m); err != nil {
		_ = m.pool.close(ctx)
		return fail(err)
	}
	return m, nil
}

// checkImports fails early, with a clear message, on imports the host does
// not provide (instantiation would fail later with a vaguer one).
func (m *Module) checkImports() error {
	for _, imp := range m.info.Imports {
		if !slices.Contains(providedModules, imp.Module) {
			return fmt.Errorf("imports %s.%s: the host provides only %v", imp.Module, imp.Name, providedModules)
		}
		if imp.Module != UserModule || slices.Contains(chatwasmImports, imp.Name) {
			continue
		}
		if !slices.ContainsFunc(m.r.funcs, func(f HostFunc) bool { return f.Name == imp.Name }) {
			return fmt.Errorf("imports %s.%s, which is not a registered host function", imp.Module, imp.Name)
		}
	}
	return nil
}

// Name returns the module's name.
func (m *Module) Name() string { return m.name }

// Info describes the module's exports, imports and memory.
func (m *Module) Info() Info { return m.info }

// HasExport reports whether the module has a callable export name.
func (m *Module) HasExport(name string) bool {
	i, ok := m.index[name]
	return ok && m.exports[i].callable
}

// Call calls export name with input on a free instance and returns its
// output. hc is the per-call host context that host functions get from
// Call.HostContext. When PoolSize instances are busy, the call waits for one
// until QueueTimeout (or ctx's deadline) and then fails with ErrBusy; once
// it has one, it has the module's Timeout as deadline (or ctx's, if
// earlier): waiting is never charged to the module.
//
// The error is a *ModuleError when the module failed the call itself, a
// *Fault when it misbehaved (the instance is then replaced), or one of
// ErrNoExport, ErrClosed, ErrBusy, ErrDepth.
//
// A host function that calls a module passes its ctx on, which makes the
// call nested: it runs under its own module's Timeout, bounded by the
// outermost call's ctx (the calling module's clock stands still meanwhile),
// counts against the runtime's MaxDepth, and when it re-enters a module
// already busy in the chain it gets an extra instance instead of
// deadlocking on its own caller.
func (m *Module) Call(ctx context.Context, name string, input []byte, hc any) ([]byte, error) {
	idx, ok := m.index[name]
	if !ok || !m.exports[idx].callable {
		return nil, fmt.Errorf("%w: %q in module %q", ErrNoExport, name, m.name)
	}
	parent := callFrom(ctx)
	if parent != nil && parent.depth+1 >= m.r.maxDepth {
		return nil, fmt.Errorf("%w: calling %q of module %q at depth %d", ErrDepth, name, m.name, parent.depth+1)
	}
	in, owned, err := m.pool.get(ctx, time.Now().Add(m.cfg.QueueTimeout), parent.holds(m))
	if err != nil {
		return nil, fmt.Errorf("wasm: module %q: %w", m.name, err)
	}
	if in == nil {
		if in, err = m.newInstance(ctx, owned); err != nil {
			m.pool.release(owned)
			return nil, err
		}
	}
	deadline := time.Now().Add(m.cfg.Timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	out, err := in.run(ctx, parent, deadline, idx, input, hc)
	if in.broken {
		m.discard(in)
	} else {
		m.pool.put(in)
	}
	return out, err
}

// discard closes a broken instance, gives its slot back at once, and, if it
// held one, replaces it in the background so the pool stays warm. The
// replacement holds no slot while it starts (a call meanwhile creates its
// own instance rather than wait for it); it joins the pool only if a slot is
// still free then.
func (m *Module) discard(in *instance) {
	in.close()
	m.pool.release(in.owned)
	if !in.owned || !m.pool.track() {
		return
	}
	go func() {
		fresh, err := m.newInstance(m.bgctx, false)
		if err != nil {
			m.pool.release(false)
			if m.bgctx.Err() == nil {
				m.log.Error("wasm: replacing a broken instance failed", "err", err)
			}
			return
		}
		m.pool.put(fresh)
	}()
}

// Close stops new calls, waits for the running ones (and instance
// replacements) until ctx is done, and frees the module's instances and
// compiled code. Calls after Close fail with ErrClosed.
func (m *Module) Close(ctx context.Context) error {
	m.closing.Do(func() {
		m.cancel()
		if err := m.pool.close(ctx); err != nil {
			m.log.Warn("wasm: closing module with calls still running", "err", err)
		}
		m.r.forget(m)
		if err := m.wrt.Close(context.Background()); err != nil {
			m.closeErr = fmt.Errorf("wasm: close module %q: %w", m.name, err)
		}
	})
	return m.closeErr
}

// logLevel is the Extism level get_log_level reports: the lowest level the
// logger has enabled.
func (m *Module) logLevel(ctx context.Context) int32 {
	for lvl, l := range slogLevels {
		if m.log.Enabled(ctx, l) {
			return int32(lvl)
		}
	}
	return levelOff
}
