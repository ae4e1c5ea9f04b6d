package hooks

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/chatwasm/chatwasm/abi"
	"github.com/chatwasm/chatwasm/host/store"
	"github.com/chatwasm/chatwasm/host/wasm"
)

// load reads the module file and loads its modules, then the stored ones,
// into a new Set (with no references yet); listed is how many the file
// lists. An error of the file or of one of its modules fails the load, and
// whatever was loaded is closed again; a stored module that fails is left
// out and returned among refused.
func (m *Manager) load(ctx context.Context, stored []store.StoredModule) (_ *Set, refused map[string]Refusal, listed int, _ error) {
	s := &Set{byHook: map[string][]*module{}, env: m.env}
	if m.path != "" {
		f, err := ReadModuleFile(m.path)
		if err != nil {
			return nil, nil, 0, err
		}
		for i := range f.Modules {
			spec := &f.Modules[i]
			mod, err := m.loadModule(ctx, spec)
			if err != nil {
				s.close()
				return nil, nil, 0, fmt.Errorf("%s:%d: module %q: %w", f.Path, spec.Line, spec.Name, err)
			}
			s.add(mod)
		}
		listed = len(f.Modules)
	}
	refused = map[string]Refusal{}
	for _, sm := range stored {
		mod, err := m.loadStored(ctx, s, sm)
		if err != nil {
			refused[sm.Name] = Refusal{SHA256: sm.SHA256, Err: err.Error()}
			continue
		}
		s.add(mod)
	}
	return s, refused, listed, nil
}

// add appends a loaded module to the set's chains.
func (s *Set) add(mod *module) {
	s.modules = append(s.modules, mod)
	for hook := range mod.hooks {
		s.byHook[hook] = append(s.byHook[hook], mod)
	}
}

// loadModule compiles one module, checks its ABI version and resolves the
// hooks it is subscribed to.
func (m *Manager) loadModule(ctx context.Context, spec *ModuleSpec) (*module, error) {
	caps := spec.Capabilities
	if slices.Contains(caps, abi.CapAll) {
		caps = abi.Capabilities()
	}
	cfg := wasm.ModuleConfig{
		Name:         spec.Name,
		SHA256:       spec.SHA256,
		PoolSize:     max(spec.Instances, m.env.admit.poolSize()),
		KeepIdle:     spec.Instances,
		QueueTimeout: m.env.admit.timeout,
		Timeout:      spec.Timeout,
		MemoryBytes:  spec.Memory,
		Config:       spec.Config,
		Capabilities: caps,
		AllowedHosts: spec.AllowedHosts,
		Clock:        slices.Contains(caps, abi.CapClock),
		Random:       slices.Contains(caps, abi.CapRandom),
	}
	var plugin *wasm.Module
	var err error
	if spec.Stored() {
		plugin, err = m.env.rt.Load(ctx, spec.Wasm, cfg)
	} else {
		plugin, err = m.env.rt.LoadFile(ctx, spec.Path, cfg)
	}
	if err != nil {
		return nil, err
	}
	mod := &module{spec: *spec, plugin: plugin, hooks: map[string]*hookMetrics{}, metrics: m.env.metrics,
		log: m.env.log.With("module", spec.Name)}
	exports := exportNames(plugin)
	if err := checkVersion(exports); err != nil {
		_ = plugin.Close(ctx)
		return nil, err
	}
	var subscribed []string
	if spec.Hooks == nil {
		for _, h := range abi.Hooks(exports) {
			if plugin.HasExport(h.Name) {
				subscribed = append(subscribed, h.Name)
			}
		}
	} else {
		for _, h := range spec.Hooks {
			if !plugin.HasExport(h) {
				_ = plugin.Close(ctx)
				return nil, fmt.Errorf("hook %q is not exported by %s (as a function without parameters)", h, cmp.Or(spec.Path, "the module"))
			}
		}
		subscribed = spec.Hooks
	}
	for _, h := range subscribed {
		mod.hooks[h] = m.env.metrics.forHook(spec.Name, h)
	}
	return mod, nil
}

// checkVersion refuses a module that does not declare this host's ABI
// version.
func checkVersion(exports []string) error {
	vs := abi.DeclaredVersions(exports)
	switch {
	case slices.Contains(vs, abi.Version):
		return nil
	case len(vs) == 0:
		return fmt.Errorf("declares no chatwasm ABI version (export a function named %s)", abi.VersionExport())
	default:
		return fmt.Errorf("%w: module declares version %v, host speaks %d", errABIMismatch, vs, abi.Version)
	}
}

var errABIMismatch = errors.New("chatwasm ABI version mismatch")

// exportNames lists a module's exported functions.
func exportNames(p *wasm.Module) []string {
	info := p.Info()
	out := make([]string, 0, len(info.Exports))
	for _, e := range info.Exports {
		out = append(out, e.Name)
	}
	return out
}
