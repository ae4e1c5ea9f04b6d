package store_test

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/chatwasm/chatwasm/host/store"
	"github.com/chatwasm/chatwasm/host/store/storetest"
)

func TestStoredModules(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		version := func() int64 {
			t.Helper()
			var v int64
			if err := st.Read(ctx, func(tx *store.Tx) (err error) { v, err = tx.ModulesVersion(ctx); return err }); err != nil {
				t.Fatal(err)
			}
			return v
		}
		write := func(fn func(tx *store.Tx) error) error { return st.Write(ctx, fn) }
		v0 := version()
		// Every byte value, NUL and invalid UTF-8 included, comes back as it went in.
		wasm := make([]byte, 512)
		for i := range wasm {
			wasm[i] = byte(i)
		}
		for _, m := range []store.StoredModule{
			{Name: "zeta", Tenant: "acme", Wasm: wasm, SHA256: "aa", Manifest: `{"hooks":["create_message"]}`, Enabled: true},
			{Name: "alpha", Tenant: "", Wasm: []byte("\x00asm"), SHA256: "bb", Manifest: `{}`, Enabled: false},
		} {
			if err := write(func(tx *store.Tx) error { return tx.CreateModule(ctx, m) }); err != nil {
				t.Fatal(err)
			}
		}
		if v := version(); v != v0+2 {
			t.Errorf("version after two creates = %d, want %d", v, v0+2)
		}
		for tenant, want := range map[string]int{"acme": 1, "": 1, "other": 0} {
			var n int
			if err := write(func(tx *store.Tx) (err error) { n, err = tx.CountTenantModules(ctx, tenant); return err }); err != nil || n != want {
				t.Errorf("CountTenantModules(%q) = %d, %v; want %d", tenant, n, err, want)
			}
		}
		if v := version(); v != v0+2 {
			t.Errorf("version after counting = %d, want %d: counting changes nothing", v, v0+2)
		}
		err := write(func(tx *store.Tx) error {
			return tx.CreateModule(ctx, store.StoredModule{Name: "alpha", Wasm: []byte("x"), Manifest: "{}"})
		})
		if !errors.Is(err, store.ErrConflict) {
			t.Errorf("create a taken name: %v, want ErrConflict", err)
		}
		var list, enabled []store.StoredModule
		err = st.Read(ctx, func(tx *store.Tx) (err error) {
			if list, err = tx.ListModules(ctx); err != nil {
				return err
			}
			enabled, err = tx.EnabledModules(ctx)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 2 || list[0].Name != "alpha" || list[1].Name != "zeta" || list[1].Size != 512 ||
			list[1].Tenant != "acme" || list[1].Wasm != nil || list[0].Enabled || !list[1].Enabled ||
			list[1].Manifest != `{"hooks":["create_message"]}` || list[1].CreatedAt.IsZero() {
			t.Errorf("ListModules = %+v", list)
		}
		if len(enabled) != 1 || enabled[0].Name != "zeta" || !bytes.Equal(enabled[0].Wasm, wasm) || enabled[0].SHA256 != "aa" {
			t.Errorf("EnabledModules = %+v", enabled)
		}
		if err := write(func(tx *store.Tx) error { return tx.SetModuleEnabled(ctx, "alpha", store.AnyOwner, true) }); err != nil {
			t.Fatal(err)
		}
		var got store.StoredModule
		if err := st.Read(ctx, func(tx *store.Tx) (err error) { got, err = tx.GetModule(ctx, "alpha"); return err }); err != nil || !got.Enabled {
			t.Errorf("alpha after enable: %+v, %v", got, err)
		}
		// A tenant changes its own modules only: zeta is acme's.
		for name, fn := range map[string]func(tx *store.Tx) error{
			"disable": func(tx *store.Tx) error { return tx.SetModuleEnabled(ctx, "zeta", store.OwnedBy("other"), false) },
			"delete":  func(tx *store.Tx) error { return tx.DeleteModule(ctx, "zeta", store.OwnedBy("other")) },
		} {
			if err := write(fn); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("%s another tenant's module: %v, want ErrNotFound", name, err)
			}
		}
		if err := write(func(tx *store.Tx) error { return tx.SetModuleEnabled(ctx, "zeta", store.OwnedBy("acme"), true) }); err != nil {
			t.Fatal(err)
		}
		if err := write(func(tx *store.Tx) error { return tx.DeleteModule(ctx, "zeta", store.OwnedBy("acme")) }); err != nil {
			t.Fatal(err)
		}
		if v := version(); v != v0+5 {
			t.Errorf("version after two enables and a delete = %d, want %d", v, v0+5)
		}
		for name, fn := range map[string]func(tx *store.Tx) error{
			"get":    func(tx *store.Tx) error { _, err := tx.GetModule(ctx, "zeta"); return err },
			"enable": func(tx *store.Tx) error { return tx.SetModuleEnabled(ctx, "zeta", store.AnyOwner, true) },
			"delete": func(tx *store.Tx) error { return tx.DeleteModule(ctx, "zeta", store.AnyOwner) },
		} {
			if err := write(fn); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("%s a deleted module: %v, want ErrNotFound", name, err)
			}
		}
		if v := version(); v != v0+5 {
			t.Errorf("version after failed changes = %d, want %d", v, v0+5)
		}
	})
}
