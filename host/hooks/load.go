package hooks

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/chatwasm/chatwasm/abi"
	"github.com/chatwasm/chatwasm/host/wasm"
)

// load reads the module file and loads every module into a new Set (with
// no references yet). On error, whatever was loaded is closed again.
func (m *Manager) load(ctx context.Context) (*Set, error) {
	f, err := ReadModuleFile(m.path)
	if err != nil {
		return nil, err
	}
	s := &Set{byHook: map[string][]*module{}, env: m.env}
	for i := range f.Modules {
		spec := &f.Modules[i]
		mod, err := m.loadModule(ctx, spec)
		if err != nil {
			s.close()
			return nil, fmt.Errorf("%s:%d: module %q: %w", f.Path, spec.Line, spec.Name, err)
		}
		s.modules = append(s.modules, mod)
		for hook := range mod.hooks {
			s.byHook[hook] = append(s.byHook[hook], mod)
		}
	}
	return s, nil
}

// loadModule compiles one module, checks its ABI version and resolves the
// hooks it is subscribed to.
func (m *Manager) loadModule(ctx context.Context, spec *ModuleSpec) (*module, error) {
	caps := spec.Capabilities
	if slices.Contains(caps, abi.CapAll) {
		caps = abi.Capabilities()
	}
	plugin, err := m.env.rt.LoadFile(ctx, spec.Path, wasm.ModuleConfig{
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
	})
	if err != nil {
		return nil, err
	}
	mod := &module{spec: *spec, plugin: plugin, hooks: map[string]*hookMetrics{}, metrics: m.env.metrics,
		log: m.env.log.With("module", spec.Name), stats: m.env.stats.of(spec.Name), loaded: time.Now()}
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
				return nil, fmt.Errorf("hook %q is not exported by %s (as a function without parameters)", h, spec.Path)
			}
		}
		subscribed = spec.Hooks
	}
	for _, h := range subscribed {
		mod.hooks[h] = m.env.metrics.forHook(spec.Name, h)
	}
	mod.order = subscribed
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
