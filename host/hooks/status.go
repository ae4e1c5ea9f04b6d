package hooks

import (
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// The states of a module in ModuleStatus.State.
const (
	// StateActive: the module runs on its hooks (but for the tenants it
	// is disabled for after faults, ModuleStatus.DisabledTenants).
	StateActive = "active"
)

// SourceFile is ModuleStatus.Source for a module of the module file.
const SourceFile = "file"

// ModuleStatus is one loaded module as the admin API lists it
// (GET /admin/modules): what it is, what it hooks and its call figures.
type ModuleStatus struct {
	Name string `json:"name"`
	// Tenant owns the module: "" for the operator's (every module of the
	// module file).
	Tenant string `json:"tenant"`
	// Source is where the module came from: SourceFile.
	Source string `json:"source"`
	// SHA256 and Size are those of its .wasm.
	SHA256 string `json:"sha256"`
	Size   int    `json:"size"`
	// Hooks are the hooks it is subscribed to, in the order of the chain
	// the module file gives (or its exports' when it names none).
	Hooks []string `json:"hooks"`
	// Tenants are those it applies to; nil for every tenant.
	Tenants      []string `json:"tenants"`
	Capabilities []string `json:"capabilities"`
	Enabled      bool     `json:"enabled"`
	// State is StateActive.
	State string `json:"state"`
	// DisabledTenants are the tenants it is disabled for after repeated
	// faults (until a trial call succeeds, or a reload), sorted.
	DisabledTenants []string `json:"disabled_tenants"`
	// LastError is the message of its last fault (trap, timeout, broken
	// limit), "" if it never faulted.
	LastError string `json:"last_error"`
	// Calls, Errors (the errors it set and its faults) and Timeouts count
	// its hook calls since the server started, across reloads, as the
	// chatwasm_module_* metrics do; CallSeconds is their total duration.
	Calls       int64   `json:"calls"`
	Errors      int64   `json:"errors"`
	Timeouts    int64   `json:"timeouts"`
	CallSeconds float64 `json:"call_seconds"`
	// UpdatedAt is when the module in force was loaded.
	UpdatedAt time.Time `json:"updated_at"`
}

// callStats are one module's call figures. A Manager keeps them by module
// name, so that they outlive the Sets a reload replaces, as its Prometheus
// metrics do.
type callStats struct {
	calls, errors, timeouts, nanos atomic.Int64
	lastError                      atomic.Pointer[string]
}

// fault records a fault's message and counts it.
func (c *callStats) fault(err error, timeout bool) {
	msg := err.Error()
	c.lastError.Store(&msg)
	c.errors.Add(1)
	if timeout {
		c.timeouts.Add(1)
	}
}

// statsTable is a Manager's callStats by module name.
type statsTable struct {
	mu     sync.Mutex
	byName map[string]*callStats
}

// of returns the figures of the module name, created at zero.
func (t *statsTable) of(name string) *callStats {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.byName == nil {
		t.byName = map[string]*callStats{}
	}
	s := t.byName[name]
	if s == nil {
		s = &callStats{}
		t.byName[name] = s
	}
	return s
}

// Modules returns the modules in force, in module-file order, with their
// figures. A nil Manager, or one without modules, returns an empty list.
func (m *Manager) Modules() []ModuleStatus {
	out := []ModuleStatus{}
	if m == nil {
		return out
	}
	s := m.cur.Load()
	if s == nil {
		return out
	}
	for _, mod := range s.modules {
		out = append(out, mod.status())
	}
	return out
}

// status is ModuleStatus of mod.
func (mod *module) status() ModuleStatus {
	info := mod.plugin.Info()
	st := ModuleStatus{
		Name:            mod.spec.Name,
		Source:          SourceFile,
		SHA256:          info.SHA256,
		Size:            info.Size,
		Hooks:           append([]string{}, mod.order...),
		Tenants:         slices.Clone(mod.spec.Tenants),
		Capabilities:    append([]string{}, mod.spec.Capabilities...),
		Enabled:         true,
		State:           StateActive,
		DisabledTenants: []string{},
		Calls:           mod.stats.calls.Load(),
		Errors:          mod.stats.errors.Load(),
		Timeouts:        mod.stats.timeouts.Load(),
		CallSeconds:     time.Duration(mod.stats.nanos.Load()).Seconds(),
		UpdatedAt:       mod.loaded.UTC(),
	}
	if e := mod.stats.lastError.Load(); e != nil {
		st.LastError = *e
	}
	mod.health.Range(func(tenant, h any) bool {
		if h.(*tenantHealth).off.Load() {
			st.DisabledTenants = append(st.DisabledTenants, tenant.(string))
		}
		return true
	})
	slices.Sort(st.DisabledTenants)
	return st
}
