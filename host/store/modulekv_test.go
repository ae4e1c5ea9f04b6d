package store_test

import (
	"context"
	"errors"
	"testing"

	"github.com/chatwasm/chatwasm/host/store"
	"github.com/chatwasm/chatwasm/host/store/storetest"
)

func TestModuleKV(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		err := st.Write(ctx, func(tx *store.Tx) error {
			for _, kv := range []struct{ m, tn, k, v string }{
				{"mod", "t1", "a", `1`}, {"mod", "t1", "a_%", `2`}, {"mod", "t1", "ab", `3`},
				{"mod", "t1", "b", `4`}, {"mod", "t2", "a", `5`}, {"other", "t1", "a", `6`},
			} {
				if err := tx.ModuleKVSet(ctx, kv.m, kv.tn, kv.k, kv.v); err != nil {
					return err
				}
			}
			return tx.ModuleKVSet(ctx, "mod", "t1", "a", `"replaced"`)
		})
		if err != nil {
			t.Fatal(err)
		}
		err = st.Read(ctx, func(tx *store.Tx) error {
			for _, c := range []struct{ m, tn, k, want string }{
				{"mod", "t1", "a", `"replaced"`}, {"mod", "t2", "a", `5`}, {"other", "t1", "a", `6`},
			} {
				v, err := tx.ModuleKVGet(ctx, c.m, c.tn, c.k)
				if err != nil || v != c.want {
					t.Errorf("get %s/%s/%s = %q, %v; want %q", c.m, c.tn, c.k, v, err, c.want)
				}
			}
			if _, err := tx.ModuleKVGet(ctx, "mod", "t3", "a"); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("get in another tenant: %v, want ErrNotFound", err)
			}
			for _, c := range []struct {
				prefix string
				limit  int
				want   []string
			}{
				{"a", 10, []string{"a", "a_%", "ab"}},
				{"a_", 10, []string{"a_%"}}, // '_' is not a wildcard
				{"", 10, []string{"a", "a_%", "ab", "b"}},
				{"", 2, []string{"a", "a_%"}},
				{"z", 10, nil},
			} {
				got, err := tx.ModuleKVList(ctx, "mod", "t1", c.prefix, c.limit)
				if err != nil {
					return err
				}
				var keys []string
				for _, e := range got {
					keys = append(keys, e.Key)
				}
				if len(keys) != len(c.want) {
					t.Errorf("list %q: %v, want %v", c.prefix, keys, c.want)
					continue
				}
				for i := range keys {
					if keys[i] != c.want[i] {
						t.Errorf("list %q: %v, want %v", c.prefix, keys, c.want)
						break
					}
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		var existed, again bool
		err = st.Write(ctx, func(tx *store.Tx) error {
			var err error
			if existed, err = tx.ModuleKVDelete(ctx, "mod", "t1", "a"); err != nil {
				return err
			}
			again, err = tx.ModuleKVDelete(ctx, "mod", "t1", "a")
			return err
		})
		if err != nil || !existed || again {
			t.Fatalf("delete: existed=%v again=%v err=%v", existed, again, err)
		}
		// A failed transaction leaves no trace.
		boom := errors.New("boom")
		err = st.Write(ctx, func(tx *store.Tx) error {
			if err := tx.ModuleKVSet(ctx, "mod", "t1", "rolled", `1`); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("write: %v", err)
		}
		err = st.Read(ctx, func(tx *store.Tx) error {
			_, err := tx.ModuleKVGet(ctx, "mod", "t1", "rolled")
			return err
		})
		if !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("rolled-back key: %v, want ErrNotFound", err)
		}
	})
}
