package store

import (
	"context"
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

// ModuleKVSet stores value under key in module's store for tenant, replacing
// any previous value.
func (t *Tx) ModuleKVSet(ctx context.Context, module, tenant, key, value string) error {
	_, err := t.ex.Exec(ctx, `INSERT INTO module_kv (module, tenant, key, value) VALUES ($1, $2, $3, $4)
		ON CONFLICT (module, tenant, key) DO UPDATE SET value = excluded.value`, module, tenant, key, value)
	return wrap("module kv set", err)
}

// ModuleKVDelete removes key from module's store for tenant and reports
// whether it was there.
func (t *Tx) ModuleKVDelete(ctx context.Context, module, tenant, key string) (bool, error) {
	n, err := t.ex.Exec(ctx, "DELETE FROM module_kv WHERE module = $1 AND tenant = $2 AND key = $3", module, tenant, key)
	return n > 0, wrap("module kv delete", err)
}

// ModuleKVList returns up to limit entries of module's store for tenant whose
// key starts with prefix, in key order.
func (t *Tx) ModuleKVList(ctx context.Context, module, tenant, prefix string, limit int) ([]KVEntry, error) {
	// substr rather than LIKE, so that '%' and '_' in a prefix mean
	// themselves; both engines count characters, hence the rune count.
	rows, err := t.ex.Query(ctx, `SELECT key, value FROM module_kv
		WHERE module = $1 AND tenant = $2 AND substr(key, 1, $3) = $4 ORDER BY key LIMIT $5`,
		module, tenant, utf8.RuneCountInString(prefix), prefix, limit)
	if err != nil {
		return nil, wrap("module kv list", err)
	}
	defer rows.Close()
	var out []KVEntry
	for rows.Next() {
		var e KVEntry
		if err := rows.Scan(&e.Key, &e.Value); err != nil {
			return nil, wrap("module kv list", err)
		}
		out = append(out, e)
	}
	return out, wrap("module kv list", rows.Err())
}
