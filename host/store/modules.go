package store

import (
	"context"
	"fmt"
	"time"
)

// StoredModule is a module uploaded over the admin API.
type StoredModule struct {
	// Name is unique over every tenant.
	Name string
	// Tenant owns the module; "" is the operator.
	Tenant string
	// Wasm is the module's bytes, filled only by EnabledModules.
	Wasm   []byte
	SHA256 string
	// Size is len(Wasm), known without reading it.
	Size int64
	// Manifest is the JSON of the module's entry (hooks, tenants, limits…).
	Manifest  string
	Enabled   bool
	CreatedAt time.Time
	UpdatedAt time.Time
}

const moduleColumns = "name, tenant, sha256, size, manifest, enabled, created_at, updated_at"

func scanModule(r scanner, wasm bool) (StoredModule, error) {
	var m StoredModule
	var created, updated int64
	dst := []any{&m.Name, &m.Tenant, &m.SHA256, &m.Size, &m.Manifest, &m.Enabled, &created, &updated}
	if wasm {
		dst = append(dst, &m.Wasm)
	}
	if err := r.Scan(dst...); err != nil {
		return m, err
	}
	m.CreatedAt, m.UpdatedAt = FromMicros(created), FromMicros(updated)
	return m, nil
}

// CreateModule stores m (Wasm, SHA256 and Size as given), enabled or not as
// m says, created and updated now. A module of the same name is
// ErrConflict.
func (t *Tx) CreateModule(ctx context.Context, m StoredModule) error {
	now := Micros(t.Now())
	if _, err := t.ex.Exec(ctx, `INSERT INTO modules (name, tenant, wasm, sha256, size, manifest, enabled, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)`,
		m.Name, m.Tenant, m.Wasm, m.SHA256, int64(len(m.Wasm)), m.Manifest, m.Enabled, now); err != nil {
		return wrap("create module", err)
	}
	return t.bumpModules(ctx)
}

// CountTenantModules returns how many modules tenant has stored. It locks
// the stored modules until the transaction ends, so that two transactions
// that count, then create a module, do so one after the other and each
// counts the other's.
func (t *Tx) CountTenantModules(ctx context.Context, tenant string) (int, error) {
	// A no-op update takes the row lock that bumpModules would (SQLite's
	// write transactions are serial already).
	if err := t.execFound(ctx, "lock modules", "UPDATE modules_version SET version = version WHERE id = 1"); err != nil {
		return 0, err
	}
	var n int
	err := t.ex.QueryRow(ctx, "SELECT count(*) FROM modules WHERE tenant = $1", tenant).Scan(&n)
	return n, wrap("count tenant modules", err)
}

// ListModules returns the stored modules, without their bytes, ordered by
// name.
func (t *Tx) ListModules(ctx context.Context) ([]StoredModule, error) {
	return collect(ctx, t.ex, "list modules", func(r scanner) (StoredModule, error) { return scanModule(r, false) },
		"SELECT "+moduleColumns+" FROM modules ORDER BY name")
}

// EnabledModules returns the enabled modules with their bytes, ordered by
// name: what a node loads.
func (t *Tx) EnabledModules(ctx context.Context) ([]StoredModule, error) {
	return collect(ctx, t.ex, "enabled modules", func(r scanner) (StoredModule, error) { return scanModule(r, true) },
		"SELECT "+moduleColumns+", wasm FROM modules WHERE enabled ORDER BY name")
}

// GetModule returns the module named name, without its bytes, or
// ErrNotFound.
func (t *Tx) GetModule(ctx context.Context, name string) (StoredModule, error) {
	m, err := scanModule(t.ex.QueryRow(ctx, "SELECT "+moduleColumns+" FROM modules WHERE name = $1", name), false)
	return m, wrap("get module", err)
}

// Owner scopes a change of a stored module: AnyOwner changes it whoever
// owns it (the operator), OwnedBy(tenant) only if that tenant owns it. The
// owner is part of the change's own statement, so a module deleted and
// uploaded again by another tenant between a check and the change is not
// that change's to make.
type Owner struct {
	tenant string
	scoped bool
}

// AnyOwner is the Owner of a change the operator makes.
var AnyOwner = Owner{}

// OwnedBy is the Owner of a change tenant makes to its own modules.
func OwnedBy(tenant string) Owner { return Owner{tenant: tenant, scoped: true} }

// where returns the predicate of the module named by placeholder $n, and
// the owner's, with their arguments.
func (o Owner) where(n int, name string) (string, []any) {
	if !o.scoped {
		return fmt.Sprintf("name = $%d", n), []any{name}
	}
	return fmt.Sprintf("name = $%d AND tenant = $%d", n, n+1), []any{name, o.tenant}
}

// SetModuleEnabled enables or disables the module named name of owner
// (ErrNotFound if there is none).
func (t *Tx) SetModuleEnabled(ctx context.Context, name string, owner Owner, enabled bool) error {
	pred, args := owner.where(3, name)
	if err := t.execFound(ctx, "set module enabled", "UPDATE modules SET enabled = $1, updated_at = $2 WHERE "+pred,
		append([]any{enabled, Micros(t.Now())}, args...)...); err != nil {
		return err
	}
	return t.bumpModules(ctx)
}

// DeleteModule deletes the module named name of owner (ErrNotFound if there
// is none). Its key-value store stays, as a module of the same name
// uploaded again finds it.
func (t *Tx) DeleteModule(ctx context.Context, name string, owner Owner) error {
	pred, args := owner.where(1, name)
	if err := t.execFound(ctx, "delete module", "DELETE FROM modules WHERE "+pred, args...); err != nil {
		return err
	}
	return t.bumpModules(ctx)
}

// ModulesVersion returns the number every change of the stored modules
// increments: a node whose modules were loaded at another version reloads.
func (t *Tx) ModulesVersion(ctx context.Context) (int64, error) {
	var v int64
	err := t.ex.QueryRow(ctx, "SELECT version FROM modules_version WHERE id = 1").Scan(&v)
	return v, wrap("modules version", err)
}

func (t *Tx) bumpModules(ctx context.Context) error {
	return t.execFound(ctx, "bump modules version", "UPDATE modules_version SET version = version + 1 WHERE id = 1")
}
