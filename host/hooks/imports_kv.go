package hooks

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/chatwasm/chatwasm/abi"
	"github.com/chatwasm/chatwasm/host/store"
)

// kvRequest decodes and checks a key-value request.
func kvRequest(name string, req []byte, prefix bool) (abi.KVRequest, error) {
	var r abi.KVRequest
	if err := decode(name, req, &r); err != nil {
		return r, err
	}
	if (r.Key == "" && !prefix) || len(r.Key) > abi.KVKeyMax {
		return r, badRequest("%s: the key must have 1 to %d bytes", name, abi.KVKeyMax)
	}
	return r, nil
}

func importKVGet(ctx context.Context, f *frame, req []byte) (any, error) {
	r, err := kvRequest(abi.ImportKVGet, req, false)
	if err != nil {
		return nil, err
	}
	out := abi.KVValue{Value: json.RawMessage("null")}
	err = f.withTx(ctx, false, func(tx *store.Tx) error {
		v, err := tx.ModuleKVGet(ctx, f.m.spec.kvStore(), f.call.Tenant, r.Key)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		out.Value = json.RawMessage(v)
		return err
	})
	return out, err
}

func importKVSet(ctx context.Context, f *frame, req []byte) (any, error) {
	r, err := kvRequest(abi.ImportKVSet, req, false)
	if err != nil {
		return nil, err
	}
	if len(r.Value) == 0 {
		return nil, badRequest("kv_set: missing value")
	}
	if len(r.Value) > abi.KVValueMax {
		return nil, badRequest("kv_set: the value must have at most %d bytes", abi.KVValueMax)
	}
	err = f.withTx(ctx, true, func(tx *store.Tx) error {
		return tx.ModuleKVSet(ctx, f.m.spec.kvStore(), f.call.Tenant, r.Key, string(r.Value), f.m.spec.KVQuota)
	})
	if errors.Is(err, store.ErrQuota) {
		return nil, badRequest("kv_set: the module's store for this tenant would exceed its kv_quota of %d bytes", f.m.spec.KVQuota)
	}
	return nil, err
}

func importKVDelete(ctx context.Context, f *frame, req []byte) (any, error) {
	r, err := kvRequest(abi.ImportKVDelete, req, false)
	if err != nil {
		return nil, err
	}
	deleted, err := txValue(ctx, f, true, func(tx *store.Tx) (bool, error) {
		return tx.ModuleKVDelete(ctx, f.m.spec.kvStore(), f.call.Tenant, r.Key)
	})
	return struct {
		Deleted bool `json:"deleted"`
	}{deleted}, err
}

func importKVList(ctx context.Context, f *frame, req []byte) (any, error) {
	r, err := kvRequest(abi.ImportKVList, req, true)
	if err != nil {
		return nil, err
	}
	if r.Limit <= 0 || r.Limit > abi.KVListMax {
		r.Limit = abi.KVListMax
	}
	out := []abi.KVEntry{}
	err = f.withTx(ctx, false, func(tx *store.Tx) error {
		es, err := tx.ModuleKVList(ctx, f.m.spec.kvStore(), f.call.Tenant, r.Key, r.Limit)
		for _, e := range es {
			out = append(out, abi.KVEntry{Key: e.Key, Value: json.RawMessage(e.Value)})
		}
		return err
	})
	return out, err
}
