package store_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

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
				if err := tx.ModuleKVSet(ctx, kv.m, kv.tn, kv.k, kv.v, 1<<20); err != nil {
					return err
				}
			}
			return tx.ModuleKVSet(ctx, "mod", "t1", "a", `"replaced"`, 1<<20)
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
			if err := tx.ModuleKVSet(ctx, "mod", "t1", "rolled", `1`, 1<<20); err != nil {
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

// TestModuleKVQuota: a store holds at most its quota in bytes of keys and
// values, counted across writes, replacements, deletes and rollbacks, and
// per module and tenant.
func TestModuleKVQuota(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		const quota = 20
		set := func(module, tenant, key, value string) error {
			return st.Write(ctx, func(tx *store.Tx) error { return tx.ModuleKVSet(ctx, module, tenant, key, value, quota) })
		}
		usage := func(module, tenant string) int64 {
			t.Helper()
			var n int64
			if err := st.Read(ctx, func(tx *store.Tx) (err error) {
				n, err = tx.ModuleKVUsage(ctx, module, tenant)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			return n
		}
		steps := []struct {
			key, value string
			quota      bool  // the write fails with ErrQuota
			usage      int64 // mod/t1's bytes after it
		}{
			{"a", "123456789", false, 10},
			{"b", "123456789", false, 20},
			{"c", "1", true, 20},           // one byte over
			{"a", "12345678901", true, 20}, // replacing grows it by two
			{"a", "1234", false, 15},       // replacing shrinks it
			{"ü", "12", false, 19},         // bytes, not characters
			{"é", "1", true, 19},
		}
		for _, s := range steps {
			err := set("mod", "t1", s.key, s.value)
			if s.quota != errors.Is(err, store.ErrQuota) || (!s.quota && err != nil) {
				t.Fatalf("set %s=%s: %v, want quota error %v", s.key, s.value, err, s.quota)
			}
			if got := usage("mod", "t1"); got != s.usage {
				t.Fatalf("after %s=%s: usage %d, want %d", s.key, s.value, got, s.usage)
			}
		}
		// The refused writes changed nothing.
		if err := st.Read(ctx, func(tx *store.Tx) error {
			v, err := tx.ModuleKVGet(ctx, "mod", "t1", "a")
			if err != nil || v != "1234" {
				t.Errorf("a = %q, %v; want 1234", v, err)
			}
			_, err = tx.ModuleKVGet(ctx, "mod", "t1", "c")
			if !errors.Is(err, store.ErrNotFound) {
				t.Errorf("c: %v, want ErrNotFound", err)
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		// Other tenants and modules have quotas of their own.
		if err := set("mod", "t2", "a", "123456789012345678"); err != nil {
			t.Fatal(err)
		}
		if err := set("other", "t1", "a", "123456789012345678"); err != nil {
			t.Fatal(err)
		}
		// Deleting frees the space; a rolled-back write takes none.
		if err := st.Write(ctx, func(tx *store.Tx) error {
			_, err := tx.ModuleKVDelete(ctx, "mod", "t1", "b")
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if got := usage("mod", "t1"); got != 9 {
			t.Fatalf("after delete: usage %d, want 9", got)
		}
		boom := errors.New("boom")
		if err := st.Write(ctx, func(tx *store.Tx) error {
			if err := tx.ModuleKVSet(ctx, "mod", "t1", "r", "12345", quota); err != nil {
				return err
			}
			return boom
		}); !errors.Is(err, boom) {
			t.Fatal(err)
		}
		if got := usage("mod", "t1"); got != 9 {
			t.Fatalf("after a rollback: usage %d, want 9", got)
		}
		// A store over a lowered quota can still shrink.
		if err := st.Write(ctx, func(tx *store.Tx) error {
			return tx.ModuleKVSet(ctx, "mod", "t1", "a", "1", 2)
		}); err != nil {
			t.Fatalf("shrinking over the quota: %v", err)
		}
	})
}

// TestModuleKVUsageBackfill: migrating a database from a release before the
// usage table (and before versioned migrations) counts what its stores
// already hold: migration 1 adopts it and creates the table. The database
// is made at version 1, as those releases' was, and then migrated by the
// real migrations.
func TestModuleKVUsageBackfill(t *testing.T) {
	storetest.EachEmpty(t, func(t *testing.T, open func(...store.Option) *store.Store) {
		ctx := context.Background()
		st := open(store.WithMigrations(migrationSet(t, nil)))
		if err := st.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		if err := st.Write(ctx, func(tx *store.Tx) error {
			for _, k := range []string{"a", "bb"} {
				if err := tx.ModuleKVSet(ctx, "mod", "t1", k, "1234", 1<<20); err != nil {
					return err
				}
			}
			return tx.ModuleKVSet(ctx, "mod", "t2", "ü", "1", 1<<20)
		}); err != nil {
			t.Fatal(err)
		}
		for _, table := range []string{"module_kv_usage", "schema_migrations"} {
			if _, err := st.Driver().Exec(ctx, "DROP TABLE "+table); err != nil {
				t.Fatal(err)
			}
		}
		st = open()
		if err := st.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		for tenant, want := range map[string]int64{"t1": 11, "t2": 3} {
			var got int64
			if err := st.Read(ctx, func(tx *store.Tx) (err error) {
				got, err = tx.ModuleKVUsage(ctx, "mod", tenant)
				return err
			}); err != nil || got != want {
				t.Errorf("usage of %s after the backfill: %d, %v; want %d", tenant, got, err, want)
			}
		}
	})
}

// TestModuleKVConcurrentWriters: writers of one store running at once (a
// module's pool of instances, several nodes) keep its usage exact, and a
// set racing a delete of the same key does not deadlock (on PostgreSQL they
// took their row locks in opposite orders). Found in review: usage went to
// -840012 bytes, letting a module store that much past its quota.
func TestModuleKVConcurrentWriters(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		check := func(what string) {
			t.Helper()
			var stored, usage int64
			if err := st.Read(ctx, func(tx *store.Tx) error {
				es, err := tx.ModuleKVList(ctx, "mod", "t1", "", 1000)
				if err != nil {
					return err
				}
				for _, e := range es {
					stored += store.KVSize(e.Key, e.Value)
				}
				usage, err = tx.ModuleKVUsage(ctx, "mod", "t1")
				return err
			}); err != nil {
				t.Fatal(err)
			}
			if usage != stored {
				t.Fatalf("%s: usage %d, the store holds %d", what, usage, stored)
			}
		}
		set := func(key, value string) error {
			return st.Write(ctx, func(tx *store.Tx) error { return tx.ModuleKVSet(ctx, "mod", "t1", key, value, 1<<20) })
		}
		big := `"` + strings.Repeat("x", 60000) + `"`
		for range 5 {
			if err := set("k", big); err != nil {
				t.Fatal(err)
			}
			var wg sync.WaitGroup
			for range 8 {
				wg.Go(func() {
					if err := set("k", "1"); err != nil {
						t.Error(err)
					}
				})
			}
			wg.Wait()
			check("shrinking at once")
		}
		ctx, cancel := context.WithTimeout(ctx, time.Minute)
		defer cancel()
		var wg sync.WaitGroup
		for i := range 8 {
			wg.Go(func() {
				for j := range 20 {
					var err error
					if (i+j)%2 == 0 {
						err = set("d", `"v"`)
					} else {
						err = st.Write(ctx, func(tx *store.Tx) error { _, err := tx.ModuleKVDelete(ctx, "mod", "t1", "d"); return err })
					}
					if err != nil {
						t.Error(err)
						return
					}
				}
			})
		}
		wg.Wait()
		check("setting and deleting at once")
	})
}
