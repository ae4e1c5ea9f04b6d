package hooks

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"

	"github.com/chatwasm/chatwasm/host/store"
)

// Stored modules (Options.Stored) are uploaded over the admin API and kept
// in the database, so that every node sharing it loads the same ones. They
// combine with the module file's this way:
//
//   - the file's modules come first, in file order, then the enabled stored
//     modules ordered by name: in every chain, a file module is outside
//     every stored one;
//   - a stored module whose name a file module has is refused (the file's
//     stays), as is one that fails to load; a refused module is left out,
//     logged, and reported by Status as the module's last error, without
//     affecting the others;
//   - a module a tenant uploaded (its Owner) applies to that tenant only,
//     whatever its manifest's tenants say, and is refused if it asks for
//     more than this node's tenant module policy (Options.TenantLimits)
//     allows.
//
// A problem of the file itself, or of one of its modules, still fails the
// whole reload and keeps the modules in force.

// Refusal is why the last reload left a stored module out.
type Refusal struct {
	// SHA256 is the refused module's, to tell it from a later upload.
	SHA256 string
	Err    string
}

// readStored returns the stored modules' version and the enabled ones, read
// in one transaction so that they agree; nothing without Options.Stored.
func (m *Manager) readStored(ctx context.Context) (version int64, mods []store.StoredModule, err error) {
	if !m.stored() {
		return 0, nil, nil
	}
	err = m.env.opts.Store.Read(ctx, func(tx *store.Tx) error {
		if version, err = tx.ModulesVersion(ctx); err != nil {
			return err
		}
		mods, err = tx.EnabledModules(ctx)
		return err
	})
	if err != nil {
		return 0, nil, fmt.Errorf("hooks: stored modules: %w", err)
	}
	return version, mods, nil
}

// DecodeManifest reads a stored manifest: strict JSON, as the admin API
// takes it.
func DecodeManifest(data []byte) (Manifest, error) {
	var mf Manifest
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&mf); err != nil {
		return mf, fmt.Errorf("manifest: %w", err)
	}
	return mf, nil
}

// StoredSpec is the spec of a stored module: its manifest validated as a
// module file's entry, its bytes, and for a tenant's module its tenant as
// its only one.
func StoredSpec(sm store.StoredModule) (ModuleSpec, error) {
	mf, err := DecodeManifest([]byte(sm.Manifest))
	if err != nil {
		return ModuleSpec{}, err
	}
	spec, err := mf.Spec(sm.Name)
	if err != nil {
		return spec, err
	}
	spec.Wasm, spec.SHA256, spec.Owner = sm.Wasm, sm.SHA256, sm.Tenant
	if sm.Tenant != "" {
		spec.Tenants = []string{sm.Tenant}
	}
	return spec, nil
}

// loadStored loads the stored module sm for the set s being built.
func (m *Manager) loadStored(ctx context.Context, s *Set, sm store.StoredModule) (*module, error) {
	if slices.ContainsFunc(s.modules, func(mod *module) bool { return mod.spec.Name == sm.Name }) {
		return nil, fmt.Errorf("the name %q is taken by a module of the module file", sm.Name)
	}
	spec, err := StoredSpec(sm)
	if err != nil {
		return nil, err
	}
	if spec.Owner != "" {
		if err := m.TenantLimits().Check(spec); err != nil {
			return nil, err
		}
	}
	mod, err := m.loadModule(ctx, &spec)
	if err != nil {
		return nil, err
	}
	mod.spec.Wasm = nil // compiled: the set need not hold the bytes
	return mod, nil
}

// Check loads the module spec describes (with its Wasm) as a reload would,
// with one warm instance rather than its Instances, and closes it again:
// what an upload must pass before it is stored. Its errors are the load's:
// the wasm package's for malformed bytes (which never reach the compiler),
// the ABI version, hooks not exported.
func (m *Manager) Check(ctx context.Context, spec ModuleSpec) error {
	spec.Instances = 1
	mod, err := m.loadModule(ctx, &spec)
	if err != nil {
		return err
	}
	return mod.plugin.Close(ctx)
}

// TenantLimits returns the tenant module policy (Options.TenantLimits),
// which bounds both what a tenant may upload and what a node loads.
func (m *Manager) TenantLimits() Limits {
	if m == nil || m.env.opts.TenantLimits == nil {
		return DefaultLimits()
	}
	return *m.env.opts.TenantLimits
}

// FileModule reports whether the modules in force include one of the
// module file named name.
func (m *Manager) FileModule(name string) bool {
	if m == nil {
		return false
	}
	s := m.cur.Load()
	return s != nil && slices.ContainsFunc(s.modules, func(mod *module) bool {
		return mod.spec.Name == name && !mod.spec.Stored()
	})
}

// Sync reloads when the stored modules' version is not the one the modules
// in force were loaded at (nor one whose reload failed): what a node does
// when told, through the broker, that the stored modules changed, and on
// every Watch tick.
func (m *Manager) Sync(ctx context.Context) error {
	if m == nil || !m.stored() {
		return nil
	}
	var v int64
	err := m.env.opts.Store.Read(ctx, func(tx *store.Tx) (err error) { v, err = tx.ModulesVersion(ctx); return err })
	if err != nil {
		return fmt.Errorf("hooks: stored modules: %w", err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if v == m.version || v == m.failed {
		return nil
	}
	return m.reload(ctx)
}

// logChanges logs what a reload changed from old to s: the modules added,
// removed and replaced (their bytes' sha256 changed), and each refused one
// with why.
func logChanges(ctx context.Context, log *slog.Logger, old, s *Set, refused map[string]Refusal) {
	before := map[string]string{}
	if old != nil {
		for _, mod := range old.modules {
			before[mod.spec.Name] = mod.plugin.Info().SHA256
		}
	}
	var added, replaced, removed []string
	for _, mod := range s.modules {
		sum, ok := before[mod.spec.Name]
		switch {
		case !ok:
			added = append(added, mod.spec.Name)
		case sum != mod.plugin.Info().SHA256:
			replaced = append(replaced, mod.spec.Name)
		}
		delete(before, mod.spec.Name)
	}
	for name := range before {
		removed = append(removed, name)
	}
	slices.Sort(removed)
	if len(added)+len(replaced)+len(removed) > 0 {
		log.InfoContext(ctx, "modules changed", "added", added, "removed", removed, "replaced", replaced)
	}
	names := make([]string, 0, len(refused))
	for name := range refused {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		log.WarnContext(ctx, "module refused", "module", name, "sha256", refused[name].SHA256, "err", refused[name].Err)
	}
}
