package hooks

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/chatwasm/chatwasm/host/store"
	"github.com/chatwasm/chatwasm/host/wasm"
	"github.com/prometheus/client_golang/prometheus"
)

// maxNesting bounds nested module calls. Every layer of a chain nests in the
// one above it (through next), and an operation's replace chain nests in its
// extend chain, so the runtime's default of 8 would cap a deployment at a
// handful of modules per operation.
const maxNesting = 64

// Options configure a Manager.
type Options struct {
	// Store serves the data and key-value imports outside a transaction.
	Store *store.Store
	// Renderer serves the render_* imports; nil refuses them.
	Renderer Renderer
	// WireError maps the Go default's errors onto the error frames modules
	// see from next; nil knows only *abi.Error.
	WireError WireError
	// Logger receives module logs and faults; nil discards them.
	Logger *slog.Logger
	// Registerer receives the per-module metrics; nil keeps them private.
	Registerer prometheus.Registerer
	// FaultLimit is how many faults in a row disable a module; 0 means
	// DefaultFaultLimit.
	FaultLimit int
	// RetryAfter is how long a module disabled for a tenant stays off
	// before one call tries it again (and enables it if the module
	// answers); 0 means DefaultRetryAfter, a negative value until reload.
	RetryAfter time.Duration
	// CacheDir keeps compiled modules on disk across restarts; "" keeps
	// them in memory only.
	CacheDir string
	// MaxConcurrent is how many requests may run module code at once (see
	// admission); 0 means DefaultMaxConcurrent. Every module's pool may
	// grow to it.
	MaxConcurrent int
	// QueueTimeout is how long a request waits for its turn to run module
	// code before it fails as overloaded; 0 means DefaultQueueTimeout.
	QueueTimeout time.Duration
	// Stored loads, after the module file's, the enabled modules stored in
	// Store (uploaded over the admin API): see stored.go for how the two
	// combine.
	Stored bool
	// TenantLimits is the tenant module policy: a stored module that a
	// tenant uploaded is loaded only within it. It is checked at every
	// load, not only at upload, so that a module uploaded before the
	// policy was narrowed, or through a node with a wider one, is refused
	// rather than run; nil means DefaultLimits.
	TenantLimits *Limits
}

// Manager holds the current Set of the deployment's module file and of
// the stored modules (Options.Stored), and swaps in a new one on Reload. A
// nil *Manager has no modules.
type Manager struct {
	path string
	env  *env
	cur  atomic.Pointer[Set]

	mu          sync.Mutex // serialises reloads and Close
	fingerprint string     // of the files the current set was loaded from
	// version is the stored modules' version the current set was loaded
	// at, failed the one whose reload failed (not tried again until the
	// version changes), and refused the stored modules the last reload
	// refused, by name.
	version, failed int64
	refused         map[string]Refusal
	// closed is set by Close: a reload that a broker notice starts during
	// shutdown does nothing.
	closed bool
	// retired are the sets that Reload replaced and calls may still hold:
	// they run on the runtime, which Close must not close under them.
	retired []*Set
}

// drainPoll is how often Close looks whether the calls holding a set are
// done: sets count their holders but do not signal the last release.
const drainPoll = 5 * time.Millisecond

// NewManager loads the module file at path (every module compiled and
// checked) and returns a Manager holding it. path "" means no modules. Any
// problem with the file or a module is an error the server should exit with.
func NewManager(ctx context.Context, path string, opts Options) (*Manager, error) {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	metrics, err := NewMetrics(opts.Registerer)
	if err != nil {
		return nil, err
	}
	rt, err := wasm.NewRuntime(wasm.Config{CacheDir: opts.CacheDir, Logger: log, HostFuncs: hostFuncs(),
		MaxDepth: maxNesting})
	if err != nil {
		return nil, fmt.Errorf("hooks: %w", err)
	}
	m := &Manager{env: &env{opts: opts, metrics: metrics, log: log, rt: rt,
		admit: newAdmission(opts.MaxConcurrent, opts.QueueTimeout)}, version: -1, failed: -1}
	if path == "" && !m.stored() {
		return m, nil
	}
	if opts.Stored && opts.Store == nil {
		_ = rt.Close(ctx)
		return nil, errors.New("hooks: Options.Stored without a Store")
	}
	if path != "" {
		if m.path, err = filepath.Abs(path); err != nil {
			_ = rt.Close(ctx)
			return nil, fmt.Errorf("module file: %w", err)
		}
	}
	if err := m.Reload(ctx); err != nil {
		_ = rt.Close(ctx)
		return nil, err
	}
	return m, nil
}

// Acquire returns the current Set and the function that releases it. The
// Set stays usable until released, even if a reload replaces it meanwhile;
// hold it for one operation, so that all its hooks see the same modules.
func (m *Manager) Acquire() (*Set, func()) {
	if m == nil {
		return nil, func() {}
	}
	for {
		s := m.cur.Load()
		if s == nil || len(s.modules) == 0 {
			// No module: requests run as on a server without any.
			return nil, func() {}
		}
		if s.acquire() {
			return s, s.release
		}
		// s was replaced and closed between the load and the acquire: the
		// pointer now holds its successor.
	}
}

// stored reports whether the Manager loads stored modules.
func (m *Manager) stored() bool { return m.env.opts.Stored }

// Reload reads the module file and the stored modules again and loads every
// module into a new Set, which replaces the current one atomically: calls in
// flight finish on the old Set, which is closed when the last is done. On an
// error of the file, of one of its modules or of the database, the current
// Set stays and the error says why; a stored module that fails to load is
// left out and recorded as refused (Status), without failing the others.
func (m *Manager) Reload(ctx context.Context) error {
	if m == nil || (m.path == "" && !m.stored()) {
		return nil
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.reload(ctx)
}

// reload is Reload with m.mu held.
func (m *Manager) reload(ctx context.Context) error {
	if m.closed {
		return nil
	}
	var fp string
	if m.path != "" {
		var err error
		if fp, err = fingerprint(m.path); err != nil {
			return err
		}
	}
	version, stored, err := m.readStored(ctx)
	if err != nil {
		m.env.log.ErrorContext(ctx, "module reload failed; keeping the modules in force", "err", err)
		return err
	}
	s, refused, listed, err := m.load(ctx, stored)
	if err != nil {
		m.failed = version
		if m.cur.Load() != nil { // the first load's error is NewManager's
			m.env.log.ErrorContext(ctx, "module reload failed; keeping the modules in force", "file", m.path, "err", err)
		}
		return err
	}
	m.fingerprint, m.version, m.failed, m.refused = fp, version, -1, refused
	s.refs.Store(1)
	// A reload re-enables every module for every tenant, and forgets the
	// modules the file no longer lists.
	for _, set := range []*Set{m.cur.Load(), s} {
		if set != nil {
			for _, mod := range set.modules {
				m.env.metrics.disabled.WithLabelValues(mod.spec.Name).Set(0)
			}
		}
	}
	old := m.cur.Swap(s)
	logChanges(ctx, m.env.log, old, s, refused)
	if old != nil {
		m.retire(old)
	}
	if m.path != "" || len(s.modules) > 0 {
		m.env.log.InfoContext(ctx, "modules loaded", "file", m.path, "modules", s.Modules())
	}
	if m.path != "" && listed == 0 {
		m.env.log.WarnContext(ctx, "the module file lists no modules", "file", m.path)
	}
	return nil
}

// Watch reloads the modules whenever the module file or a module's .wasm
// changes, checking every interval, until ctx is done: once the change has
// settled (see settle). With stored modules, it also reloads when their
// version changed (Sync): the fallback of a node that missed the broker's
// "modules changed". A failed reload is logged and not retried until the
// files, or the stored modules, change again. The server also calls Reload
// on SIGHUP.
func (m *Manager) Watch(ctx context.Context, interval time.Duration) {
	if m == nil || (m.path == "" && !m.stored()) {
		return
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	var w settle
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if m.stored() {
			// A reload logs its own failures; a database that does not
			// answer is /readyz's to report, not every tick's.
			_ = m.Sync(ctx)
		}
		if m.path == "" {
			continue
		}
		fp, err := fingerprint(m.path)
		m.mu.Lock()
		loaded := m.fingerprint
		m.mu.Unlock()
		if err != nil || !w.ready(fp, loaded) {
			continue
		}
		if err := m.Reload(ctx); err != nil {
			w.failed = fp
		}
	}
}

// settle decides, poll after poll, when changed module files are reloaded:
// when they read the same at two polls in a row. A file caught halfway
// through being written (truncated, not yet filled, as editors and
// os.WriteFile do) would otherwise be loaded as it stood: an empty module
// file is a valid one with no modules, and swapping it in drops them all.
// Seen in TestModuleFileReload, which failed once in CI that way.
type settle struct {
	pending string // a changed fingerprint seen once
	failed  string // the fingerprint whose reload failed
}

// ready reports whether to reload files whose fingerprint is fp, the
// modules in force having been loaded from loaded.
func (w *settle) ready(fp, loaded string) bool {
	if fp == loaded || fp == w.failed {
		w.pending = ""
		return false
	}
	if fp != w.pending {
		w.pending = fp
		return false
	}
	w.pending = ""
	return true
}

// Close closes the current Set and the runtime once no call holds a Set
// any more (the current one or one a reload replaced), waiting for them
// until ctx ends. If it ends first, Close returns why and leaves the
// runtime open under the calls still running, which closing it would fail
// halfway; each Set still closes with its last call, and Close may be
// called again.
func (m *Manager) Close(ctx context.Context) error {
	if m == nil {
		return nil
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.closed = true
	if old := m.cur.Swap(nil); old != nil {
		m.retire(old)
	}
	t := time.NewTicker(drainPoll)
	defer t.Stop()
	for m.pruneRetired(); len(m.retired) > 0; m.pruneRetired() {
		select {
		case <-ctx.Done():
			return fmt.Errorf("hooks: close: %d module sets still in use: %w", len(m.retired), context.Cause(ctx))
		case <-t.C:
		}
	}
	return m.env.rt.Close(ctx)
}

// retire drops the Manager's reference to a Set it no longer serves and
// keeps it among those Close waits for. m.mu is held.
func (m *Manager) retire(s *Set) {
	m.retired = append(m.retired, s)
	s.release()
	m.pruneRetired()
}

// pruneRetired forgets the retired sets no call holds any more. m.mu is
// held.
func (m *Manager) pruneRetired() {
	m.retired = slices.DeleteFunc(m.retired, func(s *Set) bool {
		if s.refs.Load() > 0 {
			return false
		}
		// The last release is closing it, or has: close waits for that
		// to finish, so the runtime is never closed under it.
		s.close()
		return true
	})
}

// fingerprint identifies the content of the module file and the size and
// modification time of every module it names, so that a changed .wasm is
// noticed without hashing megabytes every poll.
func fingerprint(path string) (string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("module file: %w", err)
	}
	h := sha256.New()
	h.Write(data)
	if f, err := ParseModuleFile(data, path); err == nil {
		for _, mod := range f.Modules {
			if st, err := os.Stat(mod.Path); err == nil {
				fmt.Fprintf(h, "\x00%s\x00%d\x00%d", mod.Path, st.Size(), st.ModTime().UnixNano())
			} else {
				fmt.Fprintf(h, "\x00%s\x00missing", mod.Path)
			}
		}
	}
	return fmt.Sprintf("%x", h.Sum(nil)), nil
}

// retryAfter is o.RetryAfter with its default.
func (o Options) retryAfter() time.Duration {
	if o.RetryAfter == 0 {
		return DefaultRetryAfter
	}
	return o.RetryAfter
}
