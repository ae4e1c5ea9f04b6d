package hooks

import (
	"os"
	"slices"
	"time"
)

// ModuleStatus is one module as the admin API lists it: a module in force,
// or a stored module the last reload refused.
type ModuleStatus struct {
	Name string
	// Stored is true for a module uploaded over the admin API, false for
	// one of the module file; Owner is the tenant that uploaded it.
	Stored bool
	Owner  string
	SHA256 string
	Size   int
	// Hooks are the hooks it is subscribed to, sorted; Tenants those it
	// applies to (nil: every one); Capabilities as granted.
	Hooks        []string
	Tenants      []string
	Capabilities []string
	// Refused is the reason the last reload left it out ("" when in force).
	Refused string
	// DisabledTenants are the tenants it is disabled for after repeated
	// faults, sorted.
	DisabledTenants []string
	// Calls, Errors (the module's errors and its faults) and Timeouts are
	// its hook calls since the process started, over every hook and every
	// load of a module of that name; CallTime their total duration.
	Calls, Errors, Timeouts int64
	CallTime                time.Duration
	// LastFault is the message of its last fault, "" if it never faulted.
	LastFault string
	// Updated is when a file module's .wasm was last modified.
	Updated time.Time
}

// Status returns the modules in force, in chain order, then the stored
// modules the last reload refused, by name.
func (m *Manager) Status() []ModuleStatus {
	if m == nil {
		return nil
	}
	var out []ModuleStatus
	if s := m.cur.Load(); s != nil {
		for _, mod := range s.modules {
			info := mod.plugin.Info()
			st := ModuleStatus{Name: mod.spec.Name, Stored: mod.spec.Stored(), Owner: mod.spec.Owner,
				SHA256: info.SHA256, Size: info.Size, Tenants: mod.spec.Tenants, Capabilities: mod.spec.Capabilities}
			for h := range mod.hooks {
				st.Hooks = append(st.Hooks, h)
			}
			slices.Sort(st.Hooks)
			mod.health.Range(func(tenant, h any) bool {
				if h.(*tenantHealth).off.Load() {
					st.DisabledTenants = append(st.DisabledTenants, tenant.(string))
				}
				return true
			})
			slices.Sort(st.DisabledTenants)
			if fi, err := os.Stat(mod.spec.Path); err == nil && !st.Stored {
				st.Updated = fi.ModTime()
			}
			out = append(out, m.withStats(st))
		}
	}
	m.mu.Lock()
	refused := m.refused
	m.mu.Unlock()
	names := make([]string, 0, len(refused))
	for name := range refused {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		out = append(out, m.withStats(ModuleStatus{Name: name, Stored: true, SHA256: refused[name].SHA256,
			Refused: refused[name].Err}))
	}
	return out
}

// withStats fills st's call totals.
func (m *Manager) withStats(st ModuleStatus) ModuleStatus {
	if v, ok := m.env.metrics.stats.Load(st.Name); ok {
		c := v.(*moduleStats)
		st.Calls, st.Errors, st.Timeouts = c.calls.Load(), c.errors.Load(), c.timeouts.Load()
		st.CallTime = time.Duration(c.nanos.Load())
		if f := c.lastFault.Load(); f != nil {
			st.LastFault = *f
		}
	}
	return st
}
