package chatwasm

import "github.com/chatwasm/chatwasm/abi"

// The module's key-value store (capability kv): the module's own, per
// tenant. Keys have 1–256 bytes, values are JSON of at most 64 KiB. In a
// replace hook the store joins the operation's transaction (writes commit
// or roll back with it); elsewhere each write commits on its own.

// KVGet decodes the value of key into v and reports whether the key exists
// (a stored JSON null reads as absent).
func (c Call) KVGet(key string, v any) (bool, error) {
	var res abi.KVValue
	if err := invoke(abi.ImportKVGet, abi.KVRequest{Key: key}, &res); err != nil {
		return false, err
	}
	if len(res.Value) == 0 || string(res.Value) == "null" {
		return false, nil
	}
	return true, decode(res.Value, v)
}

// KVSet stores v, encoded as JSON, under key.
func (c Call) KVSet(key string, v any) error {
	b, err := encode(v)
	if err != nil {
		return err
	}
	return invoke(abi.ImportKVSet, abi.KVRequest{Key: key, Value: b}, nil)
}

// KVDelete deletes key and reports whether it existed.
func (c Call) KVDelete(key string) (bool, error) {
	res, err := get[struct {
		Deleted bool `json:"deleted"`
	}](abi.ImportKVDelete, abi.KVRequest{Key: key})
	return res.Deleted, err
}

// KVList returns the entries whose key starts with prefix, in key order, at
// most limit of them (at most 1000; 0 means 1000).
func (c Call) KVList(prefix string, limit int) ([]KVEntry, error) {
	return get[[]KVEntry](abi.ImportKVList, abi.KVRequest{Key: prefix, Limit: limit})
}
