package store

import (
	"context"
	"errors"
	"fmt"
	"unicode/utf8"
)

// KVEntry is one key of a module's key-value store.
type KVEntry struct {
	Key   string
	Value string
}

// ModuleKVGet returns the value of key in module's store for tenant, or
// ErrNotFound.
func (t *Tx) ModuleKVGet(ctx context.Context, module, tenant, key string) (string, error) {
	var v string
	err := t.ex.QueryRow(ctx, "SELECT value FROM module_kv WHERE module = $1 AND tenant = $2 AND key = $3",
		module, tenant, key).Scan(&v)
	return v, wrap("module kv get", err)
}

// ErrQuota is returned by ModuleKVSet when the write would take a module's
// store for a tenant past its quota.
var ErrQuota = errors.New("store: quota exceeded")

// KVSize is what an entry counts against a module's quota: the bytes of its
// key and of its value.
func KVSize(key, value string) int64 { return int64(len(key) + len(value)) }

// ModuleKVSet stores value under key in module's store for tenant, replacing
// any previous value. The store may then hold at most quota bytes (KVSize
// summed over its entries); a write that would exceed it fails with
// ErrQuota and changes nothing. A write that does not grow the store always
// succeeds, so that a store over a lowered quota can still shrink.
func (t *Tx) ModuleKVSet(ctx context.Context, module, tenant, key, value string, quota int64) error {
	if err := t.lockKVUsage(ctx, module, tenant); err != nil {
		return err
	}
	var old int64
	err := t.ex.QueryRow(ctx, "SELECT octet_length(value) FROM module_kv WHERE module = $1 AND tenant = $2 AND key = $3",
		module, tenant, key).Scan(&old)
	switch {
	case err == nil:
		old += int64(len(key))
	case !errors.Is(err, ErrNotFound):
		return wrap("module kv set", err)
	}
	if err := t.addKVUsage(ctx, module, tenant, KVSize(key, value)-old, quota); err != nil {
		return err
	}
	_, err = t.ex.Exec(ctx, `INSERT INTO module_kv (module, tenant, key, value) VALUES ($1, $2, $3, $4)
		ON CONFLICT (module, tenant, key) DO UPDATE SET value = excluded.value`, module, tenant, key, value)
	return wrap("module kv set", err)
}

// ModuleKVDelete removes key from module's store for tenant and reports
// whether it was there.
func (t *Tx) ModuleKVDelete(ctx context.Context, module, tenant, key string) (bool, error) {
	if err := t.lockKVUsage(ctx, module, tenant); err != nil {
		return false, err
	}
	var size int64
	err := t.ex.QueryRow(ctx, `DELETE FROM module_kv WHERE module = $1 AND tenant = $2 AND key = $3
		RETURNING octet_length(value)`, module, tenant, key).Scan(&size)
	if errors.Is(err, ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, wrap("module kv delete", err)
	}
	return true, t.addKVUsage(ctx, module, tenant, -(size + int64(len(key))), 0)
}

// ModuleKVUsage returns the bytes module's store for tenant holds.
func (t *Tx) ModuleKVUsage(ctx context.Context, module, tenant string) (int64, error) {
	var n int64
	err := t.ex.QueryRow(ctx, "SELECT bytes FROM module_kv_usage WHERE module = $1 AND tenant = $2",
		module, tenant).Scan(&n)
	if errors.Is(err, ErrNotFound) {
		return 0, nil
	}
	return n, wrap("module kv usage", err)
}

// lockKVUsage takes the row lock of module's store for tenant (creating its
// usage row if need be) before a write reads any size. On PostgreSQL, whose
// transactions are READ COMMITTED, two writers of one store would otherwise
// both read the same old size and count it twice, and a set (usage row, then
// key row) and a delete (key row, then usage row) would deadlock. With it,
// the writers of one store run one after the other and lock in one order.
// (SQLite has a single writer anyway.)
func (t *Tx) lockKVUsage(ctx context.Context, module, tenant string) error {
	_, err := t.ex.Exec(ctx, `INSERT INTO module_kv_usage (module, tenant, bytes) VALUES ($1, $2, 0)
		ON CONFLICT (module, tenant) DO UPDATE SET bytes = module_kv_usage.bytes`, module, tenant)
	return wrap("module kv usage", err)
}

// addKVUsage adds delta to the bytes of module's store for tenant, whose
// usage row lockKVUsage has locked, or fails with ErrQuota if delta is
// positive and the total would exceed quota.
func (t *Tx) addKVUsage(ctx context.Context, module, tenant string, delta, quota int64) error {
	n, err := t.ex.Exec(ctx, `UPDATE module_kv_usage SET bytes = bytes + $3
		WHERE module = $1 AND tenant = $2 AND ($3 <= 0 OR bytes + $3 <= $4)`, module, tenant, delta, quota)
	if err != nil {
		return wrap("module kv usage", err)
	}
	if n == 0 {
		return fmt.Errorf("%w: %d more bytes, the quota is %d", ErrQuota, delta, quota)
	}
	return nil
}

// ModuleKVList returns up to limit entries of module's store for tenant whose
// key starts with prefix, in key order.
func (t *Tx) ModuleKVList(ctx context.Context, module, tenant, prefix string, limit int) ([]KVEntry, error) {
	// substr rather than LIKE, so that '%' and '_' in a prefix mean
	// themselves; both engines count characters, hence the rune count.
	return collect(ctx, t.ex, "module kv list", func(row scanner) (KVEntry, error) {
		var e KVEntry
		err := row.Scan(&e.Key, &e.Value)
		return e, err
	}, `SELECT key, value FROM module_kv
		WHERE module = $1 AND tenant = $2 AND substr(key, 1, $3) = $4 ORDER BY key LIMIT $5`,
		module, tenant, utf8.RuneCountInString(prefix), prefix, limit)
}
